//! `GET /v1/stores/{store}/stats`: the merchant's report.

use crate::AppState;
use crate::auth::store_for_request;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use cartback_core::engine::StatsReport;

pub async fn get_stats(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<StatsReport>, ApiError> {
    let own = store_for_request(&st.engine.config, &headers)?;
    // Another store's key gets the same answer as a store that does not exist.
    if own.id != store {
        return Err(ApiError::not_found());
    }
    Ok(Json(st.engine.stats_report(&store).await?))
}
