//! Recompute runs: results written under a run id, published by moving one pointer.
//!
//! A run writes all its items (per-producer results, ranked boards) under its run id, each with
//! an `expiresAt` TTL, and only then moves the latest-run pointer in one conditional write that
//! succeeds only if the run is newer (in as-of time) than the published one. Readers follow the
//! pointer, so they see the previous run or the new one, never a mix; a replayed old event cannot
//! replace newer results; a run that dies before publishing leaves the pointer where it was, and
//! its items expire.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, WriteRequest};
use chrono::{DateTime, TimeDelta, Utc};
use contribution::ProducerId;

use table::access::{batch_put, if_absent};
use table::batch::BatchStats;
use table::pack::RunList;

use crate::runs::list_page::ListPage;
use results::lists::{Board, Period};
use results::run::{
    BoardEntry, PairTally, ProducerSummary, PublishedRun, RunMeta, RunPointer, TrendingPair,
};
use results::run_id::RunId;
use table::entity::{Entity, decode, encode};
use table::error::StoreError;
use table::items::runs::PUBLISHED_AS_OF;
use table::items::runs::{PairCountsPart, ProducerListEntry};

/// How long a run's items are kept after the run, by default.
pub const DEFAULT_RETENTION: TimeDelta = TimeDelta::days(7);

/// What publishing a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    /// The pointer names this run (now, or already: publishing is idempotent).
    Published,
    /// A later run is already published; nothing changed.
    AlreadyNewer(RunPointer),
}

/// The run id of a run as of `as_of` (see [`RunId::of`]).
pub fn run_id(as_of: DateTime<Utc>) -> RunId {
    RunId::of(as_of)
}

/// The `expiresAt` value (epoch seconds) of items of a run as of `as_of`.
pub fn expires_at(as_of: DateTime<Utc>, retention: TimeDelta) -> i64 {
    (as_of + retention).timestamp()
}

/// Where a run's items go: its id, and when they expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunScope {
    pub run_id: RunId,
    /// Epoch seconds (see [`expires_at`]).
    pub expires_at: i64,
}

impl crate::owners::Runs<'_> {
    /// The latest published run, if any (a strongly consistent read).
    pub async fn latest_run(&self) -> Result<Option<RunPointer>, StoreError> {
        Ok(self
            .table
            .get_entity::<PublishedRun>(&(), (), true)
            .await?
            .map(|p| RunPointer {
                run_id: p.run_id,
                as_of: p.as_of,
                baselines: p.baselines,
            }))
    }

    /// Moves the pointer to `run`, only forward in as-of time.
    pub async fn publish_run(
        &self,
        run: &RunPointer,
        now: DateTime<Utc>,
    ) -> Result<Publication, StoreError> {
        self.publish_counted_run(run, now, &BatchStats::default())
            .await
    }

    /// [`publish_run`](Self::publish_run), adding the capacity the write consumed to `stats`.
    pub async fn publish_counted_run(
        &self,
        run: &RunPointer,
        now: DateTime<Utc>,
        stats: &BatchStats,
    ) -> Result<Publication, StoreError> {
        let pointer = PublishedRun {
            run_id: run.run_id.clone(),
            as_of: run.as_of,
            as_of_millis: run.as_of.timestamp_millis(),
            published_at: now,
            baselines: run.baselines,
        };
        let result = self
            .table
            .client()
            .put_item()
            .table_name(self.table.name())
            .set_item(Some(encode(&pointer, &(), None)?))
            .condition_expression(format!("{} OR #asOf < :asOf", if_absent()))
            .expression_attribute_names("#asOf", PUBLISHED_AS_OF)
            .expression_attribute_values(
                ":asOf",
                AttributeValue::N(pointer.as_of_millis.to_string()),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                table::batch::count_consumed(stats, out.consumed_capacity());
                Ok(Publication::Published)
            }
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                // A re-sent request whose first send was applied (its answer lost on the way)
                // fails the condition against itself: that run is published, as asked.
                let current = self.latest_run().await?.unwrap_or_else(|| run.clone());
                if current.run_id == run.run_id {
                    return Ok(Publication::Published);
                }
                Ok(Publication::AlreadyNewer(current))
            }
            Err(e) => Err(StoreError::dynamo("PutItem")(e)),
        }
    }

    /// The pointer a run would have had, from its meta item: for a page sequence that began on
    /// `run` and continues after a later run was published. `None` when the run is incomplete or
    /// expired.
    pub async fn run_pointer_of(&self, run: &RunId) -> Result<Option<RunPointer>, StoreError> {
        Ok(self
            .run_item::<RunMeta>(run, ())
            .await?
            .map(|meta| RunPointer {
                run_id: meta.run_id,
                as_of: meta.as_of,
                baselines: meta.baselines,
            }))
    }

    /// [`run_pointer_of`](Self::run_pointer_of), only for a run that was published (its platform series point,
    /// written at publication, exists) and is older than `published` (a page sequence that began
    /// on it before a later publish): a crafted cursor naming a run that was never published, or
    /// one newer than the pointer, reads nothing (review N13).
    pub async fn published_run_pointer_of(
        &self,
        run: &RunId,
        published: &RunPointer,
    ) -> Result<Option<RunPointer>, StoreError> {
        let Some(pointer) = self.run_pointer_of(run).await? else {
            return Ok(None);
        };
        if pointer.as_of >= published.as_of {
            return Ok(None);
        }
        let was_published = self
            .table
            .get_entity::<results::run::PlatformPoint>(&(), run, false)
            .await?
            .is_some();
        Ok(was_published.then_some(pointer))
    }

    /// One result item of `run` by its key input (eventually consistent: results never change
    /// once published).
    pub async fn run_item<E: Entity<Scope = RunId>>(
        &self,
        run: &RunId,
        key: E::KeyInput<'_>,
    ) -> Result<Option<E>, StoreError> {
        self.table.get_entity::<E>(run, key, false).await
    }

    /// A page of one of `producer`'s lists (the entry type's) in `run`, or in the run a cursor
    /// names; `None` when the producer is not in the run. Every producer in a run has every list,
    /// and a list's first chunk is its head, so the first page proves the producer exists in the
    /// same query and says why an empty list is empty, when the run knows.
    pub async fn producer_list<E: ProducerListEntry>(
        &self,
        run: &RunId,
        producer: &ProducerId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Option<ListPage<E>>, StoreError> {
        self.list_page(
            run,
            RunList::Producer(producer, E::LIST),
            producer,
            limit,
            cursor,
        )
        .await
    }

    /// A page of `board` over `period` in `run` (or the cursor's run), in rank order.
    pub async fn board_page(
        &self,
        run: &RunId,
        board: Board,
        period: Period,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<ListPage<BoardEntry>, StoreError> {
        Ok(self
            .list_page(
                run,
                RunList::Board(board, period),
                &(board, period),
                limit,
                cursor,
            )
            .await?
            .unwrap_or_else(|| empty_page(run)))
    }

    /// A page of `run`'s (or the cursor's run's) trending collaborations, in rank order.
    pub async fn trending_page(
        &self,
        run: &RunId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<ListPage<TrendingPair>, StoreError> {
        Ok(self
            .list_page(run, RunList::Trending, &(), limit, cursor)
            .await?
            .unwrap_or_else(|| empty_page(run)))
    }

    /// The summaries of `producers` in `run` (those it has), by producer.
    pub async fn run_summaries(
        &self,
        run: &RunId,
        producers: &[ProducerId],
    ) -> Result<std::collections::HashMap<ProducerId, ProducerSummary>, StoreError> {
        let keys = producers
            .iter()
            .map(|id| ProducerSummary::primary_key(run, id).item())
            .collect();
        self.table
            .get_all(keys)
            .await?
            .into_iter()
            .map(|item| decode::<ProducerSummary>(item).map(|s| (s.producer_id.clone(), s)))
            .collect()
    }

    /// Calls `each` with every pair count a run wrote (none for a run that wrote none), a part
    /// at a time, so a reader never holds them all.
    pub async fn each_run_pair(
        &self,
        run: &RunId,
        mut each: impl FnMut(PairTally),
    ) -> Result<(), StoreError> {
        self.table
            .each_in_partition(
                PairCountsPart::primary_key(run, 0).pk,
                4,
                |part: PairCountsPart| {
                    part.rows.into_iter().for_each(&mut each);
                    Ok(())
                },
            )
            .await
    }

    /// A batch put of one of a run's items, for a writer that gathers many kinds into one stream
    /// ([`Store::write_requests`]).
    pub(crate) fn run_put<E: Entity<Scope = RunId>>(
        run: &RunScope,
        item: &E,
    ) -> Result<WriteRequest, StoreError> {
        batch_put(item, &run.run_id, Some(run.expires_at))
    }

    /// Sends gathered write requests in batches, retrying unprocessed items until all are in.
    pub(crate) async fn write_requests(
        &self,
        requests: Vec<WriteRequest>,
        stats: &BatchStats,
    ) -> Result<(), StoreError> {
        self.table.write_all(requests, stats).await
    }
}

/// The page of a list a run has none of (a ranked list, before it had entries).
fn empty_page<T>(run: &RunId) -> ListPage<T> {
    ListPage {
        run: run.clone(),
        items: Vec::new(),
        next_cursor: None,
        empty_because: None,
    }
}
