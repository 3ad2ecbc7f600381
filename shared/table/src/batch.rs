//! Batch writes and reads that finish or fail clearly.
//!
//! `BatchWriteItem` and `BatchGetItem` may succeed while leaving part of the batch undone
//! (`UnprocessedItems` / `UnprocessedKeys`) when a partition is throttled. Dropping those would
//! silently lose catalog or results items, so every batch here hands its leftovers to
//! [`crate::retry`], until all is done or the policy's attempts are spent, when it fails with
//! [`StoreError::Unprocessed`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::{ConsumedCapacity, KeysAndAttributes, ReturnConsumedCapacity};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::Table;
use crate::entity::Item;
use crate::error::StoreError;
use crate::retry::{Attempt, RetryPolicy, resend_leftovers};
use crate::size::item_size;

/// A request of a batch write (gathered by the store's run writer).
pub use aws_sdk_dynamodb::types::WriteRequest;

/// Items in one `BatchWriteItem` (the service limit).
pub const WRITE_BATCH: usize = 25;
/// Keys in one `BatchGetItem` (the service limit).
pub const GET_BATCH: usize = 100;
/// Batches in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How a batched read reads.
#[derive(Debug, Clone, Copy)]
pub struct BatchRead {
    /// Strongly consistent (twice the read units) rather than eventually.
    pub consistent: bool,
    /// Batches in flight at once.
    pub in_flight: usize,
}

impl BatchRead {
    pub const CONSISTENT: Self = Self {
        consistent: true,
        in_flight: DEFAULT_CONCURRENCY,
    };
}

/// What a batch operation did.
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Requests that were re-sent because the service left them unprocessed.
    pub retried: AtomicU64,
    /// Write capacity units DynamoDB reported consumed (`ReturnConsumedCapacity`), in
    /// thousandths: what on-demand billing charges for, one per started KB of each item.
    write_milli_units: AtomicU64,
    /// Bytes of the items put (DynamoDB's item sizes, each item once however often re-sent).
    bytes_put: AtomicU64,
}

impl BatchStats {
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    /// The write capacity units consumed so far.
    pub fn write_units(&self) -> f64 {
        self.write_milli_units.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// The bytes of every item put so far, by DynamoDB's size rules.
    pub fn bytes_put(&self) -> u64 {
        self.bytes_put.load(Ordering::Relaxed)
    }

    fn add_puts(&self, requests: &[WriteRequest]) {
        let bytes: usize = requests
            .iter()
            .filter_map(WriteRequest::put_request)
            .map(|put| item_size(put.item()))
            .sum();
        self.bytes_put.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Adds `units` write units that DynamoDB consumed but did not report (a refused conditional
    /// write: its error carries no `ConsumedCapacity`, and it bills at least one unit).
    pub fn add_unreported_units(&self, units: u64) {
        self.write_milli_units
            .fetch_add(units * 1000, Ordering::Relaxed);
    }
}

/// Adds what one request's `ConsumedCapacity` reports to `stats` (a free function, not a method:
/// `BatchStats` is passed on by the store, and its public surface names no SDK type).
pub fn count_consumed<'c>(
    stats: &BatchStats,
    consumed: impl IntoIterator<Item = &'c ConsumedCapacity>,
) {
    let units: f64 = consumed.into_iter().filter_map(|c| c.capacity_units).sum();
    // Units are small non-negative counts (at most 25 items x 400 KB per batch).
    let milli = (units.max(0.0) * 1000.0).round() as u64;
    stats.write_milli_units.fetch_add(milli, Ordering::Relaxed);
}

fn unprocessed(remaining: usize, policy: &RetryPolicy) -> StoreError {
    StoreError::Unprocessed {
        remaining,
        attempts: policy.max_attempts,
    }
}

/// Sends `requests` in batches of [`WRITE_BATCH`], `concurrency` at a time, through `send` (which
/// returns what was left unprocessed), re-sending leftovers with backoff until none remain.
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
    stats.add_puts(&requests);
    let mut chunks = Vec::with_capacity(requests.len().div_ceil(WRITE_BATCH));
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        chunks.push(requests.by_ref().take(WRITE_BATCH).collect::<Vec<_>>());
    }
    stream::iter(chunks)
        .map(|chunk| {
            let send = &send;
            async move {
                let outcome = resend_leftovers(policy, chunk, |pending, attempt| async move {
                    if attempt > 0 {
                        stats
                            .retried
                            .fetch_add(pending.len() as u64, Ordering::Relaxed);
                    }
                    let left = send(pending).await?;
                    Ok(if left.is_empty() {
                        Attempt::Done(())
                    } else {
                        Attempt::Again(left)
                    })
                })
                .await?;
                outcome.map_err(|left| unprocessed(left.len(), policy))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

impl Table {
    /// One `BatchWriteItem` of at most 25 requests; returns what the service left unprocessed.
    pub async fn send_write_batch(
        &self,
        batch: Vec<WriteRequest>,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        self.send_counted_write_batch(batch, &BatchStats::default())
            .await
    }

    /// [`Table::send_write_batch`], adding the capacity it consumed to `stats`.
    pub async fn send_counted_write_batch(
        &self,
        batch: Vec<WriteRequest>,
        stats: &BatchStats,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        let out = self
            .client
            .batch_write_item()
            .request_items(&self.name, batch)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(StoreError::dynamo("BatchWriteItem"))?;
        count_consumed(stats, out.consumed_capacity());
        Ok(out
            .unprocessed_items
            .and_then(|mut m| m.remove(&self.name))
            .unwrap_or_default())
    }

    /// Writes every request (puts and deletes), retrying unprocessed items until all are in.
    pub async fn write_all(
        &self,
        requests: Vec<WriteRequest>,
        stats: &BatchStats,
    ) -> Result<(), StoreError> {
        write_all_with(
            requests,
            DEFAULT_CONCURRENCY,
            &RetryPolicy::DEFAULT,
            stats,
            |batch| self.send_counted_write_batch(batch, stats),
        )
        .await
    }

    /// One `BatchGetItem`: what it found, and the keys it left unprocessed.
    async fn send_get_batch(
        &self,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Result<(Vec<Item>, Vec<Item>), StoreError> {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(consistent)
            .build()
            .map_err(StoreError::request("BatchGetItem"))?;
        let out = self
            .client
            .batch_get_item()
            .request_items(&self.name, request)
            .send()
            .await
            .map_err(StoreError::dynamo("BatchGetItem"))?;
        let found = out
            .responses
            .and_then(|mut r| r.remove(&self.name))
            .unwrap_or_default();
        let left = out
            .unprocessed_keys
            .and_then(|mut u| u.remove(&self.name))
            .map(|k| k.keys)
            .unwrap_or_default();
        Ok((found, left))
    }

    /// Reads every key (consistently), in batches of 100, retrying unprocessed keys. Missing items
    /// are simply absent from the result; the order is not the keys' order.
    pub async fn get_all(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        self.get_batches(&keys, Item::clone, BatchRead::CONSISTENT, Ok)
            .await
    }

    /// Reads the items of `of` (each one's key made by `key_of`) in batches of 100,
    /// `read.in_flight` at once, retrying unprocessed keys, and decodes each item found as
    /// its batch answers. A batch's keys are made only when it is sent and raw items are dropped
    /// once decoded, so a large read never holds all its keys or answers in the SDK's form.
    /// The order is not `of`'s.
    pub async fn get_batches<K: Sync, T: Send>(
        &self,
        of: &[K],
        key_of: fn(&K) -> Item,
        read: BatchRead,
        decode: fn(Item) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let BatchRead {
            consistent,
            in_flight,
        } = read;
        let policy = RetryPolicy::DEFAULT;
        // Batches by start index: a closure taking a borrowed chunk would be higher-ranked over
        // the chunk's lifetime, which the compiler cannot prove `Send` in spawned futures.
        let found: Vec<Vec<T>> = stream::iter((0..of.len()).step_by(GET_BATCH))
            .map(|start| async move {
                let batch = &of[start..of.len().min(start + GET_BATCH)];
                let work = (batch.iter().map(key_of).collect(), Vec::new());
                let outcome =
                    resend_leftovers(&policy, work, |(pending, mut found), _| async move {
                        let (more, left) = self.send_get_batch(pending, consistent).await?;
                        for item in more {
                            found.push(decode(item)?);
                        }
                        Ok(if left.is_empty() {
                            Attempt::Done(found)
                        } else {
                            Attempt::Again((left, found))
                        })
                    })
                    .await?;
                outcome.map_err(|(left, _)| unprocessed(left.len(), &policy))
            })
            .buffer_unordered(in_flight.max(1))
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }
}
