//! One page of a run's packed list, and the cursor that resumes it.
//!
//! A page is one Query from the chunk it starts in, asking for as many chunks as can hold the
//! page (the head's `perChunk`, carried in the cursor; the worst case by the catalog's limits on
//! a first page). The cursor names the run, the list, a chunk and an offset, never a key: the
//! partition always comes from the caller's path and identity, and a page sequence stays on the
//! run it began on across a publish.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use results::run::EmptyBecause;
use results::run_id::RunId;
use table::error::StoreError;
use table::keys;

use table::definition::DEFINITION;
use table::entity::string_attribute;

use table::pack::{
    CHUNK_BYTES, CHUNK_OVERHEAD, Filling, Packed, RANKED_ROWS, RunList, decode_chunk,
};

/// The longest cursor accepted, in characters.
const MAX_CURSOR_LEN: usize = 512;
/// The most chunks one page query asks for.
const MAX_CHUNKS_PER_PAGE: usize = 256;

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
            .table
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
