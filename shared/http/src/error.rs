//! Errors as JSON: `{"error":{"code","message","field"?,"fields"?}}` with a stable code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::engine::EngineError;
use cartback_core::intake::contract::FieldError;

/// `{"error":{"code","message","field"?,"fields"?}}`, fields in that order.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), fields: Vec::new() }
    }

    /// 422 listing every bad field; the top-level code is the first field's.
    pub fn invalid(fields: Vec<FieldError>) -> ApiError {
        let code = fields.first().map_or("invalid_request", |f| f.code);
        let message = match fields.len() {
            1 => fields[0].message.clone(),
            n => format!(
                "{n} fields are invalid: {}",
                fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code, message, fields }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        if e.is_retryable() {
            tracing::warn!(error = %e, "temporary failure answered with 503");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again shortly; nothing was changed",
            )
        } else {
            tracing::error!(error = %e, "request failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                field: self.fields.first().map(|f| f.field.as_str()),
                fields: &self.fields,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        resp
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
}

/// Reads a body of at most `limit` bytes, refusing larger ones by their declared length first.
pub async fn read_body(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body must be at most {limit} bytes"),
        )
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
}
