//! `POST /v1/replies/twilio/{store}`: Twilio's inbound SMS webhook, signature-checked.

use crate::AppState;
use crate::error::{ApiError, read_body};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cartback_core::domain::Channel;
use cartback_core::engine::InboundReply;
use cartback_core::event::normalize_phone;
use cartback_core::twilio;

const MAX_FORM_BYTES: usize = 64 * 1024;

pub async fn twilio(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let forbidden = |code, msg: &str| ApiError::new(StatusCode::FORBIDDEN, code, msg);
    // An unknown store is answered like a bad signature: no existence leak.
    let store = st.engine.config.store(&store_id).cloned();
    let bytes = read_body(&headers, body, MAX_FORM_BYTES).await?;
    let Some(sig) = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()) else {
        return Err(forbidden("missing_signature", "X-Twilio-Signature is required"));
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let url = format!("{}{}", st.engine.config.public_url, path_and_query);
    let Some(store) = store.filter(|s| twilio::verify(&s.twilio_auth_token, &url, &params, sig)) else {
        tracing::warn!(store = %store_id, "twilio webhook with an invalid signature refused");
        return Err(forbidden("invalid_signature", "X-Twilio-Signature does not match this request"));
    };
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let raw_from = param("From").unwrap_or_default();
    let (channel, from) = match raw_from.strip_prefix("whatsapp:") {
        Some(rest) => (Channel::Whatsapp, rest),
        None => (Channel::Sms, raw_from),
    };
    let Some(from) = normalize_phone(from) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_from",
            "`From` must be a phone number in E.164 form",
        ));
    };
    let reply = InboundReply {
        channel,
        from,
        body: param("Body").unwrap_or_default().to_string(),
        message_id: param("MessageSid").unwrap_or_default().to_string(),
    };
    let outcome = st.engine.on_reply(&store, &reply).await?;
    let mut resp = twilio::twiml(outcome.reply.as_deref()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    Ok(resp)
}
