//! Every bad input of `POST /v1/events` and the other public routes, against the real server:
//! each gets its status, a JSON error with a stable code, and no state change.

use cartback_core::config::DEMO_API_KEY;
use cartback_e2e::{START, Server, example_event};
use serde_json::{Value, json};

async fn assert_error(s: &Server, body: Vec<u8>, key: Option<&str>, status: u16, code: &str) -> Value {
    let (st, v) = s.post_raw_event(body, key).await;
    assert_eq!(st, status, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v
}

async fn assert_nothing_stored(s: &Server) {
    assert!(s.rt.store.carts_of("demo").is_empty(), "a rejected event left a cart behind");
    assert!(s.rt.queue.is_empty(), "a rejected event left a timer behind");
}

fn with(mut v: Value, path: &[&str], new: Value) -> Value {
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = new;
    v
}

#[tokio::test]
async fn accepts_the_contract_example_and_replays_as_duplicate() {
    let s = Server::start().await;
    let ev = example_event("evt_01", "c_123", START);
    let (st, v) = s.post_event(&ev).await;
    assert_eq!(st, 202, "{v}");
    assert_eq!(v, json!({"status": "accepted", "cart_id": "c_123", "state": "active"}));
    let before = s.rt.store.carts_of("demo");
    let (st, v) = s.post_event(&ev).await;
    assert_eq!(st, 202);
    assert_eq!(v["duplicate"], true);
    assert_eq!(s.rt.store.carts_of("demo"), before, "a replay changed the cart");
}

#[tokio::test]
async fn older_event_after_newer_changes_nothing() {
    let s = Server::start().await;
    s.post_event(&example_event("e2", "c1", "2026-11-23T08:59:00Z")).await;
    let before = s.rt.store.carts_of("demo");
    let older = with(example_event("e1", "c1", "2026-11-23T08:50:00Z"), &["cart", "items"], json!([]));
    let (st, v) = s.post_event(&older).await;
    assert_eq!(st, 202);
    assert_eq!(v["stale"], true);
    assert_eq!(s.rt.store.carts_of("demo"), before);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let s = Server::start().await;
    assert_error(&s, b"{\"event_id\": ".to_vec(), Some(DEMO_API_KEY), 400, "malformed_json").await;
    assert_error(&s, b"not json".to_vec(), Some(DEMO_API_KEY), 400, "malformed_json").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn body_over_64_kib_is_413() {
    let s = Server::start().await;
    let mut ev = example_event("e", "c", START);
    ev["padding"] = json!("x".repeat(70 * 1024));
    assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 413, "body_too_large").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn missing_and_invalid_fields_are_all_listed() {
    let s = Server::start().await;
    let body = json!({"type": "cart.updated", "occurred_at": "yesterday", "cart": {"currency": "TRY", "items": []}});
    let v = assert_error(&s, body.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "missing_field").await;
    let fields: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["event_id", "cart_id", "occurred_at", "cart.checkout_url"] {
        assert!(fields.contains(&f), "{f} not listed in {fields:?}");
    }
    assert_eq!(v["error"]["field"], "event_id");
    assert_error(&s, b"[1,2]".to_vec(), Some(DEMO_API_KEY), 422, "invalid_body").await;
    let too_long = example_event(&"e".repeat(129), "c", START);
    assert_error(&s, too_long.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "invalid_field").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn more_than_100_items_is_422() {
    let s = Server::start().await;
    let item = json!({"sku": "A", "name": "A", "quantity": 1, "unit_price": "1.00"});
    let ev = with(example_event("e", "c", START), &["cart", "items"], json!(vec![item; 101]));
    assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "too_many_items").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn unknown_type_is_422() {
    let s = Server::start().await;
    let ev = with(example_event("e", "c", START), &["type"], json!("cart.exploded"));
    assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "unknown_event_type").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn invalid_phone_is_422_invalid_phone() {
    let s = Server::start().await;
    for phone in ["12345", "+90 532", "+1555000000000000", "not a phone"] {
        let ev = with(example_event("e", "c", START), &["customer", "phone"], json!(phone));
        let v = assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "invalid_phone").await;
        assert_eq!(v["error"]["field"], "customer.phone");
    }
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn amounts_with_too_many_decimals_are_422() {
    let s = Server::start().await;
    let mut ev = example_event("e", "c", START);
    ev["cart"]["items"][0]["unit_price"] = json!("349.901");
    let v = assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "invalid_amount").await;
    assert_eq!(v["error"]["field"], "cart.items[0].unit_price");
    let mut jpy = example_event("e", "c", START);
    jpy["cart"]["currency"] = json!("JPY");
    jpy["cart"]["items"][0]["unit_price"] = json!("1200.5");
    assert_error(&s, jpy.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "invalid_amount").await;
    let mut number = example_event("e", "c", START);
    number["cart"]["items"][0]["unit_price"] = json!(349.9);
    assert_error(&s, number.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "invalid_amount").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn missing_or_wrong_key_is_401() {
    let s = Server::start().await;
    let body = example_event("e", "c", START).to_string().into_bytes();
    assert_error(&s, body.clone(), None, 401, "missing_api_key").await;
    assert_error(&s, body.clone(), Some("cbk_wrong_key_0000000000"), 401, "invalid_api_key").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn checkout_url_off_the_allowed_domains_is_422() {
    let s = Server::start().await;
    for url in ["https://evil.example/phish", "javascript:alert(1)", "https://shop.example.evil.com/x"] {
        let mut ev = example_event("e", "c", START);
        ev["cart"]["checkout_url"] = json!(url);
        assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "checkout_url_not_allowed").await;
    }
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn events_far_in_the_future_are_refused() {
    let s = Server::start().await;
    let ev = example_event("e", "c", "2026-11-24T09:00:00Z");
    assert_error(&s, ev.to_string().into_bytes(), Some(DEMO_API_KEY), 422, "occurred_at_in_future").await;
    assert_nothing_stored(&s).await;
}

#[tokio::test]
async fn another_stores_key_cannot_see_this_store() {
    let text = include_str!("../docs/cartback.example.toml").to_string()
        + "\n[[stores]]\nid = \"other\"\nname = \"Other\"\napi_key = \"cbk_other_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nallowed_domains = [\"other.example\"]\n";
    let cfg = cartback_core::config::Config::from_toml("two.toml", &text).expect("config");
    let s = Server::with_config(cfg).await;
    let (st, _) = s.post_event(&example_event("e", "c_123", START)).await;
    assert_eq!(st, 202);
    // Stats of `demo` with `other`'s key: same 404 as a store that does not exist.
    let r = s.http.get(s.url("/v1/stores/demo/stats")).bearer_auth("cbk_other_0123456789abcdef").send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let r = s.http.get(s.url("/v1/stores/nope/stats")).bearer_auth("cbk_other_0123456789abcdef").send().await.unwrap();
    assert_eq!(r.status(), 404);
    // The same cart id under `other` is another cart: `demo`'s is untouched.
    let mut ev = example_event("e2", "c_123", START);
    ev["cart"]["checkout_url"] = json!("https://other.example/c");
    let (st, _) = s.post_raw_event(ev.to_string().into_bytes(), Some("cbk_other_0123456789abcdef")).await;
    assert_eq!(st, 202);
    let demo_cart = &s.rt.store.carts_of("demo")[0];
    assert_eq!(demo_cart.recent_events, vec![cartback_core::abandonment::lifecycle::event_id_hash("e")]);
    assert_eq!(demo_cart.checkout_url.as_deref(), Some("https://shop.example/checkouts/abc"));
    assert_eq!(s.rt.store.carts_of("other").len(), 1);
}

#[tokio::test]
async fn wrong_content_type_unknown_routes_and_methods_answer_json() {
    let s = Server::start().await;
    let r = s
        .http
        .post(s.url("/v1/events"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = s.http.get(s.url("/v1/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    let r = s.http.get(s.url("/v1/events")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn restore_links_unknown_or_malformed_are_404() {
    let s = Server::start().await;
    for t in ["AAAAAAAAAAAAAAAAAAAAAA", "short", "..%2F..%2Fetc", "AAAAAAAAAAAAAAAAAAAAA!"] {
        let r = s.http.get(s.url(&format!("/r/{t}"))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{t}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "link_not_found");
    }
}

#[tokio::test]
async fn twilio_forged_or_missing_signature_is_403_and_records_nothing() {
    let s = Server::start().await;
    let params = vec![
        ("Body".to_string(), "STOP".to_string()),
        ("From".to_string(), "+905321234567".to_string()),
        ("MessageSid".to_string(), "SM1".to_string()),
    ];
    let (st, body) = s.twilio_raw(&params, None).await;
    assert_eq!(st, 403, "{body}");
    assert!(body.contains("missing_signature"));
    let (st, body) = s.twilio_raw(&params, Some("bm90IGEgc2lnbmF0dXJl")).await;
    assert_eq!(st, 403);
    assert!(body.contains("invalid_signature"));
    // Signed with the right token over a different body: still refused.
    let public = format!("{}/v1/replies/twilio/demo", s.rt.engine.config().public_url);
    let mut other = params.clone();
    other[0].1 = "START".into();
    let sig = cartback_core::conversations::twilio_webhook::signature(
        cartback_core::config::DEMO_TWILIO_AUTH_TOKEN,
        &public,
        &other,
    );
    let (st, _) = s.twilio_raw(&params, Some(&sig)).await;
    assert_eq!(st, 403);
    let stats = s.stats().await;
    assert_eq!(stats["opt_outs"], json!({}), "a forged STOP was recorded");
}

#[tokio::test]
async fn throttled_storage_is_a_503_with_nothing_written() {
    let s = Server::start().await;
    s.rt.store_faults.throttle_next("get_cart");
    let r = s
        .http
        .post(s.url("/v1/events"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "application/json")
        .body(example_event("e", "c", START).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "temporarily_unavailable");
    assert_nothing_stored(&s).await;
    let (st, _) = s.post_event(&example_event("e", "c", START)).await;
    assert_eq!(st, 202);
}

/// The restore link redirects to the URL that was checked, re-serialised, never to the raw text:
/// a backslash (shop.example to a WHATWG parser, evil.com to curl) or a control character is
/// refused at ingest, and what is stored is the normalised form.
#[tokio::test]
async fn checkout_urls_are_checked_and_stored_as_parsed() {
    let s = Server::start().await;
    let base = example_event("evt_01", "c_1", START);
    // A URL that hides another host is not allowed; one with control characters is not even a
    // field value (refused for any field, before the URL is read).
    for (hostile, code) in [
        ("https://shop.example\\@evil.com/x", "checkout_url_not_allowed"),
        ("https://shop.example/x\r\nSet-Cookie: a=b", "invalid_field"),
        ("https://shop.example/\u{7}", "invalid_field"),
    ] {
        let body = serde_json::to_vec(&with(base.clone(), &["cart", "checkout_url"], json!(hostile))).unwrap();
        let e = assert_error(&s, body, Some(DEMO_API_KEY), 422, code).await;
        assert_eq!(e["error"]["fields"][0]["code"], code, "{hostile:?}: {e}");
    }
    assert_nothing_stored(&s).await;
    let event = with(base, &["cart", "checkout_url"], json!("HTTPS://Shop.Example:443/checkouts/abc?x=1#top"));
    let (st, _) = s.post_event(&event).await;
    assert_eq!(st, 202);
    let cart = &s.rt.store.carts_of("demo")[0];
    assert_eq!(cart.checkout_url.as_deref(), Some("https://shop.example/checkouts/abc?x=1#top"));
}

/// The authentication scheme is case-insensitive (RFC 9110 §11.1).
#[tokio::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let s = Server::start().await;
    for scheme in ["Bearer", "bearer", "BEARER", "BeArEr"] {
        let r = s
            .http
            .post(s.url("/v1/events"))
            .header("authorization", format!("{scheme} {DEMO_API_KEY}"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&example_event(&format!("evt_{scheme}"), "c_1", START)).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202, "{scheme}");
    }
    let r = s
        .http
        .post(s.url("/v1/events"))
        .header("authorization", format!("Basic {DEMO_API_KEY}"))
        .body(serde_json::to_vec(&example_event("evt_basic", "c_1", START)).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "another scheme is not a bearer key");
}

/// An order total no shop could take (the first round accepted 92233720368547758.07 twice,
/// and the revenue counter wrapped to −2) is refused with a clear error, and nothing is counted.
#[tokio::test]
async fn absurd_order_totals_are_refused_before_they_reach_a_counter() {
    let s = Server::start().await;
    let order = cartback_e2e::order_event("e_big", "c_big", START, "92233720368547758.07", "EUR");
    let e = assert_error(&s, serde_json::to_vec(&order).unwrap(), Some(DEMO_API_KEY), 422, "invalid_amount").await;
    assert!(e["error"]["message"].as_str().unwrap().contains("too large"), "{e}");
    assert_nothing_stored(&s).await;
    let ok = cartback_e2e::order_event("e_ok", "c_ok", START, "99999999999.99", "EUR");
    let (st, body) = s.post_event(&ok).await;
    assert_eq!(st, 202, "the largest amount accepted: {body}");
    assert_eq!(s.stats().await["orders_converted"], 1);
}

/// An event must say it is JSON: a body without a Content-Type (or with another) is 415.
#[tokio::test]
async fn an_event_without_a_json_content_type_is_refused() {
    let s = Server::start().await;
    let body = serde_json::to_vec(&example_event("evt_ct", "c_1", START)).unwrap();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut req = s.http.post(s.url("/v1/events")).bearer_auth(DEMO_API_KEY).body(body.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 415, "{content_type:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unsupported_media_type");
    }
    assert_nothing_stored(&s).await;
    let r = s
        .http
        .post(s.url("/v1/events"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
}

#[tokio::test]
async fn a_path_that_is_not_utf8_gets_the_json_error() {
    let s = Server::start().await;
    for path in ["/v1/stores/%FF/stats", "/r/%C3%28", "/v1/webhooks/shopify/%FE"] {
        let r = s
            .http
            .request(
                if path.starts_with("/v1/webhooks") { reqwest::Method::POST } else { reqwest::Method::GET },
                s.url(path),
            )
            .bearer_auth(cartback_core::config::DEMO_API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "invalid_path", "{path}: {v}");
    }
}
