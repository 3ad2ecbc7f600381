//! The `fanout` Lambda: committed changes out of the table's stream.
//!
//! DynamoDB Streams gives it, in order per item and filtered at the event source
//! (`store::catalog::changes::STREAM_FILTERS`), every new credit history entry and every write of a
//! discography entry. A history entry becomes one `Credit Changed` event per affected producer on
//! the platform's bus ([`notice`], [`bus`]); a discography entry's write updates its owner's
//! shared-track entries (`store::catalog::shared_tracks`). Records are handled in order; the first that
//! fails is reported as the batch's failure (`ReportBatchItemFailures`), so Lambda retries from
//! it and nothing after it is skipped. `cargo xtask dev` feeds DynamoDB Local's stream to this
//! same handler.

pub mod bus;
pub mod error;
#[cfg(feature = "local-feed")]
pub mod local_feed;
pub mod notice;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use store::Store;
use store::catalog::changes::{TableChange, table_change};
use telemetry::emf::Line;

pub use bus::Bus;
pub use error::FanoutError;

/// The stream event Lambda sends.
pub type DynamoDbEvent = Event;

/// What the function needs: the table and the bus.
pub struct Deps {
    pub store: Store,
    pub bus: Bus,
}

/// What a batch did (its EMF line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanoutBatch {
    pub records: usize,
    pub credit_changes: usize,
    pub events_put: usize,
    pub events_resent: usize,
    pub shared_writes: usize,
    /// Records reported failed (0 or 1: the first failure ends the batch).
    pub failed_records: usize,
    /// Records after the failed one, left for Lambda's retry.
    pub deferred_records: usize,
}

impl FanoutBatch {
    /// The EMF log line (namespace `BeatPass/Fanout`); `FailedRecords` is alarmed.
    pub fn emf_line(&self, timestamp_millis: i64) -> String {
        Line::new("BeatPass/Fanout")
            .count("Records", self.records)
            .count("CreditChanges", self.credit_changes)
            .count("EventsPut", self.events_put)
            .count("EventsResent", self.events_resent)
            .count("SharedWrites", self.shared_writes)
            .count("FailedRecords", self.failed_records)
            .property("message", "fanout batch")
            .property("deferredRecords", self.deferred_records)
            .render(timestamp_millis)
    }
}

/// Handles one batch of stream records, invoked at `now`, and logs its EMF line.
pub async fn handle(
    deps: &Deps,
    event: DynamoDbEvent,
    now: chrono::DateTime<chrono::Utc>,
) -> DynamoDbEventResponse {
    let (response, batch) = handle_batch(deps, event).await;
    println!("{}", batch.emf_line(now.timestamp_millis()));
    response
}

/// [`handle`], also returning what the batch did.
pub async fn handle_batch(
    deps: &Deps,
    event: DynamoDbEvent,
) -> (DynamoDbEventResponse, FanoutBatch) {
    let mut batch = FanoutBatch {
        records: event.records.len(),
        ..FanoutBatch::default()
    };
    let mut response = DynamoDbEventResponse::default();
    for (i, record) in event.records.iter().enumerate() {
        if let Err(error) = apply(deps, record, &mut batch).await {
            let sequence = record.change.sequence_number.clone();
            tracing::error!(
                error = %error,
                kind = error.kind(),
                sequence = sequence.as_deref().unwrap_or("-"),
                event_id = %record.event_id,
                "stream record not carried out; reported for retry"
            );
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
            batch.failed_records = 1;
            batch.deferred_records = event.records.len() - i - 1;
            break;
        }
    }
    (response, batch)
}

/// Carries out one record.
async fn apply(
    deps: &Deps,
    record: &EventRecord,
    batch: &mut FanoutBatch,
) -> Result<(), FanoutError> {
    // The mapping's filters pass only what is handled here; anything else is `Other`.
    let change = &record.change;
    match table_change(&record.event_name, &change.old_image, &change.new_image)
        .map_err(FanoutError::Undecodable)?
    {
        TableChange::CreditsChanged(credit_change) => {
            batch.credit_changes += 1;
            let put = deps.bus.put(&notice::notices_of(&credit_change)).await?;
            batch.events_put += put.events;
            batch.events_resent += put.resent;
        }
        TableChange::Discography { before, after } => {
            let writes = deps
                .store
                .catalog()
                .apply_discography_change(before.as_ref(), after.as_ref())
                .await
                .map_err(FanoutError::Store)?;
            batch.shared_writes += writes.put + writes.deleted;
        }
        TableChange::Other => {}
    }
    Ok(())
}
