//! The AWS-native channels over the wire: e-mail through SES v2 against moto (the raw MIME
//! message is read back from moto and checked), and SMS through End User Messaging against a
//! local fake of its JSON protocol (moto has no pinpoint-sms-voice-v2), request by request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod moto;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use cartback_aws::eum_sms::EumSms;
use cartback_aws::ses::{SesEmail, mime};
use cartback_core::config::providers::{EmailProvider, Providers, SmsProvider};
use cartback_core::domain::Channel;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage};
use std::sync::{Arc, Mutex};

fn email(providers: Providers) -> OutgoingMessage {
    OutgoingMessage {
        channel: Channel::Email,
        store: "demo".into(),
        cart: "c1".into(),
        step: 1,
        variant: "A".into(),
        to: "ayse@example.com".into(),
        subject: Some("Ayşe, sepetiniz sizi bekliyor".into()),
        body: "Merhaba Ayşe, sepetiniz: https://cb.example/r/tok".into(),
        seq: 9,
        html: Some("<p>Merhaba Ayşe</p>".into()),
        unsubscribe_url: Some("https://cb.example/v1/unsubscribe/demo/k.mac".into()),
        status_callback: None,
        template_values: None,
        valid_for_secs: None,
        locale: Some("tr-TR".into()),
        session_open: false,
        interactive: None,
        link: None,
        providers: Arc::new(providers),
    }
}

fn ses(from: &str) -> Providers {
    Providers { email: EmailProvider::Ses { from: from.into(), configuration_set: None }, ..Providers::default() }
}

const T0: jiff::Timestamp = jiff::Timestamp::UNIX_EPOCH;

/// The raw message SES received, read by a MIME parser Cartback did not write (mail-parser),
/// carries the composed message's own fields: sender, recipient, subject, both bodies, the
/// one-click unsubscribe headers (RFC 8058), a date and a message id.
fn assert_received_as_composed(raw: &str, msg: &OutgoingMessage, from: &str) {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("a MIME message");
    assert_eq!(parsed.subject(), msg.subject.as_deref());
    assert_eq!(parsed.from().and_then(|a| a.first()).and_then(|a| a.address()), Some(from));
    assert_eq!(parsed.to().and_then(|a| a.first()).and_then(|a| a.address()), Some(msg.to.as_str()));
    assert_eq!(parsed.body_text(0).as_deref(), Some(msg.body.as_str()));
    assert_eq!(parsed.body_html(0).as_deref(), msg.html.as_deref());
    let unsubscribe = msg.unsubscribe_url.as_deref().map(|u| format!("<{u}>"));
    assert_eq!(parsed.header_raw("List-Unsubscribe").map(str::trim), unsubscribe.as_deref());
    assert_eq!(parsed.header_raw("List-Unsubscribe-Post").map(str::trim), Some("List-Unsubscribe=One-Click"));
    assert!(parsed.date().is_some() && parsed.message_id().is_some());
}

#[test]
fn the_mime_message_has_both_parts_and_one_click_unsubscribe() {
    let m = mime(&email(ses("Demo Shop <shop@shop.example>")), "Demo Shop <shop@shop.example>\r\nBcc: x@evil", T0);
    assert!(m.starts_with("From: Demo Shop <shop@shop.example>  Bcc: x@evil\r\nTo: ayse@example.com\r\n"), "{m}");
    assert!(m.contains("\r\nList-Unsubscribe: <https://cb.example/v1/unsubscribe/demo/k.mac>\r\n"));
    assert!(m.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    let subject = base64::engine::general_purpose::STANDARD.encode("Ayşe, sepetiniz sizi bekliyor");
    assert!(m.contains(&format!("Subject: =?UTF-8?B?{subject}?=\r\n")));
    assert!(
        m.contains("Content-Type: text/plain; charset=UTF-8") && m.contains("Content-Type: text/html; charset=UTF-8")
    );
    let text = base64::engine::general_purpose::STANDARD.encode("Merhaba Ayşe, sepetiniz: https://cb.example/r/tok");
    assert!(m.contains(&text));
}

#[tokio::test]
async fn ses_sends_through_moto_and_refuses_an_unverified_sender() {
    let Some(_env) = moto::Env::new("ses").await else { return };
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_sesv2::Client::new(&conf);
    client.create_email_identity().email_identity("shop@shop.example").send().await.expect("identity");
    let sender = SesEmail::new(client);
    let msg = email(ses("shop@shop.example"));
    let id = sender.send(&msg).await.expect("sent");
    // What SES received, read back from moto and read by a MIME parser Cartback did not write
    // (mail-parser): the message's own fields, to the shopper.
    let base = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let data: serde_json::Value =
        reqwest::get(format!("{base}/moto-api/data.json")).await.unwrap().json().await.unwrap();
    let sent = data["ses"]["RawMessage"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()).expect("in moto");
    assert_received_as_composed(sent["raw_data"].as_str().unwrap(), &msg, "shop@shop.example");
    assert_eq!(sent["source"], "shop@shop.example");
    assert!(sent["destinations"].as_array().unwrap().iter().all(|d| d == "ayse@example.com"));
    // SES refuses a sender that is not verified: permanent, not retried.
    let e = sender.send(&email(ses("nobody@unverified.example"))).await.unwrap_err();
    assert!(matches!(e, ChannelError::Permanent(_)), "{e}");
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, serde_json::Value)>>>);

#[tokio::test]
async fn end_user_messaging_gets_send_text_message_and_its_errors_are_classified() {
    let seen = Seen::default();
    let answer: Arc<Mutex<(u16, String)>> = Arc::new(Mutex::new((200, r#"{"MessageId": "m-123"}"#.into())));
    let (s2, a2) = (seen.clone(), answer.clone());
    let app = axum::Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: Bytes| {
            let (s, a) = (s2.clone(), a2.clone());
            async move {
                let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                s.0.lock().unwrap().push((target, serde_json::from_slice(&body).unwrap_or_default()));
                let (status, body) = a.lock().unwrap().clone();
                (StatusCode::from_u16(status).unwrap(), [("content-type", "application/x-amz-json-1.0")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let conf = aws_sdk_pinpointsmsvoicev2::Config::builder()
        .behavior_version_latest()
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(&url)
        .retry_config(cartback_aws::wiring::send_retries())
        .credentials_provider(aws_sdk_pinpointsmsvoicev2::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .build();
    let sender = EumSms::new(aws_sdk_pinpointsmsvoicev2::Client::from_conf(conf));
    let mut msg = email(Providers {
        sms: SmsProvider::Aws { origination_identity: Some("pool-abc".into()), configuration_set: None },
        ..Providers::default()
    });
    msg.channel = Channel::Sms;
    msg.to = "+905321234567".into();
    assert_eq!(sender.send(&msg).await.unwrap(), "m-123");
    let (target, body) = seen.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(target, "PinpointSMSVoiceV2.SendTextMessage");
    assert_eq!(body["DestinationPhoneNumber"], "+905321234567");
    assert_eq!(body["MessageBody"], msg.body);
    assert_eq!(body["MessageType"], "PROMOTIONAL");
    assert_eq!(body["OriginationIdentity"], "pool-abc");
    assert_eq!(body["Context"]["cartback_seq"], "9");
    assert!(body.get("TimeToLive").is_none(), "no validity asked for");
    // Context values match `\S+` (SendTextMessage reference): a cart id with spaces is sent
    // base64url; a validity becomes TimeToLive, at least AWS's minimum of 5 seconds.
    msg.cart = " cart with spaces ".into();
    msg.valid_for_secs = Some(2);
    sender.send(&msg).await.unwrap();
    let (_, body) = seen.0.lock().unwrap().last().cloned().unwrap();
    let ctx = body["Context"].as_object().unwrap();
    assert!(
        ctx.values().all(|v| v.as_str().is_some_and(|v| !v.is_empty() && !v.contains(char::is_whitespace))),
        "{ctx:?}"
    );
    assert_eq!(body["TimeToLive"], 5);
    msg.cart = "c1".into();
    msg.valid_for_secs = None;
    // A real cart in each language, composed with the built-in SMS: the exact text arrives.
    for lang in ["en", "tr", "nb", "fa"] {
        use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};
        let config = cartback_core::config::Config::from_toml(
            "t.toml",
            "public_url = \"https://cb.example.com\"\n[[stores]]\nid = \"demo\"\nname = \"Demo Shop\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n[stores.sms]\nprovider = \"aws\"\norigination_identity = \"pool-abc\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let store = config.store("demo").unwrap();
        let cart = cartback_core::domain::samples::cart(lang);
        let link = "https://cb.example.com/r/AbCdEfGhIjKlMnOpQrStUv";
        let input =
            ComposeInput { cart: &cart, cfg: store, step: 0, variant: 0, link, coupon: None, now: cart.created_at };
        let d = Delivery {
            channel: Channel::Sms,
            seq: 5,
            public_url: &config.public_url,
            replies_url: &config.replies_url,
            contact_key: Some("k"),
            last_whatsapp_inbound_at: None,
            deliver_by: None,
        };
        let m = compose(&input, &d).unwrap();
        assert_eq!(sender.send(&m).await.unwrap(), "m-123");
        let (_, body) = seen.0.lock().unwrap().last().cloned().unwrap();
        assert_eq!(body["MessageBody"], m.body, "{lang}");
        assert_eq!(body["DestinationPhoneNumber"], cart.customer.phone.as_ref().unwrap().expose());
    }
    // Only a throttle guarantees nothing was sent; a service fault may follow a sent message.
    for (status, kind, class) in [
        (400, "ThrottlingException", "retry"),
        (500, "InternalServerException", "unknown"),
        (400, "ValidationException", "permanent"),
        (400, "ConflictException", "permanent"),
        (403, "AccessDeniedException", "permanent"),
    ] {
        *answer.lock().unwrap() = (status, format!(r#"{{"__type": "{kind}", "Message": "from the fake"}}"#));
        let before = seen.0.lock().unwrap().len();
        let e = sender.send(&msg).await.unwrap_err();
        let got = match e {
            ChannelError::Retryable(_) => "retry",
            ChannelError::Unknown(_) => "unknown",
            ChannelError::Permanent(_) | ChannelError::Unconfigured(_) | ChannelError::Gone(_) => "permanent",
        };
        assert_eq!(got, class, "{kind}: {e}");
        assert_eq!(seen.0.lock().unwrap().len(), before + 1, "{kind}: the SDK retried a send on its own");
    }
}

/// A real cart in each of the four languages, composed with the built-in texts: the e-mail SES
/// received (read back from moto) is exactly the message composed, subject and both parts.
#[tokio::test]
async fn ses_receives_the_cart_in_all_four_languages() {
    use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};
    let Some(_env) = moto::Env::new("ses4").await else { return };
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_sesv2::Client::new(&conf);
    client.create_email_identity().email_identity("shop@shop.example").send().await.expect("identity");
    let sender = SesEmail::new(client);
    let config = cartback_core::config::Config::from_toml(
        "t.toml",
        r#"public_url = "https://cb.example.com"
[[stores]]
id = "demo"
name = "Demo Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "t"
currency = "EUR"
allowed_domains = ["shop.example"]
[stores.email]
provider = "ses"
from = "shop@shop.example"
[[stores.steps]]
after = "24h"
channel = "email"
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let store = config.store("demo").unwrap();
    let base = std::env::var("AWS_ENDPOINT_URL").unwrap();
    for (lang, subject) in [
        ("en", "Demo Shop: your cart is waiting"),
        ("tr", "Demo Shop: sepetin seni bekliyor"),
        ("nb", "Demo Shop: handlekurven din venter"),
        ("fa", "Demo Shop: سبد خرید شما منتظر است"),
    ] {
        let cart = cartback_core::domain::samples::cart(lang);
        let link = "https://cb.example.com/r/AbCdEfGhIjKlMnOpQrStUv";
        let input =
            ComposeInput { cart: &cart, cfg: store, step: 0, variant: 0, link, coupon: None, now: cart.created_at };
        let d = Delivery {
            channel: Channel::Email,
            seq: 4,
            public_url: &config.public_url,
            replies_url: &config.replies_url,
            contact_key: Some("k1"),
            last_whatsapp_inbound_at: None,
            deliver_by: None,
        };
        let msg = compose(&input, &d).unwrap();
        assert_eq!(msg.subject.as_deref(), Some(subject));
        let id = sender.send(&msg).await.expect("sent");
        let data: serde_json::Value =
            reqwest::get(format!("{base}/moto-api/data.json")).await.unwrap().json().await.unwrap();
        let sent = data["ses"]["RawMessage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id.as_str())
            .expect("in moto")
            .clone();
        assert_received_as_composed(sent["raw_data"].as_str().unwrap(), &msg, "shop@shop.example");
        assert!(msg.html.as_deref().unwrap().contains(&format!("lang=\"{lang}\"")));
        assert!(msg.body.contains("Wool sweater"), "{lang}: {}", msg.body);
    }
}
