//! `/v1/unsubscribe/{store}/{token}`: the e-mail's unsubscribe link (RFC 8058).
//! - `POST` (mail clients' one-click button, body `List-Unsubscribe=One-Click`, or the page's
//!   button) opts the contact out of e-mail at once.
//! - `GET` (a person clicking the footer link) shows a page with that button: link scanners
//!   and prefetchers follow GETs, and must not unsubscribe anyone.

use crate::AppState;
use crate::error::ApiError;
use crate::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cartback_core::config::StoreConfig;
use cartback_core::domain::Channel;
use std::sync::Arc;

async fn resolve(st: &AppState, store_id: &str, token: &str) -> Result<(Arc<StoreConfig>, String), ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "link_not_found", "this unsubscribe link is not valid");
    let store = st.engine.config().store(store_id).cloned().ok_or_else(not_found)?;
    let key = st.engine.links.unsubscribe_link_contact(&store, token).await?.ok_or_else(not_found)?;
    Ok((store, key))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title></head><body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    ))
}

pub async fn confirm(
    State(st): State<AppState>,
    Path((store_id, token)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (store, _) = resolve(&st, &store_id, &token).await?;
    let body = format!(
        "<p>Stop cart reminder e-mails from {}?</p><form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>",
        escape(&store.name)
    );
    Ok(page("Unsubscribe", &body).into_response())
}

pub async fn one_click(
    State(st): State<AppState>,
    Path((store_id, token)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (store, key) = resolve(&st, &store_id, &token).await?;
    st.engine.feedback.unsubscribe(&store, &key, Channel::Email).await?;
    let body = format!("<p>You will get no more cart reminder e-mails from {}.</p>", escape(&store.name));
    Ok(page("Unsubscribed", &body).into_response())
}
