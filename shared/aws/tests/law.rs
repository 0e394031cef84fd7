//! The law's test (issue #29) on DynamoDB and SQS over moto, in a test binary of its own: it
//! writes thousands of items, and moto keeps what a deleted table held (its `/moto-api/data.json`
//! grew to gigabytes and stalled the SES tests that read it), so when it ends it resets moto —
//! safe here, as cargo runs test binaries one after another and nothing else runs in this one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod moto;
mod rig;

use rig::{Rig, ts};

#[path = "../../../tests/common/opt_out_sides.rs"]
mod sides;

/// The law's test (issue #29) on DynamoDB and SQS: every opt-out of both test sides as a signed
/// Twilio reply through the replies function's routes, each shopper's new cart three days later,
/// every timer swept and dispatched: no text to any of them beyond the readers' known misses
/// (tests/no_message_after_no.rs runs the same on memory and SQLite).
#[tokio::test]
async fn no_text_after_a_no_on_dynamodb() {
    use tower::ServiceExt;
    let Some(mut rig) = Rig::new("law").await else { return };
    let shoppers = sides::opt_outs(false);
    let n = shoppers.len() + sides::CONTROLS.len();
    let phone = |i: usize| format!("+4791{:06}", 100_000 + i);
    let event = |id: String, cart: String, i: usize, at: &str| {
        format!(
            r#"{{"event_id":"{id}","type":"cart.updated","occurred_at":"{at}","cart_id":"{cart}",
            "customer":{{"first_name":"Kari","phone":"{}","email":"k{i}@example.com","timezone":"UTC",
            "consent":{{"sms":true,"email":true,"whatsapp":true}}}},
            "cart":{{"currency":"EUR","checkout_url":"https://shop.example/c","items":[{{"sku":"A","name":"A","quantity":1,"unit_price":"10.00"}}]}}}}"#,
            phone(i)
        )
    };
    for i in 0..n {
        rig.event(event(format!("e{i}"), format!("c{i}"), i, "2026-11-23T09:00:00Z")).await;
    }
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:30:00Z")).await;
    assert_eq!(rig.dispatch_all().await, n);
    assert_eq!(rig.outbox.count(), n, "every shopper got the first SMS");
    rig.clock.set(ts("2026-11-23T09:40:00Z"));
    let app = cartback_http::replies_router(rig.engine.clone());
    let texts: Vec<&str> = shoppers.iter().map(|s| s.text.as_str()).chain(sides::CONTROLS).collect();
    for (i, text) in texts.iter().enumerate() {
        let params: Vec<(String, String)> = [
            ("AccountSid", "AC00000000000000000000000000000000".to_string()),
            ("Body", text.to_string()),
            ("From", phone(i)),
            ("MessageSid", format!("SM{i:032}")),
            ("To", "+4759000000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let url = "https://cartback.example/v1/replies/twilio/s";
        let sig = cartback_core::conversations::twilio_webhook::signature("tok", url, &params);
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
        let req = axum::http::Request::post("/v1/replies/twilio/s")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(axum::body::Body::from(body))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200, "{text}");
    }
    rig.engine.flush_stats().await;
    let before = rig.outbox.count();
    for i in 0..n {
        rig.event(event(format!("n{i}"), format!("n{i}"), i, "2026-11-26T09:00:00Z")).await;
    }
    for at in [
        "2026-11-24T09:00:00Z",
        "2026-11-26T09:00:00Z",
        "2026-11-26T09:30:00Z",
        "2026-11-27T09:00:00Z",
        "2026-11-29T09:00:00Z",
    ] {
        rig.sweep_at(ts(at)).await;
        rig.dispatch_all().await;
    }
    let texted: std::collections::BTreeSet<String> =
        rig.outbox.outbox()[before..].iter().filter(|m| m.channel != "email").map(|m| m.recipient.clone()).collect();
    for k in 0..sides::CONTROLS.len() {
        assert!(texted.contains(&phone(shoppers.len() + k)), "a control was not texted: the test sees nothing");
    }
    let missed = (0..shoppers.len()).filter(|i| texted.contains(&phone(*i))).count();
    let of = |f: &dyn Fn(&sides::Shopper) -> bool| {
        (0..shoppers.len()).filter(|i| f(&shoppers[*i]) && texted.contains(&phone(*i))).count()
    };
    let (wrong, second, third) = (of(&|s| s.wrong_number), of(&|s| s.side == "second"), of(&|s| s.side == "third"));
    println!(
        "{missed} of {} shoppers who said no were texted again ({wrong} wrong numbers, {second} from the second corpus, {third} from the third)",
        shoppers.len()
    );
    // Nothing of this test is left for the binaries after it (see the top of the file).
    let base = std::env::var("AWS_ENDPOINT_URL").unwrap();
    reqwest::Client::new().post(format!("{base}/moto-api/reset")).send().await.unwrap();
    assert!(
        missed <= sides::known_missed(false),
        "{missed} of {} shoppers who said no were texted again (known: {})",
        shoppers.len(),
        sides::known_missed(false)
    );
}
