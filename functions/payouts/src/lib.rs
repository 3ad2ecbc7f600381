//! The `payouts` function: the monthly split of the producer pool into exact minor units, and the
//! Stripe Connect transfers that pay it (`docs/payouts.md`).
//!
//! - [`event`]: billing's "Producer Pool Closed" event and the hourly retry schedule's input.
//! - [`split`]: one split per period, by the latest published run, in whole minor units.
//! - [`transfer`]: one transfer per Queued statement; retries of Sending and retryable Failed.
//! - [`stripe`]: Stripe's transfers API (and, locally, the stand-in) over HTTPS.
//! - [`config`]: where the Stripe key comes from (Secrets Manager), and the limits.

pub mod config;
pub mod error;
pub mod event;
pub mod split;
pub mod stripe;
pub mod transfer;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use store::Store;
use store::payout_items::SplitState;

pub use error::PayoutsError;
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
}

/// Handles one event: a pool event splits (once per period) and then sends what is owed; the
/// retry schedule only sends. `now` stamps status changes.
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
        let split = split::split_pool(&deps.store, &pool, now()).await?;
        report.period = Some(split.period.to_string());
        report.eligible = Some(split.eligible);
        report.excluded = Some(split.excluded);
        report.split_state = Some(split.state);
    }
    report.transfers =
        transfer::send_owed(&deps.store, &deps.stripe, deps.concurrency, now).await?;
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

/// The report as a CloudWatch Embedded Metric Format line: `FailedStatements` (alarmed in the
/// template), `Paid` and `Reconciled`, namespace `BeatPass/Payouts`.
pub fn emf_line(report: &PayoutsReport, timestamp_millis: i64) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_millis,
            "CloudWatchMetrics": [{
                "Namespace": "BeatPass/Payouts",
                "Dimensions": [[]],
                "Metrics": [
                    {"Name": "FailedStatements", "Unit": "Count"},
                    {"Name": "Paid", "Unit": "Count"},
                    {"Name": "Reconciled", "Unit": "Count"},
                ],
            }],
        },
        "FailedStatements": report.transfers.failed_statements,
        "Paid": report.transfers.paid,
        "Reconciled": report.transfers.reconciled,
    })
    .to_string()
}
