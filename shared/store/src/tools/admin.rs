//! Table administration for tools and tests: creating and deleting the table, pointing the same
//! client at another table, and the write-throughput probe behind `cargo xtask io-floor`.
//!
//! On AWS the table belongs to the deployment (`infra/template.yaml`); these are for DynamoDB
//! Local and scratch tables, so tools never need the SDK client itself.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Store;
use table::batch::BatchStats;
use table::definition::DEFINITION;
use table::entity::PrimaryKey;
use table::error::StoreError;
use table::keys;
use table::write::put_request;

/// Whether a table made here has the change stream (re-exported: tools name it, not the table).
pub use table::definition::Stream;

/// Partitions the probe's filler items are spread over.
const FILLER_PARTITIONS: u64 = 5_000;

impl Store {
    /// The same client over table `name`.
    pub fn with_table(&self, name: impl Into<String>) -> Self {
        Self::new(self.table.client().clone(), name)
    }

    /// Creates this store's table (`table::DEFINITION`, with its stream, as deployed) and waits
    /// until it is active.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        DEFINITION
            .create(self.table.client(), self.table.name(), Stream::On)
            .await
    }

    /// [`Store::create_table`] without the change stream, for tables nothing reads the stream
    /// of (see [`Stream`]).
    pub async fn create_table_without_stream(&self) -> Result<(), StoreError> {
        DEFINITION
            .create(self.table.client(), self.table.name(), Stream::Off)
            .await
    }

    /// Creates this store's table (with its stream) unless it exists. Returns true when it was
    /// created.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        self.create_table_if_missing_with(Stream::On).await
    }

    /// [`Store::create_table_if_missing`], with or without the change stream.
    pub async fn create_table_if_missing_with(&self, stream: Stream) -> Result<bool, StoreError> {
        DEFINITION
            .create_if_missing(self.table.client(), self.table.name(), stream)
            .await
    }

    /// The ARN of the table's change stream, when it has one on.
    pub async fn stream_arn(&self) -> Result<Option<String>, StoreError> {
        let out = self
            .table
            .client()
            .describe_table()
            .table_name(self.table.name())
            .send()
            .await
            .map_err(StoreError::dynamo("DescribeTable"))?;
        let table = out.table();
        let on = table
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        Ok(table
            .and_then(|t| t.latest_stream_arn())
            .filter(|_| on)
            .map(str::to_owned))
    }

    /// Turns the table's change stream on if it is off (a local table made before it had one, or
    /// by a tool that goes without). Returns true when it was off.
    pub async fn ensure_stream(&self) -> Result<bool, StoreError> {
        if self.stream_arn().await?.is_some() {
            return Ok(false);
        }
        self.table
            .client()
            .update_table()
            .table_name(self.table.name())
            .stream_specification(
                aws_sdk_dynamodb::types::StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::from(
                        DEFINITION.stream_view,
                    ))
                    .build()
                    .expect("the stream flag is set"),
            )
            .send()
            .await
            .map_err(StoreError::dynamo("UpdateTable"))?;
        Ok(true)
    }

    /// Deletes this store's table and everything in it.
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.table
            .client()
            .delete_table()
            .table_name(self.table.name())
            .send()
            .await
            .map_err(StoreError::dynamo("DeleteTable"))?;
        Ok(())
    }

    /// The payload that makes a filler item weigh `item_bytes` (DynamoDB's size rules; 0 when
    /// even an empty filler weighs more), so a probe can write what a run wrote, byte for byte.
    pub fn filler_payload_for(item_bytes: usize) -> usize {
        item_bytes.saturating_sub(table::size::item_size(&filler_item(0, "")))
    }

    /// Writes `count` filler items of about `payload_bytes` each through the same batch path a
    /// run's results take: the write half of the recompute's I/O floor.
    pub async fn write_filler_items(
        &self,
        count: u64,
        payload_bytes: usize,
        stats: &BatchStats,
    ) -> Result<(), StoreError> {
        let payload = "x".repeat(payload_bytes);
        let requests = (0..count)
            .map(|i| put_request(filler_item(i, &payload)))
            .collect();
        self.table.write_all(requests, stats).await
    }
}

/// Filler item number `i` of the write probe.
fn filler_item(i: u64, payload: &str) -> HashMap<String, AttributeValue> {
    let mut item =
        PrimaryKey::new(keys::filler_pk(i, FILLER_PARTITIONS), keys::filler_sk(i)).item();
    item.insert("payload".to_owned(), AttributeValue::S(payload.to_owned()));
    item
}
