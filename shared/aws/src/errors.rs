//! SDK errors → the ports' errors, keeping what matters: a condition that failed (retry with a
//! fresh read), a throttle or outage (retry later), or anything else (permanent).

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use cartback_core::ports::{QueueError, StoreError};

const RETRYABLE_CODES: &[&str] = &[
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
