//! Why a stream record was not carried out, named for the log line that reports it.

use aws_sdk_eventbridge::error::{DisplayErrorContext, SdkError};
use aws_sdk_eventbridge::operation::put_events::PutEventsError;
use store::StoreError;

/// An error of the `fanout` boundary. The record is reported as the batch's failure, so Lambda
/// retries it (and the records after it, in order); after the mapping's retries it goes to the
/// on-failure queue, whose alarm a person answers. Nothing it did is undone or needs to be:
/// events carry ids the platform deduplicates on, and shared-track writes are idempotent.
#[derive(Debug, thiserror::Error)]
pub enum FanoutError {
    #[error("the record's images are not items this table holds: {0}")]
    Undecodable(StoreError),
    #[error("the bus refused {failed} of {sent} events after {attempts} attempts (first: {code})")]
    EventsRefused {
        sent: usize,
        failed: usize,
        attempts: u32,
        code: String,
    },
    #[error("PutEvents failed: {}", DisplayErrorContext(.0))]
    Bus(#[source] Box<SdkError<PutEventsError>>),
    #[error("an event could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Store(StoreError),
}

impl FanoutError {
    /// A stable name for logs and alarms.
    pub fn kind(&self) -> &'static str {
        match self {
            FanoutError::Undecodable(_) | FanoutError::Encode(_) => "Undecodable",
            FanoutError::EventsRefused { .. } | FanoutError::Bus(_) => "Bus",
            FanoutError::Store(_) => "Store",
        }
    }
}
