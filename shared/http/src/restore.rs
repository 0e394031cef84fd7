//! `GET /r/{token}`: the restore link.

use crate::AppState;
use crate::error::ApiError;
use crate::path::Path;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::messaging::links::LinkOutcome;

/// With `?rec={seq}.{index}`: a product an e-mail recommended (docs/recommendations.md). Any
/// other query is ignored, as before (a mail client's tracking parameters).
pub async fn open(
    State(st): State<AppState>,
    Path(token): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    let rec = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "rec").map(|(_, v)| v.into_owned()));
    let outcome = match rec.as_deref() {
        Some(rec) => st.engine.links.open_recommendation(&token, rec).await?,
        None => st.engine.links.open_link(&token).await?,
    };
    match outcome {
        LinkOutcome::Redirect(url) => {
            let location = HeaderValue::from_str(&url).map_err(|_| ApiError::not_found())?;
            let mut resp = StatusCode::FOUND.into_response();
            let h = resp.headers_mut();
            h.insert(header::LOCATION, location);
            // The token is a bearer of the cart: keep it out of caches and Referer headers.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            Ok(resp)
        }
        LinkOutcome::NotFound => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "link_not_found", "this link does not exist"))
        }
        LinkOutcome::Expired => Err(ApiError::new(StatusCode::GONE, "link_expired", "this link has expired")),
    }
}
