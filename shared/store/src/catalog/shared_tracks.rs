//! The tracks two producers share: kept from the discography entries' stream, read in one Query.
//!
//! A credit edit may name up to 20 producers, so writing an entry per pair of them inside the
//! edit's transaction (up to 190 pairs, twice over for a replaced list) would break its
//! 100-action limit. The pair entries are instead a projection of the discography entries:
//! every committed write of an entry reaches `fanout` through the table's stream, in order per
//! entry, and [`Catalog::apply_discography_change`](crate::owners::Catalog::apply_discography_change) makes the owner's pair entries match it. Each
//! pair entry is written only from the records of one discography entry, so applying a record
//! twice, or its successor after a failure, gives the same items. They trail the edit by the
//! stream's delay (about a second).

use contribution::ProducerId;

use table::batch::BatchStats;
use table::entity::{Entity, encode};
use table::error::StoreError;
use table::items::catalog::{DiscographyEntry, Profile, SharedTrack};
use table::keys;
use table::page::{Page, PageQuery, SortRange};
use table::write::{delete_request, put_request};

/// What applying one discography change wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharedTrackWrites {
    pub put: usize,
    pub deleted: usize,
}

impl crate::owners::Catalog<'_> {
    /// Makes `before`'s owner's shared-track entries match the discography entry `after` (none:
    /// the entry was deleted): entries for every other producer credited in `after`, none left
    /// for producers it no longer credits, nor under the old sort key if the upload time moved.
    pub async fn apply_discography_change(
        &self,
        before: Option<&DiscographyEntry>,
        after: Option<&DiscographyEntry>,
    ) -> Result<SharedTrackWrites, StoreError> {
        let wanted: Vec<SharedTrack> =
            after.map_or_else(Vec::new, |a| SharedTrack::of_entry(a).collect::<Vec<_>>());
        let wanted_keys: Vec<_> = wanted.iter().map(|s| s.full_key(&()).primary).collect();
        let mut requests = Vec::with_capacity(wanted.len() * 2);
        let mut written = SharedTrackWrites::default();
        if let Some(before) = before {
            for old in SharedTrack::of_entry(before) {
                let key = old.full_key(&()).primary;
                if !wanted_keys.contains(&key) {
                    requests.push(delete_request(key.item()));
                    written.deleted += 1;
                }
            }
        }
        for entry in &wanted {
            requests.push(put_request(encode(entry, &(), None)?));
            written.put += 1;
        }
        if !requests.is_empty() {
            self.table
                .write_all(requests, &BatchStats::default())
                .await?;
        }
        Ok(written)
    }

    /// The live tracks `owner` and `with` are both credited on, newest first, as `owner`'s
    /// discography shows them; `None` when `owner` has no profile. One Query of the pair's
    /// partition; only an empty first page also reads the owner's profile, to tell "they share
    /// nothing" from "no such producer".
    pub async fn shared_tracks(
        &self,
        owner: &ProducerId,
        with: &ProducerId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Option<Page<DiscographyEntry>>, StoreError> {
        let page = self
            .table
            .query_page::<SharedTrack>(PageQuery {
                index: None,
                partition: keys::shared_pk(owner, with),
                sort: SortRange::Prefix(keys::DISCOGRAPHY_PREFIX),
                backwards: true,
                limit,
                cursor,
            })
            .await?;
        if page.items.is_empty()
            && cursor.is_none()
            && self
                .table
                .get_entity::<Profile>(&(), owner, false)
                .await?
                .is_none()
        {
            return Ok(None);
        }
        Ok(Some(Page {
            items: page.items.into_iter().map(|shared| shared.entry).collect(),
            next_cursor: page.next_cursor,
        }))
    }
}
