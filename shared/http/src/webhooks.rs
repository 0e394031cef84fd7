//! Platform webhooks, signature-checked and mapped onto the native event contract:
//! - `POST /v1/webhooks/shopify/{store}` (`cartback_core::intake::shopify`),
//! - `POST /v1/webhooks/woocommerce/{store}` (`cartback_core::intake::woocommerce`).
//!
//! Both platforms retry or disable a webhook that keeps failing, so anything that is not the
//! sender's fault and not ours to use (an unknown topic, an order state we ignore) is answered
//! 200 and counted, never refused.

use crate::AppState;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cartback_core::config::StoreConfig;
use cartback_core::engine::counters::Counter;
use cartback_core::intake::contract::{EventError, parse_event};
use cartback_core::{intake::shopify, intake::woocommerce};
use serde_json::json;

/// The platforms' largest payloads (hundreds of line items) stay well below this.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

fn unauthorized(code: &'static str, m: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, m)
}

fn missing_header(m: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "missing_header", m)
}

fn invalid_payload(m: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload", m)
}

pub async fn shopify(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // A store that does not exist and one without a Shopify secret look the same from outside.
    let store = st.engine.config().store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let secret = store.shopify_webhook_secret.clone().ok_or_else(ApiError::not_found)?;
    let bytes = read_body(&headers, body, MAX_WEBHOOK_BYTES).await?;
    let sig = header(&headers, "x-shopify-hmac-sha256")
        .ok_or_else(|| unauthorized("missing_signature", "X-Shopify-Hmac-Sha256 is required"))?;
    if !shopify::verify(secret.expose(), &bytes, sig) {
        return Err(unauthorized(
            "invalid_signature",
            "X-Shopify-Hmac-Sha256 does not match the body and this store's Shopify webhook secret",
        ));
    }
    let topic = header(&headers, "x-shopify-topic").ok_or_else(|| missing_header("X-Shopify-Topic is required"))?;
    let delivery =
        header(&headers, "x-shopify-webhook-id").ok_or_else(|| missing_header("X-Shopify-Webhook-Id is required"))?;
    let received_at = header(&headers, "x-shopify-triggered-at")
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(|| st.engine.now())
        .to_string();
    // The catalogue kept in step (docs/catalogue.md): a product changed, added or deleted.
    if matches!(topic, "products/create" | "products/update" | "products/delete") {
        return match st.engine.catalogue.product_webhook(&store, topic, &bytes).await? {
            Ok(()) => Ok((StatusCode::OK, axum::Json(json!({"status": "applied", "topic": topic}))).into_response()),
            Err(e) => Ok(rejected_product(topic, &e)),
        };
    }
    let mapped = shopify::map(topic, &received_at, &bytes).map_err(|e| match e {
        // Signed, but under a topic whose shape it does not have: a captured body replayed
        // with another X-Shopify-Topic. Treated as forged.
        shopify::ShopifyError::Forged { .. } => {
            tracing::warn!(store = %store.id, topic, delivery, "shopify body does not match its topic; refused");
            unauthorized("forged_payload", &e.to_string())
        }
        e => invalid_payload(e.to_string()),
    })?;
    // Counted once the delivery is taken (a refused request writes nothing).
    let version = shopify::api_version(header(&headers, "x-shopify-api-version"));
    st.engine.count(&store.id, vec![(Counter::WebhookApiVersion("shopify", version), 1)]).await;
    match mapped {
        shopify::Mapped::Event { native, aliases } => {
            let (response, cart) = apply_event(&st, &store, "shopify", &native).await?;
            if let Some(cart) = cart {
                st.engine.intake.remember_checkout_aliases(&store, &cart, &aliases).await?;
            }
            Ok(response)
        }
        shopify::Mapped::ClearByAlias { aliases, event_id, occurred_at } => {
            match st.engine.intake.cart_by_checkout_alias(&store, &aliases).await? {
                Some(cart) => {
                    apply(&st, &store, "shopify", &shopify::native_clear(&event_id, &occurred_at, &cart)).await
                }
                // Never seen by its create (subscribed later, or a checkout Cartback did not
                // track): nothing to clear. Acknowledged and counted.
                None => dropped(&st, &store, "shopify", vec!["checkout_not_found".into()]).await,
            }
        }
        shopify::Mapped::OrderProgress(update) => {
            let contacts = st.engine.intake.order_progress(&store, &update).await?;
            let body = json!({"status": "applied", "topic": topic, "contacts": contacts});
            Ok((StatusCode::OK, axum::Json(body)).into_response())
        }
        shopify::Mapped::Ignored => ignored(&st, &store, "shopify", topic, "topic").await,
    }
}

pub async fn woocommerce(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let store = st.engine.config().store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let secret = store.woocommerce_webhook_secret.clone().ok_or_else(ApiError::not_found)?;
    let bytes = read_body(&headers, body, MAX_WEBHOOK_BYTES).await?;
    let Some(sig) = header(&headers, "x-wc-webhook-signature") else {
        // WooCommerce checks a new webhook's URL with an unsigned `webhook_id=N` ping and will
        // not save the webhook unless it is answered 2xx. It carries nothing and changes nothing.
        if woocommerce::is_ping(&bytes) {
            return Ok((StatusCode::OK, axum::Json(json!({"status": "ping"}))).into_response());
        }
        return Err(unauthorized("missing_signature", "X-WC-Webhook-Signature is required"));
    };
    if !woocommerce::verify(secret.expose(), &bytes, sig) {
        return Err(unauthorized(
            "invalid_signature",
            "X-WC-Webhook-Signature does not match the body and this store's WooCommerce webhook secret",
        ));
    }
    let topic =
        header(&headers, "x-wc-webhook-topic").ok_or_else(|| missing_header("X-WC-Webhook-Topic is required"))?;
    let delivery = header(&headers, "x-wc-webhook-delivery-id")
        .ok_or_else(|| missing_header("X-WC-Webhook-Delivery-ID is required"))?;
    // The catalogue kept in step (docs/catalogue.md): a product added, changed, trashed or
    // restored, or one of its variations.
    if matches!(topic, "product.created" | "product.updated" | "product.deleted" | "product.restored") {
        return match st.engine.catalogue.woocommerce_product_webhook(&store, topic, &bytes).await? {
            Ok(what) => {
                let status = if what.starts_with("deferred") { "deferred" } else { "applied" };
                Ok((StatusCode::OK, axum::Json(json!({"status": status, "topic": topic, "done": what})))
                    .into_response())
            }
            Err(e) => Ok(rejected_product(topic, &e)),
        };
    }
    // The signature covers the body, not this header: it builds a pay-for-order link only when
    // it names one of the store's own domains.
    let source = header(&headers, "x-wc-webhook-source").filter(|s| store.checked_url(s).is_some());
    let mapped = woocommerce::map(topic, delivery, source, &bytes).map_err(|e| invalid_payload(e.to_string()))?;
    // An order placed, shipped or cancelled: its progress for "where is my order?", kept after
    // the event (which notes a recovered order first) and whether or not the event applies.
    let progress = woocommerce::order_progress(topic, &bytes);
    let response = match mapped {
        woocommerce::Mapped::Event(native) => apply(&st, &store, "woocommerce", &native).await?,
        woocommerce::Mapped::Ignored(_) if progress.is_some() => {
            (StatusCode::OK, axum::Json(json!({"status": "applied", "topic": topic}))).into_response()
        }
        woocommerce::Mapped::Ignored(what) => ignored(&st, &store, "woocommerce", topic, what).await?,
        woocommerce::Mapped::Unusable(why) => dropped(&st, &store, "woocommerce", vec![why.to_string()]).await?,
    };
    if let Some(update) = progress {
        st.engine.intake.order_progress(&store, &update).await?;
    }
    Ok(response)
}

/// A signed product change the catalogue cannot take (not a product, over the catalogue's
/// limits): answered 200 all the same, since both platforms disable a webhook that keeps failing
/// and every later change would be lost; counted (`catalogue.rejected.{cause}`), and the stored
/// catalogue is unchanged.
fn rejected_product(topic: &str, e: &cartback_core::catalogue::CatalogueError) -> Response {
    let body = json!({"status": "rejected", "topic": topic, "reason": e.to_string()});
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A verified delivery that cannot be used: acknowledged (200, so the platform keeps the webhook),
/// counted by cause for the merchant, logged once.
async fn dropped(
    st: &AppState,
    store: &StoreConfig,
    platform: &'static str,
    causes: Vec<String>,
) -> Result<Response, ApiError> {
    let deltas = causes.iter().map(|c| (Counter::WebhookDropped(platform, c.clone()), 1)).collect();
    st.engine.count(&store.id, deltas).await;
    tracing::warn!(store = %store.id, platform, causes = ?causes, "webhook delivery not usable; acknowledged and counted");
    Ok((StatusCode::OK, axum::Json(json!({"status": "dropped", "reasons": causes}))).into_response())
}

/// Acknowledged, so the platform does not retry it; counted for the merchant.
async fn ignored(
    st: &AppState,
    store: &StoreConfig,
    platform: &'static str,
    topic: &str,
    what: &str,
) -> Result<Response, ApiError> {
    st.engine.count(&store.id, vec![(Counter::WebhookIgnored(platform), 1)]).await;
    tracing::info!(store = %store.id, platform, topic, what, "webhook ignored");
    let reason = if what == "topic" { "topic" } else { "order_status" };
    Ok((StatusCode::OK, axum::Json(json!({"status": "ignored", "topic": topic, "reason": reason}))).into_response())
}

/// The mapped event goes through the same validation and engine as `POST /v1/events`. A
/// verified delivery is never refused for its content: a platform retries refused deliveries and
/// then disables the webhook, so one misconfiguration (a checkout URL off `allowed_domains`)
/// would silently disconnect the shop. What cannot be used is answered 200, counted by cause
/// (`webhooks.{platform}.dropped.{field}.{code}`) and logged.
async fn apply(
    st: &AppState,
    store: &StoreConfig,
    platform: &'static str,
    native: &[u8],
) -> Result<Response, ApiError> {
    Ok(apply_event(st, store, platform, native).await?.0)
}

/// `apply`, also saying which cart took the event (none when it was dropped).
async fn apply_event(
    st: &AppState,
    store: &StoreConfig,
    platform: &'static str,
    native: &[u8],
) -> Result<(Response, Option<String>), ApiError> {
    let event = match parse_event(native, store) {
        Ok(event) => event,
        Err(EventError::Malformed(m)) => return Err(invalid_payload(m)),
        Err(EventError::Invalid(fields)) => {
            let causes = fields.iter().map(|f| format!("{}.{}", f.field, f.code)).collect();
            return Ok((dropped(st, store, platform, causes).await?, None));
        }
    };
    // As for `POST /v1/events`: an event dated in the future would make every real one after it
    // look stale. A signed delivery is not refused for it, but it is not applied either.
    if event.occurred_at > st.engine.now() + crate::cart_events::MAX_CLOCK_SKEW {
        return Ok((dropped(st, store, platform, vec!["occurred_at.occurred_at_in_future".into()]).await?, None));
    }
    let r = st.engine.intake.ingest(store, &event).await?;
    let body = json!({"status": "accepted", "cart_id": r.cart_id, "state": r.state.as_str(), "duplicate": r.duplicate});
    Ok(((StatusCode::OK, axum::Json(body)).into_response(), Some(r.cart_id)))
}
