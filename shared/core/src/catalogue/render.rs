//! Grounded facts as a reply in the shopper's language (`templates/builtin.toml`, `cat_*`):
//! the product named as the catalogue names it, numbers and money as the language writes them,
//! the catalogue's own words quoted (a translation could say more than the store did).

use crate::catalogue::ground::{Fact, Subject};
use crate::domain::locale::{digits, money};
use crate::domain::money::{Currency, Money};
use crate::text::builtin::phrase;

fn name(s: &Subject, lang: &str) -> String {
    match &s.variant_title {
        Some(v) => format!("{} ({})", s.title, digits(lang, v)),
        None => s.title.clone(),
    }
}

fn option_name(option: &str, lang: &str) -> String {
    let l = option.to_lowercase();
    let size = l.contains("size") || l.contains("waist");
    let colour = l.contains("color") || l.contains("colour");
    match (lang, size, colour) {
        ("tr", true, _) => "beden".into(),
        ("tr", _, true) => "renk".into(),
        ("nb", true, _) => "størrelse".into(),
        ("nb", _, true) => "farge".into(),
        ("fa", true, _) => "سایز".into(),
        ("fa", _, true) => "رنگ".into(),
        ("en", _, _) => l,
        _ => option.to_string(),
    }
}

/// One sentence per fact, in order.
pub fn render(facts: &[Fact], lang: &str, currency: Currency) -> String {
    let m = |minor: i64| money(Money { minor, currency }, lang);
    let mut out: Vec<String> = Vec::new();
    for f in facts {
        let s = match f {
            Fact::Available { of, available: true, price_minor } => {
                phrase("cat_available", lang, &[("product", &name(of, lang)), ("price", &m(*price_minor))])
            }
            Fact::Available { of, available: false, .. } => {
                phrase("cat_sold_out", lang, &[("product", &name(of, lang))])
            }
            // An availability answer already gives the variant's price.
            Fact::Price { of, .. }
                if of.sku.is_some()
                    && facts.iter().any(|g| matches!(g, Fact::Available { of: o, .. } if o.sku == of.sku)) =>
            {
                continue;
            }
            Fact::Price { of, minor } => {
                phrase("cat_price", lang, &[("product", &name(of, lang)), ("price", &m(*minor))])
            }
            Fact::Material { of, text } => {
                phrase("cat_material", lang, &[("product", &name(of, lang)), ("text", text)])
            }
            Fact::Care { of, text } => phrase("cat_care", lang, &[("product", &name(of, lang)), ("text", text)]),
            Fact::Dimensions { of, text } => {
                phrase("cat_dimensions", lang, &[("product", &name(of, lang)), ("text", &digits(lang, text))])
            }
            Fact::Includes { of, text } => {
                phrase("cat_includes", lang, &[("product", &name(of, lang)), ("text", text)])
            }
            Fact::BurnTime { of, text } => {
                // The figure after any hedge ("approx. 45 hours"); the phrase says "about" itself.
                let hours: String = text
                    .chars()
                    .skip_while(|c| !c.is_ascii_digit())
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                    .collect();
                phrase("cat_burn_time", lang, &[("product", &name(of, lang)), ("hours", &digits(lang, &hours))])
            }
            Fact::InStock { of, option, groups } => {
                let opt = option_name(option, lang);
                let lists: Vec<String> = groups
                    .iter()
                    .filter(|(_, vs)| !vs.is_empty())
                    .map(|(g, vs)| {
                        let list = digits(lang, &vs.join(", "));
                        match g {
                            Some(g) => format!("{g}: {list}"),
                            None => list,
                        }
                    })
                    .collect();
                if lists.is_empty() {
                    phrase("cat_none_in_stock", lang, &[("product", &name(of, lang)), ("option", &opt)])
                } else {
                    let values = lists.join("; ");
                    phrase("cat_in_stock", lang, &[("product", &name(of, lang)), ("option", &opt), ("values", &values)])
                }
            }
            Fact::FreeShippingThreshold { minor } => phrase("cat_free_threshold", lang, &[("amount", &m(*minor))]),
            Fact::FreeShippingRemaining { minor: 0, threshold_minor } => {
                phrase("cat_free_reached", lang, &[("threshold", &m(*threshold_minor))])
            }
            Fact::FreeShippingRemaining { minor, threshold_minor } => {
                phrase("cat_free_remaining", lang, &[("amount", &m(*minor)), ("threshold", &m(*threshold_minor))])
            }
            Fact::ReturnsDays { days } => phrase("cat_returns", lang, &[("days", &digits(lang, &days.to_string()))]),
            Fact::ShippingDays { text } => phrase("cat_shipping_days", lang, &[("days", &digits(lang, text))]),
        };
        out.push(s);
    }
    out.join(" ")
}
