//! The `payouts` function: the monthly split of the producer pool into exact minor units, the
//! Stripe Connect transfers that pay it, and the operators' view and corrections
//! (`docs/payouts.md`).
//!
//! - [`event`]: billing's "Producer Pool Closed" event and the rules it must meet, the hourly
//!   retry schedule's input, and the operators' commands.
//! - [`split`]: one split per period, by a run as of the period's end or later (a pool that
//!   comes first waits for it), in whole minor units; an unfinished split is resumed here.
//! - [`transfer`]: one period's pass: its sends, holds and retries, and when it is settled.
//! - [`operator`]: what is owed or held and why; hold, release and void.
//! - [`reconcile`]: a month against Stripe's listing of its transfer group.
//! - [`stripe`]: Stripe's transfers API (and, locally, the stand-in) over HTTPS.
//! - [`config`]: where the Stripe key comes from (Secrets Manager), the limits and the rules.

pub mod config;
pub mod error;
pub mod event;
pub mod operator;
pub mod reconcile;
pub mod split;
pub mod stripe;
pub mod transfer;

use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use contribution::statement::PayoutPeriod;
use results::payout::{PayoutSplit, PoolSender, SplitState};
use serde::Serialize;
use serde_json::Value;
use store::Store;
use telemetry::emf::Line;

pub use config::PayoutRules;
pub use error::{PayoutsError, Refusal};
use event::Command;
pub use stripe::Stripe;
pub use transfer::TransferReport;

/// What an invocation did (also its log line).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutsReport {
    /// The period split (or found split, or kept waiting for its run) by a pool event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<PayoutPeriod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_state: Option<SplitState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<u64>,
    pub transfers: TransferReport,
}

/// The function's dependencies, built once per sandbox.
#[derive(Debug, Clone)]
pub struct Deps {
    pub store: Store,
    pub stripe: Stripe,
    /// Transfers in flight at once.
    pub concurrency: usize,
    pub rules: PayoutRules,
}

/// Handles one invocation's payload: a pool event or the hourly retry ([`handle`]), or an
/// operator's command ([`operator::run`], the daily reconciliation among them). The answer is
/// what the invoker reads back.
pub async fn invoke(
    deps: &Deps,
    event: &Value,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<Value, PayoutsError> {
    match event::command(event)? {
        Command::Operator(command) => operator::run(deps, command, now).await,
        _ => Ok(serde_json::to_value(handle(deps, event, now).await?).unwrap_or_default()),
    }
}

/// Handles a pool event or the hourly retry: a pool event is checked against the rules and split
/// (once per period; kept waiting when its run is not published yet), and then every open period
/// is paid; the retry schedule only pays. `now` is this function's clock: it decides whether a
/// period is over, and stamps status changes.
///
/// A pool event that breaks a rule is an error (Lambda retries it, then puts it in the
/// on-failure queue); a period that fails while being paid is logged and counted
/// (`PeriodErrors`) and the others go on.
pub async fn handle(
    deps: &Deps,
    event: &Value,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<PayoutsReport, PayoutsError> {
    let mut report = PayoutsReport {
        period: None,
        split_state: None,
        eligible: None,
        excluded: None,
        transfers: TransferReport::default(),
    };
    match event::command(event)? {
        Command::Split(pool) => {
            event::check_pool(event, &pool, &deps.rules, now())?;
            let text = |name: &str| event.get(name).and_then(Value::as_str).map(str::to_owned);
            let sender = PoolSender {
                event_id: text("id"),
                account: text("account").unwrap_or_default(),
                received_at: now(),
            };
            let split = split::split_pool(&deps.store, &pool, sender, now()).await?;
            report.period = Some(split.period);
            report.eligible = Some(split.eligible);
            report.excluded = Some(split.excluded);
            report.split_state = Some(split.state);
        }
        Command::RetryTransfers => {}
        Command::Operator(_) => {
            return Err(PayoutsError::BadEvent(
                "an operator command is answered by payouts::invoke, not handle".to_owned(),
            ));
        }
    }
    let (transfers, splits) = pay_open_periods(deps, now).await?;
    report.transfers = transfers;
    if let Some(split) = report
        .period
        .and_then(|period| splits.into_iter().find(|s| s.period == period))
    {
        report.split_state = Some(split.state);
        report.eligible = Some(split.eligible);
        report.excluded = Some(split.excluded);
    }
    tracing::info!(report = %serde_json::to_string(&report).unwrap_or_default(), "payouts done");
    println!("{}", emf_line(&report, now().timestamp_millis()));
    Ok(report)
}

/// Every open period, newest first, each on its own: one that fails is logged and counted, and
/// the rest go on. Returns the report and each period's split as the pass left it.
async fn pay_open_periods(
    deps: &Deps,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<(TransferReport, Vec<PayoutSplit>), PayoutsError> {
    let key_refused = AtomicBool::new(false);
    let mut total = TransferReport::default();
    let mut splits = Vec::new();
    for split in deps.store.payouts().open_splits().await? {
        let period = split.period;
        match pay_period(deps, split, now, &key_refused).await {
            Ok((report, split)) => {
                total.add(&report);
                splits.push(split);
            }
            Err(e) => {
                tracing::error!(%period, error_type = e.error_type(), error = %e,
                    "the period could not be paid now; the other periods go on, and the next hour tries it again");
                total.period_errors += 1;
            }
        }
    }
    Ok((total, splits))
}

/// One open period: a pool waiting for its run is split once the run is published, a split left
/// midway is finished first (from its own record), then it is paid.
async fn pay_period(
    deps: &Deps,
    split: PayoutSplit,
    now: impl Fn() -> DateTime<Utc> + Copy,
    key_refused: &AtomicBool,
) -> Result<(TransferReport, PayoutSplit), PayoutsError> {
    let split = match split.state {
        SplitState::Waiting => split::start_waiting(&deps.store, split, now()).await?,
        SplitState::Splitting => split::resume(&deps.store, split, now()).await?,
        _ => split,
    };
    match split.state {
        SplitState::Waiting => {
            let waited = now() - split.created_at;
            let too_long = waited > deps.rules.wait_alarm;
            if too_long {
                tracing::warn!(period = %split.period, hours = waited.num_hours(),
                    "the pool is still waiting for a run as of the month's end: is the recompute running?");
            }
            let report = TransferReport {
                pools_waiting: 1,
                pools_waiting_too_long: u64::from(too_long),
                ..TransferReport::default()
            };
            Ok((report, split))
        }
        // Another invocation holds it; that one pays it.
        SplitState::Splitting => Ok((TransferReport::default(), split)),
        _ => {
            let pass = transfer::Pass {
                store: &deps.store,
                stripe: &deps.stripe,
                rules: &deps.rules,
                concurrency: deps.concurrency,
                key_refused,
            };
            transfer::send_period(&pass, &split, now).await
        }
    }
}

/// The report as a CloudWatch Embedded Metric Format line, namespace `BeatPass/Payouts`. Alarmed
/// in the template: `FinalFailures` (in the hour they happen), `StillOpen` (owed statements that
/// stay open hour after hour), `PeriodErrors`, `HeldTooLong`, `Escalated` and
/// `PoolsWaitingTooLong`.
pub fn emf_line(report: &PayoutsReport, timestamp_millis: i64) -> String {
    let transfers = &report.transfers;
    Line::new("BeatPass/Payouts")
        .count("FinalFailures", transfers.final_failures)
        .count("StillOpen", transfers.still_open)
        .count("PeriodErrors", transfers.period_errors)
        .count("ListingFailed", transfers.listing_failed)
        .count("Held", transfers.held)
        .count("HeldTooLong", transfers.held_too_long)
        .count("Escalated", transfers.escalated)
        .count("PoolsWaiting", transfers.pools_waiting)
        .count("PoolsWaitingTooLong", transfers.pools_waiting_too_long)
        .count("Paid", transfers.paid)
        .count("Reconciled", transfers.reconciled)
        .render(timestamp_millis)
}
