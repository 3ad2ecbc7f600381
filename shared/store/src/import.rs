//! Catalog import: loading a validated catalog file into the table, idempotently.
//!
//! The file was parsed and checked line by line by `catalog::jsonl`; here the last check that
//! needs the table runs first (every producer a track names but the file does not define must
//! already have a profile), and only if the whole file passes is anything written. Import is an
//! upsert: what is already stored as in the file is skipped, so importing the same file twice
//! writes nothing the second time. New tracks go in with batch writes (the backfill's bulk);
//! tracks that exist but differ go through the same versioned transaction as a credit edit, so
//! their discography entries and history stay consistent and a concurrent edit is never lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use catalog::jsonl::{LineError, Parsed};
use catalog::{Producer, Track};
use chrono::{DateTime, Utc};
use contribution::TrackId;
use futures_util::{StreamExt, TryStreamExt, stream};

use aws_sdk_dynamodb::types::WriteRequest;

use crate::Store;
use crate::access::{batch_delete, batch_put};
use crate::batch::{BatchStats, DEFAULT_CONCURRENCY};
use crate::catalog_items::{
    ArtistNameEntry, Change, ChangeSource, CreditChange, DiscographyEntry, Profile, StoredTrack,
    TrackRecord,
};
use crate::entity::{Entity, decode};
use crate::error::StoreError;
use crate::producers::stale_name_entries;

/// New tracks written per group of batch writes (progress is reported per group).
const NEW_TRACKS_PER_GROUP: usize = 1_000;

/// Why an import wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {} bad line(s); nothing was written", .0.len())]
    Rejected(Vec<LineError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub producers_written: u64,
    pub producers_unchanged: u64,
    pub tracks_created: u64,
    pub tracks_updated: u64,
    pub tracks_unchanged: u64,
    /// Items re-sent because DynamoDB left them unprocessed.
    pub retried_items: u64,
}

/// Import progress callbacks: records handled so far, out of the file's total.
pub trait ImportProgress: Sync {
    fn advance(&self, records: u64);
}

impl<F: Fn(u64) + Sync> ImportProgress for F {
    fn advance(&self, records: u64) {
        self(records)
    }
}

/// The items of a track new to the table: the track (version 1), its discography entries and the
/// first history entry (from no credits to its credits).
fn new_track_items(track: &Track, now: DateTime<Utc>) -> Result<Vec<WriteRequest>, StoreError> {
    let mut items = vec![batch_put(&TrackRecord::new(track, 1), &(), None)?];
    for entry in DiscographyEntry::all(track, 1) {
        items.push(batch_put(&entry, &(), None)?);
    }
    let change = Change {
        by: track.uploader_id.clone(),
        source: ChangeSource::Import,
        at: now,
    };
    items.push(batch_put(
        &CreditChange::new(track, 1, &change, Vec::new()),
        &(),
        None,
    )?);
    Ok(items)
}

impl Store {
    /// The lines of `parsed` naming a producer that is neither in the file nor in the table.
    pub async fn check_references(&self, parsed: &Parsed) -> Result<Vec<LineError>, StoreError> {
        let external: Vec<_> = parsed.external_references.keys().cloned().collect();
        let known = self.get_producers(&external).await?;
        Ok(parsed.check_references(|id| known.contains_key(id)))
    }

    /// Imports `parsed` (see the module docs). `now` stamps history entries.
    pub async fn import_catalog(
        &self,
        parsed: Parsed,
        now: DateTime<Utc>,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, ImportError> {
        let errors = self.check_references(&parsed).await?;
        if !errors.is_empty() {
            return Err(ImportError::Rejected(errors));
        }

        let stats = BatchStats::default();
        let mut report = ImportReport::default();
        self.import_producers(&parsed.producers, &stats, &mut report)
            .await?;
        progress.advance(parsed.producers.len() as u64);
        self.import_tracks(parsed.tracks, now, &stats, &mut report, progress)
            .await?;
        report.retried_items = stats.retried();
        Ok(report)
    }

    async fn import_producers(
        &self,
        producers: &[Producer],
        stats: &BatchStats,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let existing = self.get_producers(producers.iter().map(|p| &p.id)).await?;
        let mut writes = Vec::new();
        for producer in producers {
            let old = existing.get(&producer.id);
            if old == Some(producer) {
                report.producers_unchanged += 1;
                continue;
            }
            report.producers_written += 1;
            let entries = ArtistNameEntry::all(producer);
            let old_entries = old.map(ArtistNameEntry::all).unwrap_or_default();
            for stale in stale_name_entries(&old_entries, &entries) {
                writes.push(batch_delete(stale, &()));
            }
            writes.push(batch_put(&Profile::from(producer), &(), None)?);
            for entry in &entries {
                writes.push(batch_put(entry, &(), None)?);
            }
        }
        self.write_all(writes, stats).await
    }

    async fn import_tracks(
        &self,
        tracks: Vec<Track>,
        now: DateTime<Utc>,
        stats: &BatchStats,
        report: &mut ImportReport,
        progress: &dyn ImportProgress,
    ) -> Result<(), StoreError> {
        let keys = tracks
            .iter()
            .map(|t| TrackRecord::primary_key(&(), &t.id).item())
            .collect();
        let mut existing: HashMap<TrackId, StoredTrack> = self
            .get_all(keys)
            .await?
            .into_iter()
            .map(|item| decode::<TrackRecord>(item).map(|t| (t.id.clone(), StoredTrack::from(t))))
            .collect::<Result<_, _>>()?;

        let mut created = Vec::new();
        let mut changed = Vec::new();
        for track in tracks {
            match existing.remove(&track.id) {
                Some(current) if current.track == track => report.tracks_unchanged += 1,
                Some(current) => changed.push((current, track)),
                None => created.push(track),
            }
        }
        let done = AtomicU64::new(report.tracks_unchanged);

        // New tracks: batch writes, a group of tracks at a time so progress moves as they land.
        report.tracks_created = created.len() as u64;
        for group in created.chunks(NEW_TRACKS_PER_GROUP) {
            let mut writes = Vec::with_capacity(group.len() * 4);
            for track in group {
                writes.extend(new_track_items(track, now)?);
            }
            self.write_all(writes, stats).await?;
            progress.advance(
                done.fetch_add(group.len() as u64, Ordering::Relaxed) + group.len() as u64,
            );
        }

        // Changed tracks: one versioned transaction each, a few at a time.
        report.tracks_updated = changed.len() as u64;
        stream::iter(changed)
            .map(|(current, track)| {
                let done = &done;
                async move {
                    let change = Change {
                        by: track.uploader_id.clone(),
                        source: ChangeSource::Import,
                        at: now,
                    };
                    self.replace_track(&current, &track, &change).await?;
                    progress.advance(done.fetch_add(1, Ordering::Relaxed) + 1);
                    Ok::<(), StoreError>(())
                }
            })
            .buffer_unordered(DEFAULT_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        progress.advance(done.load(Ordering::Relaxed));
        Ok(())
    }
}
