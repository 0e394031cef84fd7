//! Products that go with a cart, from the store's catalogue (docs/recommendations.md): what the
//! platform says goes with the cart's products first (Shopify Search & Discovery's complementary
//! products, WooCommerce's cross-sells and upsells), then products of the same collection, then
//! of the same product type, then those sharing the most tags; then the merchant's fallback.
//! Never a product already in the cart, never one with no variant in stock, never one without a
//! page on the store's own domains. Pure: the caller reads the catalogue.

use crate::domain::catalogue::{Catalogue, Product};

/// Why a product was picked, strongest first: counted per reason (`recommendations.picked.{why}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    GoesWith,
    Collection,
    ProductType,
    Tags,
    Fallback,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Why::GoesWith => "goes_with",
            Why::Collection => "collection",
            Why::ProductType => "product_type",
            Why::Tags => "tags",
            Why::Fallback => "fallback",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pick<'a> {
    pub product: &'a Product,
    /// The lowest price of a variant in stock, in the catalogue's currency.
    pub price_minor: i64,
    /// Whether variants in stock differ in price ("from …").
    pub from: bool,
    /// The product's page, as checked against the store's domains.
    pub url: String,
    pub why: Why,
}

/// At most `n` products for a cart whose lines name `skus` (SKUs or variant ids). `fallback`
/// names products by handle or id, in the merchant's order; `page` gives a product's page on the
/// store's own domains, or none (then it is not recommended).
pub fn recommend<'a>(
    catalogue: &'a Catalogue,
    skus: &[&str],
    fallback: &[String],
    n: usize,
    page: &dyn Fn(&Product) -> Option<String>,
) -> Vec<Pick<'a>> {
    let in_cart: Vec<&Product> = {
        let mut v: Vec<&Product> = Vec::new();
        for p in skus.iter().filter_map(|s| catalogue.variant(s)).map(|(p, _)| p) {
            if !v.iter().any(|q| q.id == p.id) {
                v.push(p);
            }
        }
        v
    };
    let same = crate::domain::catalogue::same_label;
    let mut ranked: Vec<(Why, std::cmp::Reverse<usize>, usize, &Product)> = Vec::new();
    for (index, c) in catalogue.products.iter().enumerate() {
        if in_cart.iter().any(|p| p.id == c.id) {
            continue;
        }
        // Listed by a cart product: ranked by its best place in the lists that name it.
        let listed = in_cart.iter().filter_map(|p| p.goes_with.iter().position(|g| *g == c.id)).min();
        // Tags shared with the cart product it shares most with.
        let shared_tags = in_cart
            .iter()
            .map(|p| c.tags.iter().filter(|t| p.tags.iter().any(|u| same(t, u))).count())
            .max()
            .unwrap_or(0);
        let why = if listed.is_some() {
            Why::GoesWith
        } else if in_cart.iter().any(|p| c.collections.iter().any(|x| p.collections.iter().any(|y| same(x, y)))) {
            Why::Collection
        } else if !c.product_type.is_empty() && in_cart.iter().any(|p| same(&p.product_type, &c.product_type)) {
            Why::ProductType
        } else if shared_tags > 0 {
            Why::Tags
        } else {
            continue;
        };
        // Within a reason: the platform's order for its own list, else more shared tags first,
        // then the catalogue's order.
        let strength = if why == Why::GoesWith { usize::MAX - listed.unwrap_or(0) } else { shared_tags };
        ranked.push((why, std::cmp::Reverse(strength), index, c));
    }
    ranked.sort_by_key(|(why, strength, index, _)| (*why, *strength, *index));
    let by_fallback = fallback.iter().filter_map(|f| catalogue.products.iter().find(|p| p.handle == *f || p.id == *f));
    let candidates = ranked
        .into_iter()
        .map(|(why, _, _, p)| (why, p))
        .chain(by_fallback.filter(|p| !in_cart.iter().any(|q| q.id == p.id)).map(|p| (Why::Fallback, p)));
    let mut out: Vec<Pick<'a>> = Vec::new();
    for (why, p) in candidates {
        if out.len() >= n {
            break;
        }
        if out.iter().any(|o| o.product.id == p.id) {
            continue;
        }
        let mut prices = p.variants.iter().filter(|v| v.available).map(|v| v.price_minor);
        let Some(first) = prices.next() else { continue };
        let (low, high) = prices.fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let Some(url) = page(p) else { continue };
        out.push(Pick { product: p, price_minor: low, from: high > low, url, why });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::Variant;
    use crate::domain::money::Currency;

    fn product(id: &str, ty: &str, tags: &[&str], collections: &[&str], stock: &[(i64, bool)]) -> Product {
        Product {
            id: id.into(),
            handle: format!("h-{id}"),
            title: format!("T{id}"),
            product_type: ty.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            collections: collections.iter().map(|t| t.to_string()).collect(),
            goes_with: Vec::new(),
            url: Some(format!("https://shop.example/products/h-{id}")),
            options: Vec::new(),
            facts: Default::default(),
            variants: stock
                .iter()
                .enumerate()
                .map(|(k, (price, available))| Variant {
                    id: format!("{id}-{k}"),
                    sku: format!("SKU-{id}-{k}"),
                    title: "Default".into(),
                    options: Vec::new(),
                    price_minor: *price,
                    available: *available,
                })
                .collect(),
        }
    }

    fn catalogue(products: Vec<Product>) -> Catalogue {
        let eur = Currency::parse("EUR").unwrap_or_else(|_| unreachable!());
        Catalogue { products, ..Catalogue::empty("s", "test", eur, jiff::Timestamp::UNIX_EPOCH) }
    }

    fn ids(picks: &[Pick<'_>]) -> Vec<(String, Why)> {
        picks.iter().map(|p| (p.product.id.clone(), p.why)).collect()
    }

    fn url(p: &Product) -> Option<String> {
        p.url.clone()
    }

    #[test]
    fn reasons_rank_the_platforms_list_first_and_nothing_in_the_cart_or_sold_out() {
        let mut sweater = product("1", "Sweaters", &["knitwear", "winter"], &["autumn"], &[(8900, true)]);
        sweater.goes_with = vec!["6".into(), "5".into()];
        let c = catalogue(vec![
            sweater,
            product("2", "Hats", &["knitwear", "winter"], &[], &[(1990, true)]),
            product("3", "Scarves", &["winter"], &["autumn"], &[(3900, true)]),
            product("4", "Sweaters", &[], &[], &[(9900, true)]),
            product("5", "Candles", &[], &[], &[(2900, true), (3500, true)]),
            product("6", "Towels", &[], &[], &[(1490, false)]),
            product("7", "Bags", &["bags"], &[], &[(1800, true)]),
        ]);
        let picks = recommend(&c, &["SKU-1-0"], &[], 10, &url);
        // 6 is listed first but sold out; 5 next; then the collection, the type, the tags.
        assert_eq!(
            ids(&picks),
            [
                ("5".into(), Why::GoesWith),
                ("3".into(), Why::Collection),
                ("4".into(), Why::ProductType),
                ("2".into(), Why::Tags)
            ]
        );
        assert!(picks[0].from && picks[0].price_minor == 2900, "{:?}", picks[0]);
        assert_eq!(recommend(&c, &["SKU-1-0"], &[], 2, &url).len(), 2);
    }

    #[test]
    fn the_fallback_fills_what_is_left_in_the_merchants_order_and_never_twice() {
        let c = catalogue(vec![
            product("1", "A", &["x"], &[], &[(100, true)]),
            product("2", "B", &["x"], &[], &[(100, true)]),
            product("3", "C", &[], &[], &[(100, true)]),
            product("4", "D", &[], &[], &[(100, false)]),
            product("5", "E", &[], &[], &[(100, true)]),
        ]);
        let fallback = ["h-5".to_string(), "4".into(), "2".into(), "1".into(), "3".into()];
        let picks = recommend(&c, &["SKU-1-0"], &fallback, 3, &url);
        assert_eq!(ids(&picks), [("2".into(), Why::Tags), ("5".into(), Why::Fallback), ("3".into(), Why::Fallback)]);
        // A cart the catalogue does not know: only the fallback.
        let picks = recommend(&c, &["UNKNOWN"], &fallback, 3, &url);
        assert_eq!(
            ids(&picks),
            [("5".into(), Why::Fallback), ("2".into(), Why::Fallback), ("1".into(), Why::Fallback)]
        );
        // A product without a page on the store's domains is never recommended.
        let no_page = |p: &Product| (p.id != "5").then(|| url(p)).flatten();
        assert!(recommend(&c, &["UNKNOWN"], &fallback, 3, &no_page).iter().all(|p| p.product.id != "5"));
    }

    #[test]
    fn labels_are_the_same_without_case_in_any_script() {
        use crate::domain::catalogue::same_label;
        assert!(same_label(" Winter", "WINTER ") && same_label("Ærmer", "ÆRMER") && same_label("زمستانی", "زمستانی"));
        assert!(!same_label("winter", "winters"));
    }
}
