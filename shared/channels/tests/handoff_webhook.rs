//! Hand-offs reach the store's `alert_webhook` as Standard Webhooks messages: verified here by
//! the scheme's own reference library (`standardwebhooks`), retried with backoff when the
//! endpoint fails, and counted either way; the inner record (log or outbox) gets every one.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cartback_channels::handoff_webhook::{ATTEMPTS, WebhookAlerts};
use cartback_channels::outbound_target::Reach;
use cartback_core::config::{AlertWebhook, Config, Secret, demo_config};
use cartback_core::domain::Channel;
use cartback_core::ports::{Alerts, Handoff, StatsStore};
use cartback_core::system::OsRandom;
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
    let alerts = WebhookAlerts::new(config, inner.clone(), stats.clone(), Arc::new(OsRandom), reach);
    Rig { alerts, inner, stats }
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

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_tried_three_times_then_counted() {
    let (url, seen) = endpoint(vec![500]).await;
    let r = rig(&url);
    r.alerts.handoff(&handoff()).await;
    assert_eq!(seen.lock().unwrap().len(), ATTEMPTS);
    assert_eq!(r.stats.get_one("demo", "handoffs.failed").await.unwrap(), 1);
    assert_eq!(r.inner.0.lock().unwrap().len(), 1, "the record keeps it for a person anyway");

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
    let alerts =
        WebhookAlerts::new(Arc::new(demo_config()), inner.clone(), stats.clone(), Arc::new(OsRandom), Reach::default());
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
