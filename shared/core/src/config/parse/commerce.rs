//! A store's commerce settings: the domains restore links may lead to, and the cross-sell items
//! (priced in the store's currency).

use super::problems::Problems;
use crate::config::CrossSellItem;
use crate::domain::money::Currency;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCrossSell {
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) price: String,
    pub(super) url: String,
}

/// An amount in the store's currency (none when the currency itself is invalid: that problem
/// is already reported).
pub(super) fn money(p: &mut Problems, currency: Option<Currency>, key: &str, text: &str) -> Option<i64> {
    currency?.parse_amount(text).map_err(|e| p.add(key, e)).ok()
}

/// Bare domains, lower-cased: restore links and the snippet's origins are checked against them.
pub(super) fn allowed_domains(at: &str, raw: &[String], p: &mut Problems) -> Vec<String> {
    let domains: Vec<String> = raw.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
    if domains.is_empty() {
        p.add(&format!("{at}.allowed_domains"), "list at least the shop's own domain (restore links only go there)");
    }
    for (j, d) in domains.iter().enumerate() {
        if d.is_empty() || d.contains('/') || d.contains(':') || d.starts_with('.') {
            p.add(&format!("{at}.allowed_domains[{j}]"), format!("`{d}` is not a bare domain like shop.example"));
        }
    }
    domains
}

pub(super) fn cross_sell(
    at: &str,
    raw: Vec<RawCrossSell>,
    currency: Option<Currency>,
    p: &mut Problems,
) -> Vec<CrossSellItem> {
    let mut items = Vec::new();
    for (j, c) in raw.into_iter().enumerate() {
        if let Some(price_minor) = money(p, currency, &format!("{at}.cross_sell[{j}].price"), &c.price) {
            items.push(CrossSellItem { sku: c.sku, name: c.name, price_minor, url: c.url });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_bare_and_lower_case() {
        let mut p = Problems(Vec::new());
        let raw = [" Shop.Example ".to_string(), "https://evil.example/".into(), ".dot.example".into()];
        let d = allowed_domains("s", &raw, &mut p);
        assert_eq!(d[0], "shop.example");
        let keys: Vec<&str> = p.0.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.allowed_domains[1]", "s.allowed_domains[2]"]);
        allowed_domains("t", &[], &mut p);
        assert!(p.0.last().is_some_and(|m| m.starts_with("t.allowed_domains: list at least")));
    }

    #[test]
    fn cross_sell_prices_are_read_in_the_store_currency() {
        let mut p = Problems(Vec::new());
        let eur = Currency::parse("EUR").ok();
        let item = |price: &str| RawCrossSell {
            sku: "S".into(),
            name: "Socks".into(),
            price: price.into(),
            url: "https://shop.example/s".into(),
        };
        let items = cross_sell("s", vec![item("9.90"), item("nine")], eur, &mut p);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].price_minor, 990);
        assert_eq!(p.0.len(), 1);
        assert!(p.0[0].starts_with("s.cross_sell[1].price"), "{:?}", p.0);
        // Without a valid currency nothing more is reported (the currency's problem says it).
        let mut q = Problems(Vec::new());
        assert!(cross_sell("s", vec![item("9.90")], None, &mut q).is_empty() && q.0.is_empty());
    }
}
