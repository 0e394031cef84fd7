//! Twilio and WhatsApp Cloud API clients against local HTTP fakes that speak their APIs: each
//! request is checked (method, path, auth, body), and every kind of answer is classified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::any;
use base64::Engine as _;
use cartback_channels::{Endpoints, ProviderChannel};
use cartback_core::config::providers::{Providers, Secret, SmsProvider, WhatsappProvider};
use cartback_core::config::whatsapp_template::{BodyValue, Button, WhatsappTemplate};
use cartback_core::domain::Channel;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage, TemplateValues};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    auth: String,
    content_type: String,
    body: String,
}

#[derive(Clone)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<Mutex<(u16, String)>>,
    /// How long the fake takes to answer, after it has recorded (taken) the request.
    stall: Arc<Mutex<std::time::Duration>>,
}

impl Fake {
    async fn start() -> (Fake, String) {
        let fake =
            Fake { seen: Arc::default(), answer: Arc::new(Mutex::new((201, "{}".into()))), stall: Arc::default() };
        let f = fake.clone();
        let app = Router::new().fallback(any(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let f = f.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                f.seen.lock().unwrap().push(Seen {
                    method,
                    path: uri.path().to_string(),
                    auth: h("authorization"),
                    content_type: h("content-type"),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let stall = *f.stall.lock().unwrap();
                tokio::time::sleep(stall).await;
                let (status, body) = f.answer.lock().unwrap().clone();
                (StatusCode::from_u16(status).unwrap(), body)
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, base)
    }

    fn answer(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_string());
    }

    fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("no request")
    }
}

/// How a failure was classified: "retry" (nothing taken), "unknown" (maybe taken), "permanent".
fn class(e: &ChannelError) -> &'static str {
    match e {
        ChannelError::Retryable(_) => "retry",
        ChannelError::Unknown(_) => "unknown",
        ChannelError::Permanent(_) | ChannelError::Unconfigured(_) | ChannelError::Gone(_) => "permanent",
    }
}

struct Unused;

#[async_trait::async_trait]
impl ChannelSender for Unused {
    async fn send(&self, _: &OutgoingMessage) -> Result<String, ChannelError> {
        panic!("a configured provider fell back to the console")
    }
}

const SID: &str = "AC0123456789abcdef0123456789abcdef";

fn message(channel: Channel, providers: Providers, to: &str) -> OutgoingMessage {
    OutgoingMessage {
        channel,
        store: "demo".into(),
        cart: "c1".into(),
        step: 0,
        variant: "A".into(),
        to: to.into(),
        subject: None,
        body: "Hi Ayşe, your cart at Demo Shop is waiting: https://cb.example/r/tok".into(),
        seq: 7,
        html: None,
        unsubscribe_url: None,
        status_callback: Some("https://cb.example/v1/status/twilio/demo?cart=c1&seq=7".into()),
        valid_for_secs: None,
        template_values: Some(TemplateValues {
            first_name: "Ayşe".into(),
            store: "Demo Shop".into(),
            link: "https://cb.example/r/tok".into(),
            code: None,
            store_locale: "en".into(),
        }),
        locale: Some("tr-TR".into()),
        session_open: false,
        interactive: None,
        link: None,
        providers: Arc::new(providers),
    }
}

fn twilio_providers(mss: Option<&str>) -> Providers {
    Providers {
        sms: SmsProvider::Twilio {
            account_sid: SID.into(),
            auth_token: Secret("tok_secret".into()),
            from: Some("+15005550006".into()),
            messaging_service_sid: mss.map(str::to_string),
        },
        ..Providers::default()
    }
}

fn channel(base: &str) -> ProviderChannel {
    let e = Endpoints {
        twilio: base.into(),
        meta_graph: base.into(),
        timeout: std::time::Duration::from_millis(500),
        ..Endpoints::default()
    };
    ProviderChannel::new(e, Arc::new(Unused))
}

#[tokio::test]
async fn twilio_receives_exactly_the_documented_request() {
    let (fake, base) = Fake::start().await;
    fake.answer(201, r#"{"sid": "SM1234567890abcdef1234567890abcdef", "status": "queued"}"#);
    let ch = channel(&base);
    let msg = message(Channel::Sms, twilio_providers(None), "+905321234567");
    assert_eq!(ch.send(&msg).await.unwrap(), "SM1234567890abcdef1234567890abcdef");
    let r = fake.last();
    assert_eq!(r.method, Method::POST);
    assert_eq!(r.path, format!("/2010-04-01/Accounts/{SID}/Messages.json"));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:tok_secret"));
    assert_eq!(r.auth, format!("Basic {basic}"));
    assert_eq!(r.content_type, "application/x-www-form-urlencoded");
    let form: Vec<(String, String)> = form_urlencoded::parse(r.body.as_bytes()).into_owned().collect();
    let expected: Vec<(String, String)> = [
        ("To", "+905321234567"),
        ("Body", "Hi Ayşe, your cart at Demo Shop is waiting: https://cb.example/r/tok"),
        ("From", "+15005550006"),
        ("StatusCallback", "https://cb.example/v1/status/twilio/demo?cart=c1&seq=7"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(form, expected);
    // A Messaging Service, when configured, replaces From.
    ch.send(&message(Channel::Sms, twilio_providers(Some("MG0123")), "+905321234567")).await.unwrap();
    let body = fake.last().body;
    assert!(body.contains("MessagingServiceSid=MG0123") && !body.contains("From="), "{body}");
    // A text composed one minute before the recipient's quiet hours is valid for that minute
    // (Messages resource, "ValidityPeriod": seconds, 1 to 36 000); a longer window is capped.
    for (secs, sent) in [(60, "60"), (50_000, "36000")] {
        let mut m = message(Channel::Sms, twilio_providers(None), "+905321234567");
        m.valid_for_secs = Some(secs);
        ch.send(&m).await.unwrap();
        let form: Vec<(String, String)> = form_urlencoded::parse(fake.last().body.as_bytes()).into_owned().collect();
        assert_eq!(form.last(), Some(&("ValidityPeriod".to_string(), sent.to_string())));
    }
}

#[tokio::test]
async fn twilio_failures_are_classified_and_odd_answers_never_panic() {
    let (fake, base) = Fake::start().await;
    let ch = channel(&base);
    let msg = message(Channel::Sms, twilio_providers(None), "+905321234567");
    for (status, body, retry) in [
        (429, r#"{"code": 20429, "message": "Too Many Requests"}"#, "retry"),
        (500, "<html>", "unknown"),
        (503, "", "unknown"),
        (400, r#"{"code": 21211, "message": "The 'To' number is not a valid phone number."}"#, "permanent"),
        (400, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#, "permanent"),
        (401, r#"{"code": 20003, "message": "Authenticate"}"#, "permanent"),
        (400, "\u{0}garbage", "permanent"),
    ] {
        fake.answer(status, body);
        let e = ch.send(&msg).await.unwrap_err();
        assert_eq!(class(&e), retry, "{status} {body}: {e}");
    }
    // Accepted with a body that is not what Twilio documents: taken as sent, never resent.
    fake.answer(201, "not json");
    assert_eq!(ch.send(&msg).await.unwrap(), "twilio-accepted");
    // Nobody listening: retryable.
    let dead = channel("http://127.0.0.1:9");
    assert!(matches!(dead.send(&msg).await, Err(ChannelError::Retryable(_))));
}

/// The provider takes the message and then does not answer in time: the send is unknown (it
/// may have gone out), never retryable, for both HTTP providers.
#[tokio::test]
async fn a_provider_that_takes_the_message_and_stalls_is_unknown_not_retried() {
    let (fake, base) = Fake::start().await;
    let ch = channel(&base);
    *fake.stall.lock().unwrap() = std::time::Duration::from_secs(2);
    fake.answer(201, r#"{"sid": "SM1", "status": "queued"}"#);
    for msg in [
        message(Channel::Sms, twilio_providers(None), "+905321234567"),
        message(Channel::Whatsapp, meta(), "+905321234567"),
    ] {
        let before = fake.seen.lock().unwrap().len();
        let e = ch.send(&msg).await.unwrap_err();
        assert_eq!(class(&e), "unknown", "{e}");
        assert_eq!(fake.seen.lock().unwrap().len(), before + 1, "the provider got the request exactly once");
    }
}

fn meta() -> Providers {
    meta_with(WhatsappTemplate {
        name: "cart_reminder".into(),
        languages: Vec::new(),
        body: vec![BodyValue::FirstName, BodyValue::Store, BodyValue::Link],
        buttons: vec![Button::Restore, Button::Stop],
    })
}

fn meta_with(template: WhatsappTemplate) -> Providers {
    Providers {
        whatsapp: WhatsappProvider::Meta {
            phone_number_id: "106540352242922".into(),
            access_token: Secret("EAAG-token".into()),
            template,
        },
        ..Providers::default()
    }
}

/// A template approved in `en_US` and `pt_BR` whose body takes the first name and the code, with
/// a dynamic URL button (the restore link), a copy-code button and a quick reply: the request
/// as Meta's Cloud API reference documents it ("Send message templates": `language.code` as the
/// template was approved; a `url` button's parameter is the text appended to the template's URL;
/// a `copy_code` button's parameter is `{"type": "coupon_code", "coupon_code": …}`; buttons
/// carry their `index` as a string).
#[tokio::test]
async fn whatsapp_templates_are_filled_in_as_configured() {
    let (fake, base) = Fake::start().await;
    let ch = channel(&base);
    let providers = meta_with(WhatsappTemplate {
        name: "cart_code".into(),
        languages: vec!["en_US".into(), "pt_BR".into()],
        body: vec![BodyValue::FirstName, BodyValue::Code],
        buttons: vec![Button::RestoreUrl, Button::CopyCode, Button::Stop],
    });
    let mut msg = message(Channel::Whatsapp, providers, "+5511987654321");
    msg.locale = Some("pt-PT".into());
    if let Some(v) = msg.template_values.as_mut() {
        v.code = Some("CB-7QX2".into());
    }
    fake.answer(200, r#"{"messages": [{"id": "wamid.br"}]}"#);
    assert_eq!(ch.send(&msg).await.unwrap(), "wamid.br");
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!(
        body["template"],
        serde_json::json!({"name": "cart_code", "language": {"code": "pt_BR"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Ayşe"}, {"type": "text", "text": "CB-7QX2"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "tok"}]},
            {"type": "button", "sub_type": "copy_code", "index": "1",
             "parameters": [{"type": "coupon_code", "coupon_code": "CB-7QX2"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "2",
             "parameters": [{"type": "payload", "payload": "STOP"}]}]})
    );
    // A Turkish shopper gets the store's language, in the code the template was approved in.
    msg.locale = Some("tr-TR".into());
    fake.answer(200, r#"{"messages": [{"id": "wamid.en"}]}"#);
    ch.send(&msg).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!(body["template"]["language"]["code"], "en_US");
    // No code for a template that shows one: refused before any request, never sent blank.
    if let Some(v) = msg.template_values.as_mut() {
        v.code = None;
    }
    let before = fake.seen.lock().unwrap().len();
    assert!(matches!(ch.send(&msg).await, Err(ChannelError::Permanent(_))));
    assert_eq!(fake.seen.lock().unwrap().len(), before);
    // A cart id whose callback data would pass Meta's 512 characters goes without it.
    msg.template_values.as_mut().unwrap().code = Some("CB-7QX2".into());
    msg.cart = "ü".repeat(128);
    fake.answer(200, r#"{"messages": [{"id": "wamid.long"}]}"#);
    ch.send(&msg).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert!(body.get("biz_opaque_callback_data").is_none(), "{body}");
}

#[tokio::test]
async fn whatsapp_gets_a_template_outside_the_window_and_text_inside() {
    let (fake, base) = Fake::start().await;
    fake.answer(
        200,
        r#"{"messaging_product": "whatsapp", "contacts": [{"input": "905321234567", "wa_id": "905321234567"}],
            "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"}]}"#,
    );
    let ch = channel(&base);
    let msg = message(Channel::Whatsapp, meta(), "+905321234567");
    assert_eq!(ch.send(&msg).await.unwrap(), "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA");
    let r = fake.last();
    assert_eq!((r.method, r.path.as_str()), (Method::POST, "/v21.0/106540352242922/messages"));
    assert_eq!(r.auth, "Bearer EAAG-token");
    assert_eq!(r.content_type, "application/json");
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "905321234567",
            "type": "template",
            "template": {"name": "cart_reminder", "language": {"code": "tr"},
                         "components": [{"type": "body", "parameters": [
                             {"type": "text", "text": "Ayşe"}, {"type": "text", "text": "Demo Shop"},
                             {"type": "text", "text": "https://cb.example/r/tok"}]},
                         {"type": "button", "sub_type": "quick_reply", "index": "0",
                          "parameters": [{"type": "payload", "payload": "RESTORE"}]},
                         {"type": "button", "sub_type": "quick_reply", "index": "1",
                          "parameters": [{"type": "payload", "payload": "STOP"}]}]},
            "biz_opaque_callback_data": "cart=c1&seq=7"
        })
    );
    // The shopper wrote within 24 hours: the store may answer in free-form text.
    let mut open = msg.clone();
    open.session_open = true;
    ch.send(&open).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!((body["type"].as_str(), body["text"]["body"].as_str()), (Some("text"), Some(msg.body.as_str())));

    // With buttons, as Meta's "Interactive object" documents them: a call-to-action URL button
    // (`cta_url`), and reply buttons (`button`, each `{"type": "reply", "reply": {id, title}}`).
    use cartback_core::ports::{Interactive, ReplyButton};
    let mut link = open.clone();
    link.interactive =
        Some(Interactive::Link { label: "Siparişi tamamla".into(), url: "https://shop.example/cart/1:1".into() });
    ch.send(&link).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!(
        (body["type"].clone(), body["interactive"].clone()),
        (
            serde_json::json!("interactive"),
            serde_json::json!({"type": "cta_url", "body": {"text": msg.body},
                "action": {"name": "cta_url", "parameters": {"display_text": "Siparişi tamamla", "url": "https://shop.example/cart/1:1"}}})
        )
    );
    let mut replies = open.clone();
    replies.interactive = Some(Interactive::Replies(vec![
        ReplyButton { id: "ORDER_STATUS".into(), title: "Order status".into() },
        ReplyButton { id: "PERSON".into(), title: "Talk to a person".into() },
    ]));
    ch.send(&replies).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!(
        body["interactive"],
        serde_json::json!({"type": "button", "body": {"text": msg.body}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "ORDER_STATUS", "title": "Order status"}},
            {"type": "reply", "reply": {"id": "PERSON", "title": "Talk to a person"}}]}})
    );
    // Outside the window buttons change nothing: the template goes.
    let mut closed = replies.clone();
    closed.session_open = false;
    ch.send(&closed).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&fake.last().body).unwrap();
    assert_eq!(body["type"], "template");
}

#[tokio::test]
async fn whatsapp_failures_are_classified_and_us_numbers_get_no_marketing_template() {
    let (fake, base) = Fake::start().await;
    let ch = channel(&base);
    let msg = message(Channel::Whatsapp, meta(), "+905321234567");
    for (status, body, retry) in [
        (400, r#"{"error": {"message": "Pair rate limit hit", "type": "OAuthException", "code": 131056}}"#, "retry"),
        (500, "", "unknown"),
        (400, r#"{"error": {"message": "Re-engagement message", "code": 131047}}"#, "permanent"),
        (
            404,
            r#"{"error": {"message": "Template name does not exist in the translation", "code": 132001}}"#,
            "permanent",
        ),
        // An expired or revoked token: held and retried (the dead-letter alarm if nobody renews it).
        (401, r#"{"error": {"message": "Invalid OAuth access token", "code": 190}}"#, "retry"),
    ] {
        fake.answer(status, body);
        let e = ch.send(&msg).await.unwrap_err();
        assert_eq!(class(&e), retry, "{status} {body}: {e}");
    }
    let before = fake.seen.lock().unwrap().len();
    let us = message(Channel::Whatsapp, meta(), "+14155552671");
    assert!(matches!(ch.send(&us).await, Err(ChannelError::Permanent(_))));
    assert_eq!(fake.seen.lock().unwrap().len(), before, "a request went out for a +1 marketing template");
    // Canada shares +1 but not Meta's US pause: its template goes out.
    fake.answer(200, r#"{"messages": [{"id": "wamid.ca"}]}"#);
    let ca = message(Channel::Whatsapp, meta(), "+16135550123");
    assert_eq!(ch.send(&ca).await.unwrap(), "wamid.ca");
}

/// A real cart in each language, composed by the engine's composer with the built-in texts,
/// through each HTTP provider: the fake receives exactly the composed text, in that language.
#[tokio::test]
async fn each_provider_receives_the_cart_in_all_four_languages() {
    use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};
    let (fake, base) = Fake::start().await;
    let ch = channel(&base);
    let config = cartback_core::config::Config::from_toml(
        "t.toml",
        r#"public_url = "https://cb.example.com"
[[stores]]
id = "demo"
name = "Demo Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok_secret"
whatsapp_access_token = "EAAG-token"
currency = "EUR"
allowed_domains = ["shop.example"]
[stores.sms]
provider = "twilio"
twilio_account_sid = "AC0123456789abcdef0123456789abcdef"
from = "+15005550006"
[stores.whatsapp]
provider = "meta"
phone_number_id = "106540352242922"
template = "cart_reminder"
[[stores.steps]]
after = "30m"
channel = "sms"
incentive = { kind = "percent_off", percent = 15, expires = "30m" }
[[stores.steps]]
after = "72h"
channel = "whatsapp"
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let store = config.store("demo").unwrap();
    let expected_sms_start = [
        ("en", "Hi Emma, your cart"),
        ("tr", "Ayşe, Demo Shop sepetin:"),
        ("nb", "Hei Kari!"),
        ("fa", "سارا، سبد شما"),
    ];
    for (lang, start) in expected_sms_start {
        let cart = cartback_core::domain::samples::cart(lang);
        let link = "https://cb.example.com/r/AbCdEfGhIjKlMnOpQrStUv";
        for (step, channel_kind) in [(0u32, Channel::Sms), (1, Channel::Whatsapp)] {
            let coupon = (step == 0).then_some("CB-2GA2BX2G026D");
            let input = ComposeInput { cart: &cart, cfg: store, step, variant: 0, link, coupon, now: cart.created_at };
            let d = Delivery {
                channel: channel_kind,
                seq: 3,
                public_url: &config.public_url,
                replies_url: &config.replies_url,
                contact_key: Some("k"),
                last_whatsapp_inbound_at: None,
                deliver_by: None,
            };
            let msg = compose(&input, &d).unwrap();
            fake.answer(201, r#"{"sid": "SM1", "messages": [{"id": "wamid.1"}]}"#);
            ch.send(&msg).await.unwrap();
            let r = fake.last();
            if channel_kind == Channel::Sms {
                let form: Vec<(String, String)> = form_urlencoded::parse(r.body.as_bytes()).into_owned().collect();
                let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
                assert_eq!(body, &msg.body);
                assert!(body.starts_with(start), "{lang}: {body}");
                assert!(body.contains("CB-2GA2BX2G026D"), "{lang}: {body}");
                assert_eq!(
                    form.iter().find(|(k, _)| k == "To").unwrap().1,
                    cart.customer.phone.as_ref().unwrap().expose()
                );
            } else {
                let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(v["template"]["language"]["code"], lang);
                assert_eq!(
                    v["template"]["components"][0]["parameters"][0]["text"],
                    cart.customer.first_name.clone().unwrap()
                );
                assert_eq!(v["to"], cart.customer.phone.as_ref().unwrap().expose().trim_start_matches('+'));
            }
        }
    }
}
