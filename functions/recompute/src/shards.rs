//! A sharded run's tasks, as the state machine sends them (`infra/recompute.asl.json`):
//!
//! - `{"task": "plan", "time": "<scheduled time>", "shards": N}`: whether to run, and the N scan
//!   tasks (the distributed map's items);
//! - `{"task": "scan", "asOf": …, "shard": i, "shards": N}`: one shard's segments into its
//!   partial aggregate in the table;
//! - `{"task": "reduce", "asOf": …, "shards": N}`: the partials merged, then the rest of a run
//!   and the all-or-nothing publish.
//!
//! Every instant is checked as a scheduled event's is (`event::as_of`), and a task that is not
//! one of these shapes is a `BadEvent`, not a run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::Store;

use crate::error::RecomputeError;
use crate::metrics::RunSummary;
use crate::run::{
    Deadline, RunProgress, Settings, ShardPlan, ShardReport, plan_shards, reduce_shards, scan_shard,
};

/// The most scan shards a run fans out to: the distributed map's children run at most 1,000 at
/// once by default here (`MaxConcurrency`), and each holds a partial the reduce reads.
pub const MAX_SHARDS: u32 = 1_000;

#[derive(Debug, Deserialize)]
#[serde(tag = "task", rename_all = "camelCase", deny_unknown_fields)]
enum Task {
    #[serde(rename_all = "camelCase")]
    Plan { time: Option<String>, shards: u32 },
    #[serde(rename_all = "camelCase")]
    Scan {
        as_of: String,
        shard: u32,
        shards: u32,
    },
    #[serde(rename_all = "camelCase")]
    Reduce { as_of: String, shards: u32 },
}

/// What an invocation answers: a run's summary, a plan, or a shard's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Run(RunSummary),
    Plan(ShardPlan),
    Shard(ShardReport),
}

/// Whether `event` is a sharded run's task (it names one), not a scheduled event.
pub fn is_task(event: &Value) -> bool {
    event.get("task").is_some()
}

/// Carries out the task `event` names at `now`.
pub async fn run_task(
    store: &Store,
    settings: &Settings,
    event: Value,
    deadline: Deadline,
    now: DateTime<Utc>,
) -> Result<Outcome, RecomputeError> {
    let task: Task = serde_json::from_value(event)
        .map_err(|e| RecomputeError::BadEvent(format!("not a sharded run's task: {e}")))?;
    let instant = |time: Option<String>| crate::event::as_of(&json!({ "time": time }), now);
    let progress = RunProgress::default();
    match task {
        Task::Plan { time, shards } => {
            let shards = checked(shards)?;
            Ok(Outcome::Plan(
                plan_shards(store, instant(time)?, shards).await?,
            ))
        }
        Task::Scan {
            as_of,
            shard,
            shards,
        } => {
            let shards = checked(shards)?;
            if shard >= shards {
                return Err(RecomputeError::BadEvent(format!(
                    "shard {shard} of {shards}: shards are numbered from 0"
                )));
            }
            let as_of = instant(Some(as_of))?;
            let report = Box::pin(scan_shard(
                store,
                settings,
                as_of,
                (shard, shards),
                deadline,
                &progress,
            ))
            .await?;
            Ok(Outcome::Shard(report))
        }
        Task::Reduce { as_of, shards } => {
            let shards = checked(shards)?;
            let as_of = instant(Some(as_of))?;
            let summary = Box::pin(reduce_shards(
                store, settings, as_of, shards, deadline, &progress, now,
            ))
            .await?;
            Ok(Outcome::Run(summary))
        }
    }
}

fn checked(shards: u32) -> Result<u32, RecomputeError> {
    if (1..=MAX_SHARDS).contains(&shards) {
        Ok(shards)
    } else {
        Err(RecomputeError::BadEvent(format!(
            "shards must be 1 to {MAX_SHARDS}, not {shards}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_recognised_and_bad_ones_named() {
        assert!(is_task(&json!({"task": "plan", "shards": 2})));
        assert!(!is_task(&json!({"time": "2026-11-21T00:00:00Z"})));
        let plan: Task = serde_json::from_value(json!({"task": "plan", "time": null, "shards": 4}))
            .expect("plan");
        assert!(matches!(plan, Task::Plan { shards: 4, .. }));
        let scan: Task = serde_json::from_value(
            json!({"task": "scan", "asOf": "2026-11-21T00:00:00Z", "shard": 1, "shards": 4}),
        )
        .expect("scan");
        assert!(matches!(scan, Task::Scan { shard: 1, .. }));
        for bad in [
            json!({"task": "scan", "asOf": "2026-11-21T00:00:00Z", "shard": 1}),
            json!({"task": "explode"}),
            json!({"task": "reduce", "asOf": "x", "shards": 2, "extra": true}),
        ] {
            assert!(serde_json::from_value::<Task>(bad).is_err());
        }
        assert!(checked(0).is_err());
        assert!(checked(MAX_SHARDS + 1).is_err());
        assert_eq!(checked(MAX_SHARDS).ok(), Some(MAX_SHARDS));
    }
}
