//! Figures over time: one point per run for each producer, and one for the platform.
//!
//! A run's own results live 7 days; a dashboard's chart needs up to 400. Each run therefore also
//! writes, for every producer it has results for, one small item ([`ProducerPoint`], under 1 KB:
//! one write unit) in the producer's series partition, and, once published, one
//! [`PlatformPoint`] in the platform's. Both are keyed by run id, so a re-run overwrites its own
//! point, and expire after [`SERIES_RETENTION`].
//!
//! Per-run items rather than one item per producer per month: a month item grows with every
//! run and each append rewrites all of it (a four-hourly schedule would bill ~6 units a producer
//! a run by the month's end), while a point costs one unit whatever came before. A series of 400
//! daily points is ~60 KB: one Query page.
//!
//! A producer's point is written before its run is published; a run that never publishes leaves
//! points no published run stands for. Readers therefore keep only the points whose run has a
//! platform point, which is written only after the pointer moved ([`producer_series`](crate::owners::Runs::producer_series)).

use chrono::{DateTime, TimeDelta, Utc};
use contribution::ProducerId;

use aws_sdk_dynamodb::types::WriteRequest;
use results::run::{PlatformPoint, ProducerPoint};
use results::run_id::RunId;
use table::access::batch_put;
use table::entity::{Entity, encode};
use table::error::StoreError;
use table::keys;
use table::page::{Page, PageQuery, SortRange};

/// How long a series point is kept after its run: the longest range a reader may ask for
/// (400 days), and a day.
pub const SERIES_RETENTION: TimeDelta = TimeDelta::days(401);

/// The longest range a series may be asked for, in days.
pub const MAX_SERIES_DAYS: u32 = 400;

/// The most points a series answer holds: the newest ones in range. A daily schedule gives at
/// most 400 (`MAX_SERIES_DAYS`); only a schedule more frequent than 2.5 runs a day is capped.
pub const MAX_SERIES_POINTS: usize = 1_000;

/// The `expiresAt` of a point of a run as of `as_of`.
fn expires(as_of: DateTime<Utc>) -> i64 {
    (as_of + SERIES_RETENTION).timestamp()
}

/// The batch put of a producer's point (the run's writer sends it with the run's results).
pub(crate) fn point_put(point: &ProducerPoint) -> Result<WriteRequest, StoreError> {
    batch_put(point, &(), Some(expires(point.as_of)))
}

/// The run ids bounding points as of `from` to `to`, inclusive.
fn run_range(from: DateTime<Utc>, to: DateTime<Utc>) -> (String, String) {
    (
        keys::series_sk(&RunId::of(from)),
        keys::series_sk(&RunId::of(to)),
    )
}

impl crate::owners::Runs<'_> {
    /// Records a published run's platform figures (after its pointer moved).
    pub async fn put_platform_point(&self, point: &PlatformPoint) -> Result<(), StoreError> {
        self.table
            .client()
            .put_item()
            .table_name(self.table.name())
            .set_item(Some(encode(point, &(), Some(expires(point.as_of)))?))
            .send()
            .await
            .map_err(StoreError::dynamo("PutItem"))?;
        Ok(())
    }

    /// The platform's points as of `from` to `to`, oldest first.
    pub async fn platform_series(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PlatformPoint>, StoreError> {
        self.series_between(keys::PLATFORM_SERIES_PK.to_owned(), from, to)
            .await
    }

    /// A producer's points as of `from` to `to`, oldest first, of published runs only.
    pub async fn producer_series(
        &self,
        producer: &ProducerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ProducerPoint>, StoreError> {
        let (points, published) = tokio::try_join!(
            self.series_between::<ProducerPoint>(keys::series_pk(producer), from, to),
            self.platform_series(from, to),
        )?;
        let mut published = published.into_iter().map(|p| p.run_id).peekable();
        // Both are in run-id order: keep the points whose run was published.
        Ok(points
            .into_iter()
            .filter(|point| {
                while published.next_if(|run| *run < point.run_id).is_some() {}
                published.peek() == Some(&point.run_id)
            })
            .collect())
    }

    /// The items of a series partition whose run is as of `from` to `to`, oldest first: the
    /// newest [`MAX_SERIES_POINTS`] of them at most (review N11: a schedule more frequent than
    /// daily would otherwise make a 400-day read unbounded in reads and in the answer's size).
    async fn series_between<T: Entity>(
        &self,
        partition: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<T>, StoreError> {
        let (first, last) = run_range(from, to);
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        while items.len() < MAX_SERIES_POINTS {
            let page: Page<T> = self
                .table
                .query_page(PageQuery {
                    index: None,
                    partition: partition.clone(),
                    sort: SortRange::Between {
                        from: &first,
                        to: &last,
                    },
                    backwards: true,
                    limit: (MAX_SERIES_POINTS - items.len()).min(1_000) as u32,
                    cursor: cursor.as_deref(),
                })
                .await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        items.reverse();
        Ok(items)
    }
}
