//! What can go wrong handling a payouts event, as errors and as Lambda diagnostics. A Lambda
//! error on a pool event is retried by Lambda and then lands in the on-failure queue with its
//! `errorType` and message (`docs/payouts.md`, "Failures and who sees them").

use chrono::{DateTime, Utc};
use contribution::payout::SplitError;
use contribution::statement::{Currency, PayoutPeriod};
use lambda_runtime::Diagnostic;
use store::StoreError;

/// A pool event that breaks one of the rules a pool must meet; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "rule billing-account: the event comes from {}, not billing's account {expected} \
         (nothing written)",
        got.as_deref().map_or("no account".to_owned(), |a| format!("account {a:?}"))
    )]
    ForeignAccount {
        got: Option<String>,
        expected: String,
    },
    #[error(
        "rule period-ended: {period} ends at {ends} and it is {now} by this function's clock; a \
         pool is split only after its month is over (nothing written)"
    )]
    PeriodNotEnded {
        period: PayoutPeriod,
        ends: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error(
        "rule period-age: {period} is {age_months} months old, more than the {max_months} allowed \
         (PAYOUT_MAX_PERIOD_AGE_MONTHS); nothing written"
    )]
    PeriodTooOld {
        period: PayoutPeriod,
        age_months: u32,
        max_months: u32,
    },
    #[error(
        "rule pool-ceiling: the pool of {period} is {amount_minor} minor units, more than the \
         {max_minor} allowed (PAYOUT_MAX_POOL_MINOR); a mis-scaled pool is not paid (nothing \
         written)"
    )]
    PoolAboveCeiling {
        period: PayoutPeriod,
        amount_minor: u64,
        max_minor: u64,
    },
}

impl Refusal {
    /// The rule's name, as the error type Lambda reports.
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::ForeignAccount { .. } => "RefusedForeignAccount",
            Refusal::PeriodNotEnded { .. } => "RefusedPeriodNotEnded",
            Refusal::PeriodTooOld { .. } => "RefusedPeriodTooOld",
            Refusal::PoolAboveCeiling { .. } => "RefusedPoolAboveCeiling",
        }
    }
}

/// An error of the `payouts` boundary.
#[derive(Debug, thiserror::Error)]
pub enum PayoutsError {
    /// The event is not a pool-closed event or the retry schedule's; nothing was written.
    #[error("not a payouts event: {0}")]
    BadEvent(String),
    #[error("pool refused: {0}")]
    Refused(#[from] Refusal),
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
    #[error("run {0} has expired from the table: its contributions cannot be read any more")]
    RunGone(String),
    #[error("cannot split the pool of {period}: {source}")]
    Split {
        period: PayoutPeriod,
        #[source]
        source: SplitError,
    },
    /// The period's split was voided, but the void did not finish: the pool waits for it.
    #[error(
        "the void of {0} did not finish: an operator runs it again, then this pool is split \
         (nothing written)"
    )]
    VoidUnfinished(PayoutPeriod),
    /// Another invocation took over this split while this one was writing it.
    #[error("the split of {0} was taken over by another invocation; it finishes it")]
    LostClaim(PayoutPeriod),
    /// An operator's command that cannot be carried out as asked; nothing was changed.
    #[error("operator command refused: {0} (nothing changed)")]
    Operator(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PayoutsError {
    /// The error type Lambda reports (and the on-failure record carries).
    pub fn error_type(&self) -> &'static str {
        match self {
            PayoutsError::BadEvent(_) => "BadEvent",
            PayoutsError::Refused(refusal) => refusal.rule(),
            PayoutsError::ConflictingPool { .. } => "ConflictingPool",
            PayoutsError::Operator(_) => "OperatorRefused",
            PayoutsError::RunGone(_) => "RunGone",
            PayoutsError::Split { .. } => "SplitError",
            PayoutsError::LostClaim(_) => "LostClaim",
            PayoutsError::VoidUnfinished(_) => "VoidUnfinished",
            PayoutsError::Config(_) => "Config",
            PayoutsError::Store(_) => "StoreError",
        }
    }
}

impl From<PayoutsError> for Diagnostic {
    fn from(e: PayoutsError) -> Self {
        let error_type = e.error_type();
        tracing::error!(error_type, error = %e, "payouts event failed");
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}
