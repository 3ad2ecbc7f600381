//! Catalog import: loading a validated catalog file into the table, idempotently.
//!
//! The file was parsed and checked line by line by `catalog::jsonl`; here the last check that
//! needs the table runs first (every producer a track names but the file does not define must
//! already have a profile), and only if the whole file passes is anything written. Import is an
//! upsert: what is already stored as in the file is skipped, so importing the same file twice
//! writes nothing the second time. New tracks go in with batch writes (the backfill's bulk);
//! tracks that exist but differ go through the same versioned transaction as a credit edit, so
//! their discography entries and history stay consistent and a concurrent edit is never lost.
//!
//! A file describes the catalog as of an instant (`as_of`), and the live feed may have moved on
//! since: profiles go through the feed's own newest-wins write, and a track's plays and platform
//! fields stay as stored where the feed's stamp is after that instant (a file of the same
//! instant again is a corrected one, and wins) (review I3: a
//! backfill after go-live had reverted payout accounts the feed had set). What import writes is
//! stamped with its instant, so a feed message older than the file is stale in turn.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use catalog::jsonl::{LineError, Parsed};
use catalog::{Producer, ProducerChange, Track};
use chrono::{DateTime, Utc};
use contribution::TrackId;
use futures_util::{StreamExt, TryStreamExt, stream};

use aws_sdk_dynamodb::types::WriteRequest;

use crate::Store;
use crate::catalog::platform::{Applied, PlayOutcome, RACE_ATTEMPTS, Ties, copy_platform_fields};
use table::access::batch_put;
use table::batch::{BatchStats, DEFAULT_CONCURRENCY};
use table::entity::{Entity, decode, entity_of};
use table::error::StoreError;
use table::items::catalog::{
    Change, ChangeSource, CreditChange, DiscographyEntry, StoredTrack, TrackPlays, TrackRecord,
    TrackStamps,
};

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
    /// Profiles the live feed changed after the file's instant: left as the feed left them.
    pub producers_newer_in_table: u64,
    pub tracks_created: u64,
    pub tracks_updated: u64,
    pub tracks_unchanged: u64,
    /// Tracks whose plays or platform fields the feed changed after the file's instant: those
    /// parts were left as the feed left them (the rest imported).
    pub tracks_newer_in_table: u64,
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
fn new_track_items(track: &Track, as_of: DateTime<Utc>) -> Result<Vec<WriteRequest>, StoreError> {
    let stamps = TrackStamps {
        plays_at: Some(as_of.timestamp_millis()),
        platform_at: Some(as_of.timestamp_millis()),
    };
    let mut items = vec![
        batch_put(&TrackRecord::stamped(track, 1, stamps), &(), None)?,
        batch_put(&TrackPlays::of(track, stamps.plays_at), &(), None)?,
    ];
    for entry in DiscographyEntry::all(track, 1) {
        items.push(batch_put(&entry, &(), None)?);
    }
    let change = Change::new(track.uploader_id.clone(), ChangeSource::Import, as_of);
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
        let known = self.catalog().get_producers(&external).await?;
        Ok(parsed.check_references(|id| known.contains_key(id)))
    }

    /// Imports `parsed` as of `as_of`, the instant the file describes (see the module docs): it
    /// stamps history entries, and what the live feed applied after it is kept.
    pub async fn import_catalog(
        &self,
        parsed: Parsed,
        as_of: DateTime<Utc>,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, ImportError> {
        let errors = self.check_references(&parsed).await?;
        if !errors.is_empty() {
            return Err(ImportError::Rejected(errors));
        }

        let stats = BatchStats::default();
        let mut report = ImportReport::default();
        self.import_producers(&parsed.producers, as_of, &mut report)
            .await?;
        progress.advance(parsed.producers.len() as u64);
        self.import_tracks(parsed.tracks, as_of, &stats, &mut report, progress)
            .await?;
        report.retried_items = stats.retried();
        Ok(report)
    }

    /// Each producer that differs from its stored profile goes through the feed's own write
    /// (`write_producer`, the newest stamp wins) as of the file's instant: a profile the feed
    /// changed after that instant is left as the feed left it.
    async fn import_producers(
        &self,
        producers: &[Producer],
        as_of: DateTime<Utc>,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let existing = self
            .catalog()
            .get_producers(producers.iter().map(|p| &p.id))
            .await?;
        let changed: Vec<&Producer> = producers
            .iter()
            .filter(|p| existing.get(&p.id) != Some(*p))
            .collect();
        report.producers_unchanged += (producers.len() - changed.len()) as u64;
        let outcomes: Vec<Applied> = stream::iter(changed)
            .map(|producer| async move {
                self.catalog()
                    .write_producer(&ProducerChange::whole(producer), as_of, Ties::Apply)
                    .await
            })
            .buffer_unordered(DEFAULT_CONCURRENCY)
            .try_collect()
            .await?;
        for outcome in outcomes {
            match outcome {
                Applied::Created | Applied::Updated => report.producers_written += 1,
                Applied::Stale => report.producers_newer_in_table += 1,
            }
        }
        Ok(())
    }

    async fn import_tracks(
        &self,
        tracks: Vec<Track>,
        as_of: DateTime<Utc>,
        stats: &BatchStats,
        report: &mut ImportReport,
        progress: &dyn ImportProgress,
    ) -> Result<(), StoreError> {
        let keys = tracks
            .iter()
            .flat_map(|t| {
                [
                    TrackRecord::primary_key(&(), &t.id).item(),
                    TrackPlays::primary_key(&(), &t.id).item(),
                ]
            })
            .collect();
        let (mut records, mut counted) = (HashMap::new(), HashMap::new());
        for item in self.table.get_all(keys).await? {
            if entity_of(&item) == Some(TrackPlays::NAME) {
                let p = decode::<TrackPlays>(item)?;
                counted.insert(p.track_id.clone(), p);
            } else {
                let t = decode::<TrackRecord>(item)?;
                records.insert(t.id.clone(), t);
            }
        }
        let mut existing: HashMap<TrackId, StoredTrack> = records
            .into_iter()
            .map(|(id, t)| {
                let plays = counted.remove(&id);
                (id, StoredTrack::from_items(t, plays))
            })
            .collect();

        let mut created = Vec::new();
        let mut changed = Vec::new();
        for track in tracks {
            match existing.remove(&track.id) {
                Some(current) if current.track == track => report.tracks_unchanged += 1,
                Some(current) => changed.push((current, track)),
                None => created.push(track),
            }
        }
        let as_of_millis = as_of.timestamp_millis();
        let done = AtomicU64::new(report.tracks_unchanged);

        // New tracks: batch writes, a group of tracks at a time so progress moves as they land.
        report.tracks_created = created.len() as u64;
        for group in created.chunks(NEW_TRACKS_PER_GROUP) {
            let mut writes = Vec::with_capacity(group.len() * 4);
            for track in group {
                writes.extend(new_track_items(track, as_of)?);
            }
            self.table.write_all(writes, stats).await?;
            progress.advance(
                done.fetch_add(group.len() as u64, Ordering::Relaxed) + group.len() as u64,
            );
        }

        // Changed tracks: one versioned transaction each (when more than plays changed) and one
        // conditional count (when plays did), a few at a time, never over what the feed applied
        // after the file's instant.
        report.tracks_updated = changed.len() as u64;
        let kept: Vec<bool> = stream::iter(changed)
            .map(|(current, track)| {
                let done = &done;
                async move {
                    let change =
                        Change::new(track.uploader_id.clone(), ChangeSource::Import, as_of);
                    let mut current = current;
                    let mut attempts = 0;
                    // The count: its own conditional write, newest stamp wins (a count the feed
                    // applied after the file's instant, even one landing now, is kept).
                    let mut kept_feed = false;
                    if current.track.plays != track.plays
                        || current.stamps.plays_at < Some(as_of_millis)
                    {
                        let outcome = self
                            .catalog()
                            .write_play_count(as_of, &track.id, track.plays, Ties::Apply, stats)
                            .await?;
                        kept_feed = matches!(outcome, PlayOutcome::Stale);
                    }
                    let kept_feed = loop {
                        let (merged, stamps) = imported_over(&current, &track, as_of_millis);
                        let kept_feed = kept_feed || !same_apart_from_plays(&merged, &track);
                        if same_apart_from_plays(&merged, &current.track)
                            && stamps.platform_at == current.stamps.platform_at
                        {
                            break kept_feed;
                        }
                        match self
                            .catalog()
                            .replace_stamped_track(&current, &merged, &change, stamps)
                            .await
                        {
                            Ok(_) => break kept_feed,
                            // The feed (or an edit) changed it meanwhile: read it again.
                            Err(StoreError::VersionConflict { .. }) if attempts < RACE_ATTEMPTS => {
                                attempts += 1;
                                current =
                                    self.catalog().get_track(&track.id).await?.ok_or_else(
                                        || StoreError::TrackNotFound(track.id.clone()),
                                    )?;
                            }
                            Err(e) => return Err(e),
                        }
                    };
                    progress.advance(done.fetch_add(1, Ordering::Relaxed) + 1);
                    Ok::<bool, StoreError>(kept_feed)
                }
            })
            .buffer_unordered(DEFAULT_CONCURRENCY)
            .try_collect()
            .await?;
        report.tracks_newer_in_table = kept.iter().filter(|k| **k).count() as u64;
        progress.advance(done.load(Ordering::Relaxed));
        Ok(())
    }
}

/// Whether two tracks differ in nothing but plays (which the track item does not hold).
fn same_apart_from_plays(a: &Track, b: &Track) -> bool {
    Track {
        plays: b.plays,
        ..a.clone()
    } == *b
}

/// `file`'s track over `current` as of `as_of` (epoch ms), for the track item: the platform's
/// fields (title, genre, exclusive-only, metadata) stay as stored where the feed's stamp is after
/// the file's instant; the stamp moves up to it. Credits, uploader and upload time are the file's.
/// (Plays are written apart, by `write_play_count`.)
fn imported_over(current: &StoredTrack, file: &Track, as_of: i64) -> (Track, TrackStamps) {
    let mut merged = file.clone();
    let stored = &current.track;
    merged.plays = stored.plays;
    if Ties::Apply.is_stale(current.stamps.platform_at, as_of) {
        copy_platform_fields(&mut merged, stored);
    }
    let stamps = TrackStamps {
        plays_at: current.stamps.plays_at,
        platform_at: current.stamps.platform_at.max(Some(as_of)),
    };
    (merged, stamps)
}
