//! The transfer step for one split: a pass over the statements it still has open (owed, or held
//! for the producer's account), run right after a split and by the hourly schedule.
//!
//! - **One pass per period at a time.** A pass takes the split's claim first ([`take_claim`]), so
//!   an operator's void or a second invocation never races it; a claim outlives any invocation
//!   (16 minutes), so a pass that died only delays the next.
//! - **Money goes where the producer's account is now.** Every send reads the producer's payout
//!   fields at that moment. Not payout-ready: the statement is *held*, not sent and not failed,
//!   with the missing signals; it is looked at again when the platform next reports the
//!   producer's payout fields (their stamp moved, even with the same values), or when an
//!   operator releases it. A transfer Stripe refuses for the account (a paused `transfers`
//!   capability, a closed account) holds it the same way.
//! - **Never paying twice** rests on three things: each statement is claimed (→ Sending) with a
//!   write conditional on the revision read, so one sender at a time; every send of a part to the
//!   same account in the same round carries the same idempotency key
//!   ([`crate::stripe::idempotency_key`]), so Stripe replays a request whose answer was lost; and
//!   before a statement that was ever sent is sent again (under any key), the period's transfer
//!   group is listed, so a transfer Stripe made is found and recorded instead of made again. When
//!   the group cannot be listed, nothing sent before is sent: those statements stay open, are
//!   counted, and the next hour tries again.
//! - **Large shares are paid in parts** (`contribution::statement::transfer_parts`): each part
//!   its own transfer, key and metadata, each found by the listing on its own.
//! - **Never silently never paying** rests on the open markers: a statement stays marked until it
//!   is final, and the split stays open until every statement is Paid, Excluded, nothing due,
//!   Failed for a cause no retry fixes, held by an operator, or escalated to operators after the
//!   hold limit; the last three are alarmed and listed to operators (`operator.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::{StatementStatus, transfer_parts};
use futures_util::{StreamExt, TryStreamExt, stream};
use results::payout::{
    FailureCode, Hold, HoldReason, PaidPart, PayoutSplit, PayoutStatement, SplitState,
    StatusChange, TransferFailure,
};
use store::Store;
use store::catalog::producers::PayoutFields;
use store::payouts::statements::Moved;

use crate::config::PayoutRules;
use crate::error::PayoutsError;
use crate::split::claim;
use crate::stripe::{Stripe, StripeFailure, TransferRequest, idempotency_key, transfer_group};

/// What the transfer step did (summed over periods), and what it left open.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// Periods looked at.
    pub periods: u64,
    /// Statements paid in full in this step.
    pub paid: u64,
    /// Statements (or parts) found already paid at Stripe (a lost answer) and recorded without a
    /// send.
    pub reconciled: u64,
    /// Sends that failed in this step (retryable or not).
    pub failed: u64,
    /// Statements that failed for good in this step: a person must act.
    pub final_failures: u64,
    /// Statements still owed after this step (Queued, Sending, or Failed for a retryable
    /// cause): alarmed when they stay open.
    pub still_open: u64,
    /// Statements held after this step (for the producer's account, or by an operator).
    pub held: u64,
    /// Of them, held longer than `PAYOUT_HOLD_ALARM_HOURS`: alarmed.
    pub held_too_long: u64,
    /// Statements handed to operators in this step (held longer than `PAYOUT_HOLD_LIMIT_DAYS`):
    /// alarmed.
    pub escalated: u64,
    /// Held statements sent in this step (the producer's account was ready again).
    pub sent_after_hold: u64,
    /// Periods whose transfer group could not be listed (their sent statements stayed open).
    pub listing_failed: u64,
    /// Periods whose step failed with an error (logged; the others went on).
    pub period_errors: u64,
    /// Periods whose claim another invocation held (it pays them).
    pub periods_busy: u64,
    /// Pools waiting for their run, and of them waiting longer than `PAYOUT_WAIT_ALARM_HOURS`.
    pub pools_waiting: u64,
    pub pools_waiting_too_long: u64,
}

impl TransferReport {
    pub fn add(&mut self, other: &TransferReport) {
        self.periods += other.periods;
        self.paid += other.paid;
        self.reconciled += other.reconciled;
        self.failed += other.failed;
        self.final_failures += other.final_failures;
        self.still_open += other.still_open;
        self.held += other.held;
        self.held_too_long += other.held_too_long;
        self.escalated += other.escalated;
        self.sent_after_hold += other.sent_after_hold;
        self.listing_failed += other.listing_failed;
        self.period_errors += other.period_errors;
        self.periods_busy += other.periods_busy;
        self.pools_waiting += other.pools_waiting;
        self.pools_waiting_too_long += other.pools_waiting_too_long;
    }
}

/// How many moves a statement may lose to another writer before this step leaves it.
const LOST_MOVES: u32 = 3;

/// Takes `split`'s claim for this invocation: the split as written with the claim, or `None`
/// when another invocation holds it (or took it first).
pub async fn take_claim(
    store: &Store,
    split: &PayoutSplit,
    now: DateTime<Utc>,
) -> Result<Option<PayoutSplit>, PayoutsError> {
    if split.is_claimed(now) {
        return Ok(None);
    }
    let mut claimed = split.clone();
    claimed.claim = Some(claim(now));
    Ok(
        match store.payouts().replace_split(split, &mut claimed).await? {
            Moved::Done => Some(claimed),
            Moved::Lost => None,
        },
    )
}

/// Writes `change` onto the split of `claimed`'s period and gives its claim up: re-read and
/// re-applied when an operator's action wrote the split meanwhile; left alone (`None`) when the
/// claim is no longer this invocation's.
pub async fn release_claim(
    store: &Store,
    claimed: &PayoutSplit,
    change: impl Fn(&mut PayoutSplit),
) -> Result<Option<PayoutSplit>, PayoutsError> {
    let token = claimed.claim.as_ref().map(|c| c.token.clone());
    let mut current = claimed.clone();
    for _ in 0..LOST_MOVES * 2 {
        if current.claim.as_ref().map(|c| &c.token) != token.as_ref() {
            tracing::warn!(period = %claimed.period, "the split's claim passed to another invocation; leaving it");
            return Ok(None);
        }
        let mut next = current.clone();
        change(&mut next);
        next.claim = None;
        if store.payouts().replace_split(&current, &mut next).await? == Moved::Done {
            return Ok(Some(next));
        }
        current = match store.payouts().payout_split(claimed.period).await? {
            Some(split) => split,
            None => return Ok(None),
        };
    }
    Err(PayoutsError::LostClaim(claimed.period))
}

/// Everything one pass needs besides the statement.
pub struct Pass<'a> {
    pub store: &'a Store,
    pub stripe: &'a Stripe,
    pub rules: &'a PayoutRules,
    pub concurrency: usize,
    /// Shared by every period of an invocation: once Stripe refuses the platform's key, nothing
    /// more is claimed (it would fail the same way) and the rest stays open for the next hour.
    pub key_refused: &'a AtomicBool,
}

/// Pays what `split` owes, sends the held statements whose producer's account changed, hands
/// holds past the limit to operators, and settles the split when nothing is open any more.
/// Returns what it did and the split as it now stands.
pub async fn send_period(
    pass: &Pass<'_>,
    split: &PayoutSplit,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<(TransferReport, PayoutSplit), PayoutsError> {
    let Some(claimed) = take_claim(pass.store, split, now()).await? else {
        tracing::info!(period = %split.period, "another invocation is paying this period");
        let report = TransferReport {
            periods_busy: 1,
            ..TransferReport::default()
        };
        return Ok((report, split.clone()));
    };
    let outcome = pay_claimed(pass, &claimed, now).await;
    let (report, open_left) = match &outcome {
        Ok((report, open_left)) => (*report, *open_left),
        // Give the claim back whatever happened; the next hour tries again.
        Err(_) => (TransferReport::default(), true),
    };
    let released = release_claim(pass.store, &claimed, |s| {
        if outcome.is_ok() {
            s.held = report.held;
            if !open_left && s.state == SplitState::Split {
                s.state = SplitState::Settled;
            }
        }
    })
    .await?;
    outcome?;
    let split = released.unwrap_or(claimed);
    if split.state == SplitState::Settled {
        tracing::info!(period = %split.period, held = split.held, "nothing of the period is open: settled");
    }
    Ok((report, split))
}

/// The pass itself, on a claimed split: its report, and whether anything is left open.
async fn pay_claimed(
    pass: &Pass<'_>,
    split: &PayoutSplit,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<(TransferReport, bool), PayoutsError> {
    let store = pass.store;
    let statements = store.payouts().open_statements(split.period).await?;
    let mut report = TransferReport {
        periods: 1,
        ..TransferReport::default()
    };
    let mut latest: HashMap<ProducerId, PayoutStatement> = HashMap::new();
    let mut work: Vec<Work> = Vec::new();
    // Held statements: hand the ones past the limit to operators; send again the ones whose
    // producer's payout fields were reported since the hold (or that an operator released).
    let held: Vec<&PayoutStatement> = statements
        .iter()
        .filter(|s| s.status == StatementStatus::Held && s.is_open())
        .collect();
    let fields = store
        .catalog()
        .payout_fields_of(held.iter().map(|s| &s.producer_id))
        .await?;
    for s in &statements {
        // Held by the system (not by an operator, whose hold only an operator lifts).
        let hold = s
            .hold
            .as_ref()
            .filter(|h| s.status == StatementStatus::Held && h.is_automatic());
        match hold {
            None if s.is_owed() => work.push(Work::Owed(s.clone())),
            None => {}
            Some(hold) => {
                let released = matches!(hold.reason, HoldReason::Released { .. });
                let reported =
                    fields.get(&s.producer_id).map(|f| f.stamp) != Some(hold.payout_stamp);
                if released || reported {
                    work.push(Work::Held(s.clone()));
                } else if now() - hold.since > pass.rules.hold_limit
                    && let Some(escalated) = escalate(store, s, now()).await?
                {
                    report.escalated += 1;
                    latest.insert(s.producer_id.clone(), escalated);
                    continue;
                }
            }
        }
        latest.insert(s.producer_id.clone(), s.clone());
    }

    // Parts already at Stripe for statements that were sent before (their answers lost).
    let mut at_stripe: AtStripe = HashMap::new();
    if work.iter().any(|w| w.statement().was_sent()) {
        let group = transfer_group(split.period);
        match pass.stripe.transfers_in_group(&group).await {
            Ok(list) => {
                at_stripe = list
                    .into_iter()
                    .filter_map(|t| {
                        let key = (t.producer()?.to_owned(), t.part());
                        Some((key, (t.id, t.destination.unwrap_or_default())))
                    })
                    .collect();
            }
            Err(failure) => {
                // Without the list nothing sent before may be sent again; never-sent ones go,
                // the rest stay open for the next hour.
                tracing::warn!(period = %split.period, error = %failure,
                    "could not list the period's transfers; sending only never-sent statements");
                report.listing_failed = 1;
                if failure.is_key_problem() {
                    pass.key_refused.store(true, Ordering::Relaxed);
                }
                work.retain(|w| !w.statement().was_sent());
            }
        }
    }
    let at_stripe = &at_stripe;
    let outcomes: Vec<(Step, PayoutStatement)> = stream::iter(work)
        .map(|w| settle(pass, w, at_stripe, now))
        .buffer_unordered(pass.concurrency.max(1))
        .try_collect()
        .await?;
    for (step, statement) in outcomes {
        match step {
            Step::Paid { after_hold } => {
                report.paid += 1;
                report.sent_after_hold += u64::from(after_hold);
            }
            Step::Reconciled => report.reconciled += 1,
            Step::Failed(failure) => {
                report.failed += 1;
                report.final_failures += u64::from(!failure.retryable);
            }
            Step::Held | Step::Left | Step::Done => {}
        }
        latest.insert(statement.producer_id.clone(), statement);
    }
    let at = now();
    for s in latest.values() {
        if s.is_owed() {
            report.still_open += 1;
        }
        if let Some(hold) = s
            .hold
            .as_ref()
            .filter(|_| s.status == StatementStatus::Held)
        {
            report.held += 1;
            // An operator's own hold is deliberate: not alarmed.
            let overdue = hold.is_automatic() && at - hold.since > pass.rules.hold_alarm;
            report.held_too_long += u64::from(overdue);
        }
    }
    // Statements final now lose their marker (after their own move, so one that is not final
    // never lacks one).
    let closed: Vec<ProducerId> = latest
        .values()
        .filter(|s| s.status.is_final())
        .map(|s| s.producer_id.clone())
        .collect();
    store
        .payouts()
        .close_open_statements(split.period, &closed)
        .await?;
    let open_left = latest.values().any(PayoutStatement::is_open);
    Ok((report, open_left))
}

/// The transfers Stripe lists in a period's group: by producer and part, their id and account.
type AtStripe = HashMap<(String, u32), (String, String)>;

/// One statement's work: owed as it is, or held and to be sent again.
enum Work {
    Owed(PayoutStatement),
    Held(PayoutStatement),
}

impl Work {
    fn statement(&self) -> &PayoutStatement {
        match self {
            Work::Owed(s) | Work::Held(s) => s,
        }
    }
}

/// What became of one statement's work.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Paid {
        after_hold: bool,
    },
    Reconciled,
    Failed(TransferFailure),
    /// Held (or still held): the producer's account cannot take it now.
    Held,
    /// Not finished now: another writer kept moving it, or the platform's key was refused.
    Left,
    /// Someone else finished it, or nothing was left to do.
    Done,
}

/// `current` moved to `status` at `at` (with a note for the history).
fn moved(
    current: &PayoutStatement,
    status: StatementStatus,
    at: DateTime<Utc>,
    note: Option<String>,
) -> PayoutStatement {
    let mut next = current.clone();
    next.status = status;
    next.record(StatusChange { status, at, note });
    next
}

/// Writes `next` over `current`; `None` when another writer got there first (or the move is not
/// one a statement may make).
pub(crate) async fn advance(
    store: &Store,
    current: &PayoutStatement,
    mut next: PayoutStatement,
) -> Result<Option<PayoutStatement>, PayoutsError> {
    let same_open_status = current.status == next.status && !current.status.is_final();
    if !(current.status.may_move_to(next.status) || same_open_status) {
        return Ok(None);
    }
    Ok(
        match store.payouts().move_statement(current, &mut next).await? {
            Moved::Done => Some(next),
            Moved::Lost => None,
        },
    )
}

/// Hands a statement held past the limit to operators.
async fn escalate(
    store: &Store,
    s: &PayoutStatement,
    at: DateTime<Utc>,
) -> Result<Option<PayoutStatement>, PayoutsError> {
    let since = s.hold.as_ref().map(|h| h.since).unwrap_or(at);
    let note = format!("held since {since}: handed to BeatPass's operators");
    tracing::warn!(period = %s.period, producer = %s.producer_id, %since,
        "a payout held past the limit is handed to operators");
    advance(
        store,
        s,
        moved(s, StatementStatus::Escalated, at, Some(note)),
    )
    .await
}

/// Brings one statement to Paid, Held or Failed, claiming it first; a move lost to another writer
/// reads the statement again and retries, at most `LOST_MOVES` times. Returns what happened and
/// the statement as this step last knew it.
async fn settle(
    pass: &Pass<'_>,
    work: Work,
    at_stripe: &AtStripe,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<(Step, PayoutStatement), PayoutsError> {
    let after_hold = matches!(work, Work::Held(_));
    let mut s = match work {
        Work::Owed(s) | Work::Held(s) => s,
    };
    let mut reconciled = false;
    for _ in 0..LOST_MOVES {
        if !s.is_open() {
            return Ok((Step::Done, s));
        }
        if pass.key_refused.load(Ordering::Relaxed) {
            return Ok((Step::Left, s));
        }
        // Parts paid at Stripe already (an answer was lost): recorded, never sent again.
        let found = record_found(pass.store, &s, at_stripe, now()).await?;
        match found {
            Found::Nothing | Found::Lost => {}
            Found::Recorded(next) => {
                let next = *next;
                if next.status == StatementStatus::Paid {
                    return Ok((Step::Reconciled, next));
                }
                reconciled = true;
                s = next;
                continue;
            }
        }
        if !matches!(found, Found::Lost)
            && let Some(done) = attempt(pass, &s, after_hold, now).await?
        {
            return Ok(done);
        }
        // Another writer moved it first: read it again.
        s = match pass
            .store
            .payouts()
            .payout_statement(&s.producer_id, s.period)
            .await?
        {
            Some(s) => s,
            None => return Ok((Step::Done, s)),
        };
    }
    Ok((
        if reconciled {
            Step::Reconciled
        } else {
            Step::Left
        },
        s,
    ))
}

/// What the group listing had for a statement that was sent before.
enum Found {
    Nothing,
    /// Its parts found at Stripe are recorded (Paid when they are all of them).
    Recorded(Box<PayoutStatement>),
    /// Another writer moved it first.
    Lost,
}

async fn record_found(
    store: &Store,
    s: &PayoutStatement,
    at_stripe: &AtStripe,
    at: DateTime<Utc>,
) -> Result<Found, PayoutsError> {
    if !s.was_sent() {
        return Ok(Found::Nothing);
    }
    let found: Vec<PaidPart> = transfer_parts(s.amount_minor)
        .into_iter()
        .filter(|(part, _)| !s.paid_parts.iter().any(|p| p.part == *part))
        .filter_map(|(part, amount_minor)| {
            let (id, destination) = at_stripe.get(&(s.producer_id.to_string(), part))?;
            Some(PaidPart {
                part,
                amount_minor,
                transfer_id: id.clone(),
                destination: destination.clone(),
            })
        })
        .collect();
    if found.is_empty() {
        return Ok(Found::Nothing);
    }
    let mut current = s.clone();
    if current.status != StatementStatus::Sending {
        let note = Some("found at Stripe".to_owned());
        let sending = moved(&current, StatementStatus::Sending, at, note);
        let Some(next) = advance(store, &current, sending).await? else {
            return Ok(Found::Lost);
        };
        current = next;
    }
    let ids: Vec<String> = found.iter().map(|p| p.transfer_id.clone()).collect();
    let note = Some(format!("{} found in the transfer group", ids.join(", ")));
    let mut next = current.clone();
    next.paid_parts.extend(found);
    next.paid_parts.sort_by_key(|p| p.part);
    next = if next.paid_minor() == next.amount_minor {
        paid(&next, at, note)
    } else {
        moved(&next, StatementStatus::Sending, at, note)
    };
    Ok(match advance(store, &current, next).await? {
        Some(next) => Found::Recorded(Box::new(next)),
        None => Found::Lost,
    })
}

/// Failures whose answer Stripe may have saved under the key (it replays them for 24 hours): the
/// next send uses a new round's key, safe because the group listing before it proved no transfer
/// was made. A 429 or no answer keeps the key (nothing saved, or a request still in progress).
fn saved_by_stripe(failure: Option<&TransferFailure>) -> bool {
    failure.is_some_and(|f| {
        matches!(
            f.code,
            FailureCode::PlatformBalance | FailureCode::StripeUnavailable
        )
    })
}

/// One try at sending what is left of `s`: `None` when another writer moved it first.
async fn attempt(
    pass: &Pass<'_>,
    s: &PayoutStatement,
    after_hold: bool,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Option<(Step, PayoutStatement)>, PayoutsError> {
    let store = pass.store;
    let held_since = s
        .hold
        .as_ref()
        .filter(|_| s.status == StatementStatus::Held)
        .map(|h| h.since);
    // The producer's payout fields now: where the money goes, and whether it may.
    let fields = store.catalog().payout_fields(&s.producer_id).await?;
    let stamp = fields.as_ref().and_then(|f| f.stamp);
    let Some(account) = fields.as_ref().and_then(PayoutFields::ready_account) else {
        let missing = fields.as_ref().map_or_else(
            || contribution::payout::missing_signals(false, false, false),
            PayoutFields::missing,
        );
        let reason = HoldReason::NotPayoutReady;
        let since = held_since.unwrap_or_else(now);
        return hold(store, s, s, reason, (stamp, missing), since, now()).await;
    };
    let account = account.to_owned();

    // Claim it: → Sending, one more attempt, to the account the profile names now.
    let note = match (&s.destination, s.status) {
        (Some(before), _) if *before != account => {
            Some(format!("sent to {account}, the producer's account now"))
        }
        (_, StatementStatus::Held) => Some("sent again: the producer's account is ready".into()),
        _ => None,
    };
    let mut sending = moved(s, StatementStatus::Sending, now(), note);
    sending.attempts += 1;
    sending.destination = Some(account.clone());
    if s.status == StatementStatus::Held
        || (s.status == StatementStatus::Failed && saved_by_stripe(s.failure.as_ref()))
    {
        sending.send_round += 1;
    }
    sending.hold = None;
    sending.failure = None;
    let Some(sending) = advance(store, s, sending).await? else {
        return Ok(None);
    };
    let parts = transfer_parts(sending.amount_minor);
    let whole = parts.len() == 1;
    let mut done = sending.clone();
    let mut failure: Option<StripeFailure> = None;
    for (part, amount_minor) in parts {
        if done.paid_parts.iter().any(|p| p.part == part) {
            continue;
        }
        let request = TransferRequest {
            amount_minor,
            currency: done.currency,
            destination: account.clone(),
            idempotency_key: idempotency_key(
                done.period,
                done.producer_id.as_str(),
                &account,
                done.send_round,
                (!whole).then_some(part),
            ),
            transfer_group: transfer_group(done.period),
            period: done.period,
            producer: done.producer_id.to_string(),
            part,
        };
        match pass.stripe.create_transfer(&request).await {
            Ok(transfer) => done.paid_parts.push(PaidPart {
                part,
                amount_minor,
                transfer_id: transfer.id,
                destination: account.clone(),
            }),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let Some(failure) = failure else {
        let next = paid(&done, now(), None);
        return Ok(advance(store, &sending, next)
            .await?
            .map(|paid| (Step::Paid { after_hold }, paid)));
    };
    tracing::warn!(period = %s.period, producer = %s.producer_id, error = %failure, "transfer failed");
    if failure.is_key_problem() {
        pass.key_refused.store(true, Ordering::Relaxed);
    }
    let stored = failure.stored();
    done.failure = Some(stored.clone());
    if stored.code == FailureCode::AccountUnusable {
        // The account cannot take it now: held until the platform reports the producer's payout
        // fields again (Stripe's `account.updated`), or an operator releases it.
        let since = held_since.unwrap_or_else(now);
        let reason = HoldReason::AccountRefused;
        return hold(
            store,
            &sending,
            &done,
            reason,
            (stamp, Vec::new()),
            since,
            now(),
        )
        .await;
    }
    let failed = moved(
        &done,
        StatementStatus::Failed,
        now(),
        Some(stored.code.as_str().to_owned()),
    );
    Ok(advance(store, &sending, failed)
        .await?
        .map(|failed| (Step::Failed(stored), failed)))
}

/// `s` (with its parts recorded) moved to Paid.
fn paid(s: &PayoutStatement, at: DateTime<Utc>, note: Option<String>) -> PayoutStatement {
    let mut next = moved(s, StatementStatus::Paid, at, note);
    next.transfer_id = next.paid_parts.first().map(|p| p.transfer_id.clone());
    next.failure = None;
    next
}

/// Holds `s` for `reason` since `since`, with the producer's payout stamp and missing signals as
/// read (unless it is already held for the same reason, stamp and signals: nothing to write).
/// `stored` is the statement as stored, `s` the same with what this send changed (parts made,
/// Stripe's failure).
async fn hold(
    store: &Store,
    stored: &PayoutStatement,
    s: &PayoutStatement,
    reason: HoldReason,
    (payout_stamp, missing): (Option<i64>, Vec<contribution::payout::Signal>),
    since: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<Option<(Step, PayoutStatement)>, PayoutsError> {
    let unchanged = s.status == StatementStatus::Held
        && s.hold.as_ref().is_some_and(|h| {
            h.reason == reason && h.payout_stamp == payout_stamp && h.missing == missing
        });
    if unchanged {
        return Ok(Some((Step::Held, s.clone())));
    }
    let note = match (&reason, &s.failure) {
        (HoldReason::AccountRefused, Some(failure)) => format!(
            "held: Stripe could not pay the account ({})",
            failure
                .stripe_code
                .as_deref()
                .unwrap_or(failure.code.as_str())
        ),
        _ => {
            let names: Vec<&str> = missing.iter().map(|m| m.name()).collect();
            format!("held: not payout-ready, missing {}", names.join(", "))
        }
    };
    let mut next = moved(s, StatementStatus::Held, at, Some(note));
    next.hold = Some(Hold {
        reason,
        since,
        payout_stamp,
        missing,
    });
    Ok(advance(store, stored, next)
        .await?
        .map(|held| (Step::Held, held)))
}
