//! The transfer step: one Stripe transfer per Queued statement, and a retry of every statement
//! left in Sending (the sender died mid-call) or Failed for a retryable cause. Run right after a
//! split and by the hourly schedule.
//!
//! Never paying twice rests on three things: each statement is claimed (→ Sending) with a write
//! conditional on the revision read, so one sender at a time; every send of a statement carries
//! the same `Idempotency-Key: payout-<period>-<producer>`, so Stripe replays a request whose
//! answer was lost; and before re-sending anything that was sent before, the period's transfer
//! group is listed, so a transfer Stripe made is found and recorded instead of sent again (which
//! also covers keys older than Stripe's 24-hour idempotency window).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use contribution::statement::StatementStatus;
use futures_util::{StreamExt, TryStreamExt, stream};
use store::Store;
use store::payout_items::{
    PayoutSplit, PayoutStatement, SplitState, StatusChange, TransferFailure,
};
use store::payouts::Moved;

use crate::error::PayoutsError;
use crate::event::PoolClosed;
use crate::stripe::{Stripe, TransferRequest};

/// What one transfer step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    pub periods: u64,
    pub paid: u64,
    pub failed: u64,
    /// Statements found already paid at Stripe (a lost answer) and recorded without a send.
    pub reconciled: u64,
    pub still_open: u64,
    /// Statements left Failed after this step (retryable or not): what the alarm watches.
    pub failed_statements: u64,
}

/// How many moves a statement may lose to another writer before this step leaves it.
const LOST_MOVES: u32 = 3;

/// Sends what is owed for every open split.
pub async fn send_owed(
    store: &Store,
    stripe: &Stripe,
    concurrency: usize,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<TransferReport, PayoutsError> {
    let mut report = TransferReport::default();
    for mut split in store.open_splits().await? {
        if split.state == SplitState::Splitting {
            // A split that stopped midway (its invocation died): finish it from its own record,
            // the same run and pool, before paying anything.
            let pool = PoolClosed {
                period: split.period,
                amount_minor: split.amount_minor,
                currency: split.currency,
            };
            split = crate::split::split_pool(store, &pool, now()).await?;
        }
        if split.state != SplitState::Split {
            continue;
        }
        report.periods += 1;
        let period_report = send_period(store, stripe, &split, concurrency, now).await?;
        report.paid += period_report.paid;
        report.failed += period_report.failed;
        report.reconciled += period_report.reconciled;
        report.still_open += period_report.still_open;
        report.failed_statements += period_report.failed_statements;
    }
    Ok(report)
}

fn owed(s: &PayoutStatement) -> bool {
    match s.status {
        StatementStatus::Queued | StatementStatus::Sending => true,
        StatementStatus::Failed => s.failure.as_ref().is_none_or(|f| f.retryable),
        StatementStatus::Paid | StatementStatus::Excluded => false,
    }
}

async fn send_period(
    store: &Store,
    stripe: &Stripe,
    split: &PayoutSplit,
    concurrency: usize,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<TransferReport, PayoutsError> {
    let statements = store.split_statements(split).await?;
    let group = format!("payout-{}", split.period);
    let mut work: Vec<PayoutStatement> = statements.iter().filter(|s| owed(s)).cloned().collect();
    // Transfers already at Stripe for statements that were sent before (their answers lost).
    let mut at_stripe: HashMap<String, String> = HashMap::new();
    if work.iter().any(|s| s.status != StatementStatus::Queued) {
        match stripe.transfers_in_group(&group).await {
            Ok(list) => {
                at_stripe = list
                    .into_iter()
                    .filter_map(|t| Some((t.metadata.get("producer")?.clone(), t.id)))
                    .collect();
            }
            Err(failure) => {
                // Without the list nothing sent before may be sent again; never-sent ones go.
                tracing::warn!(period = %split.period, code = %failure.code, message = %failure.message,
                    "could not list the period's transfers; retrying only never-sent statements");
                work.retain(|s| s.status == StatementStatus::Queued);
            }
        }
    }
    let at_stripe = &at_stripe;
    let group = group.as_str();
    let steps: Vec<Step> = stream::iter(work)
        .map(|s| settle(store, stripe, group, s, at_stripe, now))
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut report = TransferReport {
        periods: 1,
        // Failed for good before this step: not retried, still failed.
        failed_statements: statements
            .iter()
            .filter(|s| s.status == StatementStatus::Failed && !owed(s))
            .count() as u64,
        ..TransferReport::default()
    };
    for step in &steps {
        match step {
            Step::Paid => report.paid += 1,
            Step::Reconciled => report.reconciled += 1,
            Step::Failed { retryable } => {
                report.failed += 1;
                report.failed_statements += 1;
                report.still_open += u64::from(*retryable);
            }
            Step::Contended => report.still_open += 1,
            Step::Done => {}
        }
    }
    if report.still_open == 0 {
        let mut settled = split.clone();
        settled.state = SplitState::Settled;
        store.put_split(&settled).await?;
        tracing::info!(period = %split.period, "every statement of the period is final: settled");
    }
    Ok(report)
}

/// What became of one owed statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Paid,
    Reconciled,
    Failed {
        retryable: bool,
    },
    /// Another writer kept moving it: left for the next step.
    Contended,
    /// Someone else finished it.
    Done,
}

/// `current` moved to `status` at `at` (with a note for the history).
fn moved(
    current: &PayoutStatement,
    status: StatementStatus,
    at: DateTime<Utc>,
    note: Option<String>,
) -> PayoutStatement {
    debug_assert!(
        current.status.may_move_to(status),
        "{:?} → {status:?}",
        current.status
    );
    let mut next = current.clone();
    next.status = status;
    next.history.push(StatusChange { status, at, note });
    next
}

/// Writes `next` over `current`; `None` when another writer got there first.
async fn advance(
    store: &Store,
    current: &PayoutStatement,
    mut next: PayoutStatement,
) -> Result<Option<PayoutStatement>, PayoutsError> {
    if !current.status.may_move_to(next.status) {
        return Ok(None);
    }
    Ok(match store.move_statement(current, &mut next).await? {
        Moved::Done => Some(next),
        Moved::Lost => None,
    })
}

async fn reread(
    store: &Store,
    s: &PayoutStatement,
) -> Result<Option<PayoutStatement>, PayoutsError> {
    Ok(store.payout_statement(&s.producer_id, s.period).await?)
}

/// Brings one owed statement to Paid (or Failed), claiming it first; a move lost to another
/// writer reads the statement again and retries, at most `LOST_MOVES` times.
async fn settle(
    store: &Store,
    stripe: &Stripe,
    group: &str,
    mut s: PayoutStatement,
    at_stripe: &HashMap<String, String>,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Step, PayoutsError> {
    for _ in 0..LOST_MOVES {
        if !owed(&s) {
            return Ok(Step::Done);
        }
        if let Some(step) = attempt(store, stripe, group, &s, at_stripe, now).await? {
            return Ok(step);
        }
        s = match reread(store, &s).await? {
            Some(s) => s,
            None => return Ok(Step::Done),
        };
    }
    Ok(Step::Contended)
}

/// One try at settling `s`: `None` when another writer moved it first.
async fn attempt(
    store: &Store,
    stripe: &Stripe,
    group: &str,
    s: &PayoutStatement,
    at_stripe: &HashMap<String, String>,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Option<Step>, PayoutsError> {
    // Paid at Stripe already (an answer was lost): record it, send nothing.
    if s.status != StatementStatus::Queued
        && let Some(transfer) = at_stripe.get(s.producer_id.as_str())
    {
        let mut current = s.clone();
        if current.status == StatementStatus::Failed {
            let note = Some("found at Stripe".to_owned());
            let sending = moved(&current, StatementStatus::Sending, now(), note);
            let Some(next) = advance(store, &current, sending).await? else {
                return Ok(None);
            };
            current = next;
        }
        let note = Some(format!("{transfer} found in the transfer group"));
        let mut paid = moved(&current, StatementStatus::Paid, now(), note);
        paid.transfer_id = Some(transfer.clone());
        paid.failure = None;
        return Ok(advance(store, &current, paid)
            .await?
            .map(|_| Step::Reconciled));
    }
    // Claim it: → Sending, one more attempt.
    let mut sending = moved(s, StatementStatus::Sending, now(), None);
    sending.attempts += 1;
    let Some(sending) = advance(store, s, sending).await? else {
        return Ok(None);
    };
    let result = match &sending.destination {
        Some(destination) => {
            stripe
                .create_transfer(&TransferRequest {
                    amount_minor: sending.amount_minor,
                    currency: sending.currency.stripe_code(),
                    destination: destination.clone(),
                    transfer_group: group.to_owned(),
                    period: sending.period.to_string(),
                    producer: sending.producer_id.to_string(),
                    idempotency_key: format!("payout-{}-{}", sending.period, sending.producer_id),
                })
                .await
        }
        None => Err(TransferFailure {
            code: "no_destination".to_owned(),
            message: "the statement names no Stripe account".to_owned(),
            retryable: false,
        }),
    };
    let (next, step) = match result {
        Ok(transfer) => {
            let mut paid = moved(&sending, StatementStatus::Paid, now(), None);
            paid.transfer_id = Some(transfer.id);
            paid.failure = None;
            (paid, Step::Paid)
        }
        Err(failure) => {
            tracing::warn!(producer = %sending.producer_id, period = %sending.period,
                code = %failure.code, retryable = failure.retryable, "transfer failed");
            let retryable = failure.retryable;
            let note = Some(failure.code.clone());
            let mut failed = moved(&sending, StatementStatus::Failed, now(), note);
            failed.failure = Some(failure);
            (failed, Step::Failed { retryable })
        }
    };
    Ok(advance(store, &sending, next).await?.map(|_| step))
}
