//! `GET /v1/on-site/{store}?key=pk_…`: what the capture snippet does on the shop's pages
//! (`[stores.on_site]`, docs/on-site.md), read once a page by the snippet when a cart exists.
//! Public like `/v1/collect`: the publishable key and a page on the store's `allowed_domains`
//! (the `Origin` header, or for a same-origin request its `Referer`) are required, so a page
//! elsewhere gets nothing to show. The answer is
//! the store's configuration only, nothing about a shopper, and may be cached for five minutes.

use crate::AppState;
use crate::collect::{key_of, origin_allowed, public_key_ok, with_cors};
use crate::error::ApiError;
use crate::path::Path;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub async fn get_on_site(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    // A browser leaves `Origin` off a same-origin GET (a page served by Cartback itself, like
    // local mode's /demo-shop); its `Referer` then names the page.
    let origin = headers.get(header::ORIGIN).cloned().or_else(|| referer_origin(&headers));
    let config = st.engine.config();
    let store = config.store(&store_id);
    let allowed = origin.clone().filter(|o| store.is_some_and(|s| origin_allowed(s, Some(o))));
    let answer = (|| -> Result<Response, ApiError> {
        let store = store.ok_or_else(ApiError::not_found)?;
        public_key_ok(store, key_of(query.as_deref()))?;
        if allowed.is_none() {
            return Err(crate::collect::origin_refused());
        }
        let nudge = store.on_site.tab_nudge.as_ref().map(|n| json!({"titles": n.titles, "favicon": n.favicon}));
        // Web push (docs/web-push.md): the key the snippet subscribes with, when the store sends.
        let push = match &store.providers.webpush {
            cartback_core::config::providers::WebpushProvider::Vapid(v) => json!({"vapid_public_key": v.public_key}),
            cartback_core::config::providers::WebpushProvider::Console => serde_json::Value::Null,
        };
        let offer = store.on_site.offer.as_ref().map(|o| offer_settings(store, o));
        let mut resp =
            (StatusCode::OK, axum::Json(json!({"tab_nudge": nudge, "push": push, "offer": offer}))).into_response();
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
        Ok(resp)
    })();
    with_cors(answer.unwrap_or_else(IntoResponse::into_response), allowed.as_ref())
}

/// What the snippet's dialog needs (`clients/web/offer.js`): when it shows, what it asks, and
/// each variant's texts with its discount and the store's name filled in (`{code}` stays).
fn offer_settings(store: &cartback_core::config::StoreConfig, o: &cartback_core::config::Offer) -> serde_json::Value {
    use cartback_core::config::Incentive;
    let variants: Vec<serde_json::Value> = o
        .variants
        .iter()
        .map(|v| {
            let texts: serde_json::Map<String, serde_json::Value> = o
                .texts
                .iter()
                .map(|(lang, t)| {
                    let discount = match &v.incentive {
                        Incentive::PercentOff { percent, .. } => match lang.as_str() {
                            "tr" => format!("%{percent}"),
                            "nb" => format!("{percent} %"),
                            _ => format!("{percent}%"),
                        },
                        Incentive::FixedOff { amount_minor, .. } => {
                            format!("{} {}", store.currency.format_amount(*amount_minor), store.currency.code())
                        }
                        _ => String::new(),
                    };
                    let fill = |s: &str| s.replace("{discount}", &discount).replace("{store}", &store.name);
                    let filled = json!({
                        "title": fill(&t.title), "body": fill(&t.body), "field": fill(&t.field),
                        "consent": fill(&t.consent), "button": fill(&t.button), "dismiss": fill(&t.dismiss),
                        "thanks": fill(&t.thanks), "no_code": fill(&t.no_code),
                    });
                    (lang.clone(), filled)
                })
                .collect();
            json!({"name": &*v.name, "weight": v.weight, "texts": texts})
        })
        .collect();
    json!({
        "show": o.show,
        "delay_ms": o.delay.as_millis(),
        "mobile": o.mobile,
        "every_s": o.every.as_secs(),
        "ask": if o.ask == cartback_core::domain::Channel::Sms { "phone" } else { "email" },
        "variants": variants,
    })
}

/// The origin (`scheme://host[:port]`) of the `Referer` header, when it is a URL.
fn referer_origin(headers: &HeaderMap) -> Option<HeaderValue> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let origin = url::Url::parse(referer).ok()?.origin();
    origin.is_tuple().then(|| HeaderValue::from_str(&origin.ascii_serialization()).ok()).flatten()
}
