//! DynamoDB Local's stream fed to [`crate::handle`], for `cargo xtask dev` and the tests.
//!
//! Lambda's event source mapping does this on AWS: it reads the stream in order, drops what the
//! filters do not pass, invokes the function with a batch, and on a reported failure invokes it
//! again from the failed record. [`drain`] does the same until the stream has nothing new.
//! Behind the `local-feed` feature, so the deployed function does not link the streams client.

use std::time::Duration;

use store::StoreError;
use store::local_stream::LocalStream;

use crate::{Deps, DynamoDbEvent, FanoutBatch, handle_batch};

/// What a drain did, summed over its batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    pub batches: usize,
    pub records: usize,
    pub events_put: usize,
    pub events_resent: usize,
    pub shared_writes: usize,
    /// Batches the handler reported a failure in (each read again from the failed record).
    pub retried_batches: usize,
}

impl Drained {
    fn add(&mut self, batch: &FanoutBatch) {
        self.batches += 1;
        self.records += batch.records - batch.failed_records - batch.deferred_records;
        self.events_put += batch.events_put;
        self.events_resent += batch.events_resent;
        self.shared_writes += batch.shared_writes;
        self.retried_batches += batch.failed_records;
    }
}

/// Why a drain stopped before the stream's end.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Stream(#[from] StoreError),
    #[error("a stream batch is not a DynamoDB event: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("record {sequence} still failed after {attempts} attempts")]
    GaveUp { sequence: String, attempts: u32 },
}

/// Hands every new record of `stream` to the handler, in order, re-reading from a failed record
/// (after `backoff`) up to `max_attempts` times each, until the stream has nothing new.
pub async fn drain(
    stream: &mut LocalStream,
    deps: &Deps,
    max_attempts: u32,
    backoff: Duration,
) -> Result<Drained, FeedError> {
    let mut drained = Drained::default();
    let mut failing: Option<(String, u32)> = None;
    while let Some(batch) = stream.next_batch().await? {
        let event: DynamoDbEvent = serde_json::from_value(batch)?;
        let (response, tally) = handle_batch(deps, event).await;
        drained.add(&tally);
        let Some(sequence) = response
            .batch_item_failures
            .first()
            .and_then(|f| f.item_identifier.clone())
        else {
            failing = None;
            continue;
        };
        let attempts = match &failing {
            Some((s, n)) if *s == sequence => n + 1,
            _ => 1,
        };
        if attempts >= max_attempts {
            return Err(FeedError::GaveUp { sequence, attempts });
        }
        failing = Some((sequence.clone(), attempts));
        tokio::time::sleep(backoff).await;
        stream.retry_from(&sequence).await?;
    }
    Ok(drained)
}
