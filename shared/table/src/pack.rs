//! Lists packed into chunk items: many entries to an item, one row each.
//!
//! On-demand DynamoDB bills a write unit per started kilobyte of each item, so a run that wrote
//! one item per entry (a collaborator, a contribution, a board row) paid a whole unit for 10–50%
//! of one, and ~110 bytes of keys on every entry (`../shared/reviews/2026-11-29-layout.md`).
//! Every list a run publishes is instead stored as a few *chunks*:
//!
//! - A chunk's `rows` attribute is one binary blob of rows ([`crate::rows`]); a row is the entry
//!   without what the list already says (its owner, its board), a tuple ([`Packed::Row`]). Floats
//!   are stored as their 8 bytes, so they come back with the same bits.
//! - The first chunk's sort key is the list's bare prefix and it is the list's *head*: the entry
//!   count, how many chunks there are, the fewest rows any chunk but the last holds, and why the
//!   list is empty when the run knows. Every list a run publishes has a head, so "no head" means
//!   "not in this run", and a reader stops after `chunks` chunks, so anything an earlier failed
//!   attempt of the same run left beyond them is never read.
//! - Producer lists are filled by size, up to [`CHUNK_BYTES`] (interior chunks cost exactly four
//!   units); ranked lists (boards, trending) hold [`RANKED_ROWS`] rows a chunk, so the chunk of
//!   any rank is computed, never searched.
//!
//! Reading a list back a page at a time is `store::runs::list_page`. The same codec packs the pair counts and counter snapshots a run keeps for later runs and the
//! payout rosters ([`pack_parts`]: rows by size, up to [`PART_BYTES`]).

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use contribution::ProducerId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::definition::DEFINITION;
use crate::entity::{ENTITY_ATTRIBUTE, Item, string_attribute};
use crate::error::StoreError;
use crate::keys;
use crate::rows;
use results::lists::{Board, Period, ProducerList};
use results::run::EmptyBecause;
use results::run_id::RunId;

/// The most a size-filled chunk weighs (unless one row alone weighs more): four write units, and
/// one strongly consistent read unit.
pub const CHUNK_BYTES: usize = 4096;
/// Rows per chunk of a ranked list.
pub const RANKED_ROWS: usize = 32;
/// The most a packed part weighs (DynamoDB's item limit is 400 KB).
pub const PART_BYTES: usize = 300_000;
/// What a chunk weighs besides its rows, at most: keys (a 128-byte producer id in the
/// partition), `entity`, `expiresAt`, the head's attributes.
pub const CHUNK_OVERHEAD: usize = 512;
/// The attribute holding a chunk's rows.
const ROWS: &str = "rows";

/// An entry kind stored as rows of chunks.
pub trait Packed: Sized {
    /// The entry without what its list already says, as a tuple of typed values.
    type Row: Serialize + DeserializeOwned;
    /// What every entry of a list shares (its owner, its board): given back when rows are read.
    type Context;
    /// The `entity` attribute of the list's chunks.
    const ENTITY: &'static str;
    /// The most one row can weigh encoded (by the catalog's limits on ids, names and titles):
    /// how few rows a size-filled chunk can hold. Each bound is that of the row as a DynamoDB
    /// list of typed values, which its encoding never exceeds (`rows`' tests check the worst rows).
    const MAX_ROW_BYTES: usize;

    fn row(&self) -> Self::Row;
    fn from_row(row: Self::Row, context: &Self::Context) -> Self;
}

/// One list a run publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunList<'a> {
    /// One of a producer's lists.
    Producer(&'a ProducerId, ProducerList),
    /// A board over a period.
    Board(Board, Period),
    /// The trending collaborations.
    Trending,
}

impl RunList<'_> {
    pub fn partition(&self, run: &RunId) -> String {
        match self {
            Self::Producer(owner, _) => keys::run_producer_pk(run, owner),
            Self::Board(board, period) => keys::board_pk(run, *board, *period),
            Self::Trending => keys::trending_pk(run),
        }
    }

    pub fn prefix(&self) -> &'static str {
        match self {
            Self::Producer(_, list) => keys::list_prefix(*list),
            Self::Board(..) | Self::Trending => keys::RANK_PREFIX,
        }
    }

    /// How the list is cut into chunks.
    pub fn filling(&self) -> Filling {
        match self {
            Self::Producer(..) => Filling::BySize,
            Self::Board(..) | Self::Trending => Filling::Ranked,
        }
    }

    /// What a cursor says it belongs to, so a cursor of one list (or one producer's) is refused
    /// by another.
    pub fn tag(&self) -> String {
        match self {
            Self::Producer(owner, list) => format!("{list:?}/{owner}"),
            Self::Board(board, period) => format!("{board}/{period}"),
            Self::Trending => "trending".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filling {
    BySize,
    Ranked,
}

/// What the first chunk of a list says about the whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListHead {
    /// Entries in the list.
    pub count: u64,
    /// Chunks the list is stored in (at least one: the head).
    pub chunks: u32,
    /// The fewest rows any chunk but the last holds.
    pub per_chunk: u32,
    /// Why the list is empty, when the run knows a reason the producer can act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_because: Option<EmptyBecause>,
}

/// Refuses a list of more chunks than a chunk's sort key can number in order (review N12: past
/// [`keys::MAX_CHUNKS`] the keys would sort out of order and every cursor past page one would be
/// refused), so a run that large fails before anything is published instead of breaking paging.
pub fn check_chunk_count(list: &str, chunks: usize) -> Result<(), StoreError> {
    if chunks > keys::MAX_CHUNKS as usize {
        return Err(StoreError::ListTooLong {
            list: list.to_owned(),
            chunks,
            max: keys::MAX_CHUNKS,
        });
    }
    Ok(())
}

/// The rows of a list, cut into chunks, ready to be made items.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedList {
    pub head: ListHead,
    /// Each chunk's rows, each row encoded.
    chunks: Vec<Vec<Vec<u8>>>,
}

impl PackedList {
    /// Packs `entries` (in list order) as `list` is cut.
    pub fn pack<'e, T: Packed + 'e>(
        list: RunList<'_>,
        entries: impl IntoIterator<Item = &'e T>,
        empty_because: Option<EmptyBecause>,
    ) -> Result<Self, StoreError> {
        let rows = entries
            .into_iter()
            .map(|e| encode_row(&e.row()))
            .collect::<Result<Vec<_>, _>>()?;
        let count = rows.len() as u64;
        let mut chunks = match list.filling() {
            Filling::Ranked => {
                let mut chunks: Vec<Vec<Vec<u8>>> = Vec::new();
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    chunks.push(rows.by_ref().take(RANKED_ROWS).collect());
                }
                chunks
            }
            Filling::BySize => cut_by_size(rows, CHUNK_BYTES - CHUNK_OVERHEAD),
        };
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        check_chunk_count(&list.tag(), chunks.len())?;
        let per_chunk = match list.filling() {
            Filling::Ranked => RANKED_ROWS as u32,
            Filling::BySize => chunks[..chunks.len() - 1]
                .iter()
                .map(|c| c.len() as u32)
                .min()
                .unwrap_or(chunks[0].len() as u32)
                .max(1),
        };
        Ok(Self {
            head: ListHead {
                count,
                chunks: chunks.len() as u32,
                per_chunk,
                empty_because,
            },
            chunks,
        })
    }

    /// The list's chunk items under `run`, head first, each expiring at `expires_at`.
    pub fn items(
        self,
        list: RunList<'_>,
        entity: &str,
        run: &RunId,
        expires_at: i64,
    ) -> Result<Vec<Item>, StoreError> {
        let partition = list.partition(run);
        let head: Item =
            serde_dynamo::aws_sdk_dynamodb_1::to_item(self.head).map_err(StoreError::Encode)?;
        self.chunks
            .into_iter()
            .enumerate()
            .map(|(index, chunk)| {
                let mut item = if index == 0 {
                    head.clone()
                } else {
                    Item::new()
                };
                let sk = keys::chunk_sk(list.prefix(), index as u32);
                let blob = rows::blob(chunk.iter().map(Vec::as_slice))?;
                item.insert(ROWS.to_owned(), AttributeValue::B(Blob::new(blob)));
                stamp(&mut item, &partition, sk, entity, Some(expires_at));
                Ok(item)
            })
            .collect()
    }
}

/// Adds an item's key, `entity` and TTL attributes.
fn stamp(item: &mut Item, pk: &str, sk: String, entity: &str, expires_at: Option<i64>) {
    item.insert(
        DEFINITION.partition_key.to_owned(),
        AttributeValue::S(pk.to_owned()),
    );
    item.insert(DEFINITION.sort_key.to_owned(), AttributeValue::S(sk));
    item.insert(
        ENTITY_ATTRIBUTE.to_owned(),
        AttributeValue::S(entity.to_owned()),
    );
    if let Some(expires_at) = expires_at {
        item.insert(
            DEFINITION.ttl_attribute.to_owned(),
            AttributeValue::N(expires_at.to_string()),
        );
    }
}

fn encode_row<R: Serialize>(row: &R) -> Result<Vec<u8>, StoreError> {
    Ok(rows::encode_row(row)?)
}

/// What a part's blob weighs besides its rows, at most: the format byte and a row count below
/// 2^21 (parts are cut loosely, well under DynamoDB's 400 KB).
const BLOB_OVERHEAD: usize = 4;

/// Cuts encoded rows into blobs of at most `cap` bytes (a row alone may weigh more).
fn cut_by_size(rows: Vec<Vec<u8>>, cap: usize) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    let mut row_bytes = 0;
    for row in rows {
        if !current.is_empty() && rows::blob_len(current.len() + 1, row_bytes + row.len()) > cap {
            out.push(std::mem::take(&mut current));
            row_bytes = 0;
        }
        row_bytes += row.len();
        current.push(row);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The rows of a stored chunk, decoded, with the head when it is the first chunk.
pub fn decode_chunk<T: Packed>(
    item: &Item,
    context: &T::Context,
    first: bool,
) -> Result<(Option<ListHead>, Vec<T>), StoreError> {
    let key = || {
        format!(
            "{}/{}",
            string_attribute(item, DEFINITION.partition_key).unwrap_or("?"),
            string_attribute(item, DEFINITION.sort_key).unwrap_or("?")
        )
    };
    let Some(AttributeValue::B(blob)) = item.get(ROWS) else {
        return Err(StoreError::BadChunk {
            key: key(),
            problem: "it has no rows".to_owned(),
        });
    };
    let head = if first {
        let head: ListHead = serde_dynamo::aws_sdk_dynamodb_1::from_item(item.clone())
            .map_err(|source| StoreError::Decode { key: key(), source })?;
        if head.chunks == 0 || head.per_chunk == 0 {
            return Err(StoreError::BadChunk {
                key: key(),
                problem: format!("its head says {} chunks of {}", head.chunks, head.per_chunk),
            });
        }
        Some(head)
    } else {
        None
    };
    let entries = rows::decode::<T::Row>(blob.as_ref())
        .map_err(|e| StoreError::BadChunk {
            key: key(),
            problem: e.to_string(),
        })?
        .into_iter()
        .map(|row| T::from_row(row, context))
        .collect();
    Ok((head, entries))
}

/// Cuts rows into parts of up to [`PART_BYTES`] as they come, in order: for what a run keeps for
/// later runs (pair counts, counter snapshots) and the payout rosters, always read whole.
#[derive(Debug)]
pub struct PartPacker<R> {
    rows: Vec<R>,
    bytes: usize,
    parts: u32,
}

impl<R: Serialize> Default for PartPacker<R> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            bytes: BLOB_OVERHEAD,
            parts: 0,
        }
    }
}

impl<R: Serialize> PartPacker<R> {
    /// Adds one row; returns the full part it closed, if it closed one.
    pub fn add(&mut self, row: R) -> Result<Option<Vec<R>>, StoreError> {
        let weight = encode_row(&row)?.len();
        let full = (!self.rows.is_empty() && self.bytes + weight > PART_BYTES).then(|| self.take());
        self.bytes += weight;
        self.rows.push(row);
        Ok(full)
    }

    /// The last part: what is left, or an empty part when nothing at all was packed (so an
    /// empty set is stored too).
    pub fn finish(mut self) -> Option<Vec<R>> {
        (!self.rows.is_empty() || self.parts == 0).then(|| self.take())
    }

    fn take(&mut self) -> Vec<R> {
        self.bytes = BLOB_OVERHEAD;
        self.parts += 1;
        std::mem::take(&mut self.rows)
    }
}

/// Cuts rows into parts with a [`PartPacker`]: at least one part.
pub fn pack_parts<R: Serialize>(
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<Vec<R>>, StoreError> {
    let mut packer = PartPacker::default();
    let mut parts = Vec::new();
    for row in rows {
        parts.extend(packer.add(row)?);
    }
    parts.extend(packer.finish());
    Ok(parts)
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    /// Review N12: a list of exactly the most chunks a key can number is written; one more fails
    /// the run, naming the list (a ranked board reaches it at 32 × 99,999 = 3,199,968 entries).
    #[test]
    fn a_list_past_the_chunk_limit_is_refused_at_the_limit_exactly() {
        assert!(check_chunk_count("plays/all", keys::MAX_CHUNKS as usize).is_ok());
        assert!(check_chunk_count("plays/all", 1).is_ok());
        match check_chunk_count("plays/all", keys::MAX_CHUNKS as usize + 1) {
            Err(StoreError::ListTooLong { list, chunks, max }) => {
                assert_eq!((list.as_str(), chunks, max), ("plays/all", 100_000, 99_999));
            }
            other => panic!("{other:?}"),
        }
        // The last numbered chunk still sorts after every other and before the range's end.
        let prefix = "testlist#";
        let last = keys::chunk_sk(prefix, keys::MAX_CHUNKS);
        assert!(keys::chunk_sk(prefix, keys::MAX_CHUNKS - 1) < last);
        assert!(last <= keys::chunk_range_end(prefix));
    }
}
