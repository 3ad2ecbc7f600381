//! DynamoDB Local's stream fed to [`crate::handle`], for `cargo xtask dev` and the tests.
//!
//! Lambda's two event source mappings do this on AWS, each on its own: read the stream in order,
//! drop what the mapping's filters do not pass, invoke the function with a batch, on a reported
//! failure invoke it again from the failed record, and after the last retry park that record (its
//! metadata to the on-failure queue) and go on. [`drain`] does the same for one mapping until the
//! stream has nothing new; [`LocalFeed`] holds one reader per mapping, so a failing bus parks
//! events without holding back the shared-track entries. Behind the `local-feed` feature, so the
//! deployed function does not link the streams client.

use std::time::Duration;

use store::catalog::changes::StreamMapping;
use store::{Store, StoreError};
use stream_standin::{LocalStream, StreamError};

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
    /// Records that failed every attempt and were read past (on AWS: the on-failure queue).
    pub parked: usize,
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

    fn sum(self, other: Drained) -> Drained {
        Drained {
            batches: self.batches + other.batches,
            records: self.records + other.records,
            events_put: self.events_put + other.events_put,
            events_resent: self.events_resent + other.events_resent,
            shared_writes: self.shared_writes + other.shared_writes,
            retried_batches: self.retried_batches + other.retried_batches,
            parked: self.parked + other.parked,
        }
    }
}

/// Why a drain stopped before the stream's end.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Table(#[from] StoreError),
    #[error("the table has no stream to read")]
    NoStream,
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error("a stream batch is not a DynamoDB event: {0}")]
    Shape(#[from] serde_json::Error),
}

/// The reader of one event source mapping.
pub struct MappingReader {
    mapping: StreamMapping,
    stream: LocalStream,
}

impl MappingReader {
    /// The mapping's next batch of new records, unhandled (a test looking at what it carries).
    pub async fn next_batch(&mut self) -> Result<Option<serde_json::Value>, StreamError> {
        self.stream.next_batch().await
    }
}

/// One local reader per event source mapping of the table's stream.
pub struct LocalFeed {
    streams: Vec<MappingReader>,
}

impl LocalFeed {
    /// Readers of `store`'s stream on the DynamoDB Local at `endpoint`, one per mapping, each
    /// from the oldest record.
    pub async fn open(store: &Store, endpoint: &str) -> Result<Self, FeedError> {
        let stream_arn = store.stream_arn().await?.ok_or(FeedError::NoStream)?;
        let streams = StreamMapping::ALL
            .into_iter()
            .map(|mapping| MappingReader {
                mapping,
                // The patterns the template is checked against, applied as Lambda applies them.
                stream: LocalStream::open(endpoint, &stream_arn, mapping.patterns()),
            })
            .collect();
        Ok(Self { streams })
    }

    /// The reader of `mapping`.
    pub fn stream(&mut self, mapping: StreamMapping) -> &mut MappingReader {
        self.streams
            .iter_mut()
            .find(|s| s.mapping == mapping)
            .expect("a reader per mapping")
    }

    /// [`drain`]s every mapping in turn, summing what they did.
    pub async fn drain(
        &mut self,
        deps: &Deps,
        max_attempts: u32,
        backoff: Duration,
    ) -> Result<Drained, FeedError> {
        let mut total = Drained::default();
        for stream in &mut self.streams {
            total = total.sum(drain(stream, deps, max_attempts, backoff).await?);
        }
        Ok(total)
    }
}

/// Hands every new record of `stream` to the handler, in order, re-reading from a failed record
/// (after `backoff`) up to `max_attempts` times each and then parking it, until the stream has
/// nothing new.
pub async fn drain(
    reader: &mut MappingReader,
    deps: &Deps,
    max_attempts: u32,
    backoff: Duration,
) -> Result<Drained, FeedError> {
    let MappingReader { mapping, stream } = reader;
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
            tracing::error!(
                sequence,
                attempts,
                mapping = ?mapping,
                "stream record failed every attempt; parked (the on-failure queue, on AWS)"
            );
            drained.parked += 1;
            failing = None;
            stream.skip_past(&sequence).await?;
            continue;
        }
        failing = Some((sequence.clone(), attempts));
        tokio::time::sleep(backoff).await;
        stream.retry_from(&sequence).await?;
    }
    Ok(drained)
}
