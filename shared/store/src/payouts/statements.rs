//! Payout access patterns: a period's split and roster, its open statements (the only ones the
//! hourly step reads), each producer's statements, and the conditional moves of a statement's
//! status.
//!
//! Every status move is a put conditional on the revision the mover read, so two movers (a
//! retried invocation and the hourly step) can never both win, and a statement only ever moves
//! forward (`contribution::statement::StatementStatus::may_move_to`, checked before the write).

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use contribution::ProducerId;
use contribution::statement::PayoutPeriod;

use results::payout::{PayoutSplit, PayoutStatement};
use table::access::{batch_delete, batch_put, if_absent};
use table::batch::BatchStats;
use table::entity::{Entity, decode, encode};
use table::error::StoreError;
use table::items::payouts::{OpenStatement, PayoutRosterPart};
use table::keys;
use table::page::{Page, PageQuery, SortRange};

/// Open-statement markers encoded and written at once.
const MARKERS_AT_ONCE: usize = 2_000;

/// What asking to start a period's split found.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitStart {
    /// This split is now the period's.
    Started,
    /// The period already has a split (this one, retried, or another).
    Exists(Box<PayoutSplit>),
}

/// What a conditional write (a split claimed or replaced, a statement moved) did.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    Done,
    /// Someone else moved the statement first: read it again.
    Lost,
}

impl crate::owners::Payouts<'_> {
    /// The period's split, if one was started (consistent).
    pub async fn payout_split(
        &self,
        period: PayoutPeriod,
    ) -> Result<Option<PayoutSplit>, StoreError> {
        self.table
            .get_entity::<PayoutSplit>(&(), period, true)
            .await
    }

    /// Records `split` as the period's, unless the period already has one.
    pub async fn start_split(&self, split: &PayoutSplit) -> Result<SplitStart, StoreError> {
        let written = self
            .conditional_put(|| {
                Ok(self
                    .table
                    .client()
                    .put_item()
                    .table_name(self.table.name())
                    .set_item(Some(encode(split, &(), None)?))
                    .condition_expression(if_absent()))
            })
            .await?;
        if written == Moved::Done {
            return Ok(SplitStart::Started);
        }
        let existing =
            self.payout_split(split.period)
                .await?
                .ok_or_else(|| StoreError::Contended {
                    what: format!("the payout split of {}", split.period),
                    attempts: 1,
                })?;
        Ok(SplitStart::Exists(Box::new(existing)))
    }

    /// Writes a split's statements, roster and open-statement markers, while the split is
    /// `Splitting` and this invocation holds its claim. The markers go first (an open statement
    /// always has one). Each statement is a put conditional on it never having moved (absent,
    /// revision 0, or voided with an earlier split of the period), so a writer that lost its claim
    /// can never reset a statement a sender already moved; such a statement is left as it is and
    /// counted in the answer. Statements are written `concurrency` at a time; the rest in
    /// batches.
    pub async fn put_statements(
        &self,
        statements: &[PayoutStatement],
        roster: &[PayoutRosterPart],
        concurrency: usize,
        stats: &BatchStats,
    ) -> Result<u64, StoreError> {
        use futures_util::{StreamExt, TryStreamExt, stream};
        // Encoded and written a chunk at a time: a month's markers at once would hold every
        // encoded item (BENCHMARKS.md, "Payouts").
        for chunk in statements.chunks(MARKERS_AT_ONCE) {
            let markers = chunk
                .iter()
                .filter(|s| !s.status.is_final())
                .map(|s| {
                    let marker = OpenStatement {
                        period: s.period,
                        producer_id: s.producer_id.clone(),
                    };
                    batch_put(&marker, &(), None)
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            self.table.write_all(markers, stats).await?;
        }
        let moved_on: u64 = stream::iter(statements)
            .map(|statement| self.put_unmoved_statement(statement))
            .buffer_unordered(concurrency.max(1))
            .try_fold(
                0u64,
                |n, written| async move { Ok(n + u64::from(!written)) },
            )
            .await?;
        let requests = roster
            .iter()
            .map(|part| batch_put(part, &(), None))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.table.write_all(requests, stats).await?;
        Ok(moved_on)
    }

    /// Puts a statement unless it exists and has moved; `false` when it had.
    async fn put_unmoved_statement(&self, statement: &PayoutStatement) -> Result<bool, StoreError> {
        let result = self
            .conditional_put(|| {
                Ok(self
                    .table
                    .client()
                    .put_item()
                    .table_name(self.table.name())
                    .set_item(Some(encode(statement, &(), None)?))
                    .condition_expression(format!(
                        "{} OR revision = :zero OR #status = :voided",
                        if_absent()
                    ))
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":zero", AttributeValue::N("0".to_owned()))
                    .expression_attribute_values(":voided", AttributeValue::S("voided".to_owned())))
            })
            .await?;
        Ok(result == Moved::Done)
    }

    /// Writes `next` over the split read as `current`, only if no one wrote it since (its
    /// revision is still `current.revision`). `next.revision` is set here.
    pub async fn replace_split(
        &self,
        current: &PayoutSplit,
        next: &mut PayoutSplit,
    ) -> Result<Moved, StoreError> {
        next.revision = current.revision + 1;
        self.put_at_revision(&*next, current.revision).await
    }

    /// Every split the hourly step has work for (waiting for its run, being split, or with
    /// statements still open), newest period first: a new month is never paid behind old holds.
    pub async fn open_splits(&self) -> Result<Vec<PayoutSplit>, StoreError> {
        Ok(self
            .payout_splits()
            .await?
            .into_iter()
            .filter(PayoutSplit::is_open)
            .collect())
    }

    /// Every split, newest period first (one item a month: a few hundred over decades).
    pub async fn payout_splits(&self) -> Result<Vec<PayoutSplit>, StoreError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .table
                .query_page::<PayoutSplit>(PageQuery {
                    index: None,
                    partition: keys::PAYOUTS_PK.to_owned(),
                    sort: SortRange::All,
                    backwards: true,
                    limit: 100,
                    cursor: cursor.as_deref(),
                })
                .await?;
            all.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// The statements of `period` that are not final (those with an open marker: owed, held,
    /// escalated, or failed for good), in no particular order: reads grow with what is still
    /// owed, not with the month.
    pub async fn open_statements(
        &self,
        period: PayoutPeriod,
    ) -> Result<Vec<PayoutStatement>, StoreError> {
        let mut ids: Vec<ProducerId> = Vec::new();
        self.table
            .each_in_partition(
                keys::open_statements_pk(&period.to_string()),
                1_000,
                |marker: OpenStatement| {
                    ids.push(marker.producer_id);
                    Ok(())
                },
            )
            .await?;
        self.statements_of(period, &ids).await
    }

    /// The statements of `ids` for `period` that exist (consistent), in no particular order.
    pub async fn statements_of(
        &self,
        period: PayoutPeriod,
        ids: &[ProducerId],
    ) -> Result<Vec<PayoutStatement>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| PayoutStatement::primary_key(&(), (id, period)).item())
            .collect();
        self.table
            .get_all(keys)
            .await?
            .into_iter()
            .map(decode::<PayoutStatement>)
            .collect()
    }

    /// Removes the open markers of statements that are final now (Paid, Excluded, nothing due,
    /// Voided): called after the statement's own move.
    pub async fn close_open_statements(
        &self,
        period: PayoutPeriod,
        ids: &[ProducerId],
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(MARKERS_AT_ONCE) {
            let requests = chunk
                .iter()
                .map(|id| batch_delete::<OpenStatement>(&(), (period, id)))
                .collect();
            self.table
                .write_all(requests, &BatchStats::default())
                .await?;
        }
        Ok(())
    }

    /// Puts the open marker of a statement about to be looked at again (an operator's release):
    /// called before the statement's own move (a marker already there is rewritten as it was).
    pub async fn reopen_statement(
        &self,
        period: PayoutPeriod,
        producer: &ProducerId,
    ) -> Result<(), StoreError> {
        let marker = OpenStatement {
            period,
            producer_id: producer.clone(),
        };
        self.table
            .write_all(vec![batch_put(&marker, &(), None)?], &BatchStats::default())
            .await
    }

    /// Every statement of a split (found through its roster), in no particular order.
    pub async fn split_statements(
        &self,
        split: &PayoutSplit,
    ) -> Result<Vec<PayoutStatement>, StoreError> {
        let mut ids: Vec<ProducerId> = Vec::with_capacity(split.statements as usize);
        self.table
            .each_in_partition(
                keys::roster_pk(&split.period.to_string()),
                20,
                |part: PayoutRosterPart| {
                    ids.extend(part.producers);
                    Ok(())
                },
            )
            .await?;
        self.statements_of(split.period, &ids).await
    }

    /// Writes `next` over the statement read as `current`, only if no one wrote it since (its
    /// revision is still `current.revision`). `next.revision` is set here.
    pub async fn move_statement(
        &self,
        current: &PayoutStatement,
        next: &mut PayoutStatement,
    ) -> Result<Moved, StoreError> {
        next.revision = current.revision + 1;
        self.put_at_revision(&*next, current.revision).await
    }

    /// Puts `item` only if the stored one is still at revision `read`.
    async fn put_at_revision<E: Entity<Scope = ()>>(
        &self,
        item: &E,
        read: u32,
    ) -> Result<Moved, StoreError> {
        self.conditional_put(|| {
            Ok(self
                .table
                .client()
                .put_item()
                .table_name(self.table.name())
                .set_item(Some(encode(item, &(), None)?))
                .condition_expression("revision = :read")
                .expression_attribute_values(":read", AttributeValue::N(read.to_string())))
        })
        .await
    }

    /// Sends a conditional put: `Done`, or `Lost` when its condition failed.
    pub(crate) async fn conditional_put(
        &self,
        request: impl Fn() -> Result<
            aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder,
            StoreError,
        >,
    ) -> Result<Moved, StoreError> {
        match request()?.send().await {
            Ok(_) => Ok(Moved::Done),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(Moved::Lost)
            }
            Err(e) => Err(StoreError::dynamo("PutItem")(e)),
        }
    }

    /// One statement (consistent).
    pub async fn payout_statement(
        &self,
        producer: &ProducerId,
        period: PayoutPeriod,
    ) -> Result<Option<PayoutStatement>, StoreError> {
        self.table
            .get_entity::<PayoutStatement>(&(), (producer, period), true)
            .await
    }

    /// A page of a producer's statements, newest period first.
    pub async fn producer_statements(
        &self,
        producer: &ProducerId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<PayoutStatement>, StoreError> {
        self.table
            .query_page(PageQuery {
                index: None,
                partition: keys::statement_pk(producer),
                sort: SortRange::Prefix(keys::STATEMENT_PREFIX),
                backwards: true,
                limit,
                cursor,
            })
            .await
    }
}
