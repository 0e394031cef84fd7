//! A "no" belongs to the address (issue #28): an e-mail unsubscribe holds for every later cart
//! with that address, whichever contact record the cart is filed under (the phone's when it has
//! one), in both orders; a STOP from a phone holds for SMS and WhatsApp to that phone, whatever
//! cart the next message is about.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_e2e::{START, Server};
use serde_json::{Value, json};

fn cart(event: &str, cart: &str, at: &str, phone: Option<&str>, email: &str) -> Value {
    let mut customer = json!({"first_name": "Kari", "email": email, "timezone": "Europe/Oslo",
                              "consent": {"sms": true, "email": true, "whatsapp": true}});
    if let Some(p) = phone {
        customer["phone"] = json!(p);
    }
    json!({"event_id": event, "type": "cart.updated", "occurred_at": at, "cart_id": cart, "customer": customer,
           "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                    "items": [{"sku": "A", "name": "Wool sweater", "quantity": 1, "unit_price": "42.00"}]}})
}

async fn now(s: &Server) -> String {
    s.advance(0).await["now"].as_str().unwrap().to_string()
}

/// Runs the cart's whole sequence and returns the e-mail it got (with its unsubscribe link).
async fn email_of(s: &Server, cart: &str) -> Option<Value> {
    s.advance(4 * 24 * 3600).await;
    s.outbox().await.into_iter().find(|m| m["cart_id"] == cart && m["channel"] == "email")
}

async fn one_click(s: &Server, mail: &Value) {
    let url = mail["unsubscribe_url"].as_str().expect("List-Unsubscribe URL");
    let path = &url[url.find("/v1/unsubscribe/").unwrap()..];
    let r = s
        .http
        .post(s.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn an_unsubscribe_on_an_email_only_cart_holds_for_a_later_cart_with_a_phone() {
    let s = Server::start().await;
    assert_eq!(s.post_event(&cart("e1", "c1", START, None, "kari@example.com")).await.0, 202);
    let mail = email_of(&s, "c1").await.expect("the e-mail-only cart gets its e-mail");
    one_click(&s, &mail).await;
    let at = now(&s).await;
    assert_eq!(s.post_event(&cart("e2", "c2", &at, Some("+4791234567"), "Kari@Example.com")).await.0, 202);
    assert_eq!(email_of(&s, "c2").await, None, "an e-mail to an address that unsubscribed");
    let later: Vec<Value> = s.outbox().await.into_iter().filter(|m| m["cart_id"] == "c2").collect();
    assert!(later.iter().any(|m| m["channel"] == "sms"), "the phone said no to nothing: {later:?}");
}

#[tokio::test]
async fn an_unsubscribe_on_a_cart_with_a_phone_holds_for_a_later_email_only_cart() {
    let s = Server::start().await;
    assert_eq!(s.post_event(&cart("e1", "c1", START, Some("+4791234567"), "kari@example.com")).await.0, 202);
    let mail = email_of(&s, "c1").await.expect("the cart gets its e-mail");
    one_click(&s, &mail).await;
    let at = now(&s).await;
    assert_eq!(s.post_event(&cart("e2", "c2", &at, None, "kari@example.com")).await.0, 202);
    assert_eq!(email_of(&s, "c2").await, None, "an e-mail to an address that unsubscribed");
    assert_eq!(s.stats().await["opt_outs"]["email"], 1, "one unsubscribe, counted once");
}

#[tokio::test]
async fn a_stop_from_a_phone_holds_for_whatsapp_and_for_every_later_cart() {
    let s = Server::start().await;
    // A cart never messaged: its shopper texts STOP before any reminder.
    assert_eq!(s.post_event(&cart("e1", "c1", START, Some("+4791234567"), "kari@example.com")).await.0, 202);
    assert_eq!(s.twilio_reply("+4791234567", "STOP", "SMstop1").await.0, 200);
    let at = now(&s).await;
    assert_eq!(s.post_event(&cart("e2", "c2", &at, Some("+47 912 34 567"), "other@example.com")).await.0, 202);
    s.advance(5 * 24 * 3600).await;
    let to_phone: Vec<Value> = s
        .outbox()
        .await
        .into_iter()
        .filter(|m| m["recipient"] != "kari@example.com" && m["recipient"] != "other@example.com")
        .collect();
    assert_eq!(to_phone, Vec::<Value>::new(), "SMS or WhatsApp to a phone that said STOP");
    // E-mail is another address: it still gets its reminders.
    assert!(s.outbox().await.iter().any(|m| m["channel"] == "email"));
}
