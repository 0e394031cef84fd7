//! The merchant's conversations with shoppers (docs/conversations.md), with the store's API key:
//! `GET …/conversations` (list), `GET …/conversations/{id}` (read, with the transcript),
//! `POST …/conversations/{id}/messages` (answer on the shopper's channel, at most once),
//! `POST …/conversations/{id}/readings` (a person's reading of a reply: docs/replies.md),
//! `POST …/conversations/{id}/close`, and beside the transcript `GET …/conversations/{id}/context`
//! (the cart, its catalogue entries, the shopper's orders, the ready cart) and
//! `POST …/conversations/{id}/ready-cart` (send it, at most once).

use crate::AppState;
use crate::auth::own_store;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cartback_core::conversations::inbox::AnswerError;
use cartback_core::domain::conversation::Cursor;
use cartback_core::domain::pii::mask;
use cartback_core::domain::{Conversation, Entry};
use serde_json::{Value, json};

fn entry_json(e: &Entry) -> Value {
    let mut v = json!({
        "at": e.at.to_string(),
        "author": e.author,
        "text": e.text.expose(),
        "status": e.status,
    });
    // A shopper's reply: its id (to correct its reading) and how it was read.
    if e.author == cartback_core::domain::Author::Shopper {
        v["id"] = json!(e.ref_id);
        v["reading"] = json!(e.reading.as_ref().map(|r| json!({
            "label": r.label,
            "by": r.by,
            "action": r.action,
            "guess": r.guess,
            "confidence": r.confidence,
            "language": r.language,
            "correction": r.correction.as_ref().map(|c| json!({ "label": c.label, "at": c.at.to_string() })),
        })));
    }
    v
}

/// The conversation without its transcript: what the list shows. The shopper's address masked.
fn summary(c: &Conversation) -> Value {
    let last = c.messages.iter().rev().find(|m| m.author == cartback_core::domain::Author::Shopper);
    json!({
        "id": c.id,
        "status": c.status,
        "channel": c.channel.as_str(),
        "shopper": mask(c.to.expose()),
        "cart_id": c.cart,
        "reason": c.reason.as_str(),
        "guess": c.guess,
        "rule": c.handoff_rule,
        "opened_at": c.opened_at.to_string(),
        "updated_at": c.updated_at.to_string(),
        "expires_at": c.expires_at.to_string(),
        "messages": c.messages.len(),
        "last_shopper_message": last.map(|m| m.text.expose()),
    })
}

fn full(c: &Conversation) -> Value {
    let mut v = summary(c);
    v["transcript"] = c.messages.iter().map(entry_json).collect();
    v
}

pub async fn list(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let status = param("status");
    let wanted = match status.as_deref() {
        None | Some("open") => Some(cartback_core::domain::ConversationStatus::Open),
        Some("closed") => Some(cartback_core::domain::ConversationStatus::Closed),
        Some("all") => None,
        Some(_) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_status", "status is open, closed or all"));
        }
    };
    let before = match param("before") {
        None => None,
        Some(b) => Some(Cursor::parse(&b).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_cursor", "before is the `next` of an earlier page")
        })?),
    };
    let (page, next) = st.engine.inbox.conversations(&own, wanted, before).await?;
    let items: Vec<Value> = page.iter().map(summary).collect();
    Ok(Json(json!({ "conversations": items, "next": next.map(|c| c.encode()) })))
}

pub async fn read(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let c = st.engine.inbox.conversation(&own, &id).await?.ok_or_else(conversation_not_found)?;
    Ok(Json(full(&c)))
}

pub async fn close(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let c = st.engine.inbox.close_conversation(&own, &id).await?.ok_or_else(conversation_not_found)?;
    Ok(Json(full(&c)))
}

/// Body: `{"text": "…", "idempotency_key": "…"}` (the key may also come as `Idempotency-Key`).
pub async fn answer(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let bytes = read_body(&headers, body, 16 * 1024).await?;
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer", m.to_string());
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the body must be a JSON object"))?;
    let text = v.get("text").and_then(Value::as_str).ok_or_else(|| invalid("`text` (a string) is required"))?;
    let key = idempotency_key(&v, &headers)?;
    let (c, entry) = st.engine.inbox.answer_conversation(&own, &id, text, key).await.map_err(answer_error)?;
    let status = if entry.status.as_deref() == Some("sent") { StatusCode::CREATED } else { StatusCode::ACCEPTED };
    Ok((status, Json(json!({ "message": entry_json(&entry), "conversation": summary(&c) }))))
}

/// Body: `{"label": "opt_out" | a reason, "message": "<the reply's id>"}` (`message` left out:
/// the shopper's latest reply). `opt_out` opts the shopper's address out; any other label lifts
/// a hold. Answers the consent after it and the conversation.
pub async fn correct(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    use cartback_core::conversations::inbox::CorrectionError;
    use cartback_core::conversations::model::Label;
    let own = own_store(st.engine.config(), &store, &headers)?;
    let bytes = read_body(&headers, body, 4 * 1024).await?;
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reading", m);
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the body must be a JSON object".into()))?;
    let known = || Label::ALL.iter().map(Label::as_str).collect::<Vec<_>>().join(", ");
    let label = v
        .get("label")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("`label` is required: one of {}", known())))?;
    let label = Label::parse(label).ok_or_else(|| invalid(format!("`label` is one of {}", known())))?;
    let message = match v.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) if !m.is_empty() && m.len() <= 200 => Some(m.as_str()),
        Some(_) => return Err(invalid("`message` is the id of one of the shopper's replies".into())),
    };
    let (c, after) = st.engine.inbox.correct_reading(&own, &id, message, label).await.map_err(|e| match e {
        CorrectionError::NotFound => conversation_not_found(),
        CorrectionError::NoSuchMessage => {
            ApiError::new(StatusCode::NOT_FOUND, "message_not_found", "no reply of the shopper with that id here")
        }
        CorrectionError::Engine(e) => e.into(),
    })?;
    Ok(Json(json!({ "consent": after.as_str(), "conversation": full(&c) })))
}

pub async fn context(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let c = st.engine.inbox.context(&own, &id).await?.ok_or_else(conversation_not_found)?;
    Ok(Json(json!(c)))
}

/// Body (all optional): `{"lines": [{"variant_id": "…", "quantity": 1}], "add_free_shipping_item":
/// true, "idempotency_key": "…"}` — the lines default to the cart's.
pub async fn ready_cart(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    use cartback_core::conversations::ready_cart::{ReadyCartRequest, ReadyLine};
    let own = own_store(st.engine.config(), &store, &headers)?;
    let bytes = read_body(&headers, body, 16 * 1024).await?;
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer", m.to_string());
    let v: Value = if bytes.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&bytes).map_err(|_| invalid("the body must be a JSON object"))?
    };
    if !v.is_object() {
        return Err(invalid("the body must be a JSON object"));
    }
    let lines = match v.get("lines") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut lines = Vec::new();
            for item in items {
                let variant_id =
                    item.get("variant_id").and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 100);
                let quantity = match item.get("quantity") {
                    None | Some(Value::Null) => Some(1),
                    Some(q) => q.as_u64().and_then(|q| u32::try_from(q).ok()),
                };
                match (variant_id, quantity) {
                    (Some(variant_id), Some(quantity)) => {
                        lines.push(ReadyLine { variant_id: variant_id.to_string(), quantity })
                    }
                    _ => return Err(invalid("each of `lines` is {\"variant_id\": \"…\", \"quantity\": 1 to 99}")),
                }
            }
            Some(lines)
        }
        Some(_) => return Err(invalid("`lines` is a list")),
    };
    let add_free_shipping_item = match v.get("add_free_shipping_item") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("`add_free_shipping_item` is true or false")),
    };
    let key = idempotency_key(&v, &headers)?;
    let req = ReadyCartRequest { lines, add_free_shipping_item };
    let (c, entry, ready) = st.engine.inbox.send_ready_cart(&own, &id, req, key).await.map_err(answer_error)?;
    let status = if entry.status.as_deref() == Some("sent") { StatusCode::CREATED } else { StatusCode::ACCEPTED };
    Ok((status, Json(json!({ "message": entry_json(&entry), "ready_cart": ready, "conversation": summary(&c) }))))
}

/// The body's `idempotency_key`, or the `Idempotency-Key` header: 1 to 200 characters.
fn idempotency_key<'a>(v: &'a Value, headers: &'a HeaderMap) -> Result<Option<&'a str>, ApiError> {
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer", m.to_string());
    let key = match v.get("idempotency_key") {
        None | Some(Value::Null) => headers.get("idempotency-key").and_then(|h| h.to_str().ok()),
        Some(Value::String(k)) => Some(k.as_str()),
        Some(_) => return Err(invalid("`idempotency_key` must be a string")),
    };
    if key.is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(invalid("the idempotency key must be 1 to 200 characters"));
    }
    Ok(key)
}

fn conversation_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "conversation_not_found", "no such conversation (or its transcript expired)")
}

fn answer_error(e: AnswerError) -> ApiError {
    let m = e.to_string();
    match e {
        AnswerError::NotFound => conversation_not_found(),
        AnswerError::Closed => ApiError::new(StatusCode::CONFLICT, "conversation_closed", m),
        AnswerError::OptedOut(_) => ApiError::new(StatusCode::CONFLICT, "opted_out", m),
        AnswerError::OutsideWindow => ApiError::new(StatusCode::CONFLICT, "outside_whatsapp_window", m),
        AnswerError::Invalid(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer", m),
        AnswerError::Throttled => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "provider_throttled", m),
        AnswerError::Refused(_) => ApiError::new(StatusCode::BAD_GATEWAY, "provider_refused", m),
        AnswerError::Engine(e) => e.into(),
    }
}
