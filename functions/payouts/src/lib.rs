//! The `payouts` function: the monthly split of the producer pool into exact minor units, and the
//! Stripe Connect transfers that pay it (`docs/payouts.md`).
//!
//! - [`event`]: billing's "Producer Pool Closed" event, the rules it must meet, and the hourly
//!   retry schedule's input.
//! - [`split`]: one split per period, by a run as of the period's end or later, in whole minor
//!   units; an unfinished split is resumed here, by the handler.
//! - [`transfer`]: one period's transfers, its retries and re-points, and when it is settled.
//! - [`stripe`]: Stripe's transfers API (and, locally, the stand-in) over HTTPS.
//! - [`config`]: where the Stripe key comes from (Secrets Manager), the limits and the rules.

pub mod config;
pub mod error;
pub mod event;
pub mod split;
pub mod stripe;
pub mod transfer;

use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use store::Store;
use store::payout_items::{PayoutSplit, SplitState};
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
    /// The period split (or found split) by a pool event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
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

/// Handles one event: a pool event is checked against the rules, split (once per period), and
/// then every open period is paid; the retry schedule only pays. `now` is this function's
/// clock: it decides whether a period is over, and stamps status changes.
///
/// A pool event that cannot be split is an error (Lambda retries it, then puts it in the
/// on-failure queue); a period that fails while being paid is logged and counted
/// (`PeriodErrors`) and the others go on.
pub async fn handle(
    deps: &Deps,
    event: &Value,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<PayoutsReport, PayoutsError> {
    let command = event::command(event)?;
    let mut report = PayoutsReport {
        period: None,
        split_state: None,
        eligible: None,
        excluded: None,
        transfers: TransferReport::default(),
    };
    if let Command::Split(pool) = command {
        event::check_pool(event, &pool, &deps.rules, now())?;
        let split = split::split_pool(&deps.store, &pool, now()).await?;
        report.period = Some(split.period.to_string());
        report.eligible = Some(split.eligible);
        report.excluded = Some(split.excluded);
        report.split_state = Some(split.state);
    }
    report.transfers = pay_open_periods(deps, now).await?;
    if let Some(period) = &report.period
        && let Some(split) = deps.store.payout_split(event::period_of(period)?).await?
    {
        report.split_state = Some(split.state);
    }
    tracing::info!(report = %serde_json::to_string(&report).unwrap_or_default(), "payouts done");
    println!(
        "{}",
        emf_line(&report, chrono::Utc::now().timestamp_millis())
    );
    Ok(report)
}

/// Every open period, each on its own: one that fails is logged and counted, and the rest go on.
async fn pay_open_periods(
    deps: &Deps,
    now: impl Fn() -> DateTime<Utc> + Copy,
) -> Result<TransferReport, PayoutsError> {
    let key_refused = AtomicBool::new(false);
    let mut total = TransferReport::default();
    for split in deps.store.open_splits().await? {
        let period = split.period;
        match pay_period(deps, split, now, &key_refused).await {
            Ok(report) => total.add(&report),
            Err(e) => {
                tracing::error!(%period, error_type = e.error_type(), error = %e,
                    "the period could not be paid now; the other periods go on, and the next hour tries it again");
                total.period_errors += 1;
            }
        }
    }
    Ok(total)
}

/// One open period: a split left midway is finished first (from its own record), then paid.
async fn pay_period(
    deps: &Deps,
    split: PayoutSplit,
    now: impl Fn() -> DateTime<Utc> + Copy,
    key_refused: &AtomicBool,
) -> Result<TransferReport, PayoutsError> {
    let split = match split.state {
        SplitState::Splitting => split::resume(&deps.store, split, now()).await?,
        _ => split,
    };
    if split.state == SplitState::Splitting {
        // Another invocation holds it; that one pays it.
        return Ok(TransferReport::default());
    }
    transfer::send_period(
        &deps.store,
        &deps.stripe,
        &split,
        deps.concurrency,
        now,
        key_refused,
    )
    .await
}

/// The report as a CloudWatch Embedded Metric Format line, namespace `BeatPass/Payouts`. Alarmed
/// in the template: `FinalFailures` (in the hour they happen), `StillOpen` (owed statements that
/// stay open hour after hour) and `PeriodErrors`.
pub fn emf_line(report: &PayoutsReport, timestamp_millis: i64) -> String {
    let transfers = &report.transfers;
    Line::new("BeatPass/Payouts")
        .count("FinalFailures", transfers.final_failures)
        .count("StillOpen", transfers.still_open)
        .count("PeriodErrors", transfers.period_errors)
        .count("ListingFailed", transfers.listing_failed)
        .count("AwaitingAccount", transfers.awaiting_account)
        .count("Paid", transfers.paid)
        .count("Reconciled", transfers.reconciled)
        .render(timestamp_millis)
}
