//! Cartback's AWS adapters, behind the core's ports:
//! - `dynamo`: carts, contacts, links and stats in one DynamoDB table (docs/dynamodb.md);
//! - `sqs`: the due-timer queue (exact `DelaySeconds` ≤ 900 s);
//! - `sweep`: moves timers further out than SQS can hold from the carts into the queue;
//! - `dispatch_batch`: one SQS batch of due timers through the engine, with partial failures;
//! - `ses`, `eum_sms`: e-mail through SES v2 and SMS through End User Messaging;
//! - `store_config`: the stores' configuration in the table, its secrets in SSM;
//! - `http_host`: an HTTP router hosted in Lambda; `logging`: every function's log set-up;
//! - `log_only`: a channel with no provider, and hand-offs, as structured log lines;
//! - `wiring`: what a function's `main` builds, and the engine cached per container.

pub mod apigw;
pub mod catalogue_items;
pub mod deployment_key;
pub mod dispatch_batch;
pub mod dynamo;
mod errors;
pub mod eum_sms;
pub mod fixed_requests;
pub mod http_host;
pub mod item_size;
pub mod log_only;
pub mod logging;
pub mod metrics;
mod pages;
pub mod ses;
pub mod sqs;
pub mod store_config;
pub mod sweep;
pub mod table;
pub mod wiring;

pub use dynamo::DynamoStore;
pub use sqs::SqsTimerQueue;
