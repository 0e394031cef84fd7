//! A store whose sequence has one step per kind of condition (`when`, docs/sequences.md), and
//! three shoppers whose carts meet different ones: the same scenario on memory and SQLite
//! (tests/conditions.rs) and on DynamoDB (shared/aws/tests/conditions.rs). The store's catalogue
//! (`CATALOGUE`, uploaded first) says what the items' tags, collections and types are.
#![allow(dead_code)]

pub const CONFIG: &str = r#"
public_url = "https://cartback.example"
[[stores]]
id = "s"
name = "Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok"
currency = "EUR"
timezone = "UTC"
allowed_domains = ["shop.example"]
[stores.quiet_hours]
start = "00:00"
end = "23:59"
[stores.frequency_cap]
max = 20
window = "24h"
[[stores.steps]]
after = "30m"
channel = "email"
template = "value {{ link }}"
when = { cart_value_min = "100.00" }
[[stores.steps]]
after = "1h"
channel = "email"
template = "one item {{ link }}"
when = { items_max = 1 }
[[stores.steps]]
after = "2h"
channel = "email"
template = "first time {{ link }}"
when = { first_time = true }
[[stores.steps]]
after = "3h"
channel = "email"
template = "Norway {{ link }}"
when = { countries = ["NO"] }
[[stores.steps]]
after = "4h"
channel = "email"
template = "Turkish {{ link }}"
when = { languages = ["tr"] }
[[stores.steps]]
after = "5h"
channel = "email"
template = "SMS yes {{ link }}"
when = { consent = ["sms"] }
[[stores.steps]]
after = "6h"
channel = "email"
template = "hot lead {{ link }}"
when = { leads = ["hot"] }
[[stores.steps]]
after = "7h"
channel = "email"
template = "knitwear {{ link }}"
when = { tags = ["Knitwear"] }
[[stores.steps]]
after = "8h"
channel = "email"
template = "winter collection {{ link }}"
when = { collections = ["winter"] }
[[stores.steps]]
after = "9h"
channel = "email"
template = "socks {{ link }}"
when = { product_types = ["socks"] }
"#;

/// The store's catalogue, in the shape of Shopify's products.json with the feed's own
/// `collections`: A is a knitted sweater in the winter collection, B socks; C is not in it.
pub const CATALOGUE: &str = r#"{"products": [
  {"id": 1, "title": "Sweater", "handle": "sweater", "product_type": "Sweaters", "tags": ["knitwear"],
   "collections": ["Winter"], "options": [{"name": "Title"}],
   "variants": [{"id": 11, "sku": "A", "price": "120.00", "available": true, "option1": "Default Title"}]},
  {"id": 2, "title": "Socks", "handle": "socks", "product_type": "Socks", "tags": ["basics"],
   "options": [{"name": "Title"}],
   "variants": [{"id": 21, "sku": "B", "price": "20.00", "available": true, "option1": "Default Title"}]}
]}"#;

pub struct Shopper {
    pub cart: &'static str,
    pub email: &'static str,
    /// The event's `customer` and `cart`, as JSON text.
    pub customer: &'static str,
    pub items: &'static str,
    pub currency: &'static str,
    /// The event's type: `checkout.started` makes a hot lead.
    pub kind: &'static str,
    /// The steps' texts this shopper must get, in order.
    pub expected: &'static [&'static str],
}

/// Kari: 120.00 EUR in one item (the knitted sweater of the winter collection), a Norwegian
/// phone, Norwegian, SMS and e-mail consent, no order before, at checkout (a hot lead). Emre:
/// 2 × 20.00 EUR (socks), a Turkish phone, Turkish, e-mail only, 3 orders before. Emma: 100.00
/// USD (another currency: no value bound holds), one item the catalogue does not know, English,
/// no order known.
pub const SHOPPERS: [Shopper; 3] = [
    Shopper {
        cart: "c-kari",
        email: "kari@example.com",
        customer: r#""phone":"+4791234567","locale":"nb-NO","orders_count":0,"consent":{"email":true,"sms":true}"#,
        items: r#"[{"sku":"A","name":"Sweater","quantity":1,"unit_price":"120.00"}]"#,
        currency: "EUR",
        kind: "checkout.started",
        expected: &[
            "value",
            "one item",
            "first time",
            "Norway",
            "SMS yes",
            "hot lead",
            "knitwear",
            "winter collection",
        ],
    },
    Shopper {
        cart: "c-emre",
        email: "emre@example.com",
        customer: r#""phone":"+905321234567","locale":"tr-TR","orders_count":3,"consent":{"email":true}"#,
        items: r#"[{"sku":"B","name":"Socks","quantity":2,"unit_price":"20.00"}]"#,
        currency: "EUR",
        kind: "cart.updated",
        expected: &["Turkish", "socks"],
    },
    Shopper {
        cart: "c-emma",
        email: "emma@example.com",
        customer: r#""locale":"en-GB","consent":{"email":true}"#,
        items: r#"[{"sku":"C","name":"Scarf","quantity":1,"unit_price":"100.00"}]"#,
        currency: "USD",
        kind: "cart.updated",
        expected: &["one item", "first time"],
    },
];

pub fn event(s: &Shopper, at: &str) -> String {
    format!(
        r#"{{"event_id":"e-{cart}","type":"{kind}","occurred_at":"{at}","cart_id":"{cart}",
        "customer":{{"first_name":"X","email":"{email}",{customer}}},
        "cart":{{"currency":"{currency}","checkout_url":"https://shop.example/c","items":{items}}}}}"#,
        cart = s.cart,
        kind = s.kind,
        email = s.email,
        customer = s.customer,
        currency = s.currency,
        items = s.items
    )
}

/// The steps of `CONFIG`.
pub const STEPS: i64 = 10;

/// Steps skipped for their condition: every step for each shopper, less the ones they got.
pub fn skipped() -> i64 {
    SHOPPERS.iter().map(|s| STEPS - s.expected.len() as i64).sum()
}
