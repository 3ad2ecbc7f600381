//! Why a run did not publish, as errors and as Lambda diagnostics.

use std::time::Duration;

use contribution::LedgerError;
use lambda_runtime::Diagnostic;
use store::StoreError;

/// An error of the `recompute` boundary. Every variant means nothing was published: readers keep
/// the previous run, and the same event can simply be run again.
#[derive(Debug, thiserror::Error)]
pub enum RecomputeError {
    #[error("not a scheduled event: {0}")]
    BadEvent(String),
    #[error("stopped before publishing: only {remaining:?} left before the Lambda deadline")]
    DeadlineApproaching { remaining: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A sharded run's reduce found a shard without a complete partial aggregate.
    #[error("shard {shard} of {shards} has no complete partial aggregate in the table")]
    MissingPartial { shard: u32, shards: u32 },
    #[error(transparent)]
    Partial(#[from] crate::aggregate::PartialError),
}

impl From<RecomputeError> for Diagnostic {
    fn from(e: RecomputeError) -> Self {
        let error_type = match &e {
            RecomputeError::BadEvent(_) => "BadEvent",
            RecomputeError::DeadlineApproaching { .. } => "DeadlineApproaching",
            RecomputeError::Store(StoreError::WriterStopped) => "WriterStopped",
            RecomputeError::Store(_) => "StoreError",
            RecomputeError::Ledger(_) => "LedgerError",
            RecomputeError::MissingPartial { .. } => "MissingPartial",
            RecomputeError::Partial(_) => "PartialError",
        };
        tracing::error!(error_type, error = %e, "recompute failed; nothing was published");
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}
