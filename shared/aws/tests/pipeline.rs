//! The engine on the real AWS adapters, over the wire against moto: events in, timers carried by
//! the cart, the sweep moving them into SQS, the dispatcher consuming SQS — with exact request
//! counts for the budget, statistics and the event source mapping included (≤ 10 per abandoned
//! cart, ≤ 5 per converted cart), and SQS
//! redelivery and duplicates producing no second message.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod moto;
mod rig;

use rig::{Rig, ts};

use cartback_core::abandonment::due::DueOutcome;
use cartback_core::domain::Channel;
use cartback_core::ports::TimerMsg;
use cartback_local::adapters::counting::Op;

fn cart_event(i: usize, at: &str) -> String {
    format!(
        r#"{{"event_id":"e{i}","type":"cart.updated","occurred_at":"{at}","cart_id":"c{i}",
        "customer":{{"first_name":"Kari","phone":"+47912345{i:02}","email":"k{i}@example.com","timezone":"UTC",
        "consent":{{"sms":true,"email":true,"whatsapp":true}}}},
        "cart":{{"currency":"EUR","checkout_url":"https://shop.example/c","items":[{{"sku":"A","name":"A","quantity":1,"unit_price":"10.00"}}]}}}}"#
    )
}

/// Every billable DynamoDB and SQS request of an abandoned cart through the 3-step sequence,
/// statistics included: the event's read and write (its statistics ride in the cart write),
/// per step one read and one claim, and per 10 carts the sweep's SendMessageBatch, the event
/// source mapping's ReceiveMessage and DeleteMessageBatch, and one statistics write; plus the
/// requests made whatever the traffic — the sweep's queries and checkpoint every minute (as the
/// sweep reports them, measured here on an idle minute) and the event source's idle long polls —
/// shared over the reference volume of a million carts a day.
#[tokio::test]
async fn abandoned_carts_cost_at_most_10_requests_each_everything_counted_over_the_wire() {
    let Some(mut rig) = Rig::new("budget").await else { return };
    let carts = 10;
    for i in 0..carts {
        rig.event(cart_event(i, "2026-11-23T09:00:00Z")).await;
    }
    assert_eq!(rig.counter.get(Op::StatsAdd), 0, "ingesting an event writes no statistics");
    // The first sweep starts the checkpoint; each later one catches up to 14 minutes ahead,
    // so the due timers go out with no delay (moto's delays are real seconds).
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    let steps =
        [("2026-11-23T09:30:00Z", "sms"), ("2026-11-24T09:00:00Z", "email"), ("2026-11-26T09:00:00Z", "whatsapp")];
    for (at, channel) in steps {
        rig.sweep_at(ts(at)).await;
        assert_eq!(rig.dispatch_all().await, carts, "timers due at {at}");
        let sent = rig.outbox.outbox();
        assert_eq!(sent.iter().filter(|m| m.channel == channel).count(), carts, "{channel} at {at}");
    }
    rig.sweep_at(ts("2026-11-27T09:00:00Z")).await;
    assert_eq!(rig.dispatch_all().await, 0, "work after the last step");
    assert_eq!(rig.outbox.count(), 3 * carts);

    let c = &rig.counter;
    let per = |op| c.get(op) as f64 / carts as f64;
    assert_eq!((per(Op::CartGet), per(Op::CartPut)), (1.0, 1.0), "event: one read, one conditional write");
    assert_eq!((per(Op::LoadForSend), per(Op::ClaimSend)), (3.0, 3.0), "per step: one read, one claim");
    assert_eq!(c.get(Op::TimerSqs), 0, "every timer here is beyond 900 s and swept");
    assert_eq!(rig.batches, 3, "one SendMessageBatch of 10 per step");
    assert_eq!((rig.receives, rig.deletes), (3, 3), "one ReceiveMessage and one DeleteMessageBatch per batch");
    assert_eq!(c.get(Op::StatsAdd), 3, "one statistics write per dispatcher batch");
    let marginal = (c.total() as f64 + (rig.batches + rig.receives + rig.deletes) as f64) / carts as f64;
    // 9.2 before the e-mail pause; the dispatcher reads the store's pause state (one request)
    // before the batch's first e-mail step, then keeps it for a minute.
    assert!((marginal - 9.3).abs() < 1e-9, "requests per abandoned cart: {marginal}");
    // An idle minute's sweep: one query per shard, the checkpoint read and write.
    let idle = rig.sweep_at(ts("2026-11-27T09:01:00Z")).await;
    assert_eq!((idle.buckets, idle.timers), (1, 0));
    assert_eq!(idle.queries as u64, cartback_aws::table::timer_shards() + 2);
    use cartback_aws::fixed_requests::{IDLE_RECEIVES_PER_DAY, SWEEPS_PER_DAY, per_cart};
    let fixed = per_cart(idle.queries as f64 * SWEEPS_PER_DAY + IDLE_RECEIVES_PER_DAY);
    let total = marginal + fixed;
    println!("requests per abandoned cart: {marginal:.1} + fixed {fixed:.4} = {total:.4}");
    assert!(total <= 10.0, "requests per abandoned cart: {total}");
    // The statistics are all there once the work is done: the carried changes included.
    let stats = rig.engine.stats_report("s").await.unwrap();
    assert_eq!(stats.carts_tracked, carts as i64);
    assert_eq!(stats.carts_abandoned, carts as i64);
    assert_eq!(stats.messages_by_channel.values().sum::<i64>(), 3 * carts as i64);
}

#[tokio::test]
async fn converted_carts_cost_5_requests_with_statistics_and_are_never_swept() {
    let Some(mut rig) = Rig::new("converted").await else { return };
    for i in 0..10 {
        rig.event(cart_event(i, "2026-11-23T09:00:00Z")).await;
    }
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.clock.set(ts("2026-11-23T09:10:00Z"));
    for i in 0..10 {
        rig.event(format!(
            r#"{{"event_id":"o{i}","type":"order.completed","occurred_at":"2026-11-23T09:10:00Z","cart_id":"c{i}",
            "order":{{"order_id":"{i}","total":"10.00","currency":"EUR"}}}}"#
        ))
        .await;
    }
    rig.sweep_at(ts("2026-11-26T10:00:00Z")).await;
    assert_eq!(rig.dispatch_all().await, 0);
    assert_eq!(rig.batches, 0);
    assert_eq!(rig.counter.total_without_stats(), 40, "4 requests per converted cart");
    // The order ends the sequence: the changes its cart carried are written with the order's.
    assert_eq!(rig.counter.get(Op::StatsAdd), 10, "one statistics write per order, none per first event");
    let stats = rig.engine.stats_report("s").await.unwrap();
    assert_eq!((stats.carts_tracked, stats.orders_converted), (10, 10));
}

#[tokio::test]
async fn redelivery_and_duplicates_never_send_twice() {
    let Some(mut rig) = Rig::new("redeliver").await else { return };
    rig.event(cart_event(1, "2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:30:00Z")).await;
    let got = rig.receive().await;
    assert_eq!(got.len(), 1);
    let (msg, count, receipt) = got[0].clone();
    assert_eq!(count, 1);
    assert!(matches!(rig.engine.dispatch.on_due(&msg, false).await.unwrap(), DueOutcome::Sent { .. }));
    // The invocation "crashes" before the poller deletes the message: SQS makes it visible again.
    rig.env
        .sqs
        .change_message_visibility()
        .queue_url(&rig.env.queue_url)
        .receipt_handle(&receipt)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let again = rig.receive().await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, 2, "ApproximateReceiveCount of a redelivery");
    assert_eq!(rig.engine.dispatch.on_due(&again[0].0, true).await.unwrap(), DueOutcome::MarkedUnknown);
    rig.env.sqs.delete_message().queue_url(&rig.env.queue_url).receipt_handle(&again[0].2).send().await.unwrap();
    // A duplicate copy of the same work (SQS's at-least-once): nothing either.
    rig.env
        .sqs
        .send_message()
        .queue_url(&rig.env.queue_url)
        .message_body(serde_json::to_string(&msg).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rig.dispatch_all().await, 1);
    assert_eq!(rig.outbox.count(), 1, "a message went out twice");
    let stats = rig.engine.stats_report("s").await.unwrap();
    assert_eq!(stats.sends_unknown, 1);
}

/// The SQS event Lambda would hand the dispatcher for these received messages.
fn sqs_event(got: &[(TimerMsg, u32, String)]) -> aws_lambda_events::sqs::SqsEvent {
    let records: Vec<serde_json::Value> = got
        .iter()
        .enumerate()
        .map(|(i, (msg, count, _))| {
            serde_json::json!({
                "messageId": format!("m{i}"), "receiptHandle": "r", "body": serde_json::to_string(msg).unwrap(),
                "attributes": {"ApproximateReceiveCount": count.to_string()}, "messageAttributes": {},
                "eventSource": "aws:sqs", "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({"Records": records})).unwrap()
}

#[tokio::test]
async fn http_event_to_sms_once_through_dynamodb_and_sqs() {
    use tower::ServiceExt;
    let Some(mut rig) = Rig::new("e2e").await else { return };
    let app = cartback_http::api_router(rig.engine.clone());
    let body = cart_event(7, "2026-11-23T09:00:00Z");
    let req = axum::http::Request::post("/v1/events")
        .header("authorization", "Bearer cbk_test_0123456789abcdef")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 202);
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:30:00Z")).await;
    let engine = rig.engine.clone();
    let got = rig.receive().await;
    assert_eq!(got.len(), 1);
    let resp = cartback_aws::dispatch_batch::handle(engine.clone(), sqs_event(&got)).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(rig.outbox.count(), 1);
    assert_eq!(rig.outbox.outbox()[0].recipient, "+4791234507");
    // SQS redelivers it (the poller never deleted it): the dispatcher sends nothing more.
    let (_, _, receipt) = &got[0];
    rig.env
        .sqs
        .change_message_visibility()
        .queue_url(&rig.env.queue_url)
        .receipt_handle(receipt)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let again = rig.receive().await;
    assert_eq!(again[0].1, 2);
    let resp = cartback_aws::dispatch_batch::handle(engine, sqs_event(&again)).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(rig.outbox.count(), 1, "a redelivery sent a second message");
}

#[tokio::test]
/// The sweep moves a bucket into the queue ahead of its time, once. (That the schedule's event
/// reaches the sweep is the scheduler handler's test, `the_schedule_sweeps`, from the fixture.)
async fn the_sweep_moves_a_bucket_ahead_of_its_time_once() {
    let Some(mut rig) = Rig::new("schedule").await else { return };
    rig.event(cart_event(3, "2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:16:00Z")).await; // bucket 09:30 is swept 14 minutes ahead
    assert_eq!(rig.batches, 1);
    rig.sweep_at(ts("2026-11-23T09:17:00Z")).await;
    assert_eq!(rig.batches, 1, "a swept bucket moved again");
}

/// Issue #28 on DynamoDB: an e-mail address that unsubscribed (its own contact, as an e-mail-only
/// cart's link names it) gets no e-mail from a later cart that has a phone too — a cart filed
/// under the phone's contact. The address's record is read in the step's one BatchGetItem: no
/// request more.
#[tokio::test]
async fn an_unsubscribed_address_gets_no_email_from_a_cart_filed_under_a_phone() {
    let Some(mut rig) = Rig::new("address").await else { return };
    let store = rig.engine.config().store("s").unwrap().clone();
    let email_key = cartback_core::domain::contact_key("s", "k1@example.com");
    assert!(rig.engine.feedback.unsubscribe(&store, &email_key, Channel::Email).await.unwrap());
    let reads = rig.counter.get(Op::ContactGet); // the unsubscribe's own
    rig.event(cart_event(1, "2026-11-23T09:00:00Z")).await;
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    for at in ["2026-11-23T09:30:00Z", "2026-11-24T09:00:00Z", "2026-11-26T09:00:00Z"] {
        rig.sweep_at(ts(at)).await;
        assert_eq!(rig.dispatch_all().await, 1, "the timer due at {at}");
    }
    let sent = rig.outbox.outbox();
    assert_eq!(sent.iter().map(|m| m.channel.as_str()).collect::<Vec<_>>(), ["sms", "whatsapp"], "{sent:?}");
    assert_eq!(rig.counter.get(Op::ContactGet), reads, "the address's record came with the cart");
    assert_eq!(rig.counter.get(Op::LoadForSend), 3);
}

/// docs/scale.md's measurements (run by hand: `cargo test -p cartback-aws --test pipeline --
/// --ignored --nocapture`, against moto): how fast the sweep moves timers of one minute into
/// the queue, and how fast the dispatcher's batch path handles them, at the rate this machine
/// and moto allow.
#[tokio::test]
#[ignore]
async fn scale_sweep_and_dispatch_rates() {
    let Some(mut rig) = Rig::new("scale").await else { return };
    let carts: usize = std::env::var("CARTBACK_SCALE_CARTS").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let began = std::time::Instant::now();
    for i in 0..carts {
        rig.event(cart_event(i, "2026-11-23T09:00:00Z").replace(&format!("+47912345{i:02}"), &format!("+4791{i:06}")))
            .await;
    }
    let ingest = began.elapsed().as_secs_f64();
    rig.sweep_at(ts("2026-11-23T09:00:00Z")).await;
    rig.batches = 0;
    let began = std::time::Instant::now();
    rig.sweep_at(ts("2026-11-23T09:30:00Z")).await;
    let sweep = began.elapsed().as_secs_f64();
    assert_eq!(rig.batches, carts.div_ceil(10), "every timer moved");
    rig.clock.set(ts("2026-11-23T09:30:30Z"));
    let requests_before = rig.counter.total();
    let began = std::time::Instant::now();
    let mut handled = 0;
    while handled < carts {
        let got = rig.receive().await;
        for chunk in got.chunks(10) {
            let event = sqs_event(chunk);
            let resp = cartback_aws::dispatch_batch::handle(rig.engine.clone(), event).await;
            assert!(resp.batch_item_failures.is_empty());
            handled += chunk.len();
        }
        if got.is_empty() {
            break;
        }
    }
    let dispatch = began.elapsed().as_secs_f64();
    let requests = rig.counter.total() - requests_before;
    println!(
        "scale on moto: {carts} carts ingested in {ingest:.1} s ({:.0}/s); sweep moved {carts} timers in {sweep:.2} s ({:.0} timers/s, {} SendMessageBatch); dispatcher handled {handled} in {dispatch:.1} s ({:.1} records/s, batches of 10, SMS through the console; {requests} DynamoDB requests, {:.1} a second: moto's pace)",
        carts as f64 / ingest,
        carts as f64 / sweep,
        rig.batches,
        handled as f64 / dispatch,
        requests as f64 / dispatch
    );
}
