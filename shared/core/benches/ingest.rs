//! Core CPU per ingested event: parse + validate + decide (design budget ≤ 20 µs median).
//!
//! `parse_validate_decide/*` is the pure path a Lambda spends CPU on per event, without I/O;
//! `engine_ingest` adds the in-memory store and timer queue (the local mode's full path).

use cartback_core::abandonment::lifecycle::apply_event;
use cartback_core::config::demo_config;
use cartback_core::intake::contract::parse_event;
use cartback_local::{LocalOptions, LocalRuntime};
use criterion::{BatchSize, Criterion, black_box, criterion_group, criterion_main};
use std::sync::atomic::{AtomicU64, Ordering};

fn event(cart: &str, event_id: &str, phone: &str) -> String {
    format!(
        r#"{{"event_id":"{event_id}","type":"cart.updated","occurred_at":"2026-11-23T10:00:00Z","cart_id":"{cart}",
        "customer":{{"id":"cust_9","first_name":"Ayşe","email":"a@example.com","phone":"{phone}","locale":"tr-TR",
        "timezone":"Europe/Istanbul","consent":{{"sms":true,"email":true,"whatsapp":false}}}},
        "cart":{{"currency":"TRY","checkout_url":"https://shop.example/checkouts/abc",
        "items":[{{"sku":"A1","name":"Kazak","quantity":2,"unit_price":"349.90","url":"https://shop.example/p/a1"}},
                 {{"sku":"B2","name":"Atkı","quantity":1,"unit_price":"129.00"}}]}}}}"#
    )
}

fn bench(c: &mut Criterion) {
    let config = demo_config();
    let store = config.store("demo").expect("demo").clone();
    let now: jiff::Timestamp = "2026-11-23T10:05:00Z".parse().expect("ts");
    let body = event("c_123", "evt_01", "+905321234567");

    let mut g = c.benchmark_group("parse_validate_decide");
    g.bench_function("new_cart", |b| {
        b.iter(|| {
            let ev = parse_event(black_box(body.as_bytes()), &store).expect("valid");
            black_box(apply_event(None, &ev, &store, now))
        })
    });
    let first = parse_event(body.as_bytes(), &store).expect("valid");
    let existing = apply_event(None, &first, &store, now).cart;
    let update = event("c_123", "evt_02", "+905321234567");
    g.bench_function("existing_cart", |b| {
        b.iter_batched(
            || existing.clone(),
            |cart| {
                let ev = parse_event(black_box(update.as_bytes()), &store).expect("valid");
                black_box(apply_event(Some(cart), &ev, &store, now))
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("parse_only", |b| b.iter(|| parse_event(black_box(body.as_bytes()), &store).expect("valid")));
    g.bench_function("phone_validation_only", |b| {
        b.iter(|| cartback_core::intake::contract::normalize_phone(black_box("+905321234567")))
    });
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let local = LocalRuntime::new(
        demo_config(),
        LocalOptions { virtual_start: Some(now), print: false, ..LocalOptions::default() },
    );
    let n = AtomicU64::new(0);
    c.bench_function("engine_ingest/new_cart_in_memory", |b| {
        b.iter(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let body = event(&format!("c{i}"), "e", "+905321234567");
            let ev = parse_event(body.as_bytes(), &store).expect("valid");
            rt.block_on(local.engine.intake.ingest(&store, &ev)).expect("ingest")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
