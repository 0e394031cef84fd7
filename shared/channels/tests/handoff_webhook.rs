//! Hand-offs reach the store's `alert_webhook` as Standard Webhooks messages: verified here by
//! the scheme's own reference library (`standardwebhooks`), retried with backoff when the
//! endpoint fails — three quick tries, then on the schedule every delivery follows, with the
//! same message id — and counted either way; the inner record (log or outbox) gets every one.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cartback_channels::event_webhooks::SignedEvents;
use cartback_channels::handoff_webhook::{ATTEMPTS, AlertPorts, WebhookAlerts};
use cartback_channels::outbound_target::Reach;
use cartback_core::config::{AlertWebhook, Config, Secret, demo_config};
use cartback_core::domain::Channel;
use cartback_core::outbound::{DeliveryState, RETRY_AFTER};
use cartback_core::ports::{Alerts, Clock, DeliveryLog, EventsOut, Handoff, StatsStore};
use cartback_core::system::OsRandom;
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::adapters::memory_store::MemoryStore;
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// An endpoint that answers each POST with the next status of `script` (the last one after).
async fn endpoint(script: Vec<u16>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/hooks/cartback",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            let script = script.clone();
            async move {
                let mut g = log.lock().unwrap();
                g.push((headers, body.to_vec()));
                let status = script.get(g.len() - 1).or(script.last()).copied().unwrap();
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hooks/cartback", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[derive(Default)]
struct Recorded(Mutex<Vec<Handoff>>);

#[async_trait]
impl Alerts for Recorded {
    async fn handoff(&self, h: &Handoff) {
        self.0.lock().unwrap().push(h.clone());
    }
}

struct Rig {
    alerts: WebhookAlerts,
    inner: Arc<Recorded>,
    stats: Arc<MemoryStore>,
    /// Where deliveries wait for their retries, and what retries them.
    retries: SignedEvents,
    clock: Arc<VirtualClock>,
}

fn ports(stats: &Arc<MemoryStore>, clock: &Arc<VirtualClock>) -> AlertPorts {
    AlertPorts { stats: stats.clone(), random: Arc::new(OsRandom), log: stats.clone(), clock: clock.clone() }
}

fn rig(url: &str) -> Rig {
    rig_reaching(url, Reach::AlsoLoopback)
}

/// The test endpoints listen on this machine: the rig opts in to loopback, as `cartback serve
/// --allow-loopback-webhooks` does; `InternetOnly` is what a deployment gets.
fn rig_reaching(url: &str, reach: Reach) -> Rig {
    let demo = demo_config();
    let mut store = (**demo.store("demo").unwrap()).clone();
    store.alert_webhook = Some(AlertWebhook { url: url.to_string(), secret: Secret(SECRET.into()) });
    let config = Arc::new(Config::new(demo.public_url.clone(), vec![store]));
    let inner = Arc::new(Recorded::default());
    let stats = Arc::new(MemoryStore::default());
    let clock = Arc::new(VirtualClock::new("2026-11-23T09:00:00Z".parse().unwrap()));
    let alerts = WebhookAlerts::new(config.clone(), inner.clone(), ports(&stats, &clock), reach);
    let retries = SignedEvents::new(config, (stats.clone(), stats.clone()), stats.clone(), clock.clone(), reach);
    Rig { alerts, inner, stats, retries, clock }
}

fn handoff() -> Handoff {
    Handoff {
        store: "demo".into(),
        cart: Some("c_123".into()),
        channel: Channel::Sms,
        from_masked: "+905*******67".into(),
        text: "Is the sweater wool?".into(),
        reason: "product_question".into(),
        at: jiff::Timestamp::now(),
        conversation: None,
        inbox_url: None,
        guess: String::new(),
        rule: String::new(),
    }
}

#[tokio::test]
async fn a_handoff_is_signed_as_the_reference_library_verifies_and_retried_once_on_a_5xx() {
    let (url, seen) = endpoint(vec![503, 200]).await;
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one retry after the 503");
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    for (headers, body) in &seen {
        verifier.verify(body, headers).unwrap();
    }
    assert_eq!(seen[0].0["webhook-id"], seen[1].0["webhook-id"], "a retry is the same message");
    // The reference library refuses a body that was changed on the way.
    let mut forged = seen[1].1.clone();
    forged[10] ^= 1;
    assert!(verifier.verify(&forged, &seen[1].0).is_err());
    let msg: serde_json::Value = serde_json::from_slice(&seen[1].1).unwrap();
    assert_eq!(msg["type"], "conversation.handoff");
    assert_eq!(msg["data"]["cart_id"], "c_123");
    assert_eq!(msg["data"]["reason"], "product_question");
    assert_eq!(r.inner.0.lock().unwrap().len(), 1, "recorded before it was sent");
    assert_eq!(r.stats.get_one("demo", "handoffs.delivered").await.unwrap(), 1);
}

/// Issue #31: an endpoint down for longer than the three quick tries gets the hand-off when it
/// comes back, on the retry schedule, as the same message; one down for the whole schedule
/// leaves a dead letter, counted once.
#[tokio::test]
async fn an_endpoint_that_is_down_for_a_while_gets_the_handoff_when_it_is_back() {
    let (url, seen) = endpoint(vec![503, 503, 503, 503, 503, 503, 200]).await;
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    assert_eq!(seen.lock().unwrap().len(), ATTEMPTS);
    assert_eq!(r.stats.get_one("demo", "handoffs.retrying").await.unwrap(), 1);
    assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 0);
    // Not due before its minute; then the first scheduled retry meets the endpoint still down.
    assert_eq!(r.retries.retry_due("demo", r.clock.now()).await.unwrap(), 0);
    r.clock.advance(jiff::SignedDuration::from_secs(61));
    assert_eq!(r.retries.retry_due("demo", r.clock.now()).await.unwrap(), 1);
    assert_eq!(seen.lock().unwrap().len(), 2 * ATTEMPTS);
    // Five minutes later it is back.
    r.clock.advance(jiff::SignedDuration::from_mins(5));
    assert_eq!(r.retries.retry_due("demo", r.clock.now()).await.unwrap(), 1);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2 * ATTEMPTS + 1);
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    verifier.verify(&seen[6].1, &seen[6].0).unwrap();
    assert!(seen.iter().all(|(h, _)| h["webhook-id"] == seen[0].0["webhook-id"]), "every try is the same message");
    assert_eq!(r.stats.get_one("demo", "handoffs.delivered").await.unwrap(), 1);
    let listed = r.stats.list_deliveries("demo").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, DeliveryState::Delivered);
    assert_eq!(listed[0].kind, cartback_core::outbound::EventType::ConversationHandoff);
    assert!(r.stats.retrying_deliveries("demo").await.unwrap().is_empty());
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_retried_on_its_schedule_then_a_dead_letter() {
    let (url, seen) = endpoint(vec![500]).await;
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    assert_eq!(seen.lock().unwrap().len(), ATTEMPTS);
    assert_eq!(r.inner.0.lock().unwrap().len(), 1, "the record keeps it for a person anyway");
    // Every retry of the schedule, each when it is due.
    let mut waited = jiff::SignedDuration::ZERO;
    for wait in RETRY_AFTER {
        r.clock.advance(wait);
        waited += wait;
        assert_eq!(r.retries.retry_due("demo", r.clock.now()).await.unwrap(), 1, "after {waited:?}");
    }
    assert!(waited >= jiff::SignedDuration::from_hours(24), "the schedule covers a day: {waited:?}");
    assert_eq!(seen.lock().unwrap().len(), ATTEMPTS * (1 + RETRY_AFTER.len()));
    assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 1);
    let listed = r.stats.list_deliveries("demo").await.unwrap();
    assert_eq!(listed[0].state, DeliveryState::Failed);
    r.clock.advance(jiff::SignedDuration::from_hours(48));
    assert_eq!(r.retries.retry_due("demo", r.clock.now()).await.unwrap(), 0, "a dead letter waits for a replay");

    // A refusal (4xx) is not retried.
    let (url, seen) = endpoint(vec![401]).await;
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 1);
}

#[tokio::test]
async fn a_store_without_an_alert_webhook_only_records() {
    let inner = Arc::new(Recorded::default());
    let stats = Arc::new(MemoryStore::default());
    let clock = Arc::new(VirtualClock::new("2026-11-23T09:00:00Z".parse().unwrap()));
    let alerts = WebhookAlerts::new(Arc::new(demo_config()), inner.clone(), ports(&stats, &clock), Reach::default());
    alerts.handoff(&handoff()).await;
    assert_eq!(inner.0.lock().unwrap().len(), 1);
    assert!(stats.get("demo").await.unwrap().is_empty());
}

/// Issue #28: an endpoint inside the network is never reached, whatever form its address
/// takes — written as an address (checked before any try), or a name that resolves to this
/// machine (checked as it resolves, so a re-pointed name is caught too) — and a redirect to one
/// is not followed. Each is counted as a failed hand-off, and the record keeps it.
#[tokio::test]
async fn endpoints_inside_the_network_are_never_reached_and_redirects_not_followed() {
    let (url, seen) = endpoint(vec![200]).await;
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap().to_string();
    for inside in [
        url.clone(),                                                // this machine, not opted in
        format!("http://localhost:{port}/hooks/cartback"),          // a name for it
        format!("http://[::ffff:127.0.0.1]:{port}/hooks/cartback"), // IPv4 inside IPv6
        "https://169.254.169.254/latest/meta-data/".to_string(),    // the metadata service
        "https://2852039166/latest/meta-data/".to_string(),         // the same, in decimal
        "https://10.0.0.1/hooks".to_string(),
    ] {
        let r = rig_reaching(&inside, Reach::InternetOnly);
        r.alerts.handoff(&handoff()).await;
        assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 1, "{inside}");
        assert_eq!(r.inner.0.lock().unwrap().len(), 1);
    }
    assert!(seen.lock().unwrap().is_empty(), "an endpoint on this machine was reached");

    // A public-looking endpoint that answers with a redirect to the metadata service: one
    // request, no second one anywhere.
    let app = Router::new().route(
        "/hooks/cartback",
        post(|| async { (StatusCode::FOUND, [("location", "http://169.254.169.254/latest/meta-data/")]) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hooks/cartback", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 1, "a redirect is a failure");
}
