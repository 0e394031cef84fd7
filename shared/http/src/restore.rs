//! `GET /r/{token}`: the restore link.

use crate::AppState;
use crate::error::ApiError;
use crate::path::Path;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::messaging::links::LinkOutcome;

pub async fn open(State(st): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    match st.engine.links.open_link(&token).await? {
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
