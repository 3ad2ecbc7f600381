//! The `sync` function: the BeatPass platform's live data, from an SQS queue into the table.
//!
//! The platform counts plays and hears Stripe's account webhooks; it tells this system what
//! changed by sending one message per change to a queue (see [`message`] for the shapes). The
//! queue delivers at least once, in any order, so every change carries the instant it describes
//! and is applied only if newer than what the table reflects (`store::catalog::platform`): duplicates and
//! late deliveries change nothing.
//!
//! [`handle`] answers with a partial-batch response: only the messages that failed come back to
//! the queue (and, after a few receives, go to its dead-letter queue); the rest of the batch is
//! applied. A message fails when it is not one of the shapes, breaks a rule (credits of unknown
//! producers, say), or the table could not be written; each failure is logged with its message
//! id and reason. Play counts for tracks the table does not know are logged and skipped, not
//! retried forever. A record that is not of the feed's queue, or whose `SenderId` is not the
//! platform's ([`origin`], [`sender`]), fails unread.

pub mod error;
pub mod message;
pub mod origin;
pub mod sender;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use store::Store;
use store::catalog::platform::Applied;
use telemetry::emf::Line;

pub use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
pub use error::SyncError;
pub use message::Message;
pub use origin::FeedOrigin;
pub use sender::PlatformSender;

/// Messages of one batch applied at once (each plays message is itself concurrent).
const MESSAGES_IN_FLIGHT: usize = 4;

/// What one message did, for the log.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Plays {
        applied: u64,
        stale: u64,
        unknown: usize,
        /// Write units the counts consumed (`ReturnConsumedCapacity`; one per refused count).
        write_units: f64,
    },
    Producer(Applied),
    Track(Applied),
}

/// Applies one message's body as of `now` (the bound on how far ahead an `at` may be).
pub async fn apply(store: &Store, body: &str, now: DateTime<Utc>) -> Result<Outcome, SyncError> {
    match Message::parse(body, now)? {
        Message::Plays { at, counts } => {
            let report = store.catalog().apply_plays(at, &counts).await?;
            if !report.unknown.is_empty() {
                tracing::warn!(
                    unknown_tracks = ?report.unknown,
                    "play counts for tracks the table does not know were skipped"
                );
            }
            Ok(Outcome::Plays {
                applied: report.applied,
                stale: report.stale,
                unknown: report.unknown.len(),
                write_units: report.write_units,
            })
        }
        Message::Producer { at, change } => Ok(Outcome::Producer(
            store.catalog().sync_producer(&change, at).await?,
        )),
        Message::Track { at, track } => Ok(Outcome::Track(
            store.catalog().sync_track(&track, at).await?,
        )),
    }
}

/// Handles one SQS batch: every message applied or reported failed. A message that is not of the
/// feed's queue or that the platform did not send is reported failed without being read (it
/// ends in the dead-letter queue).
pub async fn handle(
    store: &Store,
    origin: &FeedOrigin,
    event: SqsEvent,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    handle_summarized(store, origin, event, now).await.0
}

/// [`handle`], also returning what the batch did (as its EMF line says).
pub async fn handle_summarized(
    store: &Store,
    origin: &FeedOrigin,
    event: SqsEvent,
    now: DateTime<Utc>,
) -> (SqsBatchResponse, BatchSummary) {
    let results: Vec<(String, Result<Outcome, SyncError>)> = stream::iter(event.records)
        .map(|record| async move {
            let id = record.message_id.unwrap_or_default();
            let sender = record.attributes.get("SenderId").map(String::as_str);
            let admitted = origin.admits(record.event_source_arn.as_deref(), sender);
            let result = match (admitted, record.body.as_deref()) {
                (Err(refused), _) => Err(refused),
                (Ok(()), Some(body)) => apply(store, body, now).await,
                (Ok(()), None) => Err(SyncError::NoBody),
            };
            (id, result)
        })
        .buffer_unordered(MESSAGES_IN_FLIGHT)
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    let mut batch = BatchSummary::default();
    for (id, result) in results {
        batch.add(&result);
        match result {
            Ok(outcome) => tracing::info!(message_id = %id, ?outcome, "applied"),
            Err(error) => {
                tracing::error!(
                    message_id = %id,
                    error_type = error.kind(),
                    error = %error,
                    "message failed; it goes back to the queue"
                );
                response.add_failure(id);
            }
        }
    }
    println!("{}", batch.emf_line(now.timestamp_millis()));
    (response, batch)
}

/// What one batch did: logged once per batch as a CloudWatch Embedded Metric Format line
/// (namespace `BeatPass/Sync`), so counts applied and the write units they cost are metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchSummary {
    pub messages: u64,
    pub failed: u64,
    pub counts_applied: u64,
    pub counts_stale: u64,
    pub counts_unknown: u64,
    pub plays_write_units: f64,
}

impl BatchSummary {
    fn add(&mut self, result: &Result<Outcome, SyncError>) {
        self.messages += 1;
        match result {
            Ok(Outcome::Plays {
                applied,
                stale,
                unknown,
                write_units,
            }) => {
                self.counts_applied += applied;
                self.counts_stale += stale;
                self.counts_unknown += *unknown as u64;
                self.plays_write_units += write_units;
            }
            Ok(_) => {}
            Err(_) => self.failed += 1,
        }
    }

    /// The EMF log line (one JSON object; CloudWatch extracts the metrics from `_aws`).
    pub fn emf_line(&self, timestamp_millis: i64) -> String {
        Line::new("BeatPass/Sync")
            .count("Messages", self.messages)
            .count("MessagesFailed", self.failed)
            .count("CountsApplied", self.counts_applied)
            .count("CountsStale", self.counts_stale)
            .count("CountsUnknown", self.counts_unknown)
            .count("PlaysWriteUnits", self.plays_write_units)
            .property("message", "sync batch summary")
            .render(timestamp_millis)
    }
}
