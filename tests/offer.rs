//! The on-site offer's route, `POST /v1/on-site/{store}/offer`, over real HTTP on the demo store
//! (10 % as variant A, 15 % as B, for an e-mail address; docs/on-site.md): what it counts, what a
//! claim needs, the code it gives (once a cart, within the coupon budget), the code working in
//! the merchant's coupon API, the consent in the ledger, and the order counted for the variant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::{DEMO_API_KEY, DEMO_PUBLISHABLE_KEY};
use cartback_e2e::Server;
use serde_json::{Value, json};

const ORIGIN: &str = "https://shop.example";

async fn offer(s: &Server, origin: &str, body: Value) -> (u16, Value) {
    let r = s
        .http
        .post(s.url(&format!("/v1/on-site/demo/offer?key={DEMO_PUBLISHABLE_KEY}")))
        .header("content-type", "text/plain")
        .header("origin", origin)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn merchant(s: &Server, method: reqwest::Method, path: &str) -> (u16, Value) {
    let r = s.http.request(method, s.url(path)).bearer_auth(DEMO_API_KEY).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn claim(cart: &str, email: &str, variant: &str) -> Value {
    json!({"action": "claim", "variant": variant, "cart_id": cart, "email": email, "consent": true, "locale": "nb"})
}

#[tokio::test]
async fn the_settings_fill_each_variants_texts() {
    let s = Server::start().await;
    let r = s
        .http
        .get(s.url(&format!("/v1/on-site/demo?key={DEMO_PUBLISHABLE_KEY}")))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let o = &v["offer"];
    assert_eq!(
        (o["show"].as_str(), o["ask"].as_str(), o["delay_ms"].as_i64()),
        (Some("exit_intent"), Some("email"), Some(5000))
    );
    let names: Vec<&str> = o["variants"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(o["variants"][0]["texts"]["en"]["title"], "Before you go: 10% off");
    assert_eq!(o["variants"][1]["texts"]["tr"]["title"], "Gitmeden önce: %15 indirim");
    assert_eq!(o["variants"][1]["texts"]["nb"]["title"], "Før du går: 15 % rabatt");
    assert!(o["variants"][0]["texts"]["en"]["consent"].as_str().unwrap().contains("Demo Shop"));
    assert!(
        o["variants"][0]["texts"]["fa"]["thanks"].as_str().unwrap().contains("{code}"),
        "the code is the page's to fill"
    );
}

#[tokio::test]
async fn a_claim_gives_one_code_a_cart_with_the_consent_in_the_ledger() {
    let s = Server::start().await;
    let cart = "web-offer-0123456789abcdef";
    // Counted per variant; refused off the store's domains and for an unknown variant.
    assert_eq!(offer(&s, ORIGIN, json!({"action": "shown", "variant": "A"})).await.0, 202);
    assert_eq!(offer(&s, ORIGIN, json!({"action": "dismissed", "variant": "A"})).await.0, 202);
    assert_eq!(offer(&s, "https://elsewhere.example", json!({"action": "shown", "variant": "A"})).await.0, 403);
    let (st, body) = offer(&s, ORIGIN, json!({"action": "shown", "variant": "Z"})).await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("unknown_variant")));

    // No yes, no code, and nothing written.
    let mut no = claim(cart, "nora@example.com", "A");
    no["consent"] = json!(false);
    let (st, body) = offer(&s, ORIGIN, no).await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("consent_required")), "{body}");
    let (_, record) = merchant(&s, reqwest::Method::GET, "/v1/stores/demo/consent?email=nora%40example.com").await;
    assert!(record["latest_cart"].is_null(), "{record}");
    let (st, body) = offer(&s, ORIGIN, claim(cart, "not an address", "A")).await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("invalid_email")), "{body}");

    // The code; the same one again; it works once in the coupon API.
    let (st, given) = offer(&s, ORIGIN, claim(cart, "Nora@Example.com", "A")).await;
    assert_eq!((st, given["status"].as_str()), (200, Some("given")), "{given}");
    let code = given["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("CB-") && code.len() == 15, "{code}");
    let (_, again) = offer(&s, ORIGIN, claim(cart, "nora@example.com", "A")).await;
    assert_eq!(again["code"], code.as_str(), "a repeated claim gives the same code");
    let (st, view) = merchant(&s, reqwest::Method::GET, &format!("/v1/stores/demo/coupons/{code}")).await;
    assert_eq!((st, view["status"].as_str(), view["percent"].as_i64()), (200, Some("valid"), Some(10)), "{view}");
    assert_eq!(view["cart_id"], cart);
    let redeem = format!("/v1/stores/demo/coupons/{code}/redeem");
    assert_eq!(merchant(&s, reqwest::Method::POST, &redeem).await.0, 200);
    assert_eq!(merchant(&s, reqwest::Method::POST, &redeem).await.0, 409);

    // The yes, with the consent text's version and the language it was read in.
    let (_, record) = merchant(&s, reqwest::Method::GET, "/v1/stores/demo/consent?email=nora%40example.com").await;
    let yes: Vec<&Value> = record["cart_changes"].as_array().unwrap().iter().filter(|c| c["granted"] == true).collect();
    assert_eq!(yes.len(), 1, "{record}");
    assert_eq!(
        (yes[0]["channel"].as_str(), yes[0]["text_version"].as_str()),
        (Some("email"), Some("offer-2026-12 (nb)"))
    );

    // Her order: converted for variant A, its revenue in the offer's experiment.
    let order = json!({"event_id": "o-offer-1", "type": "order.completed", "occurred_at": cartback_e2e::START,
                       "cart_id": cart, "order": {"order_id": "9001", "total": "120.00", "currency": "EUR"}});
    assert_eq!(s.post_event(&order).await.0, 202);
    let (_, stats) = merchant(&s, reqwest::Method::GET, "/v1/stores/demo/stats").await;
    assert_eq!(
        stats["offers"]["A"],
        json!({"shown": 1, "dismissed": 1, "claimed": 1, "converted": 1}),
        "{}",
        stats["offers"]
    );
    let arms = stats["experiments"]["offer"]["variants"].as_array().unwrap();
    assert_eq!(
        (arms[0]["name"].as_str(), arms[0]["orders"].as_i64(), arms[0]["revenue"]["EUR"].as_i64()),
        (Some("A"), Some(1), Some(12_000))
    );
}

#[tokio::test]
async fn the_coupon_budget_bounds_the_codes_a_shopper_gets() {
    let s = Server::start().await;
    // The demo store allows 2 codes per contact in 30 days: the third cart's claim is withheld.
    let mut answers = Vec::new();
    for i in 0..3 {
        let cart = format!("web-budget-{i}-0123456789abcdef");
        let (st, body) = offer(&s, ORIGIN, claim(&cart, "emre@example.com", "B")).await;
        assert_eq!(st, 200, "{body}");
        answers.push(body["status"].as_str().unwrap().to_string());
    }
    assert_eq!(answers, ["given", "given", "withheld"]);
    let (_, stats) = merchant(&s, reqwest::Method::GET, "/v1/stores/demo/stats").await;
    assert_eq!(stats["offers"]["B"]["claimed"], 2);
    assert_eq!(stats["offers"]["B"]["withheld"], 1);
}
