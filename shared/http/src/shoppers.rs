//! A shopper's data rights, with the store's API key (docs/http-api.md, "Shopper data rights"):
//! `POST …/shoppers/export` answers everything held about a shopper as one JSON document;
//! `POST …/shoppers/erase` erases it, keeping only a suppression record for their opt-outs.
//! The shopper is named in the body (`{"email": …, "phone": …}`), never in the URL, so no
//! address reaches an access log.

use crate::AppState;
use crate::auth::own_store;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cartback_core::config::StoreConfig;
use cartback_core::shopper_data::{ErasureReport, ShopperExport, ShopperQuery};
use serde_json::Value;
use std::sync::Arc;

async fn request(
    st: &AppState,
    store: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Arc<StoreConfig>, ShopperQuery), ApiError> {
    let own = own_store(st.engine.config(), store, headers)?;
    let bytes = read_body(headers, body, 4 * 1024).await?;
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_shopper", m.to_string());
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the body must be a JSON object"))?;
    let text = |k: &str| match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(&format!("`{k}` must be a string"))),
    };
    let (email, phone) = (text("email")?, text("phone")?);
    use cartback_core::intake::contract::limits::{EMAIL, PHONE};
    if email.as_ref().is_some_and(|e| e.len() > EMAIL) || phone.as_ref().is_some_and(|p| p.len() > PHONE) {
        return Err(invalid(&format!("an email has at most {EMAIL} bytes, a phone {PHONE}")));
    }
    Ok((own, ShopperQuery { email, phone }))
}

fn query_error(e: cartback_core::shopper_data::QueryError) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_shopper", e.to_string())
}

pub async fn export(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ShopperExport>, ApiError> {
    let (own, q) = request(&st, &store, &headers, body).await?;
    let found = st.engine.rights.find_shopper(&own, &q).await?.map_err(query_error)?;
    tracing::info!(store = %own.id, carts = found.carts.len(), contacts = found.contacts.len(), conversations = found.conversations.len(), "shopper data exported");
    Ok(Json(found))
}

pub async fn erase(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ErasureReport>, ApiError> {
    let (own, q) = request(&st, &store, &headers, body).await?;
    Ok(Json(st.engine.rights.erase_shopper(&own, &q).await?.map_err(query_error)?))
}
