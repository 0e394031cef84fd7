//! Helpers for the end-to-end tests: a real `cartback serve`-equivalent server on
//! 127.0.0.1:0 with a virtual clock, and a Twilio-signing client.

pub use cartback_core::config::DEMO_API_KEY;
use cartback_core::config::{Config, DEMO_TWILIO_AUTH_TOKEN, demo_config};
use cartback_http::public_router;
use cartback_local::local_router;
use cartback_local::{LocalOptions, LocalRuntime};
use serde_json::{Value, json};
use std::sync::Arc;

pub const START: &str = "2026-11-23T09:00:00Z";

pub struct Server {
    pub base: String,
    pub rt: Arc<LocalRuntime>,
    pub http: reqwest::Client,
}

impl Server {
    /// The demo store on a virtual clock starting at `START`.
    pub async fn start() -> Server {
        Server::with_config(demo_config()).await
    }

    pub async fn with_config(config: Config) -> Server {
        Server::serve(Arc::new(LocalRuntime::new(config, Server::options()))).await
    }

    /// The demo store on SQLite (`cartback serve --data-dir`), in `dir`.
    pub async fn with_sqlite(dir: &std::path::Path) -> Server {
        Server::with_sqlite_config(dir, demo_config()).await
    }

    /// `config` on SQLite, in `dir`.
    pub async fn with_sqlite_config(dir: &std::path::Path, config: Config) -> Server {
        let db = cartback_sqlite::Database::open(dir, cartback_sqlite::Sync::Normal).expect("open the database");
        let clock = Arc::new(cartback_local::adapters::clock::VirtualClock::new(START.parse().expect("start")));
        let backend = db.backend(clock.clone(), false);
        Server::serve(Arc::new(LocalRuntime::with_backend(config, Server::options(), backend, Some(clock)))).await
    }

    fn options() -> LocalOptions {
        LocalOptions {
            virtual_start: Some(START.parse().expect("start")),
            print: false,
            // The tests' webhook receivers listen on this machine.
            webhooks_reach: cartback_local::WebhooksReach::AlsoLoopback,
            ..LocalOptions::default()
        }
    }

    async fn serve(rt: Arc<LocalRuntime>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = public_router(rt.engine.clone()).merge(local_router(rt.clone()));
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .expect("serve")
        });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Server { base: format!("http://{addr}"), rt, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST /v1/events with the demo key; returns (status, JSON body).
    pub async fn post_event(&self, body: &Value) -> (u16, Value) {
        self.post_raw_event(body.to_string().into_bytes(), Some(DEMO_API_KEY)).await
    }

    pub async fn post_raw_event(&self, body: Vec<u8>, key: Option<&str>) -> (u16, Value) {
        let mut req = self.http.post(self.url("/v1/events")).header("content-type", "application/json").body(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn advance(&self, seconds: i64) -> Value {
        let resp = self
            .http
            .post(self.url("/_local/clock/advance"))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .expect("advance");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json")
    }

    pub async fn outbox(&self) -> Vec<Value> {
        let v: Value =
            self.http.get(self.url("/_local/outbox")).send().await.expect("outbox").json().await.expect("json");
        v["messages"].as_array().cloned().unwrap_or_default()
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(self.url("/v1/stores/demo/stats"))
            .bearer_auth(DEMO_API_KEY)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json")
    }

    /// The demo store's consent record for one shopper (`query`: `phone=%2B…` or `email=…`).
    pub async fn consent(&self, query: &str) -> Value {
        self.http
            .get(self.url(&format!("/v1/stores/demo/consent?{query}")))
            .bearer_auth(DEMO_API_KEY)
            .send()
            .await
            .expect("consent")
            .json()
            .await
            .expect("json")
    }

    /// Sends an inbound SMS the way Twilio does: form-encoded, signed over the public URL.
    pub async fn twilio_reply(&self, from: &str, body: &str, sid: &str) -> (u16, String) {
        let params = vec![
            ("AccountSid".to_string(), "AC00000000000000000000000000000000".to_string()),
            ("Body".to_string(), body.to_string()),
            ("From".to_string(), from.to_string()),
            ("MessageSid".to_string(), sid.to_string()),
            ("NumMedia".to_string(), "0".to_string()),
            ("To".to_string(), "+4759000000".to_string()),
        ];
        let public = format!("{}/v1/replies/twilio/demo", self.rt.engine.config().public_url);
        let sig = cartback_core::conversations::twilio_webhook::signature(DEMO_TWILIO_AUTH_TOKEN, &public, &params);
        self.twilio_raw(&params, Some(&sig)).await
    }

    pub async fn twilio_raw(&self, params: &[(String, String)], sig: Option<&str>) -> (u16, String) {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        let mut req = self
            .http
            .post(self.url("/v1/replies/twilio/demo"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(s) = sig {
            req = req.header("X-Twilio-Signature", s);
        }
        let resp = req.send().await.expect("send");
        (resp.status().as_u16(), resp.text().await.unwrap_or_default())
    }
}

/// base64(HMAC-SHA256(secret, body)): how Shopify (`X-Shopify-Hmac-SHA256`) and WooCommerce
/// (`X-WC-Webhook-Signature`) sign a webhook.
pub fn hmac_base64(secret: &str, body: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `sha256=` and hex(HMAC-SHA256(app secret, body)): how Meta signs a WhatsApp webhook
/// (`X-Hub-Signature-256`), with the demo store's app secret.
pub fn meta_sign(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"demo_whatsapp_app_secret").expect("any key length");
    mac.update(body);
    format!("sha256={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The contract's example event, on the demo store's domain.
pub fn example_event(event_id: &str, cart_id: &str, occurred_at: &str) -> Value {
    json!({
        "event_id": event_id,
        "type": "cart.updated",
        "occurred_at": occurred_at,
        "cart_id": cart_id,
        "customer": {"id": "cust_9", "first_name": "Ayşe", "email": "a@example.com", "phone": "+905321234567",
                     "locale": "tr-TR", "timezone": "Europe/Istanbul",
                     "consent": {"sms": true, "email": true, "whatsapp": false}},
        "cart": {"currency": "TRY", "checkout_url": "https://shop.example/checkouts/abc",
                 "items": [{"sku": "A1", "name": "Kazak", "quantity": 2, "unit_price": "349.90",
                            "url": "https://shop.example/p/a1", "image_url": "https://shop.example/i/a1.jpg"}]}
    })
}

pub fn order_event(event_id: &str, cart_id: &str, occurred_at: &str, total: &str, currency: &str) -> Value {
    json!({"event_id": event_id, "type": "order.completed", "occurred_at": occurred_at, "cart_id": cart_id,
           "order": {"order_id": "1001", "total": total, "currency": currency}})
}

/// Log output captured in memory (a `tracing_subscriber` writer), for tests that read the logs.
#[derive(Clone, Default)]
pub struct LogCapture(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).to_string()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
