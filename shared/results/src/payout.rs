//! What a monthly payout records: a period's split and each producer's statement, with the rules
//! that read them (which statements are owed or open, what a failure code tells a producer, how
//! much history is kept).
//!
//! Plain values beside `contribution::statement`'s machine (`PayoutPeriod`, `Currency`,
//! `StatementStatus`); the payouts function makes and moves them, the views read them, and how
//! each is stored is the store's (`store::payouts::items`). The serde names are the stored
//! attribute names.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::payout::Signal;
use contribution::statement::{Currency, PayoutPeriod, StatementStatus};
use serde::{Deserialize, Serialize};

use crate::run_id::RunId;
pub use crate::units::ExactUnits;

/// How far a period's split has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitState {
    /// The pool arrived before a run of the whole month was published: pool, currency and sender
    /// are kept, and the hourly step splits it once such a run is published.
    Waiting,
    /// Run, pool and currency are fixed; statements are being written by the invocation holding
    /// the claim (another finishes it once the claim has lapsed).
    Splitting,
    /// Every statement is written; transfers are (being) made, and statements held for their
    /// producer's account are looked at every hour.
    Split,
    /// No statement is left for the hourly step: each is Paid, Excluded, nothing due, Failed for
    /// a cause no retry fixes, held by an operator, or escalated to operators. An operator's
    /// release moves the split back to `Split`.
    Settled,
    /// Voided by an operator before anything was sent: nothing is paid from it, and a new pool
    /// for the period may be split.
    Voided,
}

/// Which invocation is working on a split, and until when: the one writing its statements
/// (`Splitting`), paying it, or voiding it. One at a time, so an operator's void can never race
/// a send. A claim that has lapsed (its invocation died; Lambda ends one after 15 minutes) may
/// be taken by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitClaim {
    pub token: String,
    pub until: DateTime<Utc>,
}

/// Who sent a pool: billing's EventBridge event, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolSender {
    /// The event's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The event's `account` (checked against billing's before anything was written).
    pub account: String,
    pub received_at: DateTime<Utc>,
}

/// An operator's action on a split or one of its statements: who, when, what and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorAction {
    pub at: DateTime<Utc>,
    pub by: String,
    /// `hold`, `release`, `void`, `reconcile`.
    pub action: String,
    pub why: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<ProducerId>,
}

/// Operator actions a split keeps (the latest).
pub const ACTIONS_KEPT: usize = 100;

/// The last check of a period against Stripe's listing of its transfer group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    pub at: DateTime<Utc>,
    /// Transfers Stripe lists in the group.
    pub transfers: u64,
    /// Of them, matched to exactly one statement part with the same amount.
    pub matched: u64,
    /// The minor units Stripe lists, and the ones the statements record as paid.
    pub listed_minor: u64,
    pub recorded_minor: u64,
    /// Transfers matched to no statement part (or a second for the same part, or another
    /// amount): `tr_…` ids.
    pub strays: Vec<String>,
    /// Statement parts recorded as paid whose transfer Stripe does not list: `producer#part`.
    pub missing: Vec<String>,
    /// Transfers Stripe made for a part not yet recorded (a lost answer the next pass records),
    /// and their minor units: not a mismatch.
    pub unrecorded: u64,
    pub unrecorded_minor: u64,
}

impl Reconciliation {
    /// Every transfer matched (or about to be recorded), nothing missing, the sums equal.
    pub fn is_clean(&self) -> bool {
        self.strays.is_empty()
            && self.missing.is_empty()
            && self.listed_minor == self.recorded_minor + self.unrecorded_minor
    }
}

/// A period's split: written first (state `Waiting` or `Splitting`) so a retried event splits the
/// same run, then moved on as the work completes. Every write of it is conditional on
/// `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutSplit {
    pub period: PayoutPeriod,
    pub amount_minor: u64,
    pub currency: Currency,
    /// The run the split used: published as of the period's end or later (none while waiting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_of: Option<DateTime<Utc>>,
    pub state: SplitState,
    pub created_at: DateTime<Utc>,
    /// Who sent the pool (absent on splits written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<PoolSender>,
    /// Producers with a statement, of them eligible and excluded (known once split).
    #[serde(default)]
    pub statements: u64,
    #[serde(default)]
    pub eligible: u64,
    #[serde(default)]
    pub excluded: u64,
    /// Roster items written (known once split).
    #[serde(default)]
    pub roster_parts: u32,
    /// Bumped by every write; each write is conditional on the revision read.
    #[serde(default)]
    pub revision: u32,
    /// Who is working on it (see [`SplitClaim`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<SplitClaim>,
    /// After the last pass: statements held (for the producer's account or by an operator) and
    /// escalated to operators.
    #[serde(default)]
    pub held: u64,
    #[serde(default)]
    pub escalated: u64,
    /// Operators' actions, oldest first (the latest [`ACTIONS_KEPT`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<OperatorAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<Reconciliation>,
}

impl PayoutSplit {
    /// A pool received: waiting for its run (`run` none) or about to be split by `run`.
    pub fn starting(
        period: PayoutPeriod,
        amount_minor: u64,
        currency: Currency,
        run: Option<(RunId, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Self {
        let state = if run.is_some() {
            SplitState::Splitting
        } else {
            SplitState::Waiting
        };
        let (run_id, run_as_of) = run.map_or((None, None), |(id, at)| (Some(id), Some(at)));
        Self {
            period,
            amount_minor,
            currency,
            run_id,
            run_as_of,
            state,
            created_at: now,
            sent_by: None,
            statements: 0,
            eligible: 0,
            excluded: 0,
            roster_parts: 0,
            revision: 0,
            claim: None,
            held: 0,
            escalated: 0,
            actions: Vec::new(),
            reconciled: None,
        }
    }

    /// Whether the hourly step has anything to do for this split.
    pub fn is_open(&self) -> bool {
        matches!(
            self.state,
            SplitState::Waiting | SplitState::Splitting | SplitState::Split
        )
    }

    /// Records an operator's action, keeping the latest [`ACTIONS_KEPT`].
    pub fn record(&mut self, action: OperatorAction) {
        self.actions.push(action);
        if self.actions.len() > ACTIONS_KEPT {
            let excess = self.actions.len() - ACTIONS_KEPT;
            self.actions.drain(..excess);
        }
    }

    /// Whether an invocation's claim on it still holds at `now`.
    pub fn is_claimed(&self, now: DateTime<Utc>) -> bool {
        self.claim.as_ref().is_some_and(|c| c.until > now)
    }
}

/// Why a transfer failed, in this project's words: a stable code producers and operators can
/// rely on. Stripe's own text is never stored or shown (it can carry a masked key or the
/// platform's balance state); its documented error code is kept for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// 429: too many requests; retried.
    RateLimited,
    /// 5xx or Stripe's `lock_timeout`: Stripe could not handle it now; retried.
    StripeUnavailable,
    /// No answer (timeout, dropped connection); retried after the transfer group is listed.
    NoAnswer,
    /// The platform's Stripe balance cannot cover it yet; retried.
    PlatformBalance,
    /// 401: the platform's API key was refused (rotated or revoked); retried once an operator
    /// fixes the key.
    KeyRejected,
    /// 403: the key may not make transfers (a restricted key without the permission); retried
    /// once an operator fixes it.
    KeyNotPermitted,
    /// 409: the same request was still being handled by Stripe; retried.
    RequestInProgress,
    /// The producer's connected account cannot receive it now (closed, deauthorised, its
    /// `transfers` capability paused while Stripe verifies it): the statement is held, and sent
    /// when the platform next reports the producer's payout fields.
    AccountUnusable,
    /// Stripe refused the request itself (any other 4xx): a person must look.
    TransferRefused,
}

impl FailureCode {
    /// The code as stored and answered (`rate_limited`, `account_unusable`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::RateLimited => "rate_limited",
            FailureCode::StripeUnavailable => "stripe_unavailable",
            FailureCode::NoAnswer => "no_answer",
            FailureCode::PlatformBalance => "platform_balance",
            FailureCode::KeyRejected => "key_rejected",
            FailureCode::KeyNotPermitted => "key_not_permitted",
            FailureCode::RequestInProgress => "request_in_progress",
            FailureCode::AccountUnusable => "account_unusable",
            FailureCode::TransferRefused => "transfer_refused",
        }
    }

    /// Every code, for tests and documentation.
    pub const ALL: [FailureCode; 9] = [
        FailureCode::RateLimited,
        FailureCode::StripeUnavailable,
        FailureCode::NoAnswer,
        FailureCode::PlatformBalance,
        FailureCode::KeyRejected,
        FailureCode::KeyNotPermitted,
        FailureCode::RequestInProgress,
        FailureCode::AccountUnusable,
        FailureCode::TransferRefused,
    ];

    /// Whether the hourly step sends it again as it is (an unusable account holds the statement
    /// instead, until the producer's payout fields change).
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            FailureCode::AccountUnusable | FailureCode::TransferRefused
        )
    }

    /// What the producer is told (this project's words, stable).
    pub fn message(self) -> &'static str {
        match self {
            FailureCode::RateLimited | FailureCode::StripeUnavailable | FailureCode::NoAnswer => {
                "Stripe could not be reached; the transfer is retried every hour."
            }
            FailureCode::PlatformBalance => {
                "BeatPass's payout balance was not yet available; the transfer is retried every hour."
            }
            FailureCode::KeyRejected | FailureCode::KeyNotPermitted => {
                "BeatPass's Stripe connection needs attention; the transfer is retried every hour."
            }
            FailureCode::RequestInProgress => {
                "The transfer was still being processed; it is checked again every hour."
            }
            FailureCode::AccountUnusable => {
                "Your Stripe account cannot receive transfers right now. Complete Stripe's \
                 verification or connect another payout-ready account, and this payout is sent to \
                 it."
            }
            FailureCode::TransferRefused => {
                "Stripe refused this transfer. BeatPass support has been alerted."
            }
        }
    }
}

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferFailure {
    pub code: FailureCode,
    /// Whether the hourly step sends it again as it is.
    pub retryable: bool,
    /// Stripe's documented error code (or type, or `http_<status>`), for operators only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_code: Option<String>,
}

impl TransferFailure {
    pub fn new(code: FailureCode, stripe_code: Option<String>) -> Self {
        Self {
            code,
            retryable: code.is_retryable(),
            stripe_code,
        }
    }
}

/// One move of a statement, with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: StatementStatus,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Status changes a statement keeps: the first, and the latest. A statement retried hourly for
/// weeks would otherwise grow towards DynamoDB's 400 KB item limit.
pub const HISTORY_KEPT: usize = 48;

/// Why a statement is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum HoldReason {
    /// The producer was not payout-ready when it was to be sent (which signals were missing is in
    /// [`Hold::missing`]).
    NotPayoutReady,
    /// Stripe could not pay the producer's account (`Failure` says how): a paused `transfers`
    /// capability, a closed or removed account.
    AccountRefused,
    /// An operator holds it: only an operator releases it.
    #[serde(rename_all = "camelCase")]
    Operator { by: String, why: String },
    /// An operator released it: the next pass sends it if the producer is payout-ready.
    #[serde(rename_all = "camelCase")]
    Released { by: String, why: String },
}

/// A statement's hold: why, since when, and the producer's payout fields' stamp when it was
/// held, so a later report of those fields (even with the same values) sends it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    #[serde(flatten)]
    pub reason: HoldReason,
    pub since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_stamp: Option<i64>,
    /// The payout-ready signals the producer lacked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Signal>,
}

impl Hold {
    /// What the producer is told (this project's words, stable).
    pub fn message(&self) -> &'static str {
        match self.reason {
            HoldReason::NotPayoutReady => {
                "Your payout account is not payout-ready (see what is missing); this payout is \
                 sent as soon as it is."
            }
            HoldReason::AccountRefused => FailureCode::AccountUnusable.message(),
            HoldReason::Operator { .. } => "BeatPass is reviewing this payout.",
            HoldReason::Released { .. } => "This payout is being sent.",
        }
    }

    /// Whether the hourly step may send it without an operator (not an operator's hold).
    pub fn is_automatic(&self) -> bool {
        !matches!(self.reason, HoldReason::Operator { .. })
    }
}

/// One transfer that paid part of a statement (a statement above Stripe's per-transfer maximum
/// is paid in several: `contribution::statement::transfer_parts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidPart {
    pub part: u32,
    pub amount_minor: u64,
    pub transfer_id: String,
    pub destination: String,
}

/// A producer's payout for a period: the figures that explain it, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutStatement {
    pub producer_id: ProducerId,
    pub period: PayoutPeriod,
    pub currency: Currency,
    pub amount_minor: u64,
    pub run_id: RunId,
    pub run_as_of: DateTime<Utc>,
    /// The producer's exact contribution in the run, and as a number.
    pub contribution_units: ExactUnits,
    pub contribution_value: f64,
    /// The eligible producers' exact total (the share's denominator).
    pub eligible_units: ExactUnits,
    pub pool_minor: u64,
    /// Eligible: the floor of the exact share of the pool, and whether a remainder unit was added.
    pub floor_minor: u64,
    pub remainder_unit: bool,
    pub excluded_producers: u64,
    /// Excluded: which payout-ready signals were missing.
    #[serde(default)]
    pub missing: Vec<Signal>,
    /// The Stripe account of the latest send: read from the producer's profile at that moment
    /// (at the split, the account the profile had then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    pub status: StatementStatus,
    /// Paid: the (first) transfer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    /// Every transfer made for it so far, one per part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paid_parts: Vec<PaidPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<TransferFailure>,
    /// Held or escalated: why, and since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// Transfer requests sent so far.
    #[serde(default)]
    pub attempts: u32,
    /// Times the statement was sent again after a hold (part of its idempotency key, so an error
    /// Stripe saved under the old key is not replayed to a recovered account).
    #[serde(default, alias = "repoints")]
    pub send_round: u32,
    /// Bumped by every write: each move is conditional on the revision it read.
    pub revision: u32,
    pub history: Vec<StatusChange>,
    /// Status changes dropped from the middle of `history` (see [`HISTORY_KEPT`]).
    #[serde(default)]
    pub history_dropped: u32,
}

impl PayoutStatement {
    /// Adds a status change, keeping the first and the latest ones within [`HISTORY_KEPT`].
    pub fn record(&mut self, change: StatusChange) {
        self.history.push(change);
        if self.history.len() > HISTORY_KEPT {
            let excess = self.history.len() - HISTORY_KEPT;
            self.history.drain(1..1 + excess);
            self.history_dropped += excess as u32;
        }
    }

    /// Whether the hourly step owes this statement a send as it is (Queued, Sending, or Failed
    /// for a retryable cause).
    pub fn is_owed(&self) -> bool {
        match self.status {
            StatementStatus::Queued | StatementStatus::Sending => true,
            StatementStatus::Failed => self.failure.as_ref().is_none_or(|f| f.retryable),
            _ => false,
        }
    }

    /// Whether the hourly step looks at it: owed, or held without an operator's hold.
    pub fn is_open(&self) -> bool {
        self.is_owed()
            || (self.status == StatementStatus::Held
                && self.hold.as_ref().is_none_or(Hold::is_automatic))
    }

    /// Whether a transfer request was ever sent for it (a send to any account after this one must
    /// first prove, from Stripe's listing, that no earlier one was made).
    pub fn was_sent(&self) -> bool {
        self.attempts > 0 || !self.paid_parts.is_empty()
    }

    /// Minor units of it paid so far.
    pub fn paid_minor(&self) -> u64 {
        self.paid_parts.iter().map(|p| p.amount_minor).sum()
    }
}
