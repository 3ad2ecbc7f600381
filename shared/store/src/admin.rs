//! Table administration for tools and tests: creating and deleting the table, pointing the same
//! client at another table, and the write-throughput probe behind `cargo xtask io-floor`.
//!
//! On AWS the table belongs to the deployment (`infra/template.yaml`); these are for DynamoDB
//! Local and scratch tables, so tools never need the SDK client itself.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Store;
use crate::batch::BatchStats;
use crate::entity::PrimaryKey;
use crate::error::StoreError;
use crate::keys;
use crate::table::DEFINITION;
use crate::write::put_request;

/// Partitions the probe's filler items are spread over.
const FILLER_PARTITIONS: u64 = 5_000;

impl Store {
    /// The same client over table `name`.
    pub fn with_table(&self, name: impl Into<String>) -> Self {
        Self::new(self.client.clone(), name)
    }

    /// Creates this store's table (`table::DEFINITION`) and waits until it is active.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        DEFINITION.create(&self.client, &self.table).await
    }

    /// Creates this store's table unless it exists. Returns true when it was created.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        DEFINITION
            .create_if_missing(&self.client, &self.table)
            .await
    }

    /// Deletes this store's table and everything in it.
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(StoreError::dynamo("DeleteTable"))?;
        Ok(())
    }

    /// The payload that makes a filler item weigh `item_bytes` (DynamoDB's size rules; 0 when
    /// even an empty filler weighs more), so a probe can write what a run wrote, byte for byte.
    pub fn filler_payload_for(item_bytes: usize) -> usize {
        item_bytes.saturating_sub(crate::size::item_size(&filler_item(0, "")))
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
        self.write_all(requests, stats).await
    }
}

/// Filler item number `i` of the write probe.
fn filler_item(i: u64, payload: &str) -> HashMap<String, AttributeValue> {
    let mut item =
        PrimaryKey::new(keys::filler_pk(i, FILLER_PARTITIONS), keys::filler_sk(i)).item();
    item.insert("payload".to_owned(), AttributeValue::S(payload.to_owned()));
    item
}
