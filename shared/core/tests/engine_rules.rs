//! Each rule of the cart's life and of sending, through the engine on a virtual clock.

mod common;

use cartback_core::domain::{CartStatus, SendStatus};
use cartback_core::ports::TimerMsg;
use cartback_local::adapters::faults::Fault;
use common::*;
use serde_json::json;

const PHONE: &str = "+4791234567";

#[tokio::test]
async fn abandoned_after_idle_then_full_sequence() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    let r = t.cart("c1", "e1", PHONE, "UTC").await;
    assert_eq!(r.state, CartStatus::Active);
    t.advance_mins(29).await;
    assert!(t.sent().is_empty());
    t.advance_mins(1).await;
    assert_eq!(t.channels(), ["sms"]);
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms", "email", "whatsapp"]);
    let cart = t.rt.store.carts_of("s").pop().unwrap();
    assert_eq!(cart.status, CartStatus::Expired);
    assert!(cart.sends.iter().all(|s| s.status == SendStatus::Sent));
}

#[tokio::test]
async fn activity_during_a_pending_timer_only_moves_the_idle_clock() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(20).await;
    t.event(cart_event("c1", "e2", t.now(), PHONE, "UTC", true)).await;
    assert_eq!(t.rt.queue.len(), 1, "a second timer was armed");
    t.advance_mins(15).await; // 09:35: the first timer fired at 09:30 and re-armed for 09:50
    assert!(t.sent().is_empty());
    t.advance_mins(15).await;
    assert_eq!(t.sent().len(), 1);
    assert_eq!(t.sent()[0].sent_at.to_string(), "2026-11-23T09:50:00Z");
}

#[tokio::test]
async fn stale_or_repeated_work_drops_itself() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.sent().len(), 1);
    let sms_seq = t.rt.store.carts_of("s")[0].sends[0].seq;
    // The SMS's work delivered again (a duplicate copy), and work with a made-up seq.
    for seq in [sms_seq, 99] {
        let msg = TimerMsg { v: 1, store: "s".into(), cart: "c1".into(), seq, contact: None, due: None };
        t.rt.engine.dispatch.on_due(&msg, false).await.unwrap();
    }
    assert_eq!(t.sent().len(), 1, "stale work sent a message");
    assert_eq!(t.rt.store.carts_of("s")[0].sends[0].status, SendStatus::Sent);
}

#[tokio::test]
async fn quiet_hours_defer_to_the_next_local_morning_across_dst() {
    // New York, 2026-03-08: DST starts at 02:00. The cart goes idle at 00:00 EST (05:00Z).
    let t = start(config("", SMS_EMAIL_WA), "2026-03-08T05:00:00Z");
    t.cart("c1", "e1", PHONE, "America/New_York").await;
    t.advance_hours(6).await;
    assert!(t.sent().is_empty(), "sent inside quiet hours");
    t.advance_hours(1).await; // 12:00Z = 08:00 EDT
    let sent = t.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].sent_at.to_string(), "2026-03-08T12:00:00Z");
    // The SMS was held at send time; the e-mail step, due 24 h after the cart went idle (01:00
    // EDT), was scheduled straight for 08:00 EDT when the SMS went out: two deferrals.
    assert_eq!(t.stats().await.steps_deferred["quiet_hours"], 2);
    let cart = &t.rt.store.carts_of("s")[0];
    assert_eq!(cart.timer.map(|t| t.due.to_string()).as_deref(), Some("2026-03-09T12:00:00Z"));
}

#[tokio::test]
async fn stricter_store_quiet_hours_apply() {
    let t =
        start(config("[stores.quiet_hours]\nstart = \"10:00\"\nend = \"18:00\"", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(1).await;
    assert_eq!(t.sent()[0].sent_at.to_string(), "2026-11-23T10:00:00Z");
}

#[tokio::test]
async fn frequency_cap_counts_across_carts_of_one_contact() {
    let t = start(config("[stores.frequency_cap]\nmax = 2\nwindow = \"24h\"", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    for c in ["c1", "c2", "c3"] {
        t.event(cart_event(c, &format!("e-{c}"), t.now(), PHONE, "UTC", true)).await;
    }
    t.advance_mins(30).await;
    assert_eq!(t.sent().len(), 2, "the cap of 2 per 24 h was exceeded");
    assert_eq!(t.stats().await.steps_deferred["frequency_cap"], 1);
    t.advance_hours(25).await;
    // The third cart's SMS went once the window allowed it; no contact got more than 2 per 24 h.
    let sent = t.sent();
    for m in &sent {
        let n = sent
            .iter()
            .filter(|o| o.sent_at > m.sent_at - jiff::SignedDuration::from_hours(24) && o.sent_at <= m.sent_at)
            .count();
        assert!(n <= 2, "{n} messages within 24 h up to {}", m.sent_at);
    }
    assert!(sent.iter().any(|m| m.cart_id == "c3"));
}

#[tokio::test]
async fn no_consent_means_no_message_on_that_channel() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.event(json!({
        "event_id": "e1", "type": "cart.updated", "occurred_at": t.now().to_string(), "cart_id": "c1",
        "customer": {"phone": PHONE, "email": "x@example.com", "consent": {"sms": false, "email": true}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c", "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1.00"}]}
    }))
    .await;
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["email"]);
    assert_eq!(t.stats().await.steps_skipped["no_consent"], 1);
}

#[tokio::test]
async fn no_reachable_contact_is_suppressed() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.event(json!({
        "event_id": "e1", "type": "cart.updated", "occurred_at": t.now().to_string(), "cart_id": "c1",
        "customer": {"email": "x@example.com"},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c", "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1.00"}]}
    }))
    .await;
    t.advance_hours(80).await;
    assert!(t.sent().is_empty());
    assert_eq!(t.rt.store.carts_of("s")[0].status, CartStatus::Suppressed);
}

#[tokio::test]
async fn at_most_one_sms_per_abandonment_episode() {
    let two_sms = r#"
[[stores.steps]]
after = "30m"
channel = "sms"
template = "one {{ link }}"
[[stores.steps]]
after = "2h"
channel = "sms"
template = "two {{ link }}"
"#;
    let t = start(config("", two_sms), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(5).await;
    assert_eq!(t.channels(), ["sms"]);
    assert_eq!(t.stats().await.steps_skipped["one_sms_per_episode"], 1);
}

#[tokio::test]
async fn order_inside_the_window_is_recovered_outside_converted() {
    let t = start(config("attribution_window = \"1h\"", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.cart("c2", "e2", "+4791234568", "UTC").await;
    t.advance_mins(30).await;
    t.advance_mins(30).await;
    assert_eq!(t.order("c1", "o1").await.state, CartStatus::Recovered);
    t.advance_mins(31).await;
    assert_eq!(t.order("c2", "o2").await.state, CartStatus::Converted);
    let s = t.stats().await;
    assert_eq!((s.orders_recovered, s.orders_converted), (1, 1));
    assert_eq!(s.revenue_recovered["EUR"], 4200);
}

#[tokio::test]
async fn holdout_carts_get_nothing_and_are_reported_apart() {
    let t = start(config("holdout_percent = 50", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    for i in 0..40 {
        t.event(cart_event(&format!("c{i}"), &format!("e{i}"), t.now(), &format!("+47912345{i:02}"), "UTC", true))
            .await;
    }
    t.advance_mins(30).await;
    let carts = t.rt.store.carts_of("s");
    let held: Vec<_> = carts.iter().filter(|c| c.holdout).map(|c| c.id.clone()).collect();
    assert!(!held.is_empty() && held.len() < 40);
    assert!(t.sent().iter().all(|m| !held.contains(&m.cart_id)), "a holdout cart got a message");
    let s = t.stats().await;
    assert_eq!(s.holdout.carts as usize, held.len());
    assert_eq!(s.treated.carts as usize, 40 - held.len());
}

#[tokio::test]
async fn cleared_cart_gets_nothing() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(10).await;
    t.event(json!({"event_id": "e2", "type": "cart.cleared", "occurred_at": t.now().to_string(), "cart_id": "c1"}))
        .await;
    t.advance_hours(80).await;
    assert!(t.sent().is_empty());
}

#[tokio::test]
async fn crash_between_claim_and_send_becomes_unknown_never_a_duplicate() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.sent().len(), 1);
    // The queue redelivers the SMS's work: the attempt that claimed it never reported back
    // (it crashed before or after calling the provider). Nothing may be sent again.
    let seq = t.rt.store.carts_of("s")[0].sends[0].seq;
    let msg = TimerMsg { v: 1, store: "s".into(), cart: "c1".into(), seq, contact: None, due: None };
    let out = t.rt.engine.dispatch.on_due(&msg, true).await.unwrap();
    assert_eq!(out, cartback_core::abandonment::due::DueOutcome::MarkedUnknown);
    assert_eq!(t.sent().len(), 1, "the open claim was retried");
    assert_eq!(t.rt.store.carts_of("s")[0].sends[0].status, SendStatus::Unknown);
    assert_eq!(t.stats().await.sends_unknown, 1);
    // Again: still nothing, and counted once.
    assert_eq!(
        t.rt.engine.dispatch.on_due(&msg, true).await.unwrap(),
        cartback_core::abandonment::due::DueOutcome::AlreadyDone
    );
    assert_eq!(t.stats().await.sends_unknown, 1);
    // …and the sequence goes on with the next step.
    t.advance_hours(30).await;
    assert_eq!(t.channels(), ["sms", "email"]);
}

#[tokio::test]
async fn provider_throttle_is_retried_and_sent_once() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.rt.faults.push(Fault::Retryable);
    t.rt.faults.push(Fault::Retryable);
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert!(t.sent().is_empty());
    t.advance_mins(5).await;
    assert_eq!(t.channels(), ["sms"]);
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms", "email", "whatsapp"]);
}

#[tokio::test]
async fn failed_attempts_do_not_use_up_the_frequency_cap() {
    // One message a day: three attempts the provider refused for the moment must not count,
    // or the SMS would be deferred as "capped" with nothing ever sent.
    let t = start(config("[stores.frequency_cap]\nmax = 1\nwindow = \"24h\"", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    for _ in 0..3 {
        t.rt.faults.push(Fault::Retryable);
    }
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(1).await;
    assert_eq!(t.channels(), ["sms"]);
    assert!(!t.stats().await.steps_deferred.contains_key("frequency_cap"));
    let key = cartback_core::domain::contact::contact_key("s", PHONE);
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert_eq!(contact.recent_sends.len(), 1, "only the send that went out is on the cap");
}

#[tokio::test]
async fn a_send_whose_answer_was_lost_is_unknown_and_never_resent() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.rt.faults.push(Fault::TakenThenTimedOut);
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(80).await;
    // The SMS went out once (the provider took it); the sequence went on without resending it.
    assert_eq!(t.channels(), ["sms", "email", "whatsapp"]);
    let cart = t.rt.store.carts_of("s").pop().unwrap();
    assert_eq!(cart.sends[0].status, SendStatus::Unknown);
    assert_eq!(t.stats().await.sends_unknown, 1);
}

#[tokio::test]
async fn permanent_provider_error_is_recorded_not_retried() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.rt.faults.push(Fault::Permanent);
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["email", "whatsapp"]);
    let cart = t.rt.store.carts_of("s").pop().unwrap();
    assert_eq!(cart.sends[0].status, SendStatus::Failed);
    assert_eq!(t.stats().await.messages_failed["sms"], 1);
}

/// A step whose channel nothing carries (on AWS, a channel left on `console`) is recorded as
/// skipped with its cause, never counted as sent, and the sequence goes on.
#[tokio::test]
async fn a_step_on_an_unconfigured_channel_is_skipped_not_counted_sent() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.rt.faults.push(Fault::Unconfigured);
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["email", "whatsapp"]);
    let cart = t.rt.store.carts_of("s").pop().unwrap();
    assert_eq!(cart.sends[0].status, SendStatus::Skipped);
    let stats = t.stats().await;
    assert_eq!(stats.steps_skipped["no_provider"], 1);
    assert_eq!(stats.messages_by_channel.get("sms"), None, "counted as sent: {:?}", stats.messages_by_channel);
    assert_eq!(stats.messages_failed.get("sms"), None);
}

#[tokio::test]
async fn duplicate_deliveries_send_once() {
    let t = start_with(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z", true);
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms", "email", "whatsapp"]);
}

#[tokio::test]
async fn old_events_do_not_fire_every_step_at_once() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    // A cart idle for four days arrives late (a backlog replay).
    t.event(cart_event("c1", "e1", "2026-11-19T09:00:00Z".parse().unwrap(), PHONE, "UTC", true)).await;
    t.advance_mins(1).await;
    // The SMS is four days late: carrier practice says within 48 hours, so it is skipped.
    assert_eq!(t.stats().await.steps_skipped.get("sms_after_48h"), Some(&1));
    t.advance_mins(5).await;
    let sent: Vec<String> = t.channels();
    assert!(sent.len() <= 1, "steps were sent back to back: {sent:?}");
    assert!(!sent.contains(&"sms".to_string()));
}

#[tokio::test]
async fn throttled_storage_is_retried_and_sends_exactly_once() {
    for op in ["load_for_send", "claim_send"] {
        let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
        t.cart("c1", "e1", PHONE, "UTC").await;
        t.rt.store_faults.throttle_next(op);
        t.advance_mins(30).await;
        assert!(t.sent().is_empty(), "{op}: sent while storage was throttled");
        t.advance_mins(5).await; // the queue's backoff redelivers
        assert_eq!(t.channels(), ["sms"], "{op}");
        t.advance_hours(80).await;
        assert_eq!(t.channels(), ["sms", "email", "whatsapp"], "{op}");
        assert_eq!(t.rt.dead_letters.load(std::sync::atomic::Ordering::Relaxed), 0);
    }
}

#[tokio::test]
async fn throttled_ingest_changes_nothing_and_the_retry_applies_once() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.rt.store_faults.throttle_next("put_cart");
    let ev = cart_event("c1", "e1", t.now(), PHONE, "UTC", true);
    let parsed = cartback_core::intake::contract::parse_event(ev.to_string().as_bytes(), &t.store).unwrap();
    let err = t.rt.engine.intake.ingest(&t.store, &parsed).await.unwrap_err();
    assert!(err.is_retryable());
    assert!(t.rt.store.carts_of("s").is_empty(), "a throttled write left a cart");
    t.event(ev.clone()).await;
    assert!(t.event(ev).await.duplicate);
    t.advance_hours(1).await;
    assert_eq!(t.channels(), ["sms"], "the timer armed by the throttled attempt fired too");
}

#[tokio::test]
async fn a_claim_that_loses_a_race_is_re_decided_and_sent_once() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.rt.store_faults.conflict_next("claim_send");
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    assert_eq!(t.rt.dead_letters.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test]
async fn activity_racing_a_due_step_wins_and_nothing_is_sent() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(29).await;
    // The shopper comes back right as the step falls due: the step re-arms, no message.
    t.event(cart_event("c1", "e2", t.now(), PHONE, "UTC", true)).await;
    t.advance_mins(1).await;
    assert!(t.sent().is_empty());
    t.advance_mins(29).await;
    assert_eq!(t.channels(), ["sms"]);
}

#[tokio::test]
async fn lead_temperature_chooses_the_steps_and_is_reported() {
    // Hot leads (checkout reached) get the SMS; warm leads (cart only) the e-mail only.
    let steps = r#"
[[stores.steps]]
after = "30m"
channel = "sms"
template = "Hi {{ first_name }}: {{ link }}"
leads = ["hot"]
[[stores.steps]]
after = "24h"
channel = "email"
template = "Your cart: {{ total }} {{ link }}"
"#;
    let t = start(config("", steps), "2026-11-23T09:00:00Z");
    t.cart("warm", "e1", PHONE, "UTC").await;
    let mut hot = cart_event("hot", "e2", t.now(), "+4791234568", "UTC", true);
    hot["type"] = json!("checkout.started");
    t.event(hot).await;
    t.advance_hours(25).await;
    let by_cart: Vec<(String, String)> = t.sent().into_iter().map(|m| (m.cart_id, m.channel)).collect();
    assert_eq!(by_cart.iter().filter(|(c, _)| c == "hot").count(), 2, "{by_cart:?}");
    assert_eq!(by_cart.iter().filter(|(c, _)| c == "warm").map(|(_, ch)| ch.as_str()).collect::<Vec<_>>(), ["email"]);
    t.order("hot", "o1").await;
    let s = t.stats().await;
    assert_eq!(s.steps_skipped.get("lead_temperature"), Some(&1));
    let (h, w) = (&s.lead_temperature["hot"], &s.lead_temperature["warm"]);
    assert_eq!((h.abandoned, h.recovered, w.abandoned, w.recovered), (1, 1, 1, 0));
    assert_eq!(h.recovery_rate, 1.0);
    assert_eq!(s.lead_temperature["cold"].abandoned, 0);
    // Both shoppers were reachable from their first event: one with a cart, one at checkout.
    assert_eq!((h.captured, w.captured, s.lead_temperature["cold"].captured), (1, 1, 0));
}

#[test]
fn an_unknown_lead_temperature_is_refused_at_load() {
    let text = r#"public_url = "http://x"
[[stores]]
id = "s"
name = "Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok"
currency = "EUR"
allowed_domains = ["shop.example"]
[[stores.steps]]
after = "30m"
channel = "sms"
template = "{{ link }}"
leads = ["boiling"]
"#;
    let Err(e) = cartback_core::config::Config::from_toml("c.toml", text) else { panic!("accepted") };
    let e = e.to_string();
    assert!(e.contains("stores[0].steps[0].leads[0]") && e.contains("cold, warm or hot"), "{e}");
}

fn order_without_cart(event_id: &str, order_cart: &str, at: jiff::Timestamp, phone: &str) -> serde_json::Value {
    json!({"event_id": event_id, "type": "order.completed", "occurred_at": at.to_string(), "cart_id": order_cart,
           "customer": {"phone": phone},
           "order": {"order_id": "o-9", "total": "42.00", "currency": "EUR"}})
}

#[tokio::test]
async fn an_order_naming_no_known_cart_is_linked_through_the_contact() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    // The storefront's order carries no checkout token: only the shopper's phone.
    let r = t.event(order_without_cart("o1", "order-o-9", t.now(), PHONE)).await;
    assert_eq!((r.cart_id.as_str(), r.state), ("c1", CartStatus::Recovered));
    // Delivered again: a duplicate, counted once.
    let r = t.event(order_without_cart("o1", "order-o-9", t.now(), PHONE)).await;
    assert!(r.duplicate);
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "a message after the order");
    let s = t.stats().await;
    assert_eq!(s.orders_recovered, 1);
}

#[tokio::test]
async fn an_unlinked_order_before_any_message_stops_the_shoppers_carts() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(10).await;
    let r = t.event(order_without_cart("o1", "order-o-9", t.now(), PHONE)).await;
    assert_eq!((r.cart_id.as_str(), r.state), ("order-o-9", CartStatus::Converted));
    t.advance_hours(80).await;
    assert!(t.sent().is_empty(), "messaged after ordering: {:?}", t.channels());
    let c1 = t.rt.store.carts_of("s").into_iter().find(|c| c.id == "c1").unwrap();
    assert_eq!(c1.status, CartStatus::Converted);
    let s = t.stats().await;
    assert_eq!(s.steps_skipped.get("ordered_elsewhere"), Some(&1));
    // Activity after the order is a new intention: that cart is followed up again.
    t.cart("c2", "e2", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
}

#[tokio::test]
async fn whatsapp_to_a_us_number_falls_back_to_sms_once_or_is_skipped() {
    const US: &str = "+14155552671";
    let wa_only = r#"
[[stores.steps]]
after = "30m"
channel = "whatsapp"
template = "Hi {{ first_name }}: {{ link }}"
"#;
    let t = start(config("", wa_only), "2026-11-23T15:00:00Z");
    t.cart("c1", "e1", US, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"], "the WhatsApp step went out as SMS");
    assert_eq!(t.sent()[0].recipient, US);

    // With an SMS already sent this episode, the WhatsApp step has nowhere to go.
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T15:00:00Z");
    t.cart("c1", "e1", US, "UTC").await;
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms", "email"]);
    assert_eq!(t.stats().await.steps_skipped.get("whatsapp_us_marketing"), Some(&1));

    // Elsewhere, WhatsApp is WhatsApp.
    let t = start(config("", wa_only), "2026-11-23T15:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["whatsapp"]);
}

#[tokio::test]
async fn a_texas_shopper_is_not_texted_before_noon_on_sunday() {
    // Sunday 2026-11-22, idle from 06:00 CST: the 30-minute SMS waits for noon (the store's own
    // window opens at 08:00; Texas law says 12:00 on Sundays).
    let t = start(config("", SMS_EMAIL_WA), "2026-11-22T12:00:00Z");
    t.cart("c1", "e1", "+12145550123", "America/Chicago").await;
    t.advance_hours(2).await; // 08:00 CST
    assert!(t.sent().is_empty(), "texted before noon on a Texas Sunday");
    t.advance_hours(5).await; // 13:00 CST
    assert_eq!(t.channels(), ["sms"]);
    assert_eq!(t.sent()[0].sent_at.to_string(), "2026-11-22T18:00:00Z"); // 12:00 CST
}

#[tokio::test]
async fn an_order_carrying_only_the_email_ends_a_cart_reached_by_phone() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    // A point-of-sale order: no checkout token, no phone, the e-mail in another case.
    let mut order = order_without_cart("o1", "order-o-9", t.now(), PHONE);
    order["customer"] = json!({"email": "C1@Example.com"});
    let r = t.event(order.clone()).await;
    assert_eq!((r.cart_id.as_str(), r.state), ("c1", CartStatus::Recovered));
    assert!(t.event(order).await.duplicate);
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "a message after the order");
    assert_eq!(t.stats().await.orders_recovered, 1);
}

#[tokio::test]
async fn an_expired_email_alias_links_nothing() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    let email_only = |id: &str, at: jiff::Timestamp| {
        let mut o = order_without_cart(id, &format!("order-{id}"), at, PHONE);
        o["customer"] = json!({"email": "c1@example.com"});
        o
    };
    // Long after the link expired, the alias no longer names a cart: the order stands alone.
    t.advance_hours(24 * 40).await;
    let r = t.event(email_only("o-late", t.now())).await;
    assert_eq!((r.cart_id.as_str(), r.state), ("order-o-late", CartStatus::Converted));
}

#[tokio::test]
async fn an_order_carrying_only_the_customer_id_ends_the_customers_cart() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    let mut ev = cart_event("c1", "e1", t.now(), PHONE, "UTC", false);
    ev["customer"]["id"] = json!("shopify-207119551");
    t.event(ev).await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    // Neither the phone nor the e-mail: the customer changed both in their account.
    let mut order = order_without_cart("o1", "order-o-9", t.now(), PHONE);
    order["customer"] = json!({"id": "shopify-207119551", "email": "new-address@example.com"});
    let r = t.event(order).await;
    assert_eq!((r.cart_id.as_str(), r.state), ("c1", CartStatus::Recovered));
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "a message after the order");
}

async fn reply(t: &T, from: &str, body: &str, id: &str) -> cartback_core::conversations::replies::ReplyOutcome {
    let r = cartback_core::conversations::replies::InboundReply {
        channel: cartback_core::domain::Channel::Sms,
        from: from.into(),
        body: body.into(),
        message_id: id.into(),
        sent_at: None,
    };
    t.rt.engine.replies.on_reply(&t.store, &r).await.expect("reply")
}

#[tokio::test]
async fn replies_are_answered_in_the_shoppers_language_unless_the_store_wrote_its_own() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    let mut ev = cart_event("c1", "e1", t.now(), PHONE, "UTC", false);
    ev["customer"]["locale"] = json!("tr-TR");
    t.event(ev).await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    let help = reply(&t, PHONE, "Yardım", "SM1").await;
    assert_eq!(
        (help.action, help.reply.as_deref()),
        ("help", Some("Shop: sepet hatırlatmaları. Çıkmak için IPTAL, yeniden katılmak için BASLA yazın."))
    );
    let stop = reply(&t, PHONE, "iptal", "SM2").await;
    assert_eq!(stop.action, "opted_out");
    assert_eq!(stop.reply.as_deref(), Some("Shop: artık mesaj almayacaksınız. Yeniden katılmak için BASLA yazın."));
    let start_again = reply(&t, PHONE, "BAŞLA", "SM3").await;
    assert_eq!(start_again.action, "opted_in");
    assert!(start_again.reply.is_some_and(|r| r.contains("yeniden abone")));
    // Someone never messaged (no locale known) gets the store's language.
    let other = reply(&t, "+4791234599", "help", "SM4").await;
    assert!(other.reply.is_some_and(|r| r.starts_with("Shop: cart reminders.")));

    let own = start(config(r#"help_text = "Shop: text HELLO to reach us.""#, SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    let mut ev = cart_event("c1", "e1", own.now(), PHONE, "UTC", false);
    ev["customer"]["locale"] = json!("nb");
    own.event(ev).await;
    own.advance_mins(30).await;
    assert_eq!(reply(&own, PHONE, "hjelp", "SM1").await.reply.as_deref(), Some("Shop: text HELLO to reach us."));
    let stop = reply(&own, PHONE, "STOPP", "SM2").await;
    assert_eq!(stop.reply.as_deref(), Some("Shop: du får ingen flere meldinger. Svar START for å melde deg på igjen."));
}

#[tokio::test]
async fn faq_answers_follow_the_shoppers_language_when_translated() {
    let faq = r#"[stores.faq]
shipping_time = "Ships in 24 h, {{ first_name }}: {{ link }}"
[stores.faq_translations.nb]
shipping_time = "Sendes innen 24 t, {{ first_name }}: {{ link }}"
"#;
    let t = start(config(faq, SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    for (id, phone, locale) in [("c1", PHONE, "nb-NO"), ("c2", "+4791234570", "de")] {
        let mut ev = cart_event(id, id, t.now(), phone, "UTC", false);
        ev["customer"]["locale"] = json!(locale);
        t.event(ev).await;
    }
    t.advance_mins(30).await;
    let nb = reply(&t, PHONE, "når kommer pakken?", "SM1").await;
    assert_eq!(nb.action, "answered");
    assert!(nb.reply.as_deref().is_some_and(|r| r.starts_with("Sendes innen 24 t, Kari: http")), "{nb:?}");
    let de = reply(&t, "+4791234570", "how long does delivery take?", "SM2").await;
    assert!(de.reply.as_deref().is_some_and(|r| r.starts_with("Ships in 24 h, Kari: http")), "{de:?}");
}

#[test]
fn a_faq_translation_needs_an_answer_to_translate_and_a_language() {
    for (extra, key) in [
        ("[stores.faq_translations.tr]\ntrust = \"Güvenli ödeme.\"\n", "stores[0].faq_translations.tr.trust"),
        (
            "[stores.faq]\ntrust = \"Safe.\"\n[stores.faq_translations.\"12\"]\ntrust = \"x\"\n",
            "stores[0].faq_translations.12",
        ),
        (
            "[stores.faq]\ntrust = \"Safe.\"\n[stores.faq_translations.tr]\ntrusty = \"x\"\n",
            "stores[0].faq_translations.tr.trusty",
        ),
    ] {
        let text = format!(
            "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"Shop\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"tok\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n{extra}"
        );
        let Err(e) = cartback_core::config::Config::from_toml("c.toml", &text) else { panic!("accepted: {extra}") };
        assert!(e.to_string().contains(key), "{key}: {e}");
    }
}

#[tokio::test]
async fn a_replayed_reply_changes_consent_once_however_many_messages_came_between() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    assert_eq!(reply(&t, PHONE, "START", "SM-start").await.action, "opted_in");
    assert_eq!(reply(&t, PHONE, "STOP", "SM-stop").await.action, "opted_out");
    // Twenty ordinary replies over three weeks push nothing that matters out of memory.
    for i in 0..20 {
        t.advance_hours(24).await;
        reply(&t, PHONE, "where is my order?", &format!("SM-chat-{i}")).await;
    }
    // A captured START, replayed: handled once, so the shopper stays opted out.
    assert_eq!(reply(&t, PHONE, "START", "SM-start").await.action, "duplicate");
    assert_eq!(reply(&t, PHONE, "where is my order?", "SM-chat-3").await.action, "duplicate");
    let key = cartback_core::domain::contact::contact_key("s", PHONE);
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert!(contact.is_opted_out(cartback_core::domain::Channel::Sms));
}

#[test]
fn contacts_written_with_bare_inbound_ids_still_read() {
    let old = serde_json::json!({"store": "s", "key": "k", "version": 1, "phone": null, "email": null,
        "opted_out": [], "recent_sends": [], "latest_cart": null, "last_inbound_at": null,
        "recent_inbound": ["SM1", "SM2"]});
    let c: cartback_core::domain::Contact = serde_json::from_value(old).unwrap();
    assert!(c.seen_inbound("SM2") && !c.seen_inbound("SM3"));
}

/// Found by the chaos run: a STOP whose cart pause failed (a throttled write) was remembered as
/// handled, so Twilio's retry was a duplicate and the sequence went on by e-mail and WhatsApp.
#[tokio::test]
async fn a_stop_whose_pause_failed_is_completed_by_the_retry() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    let stop = cartback_core::conversations::replies::InboundReply {
        channel: cartback_core::domain::Channel::Sms,
        from: PHONE.into(),
        body: "STOP".into(),
        message_id: "SM-stop".into(),
        sent_at: None,
    };
    t.rt.store_faults.throttle_next("put_cart");
    assert!(t.rt.engine.replies.on_reply(&t.store, &stop).await.is_err(), "the throttled pause fails the webhook");
    // Twilio retries the webhook.
    assert_eq!(t.rt.engine.replies.on_reply(&t.store, &stop).await.unwrap().action, "opted_out");
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "messages after STOP");
}

/// Issue #28: a START counts only when the provider dates it after the STOP it would reverse
/// (WhatsApp's webhook carries the shopper's own time): a START captured before the STOP and
/// replayed under a new id changes nothing; a later one re-subscribes.
#[tokio::test]
async fn a_start_the_provider_dates_before_the_stop_is_a_replay() {
    use cartback_core::domain::Channel;
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    let whatsapp = |body: &str, id: &str, at: i64| cartback_core::conversations::replies::InboundReply {
        channel: Channel::Whatsapp,
        from: PHONE.into(),
        body: body.into(),
        message_id: id.into(),
        sent_at: Some(jiff::Timestamp::from_second(at).unwrap()),
    };
    let e = &t.rt.engine;
    assert_eq!(
        e.replies.on_reply(&t.store, &whatsapp("STOP", "wamid.stop", 1_795_000_000)).await.unwrap().action,
        "opted_out"
    );
    let replayed = e.replies.on_reply(&t.store, &whatsapp("START", "wamid.other", 1_794_999_000)).await.unwrap();
    assert_eq!(replayed.action, "stale");
    let key = cartback_core::domain::contact::contact_key("s", PHONE);
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert!(contact.refuses(Channel::Whatsapp) && contact.refuses(Channel::Sms));
    let later = e.replies.on_reply(&t.store, &whatsapp("START", "wamid.start", 1_795_000_100)).await.unwrap();
    assert_eq!(later.action, "opted_in");
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert!(!contact.refuses(Channel::Whatsapp) && !contact.refuses(Channel::Sms));
}

#[tokio::test]
async fn an_opt_out_in_plain_words_is_honoured_at_once_and_recorded() {
    use cartback_core::domain::Channel;
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    // Not an opt-out: a question with a stop word in it.
    assert_ne!(reply(&t, PHONE, "can I stop by the shop tomorrow?", "SM1").await.action, "opted_out");
    let r = reply(&t, PHONE, "please stop texting me", "SM2").await;
    assert_eq!(r.action, "opted_out");
    assert!(r.reply.is_some(), "confirmed once");
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "a message after the opt-out");
    let key = cartback_core::domain::contact::contact_key("s", PHONE);
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert!(contact.is_opted_out(Channel::Sms) && !contact.is_opted_out(Channel::Email));
    assert_eq!(contact.consent_log.last().map(|c| c.source.as_str()), Some("reply_words"));
    // "At all": every channel.
    let r = reply(&t, PHONE, "don't contact me at all", "SM3").await;
    assert_eq!(r.action, "opted_out");
    let contact = t.rt.store.get_contact("s", &key).await.unwrap().unwrap();
    assert!(Channel::ALL.iter().all(|c| contact.is_opted_out(*c)));
}

/// WhatsApp's 24-hour window is opened by the shopper's WhatsApp message only. A US number
/// takes no marketing template, so outside the window its WhatsApp step goes as SMS; a message
/// on SMS leaves it outside, one on WhatsApp puts it inside.
#[tokio::test]
async fn only_a_whatsapp_message_opens_the_whatsapp_window() {
    use cartback_core::domain::Channel;
    const US: &str = "+14155552671";
    let wa_only = r#"
[[stores.steps]]
after = "30m"
channel = "whatsapp"
template = "Hi {{ first_name }}: {{ link }}"
"#;
    for (channel, expected) in [(Channel::Sms, "sms"), (Channel::Whatsapp, "whatsapp")] {
        let t = start(config("", wa_only), "2026-11-23T15:00:00Z");
        t.cart("c1", "e1", US, "UTC").await;
        t.advance_mins(10).await;
        let r = cartback_core::conversations::replies::InboundReply {
            channel,
            from: US.into(),
            body: "is this in stock?".into(),
            message_id: "M1".into(),
            sent_at: None,
        };
        t.rt.engine.replies.on_reply(&t.store, &r).await.unwrap();
        t.advance_mins(25).await;
        assert_eq!(t.channels(), [expected], "after a message on {channel:?}");
    }
}

/// A WhatsApp step that issues a discount code needs a template with a place for it (a body
/// parameter or a copy-code button); otherwise the code would be issued, counted against the
/// budget and never seen. Free shipping issues no code and needs none.
#[test]
fn a_whatsapp_discount_needs_a_place_in_the_template() {
    let base = "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"Shop\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"tok\"\nwhatsapp_access_token = \"t\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n";
    let wa = "[stores.whatsapp]\nprovider = \"meta\"\nphone_number_id = \"1065\"\ntemplate = \"cart\"\n";
    let step = |incentive: &str| {
        format!("[[stores.steps]]\nafter = \"30m\"\nchannel = \"whatsapp\"\nincentive = {incentive}\n")
    };
    let percent = "{ kind = \"percent_off\", percent = 10, expires = \"2h\" }";
    let text = format!("{base}{wa}{}", step(percent));
    let Err(e) = cartback_core::config::Config::from_toml("c.toml", &text) else { panic!("accepted") };
    assert!(e.to_string().contains("stores[0].steps[0].incentive") && e.to_string().contains("copy_code"), "{e}");
    for ok in [
        format!("{base}{wa}body_parameters = [\"first_name\", \"code\"]\n{}", step(percent)),
        format!("{base}{wa}buttons = [\"copy_code\"]\n{}", step(percent)),
        format!("{base}{wa}{}", step("{ kind = \"free_shipping\" }")),
    ] {
        if let Err(e) = cartback_core::config::Config::from_toml("c.toml", &ok) {
            panic!("{ok}: {e}");
        }
    }
}

/// A reply pauses the sequence: the steps still to come are not sent, and that is counted
/// (`steps_skipped.paused`) once, not dropped in silence.
#[tokio::test]
async fn steps_a_reply_paused_are_counted_as_skipped_once() {
    let t = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", PHONE, "UTC").await;
    t.advance_mins(30).await;
    assert_eq!(t.channels(), ["sms"]);
    let out = reply(&t, PHONE, "The delivery takes too long for me", "SM-why").await;
    assert_eq!(out.cart.as_deref(), Some("c1"));
    t.advance_hours(80).await;
    assert_eq!(t.channels(), ["sms"], "a message after the reply paused the sequence");
    let s = t.stats().await;
    assert_eq!(s.steps_skipped.get("paused"), Some(&1), "{:?}", s.steps_skipped);
    assert!(t.rt.store.carts_of("s")[0].timer.is_none(), "the timer is disarmed with the count");
}
