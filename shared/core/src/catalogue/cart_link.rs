//! Ready carts as links: Shopify's cart permalinks (`/cart/{variant_id}:{quantity},…`, with
//! `?discount=CODE` applied at checkout) — the shopper taps once and lands in the checkout
//! with the cart filled — and WooCommerce's shareable checkout links (10.0 and later:
//! `/checkout-link/?products={id}:{qty},…&coupon=CODE`, which empty the cart first), or its
//! add-to-cart links for older shops (`/?add-to-cart={id}&quantity=N`, one product a link:
//! WooCommerce's handler reads one id, and applies no coupon). With them, the item that reaches
//! free shipping (`free_shipping_item`).

use crate::catalogue::Line;
use crate::catalogue::ground::Fact;
use crate::config::StoreConfig;
use crate::domain::catalogue::{Catalogue, Product, Variant};

/// Where a store's ready carts lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shop<'a> {
    Shopify(&'a str),
    WooCommerce { site: &'a str, checkout_links: bool },
}

impl<'a> Shop<'a> {
    pub fn of(store: &'a StoreConfig) -> Option<Shop<'a>> {
        let c = &store.catalogue;
        match (&c.shopify_shop, &c.woocommerce_site) {
            (Some(s), _) => Some(Shop::Shopify(s)),
            (None, Some(w)) => Some(Shop::WooCommerce { site: w, checkout_links: c.woocommerce_checkout_links }),
            _ => None,
        }
    }

    /// Whether its links apply a code (add-to-cart links do not: the message names it).
    pub fn carries_code(self) -> bool {
        !matches!(self, Shop::WooCommerce { checkout_links: false, .. })
    }

    /// The link that fills the cart with `lines` (variant id, quantity): `None` where the
    /// platform cannot (several products in an add-to-cart link).
    pub fn link(self, lines: &[(String, u32)], code: Option<&str>) -> Option<String> {
        match self {
            _ if lines.is_empty() => None,
            Shop::Shopify(shop) => Some(shopify_permalink(shop, lines, code)),
            Shop::WooCommerce { site, checkout_links: true } => Some(woocommerce_checkout_link(site, lines, code)),
            Shop::WooCommerce { site, checkout_links: false } if lines.len() == 1 => {
                Some(woocommerce_add_to_cart(site, &lines[0].0, lines[0].1))
            }
            Shop::WooCommerce { .. } => None,
        }
    }
}

/// `https://shop.example/checkout-link/?products=123:2,456:1&coupon=CODE`.
pub fn woocommerce_checkout_link(site: &str, lines: &[(String, u32)], code: Option<&str>) -> String {
    let items: Vec<String> = lines
        .iter()
        .map(|(id, q)| format!("{}:{}", form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>(), q.max(&1)))
        .collect();
    let mut url = format!("{}/checkout-link/?products={}", site.trim_end_matches('/'), items.join(","));
    if let Some(code) = code {
        url.push_str("&coupon=");
        url.extend(form_urlencoded::byte_serialize(code.as_bytes()));
    }
    url
}

/// `https://shop.example/?add-to-cart=123&quantity=2` (a simple product's id, or a variation's).
pub fn woocommerce_add_to_cart(site: &str, id: &str, quantity: u32) -> String {
    let id: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{}/?add-to-cart={id}&quantity={}", site.trim_end_matches('/'), quantity.max(1))
}

/// The cheapest variant in stock that brings `lines` (variant id, quantity) to the
/// free-shipping threshold, of a product not already in them — among the store's chosen
/// cross-sell SKUs when any are in the catalogue (`cross_sell`), else the whole catalogue.
/// `None` when the lines already ship free, a line is not in the catalogue, or nothing fits.
pub fn free_shipping_item<'c>(
    lines: &[(String, u32)],
    catalogue: &'c Catalogue,
    threshold_minor: Option<i64>,
    preferred_skus: &[&str],
) -> Option<(&'c Product, &'c Variant)> {
    let threshold = threshold_minor?;
    let mut total = 0i64;
    let mut in_cart = Vec::new();
    for (id, q) in lines {
        let (p, v) = catalogue.variant(id)?;
        total = total.saturating_add(v.price_minor.saturating_mul(i64::from(*q)));
        in_cart.push(p.id.as_str());
    }
    let gap = threshold - total;
    if gap <= 0 {
        return None;
    }
    let fits = |(p, v): &(&Product, &Variant)| v.available && v.price_minor >= gap && !in_cart.contains(&p.id.as_str());
    let all = || catalogue.products.iter().flat_map(|p| p.variants.iter().map(move |v| (p, v)));
    let chosen =
        all().filter(|(_, v)| preferred_skus.contains(&v.sku.as_str())).filter(fits).min_by_key(|(_, v)| v.price_minor);
    chosen.or_else(|| all().filter(fits).min_by_key(|(_, v)| v.price_minor))
}

/// The cart's lines as variant ids: `None` when one is not in the catalogue.
pub fn catalogue_lines(cart: &[Line], catalogue: &Catalogue) -> Option<Vec<(String, u32)>> {
    cart.iter().map(|l| catalogue.variant(&l.sku).map(|(_, v)| (v.id.clone(), l.quantity.max(1)))).collect()
}

/// `https://shop.example/cart/111:1,222:2?discount=CODE`.
pub fn shopify_permalink(shop: &str, lines: &[(String, u32)], discount: Option<&str>) -> String {
    let items: Vec<String> = lines.iter().map(|(id, q)| format!("{id}:{q}")).collect();
    let mut url = format!("{}/cart/{}", shop.trim_end_matches('/'), items.join(","));
    if let Some(code) = discount {
        url.push_str("?discount=");
        url.extend(form_urlencoded::byte_serialize(code.as_bytes()));
    }
    url
}

/// The shopper's cart with the variant an answer found in stock put in place of the cart's line
/// of the same product (or added; the answer is only about a product with one line in the cart,
/// `ground`): `None` when a line is not in the catalogue (no variant id to link) or the answer
/// found nothing in stock.
pub fn cart_with_answer(cart: &[Line], facts: &[Fact], catalogue: &Catalogue) -> Option<Vec<(String, u32)>> {
    let found = facts.iter().find_map(|f| match f {
        Fact::Available { of, available: true, .. } => Some(of),
        _ => None,
    })?;
    let (variant, handle) = (found.variant_id.clone()?, found.handle.clone());
    let mut lines = Vec::new();
    let mut placed = false;
    for l in cart {
        let (p, v) = catalogue.variant(&l.sku)?;
        if p.handle == handle && !placed {
            lines.push((variant.clone(), l.quantity.max(1)));
            placed = true;
        } else if p.handle != handle {
            lines.push((v.id.clone(), l.quantity.max(1)));
        }
    }
    if !placed {
        lines.push((variant, 1));
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalink_as_shopify_documents_it() {
        // help.shopify.com "Creating cart permalinks": /cart/{variant_id}:{quantity},… and
        // ?discount= for a code.
        let lines = vec![("70881412".to_string(), 1), ("70881382".to_string(), 2)];
        assert_eq!(
            shopify_permalink("https://shop.example/", &lines, None),
            "https://shop.example/cart/70881412:1,70881382:2"
        );
        assert_eq!(
            shopify_permalink("https://shop.example", &lines[..1], Some("BACK 10&x")),
            "https://shop.example/cart/70881412:1?discount=BACK+10%26x"
        );
    }

    #[test]
    fn woocommerce_links() {
        // developer.woocommerce.com, "Shareable Checkout URLs" (10.0): products=id:qty,… and coupon=.
        let woo = Shop::WooCommerce { site: "https://woo.example/", checkout_links: true };
        assert_eq!(
            woo.link(&[("123".into(), 2), ("456".into(), 1)], Some("SPRING10")).as_deref(),
            Some("https://woo.example/checkout-link/?products=123:2,456:1&coupon=SPRING10")
        );
        // Older shops: one product, no coupon.
        let old = Shop::WooCommerce { site: "https://woo.example", checkout_links: false };
        assert_eq!(
            old.link(&[("2911".into(), 2)], Some("CODE")).as_deref(),
            Some("https://woo.example/?add-to-cart=2911&quantity=2")
        );
        assert_eq!(old.link(&[("1".into(), 1), ("2".into(), 1)], None), None);
        assert_eq!(woo.link(&[], None), None);
    }

    #[test]
    fn the_cheapest_item_that_reaches_free_shipping() {
        let json = include_str!("../../../../tests/fixtures/catalogue/catalogue.json");
        let eur = crate::domain::money::Currency::parse("EUR").unwrap();
        let products = crate::catalogue::shopify_products::parse_page(json.as_bytes(), eur, None).unwrap();
        let mut c = Catalogue::empty("s", "test", eur, jiff::Timestamp::UNIX_EPOCH);
        c.products = products;
        // A black beanie (19.90), free shipping from 50.00: 30.10 is missing. In stock and at
        // least 30.10, of another product, the cheapest is the camel scarf (39.00); the bath
        // towels (29.90) and the candle (29.00) fall short.
        let beanie = vec![("45101000000127".to_string(), 1)];
        let (p, v) = free_shipping_item(&beanie, &c, Some(5000), &[]).unwrap();
        assert_eq!((p.handle.as_str(), v.id.as_str()), ("wool-cashmere-scarf", "45101000000117"));
        // Two beanies (39.80): 10.20 missing, the cheapest in stock above it is a hand towel
        // (14.90), never the other beanie colour (19.90: the same product).
        let two = vec![("45101000000127".to_string(), 2)];
        let (p, v) = free_shipping_item(&two, &c, Some(5000), &[]).unwrap();
        assert_eq!((p.handle.as_str(), v.price_minor), ("cotton-bath-towel", 1490));
        // The store's chosen item wins over a cheaper one.
        let (_, v) = free_shipping_item(&beanie, &c, Some(5000), &["RJ-HOD-S-OLV"]).unwrap();
        assert_eq!(v.sku, "RJ-HOD-S-OLV");
        // Already free, or a line the catalogue does not have: nothing.
        assert!(free_shipping_item(&beanie, &c, Some(1000), &[]).is_none());
        assert!(free_shipping_item(&[("nope".into(), 1)], &c, Some(100_000), &[]).is_none());
    }
}
