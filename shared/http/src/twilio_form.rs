//! A request Twilio signed: the form body read (bounded) and `X-Twilio-Signature` checked over
//! `replies_url` (`public_url` unless set) + the path and query, with the store's auth token. Replies and status callbacks
//! both arrive this way.

use crate::AppState;
use crate::error::{ApiError, read_body};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri};
use cartback_core::config::StoreConfig;
use cartback_core::conversations::twilio_webhook;
use std::sync::Arc;

const MAX_FORM_BYTES: usize = 64 * 1024;

pub type Form = Vec<(String, String)>;

/// The store and the form, or 403. An unknown store is answered like a bad signature: no
/// existence leak.
pub async fn verified(
    st: &AppState,
    store_id: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Arc<StoreConfig>, Form), ApiError> {
    let forbidden = |code, msg: &str| ApiError::new(StatusCode::FORBIDDEN, code, msg);
    let store = st.engine.config().store(store_id).cloned();
    let bytes = read_body(headers, body, MAX_FORM_BYTES).await?;
    let Some(sig) = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()) else {
        return Err(forbidden("missing_signature", "X-Twilio-Signature is required"));
    };
    let params: Form = form_urlencoded::parse(&bytes).into_owned().collect();
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let url = format!("{}{}", st.engine.config().replies_url, path_and_query);
    // Only a configured store's id is logged: the path is the caller's text (a newline or an
    // escape sequence in it would forge log lines).
    let known = store.as_ref().map(|s| s.id.clone());
    // Signed with the auth token (HMAC-SHA1), or, when the request names its signature settings,
    // with the store's SharedKey and the algorithm named there.
    let settings = headers.get("x-twilio-webhooks-signature-settings").and_then(|v| v.to_str().ok());
    let algorithm = twilio_webhook::Algorithm::from_settings(settings)
        .map_err(|a| forbidden("unsupported_signature", &format!("signature algorithm {a:?} is not supported")))?;
    let key = |s: &StoreConfig| match settings {
        None => Some(s.twilio_auth_token.expose().to_string()),
        Some(_) => s.twilio_webhook_shared_key.as_ref().map(|k| k.expose().to_string()),
    };
    let Some(store) =
        store.filter(|s| key(s).is_some_and(|k| twilio_webhook::verify_with(algorithm, &k, &url, &params, sig)))
    else {
        tracing::warn!(
            store = known.as_deref().unwrap_or("(unknown)"),
            "twilio webhook with an invalid signature refused"
        );
        return Err(forbidden("invalid_signature", "X-Twilio-Signature does not match this request"));
    };
    Ok((store, params))
}
