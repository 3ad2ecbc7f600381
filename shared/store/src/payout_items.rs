//! The item kinds of monthly payouts: a period's split, each producer's statement, and the
//! period's roster (who has a statement).
//!
//! A statement lives in its producer's partition (`GET /producers/{id}/payouts` is one query,
//! newest period first); the roster packs the period's producer ids many to an item so the
//! transfer step can find every statement of a period without a scan or an index.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::{Currency, PayoutPeriod, StatementStatus};
use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;
use crate::run_items::RunId;

/// How far a period's split has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitState {
    /// Run, pool and currency are fixed; statements are being written (a retry finishes it).
    Splitting,
    /// Every statement is written; transfers are (being) made.
    Split,
    /// Every statement is final (Paid or Excluded): the hourly step skips the period.
    Settled,
}

/// A period's split: written first (state `Splitting`) so a retried event splits the same run,
/// then moved on as the work completes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutSplit {
    pub period: PayoutPeriod,
    pub amount_minor: u64,
    pub currency: Currency,
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
        }
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

/// Why a transfer failed, as Stripe (or the network) said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferFailure {
    /// Stripe's error `code` (or `type`), or `timeout` / `network` / `http_<status>`.
    pub code: String,
    pub message: String,
    /// Whether the hourly step tries again (429, 5xx, timeouts, insufficient platform balance).
    pub retryable: bool,
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
    /// The producer's exact contribution in the run (2⁻⁶⁴ units, decimal text) and as a number.
    pub contribution_units: String,
    pub contribution_value: f64,
    /// The eligible producers' exact total (the share's denominator), decimal text.
    pub eligible_units: String,
    pub pool_minor: u64,
    /// Eligible: the floor of the exact share of the pool, and whether a remainder unit was added.
    pub floor_minor: u64,
    pub remainder_unit: bool,
    pub excluded_producers: u64,
    /// Excluded: which payout-ready signals were missing (`stripeAccount`, `chargesEnabled`,
    /// `payoutsEnabled`).
    #[serde(default)]
    pub missing: Vec<String>,
    /// The Stripe account paid, as it was when the split ran.
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
    /// Bumped by every write: each move is conditional on the revision it read.
    pub revision: u32,
    pub history: Vec<StatusChange>,
}

impl Entity for PayoutStatement {
    const NAME: &'static str = "payoutStatement";
    type Scope = ();
    type KeyInput<'a> = (&'a ProducerId, PayoutPeriod);

    fn primary_key(_: &(), (producer, period): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::producer_pk(producer),
            keys::statement_sk(&period.to_string()),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.producer_id, self.period)).into()
    }
}

/// Part of a period's roster: producer ids, space-separated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutRosterPart {
    pub period: PayoutPeriod,
    pub part: u32,
    pub producers: String,
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

/// Ids per roster part (≤ 129 bytes each: well inside the 400 KB item limit).
const ROSTER_IDS_PER_PART: usize = 2_500;

/// Packs a period's producer ids into roster parts.
pub fn pack_roster(period: PayoutPeriod, producers: &[ProducerId]) -> Vec<PayoutRosterPart> {
    producers
        .chunks(ROSTER_IDS_PER_PART)
        .enumerate()
        .map(|(part, ids)| PayoutRosterPart {
            period,
            part: part as u32,
            producers: ids
                .iter()
                .map(ProducerId::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}
