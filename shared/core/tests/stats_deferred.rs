//! Statistics off the hot path (engine/stats_buffer.rs) change when counters are written, never
//! what they say: the same shoppers, played through the engine once with every change written at
//! once (local mode) and once as the Lambda functions write them (gathered per invocation,
//! carried in cart records), end with the same statistics — and ingesting a new cart's event
//! writes none.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cartback_local::adapters::counting::Op;
use common::{SMS_EMAIL_WA, T, cart_event, config, start, start_deferred};

/// A small deterministic generator (the scenario must be the same in both runs).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

async fn reply(t: &T, from: &str, body: &str, id: &str) {
    let r = cartback_core::conversations::replies::InboundReply {
        channel: cartback_core::domain::Channel::Sms,
        from: from.into(),
        body: body.into(),
        message_id: id.into(),
        sent_at: None,
    };
    t.rt.engine.replies.on_reply(&t.store, &r).await.expect("reply");
    t.rt.engine.flush_stats().await;
}

/// 30 shoppers: some order before abandonment, some after a message, some say STOP or give a
/// reason, some come back to the cart; a coupon on the first step (its daily count is read back).
async fn play(t: &T, seed: u64) -> serde_json::Value {
    let mut rng = Lcg(seed);
    let carts = 30;
    for i in 0..carts {
        let phone = format!("+47912{i:05}");
        t.event(cart_event(&format!("c{i}"), &format!("e{i}"), t.now(), &phone, "UTC", true)).await;
        t.rt.engine.flush_stats().await;
    }
    for round in 0..12 {
        t.advance_mins(20 + (rng.next() % 400) as i64).await;
        for _ in 0..4 {
            let i = rng.next() % carts;
            let phone = format!("+47912{i:05}");
            match rng.next() % 5 {
                0 => {
                    t.order(&format!("c{i}"), &format!("o{i}-{round}")).await;
                    t.rt.engine.flush_stats().await;
                }
                1 => reply(t, &phone, "STOP", &format!("SM{i}-{round}")).await,
                2 => reply(t, &phone, "shipping is too expensive", &format!("SR{i}-{round}")).await,
                _ => {
                    t.event(cart_event(&format!("c{i}"), &format!("e{i}-{round}"), t.now(), &phone, "UTC", true)).await;
                    t.rt.engine.flush_stats().await;
                }
            }
        }
    }
    t.advance_hours(100).await;
    t.rt.engine.flush_stats().await;
    serde_json::to_value(t.stats().await).unwrap()
}

#[tokio::test]
async fn deferred_statistics_end_equal_to_immediate_ones() {
    for seed in [1, 2, 3] {
        let now = start(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
        let later = start_deferred(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
        let (a, b) = (play(&now, seed).await, play(&later, seed).await);
        assert_eq!(a, b, "seed {seed}");
        assert!(a["messages_by_channel"].as_object().is_some_and(|m| !m.is_empty()), "{a}");
        assert!(
            later.rt.counter.get(Op::StatsAdd) < now.rt.counter.get(Op::StatsAdd),
            "deferred {} writes, immediate {}",
            later.rt.counter.get(Op::StatsAdd),
            now.rt.counter.get(Op::StatsAdd)
        );
    }
}

#[tokio::test]
async fn a_new_carts_event_writes_no_statistics_and_they_arrive_with_its_timer() {
    let t = start_deferred(config("", SMS_EMAIL_WA), "2026-11-23T09:00:00Z");
    t.cart("c1", "e1", "+4791234567", "UTC").await;
    t.rt.engine.flush_stats().await;
    assert_eq!(t.rt.counter.get(Op::StatsAdd), 0);
    assert_eq!(t.stats().await.carts_tracked, 0, "carried in the cart until its timer is handled");
    t.advance_mins(31).await;
    let s = t.stats().await;
    assert_eq!((s.carts_tracked, s.carts_abandoned), (1, 1));
    assert_eq!(s.messages_by_channel.get("sms"), Some(&1));
}
