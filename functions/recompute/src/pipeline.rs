//! The run's result writes, overlapped with making the results.
//!
//! Making a run's items is CPU work and writing them is waiting on DynamoDB; done in turn (make
//! a flush, wait for it, make the next) the run took ~3× as long to write its items as a bare
//! batch write of the same bytes. Here the maker ([`BatchQueue`], the [`RequestSink`] the
//! store's run sink sends to) closes batches of at most [`WRITE_BATCH`] items or
//! [`BATCH_BYTES`], and queues them; the writer ([`write_queued`]) sends up to
//! [`DEFAULT_CONCURRENCY`] at once, retrying unprocessed items, while the maker goes on.
//!
//! Memory stays bounded by bytes, not batch counts: the SDK holds an item's typed rows at ~15–20
//! times their stored size, so a batch takes its size from a [`IN_FLIGHT_BYTES`] budget when it
//! is queued and gives it back once written. A pair-count part of ~300 KB therefore waits for
//! room rather than piling up with others.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::{StreamExt, TryStreamExt, stream};
use store::Store;
use store::batch::{BatchStats, DEFAULT_CONCURRENCY, WRITE_BATCH, WriteRequest};
use store::run_sink::RequestSink;
use store::size::item_size;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::error::RecomputeError;
use crate::run::{Deadline, RunProgress};

/// A batch closes at this many bytes of items (by DynamoDB's sizes) if it has not reached
/// [`WRITE_BATCH`] items: chunk items are ~2 KB, so most batches are full.
pub const BATCH_BYTES: usize = 128 << 10;
/// Bytes of items queued or being written at once (KiB-granular).
pub const IN_FLIGHT_BYTES: usize = 1 << 20;
const BUDGET_KIB: u32 = (IN_FLIGHT_BYTES >> 10) as u32;

/// One closed batch, holding its share of the byte budget until it is written.
pub struct QueuedBatch {
    requests: Vec<WriteRequest>,
    room: OwnedSemaphorePermit,
}

/// The maker's end: gathers puts into batches and queues them for [`write_queued`].
pub struct BatchQueue {
    queue: mpsc::Sender<QueuedBatch>,
    budget: Arc<Semaphore>,
    batch: Vec<WriteRequest>,
    batch_bytes: usize,
}

/// A queue and the writer's end of it.
pub fn batch_queue() -> (BatchQueue, mpsc::Receiver<QueuedBatch>) {
    let (queue, batches) = mpsc::channel(DEFAULT_CONCURRENCY);
    let sender = BatchQueue {
        queue,
        budget: Arc::new(Semaphore::new(BUDGET_KIB as usize)),
        batch: Vec::with_capacity(WRITE_BATCH),
        batch_bytes: 0,
    };
    (sender, batches)
}

impl BatchQueue {
    async fn push(&mut self, request: WriteRequest) -> Result<(), RecomputeError> {
        self.batch_bytes += request.put_request().map_or(0, |p| item_size(p.item()));
        self.batch.push(request);
        if self.batch.len() >= WRITE_BATCH || self.batch_bytes >= BATCH_BYTES {
            self.close_batch().await?;
        }
        Ok(())
    }

    async fn close_batch(&mut self) -> Result<(), RecomputeError> {
        let requests = std::mem::replace(&mut self.batch, Vec::with_capacity(WRITE_BATCH));
        let kib = (self.batch_bytes.div_ceil(1 << 10) as u32).clamp(1, BUDGET_KIB);
        self.batch_bytes = 0;
        let room = Arc::clone(&self.budget)
            .acquire_many_owned(kib)
            .await
            .map_err(|_| RecomputeError::WriterStopped)?;
        self.queue
            .send(QueuedBatch { requests, room })
            .await
            .map_err(|_| RecomputeError::WriterStopped)
    }

    /// Queues what is left and closes the queue (the writer then drains and ends).
    pub async fn finish(mut self) -> Result<(), RecomputeError> {
        if !self.batch.is_empty() {
            self.close_batch().await?;
        }
        Ok(())
    }
}

impl RequestSink for BatchQueue {
    type Error = RecomputeError;

    fn send(
        &mut self,
        request: WriteRequest,
    ) -> impl std::future::Future<Output = Result<(), RecomputeError>> + Send {
        self.push(request)
    }
}

/// Where and under which limits the writer writes.
pub struct WriteTarget<'a> {
    pub store: &'a Store,
    pub deadline: Deadline,
    pub deadline_margin: std::time::Duration,
    pub progress: &'a RunProgress,
}

/// Writes every queued batch, [`DEFAULT_CONCURRENCY`] at once, until the queue is closed and
/// drained. The deadline is checked before each batch. On an error it stops (dropping the
/// queue's end, so the maker's next send fails with [`RecomputeError::WriterStopped`]).
pub async fn write_queued(
    target: &WriteTarget<'_>,
    batches: mpsc::Receiver<QueuedBatch>,
) -> Result<(), RecomputeError> {
    let stats: &BatchStats = &target.progress.batches;
    stream::unfold(batches, |mut batches| async move {
        batches.recv().await.map(|batch| (batch, batches))
    })
    .map(|batch| async move {
        let QueuedBatch { requests, room } = batch;
        target.deadline.check(target.deadline_margin)?;
        let count = requests.len() as u64;
        target.store.write_requests(requests, stats).await?;
        target
            .progress
            .items_written
            .fetch_add(count, Ordering::Relaxed);
        drop(room);
        Ok::<_, RecomputeError>(())
    })
    .buffer_unordered(DEFAULT_CONCURRENCY)
    .try_collect::<()>()
    .await
}
