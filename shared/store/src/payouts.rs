//! Payout access patterns: a period's split and roster, each producer's statements, and the
//! conditional moves of a statement's status.
//!
//! Every status move is a put conditional on the revision the mover read, so two movers (a
//! retried invocation and the hourly step) can never both win, and a statement only ever moves
//! forward (`contribution::statement::StatementStatus::may_move_to`, checked before the write).

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use contribution::ProducerId;
use contribution::statement::PayoutPeriod;

use crate::Store;
use crate::access::batch_put;
use crate::batch::BatchStats;
use crate::entity::{Entity, decode, encode};
use crate::error::StoreError;
use crate::keys;
use crate::page::{Page, PageQuery, SortRange};
use crate::payout_items::{PayoutRosterPart, PayoutSplit, PayoutStatement};
use crate::table::DEFINITION;

/// What asking to start a period's split found.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitStart {
    /// This split is now the period's.
    Started,
    /// The period already has a split (this one, retried, or another).
    Exists(PayoutSplit),
}

/// What a conditional write (a split claimed or replaced, a statement moved) did.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    Done,
    /// Someone else moved the statement first: read it again.
    Lost,
}

impl Store {
    /// The period's split, if one was started (consistent).
    pub async fn payout_split(
        &self,
        period: PayoutPeriod,
    ) -> Result<Option<PayoutSplit>, StoreError> {
        self.get_entity::<PayoutSplit>(&(), period, true).await
    }

    /// Records `split` as the period's, unless the period already has one.
    pub async fn start_split(&self, split: &PayoutSplit) -> Result<SplitStart, StoreError> {
        let written = self
            .conditional_put(|| {
                Ok(self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(encode(split, &(), None)?))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", DEFINITION.partition_key))
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
        Ok(SplitStart::Exists(existing))
    }

    /// Writes a split's statements and roster, while the split is `Splitting` and this
    /// invocation holds its claim. Each statement is a put conditional on it never having moved
    /// (absent, or revision 0), so a writer that lost its claim can never reset a statement a
    /// sender already moved; such a statement is left as it is and counted in the answer.
    /// Statements are written `concurrency` at a time; the roster in batches.
    pub async fn put_statements(
        &self,
        statements: &[PayoutStatement],
        roster: &[PayoutRosterPart],
        concurrency: usize,
        stats: &BatchStats,
    ) -> Result<u64, StoreError> {
        use futures_util::{StreamExt, TryStreamExt, stream};
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
        self.write_all(requests, stats).await?;
        Ok(moved_on)
    }

    /// Puts a statement unless it exists and has moved; `false` when it had.
    async fn put_unmoved_statement(&self, statement: &PayoutStatement) -> Result<bool, StoreError> {
        let result = self
            .conditional_put(|| {
                Ok(self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(encode(statement, &(), None)?))
                    .condition_expression("attribute_not_exists(#pk) OR revision = :zero")
                    .expression_attribute_names("#pk", DEFINITION.partition_key)
                    .expression_attribute_values(":zero", AttributeValue::N("0".to_owned())))
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

    /// Every split the hourly step has work for (not settled, or awaiting a producer's new
    /// account), oldest period first.
    pub async fn open_splits(&self) -> Result<Vec<PayoutSplit>, StoreError> {
        let mut open = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .query_page::<PayoutSplit>(PageQuery {
                    index: None,
                    partition: keys::PAYOUTS_PK.to_owned(),
                    sort: SortRange::All,
                    backwards: false,
                    limit: 100,
                    cursor: cursor.as_deref(),
                })
                .await?;
            open.extend(page.items.into_iter().filter(PayoutSplit::is_open));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(open),
            }
        }
    }

    /// Every statement of a split (found through its roster), in no particular order.
    pub async fn split_statements(
        &self,
        split: &PayoutSplit,
    ) -> Result<Vec<PayoutStatement>, StoreError> {
        let mut ids: Vec<ProducerId> = Vec::with_capacity(split.statements as usize);
        self.each_in_partition(
            keys::roster_pk(&split.period.to_string()),
            20,
            |part: PayoutRosterPart| {
                ids.extend(part.producers);
                Ok(())
            },
        )
        .await?;
        let keys = ids
            .iter()
            .map(|id| PayoutStatement::primary_key(&(), (id, split.period)).item())
            .collect();
        self.get_all(keys)
            .await?
            .into_iter()
            .map(decode::<PayoutStatement>)
            .collect()
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
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(encode(item, &(), None)?))
                .condition_expression("revision = :read")
                .expression_attribute_values(":read", AttributeValue::N(read.to_string())))
        })
        .await
    }

    /// Sends a conditional put: `Done`, or `Lost` when its condition failed.
    async fn conditional_put(
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
        self.get_entity::<PayoutStatement>(&(), (producer, period), true)
            .await
    }

    /// A page of a producer's statements, newest period first.
    pub async fn producer_statements(
        &self,
        producer: &ProducerId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<PayoutStatement>, StoreError> {
        self.query_page(PageQuery {
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
