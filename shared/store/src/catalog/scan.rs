//! Reading the whole catalog: one segment of a parallel scan of the sparse `catalog` index.
//!
//! The index holds exactly the tracks and profiles, so the recompute reads nothing else there.
//! Play counts are not in the index (a count would cost a second write unit there): each page's
//! tracks get their counts with one eventually consistent BatchGetItem per 100 (0.5 read units a
//! track), each batch's keys made as it is sent and its answer decoded as it comes (the keys and
//! raw answers of a whole page were ~8 MB of a run's peak). Callers run `total_segments` scans at once, each following its own pages; every item
//! arrives exactly once across the segments, in no particular order.

use catalog::Producer;

use std::collections::HashMap;
use table::batch::BatchRead;

use table::definition::CATALOG_INDEX;
use table::entity::{Entity, Item, decode, entity_of};
use table::error::StoreError;
use table::items::catalog::{Profile, StoredTrack, TrackPlays, TrackRecord};

/// How a page's plays are read: eventually consistent (half the read units; no read needs a
/// count the instant it is written), four batches at a time. Every segment reads at once, and
/// each connection keeps a read buffer sized by the largest answer it carried (up to ~400 KB
/// after a scan page): eight a segment kept ~6 MB of buffers for no faster a scan.
const PLAYS_READ: BatchRead = BatchRead {
    consistent: false,
    in_flight: 4,
};

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
    pub next: Option<ScanCursor>,
}

/// Where a scan segment's next page starts: handed back as it was given.
#[derive(Debug, Clone)]
pub struct ScanCursor(Item);

impl crate::owners::Catalog<'_> {
    /// One page of segment `segment` of `total_segments` of the catalog, from `start`.
    pub async fn scan_catalog_page(
        &self,
        segment: u32,
        total_segments: u32,
        start: Option<ScanCursor>,
        page_size: Option<u32>,
    ) -> Result<CatalogPage, StoreError> {
        let out = self
            .table
            .client()
            .scan()
            .table_name(self.table.name())
            .index_name(CATALOG_INDEX.name)
            .segment(segment as i32)
            .total_segments(total_segments as i32)
            .set_limit(page_size.map(|n| n as i32))
            .set_exclusive_start_key(start.map(|c| c.0))
            .send()
            .await
            .map_err(StoreError::dynamo("Scan"))?;
        let mut profiles = Vec::new();
        let mut tracks = Vec::new();
        for item in out.items.unwrap_or_default() {
            if entity_of(&item) == Some(Profile::NAME) {
                profiles.push(CatalogRecord::Producer(decode::<Profile>(item)?.into()));
            } else {
                tracks.push(decode::<TrackRecord>(item)?);
            }
        }
        let mut plays: HashMap<_, TrackPlays> = self
            .table
            .get_batches(
                &tracks,
                |t| TrackPlays::primary_key(&(), &t.id).item(),
                PLAYS_READ,
                |item| decode::<TrackPlays>(item).map(|p| (p.track_id.clone(), p)),
            )
            .await?
            .into_iter()
            .collect();
        let mut records = profiles;
        records.extend(tracks.into_iter().map(|t| {
            let counted = plays.remove(&t.id);
            CatalogRecord::Track(StoredTrack::from_items(t, counted))
        }));
        Ok(CatalogPage {
            records,
            next: out.last_evaluated_key.map(ScanCursor),
        })
    }
}
