//! The item kinds of monthly payouts: a period's split, each producer's statement, and the
//! period's roster (who has a statement).
//!
//! A statement lives in its producer's partition (`GET /producers/{id}/payouts` is one query,
//! newest period first); the roster packs the period's producer ids many to an item so the
//! transfer step can find every statement of a period without a scan or an index.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::payout::Signal;
use contribution::statement::{Currency, PayoutPeriod, StatementStatus};
use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FullKey, PrimaryKey};
pub use crate::exact_units::ExactUnits;
use crate::keys;
use crate::run_items::RunId;

/// How far a period's split has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitState {
    /// Run, pool and currency are fixed; statements are being written by the invocation holding
    /// the claim (another finishes it once the claim has lapsed).
    Splitting,
    /// Every statement is written; transfers are (being) made.
    Split,
    /// Every statement is final: Paid, Excluded, nothing due, or Failed for a cause no retry can
    /// fix. The hourly step looks at the period again only while `awaiting_account` > 0.
    Settled,
}

/// Which invocation is writing a split's statements, and until when: a claim that has lapsed
/// (its invocation died; Lambda ends one after 15 minutes) may be taken by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitClaim {
    pub token: String,
    pub until: DateTime<Utc>,
}

/// A period's split: written first (state `Splitting`) so a retried event splits the same run,
/// then moved on as the work completes. Every write of it is conditional on `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutSplit {
    pub period: PayoutPeriod,
    pub amount_minor: u64,
    pub currency: Currency,
    /// The run the split used: published as of the period's end or later.
    pub run_id: RunId,
    pub run_as_of: DateTime<Utc>,
    pub state: SplitState,
    pub created_at: DateTime<Utc>,
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
    /// While `Splitting`: who writes the statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<SplitClaim>,
    /// Statements Failed because the producer's Stripe account cannot receive transfers: each is
    /// paid, once, to the account the producer connects next.
    #[serde(default)]
    pub awaiting_account: u64,
}

impl PayoutSplit {
    /// A split about to start: the pool of `period`, by `run`, nothing written yet.
    pub fn starting(
        period: PayoutPeriod,
        amount_minor: u64,
        currency: Currency,
        run: (RunId, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            period,
            amount_minor,
            currency,
            run_id: run.0,
            run_as_of: run.1,
            state: SplitState::Splitting,
            created_at: now,
            statements: 0,
            eligible: 0,
            excluded: 0,
            roster_parts: 0,
            revision: 0,
            claim: None,
            awaiting_account: 0,
        }
    }

    /// Whether the hourly step has anything to do for this split.
    pub fn is_open(&self) -> bool {
        self.state != SplitState::Settled || self.awaiting_account > 0
    }
}

impl Entity for PayoutSplit {
    const NAME: &'static str = "payoutSplit";
    type Scope = ();
    type KeyInput<'a> = PayoutPeriod;

    fn primary_key(_: &(), period: PayoutPeriod) -> PrimaryKey {
        PrimaryKey::new(keys::PAYOUTS_PK.to_owned(), period.to_string())
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, self.period).into()
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
    /// The producer's connected account cannot receive it (closed, deauthorised, without the
    /// `transfers` capability): paid to the next account the producer connects.
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

    /// Whether the hourly step sends it again as it is.
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
                "Your Stripe account cannot receive transfers. Connect a payout-ready account and \
                 this payout is sent to it."
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
    /// The Stripe account paid: as it was when the split ran, or the one connected after a
    /// transfer to it failed with `AccountUnusable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    pub status: StatementStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<TransferFailure>,
    /// Transfer requests sent so far.
    #[serde(default)]
    pub attempts: u32,
    /// Times the statement was pointed at a newly connected account (part of its idempotency key).
    #[serde(default)]
    pub repoints: u32,
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

    /// The key every send of this statement carries: the same for every retry to the same
    /// account, a new one once the statement is pointed at a new account.
    pub fn idempotency_key(&self) -> String {
        match self.repoints {
            0 => format!("payout-{}-{}", self.period, self.producer_id),
            n => format!("payout-{}-{}-account-{n}", self.period, self.producer_id),
        }
    }

    /// Whether the hourly step still owes this statement a send.
    pub fn is_owed(&self) -> bool {
        match self.status {
            StatementStatus::Queued | StatementStatus::Sending => true,
            StatementStatus::Failed => self.failure.as_ref().is_none_or(|f| f.retryable),
            StatementStatus::Paid | StatementStatus::Excluded | StatementStatus::NothingDue => {
                false
            }
        }
    }

    /// Whether it failed because the producer's account cannot receive transfers.
    pub fn awaits_account(&self) -> bool {
        self.status == StatementStatus::Failed
            && self
                .failure
                .as_ref()
                .is_some_and(|f| f.code == FailureCode::AccountUnusable)
    }
}

impl Entity for PayoutStatement {
    const NAME: &'static str = "payoutStatement";
    type Scope = ();
    type KeyInput<'a> = (&'a ProducerId, PayoutPeriod);

    fn primary_key(_: &(), (producer, period): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::statement_pk(producer),
            keys::statement_sk(&period.to_string()),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.producer_id, self.period)).into()
    }
}

/// Part of a period's roster: producer ids, one row each (packed as every list is:
/// `crate::chunks::pack_parts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutRosterPart {
    pub period: PayoutPeriod,
    pub part: u32,
    #[serde(with = "crate::rows::as_blob")]
    pub producers: Vec<ProducerId>,
}

impl Entity for PayoutRosterPart {
    const NAME: &'static str = "payoutRoster";
    type Scope = ();
    type KeyInput<'a> = (PayoutPeriod, u32);

    fn primary_key(_: &(), (period, part): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(keys::roster_pk(&period.to_string()), keys::roster_sk(part))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (self.period, self.part)).into()
    }
}

/// Packs a period's producer ids into roster parts.
pub fn pack_roster(
    period: PayoutPeriod,
    producers: &[ProducerId],
) -> Result<Vec<PayoutRosterPart>, crate::StoreError> {
    Ok(crate::chunks::pack_parts(producers.to_vec())?
        .into_iter()
        .enumerate()
        .map(|(part, producers)| PayoutRosterPart {
            period,
            part: part as u32,
            producers,
        })
        .collect())
}
