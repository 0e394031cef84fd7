//! Test harness for moto: a fresh table and queue per test (tests run in parallel and share
//! one server). Needs `AWS_ENDPOINT_URL` (scripts/test starts moto and sets it); without it the
//! AWS tests are skipped, unless `CARTBACK_REQUIRE_MOTO` is set, when they fail.
#![allow(dead_code)]

use cartback_aws::{DynamoStore, SqsTimerQueue};
use cartback_core::ports::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

static N: AtomicU32 = AtomicU32::new(0);

pub struct Env {
    pub dynamo: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub table: String,
    pub queue_url: String,
}

impl Env {
    pub async fn new(name: &str) -> Option<Env> {
        if std::env::var("AWS_ENDPOINT_URL").is_err() {
            assert!(
                std::env::var("CARTBACK_REQUIRE_MOTO").is_err(),
                "CARTBACK_REQUIRE_MOTO is set but AWS_ENDPOINT_URL is not"
            );
            eprintln!("skipped: no AWS_ENDPOINT_URL (scripts/test runs these against moto)");
            return None;
        }
        let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let dynamo = aws_sdk_dynamodb::Client::new(&conf);
        let sqs = aws_sdk_sqs::Client::new(&conf);
        let unique = format!("{name}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let table = format!("cartback-{unique}");
        cartback_aws::table::create(&dynamo, &table).await.expect("create table");
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("cartback-due-{unique}"))
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        Some(Env { dynamo, sqs, table, queue_url })
    }

    pub fn store(&self, clock: Arc<dyn Clock>) -> DynamoStore {
        DynamoStore::new(self.dynamo.clone(), &self.table, clock)
    }

    pub fn queue(&self) -> SqsTimerQueue {
        SqsTimerQueue::new(self.sqs.clone(), &self.queue_url)
    }
}
