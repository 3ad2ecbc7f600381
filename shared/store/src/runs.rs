//! Recompute runs: results written under a run id, published by moving one pointer.
//!
//! A run writes all its items (per-producer results, ranked boards) under `RUN#<runId>…`
//! partitions, each with an `expiresAt` TTL, and only then moves the `RUNS`/`LATEST` pointer in one
//! conditional write that succeeds only if the run is newer (in as-of time) than the published one.
//! Readers follow the pointer, so they see the previous run or the new one, never a mix; a replayed
//! old event cannot replace newer results; a run that dies before publishing leaves the pointer
//! where it was, and its items expire.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Store;
use crate::batch::BatchStats;
use crate::error::StoreError;
use crate::items::{RunPointerItem, from_item, key, to_item};
use crate::keys;
use crate::page::{Page, PageQuery, SortRange};
use crate::write::put_request;

/// How long a run's items are kept after the run, by default.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::days(7);

/// The published run readers should use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPointer {
    pub run_id: String,
    pub as_of: DateTime<Utc>,
}

/// What publishing a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    /// The pointer names this run (now, or already: publishing is idempotent).
    Published,
    /// A later run is already published; nothing changed.
    AlreadyNewer(RunPointer),
}

/// The run id of a run as of `as_of`: the same instant always gives the same id, so re-running an
/// event overwrites its own unpublished items instead of leaving a second copy.
pub fn run_id(as_of: DateTime<Utc>) -> String {
    as_of.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// The `expiresAt` value (epoch seconds) of items of a run as of `as_of`.
pub fn expires_at(as_of: DateTime<Utc>, retention: TimeDelta) -> i64 {
    (as_of + retention).timestamp()
}

impl Store {
    /// The latest published run, if any (a strongly consistent read).
    pub async fn latest_run(&self) -> Result<Option<RunPointer>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::RUN_POINTER_PK.to_owned(),
                keys::RUN_POINTER_SK,
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        Ok(out
            .item
            .map(from_item::<RunPointerItem>)
            .transpose()?
            .map(|p| RunPointer {
                run_id: p.run_id,
                as_of: p.as_of,
            }))
    }

    /// Moves the pointer to `run`, only forward in as-of time.
    pub async fn publish_run(
        &self,
        run: &RunPointer,
        now: DateTime<Utc>,
    ) -> Result<Publication, StoreError> {
        let item = RunPointerItem {
            pk: keys::RUN_POINTER_PK.to_owned(),
            sk: keys::RUN_POINTER_SK.to_owned(),
            entity: "runPointer".to_owned(),
            run_id: run.run_id.clone(),
            as_of: run.as_of,
            as_of_millis: run.as_of.timestamp_millis(),
            published_at: now,
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(pk) OR asOfMillis < :asOf")
            .expression_attribute_values(":asOf", AttributeValue::N(item.as_of_millis.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Publication::Published),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                // A re-sent request whose first send was applied (its answer lost on the way)
                // fails the condition against itself: that run is published, as asked.
                let current = self.latest_run().await?.unwrap_or_else(|| run.clone());
                if current.run_id == run.run_id {
                    return Ok(Publication::Published);
                }
                Ok(Publication::AlreadyNewer(current))
            }
            Err(e) => Err(StoreError::dynamo("PutItem")(e)),
        }
    }

    /// Writes result items (each carrying its own `pk`, `sk` and `expiresAt`) with batch writes,
    /// retrying unprocessed items until every one is in.
    pub async fn put_run_items<T: Serialize>(
        &self,
        items: &[T],
        stats: &BatchStats,
    ) -> Result<(), StoreError> {
        let requests = items
            .iter()
            .map(|item| Ok(put_request(to_item(item)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write_all(requests, stats).await
    }

    /// One result item by key (eventually consistent: results never change once published).
    pub async fn run_item<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        out.item.map(from_item).transpose()
    }

    /// A page of one of a producer's lists in a run (collaborators, contributions,
    /// recommendations: `prefix` is its sort-key prefix), or `None` when the producer is not in
    /// the run. Every producer in a run has a list head item whose sort key is the bare prefix;
    /// it sorts first, so the first page proves the producer exists in the same query.
    pub async fn run_list<T: DeserializeOwned>(
        &self,
        pk: String,
        prefix: &str,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Option<Page<T>>, StoreError> {
        self.query_page_after_marker(
            PageQuery {
                index: None,
                partition: pk,
                sort: SortRange::Prefix(prefix),
                backwards: false,
                limit,
                cursor,
            },
            "listHead",
        )
        .await
    }

    /// A page of result items of partition `pk` whose sort key starts with `prefix`, in order.
    pub async fn run_items_page<T: DeserializeOwned>(
        &self,
        pk: String,
        prefix: &str,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<T>, StoreError> {
        self.query_page(PageQuery {
            index: None,
            partition: pk,
            sort: if prefix.is_empty() {
                SortRange::All
            } else {
                SortRange::Prefix(prefix)
            },
            backwards: false,
            limit,
            cursor,
        })
        .await
    }
}
