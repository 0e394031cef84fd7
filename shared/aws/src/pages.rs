//! Reading a DynamoDB `Query` or `Scan` to its end: the one loop over `LastEvaluatedKey` that
//! every listing of the table shares (conversations, dead letters, statistics, the sweep's
//! timer buckets, the contact-key migration's scan).

use crate::errors::store_error;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use cartback_core::ports::StoreError;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A request that reads the table a page at a time.
pub(crate) trait Paged: Clone {
    fn starting_at(self, start: Option<Item>) -> Self;
    /// One page: its items and where the next one starts.
    fn fetch(self, what: &str) -> impl Future<Output = Result<(Vec<Item>, Option<Item>), StoreError>> + Send;
}

impl Paged for QueryFluentBuilder {
    fn starting_at(self, start: Option<Item>) -> Self {
        self.set_exclusive_start_key(start)
    }
    async fn fetch(self, what: &str) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let page = self.send().await.map_err(|e| store_error(what, e))?;
        Ok((page.items.unwrap_or_default(), page.last_evaluated_key))
    }
}

impl Paged for ScanFluentBuilder {
    fn starting_at(self, start: Option<Item>) -> Self {
        self.set_exclusive_start_key(start)
    }
    async fn fetch(self, what: &str) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let page = self.send().await.map_err(|e| store_error(what, e))?;
        Ok((page.items.unwrap_or_default(), page.last_evaluated_key))
    }
}

/// The pages of one request, in order: `while let Some(items) = pages.next().await? { … }`.
pub(crate) struct Pages<R: Paged> {
    request: R,
    /// What an error names: `Query conversations`.
    what: &'static str,
    start: Option<Item>,
    finished: bool,
}

impl<R: Paged> Pages<R> {
    pub(crate) fn new(what: &'static str, request: R) -> Self {
        Pages { request, what, start: None, finished: false }
    }

    /// The next page's items; `None` once the last page was read. An empty `LastEvaluatedKey`
    /// ends the read as a missing one does (moto answers `{}`).
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        if self.finished {
            return Ok(None);
        }
        let (items, last) = self.request.clone().starting_at(self.start.take()).fetch(self.what).await?;
        match last {
            Some(k) if !k.is_empty() => self.start = Some(k),
            _ => self.finished = true,
        }
        Ok(Some(items))
    }
}
