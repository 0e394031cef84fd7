//! `GET /v1/stores/{store}/stats`: the merchant's report; `GET /v1/stores/{store}/stats/daily`:
//! its counters per day in the store's zone (`from`, `to`: `YYYY-MM-DD`, default the last 30
//! days; `format=csv` for a spreadsheet).

use crate::AppState;
use crate::auth::own_store;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::engine::{DailyReport, StatsReport};
use std::collections::BTreeSet;

pub async fn get_stats(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<StatsReport>, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    Ok(Json(st.engine.stats_report(&store).await?))
}

pub async fn get_daily(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    let (mut from, mut to, mut csv) = (None, None, false);
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let date = |name: &'static str| {
            v.parse::<jiff::civil::Date>().map(Some).map_err(|_| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_date", format!("{name} is a date: YYYY-MM-DD"))
            })
        };
        match k.as_ref() {
            "from" => from = date("from")?,
            "to" => to = date("to")?,
            "format" => match v.as_ref() {
                "json" => csv = false,
                "csv" => csv = true,
                _ => return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_format", "format is json or csv")),
            },
            _ => {}
        }
    }
    let report = st
        .engine
        .stats_daily(&store, from, to)
        .await?
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_range", e.to_string()))?;
    if csv {
        let name = format!("attachment; filename=\"cartback-{store}-{}-{}.csv\"", report.from, report.to);
        let disposition = header::HeaderValue::from_str(&name)
            .unwrap_or_else(|_| header::HeaderValue::from_static("attachment; filename=\"cartback.csv\""));
        return Ok((
            [
                (header::CONTENT_TYPE, header::HeaderValue::from_static("text/csv; charset=utf-8")),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            to_csv(&report),
        )
            .into_response());
    }
    Ok(Json(report).into_response())
}

/// One row per day; one revenue column per currency seen in the range (minor units). Every
/// cell is a date or a number, so nothing a spreadsheet could run as a formula.
pub fn to_csv(r: &DailyReport) -> String {
    let currencies: BTreeSet<&String> = r.days.iter().flat_map(|d| d.revenue_recovered.keys()).collect();
    let mut out = String::from(
        "date,carts_tracked,carts_abandoned,carts_messaged,messages,clicks,orders_recovered,orders_converted,opt_outs",
    );
    for c in &currencies {
        out.push_str(&format!(",revenue_recovered_{c}_minor"));
    }
    out.push_str("\r\n");
    for d in &r.days {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}",
            d.date,
            d.carts_tracked,
            d.carts_abandoned,
            d.carts_messaged,
            d.messages,
            d.clicks,
            d.orders_recovered,
            d.orders_converted,
            d.opt_outs
        ));
        for c in &currencies {
            out.push_str(&format!(",{}", d.revenue_recovered.get(*c).copied().unwrap_or(0)));
        }
        out.push_str("\r\n");
    }
    out
}
