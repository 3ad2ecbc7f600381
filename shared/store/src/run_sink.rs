//! The one writer of a run's results: plain values in, chunk items and batch puts out.
//!
//! The recompute computes domain values (a producer's summary and lists, each board, the
//! trending pairs, the pair counts) and hands them here; [`RunSink`] turns each list into its
//! chunk items (`crate::chunks`) and every item into a batch put under the run's scope, and
//! passes the puts to a [`RequestSink`]: the recompute's batching writer (deadline checks,
//! retries, consumed capacity), or `cargo xtask simulate`'s counter, which weighs them and drops
//! them. Both therefore write exactly the same items.

use std::future::Future;

use aws_sdk_dynamodb::types::WriteRequest;

use crate::Store;
use crate::chunks::{EmptyBecause, Packed, PackedList, PartPacker, RunList};
use crate::entity::Entity;
use crate::error::StoreError;
use crate::lists::{Board, Period};
use crate::run_items::{
    BoardEntry, Collaborator, Contribution, PairCountsPart, PairTally, ProducerListEntry,
    ProducerSummary, Recommendation, RunId, TrendingPair,
};
use crate::runs::RunScope;
use crate::series::{ProducerPoint, point_put};
use crate::write::put_request;

/// Where a run's batch puts go.
pub trait RequestSink {
    type Error: From<StoreError>;

    /// Takes one put (a writer may hold it until it has a batch).
    fn send(
        &mut self,
        request: WriteRequest,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// One producer's results in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerResults {
    pub summary: ProducerSummary,
    /// In track-id order.
    pub contributions: Vec<Contribution>,
    /// Most tracks together first, then by id.
    pub collaborators: Vec<Collaborator>,
    /// Best first.
    pub recommendations: Vec<Recommendation>,
    /// Why there are no recommendations, when the run knows.
    pub no_recommendations_because: Option<EmptyBecause>,
    /// The producer's point in their series (kept beyond the run's own items).
    pub point: ProducerPoint,
}

/// Turns a run's results into its items, in the order given, and sends them.
pub struct RunSink<S> {
    scope: RunScope,
    sink: S,
    items: u64,
}

impl<S: RequestSink + Send> RunSink<S> {
    pub fn new(scope: RunScope, sink: S) -> Self {
        Self {
            scope,
            sink,
            items: 0,
        }
    }

    pub fn run_id(&self) -> &RunId {
        &self.scope.run_id
    }

    /// Items sent so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    /// The sink, to flush or read.
    pub fn sink(&mut self) -> &mut S {
        &mut self.sink
    }

    pub fn into_sink(self) -> S {
        self.sink
    }

    /// One item of the run (a summary, the meta).
    pub async fn item<E: Entity<Scope = RunId> + Sync>(
        &mut self,
        item: &E,
    ) -> Result<(), S::Error> {
        let put = Store::run_put(&self.scope, item)?;
        self.send(put).await
    }

    /// A producer's summary and lists.
    pub async fn producer(&mut self, results: &ProducerResults) -> Result<(), S::Error> {
        let owner = &results.summary.producer_id;
        self.item(&results.summary).await?;
        let point = point_put(&results.point)?;
        self.send(point).await?;
        self.producer_list(owner, &results.contributions, None)
            .await?;
        self.producer_list(owner, &results.collaborators, None)
            .await?;
        self.producer_list(
            owner,
            &results.recommendations,
            results.no_recommendations_because,
        )
        .await
    }

    async fn producer_list<T: ProducerListEntry + Sync>(
        &mut self,
        owner: &contribution::ProducerId,
        entries: &[T],
        empty_because: Option<EmptyBecause>,
    ) -> Result<(), S::Error> {
        self.list(RunList::Producer(owner, T::LIST), entries, empty_because)
            .await
    }

    /// A board over a period, rank 1 first.
    pub async fn board(
        &mut self,
        board: Board,
        period: Period,
        entries: &[BoardEntry],
    ) -> Result<(), S::Error> {
        self.list(RunList::Board(board, period), entries, None)
            .await
    }

    /// The trending pairs, rank 1 first.
    pub async fn trending(&mut self, pairs: &[TrendingPair]) -> Result<(), S::Error> {
        self.list(RunList::Trending, pairs, None).await
    }

    /// The pair counts the next run compares against, packed as they come.
    pub async fn pairs(
        &mut self,
        pairs: impl Iterator<Item = PairTally> + Send,
    ) -> Result<(), S::Error> {
        let mut packer = PartPacker::default();
        let mut part = 0;
        for pair in pairs {
            if let Some(rows) = packer.add(pair)? {
                self.pair_part(&mut part, rows).await?;
            }
        }
        if let Some(rows) = packer.finish() {
            self.pair_part(&mut part, rows).await?;
        }
        Ok(())
    }

    async fn pair_part(&mut self, part: &mut u32, rows: Vec<PairTally>) -> Result<(), S::Error> {
        let item = PairCountsPart {
            run_id: self.scope.run_id.clone(),
            part: *part,
            rows,
        };
        *part += 1;
        self.item(&item).await
    }

    async fn list<T: Packed + Sync>(
        &mut self,
        list: RunList<'_>,
        entries: &[T],
        empty_because: Option<EmptyBecause>,
    ) -> Result<(), S::Error> {
        let items = PackedList::pack(list, entries, empty_because)?.items(
            list,
            T::ENTITY,
            &self.scope.run_id,
            self.scope.expires_at,
        )?;
        for item in items {
            self.send(put_request(item)).await?;
        }
        Ok(())
    }

    async fn send(&mut self, put: WriteRequest) -> Result<(), S::Error> {
        self.items += 1;
        self.sink.send(put).await
    }
}

/// A [`RequestSink`] that writes straight to the table, a batch at a time: for tools and tests
/// that write a run's items without the recompute's deadline and progress bookkeeping.
pub struct TableSink<'a> {
    store: &'a Store,
    stats: &'a crate::batch::BatchStats,
    pending: Vec<WriteRequest>,
}

impl<'a> TableSink<'a> {
    pub fn new(store: &'a Store, stats: &'a crate::batch::BatchStats) -> Self {
        Self {
            store,
            stats,
            pending: Vec::new(),
        }
    }

    /// Writes what is pending.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut self.pending);
        self.store.write_requests(batch, self.stats).await
    }
}

impl RequestSink for TableSink<'_> {
    type Error = StoreError;

    async fn send(&mut self, request: WriteRequest) -> Result<(), StoreError> {
        self.pending.push(request);
        if self.pending.len() >= 100 {
            self.flush().await?;
        }
        Ok(())
    }
}
