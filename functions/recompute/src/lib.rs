//! The `recompute` function: contribution values, shares and collaboration statistics, on a
//! schedule (every 24 hours by default).
//!
//! Everything a run computes is a function of the catalog and the run's as-of instant (the
//! scheduled event's `time`): the same catalog and instant write the same items, to the last bit.
//! See `docs/recompute.md` for the figures, the scoring and the assumptions (XP amounts).
//!
//! - [`event`]: the as-of instant from the scheduled event.
//! - [`aggregate`]: the mergeable per-segment aggregate; [`contributions`]: its per-track arena.
//! - [`compute`], [`boards`] and [`recommend`]: from the aggregate to the published values (pure).
//! - [`run`]: the run itself (scan, write, publish, deadline); its items go through the store's
//!   run writer (`store::runs::writer`), overlapped with making them.
//! - [`shards`]: a sharded run's tasks (plan, scan a shard, reduce) for the state machine that
//!   fans a run out past one invocation (`infra/recompute.asl.json`).
//! - [`metrics`]: the summary log line in CloudWatch Embedded Metric Format.

pub mod aggregate;
pub mod boards;
pub mod compute;
pub mod contributions;
pub mod error;
pub mod event;
pub mod metrics;
pub mod recommend;
pub mod run;
pub mod shards;

use chrono::{DateTime, Utc};
use serde_json::Value;
use store::Store;

pub use error::RecomputeError;
pub use run::{Deadline, RunProgress, Settings};

/// Handles one event at `now`: a scheduled event is the whole run as of its time; a sharded
/// run's task (`shards`) is its part. Logs a run's summary (EMF) whether it published or not,
/// and returns what was done.
pub async fn handle(
    store: &Store,
    settings: &Settings,
    event: Value,
    deadline: Deadline,
    now: DateTime<Utc>,
) -> Result<shards::Outcome, RecomputeError> {
    // Boxed: the run's future is deep, and the runtime's service nests it further.
    let outcome = if shards::is_task(&event) {
        Box::pin(shards::run_task(store, settings, event, deadline, now)).await?
    } else {
        let as_of = event::as_of(&event, now)?;
        let progress = RunProgress::default();
        let run = Box::pin(run::recompute(
            store, settings, as_of, deadline, &progress, now,
        ));
        shards::Outcome::Run(run.await?)
    };
    if let shards::Outcome::Run(summary) = &outcome {
        println!("{}", summary.emf_line(now.timestamp_millis()));
    }
    Ok(outcome)
}
