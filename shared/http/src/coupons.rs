//! `GET /v1/stores/{store}/coupons/{code}` (check) and `POST …/{code}/redeem` (redeem exactly
//! once), with the store's API key: the storefront's side of the discount codes in messages.

use crate::AppState;
use crate::auth::own_store;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cartback_core::messaging::coupons::CouponState;

async fn lookup(
    st: &AppState,
    store: &str,
    code: &str,
    headers: &HeaderMap,
    redeem: bool,
) -> Result<Response, ApiError> {
    let own = own_store(st.engine.config(), store, headers)?;
    let view = st.engine.coupons.coupon(&own, code, redeem).await?;
    // Redeeming: 200 for the one call that redeems it (the engine answers `valid` with
    // `redeemed_at` set), 409 once spent, 410 once expired.
    match view.status {
        CouponState::Unknown => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "coupon_not_found", "no such code for this store"));
        }
        CouponState::Expired if redeem => {
            return Err(ApiError::new(StatusCode::GONE, "coupon_expired", "this code has expired"));
        }
        CouponState::Redeemed if redeem => {
            return Err(ApiError::new(StatusCode::CONFLICT, "coupon_already_redeemed", "this code was already used"));
        }
        _ => {}
    }
    let mut body = serde_json::to_value(&view).unwrap_or_default();
    if redeem {
        body["status"] = serde_json::json!("redeemed");
    }
    let status = StatusCode::OK;
    Ok((status, Json(body)).into_response())
}

pub async fn check(
    State(st): State<AppState>,
    Path((store, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    lookup(&st, &store, &code, &headers, false).await
}

pub async fn redeem(
    State(st): State<AppState>,
    Path((store, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    lookup(&st, &store, &code, &headers, true).await
}
