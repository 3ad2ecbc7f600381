//! A month against what Stripe holds: every transfer Stripe lists in the month's transfer group is
//! matched to exactly one statement part with the same amount and the transfer id the statement
//! records; the sums must agree. Strays (a transfer no part claims, a second one for the same
//! part, another amount) and missing ones (a part recorded as paid that Stripe does not list) are
//! reported and kept on the split; a transfer for a part the statement has not recorded yet (an
//! answer lost this hour, which the next pass records) is counted apart and is not a mismatch.
//!
//! Run by an operator for one month, and daily by the schedule for every recent month; the
//! `ReconcileMismatches` metric (months not clean, or not listable) is alarmed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use contribution::statement::{PayoutPeriod, StatementStatus, transfer_parts};
use results::payout::{PayoutSplit, PayoutStatement, Reconciliation, SplitState};
use serde::Serialize;
use telemetry::emf::Line;

use crate::Deps;
use crate::error::PayoutsError;
use crate::stripe::{TransferObject, transfer_group};

/// How many months back the daily reconciliation looks (beyond the oldest a pool may be for).
const RECENT_EXTRA_MONTHS: u32 = 3;

/// What a reconciliation found.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    pub months: Vec<MonthReconciled>,
    /// Months not clean, plus months whose group could not be listed: alarmed.
    pub mismatches: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthReconciled {
    pub period: PayoutPeriod,
    pub clean: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Reconciliation>,
    /// Why the month could not be checked (Stripe's listing failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Reconciles `period`, or every split of the recent months that has statements.
pub async fn run(
    deps: &Deps,
    period: Option<PayoutPeriod>,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<ReconcileReport, PayoutsError> {
    let splits: Vec<PayoutSplit> = match period {
        Some(period) => vec![
            deps.store
                .payouts()
                .payout_split(period)
                .await?
                .ok_or_else(|| PayoutsError::Operator(format!("{period} has no pool")))?,
        ],
        None => {
            let recent = deps.rules.max_period_age_months + RECENT_EXTRA_MONTHS;
            deps.store
                .payouts()
                .payout_splits()
                .await?
                .into_iter()
                .filter(|s| matches!(s.state, SplitState::Split | SplitState::Settled))
                .filter(|s| s.period.months_until(now()) <= recent)
                .collect()
        }
    };
    let mut report = ReconcileReport::default();
    for split in splits {
        let month = match reconcile_month(deps, &split, now()).await {
            Ok(found) => {
                let clean = found.is_clean();
                if !clean {
                    tracing::error!(period = %split.period, strays = ?found.strays, missing = ?found.missing,
                        listed = found.listed_minor, recorded = found.recorded_minor,
                        "the month does not match what Stripe holds");
                }
                record(deps, split.period, &found).await?;
                MonthReconciled {
                    period: split.period,
                    clean,
                    reconciliation: Some(found),
                    error: None,
                }
            }
            Err(ReconcileError::Listing(e)) => MonthReconciled {
                period: split.period,
                clean: false,
                reconciliation: None,
                error: Some(e),
            },
            Err(ReconcileError::Store(e)) => return Err(e),
        };
        report.mismatches += u64::from(!month.clean);
        report.months.push(month);
    }
    println!(
        "{}",
        Line::new("BeatPass/Payouts")
            .count("ReconcileMismatches", report.mismatches)
            .count("ReconciledMonths", report.months.len() as u64)
            .render(now().timestamp_millis())
    );
    Ok(report)
}

enum ReconcileError {
    Listing(String),
    Store(PayoutsError),
}

impl<E: Into<PayoutsError>> From<E> for ReconcileError {
    fn from(e: E) -> Self {
        ReconcileError::Store(e.into())
    }
}

async fn reconcile_month(
    deps: &Deps,
    split: &PayoutSplit,
    at: DateTime<Utc>,
) -> Result<Reconciliation, ReconcileError> {
    let statements = deps.store.payouts().split_statements(split).await?;
    let listed = deps
        .stripe
        .transfers_in_group(&transfer_group(split.period))
        .await
        .map_err(|e| ReconcileError::Listing(e.to_string()))?;
    Ok(compare(&statements, &listed, at))
}

/// One statement part as recorded: its amount and the transfer the statement names for it.
struct Recorded {
    amount_minor: u64,
    transfer_id: String,
}

/// Matches Stripe's listing against the statements (pure).
pub fn compare(
    statements: &[PayoutStatement],
    listed: &[TransferObject],
    at: DateTime<Utc>,
) -> Reconciliation {
    let mut recorded: HashMap<(String, u32), Recorded> = HashMap::new();
    let mut unpaid_parts: HashMap<(String, u32), u64> = HashMap::new();
    for s in statements {
        let producer = s.producer_id.to_string();
        for p in &s.paid_parts {
            recorded.insert(
                (producer.clone(), p.part),
                Recorded {
                    amount_minor: p.amount_minor,
                    transfer_id: p.transfer_id.clone(),
                },
            );
        }
        // A statement paid before parts were recorded names its one transfer.
        if s.paid_parts.is_empty()
            && s.status == StatementStatus::Paid
            && let Some(id) = &s.transfer_id
        {
            recorded.insert(
                (producer.clone(), 1),
                Recorded {
                    amount_minor: s.amount_minor,
                    transfer_id: id.clone(),
                },
            );
        }
        if s.status != StatementStatus::Paid && !s.status.is_final() {
            for (part, amount) in transfer_parts(s.amount_minor) {
                if !recorded.contains_key(&(producer.clone(), part)) {
                    unpaid_parts.insert((producer.clone(), part), amount);
                }
            }
        }
    }
    let mut matched: HashSet<(String, u32)> = HashSet::new();
    let mut found = Reconciliation {
        at,
        transfers: listed.len() as u64,
        matched: 0,
        listed_minor: listed.iter().map(|t| t.amount).sum(),
        recorded_minor: recorded.values().map(|r| r.amount_minor).sum(),
        strays: Vec::new(),
        missing: Vec::new(),
        unrecorded: 0,
        unrecorded_minor: 0,
    };
    for t in listed {
        let key = (t.producer().unwrap_or_default().to_owned(), t.part());
        match recorded.get(&key) {
            Some(r) if r.transfer_id == t.id && r.amount_minor == t.amount => {
                if matched.insert(key) {
                    found.matched += 1;
                } else {
                    found.strays.push(t.id.clone());
                }
            }
            _ if unpaid_parts.get(&key) == Some(&t.amount) && matched.insert(key) => {
                found.unrecorded += 1;
                found.unrecorded_minor += t.amount;
            }
            _ => found.strays.push(t.id.clone()),
        }
    }
    let mut missing: Vec<String> = recorded
        .keys()
        .filter(|key| !matched.contains(*key))
        .map(|(producer, part)| format!("{producer}#{part}"))
        .collect();
    missing.sort();
    found.missing = missing;
    found.strays.sort();
    found
}

/// Keeps the result on the split.
async fn record(
    deps: &Deps,
    period: PayoutPeriod,
    found: &Reconciliation,
) -> Result<(), PayoutsError> {
    crate::split::update_split(&deps.store, period, |split| {
        split.reconciled = Some(found.clone());
    })
    .await?;
    Ok(())
}
