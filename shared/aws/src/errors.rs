//! SDK errors → the ports' errors, keeping what matters: a condition that failed (retry with a
//! fresh read), a throttle or outage (retry later), or anything else (permanent).

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use cartback_core::ports::{ChannelError, QueueError, StoreError};

const RETRYABLE_CODES: &[&str] = &[
    "TooManyRequestsException",
    "LimitExceededException",
    "InternalServerException",
    "InternalFailure",
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    "AWS.SimpleQueueService.RequestThrottled",
];

fn is_retryable<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(s) => s.err().code().is_some_and(|c| RETRYABLE_CODES.contains(&c)),
        _ => false,
    }
}

pub fn store_error<E, R>(op: &str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = format!("{op}: {}", DisplayErrorContext(&e));
    if is_retryable(&e) { StoreError::Unavailable(text) } else { StoreError::Fatal(text) }
}

pub fn queue_error<E, R>(op: &str, e: SdkError<E, R>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = format!("{op}: {}", DisplayErrorContext(&e));
    if is_retryable(&e) { QueueError::Unavailable(text) } else { QueueError::Fatal(text) }
}

/// The service codes that guarantee a send was not processed: throttles.
const THROTTLE_CODES: &[&str] = &[
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "LimitExceededException",
    "RequestLimitExceeded",
];

/// The service's own faults: it may have processed the request before failing.
const SERVER_FAULT_CODES: &[&str] =
    &["InternalServerException", "InternalFailure", "InternalServerError", "ServiceUnavailable", "InternalError"];

/// A send's failure. Only a throttle guarantees the message was not taken, so only a throttle
/// is retried by the queue; a timeout, a dispatch or response failure, or a service-side error
/// came after the request may have been processed, so it is unknown (recorded, never resent);
/// a refusal (rejected message, unverified sender, opted-out number) is permanent. The send
/// clients have the SDK's own retries off (`wiring`), for the same reason.
pub fn channel_error<E, R>(op: &str, e: SdkError<E, R>) -> ChannelError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    // SES and End User Messaging quote the addresses they refuse: masked before any log.
    let text = cartback_core::domain::pii::redact_free_text(&format!("{op}: {}", DisplayErrorContext(&e)));
    match &e {
        SdkError::ServiceError(s) if s.err().code().is_some_and(|c| THROTTLE_CODES.contains(&c)) => {
            ChannelError::Retryable(text)
        }
        SdkError::ServiceError(s) if s.err().code().is_some_and(|c| SERVER_FAULT_CODES.contains(&c)) => {
            ChannelError::Unknown(text)
        }
        SdkError::ServiceError(_) | SdkError::ConstructionFailure(_) => ChannelError::Permanent(text),
        _ => ChannelError::Unknown(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    fn service_error(code: &str, status: u16) -> SdkError<PutItemError, Response> {
        let err = PutItemError::generic(ErrorMetadata::builder().code(code).message("from the service").build());
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(err, raw)
    }

    #[test]
    fn throttling_and_outages_are_retryable_the_rest_permanent() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
            "InternalServerError",
        ] {
            assert!(matches!(store_error("PutItem", service_error(code, 400)), StoreError::Unavailable(_)), "{code}");
        }
        for code in ["ValidationException", "ResourceNotFoundException", "AccessDeniedException"] {
            let e = store_error("PutItem", service_error(code, 400));
            assert!(matches!(e, StoreError::Fatal(_)), "{code}");
            assert!(e.to_string().contains(code), "the error names the service's code: {e}");
        }
        let timeout: SdkError<PutItemError, Response> = SdkError::timeout_error("read timed out");
        assert!(store_error("PutItem", timeout).is_retryable());
    }
}
