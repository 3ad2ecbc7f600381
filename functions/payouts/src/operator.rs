//! The operators' commands: see what is owed or held and why, hold and release one statement,
//! void a split that has sent nothing, reconcile a month against Stripe (`reconcile.rs`).
//!
//! Every action is recorded on the split (who, when, what, why) and, for a statement, in its
//! history, which the producer's statement shows. A hold or release is one conditional move of
//! the statement; a void takes the split's claim first, so no pass is sending while it checks
//! that nothing was ever sent and voids the month.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::{PayoutPeriod, StatementStatus};
use results::payout::{
    Hold, HoldReason, OperatorAction, PayoutSplit, PayoutStatement, SplitState, StatusChange,
};
use serde::Serialize;
use serde_json::Value;
use store::Store;
use store::payouts::statements::Moved;

use crate::Deps;
use crate::error::PayoutsError;
use crate::event::OperatorCommand;
use crate::split::update_split;
use crate::transfer::{advance, release_claim};

/// Carries out one operator command; its answer is what the invoker reads back.
pub async fn run(
    deps: &Deps,
    command: OperatorCommand,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Value, PayoutsError> {
    let answer = match command {
        OperatorCommand::Owed { period } => to_value(&owed(&deps.store, period).await?),
        OperatorCommand::Hold {
            period,
            producer,
            by,
            why,
        } => {
            let action = action(now(), &by, "hold", &why, Some(&producer));
            to_value(&hold(&deps.store, period, &producer, action).await?)
        }
        OperatorCommand::Release {
            period,
            producer,
            by,
            why,
        } => {
            let action = action(now(), &by, "release", &why, Some(&producer));
            to_value(&release(&deps.store, period, &producer, action).await?)
        }
        OperatorCommand::Void { period, by, why } => {
            let action = action(now(), &by, "void", &why, None);
            to_value(&void(&deps.store, period, action, now).await?)
        }
        OperatorCommand::Reconcile { period } => {
            to_value(&crate::reconcile::run(deps, period, now).await?)
        }
    };
    tracing::info!(answer = %answer, "operator command done");
    Ok(answer)
}

fn to_value(answer: &impl Serialize) -> Value {
    serde_json::to_value(answer).unwrap_or_default()
}

fn action(
    at: DateTime<Utc>,
    by: &str,
    what: &str,
    why: &str,
    producer: Option<&ProducerId>,
) -> OperatorAction {
    OperatorAction {
        at,
        by: by.trim().to_owned(),
        action: what.to_owned(),
        why: why.trim().to_owned(),
        producer: producer.cloned(),
    }
}

/// What is owed or held, month by month.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    pub months: Vec<OwedMonth>,
}

/// One month: its split's state and every statement that is not final, with why.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwedMonth {
    pub period: PayoutPeriod,
    pub state: SplitState,
    pub currency: contribution::statement::Currency,
    pub pool_minor: u64,
    /// Waiting: since when the pool has waited for its run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<DateTime<Utc>>,
    pub statements: Vec<OwedStatement>,
    /// The last reconciliation with Stripe, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<results::payout::Reconciliation>,
}

/// A statement that is not final, and why.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwedStatement {
    pub producer_id: ProducerId,
    pub status: StatementStatus,
    pub amount_minor: u64,
    pub paid_minor: u64,
    pub attempts: u32,
    pub why: String,
    /// Held or escalated: since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
}

/// Why a statement is where it is, for operators (Stripe's code included, never its text).
fn why(s: &PayoutStatement) -> String {
    let failure = s.failure.as_ref().map(|f| {
        format!(
            "{} ({})",
            f.code.as_str(),
            f.stripe_code.as_deref().unwrap_or("no Stripe code")
        )
    });
    let hold = |h: &Hold| match &h.reason {
        HoldReason::NotPayoutReady => {
            let names: Vec<&str> = h.missing.iter().map(|m| m.name()).collect();
            format!("not payout-ready: missing {}", names.join(", "))
        }
        HoldReason::AccountRefused => format!(
            "Stripe could not pay the account: {}; sent when the platform next reports the \
             producer's payout fields, or on release",
            failure.clone().unwrap_or_default()
        ),
        HoldReason::Operator { by, why } => format!("held by {by}: {why}"),
        HoldReason::Released { by, why } => format!("released by {by} ({why}): sent next hour"),
    };
    match (s.status, &s.hold) {
        (StatementStatus::Held, Some(h)) => hold(h),
        (StatementStatus::Escalated, Some(h)) => {
            format!("held past the limit, needs an operator: {}", hold(h))
        }
        (StatementStatus::Failed, _) if s.is_owed() => {
            format!("failed, retried hourly: {}", failure.unwrap_or_default())
        }
        (StatementStatus::Failed, _) => format!(
            "failed for good, needs an operator: {}",
            failure.unwrap_or_default()
        ),
        (StatementStatus::Sending, _) => "being sent (or its sender died: checked hourly)".into(),
        (StatementStatus::Queued, _) => "queued: sent by the next pass".into(),
        (status, _) => format!("{status:?}"),
    }
}

/// Every month with something not final (or one month), newest first.
pub async fn owed(store: &Store, period: Option<PayoutPeriod>) -> Result<Owed, PayoutsError> {
    let splits: Vec<PayoutSplit> = match period {
        Some(period) => vec![split_of(store, period).await?],
        None => store.payouts().payout_splits().await?,
    };
    let mut months = Vec::new();
    for split in splits {
        if split.state == SplitState::Voided && period.is_none() {
            continue;
        }
        let mut statements: Vec<OwedStatement> = store
            .payouts()
            .open_statements(split.period)
            .await?
            .into_iter()
            .filter(|s| !s.status.is_final())
            .map(|s| OwedStatement {
                why: why(&s),
                since: s.hold.as_ref().map(|h| h.since),
                paid_minor: s.paid_minor(),
                producer_id: s.producer_id,
                status: s.status,
                amount_minor: s.amount_minor,
                attempts: s.attempts,
            })
            .collect();
        statements.sort_by(|a, b| a.producer_id.cmp(&b.producer_id));
        let waiting = split.state == SplitState::Waiting;
        if statements.is_empty() && !waiting && period.is_none() {
            continue;
        }
        months.push(OwedMonth {
            period: split.period,
            state: split.state,
            currency: split.currency,
            pool_minor: split.amount_minor,
            waiting_since: waiting.then_some(split.created_at),
            statements,
            reconciled: split.reconciled,
        });
    }
    Ok(Owed { months })
}

async fn split_of(store: &Store, period: PayoutPeriod) -> Result<PayoutSplit, PayoutsError> {
    store
        .payouts()
        .payout_split(period)
        .await?
        .ok_or_else(|| PayoutsError::Operator(format!("{period} has no pool")))
}

async fn statement_of(
    store: &Store,
    period: PayoutPeriod,
    producer: &ProducerId,
) -> Result<PayoutStatement, PayoutsError> {
    store
        .payouts()
        .payout_statement(producer, period)
        .await?
        .ok_or_else(|| PayoutsError::Operator(format!("{producer} has no statement for {period}")))
}

/// What a hold or release did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementAction {
    pub period: PayoutPeriod,
    pub producer_id: ProducerId,
    pub status: StatementStatus,
    pub action: OperatorAction,
}

/// Moves one statement by `next` (re-read and re-tried when another writer moved it first).
async fn move_statement(
    store: &Store,
    period: PayoutPeriod,
    producer: &ProducerId,
    next: impl Fn(&PayoutStatement) -> Result<PayoutStatement, PayoutsError>,
) -> Result<PayoutStatement, PayoutsError> {
    for _ in 0..5 {
        let current = statement_of(store, period, producer).await?;
        let wanted = next(&current)?;
        if let Some(moved) = advance(store, &current, wanted).await? {
            return Ok(moved);
        }
    }
    Err(PayoutsError::Operator(format!(
        "{producer}'s statement for {period} kept moving; try again"
    )))
}

/// Records `action` on the split of `period` (and moves a settled split back to `Split` when
/// `reopen`).
async fn record(
    store: &Store,
    period: PayoutPeriod,
    action: &OperatorAction,
    reopen: bool,
) -> Result<(), PayoutsError> {
    let recorded = update_split(store, period, |split| {
        split.record(action.clone());
        if reopen && split.state == SplitState::Settled {
            split.state = SplitState::Split;
        }
    })
    .await;
    match recorded {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(PayoutsError::Operator(format!("{period} has no pool"))),
        Err(PayoutsError::LostClaim(_)) => Err(PayoutsError::Operator(format!(
            "the split of {period} kept changing; the action took effect on the statement but is \
             not yet recorded on the split: run it again"
        ))),
        Err(e) => Err(e),
    }
}

fn statement_note(action: &OperatorAction) -> Option<String> {
    Some(format!(
        "{} by {}: {}",
        action.action, action.by, action.why
    ))
}

/// Holds one statement: not sent until an operator releases it.
pub async fn hold(
    store: &Store,
    period: PayoutPeriod,
    producer: &ProducerId,
    action: OperatorAction,
) -> Result<StatementAction, PayoutsError> {
    let holdable = |current: &PayoutStatement| {
        if current.status.may_move_to(StatementStatus::Held) {
            return Ok(());
        }
        Err(PayoutsError::Operator(format!(
            "{producer}'s statement for {period} is {:?}: only a statement not yet paid can be \
             held",
            current.status
        )))
    };
    let reason = HoldReason::Operator {
        by: action.by.clone(),
        why: action.why.clone(),
    };
    hold_as(store, (period, producer), action, reason, holdable).await
}

/// Releases a held, escalated or failed statement: the next pass sends it if the producer is
/// payout-ready then (to the account they have then), after listing the group if it was ever
/// sent.
pub async fn release(
    store: &Store,
    period: PayoutPeriod,
    producer: &ProducerId,
    action: OperatorAction,
) -> Result<StatementAction, PayoutsError> {
    let releasable = |current: &PayoutStatement| {
        if matches!(
            current.status,
            StatementStatus::Held | StatementStatus::Escalated | StatementStatus::Failed
        ) {
            return Ok(());
        }
        Err(PayoutsError::Operator(format!(
            "{producer}'s statement for {period} is {:?}: only a held, escalated or failed \
             statement can be released",
            current.status
        )))
    };
    let reason = HoldReason::Released {
        by: action.by.clone(),
        why: action.why.clone(),
    };
    hold_as(store, (period, producer), action, reason, releasable).await
}

/// Moves one statement to Held for `reason` (an operator's hold, or their release, which the next
/// pass sends), once `allowed` accepts it as read, and records `action` on the split. A release
/// puts the statement's open marker first (a statement the hourly step should look at always has
/// one) and opens a settled month again.
async fn hold_as(
    store: &Store,
    (period, producer): (PayoutPeriod, &ProducerId),
    action: OperatorAction,
    reason: HoldReason,
    allowed: impl Fn(&PayoutStatement) -> Result<(), PayoutsError>,
) -> Result<StatementAction, PayoutsError> {
    split_of(store, period).await?;
    allowed(&statement_of(store, period, producer).await?)?;
    let release = matches!(reason, HoldReason::Released { .. });
    if release {
        store.payouts().reopen_statement(period, producer).await?;
    }
    let held = move_statement(store, period, producer, |current| {
        allowed(current)?;
        let mut next = current.clone();
        next.status = StatementStatus::Held;
        next.hold = Some(Hold {
            reason: reason.clone(),
            since: action.at,
            payout_stamp: None,
            missing: Vec::new(),
        });
        next.record(StatusChange {
            status: StatementStatus::Held,
            at: action.at,
            note: statement_note(&action),
        });
        Ok(next)
    })
    .await?;
    record(store, period, &action, release).await?;
    Ok(StatementAction {
        period,
        producer_id: producer.clone(),
        status: held.status,
        action,
    })
}

/// What a void did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Voided {
    pub period: PayoutPeriod,
    pub statements: u64,
    pub action: OperatorAction,
}

/// Voids the split of `period`, if nothing of it was ever sent: the split Voided first (so no pass
/// pays it from then on), then every statement, so billing's corrected pool for the month is split
/// afresh. A void cut short (a DynamoDB fault) leaves the split Voided and still claimed: the
/// same command again finishes it, and a new pool for the month waits until it has.
pub async fn void(
    store: &Store,
    period: PayoutPeriod,
    action: OperatorAction,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Voided, PayoutsError> {
    let split = split_of(store, period).await?;
    let unfinished = split.state == SplitState::Voided && split.claim.is_some();
    match split.state {
        SplitState::Voided if !unfinished => {
            return Err(PayoutsError::Operator(format!(
                "{period} is voided already"
            )));
        }
        SplitState::Splitting => {
            return Err(PayoutsError::Operator(format!(
                "{period} is being split now; try again in a few minutes"
            )));
        }
        _ => {}
    }
    let mut claimed = split.clone();
    claimed.claim = Some(crate::split::claim(now()));
    if unfinished || !split.is_claimed(now()) {
        if store.payouts().replace_split(&split, &mut claimed).await? == Moved::Lost {
            return Err(PayoutsError::Operator(format!(
                "{period} changed meanwhile; try again"
            )));
        }
    } else {
        return Err(PayoutsError::Operator(format!(
            "{period} is being paid now; try again in a few minutes"
        )));
    }
    let statements = if split.state == SplitState::Waiting {
        Vec::new()
    } else {
        store.payouts().split_statements(&claimed).await?
    };
    let sent: Vec<String> = statements
        .iter()
        .filter(|s| s.was_sent() || s.status == StatementStatus::Paid)
        .map(|s| s.producer_id.to_string())
        .collect();
    if !sent.is_empty() {
        release_claim(store, &claimed, |_| {}).await?;
        return Err(PayoutsError::Operator(format!(
            "{period} has sent transfers already ({}): only a split that sent nothing can be \
             voided; hold the statements not yet paid instead",
            sent.join(", ")
        )));
    }
    // From here no pass pays the month: the split is Voided (and still claimed until every
    // statement is).
    let mut voiding = claimed.clone();
    voiding.state = SplitState::Voided;
    voiding.record(action.clone());
    if store
        .payouts()
        .replace_split(&claimed, &mut voiding)
        .await?
        == Moved::Lost
    {
        return Err(PayoutsError::Operator(format!(
            "{period} changed meanwhile; try again"
        )));
    }
    let voided = void_statements(store, period, &statements, &action).await?;
    release_claim(store, &voiding, |_| {}).await?;
    tracing::warn!(%period, by = %action.by, why = %action.why, voided, "split voided");
    Ok(Voided {
        period,
        statements: voided,
        action,
    })
}

/// Voids every statement of a voided split (none of which was ever sent).
async fn void_statements(
    store: &Store,
    period: PayoutPeriod,
    statements: &[PayoutStatement],
    action: &OperatorAction,
) -> Result<u64, PayoutsError> {
    let mut voided = 0;
    for s in statements {
        if s.status == StatementStatus::Voided {
            continue;
        }
        let moved = move_statement(store, period, &s.producer_id, |current| {
            if !current.status.may_move_to(StatementStatus::Voided) {
                return Err(PayoutsError::Operator(format!(
                    "{}'s statement for {period} is {:?} and cannot be voided",
                    current.producer_id, current.status
                )));
            }
            let mut next = current.clone();
            next.status = StatementStatus::Voided;
            next.hold = None;
            next.record(StatusChange {
                status: StatementStatus::Voided,
                at: action.at,
                note: statement_note(action),
            });
            Ok(next)
        })
        .await;
        match moved {
            Ok(_) => voided += 1,
            // Voided meanwhile (a void run again): nothing left to do for it.
            Err(_)
                if statement_of(store, period, &s.producer_id).await?.status
                    == StatementStatus::Voided => {}
            Err(e) => return Err(e),
        }
    }
    let ids: Vec<ProducerId> = statements.iter().map(|s| s.producer_id.clone()).collect();
    store.payouts().close_open_statements(period, &ids).await?;
    Ok(voided)
}
