//! The store's SDK-level pieces, for tools and tests only (the `tools` feature): the production
//! client as configured, a store over a client of one's own, raw items and batch requests.
//!
//! No Lambda builds this module, so no function can name an SDK type through the store: outside
//! it, the store's public signatures speak in domain values only
//! (`xtask/src/tidy.rs::the_store_names_no_sdk_type_in_a_public_signature`). Tests use these to
//! read and fault the table underneath the access patterns.

use std::future::Future;

pub use aws_sdk_dynamodb::Client;
pub use aws_sdk_dynamodb::types::WriteRequest;
use results::run::ProducerPoint;

use crate::batch::BatchStats;
use crate::error::StoreError;
use crate::retry::RetryPolicy;
use crate::{Store, StoreConfig};

/// A raw DynamoDB item.
pub type Item = crate::entity::Item;

/// The SDK client `config` describes, built as the functions build theirs.
pub async fn client(config: &StoreConfig) -> Client {
    config.client().await
}

/// A store over an already built client.
pub fn store(client: Client, table: impl Into<String>) -> Store {
    Store::new(client, table)
}

/// A `BatchWriteItem` put of `item`.
pub fn put_request(item: Item) -> WriteRequest {
    crate::write::put_request(item)
}

/// An item's size in bytes as DynamoDB counts it.
pub fn item_size(item: &Item) -> usize {
    crate::size::item_size(item)
}

/// The batch writer's loop over `send` (which returns what was left unprocessed): batches of 25,
/// `concurrency` at a time, leftovers re-sent with backoff.
pub async fn write_all_with<F, Fut>(
    requests: Vec<WriteRequest>,
    concurrency: usize,
    policy: &RetryPolicy,
    stats: &BatchStats,
    send: F,
) -> Result<(), StoreError>
where
    F: Fn(Vec<WriteRequest>) -> Fut,
    Fut: Future<Output = Result<Vec<WriteRequest>, StoreError>>,
{
    crate::batch::write_all_with(requests, concurrency, policy, stats, send).await
}

impl Store {
    /// One `BatchWriteItem` of at most 25 requests; returns what the service left unprocessed.
    pub async fn send_raw_write_batch(
        &self,
        batch: Vec<WriteRequest>,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        self.send_write_batch(batch).await
    }

    /// A producer's series point written alone (a run that wrote its points and died before
    /// publishing, for the tests of what readers see).
    pub async fn put_producer_point(&self, point: &ProducerPoint) -> Result<(), StoreError> {
        let put = crate::series::point_put(point)?;
        self.runs()
            .write_requests(vec![put], &BatchStats::default())
            .await
    }
}
