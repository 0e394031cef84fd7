//! Recommendations in e-mails (docs/recommendations.md) through the whole pipeline on memory and
//! on SQLite: the store uploads its catalogue, two carts reach the 24-hour e-mail, each carries
//! the products the rules give (never one in the cart), priced in the shopper's currency; a click
//! goes to the product's page and is counted and credited to the step; the order after it is
//! counted among those recommendations led to. The same on DynamoDB:
//! shared/aws/tests/recommendations.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/recommended_carts.rs"]
mod scenario;

use cartback_e2e::{DEMO_API_KEY, START, Server, meta_sign, order_event};
use serde_json::Value;

/// The store's catalogue, as a merchant uploads it.
async fn upload_catalogue(s: &Server) {
    let put = s
        .http
        .put(s.url("/v1/stores/demo/catalogue"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "application/json")
        .body(scenario::CATALOGUE)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
}

async fn run(s: &Server) {
    upload_catalogue(s).await;
    for cart in [scenario::ADA, scenario::DENIZ] {
        let (status, body) = s.post_event(&scenario::event(cart, START)).await;
        assert_eq!(status, 202, "{body}");
    }
    for _ in 0..5 {
        s.advance(6 * 3600).await;
    }
    let outbox = s.outbox().await;
    let email = |cart: &str| {
        outbox.iter().find(|m| m["cart_id"] == cart && m["step"] == 1).unwrap_or_else(|| panic!("{cart}: {outbox:?}"))
    };
    let ada = email(scenario::ADA)["body"].as_str().unwrap().to_string();
    let picks = scenario::picks(&ada);
    let titles: Vec<&str> = picks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, scenario::ADA_PICKS, "{ada}");
    assert!(ada.contains("You might also like:") && ada.contains("39.00 EUR"), "{ada}");
    let deniz = email(scenario::DENIZ)["body"].as_str().unwrap().to_string();
    assert!(deniz.contains("Bunlar da hoşuna gidebilir:") && deniz.contains("≈") && deniz.contains("TRY"), "{deniz}");
    assert!(!deniz.contains("Merino Crew Sweater"), "the cart's own product is not recommended: {deniz}");

    // A click: the product's page, counted, credited to the step that showed it.
    let link = &picks[0].1;
    let resp = s.http.get(link.replace("http://127.0.0.1:8787", &s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 302, "{link}");
    assert_eq!(resp.headers()["location"], scenario::ADA_FIRST_PAGE);
    // A place no message of this cart showed: nothing to reach.
    let (base, _) = link.split_once("?rec=").unwrap();
    let wrong =
        s.http.get(format!("{}?rec=99.0", base.replace("http://127.0.0.1:8787", &s.base))).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let at = s.advance(60).await["now"].as_str().unwrap().to_string();
    let (status, _) = s.post_event(&order_event("ord-ada", scenario::ADA, &at, "108.90", "EUR")).await;
    assert_eq!(status, 202);

    let stats = s.stats().await;
    let rec = &stats["recommendations"];
    assert_eq!(rec["shown"], 6, "{rec}");
    assert_eq!((rec["clicks"].as_i64(), rec["orders"].as_i64()), (Some(1), Some(1)), "{rec}");
    assert_eq!(rec["revenue_EUR"], 10_890, "{rec}");
    assert_eq!(rec["picked.goes_with"], 2, "{rec}");
    let step1 = stats["experiments"]["by_step"].as_array().unwrap().iter().find(|a| a["name"] == "1").cloned();
    assert_eq!(step1.unwrap()["recommendation_clicks"], 1, "{}", stats["experiments"]["by_step"]);
}

#[tokio::test]
async fn e_mails_recommend_what_goes_with_the_cart_in_memory() {
    run(&Server::start().await).await;
}

#[tokio::test]
async fn e_mails_recommend_what_goes_with_the_cart_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cartback-recommendations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(&Server::with_sqlite(&dir).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo store with two WhatsApp steps that recommend three products: the 30-minute one goes
/// as Meta's approved template (no room for products: counted `none.template`), the 2-hour one
/// inside the customer-service window the shopper opened by tapping "Complete my order", with a
/// reply button a product.
fn whatsapp_config() -> cartback_core::config::Config {
    use cartback_core::config::{Config, demo_config};
    use cartback_core::domain::Channel;
    let demo = demo_config();
    let mut store = (**demo.store("demo").unwrap()).clone();
    let wa = store.steps.iter().find(|s| s.channel == Channel::Whatsapp).unwrap().clone();
    let step = |after: &str| cartback_core::config::Step {
        after: cartback_core::config::parse_duration(after).unwrap(),
        when: None,
        recommend: 3,
        ..wa.clone()
    };
    store.steps = vec![step("30m"), step("2h")];
    store.refresh_conditions_on_items();
    Config::new(demo.public_url.clone(), vec![store]).with_replies_url(&demo.replies_url)
}

/// A WhatsApp message with products as reply buttons: titles and prices in its text, one
/// button a product (Meta's three at most); a tap answers with the product's tracked link behind
/// a "See the product" button, and opening it is the click, counted as an e-mail's is.
#[tokio::test]
async fn whatsapp_messages_recommend_products_as_reply_buttons_inside_the_window() {
    whatsapp_run(&Server::with_config(whatsapp_config()).await).await;
}

#[tokio::test]
async fn whatsapp_messages_recommend_products_as_reply_buttons_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cartback-recommendations-wa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    whatsapp_run(&Server::with_sqlite_config(&dir, whatsapp_config()).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn whatsapp_run(s: &Server) {
    upload_catalogue(s).await;
    let mut ev = scenario::event(scenario::ADA, START);
    ev["customer"]["phone"] = serde_json::json!("+4791234567");
    ev["customer"]["consent"] = serde_json::json!({"sms": false, "email": false, "whatsapp": true});
    let (status, body) = s.post_event(&ev).await;
    assert_eq!(status, 202, "{body}");
    let post = |body: String| {
        let body = body.into_bytes();
        s.http.post(s.url("/v1/whatsapp/demo")).header("x-hub-signature-256", meta_sign(&body)).body(body).send()
    };
    let tap = |id: &str, kind: &str| {
        let m = if kind == "button" {
            format!(
                r#"{{"from": "4791234567", "id": "wamid.{id}", "type": "button", "button": {{"text": "Complete my order", "payload": "{id}"}}}}"#
            )
        } else {
            format!(
                r#"{{"from": "4791234567", "id": "wamid.{id}", "type": "interactive", "interactive": {{"type": "button_reply", "button_reply": {{"id": "{id}", "title": "A product"}}}}}}"#
            )
        };
        format!(
            r#"{{"object": "whatsapp_business_account", "entry": [{{"changes": [{{"field": "messages", "value": {{"messages": [{m}]}}}}]}}]}}"#
        )
    };

    // 30 minutes: a template message, outside the window: no products.
    s.advance(31 * 60).await;
    let first = s.outbox().await.into_iter().find(|m| m["channel"] == "whatsapp").expect("the template message");
    assert!(first["interactive"].is_null(), "{first}");
    assert!(!first["body"].as_str().unwrap().contains("You might also like"), "{first}");
    // "Complete my order" on the template: the restore link, and the window is open.
    let v: Value = post(tap("RESTORE", "button")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "restore", "{v}");

    // Two hours: inside the window, the products as buttons.
    s.advance(90 * 60).await;
    let outbox = s.outbox().await;
    let second = outbox.iter().find(|m| m["channel"] == "whatsapp" && m["step"] == 1).expect("the 2-hour message");
    let text = second["body"].as_str().unwrap();
    assert!(text.contains("You might also like:") && text.contains("- Wool Cashmere Scarf, "), "{text}");
    assert!(!text.contains("?rec="), "the buttons carry the products, not links in the text: {text}");
    let buttons = second["interactive"]["replies"].as_array().unwrap_or_else(|| panic!("{second}"));
    let titles: Vec<&str> = buttons.iter().map(|b| b["title"].as_str().unwrap()).collect();
    assert_eq!(titles, scenario::ADA_PICKS);
    let ids: Vec<&str> = buttons.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert!(ids.iter().enumerate().all(|(i, id)| id.starts_with("REC:") && id.ends_with(&format!(".{i}"))), "{ids:?}");

    // A tap on the first: its tracked link behind a button, not handed to a person.
    let v: Value = post(tap(ids[0], "interactive")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "recommendation", "{v}");
    let answer = s.outbox().await.into_iter().rfind(|m| m["channel"] == "whatsapp").unwrap();
    assert_eq!(answer["interactive"]["link"]["label"], "See the product", "{answer}");
    let link = answer["interactive"]["link"]["url"].as_str().unwrap().to_string();
    assert!(link.contains("?rec=") && answer["body"].as_str().unwrap().contains(&link), "{answer}");
    assert!(s.rt.alerts.all().is_empty(), "a tap is not handed to a person");
    let resp = s.http.get(link.replace("http://127.0.0.1:8787", &s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 302, "{link}");
    assert_eq!(resp.headers()["location"], scenario::ADA_FIRST_PAGE);
    // A button no message of this cart showed: the restore link instead, counted.
    let (cart_token, _) = ids[0].trim_start_matches("REC:").split_once('.').unwrap();
    let v: Value = post(tap(&format!("REC:{cart_token}.99.0"), "interactive")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "restore", "{v}");
    // The same button from another number: not theirs to open.
    let other = tap(ids[1], "interactive").replace("4791234567", "4791234568").replace("wamid.", "wamid.other.");
    let v: Value = post(other).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "restore", "another number's tap gets no product: {v}");

    // After a "no", a tap on an old button gets no product, nor any answer.
    let v: Value = post(tap("STOP", "button")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "opted_out", "{v}");
    let sent = s.outbox().await.len();
    let v: Value = post(tap(ids[2], "interactive")).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "recommendation", "{v}");
    assert_eq!(s.outbox().await.len(), sent, "nothing sent after the no");

    let stats = s.stats().await;
    let rec = &stats["recommendations"];
    assert_eq!(rec["none.template"], 1, "{rec}");
    assert_eq!(rec["taps_refused"], 1, "{rec}");
    assert_eq!(
        (rec["shown"].as_i64(), rec["taps"].as_i64(), rec["taps_unknown"].as_i64()),
        (Some(3), Some(1), Some(2)),
        "{rec}"
    );
    assert_eq!(rec["clicks"], 1, "{rec}");
}
