//! Whether a cart meets a step's or a variant's condition (`config::condition::Condition`,
//! docs/sequences.md). Pure: the cart, its shopper's contact record and the store.

use crate::config::StoreConfig;
use crate::config::condition::Condition;
use crate::domain::catalogue::{Catalogue, Product};
use crate::domain::{Cart, Contact, ItemKinds};
use std::borrow::Cow;

/// What conditions are judged on, for one cart at one moment. The phone's country (a parse of
/// the number with libphonenumber's metadata, the costly part) and the language are read once,
/// when a condition first asks, however many conditions are judged: a step's, its variants',
/// the branches passed over with it.
pub struct Facts<'a> {
    cart: &'a Cart,
    contact: Option<&'a Contact>,
    store: &'a StoreConfig,
    /// The store's catalogue, read by the caller only when some condition asks about the items
    /// (`StoreConfig::conditions_need_catalogue`).
    catalogue: Option<&'a Catalogue>,
    country: std::cell::OnceCell<Option<Cow<'a, str>>>,
    language: std::cell::OnceCell<Cow<'a, str>>,
    products: std::cell::OnceCell<Vec<&'a Product>>,
    kinds: std::cell::OnceCell<Option<(ItemKinds, &'a crate::config::ItemLabels)>>,
}

impl<'a> Facts<'a> {
    pub fn new(cart: &'a Cart, contact: Option<&'a Contact>, store: &'a StoreConfig) -> Facts<'a> {
        Facts {
            cart,
            contact,
            store,
            catalogue: None,
            country: Default::default(),
            language: Default::default(),
            products: Default::default(),
            kinds: Default::default(),
        }
    }

    /// With the store's catalogue, for conditions on the items' tags, collections and types.
    pub fn with_catalogue(mut self, catalogue: Option<&'a Catalogue>) -> Facts<'a> {
        self.catalogue = catalogue;
        self
    }

    /// The catalogue's products of the cart's lines (a line it does not know is left out).
    fn products(&self) -> &[&'a Product] {
        self.products.get_or_init(|| {
            let Some(c) = self.catalogue else { return Vec::new() };
            self.cart.items.iter().filter_map(|i| c.variant(&i.sku)).map(|(p, _)| p).collect()
        })
    }

    fn items_match(&self, c: &Condition) -> bool {
        let same = crate::domain::catalogue::same_label;
        // Kept on the cart for these lines and these conditions' labels: no catalogue needed.
        // One bit a label the conditions name, spelled as they spell it (`keep_item_kinds`).
        if let Some((kinds, labels)) = *self.kinds.get_or_init(|| kept_item_kinds(self.cart, self.store)) {
            let any = |key: usize, wanted: &[String]| {
                wanted.is_empty() || wanted.iter().any(|w| labels.bit(key, w).is_some_and(|b| kinds.has >> b & 1 == 1))
            };
            return any(0, &c.tags) && any(1, &c.collections) && any(2, &c.product_types);
        }
        let any = |wanted: &[String], has: &dyn Fn(&Product, &str) -> bool| {
            wanted.is_empty() || self.products().iter().any(|p| wanted.iter().any(|w| has(p, w)))
        };
        any(&c.tags, &|p, w| p.tags.iter().any(|t| same(t, w)))
            && any(&c.collections, &|p, w| p.collections.iter().any(|t| same(t, w)))
            && any(&c.product_types, &|p, w| same(&p.product_type, w))
    }

    fn country(&self) -> Option<&str> {
        self.country
            .get_or_init(|| {
                let customer = &self.cart.customer;
                let phone = customer.phone.as_ref()?;
                match customer.phone_country.as_deref() {
                    Some(kept) => Some(Cow::Borrowed(kept)),
                    None => crate::domain::phone::country(phone.expose()).map(Cow::Owned),
                }
            })
            .as_deref()
    }

    fn language(&self) -> &str {
        self.language.get_or_init(|| {
            let of = crate::domain::locale::primary_borrowed;
            let lang = self.cart.customer.locale.as_deref().and_then(of);
            lang.or_else(|| of(&self.store.locale)).unwrap_or_default()
        })
    }

    /// Every key the condition names holds for the cart.
    pub fn holds(&self, c: &Condition) -> bool {
        let (cart, store) = (self.cart, self.store);
        if c.cart_value_min.is_some() || c.cart_value_max.is_some() {
            // No exchange rate is guessed: a cart in a currency the store gave no rate for meets
            // no value bound.
            let Some(value) = value_in_store_currency(cart, store) else { return false };
            if c.cart_value_min.is_some_and(|m| value < m) || c.cart_value_max.is_some_and(|m| value > m) {
                return false;
            }
        }
        let units: u64 = cart.items.iter().map(|i| u64::from(i.quantity)).sum();
        if c.items_min.is_some_and(|m| units < u64::from(m)) || c.items_max.is_some_and(|m| units > u64::from(m)) {
            return false;
        }
        if let Some(first) = c.first_time
            && first_time(cart, self.contact) != first
        {
            return false;
        }
        if !c.consent.iter().all(|ch| cart.customer.consent.get(*ch)) {
            return false;
        }
        if !c.reasons.is_empty() && !cart.reason.is_some_and(|r| c.reasons.contains(&r)) {
            return false;
        }
        if !c.languages.is_empty() && !c.languages.iter().any(|l| l == self.language()) {
            return false;
        }
        if !c.leads.is_empty() && !c.leads.contains(&cart.temperature) {
            return false;
        }
        if c.needs_catalogue() && !self.items_match(c) {
            return false;
        }
        // Last: the one key that costs a parse.
        if !c.countries.is_empty() && !self.country().is_some_and(|k| c.countries.iter().any(|x| x == k)) {
            return false;
        }
        true
    }

    /// The condition, when there is one, holds.
    pub fn fits(&self, when: &Option<Condition>) -> bool {
        when.as_ref().is_none_or(|w| self.holds(w))
    }
}

/// Every key the condition names holds for the cart.
pub fn holds(c: &Condition, cart: &Cart, contact: Option<&Contact>, store: &StoreConfig) -> bool {
    Facts::new(cart, contact, store).holds(c)
}

/// The cart's value (items × unit prices) in the store's currency, minor units: as it is in the
/// store's currency, else at the store's own rate for the cart's (`exchange_rates`, rounded
/// down), else none.
pub fn value_in_store_currency(cart: &Cart, store: &StoreConfig) -> Option<i64> {
    let value = cart.subtotal_minor();
    let Some(cur) = cart.currency.filter(|c| *c != store.currency) else { return Some(value) };
    store.at_store_rate(value, cur, store.currency).map(|v| v.floor() as i64)
}

/// A first-time buyer: the platform's `orders_count` when it sent one (0 is first-time), else
/// no order of theirs known here (the contact's orders and any order after a cart of theirs).
pub fn first_time(cart: &Cart, contact: Option<&Contact>) -> bool {
    match cart.customer.orders_count {
        Some(n) => n == 0,
        None => contact.is_none_or(|c| c.orders.is_empty() && c.last_order_at.is_none()),
    }
}

/// Reads the phone's country into the cart once, when some step's or variant's `when` names
/// `countries`: the cart is written after every step, so later steps find it there.
pub fn keep_phone_country(cart: &mut Cart, store: &StoreConfig) {
    let asks = |w: &Option<Condition>| w.as_ref().is_some_and(|w| !w.countries.is_empty());
    if cart.customer.phone_country.is_some()
        || !store.steps.iter().any(|s| asks(&s.when) || s.variants.iter().any(|v| asks(&v.when)))
    {
        return;
    }
    if let Some(country) = cart.customer.phone.as_ref().and_then(|p| crate::domain::phone::country(p.expose())) {
        std::sync::Arc::make_mut(&mut cart.customer).phone_country = Some(country);
    }
}

/// What the kept kinds were read for: the cart's SKUs and the labels the conditions name
/// (`StoreConfig::conditions_on_items`), so new lines or a condition naming a new label read
/// the catalogue again.
fn item_kinds_fingerprint(cart: &Cart, labels: &crate::config::ItemLabels) -> u64 {
    let mut h = crate::domain::fnv::Fnv1a::new();
    for i in cart.items.iter() {
        h.part(i.sku.as_bytes());
    }
    h.part(&labels.fingerprint.to_le_bytes());
    h.finish()
}

/// The cart's kept item kinds, when they were read for its present lines and conditions, with
/// the labels their bits stand for.
pub fn kept_item_kinds<'s>(cart: &Cart, store: &'s StoreConfig) -> Option<(ItemKinds, &'s crate::config::ItemLabels)> {
    let labels = store.conditions_on_items.as_ref()?;
    cart.item_kinds.filter(|k| k.of == item_kinds_fingerprint(cart, labels)).map(|k| (k, labels))
}

/// Keeps on the cart the item kinds its store's conditions name that its lines have in the
/// catalogue, as `keep_phone_country` keeps the phone's country: read once for these lines, the
/// later steps judge them without reading the catalogue. Kept only when the catalogue knows
/// every line. A catalogue changed after that (a product retagged) does not move a cart already
/// in its sequence to another branch.
pub fn keep_item_kinds(cart: &mut Cart, store: &StoreConfig, catalogue: &Catalogue) {
    let Some(labels) = store.conditions_on_items.as_ref() else { return };
    // More labels than bits: judged on the catalogue at every due step.
    if labels.len() > crate::config::ItemLabels::MAX || kept_item_kinds(cart, store).is_some() {
        return;
    }
    let found: Option<Vec<&Product>> = cart.items.iter().map(|i| catalogue.variant(&i.sku).map(|(p, _)| p)).collect();
    // A line the catalogue does not know yet (a new product, a sync under way): nothing kept,
    // so a later step reads the catalogue again and may find it.
    let Some(products) = found else { return };
    let same = crate::domain::catalogue::same_label;
    let has_label = |key: usize, p: &Product, w: &str| match key {
        0 => p.tags.iter().any(|t| same(t, w)),
        1 => p.collections.iter().any(|t| same(t, w)),
        _ => same(&p.product_type, w),
    };
    let mut has = 0u64;
    let mut bit = 0;
    for (key, wanted) in labels.by_key.iter().enumerate() {
        for w in wanted {
            if products.iter().any(|p| has_label(key, p, w)) {
                has |= 1 << bit;
            }
            bit += 1;
        }
    }
    cart.item_kinds = Some(ItemKinds { of: item_kinds_fingerprint(cart, labels), has });
}

/// The step is for this cart: its own condition holds and so does one of its variants' (a cart
/// no variant fits is not one the step is for). Lead temperature, address and consent aside.
pub fn step_fits(step: &crate::config::Step, facts: &Facts<'_>) -> bool {
    facts.fits(&step.when) && step.variants.iter().any(|v| facts.fits(&v.when))
}

/// The steps a cart would get by their conditions, lead temperatures, and the shopper's address
/// and yes on each step's channel (indices into the store's sequence): what `cartback store
/// --check` shows for its sample carts. Quiet hours, caps and opt-outs are decided when each
/// step is due.
pub fn steps_for(cart: &Cart, contact: Option<&Contact>, store: &StoreConfig) -> Vec<usize> {
    let facts = Facts::new(cart, contact, store);
    store
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.leads.is_empty() || s.leads.contains(&cart.temperature))
        .filter(|(_, s)| cart.customer.reachable(s.channel))
        .filter(|(_, s)| step_fits(s, &facts))
        .map(|(i, _)| i)
        .collect()
}

/// Sample carts in the store's currency, one of each kind a condition tells apart: a first-time
/// shopper with a small cart, a returning one with a large cart, one who replied about shipping
/// costs, and one reached only by notifications.
pub fn sample_carts(store: &StoreConfig) -> Vec<(String, Cart)> {
    use crate::domain::pii::Pii;
    use crate::domain::{Channel, Consent, Item, Reason, Temperature};
    let cur = store.currency;
    let money = |major: i64| major * 10_i64.pow(u32::from(cur.exponent()));
    let make =
        |label: &str, units: u32, each: i64, orders: u32, phone: Option<&str>, lang: Option<&str>, yes: &[Channel]| {
            let mut c = Cart::new(&store.id, "sample", jiff::Timestamp::UNIX_EPOCH, false);
            c.currency = Some(cur);
            c.temperature = Temperature::Warm;
            c.items = std::sync::Arc::new(vec![Item {
                sku: "SAMPLE".into(),
                name: "Sample".into(),
                quantity: units,
                unit_price_minor: money(each),
                url: None,
                image_url: None,
            }]);
            let customer = std::sync::Arc::make_mut(&mut c.customer);
            customer.phone = phone.map(Pii::new);
            customer.email = (!yes.contains(&Channel::Webpush)).then(|| Pii::new("sample@example.com"));
            customer.push =
                yes.contains(&Channel::Webpush).then(|| Pii::new(r#"{"endpoint":"https://push.example/sample"}"#));
            customer.locale = lang.map(str::to_string);
            customer.orders_count = Some(orders);
            let mut consent = Consent::default();
            for ch in yes {
                match ch {
                    Channel::Sms => consent.sms = Some(true),
                    Channel::Email => consent.email = Some(true),
                    Channel::Whatsapp => consent.whatsapp = Some(true),
                    Channel::Webpush => consent.webpush = Some(true),
                }
            }
            customer.consent = consent;
            let value = cur.format_amount(money(each) * i64::from(units));
            (format!("{label}: {units} item(s), {value} {}", cur.code()), c)
        };
    let mut out = vec![
        make("first-time, English, e-mail", 1, 25, 0, None, Some("en"), &[Channel::Email]),
        make(
            "returning, Norwegian phone, SMS + e-mail",
            3,
            150,
            4,
            Some("+4791234567"),
            Some("nb"),
            &[Channel::Sms, Channel::Email],
        ),
        make(
            "first-time, Turkish phone, WhatsApp, replied about costs",
            2,
            60,
            0,
            Some("+905321234567"),
            Some("tr"),
            &[Channel::Whatsapp],
        ),
        make("notifications only", 1, 60, 0, None, None, &[Channel::Webpush]),
    ];
    out[2].1.reason = Some(Reason::UnexpectedFees);
    out[1].1.temperature = Temperature::Hot;
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    #[test]
    fn the_phones_country_is_read_once_for_a_store_that_asks_and_forgotten_when_the_phone_changes() {
        let config = crate::config::demo_config();
        let demo = config.store("demo").unwrap();
        let mut cart = sample_carts(demo).remove(1).1; // a Norwegian phone
        keep_phone_country(&mut cart, demo);
        assert_eq!(cart.customer.phone_country, None, "the demo store asks for no country: nothing read");
        let mut store = (**demo).clone();
        store.steps[0].when = Some(Condition { countries: vec!["NO".into()], ..Condition::default() });
        keep_phone_country(&mut cart, &store);
        assert_eq!(cart.customer.phone_country.as_deref(), Some("NO"));
        assert!(holds(store.steps[0].when.as_ref().unwrap(), &cart, None, &store));
        let newer = crate::domain::Customer {
            phone: Some(crate::domain::pii::Pii::new("+905321234567")),
            ..crate::domain::Customer::default()
        };
        std::sync::Arc::make_mut(&mut cart.customer).merge(&newer);
        assert_eq!(cart.customer.phone_country, None, "a new phone: its country is read again");
        assert!(!holds(store.steps[0].when.as_ref().unwrap(), &cart, None, &store), "+90 is TR");
        keep_phone_country(&mut cart, &store);
        assert_eq!(cart.customer.phone_country.as_deref(), Some("TR"));
    }

    #[test]
    fn a_cart_in_another_currency_is_valued_at_the_stores_own_rate_or_not_at_all() {
        let config = crate::config::demo_config();
        let store = config.store("demo").unwrap();
        let mut cart = sample_carts(store).remove(0).1;
        let mut item = cart.items[0].clone();
        (item.quantity, item.unit_price_minor) = (1, 1_000_000); // 10 000.00
        cart.items = std::sync::Arc::new(vec![item]);
        cart.currency = Some(Currency::parse("TRY").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), Some(27_000), "10 000.00 TRY at 0.027 = 270.00 EUR");
        cart.currency = Some(Currency::parse("JPY").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), None, "no rate given: no value");
        cart.currency = Some(Currency::parse("EUR").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), Some(1_000_000));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod item_kinds_tests {
    use super::*;

    fn demo_catalogue() -> Catalogue {
        let eur = crate::domain::money::Currency::parse("EUR").unwrap();
        let body = include_bytes!("../../../../docs/examples/products.json");
        let products = crate::catalogue::feed::parse_json(body, eur).unwrap();
        Catalogue { products, ..Catalogue::empty("demo", "feed_json", eur, jiff::Timestamp::UNIX_EPOCH) }
    }

    fn cart_of(store: &StoreConfig, skus: &[&str]) -> Cart {
        let mut cart = sample_carts(store).remove(0).1;
        let one = cart.items[0].clone();
        let items = skus.iter().map(|s| crate::domain::Item { sku: (*s).into(), ..one.clone() }).collect();
        cart.items = std::sync::Arc::new(items);
        cart
    }

    /// Read once for the cart's lines, the kinds judge every later step as the catalogue would,
    /// without it; new lines, or conditions naming another label, read the catalogue again.
    #[test]
    fn the_item_kinds_are_kept_for_the_lines_and_judge_as_the_catalogue_does() {
        let config = crate::config::demo_config();
        let mut store = (**config.store("demo").unwrap()).clone();
        let wants = |tags: &[&str], collections: &[&str], types: &[&str]| Condition {
            tags: tags.iter().map(|t| (*t).to_string()).collect(),
            collections: collections.iter().map(|t| (*t).to_string()).collect(),
            product_types: types.iter().map(|t| (*t).to_string()).collect(),
            ..Condition::default()
        };
        let conditions = [
            wants(&["KNITWEAR"], &[], &[]),
            wants(&["home"], &[], &[]),
            wants(&[], &["winter-warmers"], &["Sweaters"]),
            wants(&[], &["home"], &["Hats"]),
            wants(&["gifts", "bags"], &[], &[]),
            // The first one's label in another spelling: kept in both, each judged by equality.
            wants(&["Knitwear "], &[], &["sweaters"]),
        ];
        for (i, c) in conditions.iter().enumerate() {
            let n = store.steps.len();
            store.steps[i % n].when = Some(c.clone());
        }
        store.refresh_conditions_on_items();
        let catalogue = demo_catalogue();
        for skus in [&["MW-SWT-M-NAV"][..], &["BN-KNT-BLK", "HM-CND-FIG"], &["AC-TOT-NAT"], &["NOT-IN-CATALOGUE"], &[]]
        {
            let mut cart = cart_of(&store, skus);
            let with =
                |cart: &Cart, c: &Condition| Facts::new(cart, None, &store).with_catalogue(Some(&catalogue)).holds(c);
            let truth: Vec<bool> = conditions.iter().map(|c| with(&cart, c)).collect();
            assert!(kept_item_kinds(&cart, &store).is_none());
            keep_item_kinds(&mut cart, &store, &catalogue);
            let known = skus.iter().all(|s| catalogue.variant(s).is_some());
            assert_eq!(kept_item_kinds(&cart, &store).is_some(), known, "{skus:?}: kept only when every line is known");
            let without: Vec<bool> = conditions.iter().map(|c| Facts::new(&cart, None, &store).holds(c)).collect();
            assert_eq!(without, truth, "{skus:?}: kept kinds judge as the catalogue does");
        }
        let mut cart = cart_of(&store, &["MW-SWT-M-NAV"]);
        keep_item_kinds(&mut cart, &store, &catalogue);
        let (kept, labels) = kept_item_kinds(&cart, &store).unwrap();
        let named = |key: usize| -> Vec<&str> {
            let bits = labels.by_key[key].iter().filter(|l| kept.has >> labels.bit(key, l).unwrap() & 1 == 1);
            bits.map(String::as_str).collect()
        };
        assert_eq!(named(0), ["KNITWEAR", "Knitwear "], "the sweater's tags the conditions name, in each spelling");
        assert_eq!(named(2), ["Sweaters", "sweaters"]);
        assert_eq!(labels.len(), 10, "every label named, once a spelling: {labels:?}");
        let mut other = cart.clone();
        other.items = cart_of(&store, &["HM-CND-FIG"]).items;
        assert!(kept_item_kinds(&other, &store).is_none(), "other lines: read again");
        store.steps[0].when = Some(wants(&["merino"], &[], &[]));
        store.refresh_conditions_on_items();
        assert!(kept_item_kinds(&cart, &store).is_none(), "a condition naming another label: read again");
        keep_item_kinds(&mut cart, &store, &catalogue);
        store.steps[0].when = Some(wants(&[], &["merino"], &[]));
        store.refresh_conditions_on_items();
        assert!(kept_item_kinds(&cart, &store).is_none(), "the same label under another key: read again");
        // More labels than a kept cart has bits: none kept, the catalogue judges every step.
        let many: Vec<String> = (0..65).map(|i| format!("tag-{i}")).collect();
        store.steps[0].when = Some(Condition { tags: many, ..Condition::default() });
        store.refresh_conditions_on_items();
        let mut cart = cart_of(&store, &["MW-SWT-M-NAV"]);
        keep_item_kinds(&mut cart, &store, &catalogue);
        assert!(cart.item_kinds.is_none(), "65 labels: not kept");
        let c = store.steps[0].when.clone().unwrap();
        assert!(!Facts::new(&cart, None, &store).with_catalogue(Some(&catalogue)).holds(&c));
    }
}
