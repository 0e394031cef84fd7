//! Web push against a push-service fake that checks every request as push services do (RFC
//! 8030, RFC 8292): the VAPID JWT verified with `ring` directly (not Cartback's helper) against
//! the key in `k=`, its claims (`aud` this service's origin, `exp` within 24 hours, `sub`), the
//! `TTL`, `Urgency`, `Topic` and `Content-Encoding` headers and the `aes128gcm` header of the
//! body; then each documented answer sorted as the dispatcher needs it. (That the body decrypts
//! is checked against Mozilla's `http_ece` in tests/references/web_push.py.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use cartback_channels::web_push::WebPushError;
use cartback_channels::web_push::send::{PushFailure, PushMessage, Subscription, Urgency, send};
use cartback_channels::web_push::vapid::VapidKey;
use cartback_core::ports::ChannelError;
use std::sync::{Arc, Mutex};

const NOW: i64 = 1_796_000_000;
const SUBJECT: &str = "mailto:shop@example.com";

/// A request's path and headers, and what the service found wrong with it (empty: nothing).
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

#[derive(Clone)]
struct Service {
    origin: Arc<Mutex<String>>,
    store_key: String,
    seen: Seen,
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).unwrap_or_default()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// What a push service checks before it takes a message.
fn problems(svc: &Service, h: &HeaderMap, body: &[u8]) -> Vec<String> {
    let mut p = Vec::new();
    let auth = header(h, "authorization");
    let Some((jwt, k)) = auth.strip_prefix("vapid t=").and_then(|r| r.split_once(", k=")) else {
        return vec![format!("authorization {auth:?}")];
    };
    if k != svc.store_key {
        p.push("k= is not the store's key".into());
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return vec!["a JWT has three parts".into()];
    }
    let input = format!("{}.{}", parts[0], parts[1]);
    let verified = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, unb64(k))
        .verify(input.as_bytes(), &unb64(parts[2]));
    if verified.is_err() {
        p.push("the ES256 signature does not verify".into());
    }
    let head: serde_json::Value = serde_json::from_slice(&unb64(parts[0])).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&unb64(parts[1])).unwrap_or_default();
    if head["alg"] != "ES256" {
        p.push(format!("alg {}", head["alg"]));
    }
    if claims["aud"].as_str() != Some(svc.origin.lock().unwrap().as_str()) {
        p.push(format!("aud {}", claims["aud"]));
    }
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if !(NOW < exp && exp <= NOW + 24 * 3600) {
        p.push(format!("exp {exp}"));
    }
    if claims["sub"] != SUBJECT {
        p.push(format!("sub {}", claims["sub"]));
    }
    if header(h, "ttl").parse::<u32>().is_err() {
        p.push("TTL".into());
    }
    if !["very-low", "low", "normal", "high"].contains(&header(h, "urgency")) {
        p.push("Urgency".into());
    }
    if header(h, "content-encoding") != "aes128gcm" {
        p.push("Content-Encoding".into());
    }
    if body.len() > 4096 || body.len() < 86 + 17 || body[16..20] != 4096u32.to_be_bytes() || body[20] != 65 {
        p.push(format!("aes128gcm header or size ({} bytes)", body.len()));
    }
    p
}

async fn push(
    State(svc): State<Service>,
    Path(id): Path<String>,
    h: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, String) {
    let found = problems(&svc, &h, &body);
    let mut topic = header(&h, "topic").to_string();
    if !topic.is_empty() {
        topic = format!(" topic={topic}");
    }
    svc.seen
        .lock()
        .unwrap()
        .push((format!("{id}{topic} ttl={} urgency={}", header(&h, "ttl"), header(&h, "urgency")), found.clone()));
    let mut out = HeaderMap::new();
    if !found.is_empty() {
        return (StatusCode::FORBIDDEN, out, found.join("; "));
    }
    let status = match id.as_str() {
        "gone" => StatusCode::GONE,
        "missing" => StatusCode::NOT_FOUND,
        "busy" => StatusCode::TOO_MANY_REQUESTS,
        "big" => StatusCode::PAYLOAD_TOO_LARGE,
        "boom" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => {
            out.insert("location", format!("https://push.example/m/{id}-1").parse().unwrap());
            StatusCode::CREATED
        }
    };
    (status, out, String::new())
}

fn browser(endpoint: String) -> Subscription {
    let rng = ring::rand::SystemRandom::new();
    let k = ring::agreement::EphemeralPrivateKey::generate(&ring::agreement::ECDH_P256, &rng).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    Subscription { endpoint, p256dh: b64.encode(k.compute_public_key().unwrap().as_ref()), auth: b64.encode([9u8; 16]) }
}

#[tokio::test]
async fn a_push_service_takes_checks_and_answers() {
    let key = VapidKey::generate().unwrap();
    let svc = Service { origin: Arc::default(), store_key: key.public_base64url(), seen: Arc::default() };
    let app = axum::Router::new().route("/push/{id}", axum::routing::post(push)).with_state(svc.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    *svc.origin.lock().unwrap() = origin.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // This test's push service is on this machine: reachable only when loopback is allowed.
    let reach = cartback_channels::outbound_target::Reach::AlsoLoopback;
    let http = cartback_channels::outbound_target::client(std::time::Duration::from_secs(5), reach);
    let payload = br#"{"title":"Demo Shop","body":"Your cart is waiting","url":"https://shop.example/r/abc"}"#;
    let go = async |id: &str, urgency: Urgency, topic: Option<&str>| {
        let sub = browser(format!("{origin}/push/{id}"));
        let msg = PushMessage { subscription: &sub, payload, ttl_secs: 86_400, urgency, topic };
        send((&http, reach), &key, SUBJECT, NOW, &msg).await
    };

    assert_eq!(go("ok", Urgency::Normal, Some("cart-abc-step-1")).await.unwrap(), "https://push.example/m/ok-1");
    assert!(matches!(go("gone", Urgency::Low, None).await, Err(PushFailure::Gone(410))));
    assert!(matches!(go("missing", Urgency::Low, None).await, Err(PushFailure::Gone(404))));
    assert!(matches!(go("busy", Urgency::High, None).await, Err(PushFailure::Channel(ChannelError::Retryable(_)))));
    assert!(matches!(go("big", Urgency::VeryLow, None).await, Err(PushFailure::Channel(ChannelError::Permanent(_)))));
    assert!(matches!(go("boom", Urgency::Normal, None).await, Err(PushFailure::Channel(ChannelError::Unknown(_)))));
    // A topic a push service would refuse (over 32 characters) is left off, not sent.
    assert!(go("ok", Urgency::Normal, Some(&"t".repeat(33))).await.is_ok());

    let seen = svc.seen.lock().unwrap().clone();
    let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "ok topic=cart-abc-step-1 ttl=86400 urgency=normal",
            "gone ttl=86400 urgency=low",
            "missing ttl=86400 urgency=low",
            "busy ttl=86400 urgency=high",
            "big ttl=86400 urgency=very-low",
            "boom ttl=86400 urgency=normal",
            "ok ttl=86400 urgency=normal"
        ]
    );
    assert!(seen.iter().all(|(_, problems)| problems.is_empty()), "{seen:?}");

    // Another store's key signs: the service refuses it (403), and it is not retried.
    let other = VapidKey::generate().unwrap();
    let sub = browser(format!("{origin}/push/ok"));
    let msg = PushMessage { subscription: &sub, payload, ttl_secs: 60, urgency: Urgency::Normal, topic: None };
    assert!(matches!(
        send((&http, reach), &other, SUBJECT, NOW, &msg).await,
        Err(PushFailure::Channel(ChannelError::Permanent(_)))
    ));
    let last = svc.seen.lock().unwrap().last().cloned().unwrap();
    assert!(last.1.contains(&"k= is not the store's key".to_string()), "{last:?}");

    // A subscription that is not one: refused before any request.
    let before = svc.seen.lock().unwrap().len();
    let bad = Subscription { endpoint: format!("{origin}/push/ok"), p256dh: "AAAA".into(), auth: sub.auth.clone() };
    let msg = PushMessage { subscription: &bad, payload, ttl_secs: 60, urgency: Urgency::Normal, topic: None };
    assert!(matches!(send((&http, reach), &key, SUBJECT, NOW, &msg).await, Err(PushFailure::Invalid(_))));
    // An endpoint inside the network (a shopper's browser can claim any URL): refused unless
    // loopback is allowed (local mode and tests), and never a private address.
    let inside = |url: &str| Subscription { endpoint: url.into(), p256dh: sub.p256dh.clone(), auth: sub.auth.clone() };
    let internet_only = cartback_channels::outbound_target::Reach::InternetOnly;
    for url in [format!("{origin}/push/ok"), "https://10.0.0.8/push".into(), "https://169.254.169.254/latest".into()] {
        let sub = inside(&url);
        let msg = PushMessage { subscription: &sub, payload, ttl_secs: 60, urgency: Urgency::Normal, topic: None };
        let got = send((&http, internet_only), &key, SUBJECT, NOW, &msg).await;
        assert!(matches!(got, Err(PushFailure::Invalid(WebPushError::EndpointRefused(_)))), "{url}: {got:?}");
    }
    assert_eq!(svc.seen.lock().unwrap().len(), before);
}
