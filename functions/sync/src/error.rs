//! Why a message was not applied, named for the log line that reports it.

use catalog::jsonl::LineProblem;
use store::StoreError;

/// An error of the `sync` boundary: the message goes back to the queue (and, after a few
/// receives, to the dead-letter queue). Nothing of it was written, or what was is idempotent.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the message has no body")]
    NoBody,
    #[error(
        "sent by {}, not the platform: only the platform writes the feed, nothing was applied",
        .sender.as_deref().unwrap_or("a sender SQS did not name (no SenderId)")
    )]
    ForeignSender { sender: Option<String> },
    #[error(
        "from {}, not the feed's queue: nothing was applied",
        .queue.as_deref().unwrap_or("no queue (the record names no eventSourceARN)")
    )]
    ForeignQueue { queue: Option<String> },
    #[error("not a sync message: {0}")]
    Malformed(String),
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("{0}")]
    Record(#[from] LineProblem),
    #[error("at {at} is more than {minutes} minutes ahead of the clock")]
    FromTheFuture { at: String, minutes: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A stable name for logs and alarms.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::NoBody | SyncError::Malformed(_) => "Malformed",
            SyncError::ForeignSender { .. } => "ForeignSender",
            SyncError::ForeignQueue { .. } => "ForeignQueue",
            SyncError::Invalid { .. } | SyncError::Record(_) | SyncError::FromTheFuture { .. } => {
                "Invalid"
            }
            SyncError::Store(StoreError::UnknownProducers(_)) => "UnknownProducers",
            SyncError::Store(StoreError::ProducerChange(_)) => "Invalid",
            SyncError::Store(_) => "StoreError",
        }
    }
}
