//! The store's catalogue over HTTP in local mode (docs/catalogue.md): read from a storefront
//! that answers as Shopify's documents it (cursor pagination in `Link`, a 429 with
//! `Retry-After`), checked request by request; uploaded as CSV and JSON (a bad feed changes
//! nothing); and a shopper's product question answered from it with a ready cart link, while
//! order status and what the catalogue does not say go to a person.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use cartback_core::config::Config;
use cartback_e2e::{DEMO_API_KEY, START, Server, meta_sign};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const FIXTURE: &str = include_str!("fixtures/catalogue/catalogue.json");

#[derive(Clone, Default)]
struct Shop {
    /// Each request: its query, and its User-Agent.
    seen: Arc<Mutex<Vec<(String, String)>>>,
    origin: Arc<Mutex<String>>,
    throttled_once: Arc<Mutex<bool>>,
}

/// `/products.json`: 5 products a page, the next page named in `Link` as Shopify's REST API
/// does (`page_info`), and the second page throttled once (429, `Retry-After: 1`).
async fn products(
    State(shop): State<Shop>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> impl IntoResponse {
    let query = {
        let mut k: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        k.sort();
        k.join("&")
    };
    let ua = h.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    shop.seen.lock().unwrap().push((query, ua));
    let page: usize = match q.get("page_info").map(String::as_str) {
        None => 0,
        Some("p2") => 1,
        Some("p3") => 2,
        Some(_) => {
            return (StatusCode::BAD_REQUEST, HeaderMap::new(), "{\"errors\":\"page_info invalid\"}".to_string());
        }
    };
    if page == 1 && !std::mem::replace(&mut *shop.throttled_once.lock().unwrap(), true) {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "1".parse().unwrap());
        return (StatusCode::TOO_MANY_REQUESTS, headers, "{\"errors\":\"Exceeded 2 calls per second\"}".to_string());
    }
    let all: Value = serde_json::from_str(FIXTURE).unwrap();
    let items: Vec<Value> = all["products"].as_array().unwrap().iter().skip(page * 5).take(5).cloned().collect();
    let mut headers = HeaderMap::new();
    if page < 2 {
        let origin = shop.origin.lock().unwrap().clone();
        let link = format!("<{origin}/products.json?limit=250&page_info=p{}>; rel=\"next\"", page + 2);
        headers.insert("link", link.parse().unwrap());
    }
    (StatusCode::OK, headers, json!({"products": items}).to_string())
}

async fn storefront() -> (Shop, String) {
    let shop = Shop::default();
    let app = axum::Router::new().route("/products.json", axum::routing::get(products)).with_state(shop.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    *shop.origin.lock().unwrap() = origin.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (shop, origin)
}

fn config_for(origin: &str) -> Config {
    let text = include_str!("../docs/cartback.example.toml")
        .replace("shopify_shop = \"https://shop.example\"", &format!("shopify_shop = \"{origin}\""));
    Config::from_toml("catalogue.toml", &text).unwrap()
}

async fn call(s: &Server, method: &str, path: &str, ct: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut r = s.http.request(method.parse().unwrap(), s.url(path)).bearer_auth(DEMO_API_KEY);
    if let Some(ct) = ct {
        r = r.header("content-type", ct).body(body);
    }
    let resp = r.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

fn cart_event(event_id: &str, cart: &str, sku: &str, price: &str) -> Value {
    json!({
        "event_id": event_id, "type": "cart.updated", "occurred_at": START, "cart_id": cart,
        "customer": {"first_name": "Ayşe", "phone": "+905321234567", "locale": "tr-TR", "timezone": "Europe/Istanbul",
                     "consent": {"sms": true, "email": false, "whatsapp": false}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/checkouts/x",
                 "items": [{"sku": sku, "name": "Merino Crew Sweater", "quantity": 1, "unit_price": price}]}
    })
}

#[tokio::test]
async fn refreshed_from_the_shop_then_a_question_answered_with_a_ready_cart() {
    let (shop, origin) = storefront().await;
    let s = Server::with_config(config_for(&origin)).await;
    let (st, body) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!((st, body["error"]["code"].as_str()), (404, Some("no_catalogue")), "{body}");

    let (st, summary) = call(&s, "POST", "/v1/stores/demo/catalogue/refresh", Some("application/json"), vec![]).await;
    assert_eq!(st, 200, "{summary}");
    assert_eq!((summary["products"].as_u64(), summary["variants"].as_u64()), (Some(12), Some(43)), "{summary}");
    assert_eq!(summary["variants_available"], 31);
    assert_eq!(summary["source"], "shopify_products_json");
    // Request by request: the first page, the throttled second, the second again after the
    // wait, the third; each from Cartback's user agent.
    let seen = shop.seen.lock().unwrap().clone();
    let queries: Vec<&str> = seen.iter().map(|(q, _)| q.as_str()).collect();
    assert_eq!(queries, ["limit=250", "limit=250&page_info=p2", "limit=250&page_info=p2", "limit=250&page_info=p3"]);
    assert!(seen.iter().all(|(_, ua)| ua.starts_with("Cartback/")), "{seen:?}");
    assert_eq!(s.stats().await["catalogue"]["refreshed"], 1);

    // Ayşe leaves a navy M sweater; the SMS goes; she asks in Turkish for the grey one.
    s.post_event(&cart_event("e1", "c1", "MW-SWT-M-NAV", "89.00")).await;
    s.advance(30 * 60).await;
    assert_eq!(s.outbox().await.len(), 1);
    let (st, twiml) = s.twilio_reply("+905321234567", "grisi M beden var mı?", "SMq1").await;
    assert_eq!(st, 200);
    assert!(twiml.contains("Merino Crew Sweater (M / Grey) stokta var (89,00 EUR)"), "{twiml}");
    // The ready cart: the grey M in place of the navy one, on the shop's own domain.
    assert!(twiml.contains(&format!("{origin}/cart/45101000000105:1")), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["questions"]["answered"], 1, "{stats}");

    // Where her earlier order is: a person (order status is theirs to look up).
    let (_, twiml) = s.twilio_reply("+905321234567", "geçen hafta verdiğim siparişim nerede kaldı?", "SMq2").await;
    assert!(!twiml.contains("Merino"), "{twiml}");
    assert_eq!(s.stats().await["questions"]["order_status"], 1);
    // What the catalogue does not say: a person, never a guess.
    let (_, twiml) = s.twilio_reply("+905321234567", "kazak kaşıntı yapar mı?", "SMq3").await;
    assert!(!twiml.contains("Merino"), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["questions"]["person.feel"], 1, "{stats}");
}

#[tokio::test]
async fn uploads_replace_it_whole_and_a_bad_feed_changes_nothing() {
    let s = Server::start().await;
    let csv = "handle,title,option1_name,option1_value,variant_id,sku,price,available,description\n\
               mug,Stoneware Mug,Colour,Blue,901,MUG-B,12.50,true,\"<p>Material: stoneware</p><p>Care: dishwasher safe</p>\"\n\
               mug,Stoneware Mug,Colour,Sand,902,MUG-S,12.50,false,\n";
    let (st, body) = call(&s, "PUT", "/v1/stores/demo/catalogue", Some("text/csv"), csv.into()).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        (body["products"].as_u64(), body["variants"].as_u64(), body["source"].as_str()),
        (Some(1), Some(2), Some("feed_csv"))
    );

    // A price the currency cannot have: refused with the line, and the stored catalogue stays.
    let bad = "handle,title,variant_id,price,available\nmug,Mug,1,12.505,true\n";
    let (st, body) = call(&s, "PUT", "/v1/stores/demo/catalogue", Some("text/csv"), bad.into()).await;
    assert_eq!((st, body["error"]["code"].as_str()), (400, Some("invalid_feed")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("line 2: price"), "{body}");
    let (_, now) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!(now["source"], "feed_csv");

    let (st, body) = call(&s, "PUT", "/v1/stores/demo/catalogue", Some("application/json"), FIXTURE.into()).await;
    assert_eq!((st, body["products"].as_u64()), (200, Some(12)), "{body}");
    let (st, body) = call(&s, "PUT", "/v1/stores/demo/catalogue", Some("application/xml"), b"<p/>".to_vec()).await;
    assert_eq!(st, 415, "{body}");
    let (st, _) = s
        .http
        .put(s.url("/v1/stores/demo/catalogue"))
        .header("content-type", "application/json")
        .body(FIXTURE)
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(st, 401, "no key, no catalogue");
    let stats = s.stats().await;
    assert_eq!(stats["catalogue"]["uploaded"], 2, "{stats}");
    assert_eq!(stats["catalogue"]["rejected.malformed"], 1, "{stats}");
}

fn shopify_signature(body: &[u8]) -> String {
    cartback_e2e::hmac_base64(cartback_core::config::DEMO_SHOPIFY_WEBHOOK_SECRET, body)
}

async fn product_webhook(s: &Server, topic: &str, id: &str, body: &[u8], sig: Option<String>) -> (u16, Value) {
    let mut r = s
        .http
        .post(s.url("/v1/webhooks/shopify/demo"))
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header("x-shopify-webhook-id", id)
        .header("x-shopify-api-version", "2026-04")
        .body(body.to_vec());
    if let Some(sig) = sig {
        r = r.header("x-shopify-hmac-sha256", sig);
    }
    let resp = r.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

/// Shopify's documented `products/create` sample (18-digit ids, `"options": []`, `sku: null`,
/// stock as `inventory_quantity`), then an update selling out a size, then `products/delete`:
/// each keeps the stored catalogue in step; a forged one changes nothing.
#[tokio::test]
async fn product_webhooks_keep_it_in_step() {
    let s = Server::start().await;
    let create = include_bytes!("fixtures/shopify/shopify_webhook_products_create.sample.json");
    let (st, body) = product_webhook(&s, "products/create", "w1", create, Some(shopify_signature(create))).await;
    assert_eq!((st, body["status"].as_str()), (200, Some("applied")), "{body}");
    let (_, c) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!(
        (c["products"].as_u64(), c["variants"].as_u64(), c["variants_available"].as_u64()),
        (Some(1), Some(2), Some(2)),
        "{c}"
    );
    assert_eq!(c["source"], "shopify_webhooks");

    let mut update: Value = serde_json::from_slice(create).unwrap();
    // As a newer API version sends it: no `inventory_management`, the quantity 0 under "deny".
    update["variants"][1]["inventory_quantity"] = json!(0);
    let update = serde_json::to_vec(&update).unwrap();
    let (st, _) = product_webhook(&s, "products/update", "w2", &update, Some(shopify_signature(&update))).await;
    assert_eq!(st, 200);
    let (_, c) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!((c["products"].as_u64(), c["variants_available"].as_u64()), (Some(1), Some(1)), "{c}");

    // Forged: refused, nothing changes.
    let delete = br#"{"id":788032119674292922}"#;
    let (st, _) = product_webhook(&s, "products/delete", "w3", delete, Some(shopify_signature(b"other"))).await;
    assert_eq!(st, 401);
    let (_, c) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!(c["products"], 1);
    // A product that is not one: nothing changes, counted; answered 200 with why (a webhook that
    // keeps failing is removed by Shopify, and every later change with it).
    let junk = br#"{"id":5,"title":"x"}"#;
    let (st, body) = product_webhook(&s, "products/update", "w4", junk, Some(shopify_signature(junk))).await;
    assert_eq!((st, body["status"].as_str()), (200, Some("rejected")), "{body}");
    assert!(!body["reason"].as_str().unwrap().is_empty(), "{body}");
    let (st, _) = product_webhook(&s, "products/delete", "w5", delete, Some(shopify_signature(delete))).await;
    assert_eq!(st, 200);
    let (_, c) = call(&s, "GET", "/v1/stores/demo/catalogue", None, vec![]).await;
    assert_eq!(c["products"], 0, "{c}");
    let stats = s.stats().await;
    assert_eq!(stats["catalogue"]["product_webhooks.updated"], 2, "{stats}");
    assert_eq!(stats["catalogue"]["product_webhooks.deleted"], 1, "{stats}");
    assert_eq!(stats["catalogue"]["rejected.malformed"], 1, "{stats}");
}

/// "Where is my order?" from the shopper's own newest order: confirmed when the order came in,
/// shipped with its tracking once Shopify says so (`orders/fulfilled`), a person when it was
/// cancelled; another shopper asking gets a person, never someone else's order.
#[tokio::test]
async fn where_is_my_order_is_answered_from_the_shoppers_own_order() {
    let s = Server::start().await;
    s.post_event(&cartback_e2e::example_event("e1", "c_1", START)).await;
    s.advance(30 * 60).await;
    let now = s.advance(60).await["now"].as_str().unwrap().to_string();
    let order = json!({"event_id": "o1", "type": "order.completed", "occurred_at": now, "cart_id": "c_1",
                       "customer": {"phone": "+905321234567"},
                       "order": {"order_id": "5001", "total": "699.80", "currency": "TRY"}});
    assert_eq!(s.post_event(&order).await.0, 202);
    let (_, twiml) = s.twilio_reply("+905321234567", "siparişim nerede?", "SMo1").await;
    assert!(twiml.contains("Siparişiniz onaylandı; henüz kargoya verilmedi."), "{twiml}");

    let t1 = s.advance(60).await["now"].as_str().unwrap().to_string();
    let fulfilled = json!({
        "id": 5001, "name": "#1001", "order_number": 1001, "financial_status": "paid", "fulfillment_status": "fulfilled",
        "created_at": now, "updated_at": t1, "cancelled_at": null, "phone": "+905321234567",
        "email": "a@example.com",
        "fulfillments": [{"id": 1, "status": "success", "tracking_company": "Yurtiçi Kargo", "tracking_number": "YK123",
                          "tracking_url": "https://kargo.example/YK123", "tracking_urls": ["https://kargo.example/YK123"]}]
    });
    let body = serde_json::to_vec(&fulfilled).unwrap();
    let (st, r) = product_webhook(&s, "orders/fulfilled", "w-o1", &body, Some(shopify_signature(&body))).await;
    assert_eq!((st, r["contacts"].as_u64()), (200, Some(1)), "{r}");
    let (_, twiml) = s.twilio_reply("+905321234567", "kargom nerede kaldı?", "SMo2").await;
    assert!(
        twiml.contains("Siparişiniz #1001 kargoya verildi (Yurtiçi Kargo YK123 https://kargo.example/YK123)."),
        "{twiml}"
    );

    // Asking about another order number than her newest: a person, not #1001's status.
    let (_, twiml) = s.twilio_reply("+905321234567", "4512 numaralı siparişim nerede?", "SMo2b").await;
    assert!(!twiml.contains("kargoya verildi"), "{twiml}");
    // Someone else asking: a person, not Ayşe's order.
    let mut other = cartback_e2e::example_event("e2", "c_2", &now);
    other["customer"]["phone"] = json!("+905329998877");
    other["customer"]["email"] = json!("b@example.com");
    s.post_event(&other).await;
    s.advance(31 * 60).await;
    let (_, twiml) = s.twilio_reply("+905329998877", "siparişim nerede?", "SMo3").await;
    assert!(!twiml.contains("1001") && !twiml.contains("YK123"), "{twiml}");

    // Cancelled: a person explains it.
    let t2 = s.advance(60).await["now"].as_str().unwrap().to_string();
    let mut cancelled = fulfilled.clone();
    cancelled["cancelled_at"] = json!(t2);
    cancelled["updated_at"] = json!(t2);
    let body = serde_json::to_vec(&cancelled).unwrap();
    assert_eq!(product_webhook(&s, "orders/cancelled", "w-o2", &body, Some(shopify_signature(&body))).await.0, 200);
    let (_, twiml) = s.twilio_reply("+905321234567", "siparişim nerede?", "SMo4").await;
    assert!(!twiml.contains("kargoya verildi"), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["questions"]["order_status.answered"], 2, "{stats}");
    assert_eq!(stats["questions"]["order_status"], 3, "{stats}");
    assert_eq!(stats["order_progress"]["shipped"], 1, "{stats}");
    assert_eq!(stats["order_progress"]["needs_person"], 1, "{stats}");
}

fn whatsapp_message(id: &str, message: Value) -> Vec<u8> {
    let mut m = message;
    m["from"] = json!("905321234567");
    m["id"] = json!(id);
    m["timestamp"] = json!("1763888400");
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "messages": [m]}}]}]}))
    .unwrap()
}

/// On WhatsApp the answer's ready cart is a "Complete my order" button that opens it (Meta's
/// `cta_url`), and an answer without one offers reply buttons — "Order status", "Complete my
/// order", "Talk to a person" — whose taps come back by id and are read as what they say.
#[tokio::test]
async fn whatsapp_answers_carry_buttons_and_their_taps_are_understood() {
    let s = Server::start().await;
    let (st, _) = call(&s, "PUT", "/v1/stores/demo/catalogue", Some("application/json"), FIXTURE.into()).await;
    assert_eq!(st, 200);
    let mut ev = cart_event("e1", "c1", "MW-SWT-M-NAV", "89.00");
    ev["customer"]["consent"]["whatsapp"] = json!(true);
    s.post_event(&ev).await;
    s.advance(30 * 60).await;
    let post = |body: Vec<u8>| {
        s.http.post(s.url("/v1/whatsapp/demo")).header("x-hub-signature-256", meta_sign(&body)).body(body).send()
    };
    let ask = whatsapp_message("wamid.q1", json!({"type": "text", "text": {"body": "grisi M beden var mı?"}}));
    let v: Value = post(ask).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "answered", "{v}");
    let answer = s.outbox().await.into_iter().rfind(|m| m["channel"] == "whatsapp").unwrap();
    assert!(answer["body"].as_str().unwrap().contains("stokta var"), "{answer}");
    assert_eq!(answer["interactive"]["link"]["label"], "Siparişi tamamla", "{answer}");
    assert!(
        answer["interactive"]["link"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://shop.example/cart/45101000000105:1")
    );

    // A question answered without a ready cart: the three reply buttons, in Turkish.
    let ask = whatsapp_message("wamid.q2", json!({"type": "text", "text": {"body": "iade süresi kaç gün?"}}));
    post(ask).await.unwrap();
    let answer = s.outbox().await.into_iter().rfind(|m| m["channel"] == "whatsapp").unwrap();
    let ids: Vec<&str> =
        answer["interactive"]["replies"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ORDER_STATUS", "RESTORE", "PERSON"], "{answer}");
    assert_eq!(answer["interactive"]["replies"][2]["title"], "Biriyle konuşayım");

    // Their taps: "Order status" is the order-status question (no order known: a person), and
    // "Talk to a person" hands off as asked.
    let tap = |id: &str, button: &str, title: &str| {
        whatsapp_message(
            id,
            json!({"type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": button, "title": title}}}),
        )
    };
    post(tap("wamid.t1", "ORDER_STATUS", "Siparişim nerede")).await.unwrap();
    assert_eq!(s.stats().await["questions"]["order_status"], 1);
    let v: Value = post(tap("wamid.t2", "PERSON", "Biriyle konuşayım")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "handed_off", "{v}");
    let (_, list) = call(&s, "GET", "/v1/stores/demo/conversations", None, vec![]).await;
    // The tap joins the conversation the order-status question opened, read as what it says.
    assert_eq!(list["conversations"][0]["last_shopper_message"], "I want to talk to a person", "{list}");
}
