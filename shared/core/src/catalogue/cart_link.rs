//! Ready carts as links: Shopify's cart permalinks (`/cart/{variant_id}:{quantity},…`, with
//! `?discount=CODE` applied at checkout) — the shopper taps once and lands in the checkout
//! with the cart filled.

use crate::catalogue::Line;
use crate::catalogue::ground::Fact;
use crate::domain::catalogue::Catalogue;

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
}
