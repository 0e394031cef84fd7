//! The catalogue read from the platforms' authenticated APIs in local mode (docs/catalogue.md):
//! Shopify's Admin GraphQL API and WooCommerce's REST API, each a fake that answers as the
//! platform documents it (cursor and page pagination, a throttle, a refused token: the bodies
//! are the documented samples in tests/fixtures) and checks every request; then what the
//! platforms' links and orders give a shopper (a WooCommerce checkout link, a WooCommerce order's
//! status) and a person (the context beside a transcript, a ready cart sent in one action).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use cartback_core::config::Config;
use cartback_e2e::{DEMO_API_KEY, START, Server};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const FIXTURE: &str = include_str!("fixtures/catalogue/catalogue.json");
const ADMIN_TOKEN: &str = "shpat_0123456789abcdef";
const WOO_KEY: &str = "ck_0123456789abcdef";
const WOO_SECRET: &str = "cs_0123456789abcdef";

fn products() -> Vec<Value> {
    serde_json::from_str::<Value>(FIXTURE).unwrap()["products"].as_array().unwrap().clone()
}

/// Every request a fake saw: its path and query, and the credential it carried.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    fn push(&self, what: String, credential: &str) {
        self.0.lock().unwrap().push((what, credential.to_string()));
    }
    fn all(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Clone, Default)]
struct Admin {
    seen: Seen,
    throttled_once: Arc<Mutex<bool>>,
}

/// The fixture's variants as Admin GraphQL's `productVariants` nodes.
fn variant_nodes() -> Vec<Value> {
    let mut nodes = Vec::new();
    for p in products() {
        let options: Vec<String> =
            p["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_string()).collect();
        for v in p["variants"].as_array().unwrap() {
            let selected: Vec<Value> = options
                .iter()
                .enumerate()
                .map(|(i, name)| json!({"name": name, "value": v[format!("option{}", i + 1)]}))
                .collect();
            nodes.push(json!({
                "id": format!("gid://shopify/ProductVariant/{}", v["id"]),
                "title": v["title"], "sku": v["sku"], "price": v["price"],
                "availableForSale": v["available"], "selectedOptions": selected,
                "product": {
                    "id": format!("gid://shopify/Product/{}", p["id"]), "handle": p["handle"], "title": p["title"],
                    "descriptionHtml": p["body_html"], "productType": p["product_type"], "tags": p["tags"],
                    "onlineStoreUrl": format!("https://shop.example/products/{}", p["handle"].as_str().unwrap()), "status": "ACTIVE",
                    "options": options.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()
                }
            }));
        }
    }
    nodes
}

/// `POST /admin/api/2025-07/graphql.json`: the token checked (Shopify's documented 401 body
/// otherwise), the query Cartback sends, 20 variants a page on an opaque cursor, and the second
/// page throttled once with Shopify's documented `THROTTLED` answer (HTTP 200).
async fn graphql(State(a): State<Admin>, h: HeaderMap, body: String) -> impl IntoResponse {
    let token = h.get("x-shopify-access-token").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let after = req["variables"]["after"].as_str().map(str::to_string);
    a.seen.push(format!("after={}", after.as_deref().unwrap_or("-")), &token);
    if token != ADMIN_TOKEN {
        return (
            StatusCode::UNAUTHORIZED,
            include_str!("fixtures/shopify/admin_graphql_unauthorized.json").to_string(),
        );
    }
    assert_eq!(req["query"].as_str(), Some(cartback_core::catalogue::shopify_graphql::QUERY));
    assert!(req["variables"]["first"].as_u64().unwrap() <= 250, "{req}");
    let start = match after.as_deref() {
        None => 0,
        Some(c) => c.strip_prefix("cursor-").and_then(|n| n.parse::<usize>().ok()).expect("a cursor Shopify gave"),
    };
    if start == 20 && !std::mem::replace(&mut *a.throttled_once.lock().unwrap(), true) {
        return (StatusCode::OK, include_str!("fixtures/shopify/admin_graphql_throttled.json").to_string());
    }
    let all = variant_nodes();
    let page: Vec<Value> = all.iter().skip(start).take(20).cloned().collect();
    let end = start + page.len();
    let body = json!({
        "data": {"productVariants": {"pageInfo": {"hasNextPage": end < all.len(), "endCursor": format!("cursor-{end}")}, "nodes": page}},
        "extensions": {"cost": {"requestedQueryCost": 802, "actualQueryCost": 82,
                                 "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 918, "restoreRate": 50.0}}}
    });
    (StatusCode::OK, body.to_string())
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    origin
}

/// The example configuration with `[stores.catalogue]` reading `source` (TOML lines), the
/// store's top-level `secrets`.
fn config(source: &str, secrets: &str) -> Config {
    let text = include_str!("../docs/cartback.example.toml")
        .replace("shopify_shop = \"https://shop.example\"", source)
        .replace("id = \"demo\"", &format!("id = \"demo\"\n{secrets}"));
    Config::from_toml("platforms.toml", &text).unwrap()
}

async fn call(s: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = s.http.request(method.parse().unwrap(), s.url(path)).bearer_auth(DEMO_API_KEY);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

fn cart_event(event_id: &str, cart: &str, sku: &str, name: &str, price: &str) -> Value {
    json!({
        "event_id": event_id, "type": "cart.updated", "occurred_at": START, "cart_id": cart,
        "customer": {"first_name": "Kari", "phone": "+4791234567", "locale": "nb-NO", "timezone": "Europe/Oslo",
                     "consent": {"sms": true, "email": false, "whatsapp": false}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/checkouts/x",
                 "items": [{"sku": sku, "name": name, "quantity": 1, "unit_price": price}]}
    })
}

#[tokio::test]
async fn shopify_admin_graphql_then_a_person_sends_a_ready_cart() {
    let admin = Admin::default();
    let app = axum::Router::new()
        .route("/admin/api/2025-07/graphql.json", axum::routing::post(graphql))
        .with_state(admin.clone());
    let origin = serve(app).await;
    let source = format!("shopify_shop = \"https://shop.example\"\nshopify_admin = \"{origin}\"");
    let s = Server::with_config(config(&source, &format!("shopify_admin_token = \"{ADMIN_TOKEN}\""))).await;

    let (st, summary) = call(&s, "POST", "/v1/stores/demo/catalogue/refresh", None).await;
    assert_eq!(st, 200, "{summary}");
    assert_eq!(summary["source"], "shopify_admin_graphql");
    assert_eq!((summary["products"].as_u64(), summary["variants"].as_u64()), (Some(12), Some(43)), "{summary}");
    assert_eq!(summary["variants_available"], 31);
    // Request by request: page 1, page 2 throttled, page 2 again after the wait the cost
    // extension asks for ((75 − 12) / 50 s), page 3; the token on each.
    let seen = admin.seen.all();
    let pages: Vec<&str> = seen.iter().map(|(q, _)| q.as_str()).collect();
    assert_eq!(pages, ["after=-", "after=cursor-20", "after=cursor-20", "after=cursor-40"]);
    assert!(seen.iter().all(|(_, t)| t == ADMIN_TOKEN));

    // Kari leaves a beanie (19.90; free shipping from 50.00) and asks whether it itches: a
    // person gets it.
    s.post_event(&cart_event("e1", "c1", "BN-KNT-BLK", "Knitted Beanie", "19.90")).await;
    s.advance(30 * 60).await;
    assert_eq!(s.outbox().await.len(), 1);
    let (_, twiml) = s.twilio_reply("+4791234567", "klør den?", "SMk1").await;
    assert!(!twiml.contains("Beanie"), "{twiml}");
    let (_, list) = call(&s, "GET", "/v1/stores/demo/conversations", None).await;
    let id = list["conversations"][0]["id"].as_str().expect("a conversation").to_string();

    // Beside the transcript: the cart with its catalogue variant, the product, the ready cart
    // with the cheapest item in stock that reaches 50.00 (the camel scarf, 39.00).
    let (st, ctx) = call(&s, "GET", &format!("/v1/stores/demo/conversations/{id}/context"), None).await;
    let code = ctx["cart"]["unused_code"].as_str().expect("the first message's code").to_string();
    assert_eq!(st, 200, "{ctx}");
    assert_eq!(ctx["cart"]["lines"][0]["variant_id"], "45101000000127", "{ctx}");
    assert_eq!(ctx["cart"]["lines"][0]["available"], true);
    assert_eq!(ctx["products"][0]["title"], "Knitted Beanie");
    assert_eq!(ctx["language"], "nb");
    assert_eq!(ctx["ready_cart"]["free_shipping_item"]["variant_id"], "45101000000117", "{ctx}");
    assert_eq!(ctx["ready_cart"]["link"], format!("https://shop.example/cart/45101000000127:1?discount={code}"));

    // The person sends it with the scarf, once: the same key again sends nothing more.
    let body = json!({"add_free_shipping_item": true, "idempotency_key": "rc-1"});
    let (st, sent) =
        call(&s, "POST", &format!("/v1/stores/demo/conversations/{id}/ready-cart"), Some(body.clone())).await;
    assert_eq!(st, 201, "{sent}");
    let link = format!("https://shop.example/cart/45101000000127:1,45101000000117:1?discount={code}");
    assert_eq!(sent["ready_cart"]["link"], link);
    let outbox = s.outbox().await;
    assert_eq!(outbox.len(), 2);
    assert_eq!(outbox[1]["body"], format!("Handlekurven din er klar: {link}"), "{:?}", outbox[1]);
    let (st, again) = call(&s, "POST", &format!("/v1/stores/demo/conversations/{id}/ready-cart"), Some(body)).await;
    assert_eq!((st, s.outbox().await.len()), (201, 2), "{again}");
    // The same key with other lines (a retry after the cart changed): the first answer, nothing
    // rebuilt, nothing sent.
    let changed = json!({"lines": [{"variant_id": "999"}], "idempotency_key": "rc-1"});
    let (st, again) = call(&s, "POST", &format!("/v1/stores/demo/conversations/{id}/ready-cart"), Some(changed)).await;
    assert_eq!(
        (st, again["ready_cart"]["link"].as_str(), s.outbox().await.len()),
        (201, Some(link.as_str()), 2),
        "{again}"
    );
    // Lines the catalogue does not have, or sold out: refused, nothing sent.
    for lines in [json!([{"variant_id": "999"}]), json!([{"variant_id": "45101000000102"}])] {
        let (st, r) =
            call(&s, "POST", &format!("/v1/stores/demo/conversations/{id}/ready-cart"), Some(json!({"lines": lines})))
                .await;
        assert_eq!((st, r["error"]["code"].as_str()), (422, Some("invalid_answer")), "{r}");
    }
    assert_eq!(s.outbox().await.len(), 2);

    // A token Shopify refuses: the refresh fails with the shop's status, the catalogue stays.
    let s2 = Server::with_config(config(&source, "shopify_admin_token = \"shpat_revoked\"")).await;
    let (st, r) = call(&s2, "POST", "/v1/stores/demo/catalogue/refresh", None).await;
    assert_eq!((st, r["error"]["code"].as_str()), (424, Some("shop_unavailable")), "{r}");
    assert_eq!(s2.stats().await["catalogue"]["refresh_failed.http_401"], 1);
}

/// The fake shop: every request seen, and what the merchant changed since the first read.
#[derive(Clone, Default)]
struct Woo {
    seen: Seen,
    /// Variations the merchant has since marked out of stock.
    sold_out: Arc<Mutex<Vec<u64>>>,
    /// Products the merchant has since deleted.
    gone: Arc<Mutex<Vec<u64>>>,
    /// The shop answers 503 (a maintenance page) to everything.
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl Woo {
    fn is_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn products(&self) -> Vec<Value> {
        let gone = self.gone.lock().unwrap().clone();
        products().into_iter().filter(|p| !gone.contains(&p["id"].as_u64().unwrap())).collect()
    }
}

/// A fixture product as the REST API shapes it (a variable product lists its variations' ids only).
fn woo_product_json(p: &Value) -> Value {
    let options = p["options"].as_array().unwrap();
    json!({
        "id": p["id"], "name": p["title"], "slug": p["handle"], "type": "variable", "status": "publish",
        "permalink": format!("https://shop.example/product/{}/", p["handle"].as_str().unwrap()),
        "description": p["body_html"], "short_description": "", "sku": "", "price": p["variants"][0]["price"],
        "stock_status": "instock",
        "attributes": options.iter().enumerate().map(|(i, o)| json!({"id": i + 1, "name": o["name"], "position": i, "visible": true, "variation": true, "options": o["values"]})).collect::<Vec<_>>(),
        "variations": p["variants"].as_array().unwrap().iter().map(|v| v["id"].clone()).collect::<Vec<_>>(),
        "categories": [{"id": 9, "name": p["product_type"], "slug": "x"}], "tags": []
    })
}

fn woo_unavailable() -> (StatusCode, HeaderMap, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        HeaderMap::new(),
        "<html>Briefly unavailable for scheduled maintenance.</html>".into(),
    )
}

fn woo_credential(h: &HeaderMap) -> String {
    use base64::Engine as _;
    let basic = h.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "));
    basic
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).to_string())
        .unwrap_or_default()
}

fn woo_refused() -> (StatusCode, HeaderMap, String) {
    (StatusCode::UNAUTHORIZED, HeaderMap::new(), include_str!("fixtures/woocommerce/rest_error_401.json").to_string())
}

fn woo_headers(total: usize, pages: usize) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-wp-total", total.to_string().parse().unwrap());
    h.insert("x-wp-totalpages", pages.to_string().parse().unwrap());
    h
}

/// `GET /wp-json/wc/v3/products`: Basic authentication with the consumer key, `per_page` at most
/// 100 (WooCommerce answers 400 above), 5 a page, `X-WP-TotalPages`.
async fn woo_products(
    State(w): State<Woo>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> impl IntoResponse {
    let cred = woo_credential(&h);
    let mut keys: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    keys.sort();
    w.seen.push(format!("products?{}", keys.join("&")), &cred);
    if cred != format!("{WOO_KEY}:{WOO_SECRET}") {
        return woo_refused();
    }
    let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(10);
    if per_page > 100 {
        return (StatusCode::BAD_REQUEST, HeaderMap::new(), r#"{"code":"rest_invalid_param"}"#.to_string());
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let all = w.products();
    let items: Vec<Value> = all.iter().skip((page - 1) * 5).take(5).map(woo_product_json).collect();
    (StatusCode::OK, woo_headers(all.len(), all.len().div_ceil(5)), Value::Array(items).to_string())
}

/// `GET /wp-json/wc/v3/products/{id}/variations`: each with its attributes by name and option.
async fn woo_variations(
    State(w): State<Woo>,
    Path(id): Path<u64>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> impl IntoResponse {
    let cred = woo_credential(&h);
    w.seen.push(format!("variations/{id}?page={}", q.get("page").cloned().unwrap_or_default()), &cred);
    if cred != format!("{WOO_KEY}:{WOO_SECRET}") {
        return woo_refused();
    }
    let sold_out = w.sold_out.lock().unwrap().clone();
    let p = w.products().into_iter().find(|p| p["id"].as_u64() == Some(id)).expect("a product the list gave");
    let options = p["options"].as_array().unwrap().clone();
    let vs: Vec<Value> = p["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            json!({
                "id": v["id"], "sku": v["sku"], "price": v["price"], "regular_price": v["price"], "status": "publish",
                "stock_status": if v["available"] == true && !sold_out.contains(&v["id"].as_u64().unwrap()) { "instock" } else { "outofstock" },
                "attributes": options.iter().enumerate().map(|(i, o)| json!({"id": i + 1, "name": o["name"], "option": v[format!("option{}", i + 1)]})).collect::<Vec<_>>()
            })
        })
        .collect();
    (StatusCode::OK, woo_headers(vs.len(), 1), Value::Array(vs).to_string())
}

/// `GET /wp-json/wc/v3/products/{id}`: one product, or WooCommerce's documented 404.
async fn woo_product(State(w): State<Woo>, Path(id): Path<u64>, h: HeaderMap) -> impl IntoResponse {
    let cred = woo_credential(&h);
    w.seen.push(format!("product/{id}"), &cred);
    if w.is_down() {
        return woo_unavailable();
    }
    if cred != format!("{WOO_KEY}:{WOO_SECRET}") {
        return woo_refused();
    }
    match w.products().iter().find(|p| p["id"].as_u64() == Some(id)) {
        Some(p) => (StatusCode::OK, HeaderMap::new(), woo_product_json(p).to_string()),
        None => (
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            json!({"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 404}})
                .to_string(),
        ),
    }
}

fn sign_woo(body: &[u8]) -> String {
    cartback_e2e::hmac_base64(cartback_core::config::DEMO_WOOCOMMERCE_WEBHOOK_SECRET, body)
}

async fn woo_order(s: &Server, status: &str, modified: &str, delivery: &str, meta: Value) -> (u16, Value) {
    let mut v: Value = serde_json::from_str(include_str!("fixtures/woocommerce/order_pending.json")).unwrap();
    v["status"] = json!(status);
    v["date_modified_gmt"] = json!(modified);
    v["meta_data"].as_array_mut().unwrap().push(meta);
    // Kari's order: the shopper Cartback messaged.
    v["billing"]["phone"] = json!("912 34 567");
    v["billing"]["country"] = json!("NO");
    let body = serde_json::to_vec(&v).unwrap();
    let r = s
        .http
        .post(s.url("/v1/webhooks/woocommerce/demo"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", "https://shop.example/")
        .header("x-wc-webhook-topic", "order.updated")
        .header("x-wc-webhook-delivery-id", delivery)
        .header("x-wc-webhook-signature", sign_woo(&body))
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn woocommerce_rest_checkout_links_and_order_status() {
    let woo = Woo::default();
    let app = axum::Router::new()
        .route("/wp-json/wc/v3/products", axum::routing::get(woo_products))
        .route("/wp-json/wc/v3/products/{id}/variations", axum::routing::get(woo_variations))
        .with_state(woo.clone());
    let origin = serve(app).await;
    let secrets = format!("woocommerce_consumer_key = \"{WOO_KEY}\"\nwoocommerce_consumer_secret = \"{WOO_SECRET}\"");
    let s = Server::with_config(config(&format!("woocommerce_site = \"{origin}\""), &secrets)).await;

    let (st, summary) = call(&s, "POST", "/v1/stores/demo/catalogue/refresh", None).await;
    assert_eq!(st, 200, "{summary}");
    assert_eq!(summary["source"], "woocommerce_rest");
    assert_eq!((summary["products"].as_u64(), summary["variants"].as_u64()), (Some(12), Some(43)), "{summary}");
    assert_eq!(summary["variants_available"], 31);
    // Request by request: each page of products, then each of its variable products'
    // variations; the consumer key on every one.
    let seen = woo.seen.all();
    let first: Vec<&str> = seen.iter().take(2).map(|(q, _)| q.as_str()).collect();
    assert_eq!(first, ["products?page=1&per_page=100&status=publish", "variations/8101000000001?page=1"]);
    assert_eq!(seen.iter().filter(|(q, _)| q.starts_with("products?")).count(), 3, "{seen:?}");
    assert_eq!(seen.iter().filter(|(q, _)| q.starts_with("variations/")).count(), 12, "{seen:?}");
    assert!(seen.iter().all(|(_, c)| c == &format!("{WOO_KEY}:{WOO_SECRET}")));

    // A question answered with a checkout link (WooCommerce 10's shareable checkout URL).
    s.post_event(&cart_event("e1", "c1", "MW-SWT-M-NAV", "Merino Crew Sweater", "89.00")).await;
    s.advance(30 * 60).await;
    let (_, twiml) = s.twilio_reply("+4791234567", "har dere den i grå?", "SMw1").await;
    assert!(twiml.contains(&format!("{origin}/checkout-link/?products=45101000000105:1")), "{twiml}");

    // A WooCommerce order's status: Kari's order (the fixture's, with her phone) placed, paid,
    // then completed with the Shipment Tracking extension's item: "where is my order?" is
    // answered from it.
    let tracking = json!({"id": 9, "key": "_wc_shipment_tracking_items", "value": [{
        "tracking_provider": "UPS", "custom_tracking_provider": "", "custom_tracking_link": "",
        "tracking_number": "1Z999AA10123456784", "date_shipped": "1763900000", "tracking_id": "abc"}]});
    let none = json!({"id": 8, "key": "_other", "value": "x"});
    assert_eq!(woo_order(&s, "pending", "2026-11-23T09:00:00", "d1", none.clone()).await.0, 200);
    let (st, r) = woo_order(&s, "processing", "2026-11-23T09:10:00", "d2", none).await;
    assert_eq!(st, 200, "{r}");
    let (_, twiml) = s.twilio_reply("+4791234567", "hvor er bestillingen min?", "SMw2").await;
    assert!(twiml.contains("Bestillingen din #727 er bekreftet; den er ikke sendt ennå."), "{twiml}");
    let (st, r) = woo_order(&s, "completed", "2026-11-23T09:20:00", "d3", tracking).await;
    assert_eq!((st, r["state"].as_str()), (200, Some("converted")), "{r}");
    let (_, twiml) = s.twilio_reply("+4791234567", "hvor er pakken min?", "SMw3").await;
    assert!(twiml.contains("Bestillingen din #727 er sendt (UPS 1Z999AA10123456784)."), "{twiml}");
    // A state dated a month ahead (a shop's clock): counted, not kept — it would make every
    // real update after it look older.
    let ahead = json!({"id": 7, "key": "_other", "value": "y"});
    assert_eq!(woo_order(&s, "cancelled", "2026-12-24T00:00:00", "d4", ahead).await.0, 200);
    let (_, twiml) = s.twilio_reply("+4791234567", "hvor er pakken min?", "SMw4").await;
    assert!(twiml.contains("er sendt (UPS"), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["order_progress"]["shipped"], 1, "{stats}");
    assert_eq!(stats["order_progress"]["in_future"], 1, "{stats}");

    // A key WooCommerce refuses: the refresh fails with its status; the catalogue stays.
    let bad = format!("woocommerce_consumer_key = \"{WOO_KEY}\"\nwoocommerce_consumer_secret = \"cs_wrong\"");
    let s2 = Server::with_config(config(&format!("woocommerce_site = \"{origin}\""), &bad)).await;
    let (st, r) = call(&s2, "POST", "/v1/stores/demo/catalogue/refresh", None).await;
    assert_eq!((st, r["error"]["code"].as_str()), (424, Some("shop_unavailable")), "{r}");
    assert_eq!(s2.stats().await["catalogue"]["refresh_failed.http_401"], 1);
}

async fn woo_product_webhook(s: &Server, topic: &str, delivery: &str, body: &[u8]) -> (u16, Value) {
    let r = s
        .http
        .post(s.url("/v1/webhooks/woocommerce/demo"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", "https://shop.example/")
        .header("x-wc-webhook-topic", topic)
        .header("x-wc-webhook-resource", "product")
        .header("x-wc-webhook-delivery-id", delivery)
        .header("x-wc-webhook-signature", sign_woo(body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// WooCommerce's product webhooks (`product.created|updated|deleted|restored`, docs/catalogue.md):
/// a simple product is taken from the body; a variation (WooCommerce fires `product.updated` for
/// one, with its `parent_id`) or a variable product is read again from the REST API, request by
/// request; a shop that cannot answer defers the change to the schedule, never refuses it.
#[tokio::test]
async fn woocommerce_product_webhooks_keep_it_in_step() {
    let woo = Woo::default();
    let app = axum::Router::new()
        .route("/wp-json/wc/v3/products", axum::routing::get(woo_products))
        .route("/wp-json/wc/v3/products/{id}", axum::routing::get(woo_product))
        .route("/wp-json/wc/v3/products/{id}/variations", axum::routing::get(woo_variations))
        .with_state(woo.clone());
    let origin = serve(app).await;
    let secrets = format!("woocommerce_consumer_key = \"{WOO_KEY}\"\nwoocommerce_consumer_secret = \"{WOO_SECRET}\"");
    let s = Server::with_config(config(&format!("woocommerce_site = \"{origin}\""), &secrets)).await;
    let summary = async || call(&s, "GET", "/v1/stores/demo/catalogue", None).await.1;
    assert_eq!(call(&s, "POST", "/v1/stores/demo/catalogue/refresh", None).await.0, 200);
    assert_eq!(
        (summary().await["products"].as_u64(), summary().await["variants_available"].as_u64()),
        (Some(12), Some(31))
    );
    let before = woo.seen.all().len();

    // The merchant marks the small navy sweater sold out: WooCommerce sends the variation.
    woo.sold_out.lock().unwrap().push(45101000000101);
    let variation = json!({"id": 45101000000101u64, "name": "Merino Crew Sweater - S, Navy", "slug": "merino-crew-sweater-s-navy",
        "type": "variation", "status": "publish", "parent_id": 8101000000001u64, "price": "89.00", "stock_status": "outofstock",
        "attributes": [{"id": 1, "name": "Size", "option": "S"}, {"id": 2, "name": "Colour", "option": "Navy"}]});
    let (st, r) = woo_product_webhook(&s, "product.updated", "p1", variation.to_string().as_bytes()).await;
    assert_eq!((st, r["status"].as_str(), r["done"].as_str()), (200, Some("applied"), Some("updated")), "{r}");
    let asked: Vec<String> = woo.seen.all()[before..].iter().map(|(q, _)| q.clone()).collect();
    assert_eq!(asked, ["product/8101000000001", "variations/8101000000001?page=1"]);
    assert!(woo.seen.all().iter().all(|(_, c)| c == &format!("{WOO_KEY}:{WOO_SECRET}")));
    assert_eq!(
        (summary().await["products"].as_u64(), summary().await["variants_available"].as_u64()),
        (Some(12), Some(30))
    );

    // A simple product created: the body is the whole product (the REST docs' own sample), no
    // request to the shop.
    let page: Value = serde_json::from_str(include_str!("fixtures/woocommerce/rest_products_page.json")).unwrap();
    let simple = page[1].clone();
    assert_eq!(simple["type"], "simple");
    let before = woo.seen.all().len();
    let (st, r) = woo_product_webhook(&s, "product.created", "p2", simple.to_string().as_bytes()).await;
    assert_eq!((st, r["done"].as_str()), (200, Some("updated")), "{r}");
    assert_eq!(woo.seen.all().len(), before, "a simple product is read from the body");
    assert_eq!(summary().await["products"], 13);
    // Put back to draft: no longer sold, out of the catalogue; restored from the trash: back.
    let mut draft = simple.clone();
    draft["status"] = json!("draft");
    let (st, r) = woo_product_webhook(&s, "product.updated", "p3", draft.to_string().as_bytes()).await;
    assert_eq!((st, r["done"].as_str()), (200, Some("deleted")), "{r}");
    assert_eq!(summary().await["products"], 12);
    let (_, r) = woo_product_webhook(&s, "product.restored", "p4", simple.to_string().as_bytes()).await;
    assert_eq!(r["done"], "updated", "{r}");
    assert_eq!(summary().await["products"], 13);
    // Trashed: WooCommerce's whole `product.deleted` body is the id.
    let (st, r) = woo_product_webhook(&s, "product.deleted", "p5", br#"{"id":794}"#).await;
    assert_eq!((st, r["done"].as_str()), (200, Some("deleted")), "{r}");
    assert_eq!(summary().await["products"], 12);

    // A variable product the shop no longer has (404 on its read): taken out.
    woo.gone.lock().unwrap().push(8101000000012);
    let tote = woo_product_json(&products()[11]);
    let (_, r) = woo_product_webhook(&s, "product.updated", "p6", tote.to_string().as_bytes()).await;
    assert_eq!(r["done"], "deleted", "{r}");
    assert_eq!(summary().await["products"], 11);

    // The shop is down when the change comes: deferred to the schedule, answered 200 (WooCommerce
    // disables a webhook after five failed deliveries), the catalogue unchanged, counted.
    woo.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let (st, r) = woo_product_webhook(&s, "product.updated", "p7", variation.to_string().as_bytes()).await;
    assert_eq!(
        (st, r["status"].as_str(), r["done"].as_str()),
        (200, Some("deferred"), Some("deferred.http_503")),
        "{r}"
    );
    assert_eq!(
        (summary().await["products"].as_u64(), summary().await["variants_available"].as_u64()),
        (Some(11), Some(28))
    );

    // Not a product: nothing changed, counted, answered 200 with why (WooCommerce disables a
    // webhook after five failed deliveries); a variation without its parent too.
    let (st, r) = woo_product_webhook(&s, "product.updated", "p8", b"{\"id\":\"x\"}").await;
    assert_eq!((st, r["status"].as_str()), (200, Some("rejected")), "{r}");
    let orphan = json!({"id": 5, "name": "Tee - S", "slug": "tee-s", "type": "variation", "status": "publish"});
    let (st, r) = woo_product_webhook(&s, "product.updated", "p9", orphan.to_string().as_bytes()).await;
    assert!(st == 200 && r["reason"].as_str().unwrap().contains("parent_id"), "{r}");
    assert_eq!(summary().await["products"], 11);
    // A variation deleted: that variant goes, its product stays.
    woo.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let (st, r) = woo_product_webhook(&s, "product.deleted", "p10", br#"{"id":45101000000102}"#).await;
    assert_eq!((st, r["done"].as_str()), (200, Some("deleted")), "{r}");
    assert_eq!((summary().await["products"].as_u64(), summary().await["variants"].as_u64()), (Some(11), Some(40)));

    let stats = s.stats().await;
    let c = &stats["catalogue"];
    assert_eq!(
        (c["product_webhooks.updated"].as_u64(), c["product_webhooks.deleted"].as_u64()),
        (Some(3), Some(4)),
        "{c}"
    );
    assert_eq!(
        (c["product_webhooks.deferred.http_503"].as_u64(), c["rejected.malformed"].as_u64()),
        (Some(1), Some(2)),
        "{c}"
    );
}
