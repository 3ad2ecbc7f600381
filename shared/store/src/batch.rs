//! Batch writes and reads that finish or fail clearly.
//!
//! `BatchWriteItem` and `BatchGetItem` may succeed while leaving part of the batch undone
//! (`UnprocessedItems` / `UnprocessedKeys`) when a partition is throttled. Dropping those would
//! silently lose catalog or results items, so every batch here re-sends what was left, after an
//! exponential backoff with full jitter (so many writers do not retry in lockstep), until all is
//! done or [`MAX_ATTEMPTS`] have been made, when it fails with [`StoreError::Unprocessed`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, WriteRequest};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::Store;
use crate::error::StoreError;
use crate::items::Item;

/// Items in one `BatchWriteItem` (the service limit).
pub const WRITE_BATCH: usize = 25;
/// Keys in one `BatchGetItem` (the service limit).
pub const GET_BATCH: usize = 100;
/// Batches in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How often, and after what pause, leftovers are re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per batch, the first included, before giving up.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// About a minute of retries in all before giving up: throttling is waited out, not dropped.
    pub const DEFAULT: Self = Self {
        max_attempts: 15,
        base_delay: Duration::from_millis(25),
        max_delay: Duration::from_secs(5),
    };

    /// A random delay in `[0, min(max_delay, base_delay × 2^attempt)]` ("full jitter").
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What a batch operation did.
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Requests that were re-sent because the service left them unprocessed.
    pub retried: AtomicU64,
}

impl BatchStats {
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
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
    let mut chunks = Vec::with_capacity(requests.len().div_ceil(WRITE_BATCH));
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        chunks.push(requests.by_ref().take(WRITE_BATCH).collect::<Vec<_>>());
    }
    stream::iter(chunks)
        .map(|chunk| {
            let send = &send;
            async move {
                let mut pending = chunk;
                for attempt in 0..policy.max_attempts {
                    if attempt > 0 {
                        stats
                            .retried
                            .fetch_add(pending.len() as u64, Ordering::Relaxed);
                        tokio::time::sleep(policy.delay(attempt)).await;
                    }
                    pending = send(pending).await?;
                    if pending.is_empty() {
                        return Ok(());
                    }
                }
                Err(StoreError::Unprocessed {
                    remaining: pending.len(),
                    attempts: policy.max_attempts,
                })
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

impl Store {
    /// One `BatchWriteItem` of at most 25 requests; returns what the service left unprocessed.
    pub async fn send_write_batch(
        &self,
        batch: Vec<WriteRequest>,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        let out = self
            .client
            .batch_write_item()
            .request_items(&self.table, batch)
            .send()
            .await
            .map_err(StoreError::dynamo("BatchWriteItem"))?;
        Ok(out
            .unprocessed_items
            .and_then(|mut m| m.remove(&self.table))
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
            |batch| self.send_write_batch(batch),
        )
        .await
    }

    /// Reads every key (consistently), in batches of 100, retrying unprocessed keys. Missing items
    /// are simply absent from the result; the order is not the keys' order.
    pub async fn get_all(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let chunks: Vec<Vec<Item>> = keys.chunks(GET_BATCH).map(<[Item]>::to_vec).collect();
        let found: Vec<Vec<Item>> = stream::iter(chunks)
            .map(|chunk| async move {
                let policy = RetryPolicy::DEFAULT;
                let mut pending = chunk;
                let mut found = Vec::new();
                for attempt in 0..policy.max_attempts {
                    if attempt > 0 {
                        tokio::time::sleep(policy.delay(attempt)).await;
                    }
                    let request = KeysAndAttributes::builder()
                        .set_keys(Some(pending))
                        .consistent_read(true)
                        .build()
                        .expect("keys are set");
                    let out = self
                        .client
                        .batch_get_item()
                        .request_items(&self.table, request)
                        .send()
                        .await
                        .map_err(StoreError::dynamo("BatchGetItem"))?;
                    found.extend(
                        out.responses
                            .and_then(|mut r| r.remove(&self.table))
                            .unwrap_or_default(),
                    );
                    pending = out
                        .unprocessed_keys
                        .and_then(|mut u| u.remove(&self.table))
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(found);
                    }
                }
                Err(StoreError::Unprocessed {
                    remaining: pending.len(),
                    attempts: policy.max_attempts,
                })
            })
            .buffer_unordered(DEFAULT_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let policy = RetryPolicy::DEFAULT;
        for attempt in 0..40 {
            let d = policy.delay(attempt);
            assert!(d <= policy.max_delay);
            assert!(d <= policy.base_delay.saturating_mul(1 << attempt.min(16)));
        }
    }
}
