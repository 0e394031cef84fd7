//! `POST /v1/collect/{store}?key=pk_…`: cart activity from the capture snippet in shoppers'
//! browsers, authenticated by the store's *publishable* key.
//!
//! The key is public (it is in the shop's HTML), so what it can do is kept to the minimum the
//! snippet needs, and nothing that reads or undoes:
//! - only `cart.updated`, `checkout.started`, `contact.captured` and `cart.cleared` — never an
//!   order, so nobody can mark a cart bought and silence its recovery;
//! - only browser carts, whose ids start with `web-` and are random per browser, so a caller can
//!   touch no Shopify, WooCommerce or API cart, nor another shopper's;
//! - only from pages on the store's `allowed_domains` (the `Origin` header; browsers set it and
//!   scripts on other sites cannot change it), and restore targets only there too;
//! - the answer says `accepted` and nothing about the cart;
//! - rate-limited per client address and per store (`rate_limit`);
//! - `occurred_at` is the server's time: shoppers' clocks are wrong often enough.
//!
//! A request forged outside a browser can still claim any contact with consent, so what it
//! claims is held down (`restrict`): free text that is not plainly a name or a product name is
//! left out or made neutral (`intake::snippet`), and a phone is kept only from the store's
//! allowed countries and within its hourly budget per country calling code. The per-contact
//! frequency cap and one SMS per abandonment bound the rest (docs/connect-your-shop.md).
//!
//! Bodies are `text/plain` or `application/json`: `navigator.sendBeacon` and a `text/plain`
//! fetch are "simple" requests, sent without a CORS preflight.

use crate::AppState;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::config::StoreConfig;
use cartback_core::domain::phone::{normalize_national, normalize_phone};
use cartback_core::engine::counters::Counter;
use cartback_core::intake::contract::{EventError, parse_event};
use serde_json::{Value, json};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

/// A snippet event is a few hundred bytes; a cart of a hundred lines stays under this.
pub const MAX_COLLECT_BYTES: usize = 32 * 1024;
const PUBLIC_TYPES: [&str; 4] = ["cart.updated", "checkout.started", "contact.captured", "cart.cleared"];
pub use cartback_core::intake::snippet::BROWSER_CART_PREFIX;

/// `?key=`, read leniently: a malformed query is a missing key, answered in JSON like the rest.
pub(crate) fn key_of(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).find(|(k, _)| k == "key").map(|(_, v)| v.into_owned())
}

/// The CORS answer for an allowed origin (errors carry it too, so the snippet can read them).
pub(crate) fn with_cors(mut resp: Response, origin: Option<&HeaderValue>) -> Response {
    let h = resp.headers_mut();
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// The store's publishable key, given as `?key=` (a store without one has no public routes).
pub(crate) fn public_key_ok(store: &StoreConfig, key: Option<String>) -> Result<(), ApiError> {
    let Some(expected) = store.publishable_key.as_deref() else { return Err(ApiError::not_found()) };
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_publishable_key",
            "add the store's publishable key as `?key=pk_…`",
        ));
    };
    if !bool::from(key.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_publishable_key",
            "the publishable key is not valid",
        ));
    }
    Ok(())
}

/// The host of an `Origin` header if it is on the store's allowed domains.
pub(crate) fn origin_allowed(store: &StoreConfig, origin: Option<&HeaderValue>) -> bool {
    let Some(o) = origin.and_then(|o| o.to_str().ok()) else { return false };
    // `allows_url` checks scheme, credentials and host against `allowed_domains`.
    store.allows_url(&format!("{}/", o.trim_end_matches('/')))
}

pub(crate) fn client_address(req: &Request) -> String {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        return addr.ip().to_string();
    }
    // Behind API Gateway the caller's address is the last entry it appended; earlier ones are
    // whatever the client sent.
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

pub async fn preflight(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store =
        st.engine.config().store(&store_id).filter(|s| s.publishable_key.is_some()).ok_or_else(ApiError::not_found)?;
    let origin = headers.get(header::ORIGIN);
    if !origin_allowed(store, origin) {
        return Err(origin_refused());
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    Ok(with_cors(resp, origin))
}

pub(crate) fn origin_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
        "the snippet is accepted only from pages on the store's allowed_domains",
    )
}

/// The request's `Origin` when it is a page on the store's `allowed_domains`: only such an
/// origin is named back in CORS headers (echoing a refused one would tell its page it may read).
pub(crate) fn allowed_origin(st: &AppState, store_id: &str, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    origin.filter(|o| st.engine.config().store(store_id).is_some_and(|s| origin_allowed(s, Some(o)))).cloned()
}

pub async fn collect(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed = allowed_origin(&st, &store_id, origin.as_ref());
    let resp = match accept(&st, &store_id, key_of(query.as_deref()), req, origin.as_ref()).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    with_cors(resp, allowed.as_ref())
}

async fn accept(
    st: &AppState,
    store_id: &str,
    key: Option<String>,
    req: Request,
    origin: Option<&HeaderValue>,
) -> Result<Response, ApiError> {
    let store = st.engine.config().store(store_id).cloned().ok_or_else(ApiError::not_found)?;
    public_key_ok(&store, key)?;
    if !origin_allowed(&store, origin) {
        return Err(origin_refused());
    }
    if let Err(wait) = st.collect_limits.check(&store.id, &client_address(&req), std::time::Instant::now()) {
        let mut resp =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many events; slow down").into_response();
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(resp);
    }
    let headers = req.headers().clone();
    if let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        let ct = ct.trim_start().to_ascii_lowercase();
        if !ct.starts_with("text/plain") && !ct.starts_with("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the event as text/plain or application/json",
            ));
        }
    }
    let bytes = read_body(&headers, Body::new(req.into_body()), MAX_COLLECT_BYTES).await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    let (r, dropped) = ingest_public(st, &store, v).await?;
    let mut body = json!({"status": "accepted"});
    if r.duplicate {
        body["duplicate"] = json!(true);
    }
    if !dropped.is_empty() {
        body["dropped"] = json!(dropped);
    }
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// An event from a page, held to what a publishable key may send (`restrict`, `neutralize_text`,
/// `limit_phone`), then ingested; what was left out is counted and returned. The snippet's
/// events and the on-site offer's contact (`offer.rs`) both come this way.
pub(crate) async fn ingest_public(
    st: &AppState,
    store: &StoreConfig,
    mut v: Value,
) -> Result<(cartback_core::intake::apply::IngestResult, Vec<&'static str>), ApiError> {
    let mut dropped = restrict(&mut v, st.engine.now())?;
    let mut causes = neutralize_text(&mut v, &mut dropped);
    causes.extend(limit_phone(st, store, &mut v, &mut dropped));
    let event = parse_event(v.to_string().as_bytes(), store).map_err(|e| match e {
        EventError::Malformed(m) => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", m),
        EventError::Invalid(fields) => ApiError::invalid(fields),
    })?;
    let r = st.engine.intake.ingest(store, &event).await?;
    if !causes.is_empty() {
        tracing::info!(store = %store.id, causes = ?causes, "snippet fields left out or made neutral");
        st.engine.count(&store.id, causes.into_iter().map(|c| (Counter::SnippetDropped(c), 1)).collect()).await;
    }
    Ok((r, dropped))
}

/// Free text an attacker could aim at the shopper: a first name that is not plainly a name is
/// left out (the message greets without one); a product name that is not plainly one becomes
/// "Item".
fn neutralize_text(v: &mut Value, dropped: &mut Vec<&'static str>) -> Vec<&'static str> {
    let mut causes = Vec::new();
    use cartback_core::intake::snippet::{NEUTRAL_ITEM_NAME, plain_item_name, plain_name};
    if let Some(c) = v.get_mut("customer").and_then(Value::as_object_mut)
        && c.get("first_name").is_some_and(|n| !n.as_str().is_some_and(plain_name))
    {
        c.remove("first_name");
        dropped.push("customer.first_name");
        causes.push("first_name");
    }
    let items = v.get_mut("cart").and_then(|c| c.get_mut("items")).and_then(Value::as_array_mut);
    let mut replaced = false;
    for item in items.into_iter().flatten() {
        if let Some(name) = item.get_mut("name")
            && !name.as_str().is_some_and(plain_item_name)
        {
            *name = json!(NEUTRAL_ITEM_NAME);
            replaced = true;
        }
    }
    if replaced {
        dropped.push("cart.items.name");
        causes.push("item_name");
    }
    causes
}

/// A phone from the snippet is kept only from an allowed country and within the store's hourly
/// budget for its calling code; otherwise it is left out (the e-mail stays) and counted.
fn limit_phone(
    st: &AppState,
    store: &StoreConfig,
    v: &mut Value,
    dropped: &mut Vec<&'static str>,
) -> Option<&'static str> {
    use cartback_core::intake::snippet::{calling_code, phone_country};
    let c = v.get_mut("customer").and_then(Value::as_object_mut)?;
    let phone = c.get("phone").and_then(Value::as_str).map(str::to_string)?;
    let policy = &store.snippet;
    let cause = if !policy.sms_countries.is_empty()
        && !phone_country(&phone).is_some_and(|cc| policy.sms_countries.contains(&cc))
    {
        Some("phone.country_not_allowed")
    } else {
        let code = calling_code(&phone).map(|c| c.to_string()).unwrap_or_default();
        let per_hour = f64::from(policy.phones_per_hour);
        let limit = crate::rate_limit::Limit { burst: per_hour, per_second: per_hour / 3600.0 };
        (!st.snippet_phones.take((&store.id, &code), limit, std::time::Instant::now())).then_some("phone.phone_rate")
    };
    if cause.is_some() {
        c.remove("phone");
        dropped.push("customer.phone");
    }
    cause
}

/// Holds the body to what a publishable key may send, stamps the server's time, and reads a
/// phone typed in national format in the shop's country (`phone_country`). A phone that still
/// is not valid is left out rather than losing the e-mail sent with it; it is named in
/// `dropped`.
fn restrict(v: &mut Value, now: jiff::Timestamp) -> Result<Vec<&'static str>, ApiError> {
    let invalid = |field: &str, code: &'static str, m: &str| {
        ApiError::invalid(vec![cartback_core::intake::contract::FieldError {
            field: field.into(),
            code,
            message: m.into(),
        }])
    };
    let Some(obj) = v.as_object_mut() else {
        return Err(invalid("", "invalid_type", "the body must be a JSON object"));
    };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    if !PUBLIC_TYPES.contains(&kind) {
        return Err(invalid(
            "type",
            "event_type_not_public",
            "a publishable key sends cart.updated, checkout.started, contact.captured or cart.cleared",
        ));
    }
    let cart = obj.get("cart_id").and_then(Value::as_str).unwrap_or_default();
    if !cart.starts_with(BROWSER_CART_PREFIX) || cart.len() < BROWSER_CART_PREFIX.len() + 16 {
        return Err(invalid(
            "cart_id",
            "cart_id_not_public",
            "a publishable key sends browser carts only: `web-` and at least 16 random characters",
        ));
    }
    obj.insert("occurred_at".into(), json!(now.to_string()));
    let country = obj.remove("phone_country");
    let mut dropped = Vec::new();
    // The store's customer id is the store's to assign: from a page anyone can script, it
    // would let a later order that carries only that id recover the caller's cart.
    if let Some(c) = obj.get_mut("customer").and_then(Value::as_object_mut)
        && c.remove("id").is_some()
    {
        dropped.push("customer.id");
    }
    if let Some(c) = obj.get_mut("customer").and_then(Value::as_object_mut)
        && let Some(raw) = c.get("phone").and_then(Value::as_str).map(str::to_string)
    {
        let country = country.as_ref().and_then(Value::as_str).unwrap_or_default();
        match normalize_phone(&raw).or_else(|| normalize_national(&raw, country)) {
            Some(p) => {
                c.insert("phone".into(), json!(p));
            }
            None => {
                c.remove("phone");
                dropped.push("customer.phone");
            }
        }
    }
    Ok(dropped)
}
