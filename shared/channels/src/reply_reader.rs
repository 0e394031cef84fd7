//! The second reader's adapters (docs/replies.md, "A second reader"): Amazon Bedrock's Converse
//! API (signed with Signature Version 4 by AWS's own `aws-sigv4`, with the function's role
//! credentials from its environment), and an OpenAI-compatible chat completions endpoint
//! (llama.cpp's server, Ollama, vLLM). One request per reply, within the store's timeout; the
//! provider's errors as `ReaderError`s. The endpoint is the operator's own configuration (often
//! a model server on the same machine in local mode), so it is reached directly, not through
//! the guarded resolver that keeps shopper- and merchant-supplied webhook URLs off private
//! addresses.

use async_trait::async_trait;
use cartback_core::config::{ReaderConfig, ReaderKind};
use cartback_core::ports::{ReaderError, ReplyReader};
use serde_json::{Value, json};

/// The longest answer asked for: one small JSON object.
const MAX_TOKENS: u32 = 100;

pub struct LlmReader {
    client: reqwest::Client,
    /// Bedrock's credentials when not the environment's (tests): key id, secret, session token.
    credentials: Option<(String, String, Option<String>)>,
}

impl Default for LlmReader {
    fn default() -> Self {
        LlmReader {
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default(),
            credentials: None,
        }
    }
}

#[async_trait]
impl ReplyReader for LlmReader {
    async fn complete(&self, cfg: &ReaderConfig, system: &str, user: &str) -> Result<String, ReaderError> {
        match cfg.kind {
            ReaderKind::OpenAi => self.openai(cfg, system, user).await,
            ReaderKind::Bedrock => self.bedrock(cfg, system, user).await,
        }
    }
}

impl LlmReader {
    /// Signs Bedrock requests with these credentials instead of the environment's.
    pub fn with_credentials(id: &str, secret: &str, token: Option<&str>) -> LlmReader {
        LlmReader { credentials: Some((id.into(), secret.into(), token.map(str::to_string))), ..LlmReader::default() }
    }

    async fn openai(&self, cfg: &ReaderConfig, system: &str, user: &str) -> Result<String, ReaderError> {
        let base = cfg.url.as_deref().ok_or_else(|| ReaderError::Refused("no url".into()))?;
        let body = json!({
            "model": cfg.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
            "response_format": {"type": "json_object"},
        });
        let mut req = self.client.post(format!("{base}/chat/completions")).timeout(timeout(cfg)).json(&body);
        if let Some(key) = &cfg.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        if status != 200 {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(by_status(status, message));
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| ReaderError::Unavailable(format!("not JSON: {e}")))?;
        v["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ReaderError::Unavailable("no choices[0].message.content".into()))
    }

    async fn bedrock(&self, cfg: &ReaderConfig, system: &str, user: &str) -> Result<String, ReaderError> {
        let region = cfg.region.as_deref().unwrap_or("us-east-1");
        let base = cfg.url.clone().unwrap_or_else(|| format!("https://bedrock-runtime.{region}.amazonaws.com"));
        // The model id goes in the path, percent-encoded (`anthropic.claude-3-haiku-…-v1:0`).
        let model: String = url::form_urlencoded::byte_serialize(cfg.model.as_bytes()).collect();
        let url = format!("{base}/model/{model}/converse");
        let body = json!({
            "system": [{"text": system}],
            "messages": [{"role": "user", "content": [{"text": user}]}],
            "inferenceConfig": {"maxTokens": MAX_TOKENS, "temperature": 0},
        })
        .to_string();
        let headers = sign(&url, region, body.as_bytes(), self.credentials.clone())?;
        let mut req = self.client.post(&url).timeout(timeout(cfg)).header("content-type", "application/json");
        for (name, value) in headers {
            req = req.header(name, value);
        }
        let resp = req.body(body).send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let kind = resp.headers().get("x-amzn-errortype").and_then(|h| h.to_str().ok()).map(str::to_string);
        let text = resp.text().await.map_err(transport)?;
        if status != 200 {
            // `x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/…`, or `__type`.
            let v = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
            let kind = kind
                .or_else(|| v["__type"].as_str().map(str::to_string))
                .unwrap_or_default()
                .split([':', '#'])
                .find(|p| p.ends_with("Exception"))
                .unwrap_or("")
                .to_string();
            let message = v["message"].as_str().or(v["Message"].as_str()).unwrap_or("").to_string();
            return Err(match kind.as_str() {
                "ThrottlingException" | "ServiceQuotaExceededException" => ReaderError::Throttled,
                "ModelTimeoutException" => ReaderError::Timeout,
                "ServiceUnavailableException" | "InternalServerException" | "ModelNotReadyException" => {
                    ReaderError::Unavailable(format!("{kind}: {message}"))
                }
                "" => by_status(status, format!("HTTP {status}")),
                _ => ReaderError::Refused(format!("{kind}: {message}")),
            });
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| ReaderError::Unavailable(format!("not JSON: {e}")))?;
        let content = v["output"]["message"]["content"].as_array().cloned().unwrap_or_default();
        let text: String = content.iter().filter_map(|c| c["text"].as_str()).collect();
        if text.is_empty() {
            return Err(ReaderError::Unavailable("no output.message.content[].text".into()));
        }
        Ok(text)
    }
}

/// SigV4 headers for a Bedrock request, with the credentials the Lambda runtime puts in the
/// environment (the function's role).
fn sign(
    url: &str,
    region: &str,
    body: &[u8],
    given: Option<(String, String, Option<String>)>,
) -> Result<Vec<(String, String)>, ReaderError> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (id, secret, token) = match given {
        Some(c) => c,
        None => match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => (id, secret, var("AWS_SESSION_TOKEN")),
            _ => return Err(ReaderError::Refused("no AWS credentials in the environment".into())),
        },
    };
    let identity = aws_credential_types::Credentials::new(id, secret, token, None, "environment").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("bedrock")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| ReaderError::Refused(format!("signing: {e}")))?
        .into();
    let headers = [("content-type", "application/json")];
    let request = SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| ReaderError::Refused(format!("signing: {e}")))?;
    let (instructions, _) =
        sign(request, &params).map_err(|e| ReaderError::Refused(format!("signing: {e}")))?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn timeout(cfg: &ReaderConfig) -> std::time::Duration {
    std::time::Duration::from_millis(cfg.timeout.as_millis().clamp(100, 10_000) as u64)
}

fn transport(e: reqwest::Error) -> ReaderError {
    if e.is_timeout() { ReaderError::Timeout } else { ReaderError::Unavailable(e.to_string()) }
}

fn by_status(status: u16, message: String) -> ReaderError {
    match status {
        429 => ReaderError::Throttled,
        408 | 504 => ReaderError::Timeout,
        500..=599 => ReaderError::Unavailable(message),
        _ => ReaderError::Refused(message),
    }
}
