//! Warming the client during a Lambda's init phase.
//!
//! The SDK opens its connection (DNS, TCP, TLS) and loads credentials on the first request, and
//! on a cold start that first request is a user's. One cheap read during init moves that cost
//! out of the first invocation: an eventually consistent `GetItem` of a key that never exists
//! (half a read unit). It is bounded in time and its failure only logged: a slow or failing
//! warm-up must not fail the function's start.

use std::time::Duration;

use crate::Table;
use crate::definition::DEFINITION;
use crate::entity::PrimaryKey;
use crate::error::StoreError;
use crate::keys;

impl Table {
    /// Opens the client's connection with one read of a missing item, for at most `limit`.
    /// Returns whether the read answered in time.
    pub async fn warm_up(&self, limit: Duration) -> bool {
        let read = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(
                PrimaryKey::new(keys::WARM_UP.to_owned(), keys::WARM_UP).item(),
            ))
            .projection_expression(DEFINITION.partition_key)
            .send();
        match tokio::time::timeout(limit, read).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                let error = StoreError::dynamo("GetItem")(e);
                if error.is_deployment_fault() {
                    // Every request will fail the same way: say so once, naming the table.
                    tracing::error!(table = %self.name, error = %error, "the table is missing");
                } else {
                    tracing::warn!(error = %error, "warm-up read failed");
                }
                false
            }
            Err(_) => {
                tracing::warn!(?limit, "warm-up read timed out");
                false
            }
        }
    }
}
