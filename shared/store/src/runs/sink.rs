//! The one writer of a run's results: plain values in, chunk items and batch puts out.
//!
//! The recompute computes domain values (a producer's summary and lists, each board, the
//! trending pairs, the pair counts, the play counters, the meta) and hands them here; [`RunSink`]
//! turns each list into its chunk items (`table::pack`) and every item into a put under the
//! run's scope ([`RunPut`], opaque outside the store), and passes the puts to a [`RequestSink`]:
//! the store's overlapped batch writer (`crate::runs::writer`, with the run's deadline and
//! progress), [`TableSink`] for tools and tests, or `cargo xtask simulate`'s counter, which
//! weighs them (`RunPut::write_units`, a tools-only method) and drops them. All therefore make exactly the same
//! items.

use std::future::Future;

use aws_sdk_dynamodb::types::WriteRequest;
use contribution::ProducerId;
use results::run::PlayCounters;

use crate::Store;
use crate::runs::counters::COUNTER_RETENTION;
use crate::runs::published::RunScope;
use crate::runs::series::point_put;
use results::lists::{Board, Period};
use results::run::{BoardEntry, EmptyBecause, PairTally, ProducerResults, TrendingPair};
use results::run_id::RunId;
use table::access::batch_put;
use table::entity::{ENTITY_ATTRIBUTE, Entity, string_attribute};
use table::error::StoreError;
use table::items::runs::{CounterSnapshot, PairCountsPart, ProducerListEntry, pack_counters};
use table::pack::{Packed, PackedList, PartPacker, RunList};
use table::write::put_request;

/// One put of a run's item, as the table will store it.
pub struct RunPut(pub(crate) WriteRequest);

impl RunPut {
    fn item(&self) -> Option<&table::entity::Item> {
        self.0.put_request().map(|p| p.item())
    }

    /// The item's kind (its `entity` attribute).
    pub fn entity(&self) -> &str {
        self.item()
            .and_then(|item| string_attribute(item, ENTITY_ATTRIBUTE))
            .unwrap_or_default()
    }

    /// The write units the put costs, by DynamoDB's size rules (for estimates: `cargo xtask
    /// simulate`).
    #[cfg(feature = "tools")]
    pub fn write_units(&self) -> u64 {
        self.item().map_or(0, table::size::write_units)
    }
}

/// Where a run's puts go.
pub trait RequestSink {
    type Error: From<StoreError>;

    /// Takes one put (a writer may hold it until it has a batch).
    fn send(&mut self, put: RunPut) -> impl Future<Output = Result<(), Self::Error>> + Send;
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
        let put = crate::owners::Runs::run_put(&self.scope, item)?;
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

    /// The run's play counters, for later runs' window boards: packed many producers to a part,
    /// each part kept [`COUNTER_RETENTION`] (longer than the run). Returns the snapshot's index
    /// entry, which [`RunSink::counter_index`] writes once every part is in.
    pub async fn counters<'a>(
        &mut self,
        counters: impl IntoIterator<Item = (&'a ProducerId, PlayCounters)>,
    ) -> Result<CounterSnapshot, S::Error> {
        let run = self.scope.run_id.clone();
        let as_of = run.as_of();
        let expires = Some((as_of + COUNTER_RETENTION).timestamp());
        let mut producers = 0;
        let counted = counters.into_iter().inspect(|_| producers += 1);
        let parts = pack_counters(&run, counted)?;
        for part in &parts {
            let put = batch_put(part, &run, expires)?;
            self.send(put).await?;
        }
        Ok(CounterSnapshot {
            run_id: run,
            as_of,
            parts: parts.len() as u32,
            producers,
        })
    }

    /// The index entry that makes a counter snapshot findable (after its parts).
    pub async fn counter_index(&mut self, snapshot: &CounterSnapshot) -> Result<(), S::Error> {
        let expires = Some((snapshot.as_of + COUNTER_RETENTION).timestamp());
        let put = batch_put(snapshot, &(), expires)?;
        self.send(put).await
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
        self.sink.send(RunPut(put)).await
    }
}

/// A [`RequestSink`] that writes straight to the table, a batch at a time: for tools and tests
/// that write a run's items without the recompute's deadline and progress bookkeeping.
pub struct TableSink<'a> {
    store: &'a Store,
    stats: &'a table::batch::BatchStats,
    pending: Vec<WriteRequest>,
}

impl<'a> TableSink<'a> {
    pub fn new(store: &'a Store, stats: &'a table::batch::BatchStats) -> Self {
        Self {
            store,
            stats,
            pending: Vec::new(),
        }
    }

    /// Writes what is pending.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut self.pending);
        self.store.runs().write_requests(batch, self.stats).await
    }
}

impl RequestSink for TableSink<'_> {
    type Error = StoreError;

    async fn send(&mut self, put: RunPut) -> Result<(), StoreError> {
        self.pending.push(put.0);
        if self.pending.len() >= 100 {
            self.flush().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use contribution::ProducerId;
    use results::run::PairTally;
    use results::run_id::RunId;
    use table::items::runs::PairCountsPart;
    use table::pack::PART_BYTES;
    use table::size::item_size;

    fn id(i: usize) -> ProducerId {
        ProducerId::parse(format!("producer-{i}")).expect("id")
    }

    fn run_id_text(text: &str) -> RunId {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).expect("a run id")
    }

    /// Keeps every put a run sink sends, as the table would store it.
    struct Kept(Vec<table::entity::Item>);

    impl super::RequestSink for Kept {
        type Error = crate::StoreError;

        async fn send(&mut self, put: super::RunPut) -> Result<(), Self::Error> {
            let put = put.0.put_request().expect("the run sink only puts");
            self.0.push(put.item().clone());
            Ok(())
        }
    }

    #[tokio::test]
    async fn pair_counts_round_trip_through_parts() {
        let run = run_id_text("20261121T000000.000Z");
        let pairs: Vec<PairTally> = (0..30_000)
            .map(|i| PairTally {
                a: id(i),
                b: id(i + 1),
                tracks: i as u32 % 7 + 1,
                plays: i as u64 * 1_000_003,
            })
            .collect();
        let scope = crate::runs::published::RunScope {
            run_id: run.clone(),
            expires_at: 0,
        };
        let mut sink = super::RunSink::new(scope, Kept(Vec::new()));
        sink.pairs(pairs.clone().into_iter()).await.expect("packs");
        let items = sink.into_sink().0;
        let parts: Vec<PairCountsPart> = items
            .iter()
            .map(|i| table::entity::decode::<PairCountsPart>(i.clone()).expect("decodes"))
            .collect();
        assert!(parts.len() > 1, "30,000 pairs span parts");
        assert_eq!(
            parts.iter().map(|p| p.part).collect::<Vec<_>>(),
            (0..parts.len() as u32).collect::<Vec<_>>()
        );
        assert!(items.iter().all(|i| item_size(i) < PART_BYTES + 1024));
        let back: Vec<PairTally> = parts.into_iter().flat_map(|p| p.rows).collect();
        assert_eq!(back, pairs);
    }
}
