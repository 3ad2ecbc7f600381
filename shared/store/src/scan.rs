//! Reading the whole catalog: one segment of a parallel scan of the sparse `catalog` index.
//!
//! The index holds exactly the tracks and profiles, so the recompute reads nothing else. Callers
//! run `total_segments` scans at once, each following its own pages; every item arrives exactly
//! once across the segments, in no particular order.

use aws_sdk_dynamodb::types::AttributeValue;
use catalog::Producer;

use crate::Store;
use crate::error::StoreError;
use crate::items::{Item, ProfileItem, StoredTrack, TrackItem, from_item};
use crate::results::{PAIR_SHARDS, PairItem, pairs_pk};
use crate::table::CATALOG_INDEX;

/// One catalog item.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogRecord {
    Producer(Producer),
    Track(StoredTrack),
}

/// One page of a scan segment, and where the next page starts (`None`: the segment is done).
#[derive(Debug)]
pub struct CatalogPage {
    pub records: Vec<CatalogRecord>,
    pub next: Option<Item>,
}

impl Store {
    /// One page of segment `segment` of `total_segments` of the catalog, from `start`.
    pub async fn scan_catalog_page(
        &self,
        segment: u32,
        total_segments: u32,
        start: Option<Item>,
        page_size: Option<u32>,
    ) -> Result<CatalogPage, StoreError> {
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .index_name(CATALOG_INDEX.name)
            .segment(segment as i32)
            .total_segments(total_segments as i32)
            .set_limit(page_size.map(|n| n as i32))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::dynamo("Scan"))?;
        let records = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| match item.get("entity") {
                Some(AttributeValue::S(e)) if e == "producer" => {
                    from_item::<ProfileItem>(item).map(|p| CatalogRecord::Producer(p.into()))
                }
                _ => from_item::<TrackItem>(item).map(|t| CatalogRecord::Track(t.into())),
            })
            .collect::<Result<_, _>>()?;
        Ok(CatalogPage {
            records,
            next: out.last_evaluated_key,
        })
    }

    /// Every pair count a run wrote (empty for a run that wrote none).
    pub async fn run_pairs(&self, run_id: &str) -> Result<Vec<PairItem>, StoreError> {
        let mut pairs = Vec::new();
        for shard in 0..PAIR_SHARDS {
            let mut cursor: Option<String> = None;
            loop {
                let page = self
                    .run_items_page::<PairItem>(
                        pairs_pk(run_id, shard),
                        "",
                        1000,
                        cursor.as_deref(),
                    )
                    .await?;
                pairs.extend(page.items);
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        Ok(pairs)
    }
}
