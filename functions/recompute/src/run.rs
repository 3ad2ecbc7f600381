//! One recompute run: scan, aggregate, write under the run id, publish.
//!
//! 1. If a run as of this instant or later is already published, there is nothing to do.
//! 2. A parallel scan of the catalog index, its segments concurrent in this task, folds records
//!    into one [`Aggregate`] (producers, pairs, and a compact arena of tracks for the contribution
//!    lists). Aggregates also merge, in any order to the same result, for when segments are
//!    spread over invocations; one aggregate here keeps each pair and producer once.
//! 3. The aggregate becomes a [`RunPlan`], whose results
//!    are made a producer at a time and handed to the store's [`RunSink`], which packs each list
//!    into chunk items; they go out as one stream of batch writes (unprocessed items retried),
//!    never all held at once.
//! 4. The run's play counters are kept (longer than its other items) for later runs' window
//!    boards, which compare against the newest counters at or before as-of minus 7 (30) days.
//! 5. The run's meta item is written, then the pointer moves with one conditional write, only
//!    forward in as-of time. Before every page and batch the Lambda deadline is checked: a run
//!    that cannot finish in time fails loudly and publishes nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::try_join_all;
use results::run::{Baselines, PlatformPoint, RunMeta, RunPointer};
use results::run_id::RunId;
use store::BatchStats;
use store::Store;
use store::catalog::scan::CatalogRecord;
use store::runs::partials::partial_scope;
use store::runs::published::{Publication, RunScope, expires_at, run_id};
use store::runs::sink::{RequestSink, RunSink};
use store::runs::writer::RunGuard;

use contribution::window::{Period, per_window};

use crate::aggregate::Aggregate;
use crate::compute::{RunContext, RunPlan};
use crate::error::RecomputeError;
use crate::metrics::RunSummary;

/// Records per scan page by default: ~500 KB of catalog items, half DynamoDB's 1 MB. A page is
/// held decoded (~1.5 KB a record in the SDK's form) by every segment at once, so this bounds the
/// scan's memory; on DynamoDB Local each page also costs time that grows with the rows left in
/// its segment, so smaller pages cost time there (BENCHMARKS.md: 500 records took three times
/// as long at 100,000 tracks). On DynamoDB a page costs its bytes, whatever its size.
pub const DEFAULT_PAGE_SIZE: u32 = 2_000;

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Parallel scan segments.
    pub segments: u32,
    /// Records per scan page (`None`: DynamoDB's 1 MB pages). Every segment holds one decoded
    /// page at a time, so this bounds the scan's memory; smaller pages cost round trips, not
    /// read units (billed by bytes read).
    pub page_size: Option<u32>,
    /// How long a run's items are kept.
    pub retention: TimeDelta,
    /// Stop when less than this is left before the deadline.
    pub deadline_margin: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            segments: 4,
            page_size: Some(DEFAULT_PAGE_SIZE),
            retention: store::runs::published::DEFAULT_RETENTION,
            deadline_margin: Duration::from_secs(20),
        }
    }
}

/// When the invocation must be done by (`None`: no limit, e.g. a local tool).
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub Option<SystemTime>);

impl Deadline {
    /// Epoch milliseconds below this (September 2001) cannot be a real deadline instant.
    const EARLIEST_EPOCH_MILLIS: u64 = 1_000_000_000_000;

    /// The deadline the Lambda Runtime API reports (`Lambda-Runtime-Deadline-Ms`): an instant in
    /// epoch milliseconds. `cargo lambda watch` sends the function's timeout instead (e.g.
    /// `600000`); a value too small to be an instant is read as a timeout from `now`.
    pub fn from_runtime_millis(millis: u64, now: SystemTime) -> Self {
        let millis = Duration::from_millis(millis);
        if millis.as_millis() < u128::from(Self::EARLIEST_EPOCH_MILLIS) {
            Self(Some(now + millis))
        } else {
            Self(Some(UNIX_EPOCH + millis))
        }
    }

    pub(crate) fn check(&self, margin: Duration) -> Result<(), RecomputeError> {
        let Some(deadline) = self.0 else {
            return Ok(());
        };
        let remaining = deadline
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        if remaining < margin {
            return Err(RecomputeError::DeadlineApproaching { remaining });
        }
        Ok(())
    }
}

/// Counters a run updates as it goes (readable while it runs).
#[derive(Debug, Default)]
pub struct RunProgress {
    pub pages: AtomicU64,
    pub items_written: AtomicU64,
    /// How long the scan took, once it is done (milliseconds).
    pub scan_millis: AtomicU64,
    pub batches: BatchStats,
}

impl RunProgress {
    pub fn items_written(&self) -> u64 {
        self.items_written.load(Ordering::Relaxed)
    }
}

/// The run's limits and counters, for its scan and for the store's run writer: the deadline
/// (less its margin) before each page and each batch, and what was read and written.
struct RunLimits<'a> {
    deadline: Deadline,
    margin: Duration,
    progress: &'a RunProgress,
}

impl RunGuard for RunLimits<'_> {
    type Stop = RecomputeError;

    fn check(&self) -> Result<(), RecomputeError> {
        self.deadline.check(self.margin)
    }

    fn stats(&self) -> &BatchStats {
        &self.progress.batches
    }

    fn written(&self, items: u64) {
        self.progress
            .items_written
            .fetch_add(items, Ordering::Relaxed);
    }
}

/// What a run reports, from its counters so far.
fn summary_of(
    run_id: &RunId,
    as_of: DateTime<Utc>,
    progress: &RunProgress,
    started: Instant,
    published: bool,
    (tracks, producers): (u64, u64),
) -> RunSummary {
    RunSummary {
        run_id: run_id.to_string(),
        as_of: as_of.to_rfc3339(),
        published,
        tracks,
        producers,
        pages: progress.pages.load(Ordering::Relaxed),
        items_written: progress.items_written(),
        write_units: progress.batches.write_units(),
        bytes_written: progress.batches.bytes_put(),
        retries: progress.batches.retried(),
        seconds: started.elapsed().as_secs_f64(),
        scan_seconds: progress.scan_millis.load(Ordering::Relaxed) as f64 / 1e3,
    }
}

/// Where a run as of some instant stands against the published one.
enum Standing {
    /// A run as of this instant or later is already published: nothing to do.
    AlreadyPublished,
    /// The run is to be made; the published run before it, if any (for trending).
    After(Option<RunPointer>),
}

/// The run's standing. A retry of a run that is already published writes its platform point,
/// which may be missing.
async fn standing(
    store: &Store,
    run_id: &RunId,
    as_of: DateTime<Utc>,
) -> Result<Standing, RecomputeError> {
    let previous = store.runs().latest_run().await?;
    if let Some(previous) = &previous
        && previous.as_of >= as_of
    {
        tracing::info!(published = %previous.run_id, "a run as of this instant or later is already published");
        if previous.run_id == *run_id
            && let Some(meta) = store.runs().run_item::<RunMeta>(run_id, ()).await?
        {
            store
                .runs()
                .put_platform_point(&PlatformPoint::of(&meta))
                .await?;
        }
        return Ok(Standing::AlreadyPublished);
    }
    Ok(Standing::After(previous))
}

/// Runs the recompute as of `as_of`, invoked at `now` (the one clock reading; the pointer's
/// publication time is `now` plus the run's own elapsed time).
pub async fn recompute(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
    deadline: Deadline,
    progress: &RunProgress,
    now: DateTime<Utc>,
) -> Result<RunSummary, RecomputeError> {
    let segments = settings.segments.max(1);
    let clock = (deadline, now);
    run_from(store, settings, as_of, clock, progress, async |limits| {
        scan_segments(store, limits, settings, as_of, 0..segments, segments).await
    })
    .await
}

/// A run whose aggregate `gather` makes — one invocation's scan, or a sharded run's partials
/// merged — unless a run as of `as_of` or later is already published; then the rest of the run.
async fn run_from(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
    (deadline, now): (Deadline, DateTime<Utc>),
    progress: &RunProgress,
    gather: impl AsyncFnOnce(&RunLimits<'_>) -> Result<Aggregate, RecomputeError>,
) -> Result<RunSummary, RecomputeError> {
    let started = Instant::now();
    let run_id = run_id(as_of);
    let Standing::After(previous) = standing(store, &run_id, as_of).await? else {
        return Ok(summary_of(&run_id, as_of, progress, started, false, (0, 0)));
    };
    let limits = RunLimits {
        deadline,
        margin: settings.deadline_margin,
        progress,
    };
    let mut merged = gather(&limits).await?;
    progress
        .scan_millis
        .store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    merged.seal();
    finish(store, settings, &limits, merged, previous, started, now).await
}

/// A sharded run's plan: whether there is anything to do, and the scan shards' tasks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardPlan {
    pub as_of: DateTime<Utc>,
    pub shards: u32,
    /// A run as of this instant or later is already published: the execution ends here.
    pub skip: bool,
    /// One per shard (empty when skipping): the map's items.
    pub items: Vec<ShardItem>,
}

/// One scan shard's task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardItem {
    pub task: &'static str,
    pub as_of: DateTime<Utc>,
    pub shard: u32,
    pub shards: u32,
}

/// What one scan shard did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardReport {
    pub shard: u32,
    pub tracks: u64,
    pub producers: u64,
    pub bytes: u64,
    pub pieces: u32,
    pub pages: u64,
    pub seconds: f64,
}

/// The first state of a sharded run: the shards' tasks, or `skip` when a run as of `as_of` or
/// later is already published.
pub async fn plan_shards(
    store: &Store,
    as_of: DateTime<Utc>,
    shards: u32,
) -> Result<ShardPlan, RecomputeError> {
    let run_id = run_id(as_of);
    let skip = matches!(
        standing(store, &run_id, as_of).await?,
        Standing::AlreadyPublished
    );
    let items = if skip {
        Vec::new()
    } else {
        (0..shards)
            .map(|shard| ShardItem {
                task: "scan",
                as_of,
                shard,
                shards,
            })
            .collect()
    };
    Ok(ShardPlan {
        as_of,
        shards,
        skip,
        items,
    })
}

/// One scan shard of a sharded run: segments `shard × S .. (shard + 1) × S` of `shards × S`
/// (S = `settings.segments`) folded into an aggregate, written to the table as the shard's
/// partial. Running it again writes the same partial (or, if the catalog changed, a whole new
/// one: the head goes last).
pub async fn scan_shard(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
    (shard, shards): (u32, u32),
    deadline: Deadline,
    progress: &RunProgress,
) -> Result<ShardReport, RecomputeError> {
    let started = Instant::now();
    let limits = RunLimits {
        deadline,
        margin: settings.deadline_margin,
        progress,
    };
    let per_shard = settings.segments.max(1);
    let first = shard * per_shard;
    let aggregate = scan_segments(
        store,
        &limits,
        settings,
        as_of,
        first..first + per_shard,
        shards * per_shard,
    )
    .await?;
    let bytes = aggregate.to_partial()?;
    let scope = partial_scope(run_id(as_of), as_of);
    let pieces = store
        .runs()
        .write_partial(scope, &limits, shard, &bytes)
        .await?;
    Ok(ShardReport {
        shard,
        tracks: aggregate.tracks,
        producers: aggregate.producer_count() as u64,
        bytes: bytes.len() as u64,
        pieces,
        pages: progress.pages.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The last state of a sharded run: every shard's partial merged in shard order, then the rest
/// of a run (plan, writes, publish) as one invocation does it. A shard without a complete
/// partial fails the reduce, and nothing is published.
pub async fn reduce_shards(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
    shards: u32,
    deadline: Deadline,
    progress: &RunProgress,
    now: DateTime<Utc>,
) -> Result<RunSummary, RecomputeError> {
    let run_id = run_id(as_of);
    run_from(
        store,
        settings,
        as_of,
        (deadline, now),
        progress,
        async |limits| {
            let mut merged = Aggregate::new(as_of);
            for shard in 0..shards {
                limits.check()?;
                let bytes = store
                    .runs()
                    .read_partial(&run_id, shard)
                    .await?
                    .ok_or(RecomputeError::MissingPartial { shard, shards })?;
                merged.merge(Aggregate::from_partial(&bytes)?)?;
            }
            Ok(merged)
        },
    )
    .await
}

/// Everything after the scan: the plan, the results, the counters, the meta, the pointer.
async fn finish(
    store: &Store,
    settings: &Settings,
    limits: &RunLimits<'_>,
    mut merged: Aggregate,
    previous: Option<RunPointer>,
    started: Instant,
    now: DateTime<Utc>,
) -> Result<RunSummary, RecomputeError> {
    let as_of = merged.as_of();
    let run_id = run_id(as_of);
    let deadline = limits.deadline;
    let progress = limits.progress;
    let scope = RunScope {
        run_id: run_id.clone(),
        expires_at: expires_at(as_of, settings.retention),
    };
    deadline.check(settings.deadline_margin)?;
    // The newest kept counters at or before each window's start (plays gained in the window).
    let mut found = Vec::with_capacity(Period::WINDOWS.len());
    for window in Period::WINDOWS {
        let start = window.start(as_of).unwrap_or(as_of);
        found.push(store.runs().baseline_at_or_before(start).await?);
    }
    let mut found = found.into_iter();
    let baselines = per_window(|_| found.next().flatten());
    let pairs = std::mem::take(&mut merged.pairs);
    let mut plan = RunPlan::new(
        &merged,
        pairs,
        &RunContext {
            run_id: &run_id,
            baselines: baselines.each_ref().map(Option::as_ref),
        },
    );
    if let Some(previous) = &previous {
        store
            .runs()
            .each_run_pair(&previous.run_id, |p| {
                plan.note_previous(p.a.as_str(), p.b.as_str(), p.plays)
            })
            .await?;
        plan.rank_trending();
    }
    let baselines =
        Baselines::of_windows(baselines.each_ref().map(|b| b.as_ref().map(|b| b.as_of)));

    // Every list in one stream, a producer at a time, written while the next are made.
    let ((), mut result_items) = store
        .runs()
        .write_run(scope.clone(), limits, async |sink| {
            Ok(write_results(&plan, sink).await?)
        })
        .await?;
    deadline.check(settings.deadline_margin)?;
    // The play counters, then (once every part is in) their index entry.
    let (snapshot, counter_parts) = store
        .runs()
        .write_run(scope.clone(), limits, async |sink| {
            Ok(sink.counters(plan.counters()).await?)
        })
        .await?;
    store
        .runs()
        .write_run(scope.clone(), limits, async |sink| {
            Ok(sink.counter_index(&snapshot).await?)
        })
        .await?;
    result_items += counter_parts;
    // The meta item last, alone: its presence marks the run complete.
    let meta = plan.meta(result_items, baselines);
    store
        .runs()
        .write_run(scope.clone(), limits, async |sink| {
            Ok(sink.item(&meta).await?)
        })
        .await?;

    let pointer = RunPointer {
        run_id: run_id.clone(),
        as_of,
        baselines,
    };
    let published_at = now + started.elapsed();
    let published = store
        .runs()
        .publish_guarded(limits, &pointer, published_at)
        .await?
        == Publication::Published;
    if published {
        // After the pointer moved: the platform point is what marks the run's series points as
        // a published run's. If this write fails the run fails (alarmed), and its retry, finding
        // this run published, writes it from the meta item.
        store
            .runs()
            .put_platform_point(&PlatformPoint::of(&meta))
            .await?;
    }
    Ok(summary_of(
        &run_id,
        as_of,
        progress,
        started,
        published,
        (meta.tracks, meta.producers),
    ))
}

/// Hands everything a run publishes besides its counters and meta to `sink`: each producer's
/// summary and lists, every board, the trending pairs, the pair counts. The recompute and
/// `cargo xtask simulate` both write through this.
pub async fn write_results<S: RequestSink + Send>(
    plan: &RunPlan<'_>,
    sink: &mut RunSink<S>,
) -> Result<(), S::Error> {
    for i in 0..plan.producer_count() {
        sink.producer(&plan.producer_results(i)).await?;
    }
    for (board, period, entries) in plan.boards() {
        sink.board(board, period, &entries).await?;
    }
    sink.trending(plan.trending()).await?;
    sink.pairs(plan.pair_tallies()).await
}

/// Scans segments `segments` of `total` concurrently in this task, folding them into one
/// aggregate (a pair or a producer met by several segments is kept once, not once per segment).
async fn scan_segments(
    store: &Store,
    limits: &RunLimits<'_>,
    settings: &Settings,
    as_of: DateTime<Utc>,
    segments: std::ops::Range<u32>,
    total: u32,
) -> Result<Aggregate, RecomputeError> {
    let aggregate = Mutex::new(Aggregate::new(as_of));
    try_join_all(
        segments.map(|segment| scan_segment(store, limits, settings, &aggregate, segment, total)),
    )
    .await?;
    Ok(aggregate
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner))
}

/// Scans segment `segment` of `segments`, folding it into an aggregate.
async fn scan_segment(
    store: &Store,
    limits: &RunLimits<'_>,
    settings: &Settings,
    aggregate: &Mutex<Aggregate>,
    segment: u32,
    segments: u32,
) -> Result<(), RecomputeError> {
    let mut start = None;
    loop {
        limits.check()?;
        let page = store
            .catalog()
            .scan_catalog_page(segment, segments, start, settings.page_size)
            .await?;
        limits.progress.pages.fetch_add(1, Ordering::Relaxed);
        {
            // Held only while folding one page, never across an await.
            let mut folded = aggregate.lock().unwrap_or_else(PoisonError::into_inner);
            for record in page.records {
                match record {
                    CatalogRecord::Producer(producer) => folded.add_profile(producer),
                    CatalogRecord::Track(stored) => {
                        folded.add_track(&stored.track);
                    }
                }
            }
        }
        match page.next {
            Some(next) => start = Some(next),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_deadlines_are_instants_or_local_timeouts() {
        let now = UNIX_EPOCH + Duration::from_millis(1_795_290_246_782);
        // AWS: an absolute instant.
        assert_eq!(
            Deadline::from_runtime_millis(1_795_290_546_782, now).0,
            Some(UNIX_EPOCH + Duration::from_millis(1_795_290_546_782))
        );
        // cargo lambda watch: a 10-minute timeout.
        assert_eq!(
            Deadline::from_runtime_millis(600_000, now).0,
            Some(now + Duration::from_secs(600))
        );
        let past = Deadline(Some(now - Duration::from_secs(1)));
        assert!(past.check(Duration::from_secs(20)).is_err());
        assert!(Deadline(None).check(Duration::from_secs(20)).is_ok());
    }
}
