//! The shared-track entries compared with, and rebuilt from, the discography entries they project.
//!
//! `fanout` keeps the entries from the stream ([`crate::catalog::shared_tracks`]); two things leave them
//! wrong with nothing to replay: a record parked after its last retry (the stream keeps records
//! for 24 hours, the on-failure queue only their position), and a table whose discography
//! entries predate the stream or the function. [`projection_drift`] says where the entries and
//! their source differ (the checker's rule); [`Store::rebuild_shared_tracks`] makes them agree
//! (`cargo xtask shared-tracks rebuild`). The rebuild may run while `fanout` works: each source
//! entry's repair is one transaction that holds only if the entry is still what was read, and
//! anything the stream changes afterwards reaches `fanout` in order after it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};

use crate::Store;
use table::access::transaction_put;
use table::entity::{Entity, Item, PrimaryKey, decode, entity_of};
use table::error::StoreError;
use table::items::catalog::{DiscographyEntry, SharedTrack};

/// Writes of one transaction besides its condition (DynamoDB allows 100 actions).
const WRITES_PER_TRANSACTION: usize = 99;
/// Attempts at one source entry's repair while other writers keep changing it.
const ATTEMPTS: u32 = 5;
/// The stored attributes the repair's condition compares (`DiscographyEntry`'s serde names; a
/// test below holds them to what `encode` writes).
const VERSION_ATTRIBUTE: &str = "version";
const TITLE_ATTRIBUTE: &str = "title";

/// The items both sides are made of, as a scan finds them.
#[derive(Debug, Default)]
pub(crate) struct ProjectionItems {
    /// Each discography entry and where it is stored.
    pub(crate) entries: Vec<(DiscographyEntry, PrimaryKey)>,
    /// Each shared-track entry and where it is stored.
    pub(crate) shared: Vec<(SharedTrack, PrimaryKey)>,
}

impl ProjectionItems {
    /// Takes `item` if it is either kind; `false` for anything else.
    pub(crate) fn add(&mut self, item: &Item) -> Result<bool, StoreError> {
        let kind = entity_of(item).unwrap_or_default();
        if kind != DiscographyEntry::NAME && kind != SharedTrack::NAME {
            return Ok(false);
        }
        let stored_at = PrimaryKey::of_item(item).unwrap_or_default();
        if kind == DiscographyEntry::NAME {
            self.entries.push((decode(item.clone())?, stored_at));
        } else {
            self.shared.push((decode(item.clone())?, stored_at));
        }
        Ok(true)
    }

    pub(crate) fn extend(&mut self, other: ProjectionItems) {
        self.entries.extend(other.entries);
        self.shared.extend(other.shared);
    }
}

/// How one shared-track entry differs from what its source says.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// The source credits the pair, and the entry is not there.
    Missing(SharedTrack),
    /// The entry is there with other fields (a title or credits the source no longer has).
    Stale(SharedTrack),
    /// The entry is there, and no source entry credits the pair at this track.
    Orphaned(PrimaryKey),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pair = |s: &SharedTrack| {
            format!(
                "{} with {}, track {}",
                s.entry.producer_id, s.with_id, s.entry.track_id
            )
        };
        match self {
            Drift::Missing(s) => write!(f, "shared-track entry missing: {}", pair(s)),
            Drift::Stale(s) => write!(
                f,
                "shared-track entry stale: {} (its discography entry is at version {})",
                pair(s),
                s.entry.version
            ),
            Drift::Orphaned(key) => write!(
                f,
                "orphaned shared-track entry {}/{} (no discography entry credits the pair there)",
                key.pk, key.sk
            ),
        }
    }
}

/// Where the shared-track entries differ from the discography entries, grouped by the source
/// entry's key (the repair's unit).
pub(crate) fn projection_drift(items: &ProjectionItems) -> BTreeMap<PrimaryKey, Vec<Drift>> {
    let mut wanted: BTreeMap<PrimaryKey, (PrimaryKey, SharedTrack)> = BTreeMap::new();
    for (entry, stored_at) in &items.entries {
        // A copy stored away from its own key is the checker's orphan, not a source.
        if entry.full_key(&()).primary != *stored_at {
            continue;
        }
        for shared in SharedTrack::of_entry(entry) {
            wanted.insert(shared.full_key(&()).primary, (stored_at.clone(), shared));
        }
    }
    let mut drift: BTreeMap<PrimaryKey, Vec<Drift>> = BTreeMap::new();
    let mut present = BTreeSet::new();
    for (shared, stored_at) in &items.shared {
        present.insert(stored_at.clone());
        match wanted.get(stored_at) {
            Some((source, expected)) if expected != shared => drift
                .entry(source.clone())
                .or_default()
                .push(Drift::Stale(expected.clone())),
            Some(_) => {}
            None => {
                let e = &shared.entry;
                let source = DiscographyEntry::primary_key(
                    &(),
                    (&e.producer_id, e.uploaded_at, &e.track_id),
                );
                drift
                    .entry(source)
                    .or_default()
                    .push(Drift::Orphaned(stored_at.clone()));
            }
        }
    }
    for (key, (source, expected)) in &wanted {
        if !present.contains(key) {
            drift
                .entry(source.clone())
                .or_default()
                .push(Drift::Missing(expected.clone()));
        }
    }
    drift
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub discography_entries: usize,
    pub shared_entries: usize,
    /// Source entries whose shared-track entries were rewritten.
    pub repaired: usize,
    pub put: usize,
    pub deleted: usize,
    /// Repairs read again because another writer changed their source meanwhile.
    pub reread: usize,
}

impl std::fmt::Display for RebuildReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} discography entries and {} shared-track entries read; {} repaired ({} put, {} \
             deleted, {} read again)",
            self.discography_entries,
            self.shared_entries,
            self.repaired,
            self.put,
            self.deleted,
            self.reread
        )
    }
}

impl Store {
    /// Both sides of the projection, scanned in `segments` at once (strongly consistent).
    pub(crate) async fn scan_projection(
        &self,
        segments: u32,
    ) -> Result<ProjectionItems, StoreError> {
        let parts = self
            .scan_all(segments, |part: &mut ProjectionItems, item| {
                part.add(&item).map(|_| ())
            })
            .await?;
        let mut all = ProjectionItems::default();
        parts.into_iter().for_each(|p| all.extend(p));
        Ok(all)
    }

    /// Makes every shared-track entry agree with the discography entries: missing and stale
    /// entries put, orphans deleted. Only source entries whose projection differs are written.
    pub async fn rebuild_shared_tracks(&self, segments: u32) -> Result<RebuildReport, StoreError> {
        let items = self.scan_projection(segments).await?;
        let mut report = RebuildReport {
            discography_entries: items.entries.len(),
            shared_entries: items.shared.len(),
            ..RebuildReport::default()
        };
        for (source, drift) in projection_drift(&items) {
            // Every shared-track entry the scan found for this source, whatever its drift.
            let found: Vec<PrimaryKey> = items
                .shared
                .iter()
                .filter(|(s, _)| {
                    let e = &s.entry;
                    DiscographyEntry::primary_key(&(), (&e.producer_id, e.uploaded_at, &e.track_id))
                        == source
                })
                .map(|(_, key)| key.clone())
                .chain(drift.iter().filter_map(|d| match d {
                    Drift::Orphaned(key) => Some(key.clone()),
                    _ => None,
                }))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            self.repair(&source, &found, &mut report).await?;
        }
        Ok(report)
    }

    /// Rewrites the shared-track entries of the discography entry at `source` as it is now:
    /// read, then written on the condition that it is still what was read.
    async fn repair(
        &self,
        source: &PrimaryKey,
        found: &[PrimaryKey],
        report: &mut RebuildReport,
    ) -> Result<(), StoreError> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                report.reread += 1;
            }
            let out = self
                .table
                .client()
                .get_item()
                .table_name(self.table.name())
                .set_key(Some(source.item()))
                .consistent_read(true)
                .send()
                .await
                .map_err(StoreError::dynamo("GetItem"))?;
            let current: Option<DiscographyEntry> = out.item.map(decode).transpose()?;
            let wanted: Vec<SharedTrack> = current
                .as_ref()
                .map_or_else(Vec::new, |c| SharedTrack::of_entry(c).collect());
            let keep: BTreeSet<PrimaryKey> =
                wanted.iter().map(|s| s.full_key(&()).primary).collect();
            let mut writes = Vec::new();
            for shared in &wanted {
                writes.push(transaction_put(self.table.name(), shared)?);
            }
            let stale: Vec<&PrimaryKey> = found.iter().filter(|k| !keep.contains(*k)).collect();
            for key in &stale {
                writes.push(table::write::transact_delete(self.table.name(), key.item()));
            }
            let condition = self.unchanged(source, current.as_ref());
            let mut cancelled = false;
            for chunk in writes.chunks(WRITES_PER_TRANSACTION) {
                let mut actions = vec![condition.clone()];
                actions.extend_from_slice(chunk);
                let sent = self
                    .table
                    .client()
                    .transact_write_items()
                    .set_transact_items(Some(actions))
                    .send()
                    .await;
                match sent {
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.as_service_error(),
                            Some(TransactWriteItemsError::TransactionCanceledException(_))
                        ) =>
                    {
                        cancelled = true;
                        break;
                    }
                    Err(e) => return Err(StoreError::dynamo("TransactWriteItems")(e)),
                }
            }
            if !cancelled {
                report.repaired += 1;
                report.put += wanted.len();
                report.deleted += stale.len();
                return Ok(());
            }
        }
        Err(StoreError::Contended {
            what: format!("the shared-track entries of {}/{}", source.pk, source.sk),
            attempts: ATTEMPTS,
        })
    }

    /// A condition that the discography entry at `source` is still `current` (its version and
    /// title; the credits change only with the version), or still absent.
    fn unchanged(
        &self,
        source: &PrimaryKey,
        current: Option<&DiscographyEntry>,
    ) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(self.table.name())
            .set_key(Some(source.item()));
        let check = match current {
            Some(entry) => check
                .condition_expression("#version = :version AND #title = :title")
                .expression_attribute_names("#version", VERSION_ATTRIBUTE)
                .expression_attribute_names("#title", TITLE_ATTRIBUTE)
                .expression_attribute_values(
                    ":version",
                    AttributeValue::N(entry.version.to_string()),
                )
                .expression_attribute_values(":title", AttributeValue::S(entry.title.clone())),
            None => check.condition_expression(table::access::if_absent()),
        };
        TransactWriteItem::builder()
            .condition_check(check.build().expect("table, key and condition are set"))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog::UploadTime;
    use contribution::{Credits, ProducerId, TrackId};
    use table::entity::encode;

    fn entry(producer: &str, credits: &[&str], title: &str) -> DiscographyEntry {
        let ids: Vec<ProducerId> = credits
            .iter()
            .map(|c| ProducerId::parse(*c).expect("id"))
            .collect();
        DiscographyEntry {
            producer_id: ProducerId::parse(producer).expect("id"),
            track_id: TrackId::parse("t1").expect("id"),
            title: title.to_owned(),
            uploader_id: ProducerId::parse("p1").expect("id"),
            uploaded_at: UploadTime::parse("2026-08-21T00:00:00Z").expect("time"),
            credits: Credits::new(ids).expect("credits"),
            version: 2,
        }
    }

    #[test]
    fn the_condition_names_attributes_the_entry_is_stored_with() {
        let item = encode(&entry("p1", &["p1", "p2"], "A"), &(), None).expect("encodes");
        assert!(matches!(item.get(VERSION_ATTRIBUTE), Some(AttributeValue::N(v)) if v == "2"));
        assert!(matches!(item.get(TITLE_ATTRIBUTE), Some(AttributeValue::S(t)) if t == "A"));
    }

    #[test]
    fn drift_names_missing_stale_and_orphaned_entries_by_their_source() {
        let source = entry("p1", &["p1", "p2", "p3"], "New title");
        let at = |e: &DiscographyEntry| e.full_key(&()).primary;
        let shared_of = |e: &DiscographyEntry| -> Vec<(SharedTrack, PrimaryKey)> {
            SharedTrack::of_entry(e)
                .map(|s| {
                    let key = s.full_key(&()).primary;
                    (s, key)
                })
                .collect()
        };
        // Stored: p1 with p2 under an old title, p1 with p4 (no longer credited); p1 with p3
        // missing.
        let old = entry("p1", &["p1", "p2", "p4"], "Old title");
        let stored: Vec<_> = shared_of(&old);
        let items = ProjectionItems {
            entries: vec![(source.clone(), at(&source))],
            shared: stored.clone(),
        };
        let drift = projection_drift(&items);
        assert_eq!(drift.len(), 1);
        let found = &drift[&at(&source)];
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|d| matches!(d, Drift::Stale(s) if s.with_id.as_str() == "p2" && s.entry.title == "New title")));
        assert!(
            found
                .iter()
                .any(|d| matches!(d, Drift::Missing(s) if s.with_id.as_str() == "p3"))
        );
        let p4 = stored
            .iter()
            .find(|(s, _)| s.with_id.as_str() == "p4")
            .map(|(_, k)| k.clone())
            .expect("p4's entry");
        assert!(found.contains(&Drift::Orphaned(p4)));
        // In agreement: nothing.
        let agreed = ProjectionItems {
            entries: vec![(source.clone(), at(&source))],
            shared: shared_of(&source),
        };
        assert!(projection_drift(&agreed).is_empty());
    }
}
