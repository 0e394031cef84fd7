//! The second reader (issue #29, docs/replies.md "A second reader") against fakes of the two
//! providers built from their documented requests and responses, checked request by request:
//! an OpenAI-compatible chat completions endpoint (bearer key, system and user messages,
//! `response_format: json_object`) and Amazon Bedrock's Converse API (SigV4, verified here by
//! an implementation of the scheme written for this test, not the one that signed it). The
//! reply leaves with its phone numbers and addresses masked; the reader may add an opt-out,
//! never remove one; throttling, errors, a slow answer and a malformed one leave the first
//! readers' verdict standing, counted; the daily budget holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use cartback_e2e::{DEMO_API_KEY, START, Server, example_event};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

const AYSE: &str = "+905321234567";

/// An answer to give: status, headers, body, delay in milliseconds.
type Answer = (u16, Vec<(&'static str, &'static str)>, String, u64);
/// A request received: path, headers, the body as JSON and as sent.
type Received = (String, HeaderMap, Value, Vec<u8>);

/// What the fake answers next, and what it was sent.
#[derive(Clone, Default)]
struct Fake {
    script: Arc<Mutex<Vec<Answer>>>,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Fake {
    fn then(&self, status: u16, headers: Vec<(&'static str, &'static str)>, body: String, delay_ms: u64) {
        self.script.lock().unwrap().push((status, headers, body, delay_ms));
    }

    async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let me = me.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                me.got.lock().unwrap().push((uri.path().to_string(), headers, v, body.to_vec()));
                let (status, hs, body, delay) = {
                    let mut s = me.script.lock().unwrap();
                    if s.is_empty() { (500, vec![], "{}".to_string(), 0) } else { s.remove(0) }
                };
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                let mut resp = axum::response::Response::builder().status(StatusCode::from_u16(status).unwrap());
                for (k, v) in hs {
                    resp = resp.header(k, v);
                }
                resp.header("content-type", "application/json").body(axum::body::Body::from(body)).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }
}

/// The demo store with `[stores.reader]`.
async fn server(reader: toml_like::Reader) -> Server {
    let demo = cartback_core::config::demo_config();
    let mut store = (**demo.store("demo").unwrap()).clone();
    store.reader = Some(reader.into());
    Server::with_config(cartback_core::config::Config::new(demo.public_url.clone(), vec![store])).await
}

mod toml_like {
    pub struct Reader {
        pub kind: cartback_core::config::ReaderKind,
        pub url: String,
        pub budget: u32,
        pub key: Option<&'static str>,
    }
    impl From<Reader> for cartback_core::config::ReaderConfig {
        fn from(r: Reader) -> Self {
            cartback_core::config::ReaderConfig {
                kind: r.kind,
                url: Some(r.url),
                model: if r.kind == cartback_core::config::ReaderKind::Bedrock {
                    "anthropic.claude-3-haiku-20240307-v1:0".into()
                } else {
                    "qwen2.5-7b-instruct".into()
                },
                region: Some("eu-west-1".into()),
                timeout: jiff::SignedDuration::from_millis(800),
                daily_budget: r.budget,
                api_key: r.key.map(|k| cartback_core::config::Secret(k.to_string())),
            }
        }
    }
}

fn openai_answer(content: &str) -> String {
    // The documented shape of a chat completion (OpenAI's API reference; llama.cpp, Ollama and
    // vLLM answer the same).
    json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1_764_000_000, "model": "qwen2.5-7b-instruct",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 210, "completion_tokens": 18, "total_tokens": 228}})
    .to_string()
}

fn bedrock_answer(text: &str) -> String {
    // The documented shape of a Converse response (Bedrock API reference, Converse).
    json!({"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
           "usage": {"inputTokens": 210, "outputTokens": 18, "totalTokens": 228}, "metrics": {"latencyMs": 412}})
    .to_string()
}

/// Ayşe's cart and first SMS, then her reply (a message id per text).
async fn reply(s: &Server, text: &str, sid: &str) -> String {
    if s.outbox().await.is_empty() {
        s.post_event(&example_event("evt_01", "c_1", START)).await;
        s.advance(30 * 60).await;
    }
    let (st, twiml) = s.twilio_reply(AYSE, text, sid).await;
    assert_eq!(st, 200);
    twiml
}

async fn consent_sources(s: &Server) -> Vec<String> {
    let r = s.http.get(s.url("/v1/stores/demo/consent?phone=%2B905321234567")).bearer_auth(DEMO_API_KEY).send().await;
    let v: Value = r.unwrap().json().await.unwrap();
    v["changes"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn an_openai_compatible_reader_adds_an_opt_out_and_its_failures_change_nothing() {
    let fake = Fake::default();
    let url = fake.start().await;
    let s = server(toml_like::Reader {
        kind: cartback_core::config::ReaderKind::OpenAi,
        url: format!("{url}/v1"),
        budget: 4,
        key: Some("sk-local-test"),
    })
    .await;
    // A STOP is never sent out: nothing to add to a "no".
    reply(&s, "STOP", "SM1").await;
    assert!(fake.got.lock().unwrap().is_empty(), "a STOP went to the reader");
    reply(&s, "START", "SM2").await;

    // Held by the caution rules; the reader reads a "no" in it: an opt-out, in the ledger.
    fake.then(200, vec![], openai_answer(r#"{"label": "opt_out", "opt_out": true, "language": "en"}"#), 0);
    let twiml =
        reply(&s, "who gave you my number?? call me on +90 532 999 88 77 or mail ayse@example.com", "SM3").await;
    assert!(twiml.contains("BASLA") || twiml.contains("artık mesaj almayacaksınız"), "{twiml}");
    let (path, headers, body, _) = fake.got.lock().unwrap()[0].clone();
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(headers["authorization"], "Bearer sk-local-test");
    assert_eq!(body["model"], "qwen2.5-7b-instruct");
    assert_eq!(body["response_format"]["type"], "json_object");
    assert_eq!(body["temperature"], 0);
    assert_eq!(
        (body["messages"][0]["role"].as_str(), body["messages"][1]["role"].as_str()),
        (Some("system"), Some("user"))
    );
    let sent = body["messages"][1]["content"].as_str().unwrap();
    assert!(!sent.contains("999 88 77") && !sent.contains("ayse@example.com"), "personal data left: {sent}");
    assert!(sent.contains("who gave you my number"), "{sent}");
    assert!(consent_sources(&s).await.contains(&"reply_reader".to_string()));
    reply(&s, "START", "SM4").await;

    // Throttled, a server error, too slow, out of form: the hold stands, each counted.
    fake.then(
        429,
        vec![],
        json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}).to_string(),
        0,
    );
    let twiml = reply(&s, "who gave you my number??", "SM5").await;
    assert!(twiml.contains("otomatik mesajları durdurduk"), "{twiml}");
    fake.then(200, vec![], openai_answer("I think the shopper wants to stop."), 0);
    reply(&s, "hvem ga dere nummeret mitt", "SM6").await;
    fake.then(200, vec![], openai_answer(r#"{"label": "opt_out", "opt_out": true}"#), 1500);
    reply(&s, "third text this week...", "SM7").await;
    let stats = s.stats().await;
    let reader = &stats["reader"];
    assert_eq!(reader["opt_out"], 1, "{stats}");
    assert_eq!(reader["error.throttled"], 1, "{stats}");
    assert_eq!(reader["error.malformed"], 1, "{stats}");
    assert_eq!(reader["error.timeout"], 1, "{stats}");
    assert_eq!(consent_sources(&s).await.iter().filter(|c| *c == "reply_reader").count(), 1, "one opt-out");
    // The budget (4 a day) is spent: the next one is not sent, counted.
    let before = fake.got.lock().unwrap().len();
    reply(&s, "enough!!", "SM8").await;
    assert_eq!(fake.got.lock().unwrap().len(), before, "a call past the budget");
    assert_eq!(s.stats().await["reader"]["over_budget"], 1);
}

/// Bedrock's adapter, request by request: the Converse path with the model id encoded, the
/// role's session token, a signature that verifies, the documented errors read as such.
#[tokio::test]
async fn bedrock_converse_is_signed_and_its_errors_read() {
    use cartback_core::ports::{ReaderError, ReplyReader};
    let fake = Fake::default();
    let url = fake.start().await;
    let cfg: cartback_core::config::ReaderConfig =
        toml_like::Reader { kind: cartback_core::config::ReaderKind::Bedrock, url, budget: 10, key: None }.into();
    let reader = cartback_channels::reply_reader::LlmReader::with_credentials(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("session-token-example"),
    );
    let throttled = json!({"message": "Too many requests, please wait before trying again."}).to_string();
    let thr = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/";
    fake.then(429, vec![("x-amzn-errortype", thr)], throttled, 0);
    fake.then(400, vec![("x-amzn-errortype", "ValidationException")], json!({"message": "bad model"}).to_string(), 0);
    fake.then(408, vec![("x-amzn-errortype", "ModelTimeoutException")], json!({"message": "slow"}).to_string(), 0);
    fake.then(503, vec![("x-amzn-errortype", "ServiceUnavailableException")], "{}".to_string(), 0);
    fake.then(200, vec![], bedrock_answer(r#"{"label": "opt_out", "opt_out": true, "language": "en"}"#), 0);
    let ask = || reader.complete(&cfg, "instructions", "third text this week, leave my phone alone");
    assert_eq!(ask().await, Err(ReaderError::Throttled));
    assert!(matches!(ask().await, Err(ReaderError::Refused(m)) if m.contains("ValidationException")));
    assert_eq!(ask().await, Err(ReaderError::Timeout));
    assert!(matches!(ask().await, Err(ReaderError::Unavailable(_))));
    let answer = ask().await.unwrap();
    assert_eq!(
        cartback_core::conversations::second_reader::parse_answer(&answer).unwrap().label,
        cartback_core::conversations::model::Label::OptOut
    );
    let got = fake.got.lock().unwrap().clone();
    assert_eq!(got.len(), 5);
    for (path, headers, body, raw) in &got {
        assert_eq!(path, "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
        assert_eq!(headers["x-amz-security-token"], "session-token-example");
        assert_eq!(body["system"][0]["text"], "instructions");
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"][0]["text"], "third text this week, leave my phone alone");
        assert_eq!(body["inferenceConfig"]["temperature"], 0);
        verify_sigv4(path, headers, raw);
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).unwrap();
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Signature Version 4 recomputed from AWS's published algorithm (the canonical request, the
/// string to sign, the derived key), for the headers the request says it signed. Non-S3
/// services encode the path's segments twice in the canonical request.
fn verify_sigv4(path: &str, headers: &HeaderMap, body: &[u8]) {
    let auth = headers["authorization"].to_str().unwrap();
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").expect("SigV4");
    let field = |name: &str| {
        rest.split(", ").find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap_or_else(|| panic!("{name} in {auth}"))
    };
    let credential = field("Credential");
    let signed: Vec<&str> = field("SignedHeaders").split(';').collect();
    let signature = field("Signature");
    let scope: Vec<&str> = credential.splitn(2, '/').collect();
    assert_eq!(scope[0], "AKIDEXAMPLE");
    let scope = scope[1];
    let parts: Vec<&str> = scope.split('/').collect();
    assert_eq!(&parts[1..], ["eu-west-1", "bedrock", "aws4_request"]);
    let amz_date = headers["x-amz-date"].to_str().unwrap();
    let canonical_path: String = path.split('/').map(|seg| seg.replace('%', "%25")).collect::<Vec<_>>().join("/");
    let canonical_headers: String =
        signed.iter().map(|h| format!("{h}:{}\n", headers[*h].to_str().unwrap().trim())).collect();
    let canonical =
        format!("POST\n{canonical_path}\n\n{canonical_headers}\n{}\n{}", signed.join(";"), hex(&Sha256::digest(body)));
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let k = hmac(format!("AWS4{}", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").as_bytes(), parts[0]);
    let k = hmac(&k, parts[1]);
    let k = hmac(&k, parts[2]);
    let k = hmac(&k, "aws4_request");
    assert_eq!(hex(&hmac(&k, &to_sign)), signature, "the signature does not verify:\n{canonical}");
}
