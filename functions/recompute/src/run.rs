//! One recompute run: scan, aggregate, write under the run id, publish.
//!
//! 1. If a run as of this instant or later is already published, there is nothing to do.
//! 2. A parallel scan of the catalog index, one task per segment, folds records into per-segment
//!    [`Aggregate`]s (producers, pairs, and a compact arena of tracks for the contribution lists).
//! 3. The segment aggregates merge (in any order: same result) into a [`RunPlan`], whose results
//!    are made a producer at a time and handed to the store's [`RunSink`], which packs each list
//!    into chunk items; they go out as one stream of batch writes (unprocessed items retried),
//!    never all held at once.
//! 4. The run's play counters are kept (longer than its other items) for later runs' window
//!    boards, which compare against the newest counters at or before as-of minus 7 (30) days.
//! 5. The run's meta item is written, then the pointer moves with one conditional write, only
//!    forward in as-of time. Before every page and batch the Lambda deadline is checked: a run
//!    that cannot finish in time fails loudly and publishes nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::try_join_all;
use store::RunPointer;
use store::Store;
use store::batch::{BatchStats, WriteRequest};
use store::run_items::Baselines;
use store::run_sink::{RequestSink, RunSink};
use store::runs::{Publication, RunScope, expires_at, run_id};
use store::scan::CatalogRecord;
use store::size::item_size;

use contribution::window::{Period, per_window};

use crate::aggregate::Aggregate;
use crate::compute::{RunContext, RunPlan};
use crate::error::RecomputeError;
use crate::metrics::RunSummary;

/// Records per scan page by default: ~250 KB of catalog items, against DynamoDB's 1 MB (whose
/// decoded form, four segments at once, was most of a 10,000-track run's memory).
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// Items a stream gathers before writing them. (5,000 for the results after the scan, to shorten
/// the tail of each flush, measured slower on DynamoDB Local: 1.37× the floor against 1.22×.)
const FLUSH_ITEMS: usize = 1_000;
/// Bytes of items (by DynamoDB's sizes) a stream gathers before writing them. Pair-count parts
/// are ~300 KB each and their rows, as the SDK holds them, take ~15–20 times that in memory:
/// 4 MB of them pending was ~70 MB of the run's peak, 1 MB still ~12 MB: one part at a time.
const FLUSH_BYTES: usize = 256 << 10;

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
            retention: store::runs::DEFAULT_RETENTION,
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

    fn check(&self, margin: Duration) -> Result<(), RecomputeError> {
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
    pub batches: BatchStats,
}

impl RunProgress {
    pub fn items_written(&self) -> u64 {
        self.items_written.load(Ordering::Relaxed)
    }
}

/// Runs the recompute as of `as_of`.
pub async fn recompute(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
    deadline: Deadline,
    progress: &RunProgress,
) -> Result<RunSummary, RecomputeError> {
    let started = Instant::now();
    let run_id = run_id(as_of);
    let summary = |published: bool, tracks: u64, producers: u64| RunSummary {
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
    };

    let previous = store.latest_run().await?;
    if let Some(previous) = &previous
        && previous.as_of >= as_of
    {
        tracing::info!(published = %previous.run_id, "a run as of this instant or later is already published");
        return Ok(summary(false, 0, 0));
    }
    let scope = RunScope {
        run_id: run_id.clone(),
        expires_at: expires_at(as_of, settings.retention),
    };
    let segments = settings.segments.max(1);
    let writer = Writer {
        store,
        deadline,
        settings,
        progress,
    };

    let aggregates =
        try_join_all((0..segments).map(|segment| scan_segment(&writer, segment, segments, as_of)))
            .await?;
    let mut merged = Aggregate::new(as_of);
    for aggregate in aggregates {
        merged.merge(aggregate)?;
    }
    merged.seal();

    deadline.check(settings.deadline_margin)?;
    // The newest kept counters at or before each window's start (plays gained in the window).
    let mut found = Vec::with_capacity(Period::WINDOWS.len());
    for window in Period::WINDOWS {
        let start = window.start(as_of).unwrap_or(as_of);
        found.push(store.baseline_at_or_before(start).await?);
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
            .each_run_pair(&previous.run_id, |p| {
                plan.note_previous(p.a.as_str(), p.b.as_str(), p.plays)
            })
            .await?;
        plan.rank_trending();
    }
    let baselines =
        Baselines::of_windows(baselines.each_ref().map(|b| b.as_ref().map(|b| b.as_of)));

    // Every list in one stream, a producer at a time.
    let mut sink = RunSink::new(scope.clone(), ItemStream::new(&writer, FLUSH_ITEMS));
    write_results(&plan, &mut sink).await?;
    let mut result_items = sink.items();
    sink.into_sink().finish().await?;
    deadline.check(settings.deadline_margin)?;
    let (counter_parts, snapshot) = plan.counters()?;
    store
        .put_counter_snapshot(&snapshot, &counter_parts, &progress.batches)
        .await?;
    result_items += counter_parts.len() as u64;
    progress
        .items_written
        .fetch_add(counter_parts.len() as u64 + 1, Ordering::Relaxed);
    // The meta item last, alone: its presence marks the run complete.
    let meta = plan.meta(result_items, baselines);
    let mut last = RunSink::new(scope.clone(), ItemStream::new(&writer, 1));
    last.item(&meta).await?;
    last.into_sink().finish().await?;

    deadline.check(settings.deadline_margin)?;
    let pointer = RunPointer {
        run_id: run_id.clone(),
        as_of,
        baselines,
    };
    let published = store
        .publish_counted_run(&pointer, Utc::now(), &progress.batches)
        .await?
        == Publication::Published;
    Ok(summary(published, meta.tracks, meta.producers))
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

/// Where and under which limits a run writes: what every [`ItemStream`] of the run shares.
struct Writer<'a> {
    store: &'a Store,
    deadline: Deadline,
    settings: &'a Settings,
    progress: &'a RunProgress,
}

impl RequestSink for ItemStream<'_, '_> {
    type Error = RecomputeError;

    fn send(
        &mut self,
        request: WriteRequest,
    ) -> impl std::future::Future<Output = Result<(), RecomputeError>> + Send {
        self.push(request)
    }
}

/// Items of any kinds gathered into batch writes, `flush_items` or [`FLUSH_BYTES`] at a time.
struct ItemStream<'w, 'a> {
    writer: &'w Writer<'a>,
    flush_items: usize,
    pending: Vec<WriteRequest>,
    pending_bytes: usize,
    written: u64,
}

impl<'w, 'a> ItemStream<'w, 'a> {
    fn new(writer: &'w Writer<'a>, flush_items: usize) -> Self {
        Self {
            writer,
            flush_items,
            pending: Vec::with_capacity(flush_items),
            pending_bytes: 0,
            written: 0,
        }
    }

    async fn push(&mut self, request: WriteRequest) -> Result<(), RecomputeError> {
        self.pending_bytes += request.put_request().map_or(0, |p| item_size(p.item()));
        self.pending.push(request);
        if self.pending.len() >= self.flush_items || self.pending_bytes >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), RecomputeError> {
        let w = self.writer;
        w.deadline.check(w.settings.deadline_margin)?;
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(self.flush_items));
        self.pending_bytes = 0;
        let count = batch.len() as u64;
        w.store.write_requests(batch, &w.progress.batches).await?;
        w.progress.items_written.fetch_add(count, Ordering::Relaxed);
        self.written += count;
        Ok(())
    }

    /// Writes what is left; returns how many items the stream wrote.
    async fn finish(mut self) -> Result<u64, RecomputeError> {
        if !self.pending.is_empty() {
            self.flush().await?;
        }
        Ok(self.written)
    }
}

/// Scans segment `segment` of `segments`, folding it into an aggregate.
async fn scan_segment(
    writer: &Writer<'_>,
    segment: u32,
    segments: u32,
    as_of: DateTime<Utc>,
) -> Result<Aggregate, RecomputeError> {
    let Writer {
        store,
        settings,
        deadline,
        progress,
        ..
    } = *writer;
    let mut aggregate = Aggregate::new(as_of);
    let mut start = None;
    loop {
        deadline.check(settings.deadline_margin)?;
        let page = store
            .scan_catalog_page(segment, segments, start, settings.page_size)
            .await?;
        progress.pages.fetch_add(1, Ordering::Relaxed);
        for record in page.records {
            match record {
                CatalogRecord::Producer(producer) => aggregate.add_profile(producer),
                CatalogRecord::Track(stored) => {
                    aggregate.add_track(&stored.track);
                }
            }
        }
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    Ok(aggregate)
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
