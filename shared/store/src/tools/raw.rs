//! The store's SDK-level pieces, for tools and tests only (the `tools` feature): the production
//! client as configured, a store over a client of one's own, raw items and batch requests.
//!
//! No Lambda builds this module, so no function can name an SDK type through the store: outside
//! it, the store's public signatures speak in domain values only
//! (`xtask/src/tidy.rs::the_store_names_no_sdk_type_in_a_public_signature`). Tests use these to
//! read and fault the table underneath the access patterns; what is the table layer's own (item
//! sizes, batch requests, the batch loop) they take from `table` itself.

pub use aws_sdk_dynamodb::Client;
pub use aws_sdk_dynamodb::types::WriteRequest;
use results::run::ProducerPoint;

use crate::{Store, StoreConfig};
use table::batch::BatchStats;
use table::error::StoreError;

/// A raw DynamoDB item.
pub type Item = table::entity::Item;

/// The SDK client `config` describes, built as the functions build theirs.
pub async fn client(config: &StoreConfig) -> Client {
    table::config::build_client(config).await
}

/// A store over an already built client.
pub fn store(client: Client, table: impl Into<String>) -> Store {
    Store::new(client, table)
}

impl Store {
    /// A store over table `name` through an already built client (only tools and tests build a
    /// store any other way than `Store::connect`).
    pub(crate) fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            table: table::Table::new(client, name),
        }
    }

    /// One `BatchWriteItem` of at most 25 requests; returns what the service left unprocessed.
    pub async fn send_raw_write_batch(
        &self,
        batch: Vec<WriteRequest>,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        self.table.send_write_batch(batch).await
    }

    /// A producer's series point written alone (a run that wrote its points and died before
    /// publishing, for the tests of what readers see).
    pub async fn put_producer_point(&self, point: &ProducerPoint) -> Result<(), StoreError> {
        let put = crate::runs::series::point_put(point)?;
        self.runs()
            .write_requests(vec![put], &BatchStats::default())
            .await
    }
}
