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
//! A page is one Query from the chunk it starts in, asking for as many chunks as can hold the
//! page (the head's `perChunk`, carried in the cursor; the worst case by the catalog's limits on
//! a first page). The cursor names the run, the list, a chunk and an offset, never a key: the
//! partition always comes from the caller's path and identity, and a page sequence stays on the
//! run it began on across a publish.
//!
//! The same codec packs the pair counts and counter snapshots a run keeps for later runs and the
//! payout rosters ([`pack_parts`]: rows by size, up to [`PART_BYTES`]).

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use contribution::ProducerId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::entity::{ENTITY_ATTRIBUTE, Item, string_attribute};
use crate::error::StoreError;
use crate::keys;
use crate::rows;
use crate::table::DEFINITION;
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
const CHUNK_OVERHEAD: usize = 512;
/// The attribute holding a chunk's rows.
const ROWS: &str = "rows";
/// The longest cursor accepted, in characters.
const MAX_CURSOR_LEN: usize = 512;
/// The most chunks one page query asks for.
const MAX_CHUNKS_PER_PAGE: usize = 256;

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
    fn partition(&self, run: &RunId) -> String {
        match self {
            Self::Producer(owner, _) => keys::run_producer_pk(run, owner),
            Self::Board(board, period) => keys::board_pk(run, *board, *period),
            Self::Trending => keys::trending_pk(run),
        }
    }

    fn prefix(&self) -> &'static str {
        match self {
            Self::Producer(_, list) => keys::list_prefix(*list),
            Self::Board(..) | Self::Trending => keys::RANK_PREFIX,
        }
    }

    /// How the list is cut into chunks.
    fn filling(&self) -> Filling {
        match self {
            Self::Producer(..) => Filling::BySize,
            Self::Board(..) | Self::Trending => Filling::Ranked,
        }
    }

    /// What a cursor says it belongs to, so a cursor of one list (or one producer's) is refused
    /// by another.
    fn tag(&self) -> String {
        match self {
            Self::Producer(owner, list) => format!("{list:?}/{owner}"),
            Self::Board(board, period) => format!("{board}/{period}"),
            Self::Trending => "trending".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filling {
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
pub(crate) fn check_chunk_count(list: &str, chunks: usize) -> Result<(), StoreError> {
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
    pub(crate) fn items(
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
pub(crate) fn decode_chunk<T: Packed>(
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

/// A stored chunk's number (0: the head), from its sort key (the checker's).
#[cfg(feature = "tools")]
pub(crate) fn chunk_index(item: &Item) -> Option<u32> {
    let sk = string_attribute(item, DEFINITION.sort_key)?;
    let number = sk.rsplit('#').next()?;
    if number.is_empty() {
        Some(0)
    } else {
        number.parse().ok()
    }
}

/// Where the next page of a list starts: the run, the list, a chunk and an offset in it, and
/// what the head said (so a later page needs no head).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListCursor {
    /// The run.
    r: String,
    /// The list ([`RunList::tag`]).
    l: String,
    /// The chunk.
    c: u32,
    /// The offset in the chunk.
    o: u32,
    /// The head's `perChunk`.
    k: u32,
    /// The head's `chunks`.
    n: u32,
}

impl ListCursor {
    fn encode(&self) -> String {
        // Serialising a struct of strings and numbers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The cursor `text` for `list`, and its run: refused unless it names a well-formed run, this
    /// list, and a place inside the list its own head described.
    fn decode(text: &str, list: RunList<'_>) -> Result<(Self, RunId), StoreError> {
        if text.len() > MAX_CURSOR_LEN {
            return Err(StoreError::BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| StoreError::BadCursor)?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
        let run = RunId::parse(&cursor.r).ok_or(StoreError::BadCursor)?;
        let in_bounds = cursor.l == list.tag()
            && cursor.c < cursor.n
            && cursor.n <= keys::MAX_CHUNKS
            && cursor.k >= 1
            && (cursor.k as usize) <= CHUNK_BYTES
            && (cursor.o as usize) < CHUNK_BYTES.max(RANKED_ROWS);
        if !in_bounds {
            return Err(StoreError::BadCursor);
        }
        Ok((cursor, run))
    }
}

/// A page of a run's list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage<T> {
    /// The run the page was read from: the cursor's, or the one asked for on a first page.
    pub run: RunId,
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// The head's reason for an empty list (first page only).
    pub empty_because: Option<EmptyBecause>,
}

impl crate::Store {
    /// A page of `list` in `run` (or in the run the cursor names), or `None` on a first page
    /// when the run has no such list (an unknown producer).
    pub(crate) async fn list_page<T: Packed>(
        &self,
        run: &RunId,
        list: RunList<'_>,
        context: &T::Context,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Option<ListPage<T>>, StoreError> {
        let limit = limit.max(1) as usize;
        let resumed = cursor.map(|c| ListCursor::decode(c, list)).transpose()?;
        let is_resumed = resumed.is_some();
        let (run, start, offset, known) = match resumed {
            Some((c, run)) => (run, c.c, c.o as usize, Some((c.k, c.n))),
            None => (run.clone(), 0, 0, None),
        };
        let per_chunk = match (known, list.filling()) {
            (Some((k, _)), _) => k as usize,
            (None, Filling::Ranked) => RANKED_ROWS,
            (None, Filling::BySize) => ((CHUNK_BYTES - CHUNK_OVERHEAD) / T::MAX_ROW_BYTES).max(1),
        };
        let mut wanted = (offset + limit).div_ceil(per_chunk);
        if offset == 0 && known.is_none() {
            // The head may hold no rows (an empty list); ask for one chunk more than rows need.
            wanted += 1;
        }
        let wanted = wanted.clamp(1, MAX_CHUNKS_PER_PAGE);
        let prefix = list.prefix();
        let out = self
            .query_between(
                list.partition(&run),
                keys::chunk_sk(prefix, start),
                keys::chunk_range_end(prefix),
            )
            .limit(wanted as i32)
            .send()
            .await
            .map_err(StoreError::dynamo("Query"))?;
        let chunks = out.items.unwrap_or_default();
        let starts_right = chunks
            .first()
            .and_then(|c| string_attribute(c, DEFINITION.sort_key))
            == Some(keys::chunk_sk(prefix, start).as_str());
        if !starts_right {
            // No head: the producer is not in the run. A resumed page whose chunk is gone: its
            // run has expired (or the cursor was made up).
            return if is_resumed {
                Err(StoreError::BadCursor)
            } else {
                Ok(None)
            };
        }
        let mut total_chunks = known.map(|(_, n)| n);
        let mut head_per_chunk = known.map(|(k, _)| k);
        let mut empty_because = None;
        let mut items = Vec::with_capacity(limit);
        // The next unread row: (chunk, offset).
        let mut next = (start, offset);
        for (i, item) in chunks.iter().enumerate() {
            let index = start + i as u32;
            if total_chunks.is_some_and(|n| index >= n)
                || string_attribute(item, DEFINITION.sort_key)
                    != Some(keys::chunk_sk(prefix, index).as_str())
            {
                // Beyond the list's own chunks (a failed earlier attempt's), or out of sequence.
                break;
            }
            let (head, rows) = decode_chunk::<T>(item, context, index == 0)?;
            if let Some(head) = head {
                total_chunks = Some(head.chunks);
                empty_because = head.empty_because;
                head_per_chunk = Some(head.per_chunk);
            }
            let skip = if index == start { offset } else { 0 };
            let len = rows.len();
            let take = (limit - items.len()).min(len.saturating_sub(skip));
            items.extend(rows.into_iter().skip(skip).take(take));
            next = if skip + take >= len {
                (index + 1, 0)
            } else {
                (index, skip + take)
            };
            if items.len() == limit {
                break;
            }
        }
        let total_chunks = total_chunks.unwrap_or(1);
        let per_chunk = head_per_chunk.unwrap_or(per_chunk as u32);
        let next_cursor = (next.0 < total_chunks).then(|| {
            ListCursor {
                r: run.to_string(),
                l: list.tag(),
                c: next.0,
                o: next.1 as u32,
                k: per_chunk,
                n: total_chunks,
            }
            .encode()
        });
        Ok(Some(ListPage {
            run,
            items,
            next_cursor,
            empty_because,
        }))
    }
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
