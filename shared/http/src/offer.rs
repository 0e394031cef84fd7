//! `POST /v1/on-site/{store}/offer?key=pk_…`: the exit-intent offer's dialog (docs/on-site.md)
//! reports what the shopper did with it — `shown`, `dismissed` — and `claim`s its code with an
//! address and a yes. Public like `/v1/collect`: the publishable key, a page on the store's
//! `allowed_domains`, the same rate limits and the same hold on what a page may send.
//!
//! A claim is the shopper's contact captured (`contact.captured` on their browser cart, with the
//! consent and the consent text's version in their language, through the snippet's own path:
//! `collect::ingest_public`), then the code, from the coupon budget, once per cart
//! (`messaging::offer_codes`). Without the yes nothing is written.

use crate::AppState;
use crate::collect::{allowed_origin, key_of, origin_refused, public_key_ok, with_cors};
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::config::StoreConfig;
use cartback_core::domain::Channel;
use cartback_core::messaging::offer_codes::{OfferOutcome, counter};
use serde_json::{Value, json};

/// A claim is an address and a few words.
const MAX_OFFER_BYTES: usize = 4 * 1024;

pub async fn post_offer(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let allowed = allowed_origin(&st, &store_id, req.headers().get(header::ORIGIN));
    let resp = match answer(&st, &store_id, key_of(query.as_deref()), req, allowed.is_some()).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    with_cors(resp, allowed.as_ref())
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::invalid(vec![cartback_core::intake::contract::FieldError {
        field: field.into(),
        code,
        message: message.into(),
    }])
}

async fn answer(
    st: &AppState,
    store_id: &str,
    key: Option<String>,
    req: Request,
    origin_ok: bool,
) -> Result<Response, ApiError> {
    let store = st.engine.config().store(store_id).cloned().ok_or_else(ApiError::not_found)?;
    public_key_ok(&store, key)?;
    if !origin_ok {
        return Err(origin_refused());
    }
    let Some(offer) = store.on_site.offer.as_ref() else { return Err(ApiError::not_found()) };
    if let Err(wait) =
        st.collect_limits.check(&store.id, &crate::collect::client_address(&req), std::time::Instant::now())
    {
        let mut resp =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many events; slow down").into_response();
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(resp);
    }
    let headers = req.headers().clone();
    let bytes = read_body(&headers, Body::new(req.into_body()), MAX_OFFER_BYTES).await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    let variant = text("variant");
    if !offer.variants.iter().any(|x| *x.name == *variant) {
        return Err(invalid("variant", "unknown_variant", "`variant` is not one of the store's offer variants"));
    }
    match text("action") {
        what @ ("shown" | "dismissed") => {
            st.engine.count(&store.id, vec![(counter(variant, what), 1)]).await;
            Ok((StatusCode::ACCEPTED, axum::Json(json!({"status": "counted"}))).into_response())
        }
        "claim" => claim(st, &store, &v, variant).await,
        _ => Err(invalid("action", "invalid_field", "`action` is shown, dismissed or claim")),
    }
}

async fn claim(st: &AppState, store: &StoreConfig, v: &Value, variant: &str) -> Result<Response, ApiError> {
    let Some(offer) = store.on_site.offer.as_ref() else { return Err(ApiError::not_found()) };
    if v.get("consent") != Some(&json!(true)) {
        return Err(invalid(
            "consent",
            "consent_required",
            "the code is given only with the shopper's yes to the consent text (`consent: true`)",
        ));
    }
    let field = if offer.ask == Channel::Sms { "phone" } else { "email" };
    let Some(address) = v.get(field).and_then(Value::as_str).filter(|a| !a.trim().is_empty()) else {
        return Err(invalid(field, "missing_field", &format!("`{field}` is required")));
    };
    let cart_id = v.get("cart_id").and_then(Value::as_str).unwrap_or_default();
    // The consent text the shopper saw: the store's version, in the language it was shown in.
    let lang = v
        .get("locale")
        .and_then(Value::as_str)
        .and_then(cartback_core::domain::locale::primary)
        .filter(|l| offer.texts.contains_key(l))
        .unwrap_or_else(|| "en".into());
    let consent = if offer.ask == Channel::Sms { json!({"sms": true}) } else { json!({"email": true}) };
    let mut customer = json!({"consent": consent, "consent_version": format!("{} ({lang})", offer.consent_version)});
    customer[field] = json!(address.trim());
    if let Some(l) = v.get("locale").and_then(Value::as_str).filter(|l| l.len() <= 35) {
        customer["locale"] = json!(l);
    }
    let event = json!({
        "event_id": format!("offer-{}", cart_id.get(..100).unwrap_or(cart_id)),
        "type": "contact.captured",
        "cart_id": cart_id,
        "customer": customer,
        "phone_country": v.get("phone_country").cloned().unwrap_or(Value::Null),
    });
    let (_, dropped) = crate::collect::ingest_public(st, store, event).await?;
    if dropped.contains(&"customer.phone") {
        return Err(invalid("phone", "phone_not_accepted", "this number cannot be accepted here"));
    }
    match st.engine.coupons.claim_offer(store, cart_id, variant).await? {
        Some(OfferOutcome::Given { code, expires_at, variant }) => Ok((
            StatusCode::OK,
            axum::Json(json!({"status": "given", "code": code, "expires_at": expires_at, "variant": variant})),
        )
            .into_response()),
        Some(OfferOutcome::Withheld { reason }) => {
            Ok((StatusCode::OK, axum::Json(json!({"status": "withheld", "reason": reason}))).into_response())
        }
        None => Err(ApiError::not_found()),
    }
}
