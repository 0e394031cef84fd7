//! Conditions on steps and variants (`when`, docs/sequences.md), as a property: for generated
//! carts and generated conditions — written as the TOML a merchant writes and loaded through the
//! configuration — the send policy skips a step (`condition`) exactly when this file's own
//! reading of the rules says the cart does not meet it, and draws only among the variants it
//! meets. The reference below reads the raw values, not the loaded `Condition` (and the items'
//! tags, collections and types from its own table, not the `Catalogue` built from it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::abandonment::send_policy::{SendPlan, plan_send_with};
use cartback_core::config::Config;
use cartback_core::domain::catalogue::{Catalogue, Product, Variant};
use cartback_core::domain::money::Currency;
use cartback_core::domain::pii::Pii;
use cartback_core::domain::{Cart, Contact, Item, Reason, Temperature};
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Debug, Clone)]
struct Shopper {
    /// Whole euros per unit, units.
    each: i64,
    units: u32,
    euros: bool,
    orders_count: Option<u32>,
    ordered_here: bool,
    phone: Option<(&'static str, &'static str)>,
    locale: Option<&'static str>,
    sms: bool,
    whatsapp: bool,
    reason: Option<Reason>,
    temperature: Temperature,
    /// The cart's product in `PRODUCTS`, or one the catalogue does not know.
    product: Option<usize>,
}

/// The catalogue: (product type, tags, collections). Names differ in case from the conditions'
/// on purpose: they are compared without case.
type Row = (&'static str, &'static [&'static str], &'static [&'static str]);

const PRODUCTS: [Row; 3] = [
    ("Sweaters", &["knitwear", "Winter"], &["warm"]),
    ("Candles", &["home"], &["Home", "gifts"]),
    ("Hats", &["knitwear"], &[]),
];

fn catalogue() -> Catalogue {
    let eur = Currency::parse("EUR").unwrap();
    let products = PRODUCTS
        .iter()
        .enumerate()
        .map(|(i, (ty, tags, collections))| Product {
            id: i.to_string(),
            handle: format!("p{i}"),
            title: format!("P{i}"),
            product_type: ty.to_string(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            collections: collections.iter().map(|t| t.to_string()).collect(),
            goes_with: Vec::new(),
            url: None,
            options: Vec::new(),
            facts: Default::default(),
            variants: vec![Variant {
                id: format!("v{i}"),
                sku: format!("SKU-{i}"),
                title: "Default".into(),
                options: Vec::new(),
                price_minor: 100,
                available: true,
            }],
        })
        .collect();
    Catalogue { products, ..Catalogue::empty("s", "test", eur, jiff::Timestamp::UNIX_EPOCH) }
}

#[derive(Debug, Clone, Default)]
struct When {
    value_min: Option<i64>,
    value_max: Option<i64>,
    items_min: Option<u32>,
    items_max: Option<u32>,
    first_time: Option<bool>,
    countries: Vec<&'static str>,
    languages: Vec<&'static str>,
    consent: Vec<&'static str>,
    reasons: Vec<Reason>,
    leads: Vec<&'static str>,
    tags: Vec<&'static str>,
    collections: Vec<&'static str>,
    product_types: Vec<&'static str>,
}

const PHONES: [(&str, &str); 3] = [("+4791234567", "NO"), ("+905321234567", "TR"), ("+447400123456", "GB")];
const LOCALES: [&str; 4] = ["nb-NO", "tr", "en-GB", "fa-IR"];

fn shopper() -> impl Strategy<Value = Shopper> {
    (
        (1_i64..300, 1_u32..6, proptest::bool::weighted(0.85)),
        (proptest::option::of(0_u32..4), any::<bool>()),
        (proptest::option::of(0_usize..3), proptest::option::of(0_usize..4)),
        (any::<bool>(), any::<bool>(), proptest::option::of(0_usize..9)),
        (0_usize..3, proptest::option::weighted(0.8, 0_usize..3)),
    )
        .prop_map(
            |(
                (each, units, euros),
                (orders_count, ordered_here),
                (phone, locale),
                (sms, whatsapp, reason),
                (temperature, product),
            )| Shopper {
                each,
                units,
                euros,
                orders_count,
                ordered_here,
                phone: phone.map(|i| PHONES[i]),
                locale: locale.map(|i| LOCALES[i]),
                sms,
                whatsapp,
                reason: reason.map(|i| Reason::ALL[i]),
                temperature: Temperature::ALL[temperature],
                product,
            },
        )
}

fn when() -> impl Strategy<Value = When> {
    // Each kind named about one time in four, so that most conditions name one or two kinds and
    // every kind decides often.
    let some = |p: f64| proptest::bool::weighted(p);
    let list = |v: Vec<&'static str>| {
        (some(0.25), proptest::sample::subsequence(v, 1..=2)).prop_map(|(on, l)| if on { l } else { Vec::new() })
    };
    (
        (proptest::option::weighted(0.25, 1_i64..600), proptest::option::weighted(0.25, 1_i64..900)),
        (proptest::option::weighted(0.25, 1_u32..5), proptest::option::weighted(0.25, 1_u32..7)),
        proptest::option::weighted(0.25, any::<bool>()),
        (list(vec!["NO", "TR", "GB"]), list(vec!["nb", "tr", "en"])),
        (
            list(vec!["sms", "whatsapp"]),
            (some(0.25), proptest::sample::subsequence(Reason::ALL.to_vec(), 1..=2))
                .prop_map(|(on, l)| if on { l } else { Vec::new() }),
        ),
        (list(vec!["cold", "warm", "hot"]), list(vec!["WINTER", "home", "gifts"])),
        (list(vec!["warm", "home", "gifts"]), list(vec!["sweaters", "Hats", "Bags"])),
    )
        .prop_map(
            |(
                (value_min, value_max),
                (items_min, items_max),
                first_time,
                (countries, languages),
                (consent, reasons),
                (leads, tags),
                (collections, product_types),
            )| When {
                value_min,
                value_max: value_max.map(|m| m.max(value_min.unwrap_or(0))),
                items_min,
                items_max: items_max.map(|m| m.max(items_min.unwrap_or(0))),
                first_time,
                countries,
                languages,
                consent,
                reasons,
                leads,
                tags,
                collections,
                product_types,
            },
        )
        .prop_filter("names something", |w| {
            w.value_min.is_some()
                || w.value_max.is_some()
                || w.items_min.is_some()
                || w.items_max.is_some()
                || w.first_time.is_some()
                || !w.countries.is_empty()
                || !w.languages.is_empty()
                || !w.consent.is_empty()
                || !w.reasons.is_empty()
                || !w.leads.is_empty()
                || !w.tags.is_empty()
                || !w.collections.is_empty()
                || !w.product_types.is_empty()
        })
}

fn toml(w: &When) -> String {
    let list = |v: &[&str]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if let Some(v) = w.value_min {
        parts.push(format!("cart_value_min = \"{v}.00\""));
    }
    if let Some(v) = w.value_max {
        parts.push(format!("cart_value_max = \"{v}.00\""));
    }
    if let Some(v) = w.items_min {
        parts.push(format!("items_min = {v}"));
    }
    if let Some(v) = w.items_max {
        parts.push(format!("items_max = {v}"));
    }
    if let Some(v) = w.first_time {
        parts.push(format!("first_time = {v}"));
    }
    if !w.countries.is_empty() {
        parts.push(format!("countries = [{}]", list(&w.countries)));
    }
    if !w.languages.is_empty() {
        parts.push(format!("languages = [{}]", list(&w.languages)));
    }
    if !w.consent.is_empty() {
        parts.push(format!("consent = [{}]", list(&w.consent)));
    }
    if !w.reasons.is_empty() {
        let r: Vec<&str> = w.reasons.iter().map(Reason::as_str).collect();
        parts.push(format!("reasons = [{}]", list(&r)));
    }
    for (key, v) in
        [("leads", &w.leads), ("tags", &w.tags), ("collections", &w.collections), ("product_types", &w.product_types)]
    {
        if !v.is_empty() {
            parts.push(format!("{key} = [{}]", list(v)));
        }
    }
    format!("{{ {} }}", parts.join(", "))
}

/// The reference: the rules of docs/sequences.md, read off the raw values.
fn meets(w: &When, s: &Shopper) -> bool {
    let value = s.each * 100 * i64::from(s.units);
    let value_ok = (w.value_min.is_none() && w.value_max.is_none())
        || (s.euros && w.value_min.is_none_or(|m| value >= m * 100) && w.value_max.is_none_or(|m| value <= m * 100));
    let items_ok = w.items_min.is_none_or(|m| s.units >= m) && w.items_max.is_none_or(|m| s.units <= m);
    let first = match s.orders_count {
        Some(n) => n == 0,
        None => !s.ordered_here,
    };
    let first_ok = w.first_time.is_none_or(|f| f == first);
    let country_ok = w.countries.is_empty() || s.phone.is_some_and(|(_, c)| w.countries.contains(&c));
    // The store's language is English.
    let lang = s.locale.map_or("en", |l| l.split('-').next().unwrap());
    let lang_ok = w.languages.is_empty() || w.languages.contains(&lang);
    let consent_ok = w.consent.iter().all(|c| match *c {
        "sms" => s.sms,
        _ => s.whatsapp,
    });
    let reason_ok = w.reasons.is_empty() || s.reason.is_some_and(|r| w.reasons.contains(&r));
    let lead_ok = w.leads.is_empty() || w.leads.contains(&s.temperature.as_str());
    let item = s.product.map(|i| PRODUCTS[i]);
    let any = |wanted: &[&str], has: &dyn Fn(Row) -> Vec<String>| {
        wanted.is_empty()
            || item.is_some_and(|p| has(p).iter().any(|x| wanted.iter().any(|w| w.to_lowercase() == x.to_lowercase())))
    };
    let items_kind_ok = any(&w.tags, &|p| p.1.iter().map(|t| t.to_string()).collect())
        && any(&w.collections, &|p| p.2.iter().map(|t| t.to_string()).collect())
        && any(&w.product_types, &|p| vec![p.0.to_string()]);
    value_ok && items_ok && first_ok && country_ok && lang_ok && consent_ok && reason_ok && lead_ok && items_kind_ok
}

fn config(step: Option<&When>, variants: &[Option<When>]) -> Config {
    let mut text = String::from(
        "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"S\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nlocale = \"en\"\nallowed_domains = [\"shop.example\"]\n[stores.quiet_hours]\nstart = \"00:00\"\nend = \"23:59\"\n[[stores.steps]]\nafter = \"30m\"\nchannel = \"email\"\n",
    );
    if let Some(w) = step {
        text.push_str(&format!("when = {}\n", toml(w)));
    }
    for (i, v) in variants.iter().enumerate() {
        text.push_str(&format!("[[stores.steps.variants]]\nname = \"V{i}\"\nweight = 1\n"));
        if let Some(w) = v {
            text.push_str(&format!("when = {}\n", toml(w)));
        }
    }
    Config::from_toml("t.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn cart_of(s: &Shopper) -> (Cart, Option<Contact>) {
    let start: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let mut c = Cart::new("s", "c1", start, false);
    c.currency = Some(Currency::parse(if s.euros { "EUR" } else { "USD" }).unwrap());
    c.items = Arc::new(vec![Item {
        sku: s.product.map_or("UNKNOWN".into(), |i| format!("SKU-{i}")),
        name: "A".into(),
        quantity: s.units,
        unit_price_minor: s.each * 100,
        url: None,
        image_url: None,
    }]);
    let cu = Arc::make_mut(&mut c.customer);
    cu.email = Some(Pii::new("a@example.com"));
    cu.phone = s.phone.map(|(p, _)| Pii::new(p));
    cu.locale = s.locale.map(str::to_string);
    cu.orders_count = s.orders_count;
    cu.consent.email = Some(true);
    cu.consent.sms = Some(s.sms);
    cu.consent.whatsapp = Some(s.whatsapp);
    c.reason = s.reason;
    c.temperature = s.temperature;
    c.status = cartback_core::domain::CartStatus::Abandoned;
    let contact = s.ordered_here.then(|| {
        // An order of theirs known here, before this cart (a later one would end its sequence).
        let mut k = Contact::new("s", "k");
        k.last_order_at = Some("2026-10-01T00:00:00Z".parse().unwrap());
        k
    });
    (c, contact)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn a_cart_gets_exactly_the_steps_and_variants_its_conditions_allow(
        s in shopper(),
        step in proptest::option::of(when()),
        variants in proptest::collection::vec(proptest::option::of(when()), 0..3),
    ) {
        let cfg = config(step.as_ref(), &variants);
        let store = cfg.store("s").unwrap();
        let (cart, contact) = cart_of(&s);
        let now: jiff::Timestamp = "2026-11-23T13:00:00Z".parse().unwrap();
        let plan = plan_send_with(&cart, contact.as_ref(), store, 0, now, Some(&catalogue()));
        // Variant A (the step's own) has no condition of its own.
        let eligible: Vec<usize> = std::iter::once(true)
            .chain(variants.iter().map(|v| v.as_ref().is_none_or(|w| meets(w, &s))))
            .enumerate()
            .filter(|(_, ok)| *ok)
            .map(|(i, _)| i)
            .collect();
        let step_ok = step.as_ref().is_none_or(|w| meets(w, &s));
        match plan {
            SendPlan::Skip("condition") => prop_assert!(!step_ok, "skipped, but the cart meets {step:?}: {s:?}"),
            SendPlan::Send { variant, .. } => {
                prop_assert!(step_ok, "sent, but the cart does not meet {step:?}: {s:?}");
                prop_assert!(eligible.contains(&variant), "variant {variant} drawn, eligible {eligible:?}: {s:?} {variants:?}");
            }
            other => prop_assert!(false, "{other:?} for {s:?}"),
        }
    }
}
