//! Property tests: whatever events, replies and clock moves arrive — duplicated, out of order —
//! nobody gets a message after their order or after STOP, no step twice, none in quiet hours.

mod common;

use cartback_core::conversations::replies::InboundReply;
use cartback_core::domain::Channel;
use common::*;
use jiff::SignedDuration;
use proptest::prelude::*;
use serde_json::json;

const PHONES: [&str; 2] = ["+4791234567", "+905321234567"];
const ZONES: [&str; 3] = ["UTC", "America/New_York", "Asia/Tehran"];

#[derive(Debug, Clone)]
enum Op {
    /// cart index, kind, how many seconds before "now" it happened (out-of-order delivery)
    Event(usize, u8, i64),
    Advance(i64),
    Reply(usize, &'static str),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..5u8, 0..3600i64).prop_map(|(c, k, b)| Op::Event(c, k, b)),
        4 => (0..(3 * 86_400i64)).prop_map(Op::Advance),
        2 => (0..3usize, prop::sample::select(vec!["STOP", "START", "HELP", "shipping is too expensive", "stop"])).prop_map(|(c, t)| Op::Reply(c, t)),
    ]
}

async fn run(ops: Vec<Op>, zone: &str) -> Result<(), TestCaseError> {
    let t = start_with(config("", SMS_EMAIL_WA), "2026-03-07T12:00:00Z", true);
    let phone_of = |c: usize| PHONES[c % 2];
    let mut order_marks: Vec<(String, usize)> = Vec::new(); // (cart, outbox length when ordered)
    let mut stop_marks: Vec<(String, usize, bool)> = Vec::new(); // (phone, outbox length, stopped?)
    let mut n = 0;
    for op in ops {
        n += 1;
        match op {
            Op::Event(c, kind, back) => {
                let at = t.now() - SignedDuration::from_secs(back);
                let id = format!("c{c}");
                let eid = format!("e{n}");
                let v = match kind {
                    0 | 1 => {
                        let mut v = cart_event(&id, &eid, at, phone_of(c), zone, true);
                        if kind == 1 {
                            v["type"] = json!("checkout.started");
                        }
                        v
                    }
                    2 => {
                        json!({"event_id": eid, "type": "contact.captured", "occurred_at": at.to_string(), "cart_id": id,
                                "customer": {"phone": phone_of(c), "consent": {"sms": true}}})
                    }
                    3 => {
                        json!({"event_id": eid, "type": "order.completed", "occurred_at": at.to_string(), "cart_id": id,
                                "order": {"order_id": "o", "total": "1.00", "currency": "EUR"}})
                    }
                    _ => {
                        json!({"event_id": eid, "type": "cart.cleared", "occurred_at": at.to_string(), "cart_id": id})
                    }
                };
                let r = t.event(v).await;
                if r.state.is_ordered() {
                    order_marks.push((id, t.sent().len()));
                }
            }
            Op::Advance(s) => {
                t.rt.advance(SignedDuration::from_secs(s)).await;
            }
            Op::Reply(c, text) => {
                let r = InboundReply {
                    channel: Channel::Sms,
                    from: phone_of(c).into(),
                    body: text.into(),
                    message_id: format!("SM{n}"),
                    sent_at: None,
                };
                let out = t.rt.engine.replies.on_reply(&t.store, &r).await.expect("reply");
                match out.action {
                    "opted_out" => stop_marks.push((phone_of(c).into(), t.sent().len(), true)),
                    "opted_in" => stop_marks.push((phone_of(c).into(), t.sent().len(), false)),
                    _ => {}
                }
            }
        }
    }
    t.rt.advance(SignedDuration::from_hours(100)).await;
    let sent = t.sent();

    for (cart, mark) in &order_marks {
        let after: Vec<_> = sent[*mark..].iter().filter(|m| &m.cart_id == cart).collect();
        prop_assert!(after.is_empty(), "message after the order of {cart}: {after:?}");
    }
    for (i, m) in sent.iter().enumerate() {
        if m.channel != "sms" {
            continue;
        }
        let stopped = stop_marks.iter().rfind(|(p, at, _)| *p == m.recipient && *at <= i).is_some_and(|(_, _, s)| *s);
        prop_assert!(!stopped, "SMS to {} after STOP: {m:?}", m.recipient);
    }
    let mut keys: Vec<(String, u32)> = sent.iter().map(|m| (m.cart_id.clone(), m.step)).collect();
    keys.sort();
    let before = keys.len();
    keys.dedup();
    prop_assert_eq!(before, keys.len(), "a step was sent twice");
    let tz = jiff::tz::TimeZone::get(zone).expect("zone");
    for m in &sent {
        let local = m.sent_at.to_zoned_datetime(tz.clone()).time();
        prop_assert!(
            local >= jiff::civil::time(8, 0, 0, 0) && local < jiff::civil::time(21, 0, 0, 0),
            "sent in quiet hours: {m:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn never_after_order_or_stop_never_twice_never_at_night(ops in prop::collection::vec(op(), 1..40), zone in prop::sample::select(ZONES.to_vec())) {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(run(ops, zone))?;
    }
}
