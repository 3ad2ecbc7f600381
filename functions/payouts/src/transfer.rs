//! The transfer step for one split: one Stripe transfer per Queued statement; a retry of every
//! statement left in Sending (the sender died mid-call) or Failed for a retryable cause; and a
//! send to the new account of a producer whose old one could not receive the transfer. Run right
//! after a split and by the hourly schedule.
//!
//! Never paying twice rests on three things: each statement is claimed (→ Sending) with a write
//! conditional on the revision read, so one sender at a time; every send of a statement to the
//! same account carries the same idempotency key, so Stripe replays a request whose answer was
//! lost; and before sending anything that was sent before, the period's transfer group is
//! listed, so a transfer Stripe made is found and recorded instead of sent again (which also
//! covers keys older than Stripe's 24-hour idempotency window). When the group cannot be listed,
//! nothing sent before is sent: those statements stay open, are counted, and the next hour tries
//! again.
//!
//! Never silently never paying rests on the settle rule: a period is Settled only when every
//! statement is final (Paid, Excluded, nothing due, or Failed for a cause no retry can fix).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::StatementStatus;
use futures_util::{StreamExt, TryStreamExt, stream};
use store::Store;
use store::payout_items::{
    FailureCode, PayoutSplit, PayoutStatement, SplitState, StatusChange, TransferFailure,
};
use store::payouts::Moved;

use crate::error::PayoutsError;
use crate::stripe::{Stripe, StripeFailure, TransferRequest, transfer_group};

/// What the transfer step did (summed over periods), and what it left open.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// Periods looked at.
    pub periods: u64,
    pub paid: u64,
    /// Statements found already paid at Stripe (a lost answer) and recorded without a send.
    pub reconciled: u64,
    /// Sends that failed in this step (retryable or not).
    pub failed: u64,
    /// Statements that failed for good in this step: a person (or the producer) must act.
    pub final_failures: u64,
    /// Statements still owed after this step (Queued, Sending, or Failed for a retryable
    /// cause): alarmed when they stay open.
    pub still_open: u64,
    /// Statements waiting for their producer to connect an account that can receive transfers.
    pub awaiting_account: u64,
    /// Statements sent to a producer's newly connected account.
    pub repointed: u64,
    /// Periods whose transfer group could not be listed (their sent statements stayed open).
    pub listing_failed: u64,
    /// Periods whose step failed with an error (logged; the others went on).
    pub period_errors: u64,
}

impl TransferReport {
    pub fn add(&mut self, other: &TransferReport) {
        self.periods += other.periods;
        self.paid += other.paid;
        self.reconciled += other.reconciled;
        self.failed += other.failed;
        self.final_failures += other.final_failures;
        self.still_open += other.still_open;
        self.awaiting_account += other.awaiting_account;
        self.repointed += other.repointed;
        self.listing_failed += other.listing_failed;
        self.period_errors += other.period_errors;
    }
}

/// How many moves a statement may lose to another writer before this step leaves it.
const LOST_MOVES: u32 = 3;

/// One statement's work: its current state, and the account to send to when it is being pointed
/// at a newly connected one.
struct Work {
    statement: PayoutStatement,
    new_account: Option<String>,
}

/// Sends what `split` owes and settles it when nothing is owed any more. `key_refused` is shared
/// by every period of an invocation: once Stripe refuses the platform's key, nothing more is
/// claimed (it would fail the same way) and the rest stays open for the next hour.
pub async fn send_period(
    store: &Store,
    stripe: &Stripe,
    split: &PayoutSplit,
    concurrency: usize,
    now: impl Fn() -> DateTime<Utc> + Copy,
    key_refused: &AtomicBool,
) -> Result<TransferReport, PayoutsError> {
    let statements = store.split_statements(split).await?;
    let mut work: Vec<Work> = statements
        .iter()
        .filter(|s| s.is_owed())
        .map(|s| Work {
            statement: s.clone(),
            new_account: None,
        })
        .collect();
    work.extend(repoints(store, &statements).await?);

    let mut report = TransferReport {
        periods: 1,
        ..TransferReport::default()
    };
    // Transfers already at Stripe for statements that were sent before (their answers lost).
    let mut at_stripe: HashMap<String, String> = HashMap::new();
    if work
        .iter()
        .any(|w| w.statement.status != StatementStatus::Queued)
    {
        let group = transfer_group(split.period);
        match stripe.transfers_in_group(&group).await {
            Ok(list) => {
                at_stripe = list
                    .into_iter()
                    .filter_map(|t| Some((t.producer()?.to_owned(), t.id)))
                    .collect();
            }
            Err(failure) => {
                // Without the list nothing sent before may be sent again; never-sent ones go,
                // the rest stay open for the next hour.
                tracing::warn!(period = %split.period, error = %failure,
                    "could not list the period's transfers; sending only never-sent statements");
                report.listing_failed = 1;
                if failure.is_key_problem() {
                    key_refused.store(true, Ordering::Relaxed);
                }
                work.retain(|w| {
                    w.statement.status == StatementStatus::Queued && w.new_account.is_none()
                });
            }
        }
    }
    let at_stripe = &at_stripe;
    let outcomes: Vec<(Step, PayoutStatement)> = stream::iter(work)
        .map(|w| settle(store, stripe, w, at_stripe, now, key_refused))
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;

    let mut latest: HashMap<ProducerId, PayoutStatement> = statements
        .into_iter()
        .map(|s| (s.producer_id.clone(), s))
        .collect();
    for (step, statement) in outcomes {
        match step {
            Step::Paid { repointed } => {
                report.paid += 1;
                report.repointed += u64::from(repointed);
            }
            Step::Reconciled => report.reconciled += 1,
            Step::Failed(failure) => {
                report.failed += 1;
                report.final_failures += u64::from(!failure.retryable);
            }
            Step::Left | Step::Done => {}
        }
        latest.insert(statement.producer_id.clone(), statement);
    }
    report.still_open = latest.values().filter(|s| s.is_owed()).count() as u64;
    report.awaiting_account = latest.values().filter(|s| s.awaits_account()).count() as u64;
    settle_split(store, split, &report).await?;
    Ok(report)
}

/// Moves the split to Settled when nothing is owed, recording how many statements wait for a
/// new account (the hourly step keeps looking at those).
async fn settle_split(
    store: &Store,
    split: &PayoutSplit,
    report: &TransferReport,
) -> Result<(), PayoutsError> {
    if report.still_open > 0 {
        return Ok(());
    }
    if split.state == SplitState::Settled && split.awaiting_account == report.awaiting_account {
        return Ok(());
    }
    let mut settled = split.clone();
    settled.state = SplitState::Settled;
    settled.awaiting_account = report.awaiting_account;
    match store.replace_split(split, &mut settled).await? {
        Moved::Done => {
            tracing::info!(period = %split.period, awaiting_account = report.awaiting_account,
            "every statement of the period is final: settled")
        }
        // Another invocation wrote the split since: the next hour looks again.
        Moved::Lost => {
            tracing::info!(period = %split.period, "the split moved meanwhile; not settled now")
        }
    }
    Ok(())
}

/// Statements Failed because their account could not receive transfers, whose producer has since
/// connected another account that is payout-ready.
async fn repoints(
    store: &Store,
    statements: &[PayoutStatement],
) -> Result<Vec<Work>, PayoutsError> {
    let waiting: Vec<&PayoutStatement> = statements.iter().filter(|s| s.awaits_account()).collect();
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ProducerId> = waiting.iter().map(|s| s.producer_id.clone()).collect();
    let profiles = store.get_producers(&ids).await?;
    Ok(waiting
        .into_iter()
        .filter_map(|s| {
            let profile = profiles.get(&s.producer_id)?;
            let account = profile.stripe_account_id.clone()?;
            let ready = profile.charges_enabled && profile.payouts_enabled;
            (ready && Some(&account) != s.destination.as_ref()).then(|| Work {
                statement: s.clone(),
                new_account: Some(account),
            })
        })
        .collect())
}

/// What became of one statement's work.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Paid {
        repointed: bool,
    },
    Reconciled,
    Failed(TransferFailure),
    /// Not finished now: another writer kept moving it, or the platform's key was refused.
    Left,
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
    next.record(StatusChange { status, at, note });
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

/// Brings one statement to Paid (or Failed), claiming it first; a move lost to another writer
/// reads the statement again and retries, at most `LOST_MOVES` times. Returns what happened and
/// the statement as this step last knew it.
async fn settle(
    store: &Store,
    stripe: &Stripe,
    work: Work,
    at_stripe: &HashMap<String, String>,
    now: impl Fn() -> DateTime<Utc> + Copy,
    key_refused: &AtomicBool,
) -> Result<(Step, PayoutStatement), PayoutsError> {
    let Work {
        statement: mut s,
        new_account,
    } = work;
    for _ in 0..LOST_MOVES {
        let still_due = match &new_account {
            Some(account) => s.awaits_account() && s.destination.as_ref() != Some(account),
            None => s.is_owed(),
        };
        if !still_due {
            return Ok((Step::Done, s));
        }
        if key_refused.load(Ordering::Relaxed) {
            return Ok((Step::Left, s));
        }
        if let Some(done) = attempt(
            store,
            stripe,
            &s,
            new_account.as_deref(),
            at_stripe,
            now,
            key_refused,
        )
        .await?
        {
            return Ok(done);
        }
        s = match store.payout_statement(&s.producer_id, s.period).await? {
            Some(s) => s,
            None => return Ok((Step::Done, s)),
        };
    }
    Ok((Step::Left, s))
}

/// One try at settling `s`: `None` when another writer moved it first.
async fn attempt(
    store: &Store,
    stripe: &Stripe,
    s: &PayoutStatement,
    new_account: Option<&str>,
    at_stripe: &HashMap<String, String>,
    now: impl Fn() -> DateTime<Utc> + Copy,
    key_refused: &AtomicBool,
) -> Result<Option<(Step, PayoutStatement)>, PayoutsError> {
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
            .map(|paid| (Step::Reconciled, paid)));
    }
    // Claim it: → Sending, one more attempt (to the new account, under a new key, if re-pointed).
    let note = new_account.map(|_| "sent to the newly connected account".to_owned());
    let mut sending = moved(s, StatementStatus::Sending, now(), note);
    sending.attempts += 1;
    if let Some(account) = new_account {
        sending.destination = Some(account.to_owned());
        sending.repoints += 1;
        sending.failure = None;
    }
    let Some(sending) = advance(store, s, sending).await? else {
        return Ok(None);
    };
    let result: Result<String, StripeFailure> = match &sending.destination {
        Some(destination) => stripe
            .create_transfer(&TransferRequest {
                amount_minor: sending.amount_minor,
                currency: sending.currency,
                destination: destination.clone(),
                idempotency_key: sending.idempotency_key(),
                transfer_group: transfer_group(sending.period),
                period: sending.period,
                producer: sending.producer_id.to_string(),
            })
            .await
            .map(|t| t.id),
        None => Err(StripeFailure {
            code: FailureCode::AccountUnusable,
            status: None,
            stripe_code: None,
            detail: "the statement names no Stripe account".to_owned(),
        }),
    };
    let (next, step) = match result {
        Ok(transfer) => {
            let mut paid = moved(&sending, StatementStatus::Paid, now(), None);
            paid.transfer_id = Some(transfer);
            paid.failure = None;
            (
                paid,
                Step::Paid {
                    repointed: new_account.is_some(),
                },
            )
        }
        Err(failure) => {
            // Stripe's own text goes to the log only; the statement keeps this project's code.
            tracing::warn!(producer = %sending.producer_id, period = %sending.period,
                error = %failure, retryable = failure.code.is_retryable(), "transfer failed");
            if failure.is_key_problem() {
                key_refused.store(true, Ordering::Relaxed);
            }
            let stored = failure.stored();
            let note = Some(failure.code.as_str().to_owned());
            let mut failed = moved(&sending, StatementStatus::Failed, now(), note);
            failed.failure = Some(stored.clone());
            (failed, Step::Failed(stored))
        }
    };
    Ok(advance(store, &sending, next)
        .await?
        .map(|written| (step, written)))
}
