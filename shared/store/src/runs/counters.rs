//! Per-run play-counter snapshots, the memory window leaderboards need.
//!
//! "Plays gained in the last 7 days" needs each producer's plays as they were 7 days ago, and the
//! catalog only knows today's counts. So every run stores its producers' counters (plays, plays on
//! collaborative tracks) packed many to an item, keeps them [`COUNTER_RETENTION`] (longer than
//! the run's other items and than the longest window), and indexes the snapshot in the runs
//! partition once all its parts are in. A later run finds the newest snapshot at or before its
//! as-of minus the window with one query, then reads that snapshot's parts.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};

use results::run::Baseline;
use results::run_id::RunId;
use table::entity::{Entity, decode};
use table::error::StoreError;
use table::items::runs::{CounterSnapshot, CounterSnapshotPart, unpack_counters};
use table::keys;

/// Days a counter snapshot outlives the longest window: room for runs that are late or skipped.
const COUNTER_MARGIN_DAYS: i64 = 10;

/// How long a counter snapshot is kept: the longest window (30 days) plus room for runs that are
/// late or skipped.
pub const COUNTER_RETENTION: TimeDelta =
    TimeDelta::days(results::lists::Period::longest_window_days() + COUNTER_MARGIN_DAYS);

impl crate::owners::Runs<'_> {
    /// The newest complete counter snapshot taken at or before `instant`, if any is kept.
    pub async fn baseline_at_or_before(
        &self,
        instant: DateTime<Utc>,
    ) -> Result<Option<Baseline>, StoreError> {
        let newest = self
            .table
            .query_between(
                keys::RUN_POINTER_PK.to_owned(),
                keys::COUNTERS_INDEX_PREFIX.to_owned(),
                keys::counters_index_sk(&RunId::of(instant)),
            )
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo("Query"))?;
        let Some(item) = newest.items.unwrap_or_default().into_iter().next() else {
            return Ok(None);
        };
        let snapshot: CounterSnapshot = decode(item)?;
        let damaged = |problem: String| StoreError::BadSnapshot {
            run: snapshot.run_id.to_string(),
            problem,
        };
        let mut counters = HashMap::with_capacity(snapshot.producers as usize);
        let mut parts = 0;
        self.table
            .each_in_partition(
                CounterSnapshotPart::primary_key(&snapshot.run_id, 0).pk,
                10,
                |part: CounterSnapshotPart| {
                    parts += 1;
                    counters.extend(unpack_counters(part));
                    Ok(())
                },
            )
            .await?;
        if parts != snapshot.parts || counters.len() as u64 != snapshot.producers {
            return Err(damaged(format!(
                "indexed with {} parts and {} producers, found {parts} and {}",
                snapshot.parts,
                snapshot.producers,
                counters.len()
            )));
        }
        Ok(Some(Baseline {
            as_of: snapshot.as_of,
            counters,
        }))
    }
}
