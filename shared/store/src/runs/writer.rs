//! A run's writes, overlapped with making them: the one path every item of a run takes to the
//! table.
//!
//! Making a run's items is CPU work and writing them is waiting on DynamoDB; done in turn (make
//! a flush, wait for it, make the next) the run took ~3× as long to write its items as a bare
//! batch write of the same bytes. [`store.runs().write_run`](crate::owners::Runs::write_run) runs the maker (a closure handed a
//! [`RunSink`] over a [`RunBatches`] queue) beside the writer: the queue closes batches of at
//! most [`WRITE_BATCH`] items or [`BATCH_BYTES`], and the writer sends up to
//! [`DEFAULT_CONCURRENCY`] at once, retrying unprocessed items, while the maker goes on.
//!
//! Memory stays bounded by bytes, not batch counts: the SDK holds an item's typed rows at ~15–20
//! times their stored size, so a batch takes its size from an [`IN_FLIGHT_BYTES`] budget when it
//! is queued and gives it back once written. A pair-count part of ~300 KB therefore waits for
//! room rather than piling up with others.
//!
//! The run's own limits come in through a [`RunGuard`] (its deadline, its progress counters), so
//! the batching, the weighing and the SDK's requests stay in the store.

use std::sync::Arc;

use aws_sdk_dynamodb::types::WriteRequest;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::Store;

use crate::runs::published::{Publication, RunScope};
use crate::runs::sink::{RequestSink, RunPut, RunSink};
use results::run::RunPointer;
use table::batch::{BatchStats, DEFAULT_CONCURRENCY, WRITE_BATCH};
use table::error::StoreError;
use table::size::item_size;

/// A batch closes at this many bytes of items (by DynamoDB's sizes) if it has not reached
/// [`WRITE_BATCH`] items: chunk items are ~2 KB, so most batches are full.
pub const BATCH_BYTES: usize = 128 << 10;
/// Bytes of items queued or being written at once (KiB-granular).
pub const IN_FLIGHT_BYTES: usize = 1 << 20;
const BUDGET_KIB: u32 = (IN_FLIGHT_BYTES >> 10) as u32;

/// What the writer asks of the run it writes for.
pub trait RunGuard: Sync {
    /// The run's error; the writer's own failures become one.
    type Stop: From<StoreError> + Send;

    /// Called before each batch is sent: an error stops the run (its deadline is near).
    fn check(&self) -> Result<(), Self::Stop>;

    /// Where each batch's consumed capacity and retries are counted.
    fn stats(&self) -> &BatchStats;

    /// Called once each batch is in, with its item count.
    fn written(&self, items: u64);
}

/// One closed batch, holding its share of the byte budget until it is written.
struct QueuedBatch {
    requests: Vec<WriteRequest>,
    room: OwnedSemaphorePermit,
}

/// The maker's end of [`write_run`](crate::owners::Runs::write_run): gathers puts into batches and queues them.
pub struct RunBatches {
    queue: mpsc::Sender<QueuedBatch>,
    budget: Arc<Semaphore>,
    batch: Vec<WriteRequest>,
    batch_bytes: usize,
}

fn batch_queue() -> (RunBatches, mpsc::Receiver<QueuedBatch>) {
    let (queue, batches) = mpsc::channel(DEFAULT_CONCURRENCY);
    let sender = RunBatches {
        queue,
        budget: Arc::new(Semaphore::new(BUDGET_KIB as usize)),
        batch: Vec::with_capacity(WRITE_BATCH),
        batch_bytes: 0,
    };
    (sender, batches)
}

impl RunBatches {
    async fn push(&mut self, request: WriteRequest) -> Result<(), StoreError> {
        self.batch_bytes += request.put_request().map_or(0, |p| item_size(p.item()));
        self.batch.push(request);
        if self.batch.len() >= WRITE_BATCH || self.batch_bytes >= BATCH_BYTES {
            self.close_batch().await?;
        }
        Ok(())
    }

    async fn close_batch(&mut self) -> Result<(), StoreError> {
        let requests = std::mem::replace(&mut self.batch, Vec::with_capacity(WRITE_BATCH));
        let kib = (self.batch_bytes.div_ceil(1 << 10) as u32).clamp(1, BUDGET_KIB);
        self.batch_bytes = 0;
        let room = Arc::clone(&self.budget)
            .acquire_many_owned(kib)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        self.queue
            .send(QueuedBatch { requests, room })
            .await
            .map_err(|_| StoreError::WriterStopped)
    }

    /// Queues what is left and closes the queue (the writer then drains and ends).
    async fn finish(mut self) -> Result<(), StoreError> {
        if !self.batch.is_empty() {
            self.close_batch().await?;
        }
        Ok(())
    }
}

impl RequestSink for RunBatches {
    type Error = StoreError;

    fn send(
        &mut self,
        put: RunPut,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send {
        self.push(put.0)
    }
}

impl crate::owners::Runs<'_> {
    /// Runs `make` against a sink of run `scope` whose items are written as they come; returns
    /// what `make` returned and how many items it made, once all of them are written. On an
    /// error (the guard's, the table's, the maker's) nothing more is sent.
    pub async fn write_run<G: RunGuard, T>(
        &self,
        scope: RunScope,
        guard: &G,
        make: impl AsyncFnOnce(&mut RunSink<RunBatches>) -> Result<T, G::Stop>,
    ) -> Result<(T, u64), G::Stop> {
        let (queue, batches) = batch_queue();
        let maker = async {
            let mut sink = RunSink::new(scope, queue);
            let made = make(&mut sink).await?;
            let items = sink.items();
            sink.into_sink().finish().await?;
            Ok::<_, G::Stop>((made, items))
        };
        let store: &Store = self;
        let (made, ()) = tokio::try_join!(maker, write_queued(store, guard, batches))?;
        Ok(made)
    }
}

impl crate::owners::Runs<'_> {
    /// Publishes the run `pointer` names (see [`publish_counted_run`](crate::owners::Runs::publish_counted_run)) as the last write
    /// of its writer: the guard is asked first, so a run whose deadline is near does not
    /// publish, and the write's units are counted with the run's batches.
    pub async fn publish_guarded<G: RunGuard>(
        &self,
        guard: &G,
        pointer: &RunPointer,
        now: DateTime<Utc>,
    ) -> Result<Publication, G::Stop> {
        guard.check()?;
        Ok(self
            .publish_counted_run(pointer, now, guard.stats())
            .await?)
    }
}

/// Writes every queued batch, [`DEFAULT_CONCURRENCY`] at once, until the queue is closed and
/// drained, asking the guard before each. On an error it stops (dropping the queue's end, so
/// the maker's next send fails with [`StoreError::WriterStopped`]).
async fn write_queued<G: RunGuard>(
    store: &Store,
    guard: &G,
    batches: mpsc::Receiver<QueuedBatch>,
) -> Result<(), G::Stop> {
    stream::unfold(batches, |mut batches| async move {
        batches.recv().await.map(|batch| (batch, batches))
    })
    .map(|batch| async move {
        let QueuedBatch { requests, room } = batch;
        guard.check()?;
        let count = requests.len() as u64;
        store.table.write_all(requests, guard.stats()).await?;
        guard.written(count);
        drop(room);
        Ok::<_, G::Stop>(())
    })
    .buffer_unordered(DEFAULT_CONCURRENCY)
    .try_collect::<()>()
    .await
}
