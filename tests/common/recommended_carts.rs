//! Two carts whose 24-hour e-mail recommends products (the demo store's step 1, `recommend = 3`;
//! docs/recommendations.md) from docs/examples/products.json: the same scenario on memory and
//! SQLite (tests/recommendations.rs) and on DynamoDB (shared/aws/tests/recommendations.rs).
#![allow(dead_code)]

pub const CATALOGUE: &str = include_str!("../../docs/examples/products.json");

/// Ada's cart: the merino sweater and the knitted beanie, in euros. By the documented rules: the
/// scarf (the sweater's `goes_with`), then the tote bag (a tag it shares with the beanie:
/// `accessories`), then the store's fallback — the tote bag taken, so the candle. Never the
/// sweater or the beanie (in the cart).
pub const ADA: &str = "rec-ada";
pub const ADA_PICKS: [&str; 3] = ["Wool Cashmere Scarf", "Canvas Tote Bag", "Scented Candle"];
pub const ADA_FIRST_PAGE: &str = "https://shop.example/products/wool-cashmere-scarf";
/// Deniz's cart: the sweater in lira (3 200.00 TRY, 86.40 EUR at the store's rate): prices
/// converted at the store's rate and marked "≈", in Turkish.
pub const DENIZ: &str = "rec-deniz";

pub fn event(cart: &str, at: &str) -> serde_json::Value {
    let (currency, locale, items) = if cart == ADA {
        (
            "EUR",
            "en",
            serde_json::json!([
                {"sku": "MW-SWT-S-NAV", "name": "Merino Crew Sweater", "quantity": 1, "unit_price": "89.00"},
                {"sku": "BN-KNT-BLK", "name": "Knitted Beanie", "quantity": 1, "unit_price": "19.90"}
            ]),
        )
    } else {
        (
            "TRY",
            "tr-TR",
            serde_json::json!([{"sku": "MW-SWT-S-NAV", "name": "Merino Kazak", "quantity": 1, "unit_price": "3200.00"}]),
        )
    };
    serde_json::json!({
        "event_id": format!("ev-{cart}"), "type": "cart.updated", "occurred_at": at, "cart_id": cart,
        "customer": {"first_name": "Ada", "email": format!("{cart}@example.com"), "timezone": "UTC", "locale": locale,
                     "consent": {"sms": false, "email": true, "whatsapp": false}},
        "cart": {"currency": currency, "checkout_url": format!("https://shop.example/checkouts/{cart}"), "items": items}
    })
}

/// The recommended titles and links of an e-mail's text part, in order.
pub fn picks(body: &str) -> Vec<(String, String)> {
    body.lines()
        .filter_map(|line| line.strip_prefix("- ").filter(|l| l.contains("?rec=")))
        .map(|line| {
            let (head, link) = line.rsplit_once(": ").unwrap_or((line, ""));
            let title = head.split([',', '،']).next().unwrap_or_default().trim().to_string();
            (title, link.trim().to_string())
        })
        .collect()
}
