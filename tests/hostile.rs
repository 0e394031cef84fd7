//! Hostile requests against the real server with two stores: each named, with the status and
//! error code it must get, and afterwards the proof that none of them wrote anything — no
//! cart, contact, link, counter, message or hand-off in either store. Every public route is
//! tried: authentication, tenant isolation, signatures, shapes, sizes, encodings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use cartback_core::config::{DEMO_API_KEY, DEMO_PUBLISHABLE_KEY, DEMO_SHOPIFY_WEBHOOK_SECRET};
use cartback_e2e::Server;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

const OTHER_KEY: &str = "cbk_other_0123456789abcdef";
const ORIGIN: &str = "https://shop.example";

fn two_stores() -> cartback_core::config::Config {
    let text = format!(
        "{}\n[[stores]]\nid = \"other\"\nname = \"Other\"\napi_key = \"{OTHER_KEY}\"\ntwilio_auth_token = \"other_token\"\n\
         currency = \"EUR\"\nallowed_domains = [\"other.example\"]\n",
        include_str!("../docs/cartback.example.toml")
    );
    cartback_core::config::Config::from_toml("two.toml", &text).unwrap()
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    status: u16,
    /// The JSON error code, where the answer is a JSON error.
    code: Option<&'static str>,
}

fn case(name: &'static str, method: &'static str, path: &str, status: u16, code: Option<&'static str>) -> Case {
    Case { name, method, path: path.to_string(), headers: Vec::new(), body: Vec::new(), status, code }
}

impl Case {
    fn header(mut self, k: &'static str, v: &str) -> Case {
        self.headers.push((k, v.to_string()));
        self
    }
    fn bearer(self, key: &str) -> Case {
        self.header("authorization", &format!("Bearer {key}"))
    }
    fn json(self, v: &Value) -> Case {
        self.header("content-type", "application/json").body(v.to_string().into_bytes())
    }
    fn body(mut self, b: Vec<u8>) -> Case {
        self.body = b;
        self
    }
}

fn event() -> Value {
    json!({"event_id": "h1", "type": "cart.updated", "occurred_at": "2026-11-23T09:00:00Z", "cart_id": "c1",
           "customer": {"email": "a@example.com", "phone": "+905321234567", "consent": {"sms": true, "email": true}},
           "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                    "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "10.00"}]}})
}

/// `v` with the value at `pointer` set (added if its parent object lacks it).
fn with(mut v: Value, pointer: &str, x: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap() {
        Value::Object(o) => {
            o.insert(last.to_string(), x);
        }
        Value::Array(a) => a[last.parse::<usize>().unwrap()] = x,
        other => panic!("{pointer}: not a container: {other}"),
    }
    v
}

fn without(mut v: Value, parent: &str, key: &str) -> Value {
    v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
    v
}

fn shopify_sig(body: &[u8]) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(DEMO_SHOPIFY_WEBHOOK_SECRET.as_bytes()).unwrap();
    m.update(body);
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

fn cases() -> Vec<Case> {
    let ev = event();
    let big = vec![b'x'; 2 * 1024 * 1024];
    let checkout = include_bytes!("fixtures/shopify/shopify_webhook_checkouts_create.sample.json").to_vec();
    let mut c = vec![
        // --- POST /v1/events: authentication and tenancy
        case("events without a key", "POST", "/v1/events", 401, Some("missing_api_key")).json(&ev),
        case("events with a wrong key", "POST", "/v1/events", 401, Some("invalid_api_key"))
            .bearer("cbk_nope_0123456789abcdef")
            .json(&ev),
        case("events with the publishable key", "POST", "/v1/events", 401, Some("invalid_api_key"))
            .bearer(DEMO_PUBLISHABLE_KEY)
            .json(&ev),
        case("events with Basic auth", "POST", "/v1/events", 401, None)
            .header("authorization", &format!("Basic {DEMO_API_KEY}"))
            .json(&ev),
        case("events with an empty bearer", "POST", "/v1/events", 401, None)
            .header("authorization", "Bearer ")
            .json(&ev),
        case(
            "events with the key in the query",
            "POST",
            &format!("/v1/events?api_key={DEMO_API_KEY}"),
            401,
            Some("missing_api_key"),
        )
        .json(&ev),
        // --- POST /v1/events: content
        case("events without a content type", "POST", "/v1/events", 415, Some("unsupported_media_type"))
            .bearer(DEMO_API_KEY)
            .body(ev.to_string().into_bytes()),
        case("events as a form", "POST", "/v1/events", 415, Some("unsupported_media_type"))
            .bearer(DEMO_API_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"a=1".to_vec()),
        case("events not JSON", "POST", "/v1/events", 400, Some("malformed_json"))
            .bearer(DEMO_API_KEY)
            .header("content-type", "application/json")
            .body(b"{not json".to_vec()),
        case("events a JSON array", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&json!([ev])),
        case("events over the size limit", "POST", "/v1/events", 413, Some("body_too_large"))
            .bearer(DEMO_API_KEY)
            .header("content-type", "application/json")
            .body(big.clone()),
        case("events with a lying content length", "POST", "/v1/events", 413, Some("body_too_large"))
            .bearer(DEMO_API_KEY)
            .header("content-type", "application/json")
            .header("content-length", "99999999")
            .body(b"{}".to_vec()),
        case("events type unknown", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/type",
            json!("cart.deleted"),
        )),
        case("events without event_id", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&without(
            ev.clone(),
            "",
            "event_id",
        )),
        case("events with a 129-char event_id", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/event_id",
            json!("e".repeat(129)),
        )),
        case("events without cart_id", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&without(
            ev.clone(),
            "",
            "cart_id",
        )),
        case("events with a numeric cart_id", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart_id",
            json!(7),
        )),
        case("events dated in the future", "POST", "/v1/events", 422, Some("occurred_at_in_future"))
            .bearer(DEMO_API_KEY)
            .json(&with(ev.clone(), "/occurred_at", json!("2030-01-01T00:00:00Z"))),
        case("events with a time without offset", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/occurred_at",
            json!("2026-11-23T09:00:00"),
        )),
        case("events with a quantity of zero", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/quantity",
            json!(0),
        )),
        case("events with a negative quantity", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/quantity",
            json!(-1),
        )),
        case("events with a huge quantity", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/quantity",
            json!(1u64 << 40),
        )),
        case("events with a price as a number", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/unit_price",
            json!(10.0),
        )),
        case("events with a negative price", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/unit_price",
            json!("-10.00"),
        )),
        case("events with an overflowing price", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/unit_price",
            json!("92233720368547758.07"),
        )),
        case("events with three decimals in EUR", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items/0/unit_price",
            json!("10.001"),
        )),
        case("events with an unknown currency", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/currency",
            json!("EURO"),
        )),
        case("events with a javascript: checkout URL", "POST", "/v1/events", 422, None)
            .bearer(DEMO_API_KEY)
            .json(&with(ev.clone(), "/cart/checkout_url", json!("javascript:alert(1)"))),
        case("events with a checkout URL elsewhere", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/checkout_url",
            json!("https://evil.example/c"),
        )),
        case("events with a backslash URL trick", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/checkout_url",
            json!("https://shop.example\\@evil.example/x"),
        )),
        case("events with userinfo in the URL", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/checkout_url",
            json!("https://shop.example@evil.example/x"),
        )),
        case("events with CR LF in the URL", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/checkout_url",
            json!("https://shop.example/c\r\nX: y"),
        )),
        case("events with an e-mail list", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/customer/email",
            json!("a@example.com, b@example.com"),
        )),
        case("events with a bracketed e-mail", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/customer/email",
            json!("A <a@example.com>"),
        )),
        case("events with a NUL in the e-mail", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/customer/email",
            json!("a\u{0}@example.com"),
        )),
        case("events with an unknown time zone", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/customer/timezone",
            json!("Mars/Olympus"),
        )),
        case("events with a locale that is a script", "POST", "/v1/events", 422, None)
            .bearer(DEMO_API_KEY)
            .json(&with(ev.clone(), "/customer/locale", json!("<script>"))),
        case("events with consent as a string", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/customer/consent/sms",
            json!("yes"),
        )),
        case("events with 10 001 items", "POST", "/v1/events", 413, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/cart/items",
            json!(vec![json!({"sku": "A", "name": "A", "quantity": 1, "unit_price": "1.00"}); 10_001]),
        )),
        case("an order without an order", "POST", "/v1/events", 422, None).bearer(DEMO_API_KEY).json(&with(
            ev.clone(),
            "/type",
            json!("order.completed"),
        )),
        case("events with deep nesting", "POST", "/v1/events", 400, None)
            .bearer(DEMO_API_KEY)
            .header("content-type", "application/json")
            .body(format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        // --- the merchant's routes, across stores
        case("stats without a key", "GET", "/v1/stores/demo/stats", 401, Some("missing_api_key")),
        case("stats of another store", "GET", "/v1/stores/demo/stats", 404, None).bearer(OTHER_KEY),
        case("stats of a store that does not exist", "GET", "/v1/stores/nope/stats", 404, None).bearer(DEMO_API_KEY),
        case("stats with a path that is not UTF-8", "GET", "/v1/stores/%FF/stats", 400, Some("invalid_path"))
            .bearer(DEMO_API_KEY),
        case("stats with a traversal", "GET", "/v1/stores/..%2Fdemo/stats", 404, None).bearer(DEMO_API_KEY),
        case("consent of another store", "GET", "/v1/stores/demo/consent?phone=%2B905321234567", 404, None)
            .bearer(OTHER_KEY),
        case(
            "consent with both phone and e-mail",
            "GET",
            "/v1/stores/demo/consent?phone=%2B905321234567&email=a@example.com",
            422,
            None,
        )
        .bearer(DEMO_API_KEY),
        case("consent with neither", "GET", "/v1/stores/demo/consent", 422, None).bearer(DEMO_API_KEY),
        case("consent with a bad phone", "GET", "/v1/stores/demo/consent?phone=12", 422, None).bearer(DEMO_API_KEY),
        case("consent without a key", "GET", "/v1/stores/demo/consent?phone=%2B905321234567", 401, None),
        case("coupon check without a key", "GET", "/v1/stores/demo/coupons/CB-XXXXXXXX", 401, None),
        case(
            "coupon check of an unknown code",
            "GET",
            "/v1/stores/demo/coupons/CB-XXXXXXXX",
            404,
            Some("coupon_not_found"),
        )
        .bearer(DEMO_API_KEY),
        case("coupon check of another store", "GET", "/v1/stores/demo/coupons/CB-XXXXXXXX", 404, None)
            .bearer(OTHER_KEY),
        case(
            "coupon redeem of an unknown code",
            "POST",
            "/v1/stores/demo/coupons/CB-XXXXXXXX/redeem",
            404,
            Some("coupon_not_found"),
        )
        .bearer(DEMO_API_KEY),
        case("coupon redeem without a key", "POST", "/v1/stores/demo/coupons/CB-XXXXXXXX/redeem", 401, None),
        case("coupon redeem of another store", "POST", "/v1/stores/demo/coupons/CB-XXXXXXXX/redeem", 404, None)
            .bearer(OTHER_KEY),
        // --- restore links and unsubscribe links
        case("restore with a made-up token", "GET", "/r/AAAAAAAAAAAAAAAAAAAAAA", 404, None),
        case("restore with a coupon key as token", "GET", "/r/coupon:demo:CB-1", 404, None),
        case("restore with a long token", "GET", &format!("/r/{}", "A".repeat(500)), 404, None),
        case(
            "unsubscribe page with a forged token",
            "GET",
            "/v1/unsubscribe/demo/abc.def",
            404,
            Some("link_not_found"),
        ),
        case("unsubscribe with a forged token", "POST", "/v1/unsubscribe/demo/abc.def", 404, Some("link_not_found")),
        case("unsubscribe with a token and no tag", "POST", "/v1/unsubscribe/demo/abc", 404, Some("link_not_found")),
        case("unsubscribe of an unknown store", "POST", "/v1/unsubscribe/nope/abc.def", 404, Some("link_not_found")),
        case(
            "unsubscribe with a key of symbols",
            "POST",
            "/v1/unsubscribe/demo/%3Cscript%3E.AAAA",
            404,
            Some("link_not_found"),
        ),
        // --- the snippet
        case("collect without a key", "POST", "/v1/collect/demo", 401, Some("missing_publishable_key"))
            .header("origin", ORIGIN)
            .json(&json!({})),
        case(
            "collect with the API key",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_API_KEY}"),
            401,
            Some("invalid_publishable_key"),
        )
        .header("origin", ORIGIN)
        .json(&json!({})),
        case(
            "collect from another site",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            403,
            Some("origin_not_allowed"),
        )
        .header("origin", "https://evil.example")
        .json(&json!({})),
        case(
            "collect without an origin",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            403,
            Some("origin_not_allowed"),
        )
        .json(&json!({})),
        case(
            "collect from a look-alike origin",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            403,
            Some("origin_not_allowed"),
        )
        .header("origin", "https://shop.example.evil.example")
        .json(&json!({})),
        case(
            "collect from an http origin with credentials",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            403,
            Some("origin_not_allowed"),
        )
        .header("origin", "https://user@shop.example")
        .json(&json!({})),
        case(
            "collect an order",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            422,
            Some("event_type_not_public"),
        )
        .header("origin", ORIGIN)
        .json(&with(ev.clone(), "/type", json!("order.completed"))),
        case(
            "collect an API cart",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            422,
            Some("cart_id_not_public"),
        )
        .header("origin", ORIGIN)
        .json(&ev),
        case(
            "collect a short web cart id",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            422,
            Some("cart_id_not_public"),
        )
        .header("origin", ORIGIN)
        .json(&with(ev.clone(), "/cart_id", json!("web-1"))),
        case(
            "collect a Shopify cart",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            422,
            Some("cart_id_not_public"),
        )
        .header("origin", ORIGIN)
        .json(&with(ev.clone(), "/cart_id", json!("shopify-123123123"))),
        case(
            "collect not JSON",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            400,
            Some("malformed_json"),
        )
        .header("origin", ORIGIN)
        .header("content-type", "text/plain")
        .body(b"{".to_vec()),
        case(
            "collect as XML",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            415,
            Some("unsupported_media_type"),
        )
        .header("origin", ORIGIN)
        .header("content-type", "application/xml")
        .body(b"<a/>".to_vec()),
        case("collect over the size limit", "POST", &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"), 413, None)
            .header("origin", ORIGIN)
            .header("content-type", "text/plain")
            .body(big.clone()),
        case(
            "collect for a store without a publishable key",
            "POST",
            &format!("/v1/collect/other?key={DEMO_PUBLISHABLE_KEY}"),
            404,
            None,
        )
        .header("origin", "https://other.example")
        .json(&json!({})),
        case(
            "collect with the other store's origin",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            403,
            Some("origin_not_allowed"),
        )
        .header("origin", "https://other.example")
        .json(&json!({})),
        case("collect preflight from another site", "OPTIONS", "/v1/collect/demo", 403, Some("origin_not_allowed"))
            .header("origin", "https://evil.example"),
        case(
            "collect a body that is a string",
            "POST",
            &format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}"),
            422,
            None,
        )
        .header("origin", ORIGIN)
        .json(&json!("x")),
        // --- Shopify
        case("shopify without a signature", "POST", "/v1/webhooks/shopify/demo", 401, Some("missing_signature"))
            .header("x-shopify-topic", "checkouts/create")
            .header("x-shopify-webhook-id", "h1")
            .body(checkout.clone()),
        case("shopify with a wrong signature", "POST", "/v1/webhooks/shopify/demo", 401, Some("invalid_signature"))
            .header("x-shopify-topic", "checkouts/create")
            .header("x-shopify-webhook-id", "h1")
            .header("x-shopify-hmac-sha256", &shopify_sig(b"other"))
            .body(checkout.clone()),
        case(
            "shopify with a signature that is not base64",
            "POST",
            "/v1/webhooks/shopify/demo",
            401,
            Some("invalid_signature"),
        )
        .header("x-shopify-topic", "checkouts/create")
        .header("x-shopify-webhook-id", "h1")
        .header("x-shopify-hmac-sha256", "!!!")
        .body(checkout.clone()),
        case("shopify for a store without Shopify", "POST", "/v1/webhooks/shopify/other", 404, None)
            .header("x-shopify-topic", "checkouts/create")
            .header("x-shopify-webhook-id", "h1")
            .header("x-shopify-hmac-sha256", &shopify_sig(&checkout))
            .body(checkout.clone()),
        case("shopify for an unknown store", "POST", "/v1/webhooks/shopify/nope", 404, None)
            .header("x-shopify-hmac-sha256", &shopify_sig(&checkout))
            .body(checkout.clone()),
        case("shopify checkout replayed as an order", "POST", "/v1/webhooks/shopify/demo", 401, Some("forged_payload"))
            .header("x-shopify-topic", "orders/create")
            .header("x-shopify-webhook-id", "h2")
            .header("x-shopify-hmac-sha256", &shopify_sig(&checkout))
            .body(checkout.clone()),
        case("shopify checkout replayed as a delete", "POST", "/v1/webhooks/shopify/demo", 401, Some("forged_payload"))
            .header("x-shopify-topic", "checkouts/delete")
            .header("x-shopify-webhook-id", "h3")
            .header("x-shopify-hmac-sha256", &shopify_sig(&checkout))
            .body(checkout.clone()),
        case("shopify without a topic", "POST", "/v1/webhooks/shopify/demo", 400, Some("missing_header"))
            .header("x-shopify-webhook-id", "h1")
            .header("x-shopify-hmac-sha256", &shopify_sig(&checkout))
            .body(checkout.clone()),
        case("shopify signed but not JSON", "POST", "/v1/webhooks/shopify/demo", 422, Some("invalid_payload"))
            .header("x-shopify-topic", "checkouts/create")
            .header("x-shopify-webhook-id", "h1")
            .header("x-shopify-hmac-sha256", &shopify_sig(b"[1,2]"))
            .body(b"[1,2]".to_vec()),
        case("shopify over the size limit", "POST", "/v1/webhooks/shopify/demo", 413, None)
            .header("x-shopify-topic", "checkouts/create")
            .header("x-shopify-webhook-id", "h1")
            .header("x-shopify-hmac-sha256", &shopify_sig(&big))
            .body(big.clone()),
        // --- WooCommerce
        case(
            "woocommerce without a signature",
            "POST",
            "/v1/webhooks/woocommerce/demo",
            401,
            Some("missing_signature"),
        )
        .header("x-wc-webhook-topic", "order.created")
        .body(b"{}".to_vec()),
        case(
            "woocommerce with a wrong signature",
            "POST",
            "/v1/webhooks/woocommerce/demo",
            401,
            Some("invalid_signature"),
        )
        .header("x-wc-webhook-topic", "order.created")
        .header("x-wc-webhook-signature", "AAAA")
        .body(b"{}".to_vec()),
        case("woocommerce for a store without it", "POST", "/v1/webhooks/woocommerce/other", 404, None)
            .header("x-wc-webhook-signature", "AAAA")
            .body(b"{}".to_vec()),
        // --- Twilio and WhatsApp
        case("twilio reply without a signature", "POST", "/v1/replies/twilio/demo", 403, Some("missing_signature"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"From=%2B905321234567&Body=START&MessageSid=SM1".to_vec()),
        case("twilio reply with a wrong signature", "POST", "/v1/replies/twilio/demo", 403, Some("invalid_signature"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", "AAAA")
            .body(b"From=%2B905321234567&Body=START&MessageSid=SM1".to_vec()),
        case("twilio reply for an unknown store", "POST", "/v1/replies/twilio/nope", 403, Some("invalid_signature"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", "AAAA")
            .body(b"From=x".to_vec()),
        case(
            "twilio reply with a log-forging store id",
            "POST",
            "/v1/replies/twilio/demo%0A%1B%5B31mFAKE",
            403,
            Some("invalid_signature"),
        )
        .header("x-twilio-signature", "AAAA")
        .body(b"From=x".to_vec()),
        case("twilio reply over the size limit", "POST", "/v1/replies/twilio/demo", 413, None)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", "AAAA")
            .body(big.clone()),
        case(
            "twilio status with a wrong signature",
            "POST",
            "/v1/status/twilio/demo?cart=c1&seq=1",
            403,
            Some("invalid_signature"),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", "AAAA")
        .body(b"MessageStatus=delivered".to_vec()),
        case(
            "twilio status signed by the other store",
            "POST",
            "/v1/status/twilio/other?cart=c1&seq=1",
            403,
            Some("invalid_signature"),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", "AAAA")
        .body(b"MessageStatus=delivered".to_vec()),
        case(
            "whatsapp handshake with a wrong token",
            "GET",
            "/v1/status/whatsapp/demo?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
            403,
            None,
        ),
        case(
            "whatsapp handshake for a store without WhatsApp",
            "GET",
            "/v1/status/whatsapp/other?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
            404,
            None,
        ),
        case("whatsapp status without a signature", "POST", "/v1/status/whatsapp/demo", 401, None)
            .json(&json!({"entry": []})),
        case("whatsapp status with a wrong signature", "POST", "/v1/status/whatsapp/demo", 401, None)
            .header("x-hub-signature-256", "sha256=00")
            .json(&json!({"entry": []})),
        // --- routes that do not exist, methods that do not apply
        case("GET on the events route", "GET", "/v1/events", 405, None),
        case("DELETE on stats", "DELETE", "/v1/stores/demo/stats", 405, None).bearer(DEMO_API_KEY),
        case("an unknown route", "GET", "/v1/admin", 404, None),
        case("the local outbox is not under /v1", "GET", "/v1/_local/outbox", 404, None),
        case("a path with a NUL", "GET", "/v1/stores/de%00mo/stats", 404, None).bearer(DEMO_API_KEY),
    ];
    // The same bad event, sent with the other store's key: refused for the same reasons.
    for (name, v) in [
        ("other store: price overflow", with(event(), "/cart/items/0/unit_price", json!("92233720368547758.07"))),
        ("other store: future date", with(event(), "/occurred_at", json!("2031-01-01T00:00:00Z"))),
        ("other store: checkout URL off its domains", event()),
    ] {
        c.push(case(name, "POST", "/v1/events", 422, None).bearer(OTHER_KEY).json(&v));
    }
    c
}

#[tokio::test]
async fn a_hundred_hostile_requests_are_refused_and_write_nothing() {
    let s = Server::with_config(two_stores()).await;
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
        let mut req = s.http.request(method, s.url(&c.path)).body(c.body.clone());
        for (k, v) in &c.headers {
            req = req.header(*k, v);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let json: Value = r.json().await.unwrap_or(Value::Null);
        let code = json["error"]["code"].as_str().map(str::to_string);
        let code_ok = c.code.is_none_or(|want| code.as_deref() == Some(want));
        if status != c.status || !code_ok {
            wrong.push(format!(
                "{}: {} {} → {status} {code:?} (want {} {:?})",
                c.name, c.method, c.path, c.status, c.code
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {}:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
    // Nothing written anywhere.
    for store in ["demo", "other"] {
        assert!(s.rt.store.carts_of(store).is_empty(), "{store}: a cart was written");
        let stats: Value = serde_json::to_value(s.rt.engine.stats_report(store).await.unwrap()).unwrap();
        assert_eq!(stats["carts_tracked"], 0, "{store}: {stats}");
    }
    let raw = cartback_core::ports::StatsStore::get(s.rt.store.as_ref(), "demo").await.unwrap();
    assert!(raw.is_empty(), "counters written: {raw:?}");
    assert!(s.outbox().await.is_empty(), "a message was sent");
    assert!(s.rt.alerts.all().is_empty(), "a hand-off was raised");
}
