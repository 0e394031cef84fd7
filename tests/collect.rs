//! The capture snippet's route, `POST /v1/collect/{store}`, over real HTTP: what a publishable
//! key can do, and everything it cannot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::DEMO_PUBLISHABLE_KEY;
use cartback_e2e::Server;
use serde_json::{Value, json};

const ORIGIN: &str = "https://www.shop.example";
const CART: &str = "web-AbCdEfGhIjKlMnOpQrStUv";

async fn collect(
    s: &Server,
    key: Option<&str>,
    origin: Option<&str>,
    body: &Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let path = match key {
        Some(k) => format!("/v1/collect/demo?key={k}"),
        None => "/v1/collect/demo".into(),
    };
    let mut req = s.http.post(s.url(&path)).header("content-type", "text/plain;charset=UTF-8").body(body.to_string());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

fn cart_event(id: &str) -> Value {
    json!({"event_id": id, "type": "cart.updated", "cart_id": CART,
           "cart": {"currency": "EUR", "checkout_url": "https://shop.example/cart",
                    "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "349.00"}]}})
}

#[tokio::test]
async fn the_snippet_sends_cart_activity_and_a_consented_contact() {
    let s = Server::start().await;
    let k = Some(DEMO_PUBLISHABLE_KEY);
    let (st, r, h) = collect(&s, k, Some(ORIGIN), &cart_event("e1")).await;
    assert_eq!((st, r.clone()), (202, json!({"status": "accepted"})), "nothing about the cart is answered");
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    // A phone typed the Norwegian way, read in the shop's country.
    let contact = json!({"event_id": "e2", "type": "contact.captured", "cart_id": CART, "phone_country": "NO",
                         "customer": {"first_name": "Kari", "email": "kari@example.com", "phone": "912 34 567",
                                      "consent": {"email": true, "sms": true}}});
    let (st, r, _) = collect(&s, k, Some(ORIGIN), &contact).await;
    assert_eq!(st, 202, "{r}");
    let cart = s.rt.store.carts_of("demo").pop().unwrap();
    assert_eq!(cart.customer.phone.as_ref().unwrap().expose(), "+4791234567");
    // The server's clock stamps the event, whatever the browser's says.
    assert_eq!(cart.last_activity.to_string(), cartback_e2e::START);
    // A phone that is no number anywhere is left out; the e-mail still counts.
    let mut bad = contact.clone();
    bad["event_id"] = json!("e3");
    bad["customer"]["phone"] = json!("12");
    let (st, r, _) = collect(&s, k, Some(ORIGIN), &bad).await;
    assert_eq!((st, r["dropped"].clone()), (202, json!(["customer.phone"])));
    s.advance(31 * 60).await;
    let out = s.outbox().await;
    assert_eq!(out.iter().filter(|m| m["channel"] == "sms").count(), 1, "{out:?}");
    // A CORS preflight from the shop is answered; from elsewhere it is not.
    let pre = |o: &'static str| {
        s.http.request(reqwest::Method::OPTIONS, s.url("/v1/collect/demo")).header("origin", o).send()
    };
    assert_eq!(pre(ORIGIN).await.unwrap().status().as_u16(), 204);
    assert_eq!(pre("https://evil.example").await.unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn a_publishable_key_can_do_nothing_else() {
    let s = Server::start().await;
    let k = Some(DEMO_PUBLISHABLE_KEY);
    let code = |r: &Value| r["error"]["code"].as_str().unwrap_or_default().to_string();
    let (st, r, _) = collect(&s, None, Some(ORIGIN), &cart_event("e1")).await;
    assert_eq!((st, code(&r)), (401, "missing_publishable_key".into()));
    let (st, r, _) = collect(&s, Some("pk_demo_0123456789abcdeX"), Some(ORIGIN), &cart_event("e1")).await;
    assert_eq!((st, code(&r)), (401, "invalid_publishable_key".into()));
    // The secret API key is not a publishable key either.
    let (st, _, _) = collect(&s, Some(cartback_core::config::DEMO_API_KEY), Some(ORIGIN), &cart_event("e1")).await;
    assert_eq!(st, 401);
    for origin in [None, Some("https://evil.example"), Some("https://shop.example.evil.com"), Some("null")] {
        let (st, r, headers) = collect(&s, k, origin, &cart_event("e1")).await;
        assert_eq!((st, code(&r)), (403, "origin_not_allowed".into()), "{origin:?}");
        // A refused origin is not named back: its page must not be told it may read the answer.
        assert!(headers.get("access-control-allow-origin").is_none(), "{origin:?} echoed in CORS");
    }
    // An allowed one is, on errors too (the snippet reads them).
    let (_, _, headers) = collect(&s, None, Some(ORIGIN), &cart_event("e1")).await;
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let mut order = cart_event("e2");
    order["type"] = json!("order.completed");
    let (st, r, _) = collect(&s, k, Some(ORIGIN), &order).await;
    assert_eq!((st, code(&r)), (422, "event_type_not_public".into()));
    for cart in ["shopify-123123123", "web-short", "c1"] {
        let mut other = cart_event("e3");
        other["cart_id"] = json!(cart);
        let (st, r, _) = collect(&s, k, Some(ORIGIN), &other).await;
        assert_eq!((st, code(&r)), (422, "cart_id_not_public".into()), "{cart}");
    }
    // A restore target outside the shop is refused by the same validation as the API's.
    let mut phishing = cart_event("e4");
    phishing["cart"]["checkout_url"] = json!("https://evil.example/pay");
    let (st, _, _) = collect(&s, k, Some(ORIGIN), &phishing).await;
    assert_eq!(st, 422);
    let (st, _, _) = collect(&s, k, Some(ORIGIN), &json!([1])).await;
    assert_eq!(st, 422);
    let big = json!({"pad": "x".repeat(40 * 1024)});
    let (st, _, _) = collect(&s, k, Some(ORIGIN), &big).await;
    assert_eq!(st, 413);
    assert!(s.rt.store.carts_of("demo").is_empty(), "a refused event stored a cart");
    // A store without a publishable key has no collect route at all.
    let r = s.http.post(s.url("/v1/collect/nope?key=pk_x")).header("origin", ORIGIN).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn one_client_is_rate_limited_after_its_burst() {
    let s = Server::start().await;
    let mut statuses = Vec::new();
    for i in 0..70 {
        let (st, _, h) = collect(&s, Some(DEMO_PUBLISHABLE_KEY), Some(ORIGIN), &cart_event(&format!("e{i}"))).await;
        if st == 429 {
            assert!(h.contains_key("retry-after"));
        }
        statuses.push(st);
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    // 60 at once, plus about one a second refilled while the loop runs.
    assert!((5..=10).contains(&limited), "{limited} of 70 limited: {statuses:?}");
    assert!(statuses[..60].iter().all(|s| *s == 202));
}

/// The store's customer id cannot be claimed from a page: a browser cart that names one has it
/// left out (and says so), so a later order carrying only that id does not recover the
/// caller's cart (the order's shopper never saw it).
#[tokio::test]
async fn the_snippet_cannot_claim_a_customer_id() {
    let s = Server::start().await;
    let claim = json!({"event_id": "e1", "type": "contact.captured", "cart_id": CART,
                       "customer": {"id": "cust_9", "email": "mallory@example.com", "consent": {"email": true}}});
    let (st, r, _) = collect(&s, Some(DEMO_PUBLISHABLE_KEY), Some(ORIGIN), &claim).await;
    assert_eq!((st, r["dropped"].clone()), (202, json!(["customer.id"])), "{r}");
    let mut cart_ev = cart_event("e2");
    cart_ev["customer"] = json!({"email": "mallory@example.com", "consent": {"email": true}});
    collect(&s, Some(DEMO_PUBLISHABLE_KEY), Some(ORIGIN), &cart_ev).await;
    let cart = s.rt.store.carts_of("demo").pop().unwrap();
    assert!(cart.customer.id.is_none(), "the customer id was stored");
    // The e-mail goes out; an order carrying only the store's customer id is someone else's.
    s.advance(25 * 3600).await;
    assert!(!s.outbox().await.is_empty());
    let mut order = cartback_e2e::order_event("o1", "shopify-order-1", "2026-11-24T10:00:00Z", "99.00", "EUR");
    order["customer"] = json!({"id": "cust_9"});
    s.post_event(&order).await;
    let stats = s.stats().await;
    assert_eq!(stats["orders_recovered"], 0, "{stats}");
}

fn config_with_snippet(section: &str) -> cartback_core::config::Config {
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "[stores.quiet_hours]",
        &format!("[stores.snippet]\n{section}\n\n[stores.quiet_hours]"),
        1,
    );
    cartback_core::config::Config::from_toml("test.toml", &text).unwrap()
}

/// The attack: a script posts a victim's number with a "first name" that is a phishing line.
/// The store's own SMS and e-mail must not carry it.
#[tokio::test]
async fn attacker_text_from_the_snippet_never_reaches_a_message() {
    let s = Server::start().await;
    let k = Some(DEMO_PUBLISHABLE_KEY);
    let phish = "Account locked! Verify: https://evil.example/x";
    let mut ev = cart_event("e1");
    ev["customer"] = json!({"first_name": phish, "email": "victim@example.com", "phone": "+4791234567",
                            "consent": {"email": true, "sms": true}});
    ev["cart"]["items"][0]["name"] = json!("Claim your prize at evil.example");
    let (st, r, _) = collect(&s, k, Some(ORIGIN), &ev).await;
    assert_eq!(st, 202, "{r}");
    assert_eq!(r["dropped"], json!(["customer.first_name", "cart.items.name"]));
    s.advance(25 * 3600).await;
    let out = s.outbox().await;
    assert!(out.len() >= 2, "{out:?}");
    for m in &out {
        let text = m.to_string();
        assert!(!text.contains("evil.example") && !text.contains("Account locked"), "{text}");
    }
    let stats = s.stats().await;
    assert_eq!(stats["snippet"], json!({"dropped.first_name": 1, "dropped.item_name": 1}));
}

#[tokio::test]
async fn snippet_phones_come_only_from_allowed_countries_and_within_the_hourly_budget() {
    let s = Server::with_config(config_with_snippet("sms_countries = [\"NO\"]\nphones_per_hour = 2")).await;
    let k = Some(DEMO_PUBLISHABLE_KEY);
    let contact = |i: usize, phone: &str| {
        json!({"event_id": format!("p{i}"), "type": "contact.captured", "cart_id": format!("{CART}{i}"),
               "customer": {"email": format!("s{i}@example.com"), "phone": phone, "consent": {"sms": true, "email": true}},
               "cart": {"currency": "EUR", "checkout_url": "https://shop.example/cart",
                        "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "349.00"}]}})
    };
    // A Turkish number: not an allowed country.
    let (st, r, _) = collect(&s, k, Some(ORIGIN), &contact(0, "+905321234567")).await;
    assert_eq!((st, r["dropped"].clone()), (202, json!(["customer.phone"])), "{r}");
    // Norwegian numbers: two an hour, then left out (the e-mail is kept).
    for (i, phone) in ["+4791234561", "+4791234562", "+4791234563"].into_iter().enumerate() {
        let (st, r, _) = collect(&s, k, Some(ORIGIN), &contact(i + 1, phone)).await;
        assert_eq!(st, 202, "{r}");
        assert_eq!(r.get("dropped").is_some(), i == 2, "{phone}: {r}");
    }
    let with_phone = s.rt.store.carts_of("demo").iter().filter(|c| c.customer.phone.is_some()).count();
    assert_eq!(with_phone, 2);
    let stats = s.stats().await;
    assert_eq!(stats["snippet"], json!({"dropped.phone.country_not_allowed": 1, "dropped.phone.phone_rate": 1}));
}

/// `GET /v1/on-site/{store}`: the snippet's on-site settings (docs/on-site.md), for the store's
/// own pages with its publishable key only, cacheable, nothing about a shopper.
#[tokio::test]
async fn the_on_site_settings_only_for_the_stores_pages() {
    let s = Server::start().await;
    let get = async |path: String, origin: Option<&str>| {
        let mut req = s.http.get(s.url(&path));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, r.json::<Value>().await.unwrap_or(Value::Null), headers)
    };
    let (st, body, h) = get(format!("/v1/on-site/demo?key={DEMO_PUBLISHABLE_KEY}"), Some(ORIGIN)).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["cache-control"], "public, max-age=300");
    // The demo store turns the nudge on; every built-in language has its title.
    let titles = body["tab_nudge"]["titles"].as_object().unwrap();
    assert_eq!(titles.keys().cloned().collect::<Vec<_>>(), ["en", "fa", "nb", "tr"]);
    assert_eq!(titles["nb"], "🛒 Handlekurven din venter");
    assert_eq!(body["tab_nudge"]["favicon"], false);

    let (st, body, h) = get(format!("/v1/on-site/demo?key={DEMO_PUBLISHABLE_KEY}"), Some("https://evil.example")).await;
    assert_eq!((st, body["error"]["code"].as_str()), (403, Some("origin_not_allowed")));
    assert!(h.get("access-control-allow-origin").is_none(), "a refused origin is not named back");
    let (st, body, _) = get(format!("/v1/on-site/demo?key={DEMO_PUBLISHABLE_KEY}"), None).await;
    assert_eq!((st, body["error"]["code"].as_str()), (403, Some("origin_not_allowed")));
    // A same-origin GET carries no `Origin`; its `Referer` names the page instead.
    let by_referer = async |referer: &str| {
        let url = s.url(&format!("/v1/on-site/demo?key={DEMO_PUBLISHABLE_KEY}"));
        s.http.get(url).header("referer", referer).send().await.unwrap().status().as_u16()
    };
    assert_eq!(by_referer("https://www.shop.example/products/sweater?x=1").await, 200);
    assert_eq!(by_referer("https://evil.example/www.shop.example").await, 403);
    assert_eq!(by_referer("not a url").await, 403);
    let (st, body, _) = get("/v1/on-site/demo".into(), Some(ORIGIN)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("missing_publishable_key")));
    let (st, body, _) = get("/v1/on-site/demo?key=pk_wrong".into(), Some(ORIGIN)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("invalid_publishable_key")));
    let (st, _, _) = get(format!("/v1/on-site/nope?key={DEMO_PUBLISHABLE_KEY}"), Some(ORIGIN)).await;
    assert_eq!(st, 404);
}
