//! What can go wrong handling a payouts event, as errors and as Lambda diagnostics.

use contribution::payout::SplitError;
use contribution::statement::{Currency, PayoutPeriod};
use lambda_runtime::Diagnostic;
use store::StoreError;

/// An error of the `payouts` boundary.
#[derive(Debug, thiserror::Error)]
pub enum PayoutsError {
    /// The event is not a pool-closed event or the retry schedule's; nothing was written.
    #[error("not a payouts event: {0}")]
    BadEvent(String),
    /// The period already has a split with another pool; nothing was changed.
    #[error(
        "period {period} was already split with {existing_minor} {existing_currency} minor units; \
         refusing a second pool of {asked_minor} {asked_currency} (nothing changed)"
    )]
    ConflictingPool {
        period: PayoutPeriod,
        existing_minor: u64,
        existing_currency: Currency,
        asked_minor: u64,
        asked_currency: Currency,
    },
    #[error("no recompute run is published yet: there are no contribution values to split by")]
    NoPublishedRun,
    #[error("run {0} has expired from the table: its contributions cannot be read any more")]
    RunGone(String),
    #[error("cannot split the pool of {period}: {source}")]
    Split {
        period: PayoutPeriod,
        #[source]
        source: SplitError,
    },
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PayoutsError> for Diagnostic {
    fn from(e: PayoutsError) -> Self {
        let error_type = match &e {
            PayoutsError::BadEvent(_) => "BadEvent",
            PayoutsError::ConflictingPool { .. } => "ConflictingPool",
            PayoutsError::NoPublishedRun => "NoPublishedRun",
            PayoutsError::RunGone(_) => "RunGone",
            PayoutsError::Split { .. } => "SplitError",
            PayoutsError::Config(_) => "Config",
            PayoutsError::Store(_) => "StoreError",
        };
        tracing::error!(error_type, error = %e, "payouts event failed");
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}
