//! `POST /v1/replies/twilio/{store}`: Twilio's inbound SMS webhook, signature-checked.

use crate::AppState;
use crate::error::ApiError;
use crate::path::Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cartback_core::conversations::replies::InboundReply;
use cartback_core::conversations::twilio_webhook;
use cartback_core::domain::Channel;
use cartback_core::intake::contract::normalize_phone;

pub async fn twilio(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (store, params) = crate::twilio_form::verified(&st, &store_id, &uri, &headers, body).await?;
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
        sent_at: None,
    };
    let outcome = st.engine.replies.on_reply(&store, &reply).await?;
    let mut resp = twilio_webhook::twiml(outcome.reply.as_deref()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    Ok(resp)
}
