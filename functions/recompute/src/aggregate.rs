//! The mergeable aggregate of a part of the catalog.
//!
//! Each scan segment folds its tracks and profiles into an [`Aggregate`]; aggregates of disjoint
//! parts [`merge`](Aggregate::merge) in any order to the same value (counts are integer sums,
//! contribution sums are exact), so segments, or later several invocations, can split the work
//! freely. Memory grows with producers and collaborating pairs, never with tracks: per-track
//! breakdowns are returned to the caller to stream out, not kept.
//!
//! Besides all-time counts it keeps what the 7- and 30-day leaderboards need from the catalog
//! itself (uploads and collaborative tracks by upload time, and the latest shared upload of each
//! pair); plays gained in a window come from an earlier run's counters, not from here.

use std::collections::HashMap;

use catalog::{Producer, Track};
use chrono::{DateTime, TimeDelta, Utc};
use contribution::{Breakdown, ContributionLedger, LedgerError, ProducerId};

/// Per-producer counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProducerTally {
    /// Tracks crediting the producer.
    pub tracks: u64,
    /// Of those, tracks crediting 2+ producers.
    pub collaborative_tracks: u64,
    /// Plays of those collaborative tracks (full plays, not split).
    pub collaborative_plays: u64,
    /// Plays of every track crediting the producer (full plays, not split).
    pub plays: u64,
    /// Tracks the producer uploaded, and of those the metadata-complete ones (for XP).
    pub uploads: u64,
    pub complete_uploads: u64,
    /// The same for the tracks uploaded in each window ([`WINDOWS`] order).
    pub recent: [RecentTally; 2],
}

/// A producer's counts over tracks uploaded in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecentTally {
    /// Tracks the producer uploaded in the window.
    pub uploads: u64,
    /// Collaborative tracks crediting the producer, uploaded in the window.
    pub collaborative_tracks: u64,
}

impl RecentTally {
    fn add(&mut self, other: &RecentTally) {
        self.uploads += other.uploads;
        self.collaborative_tracks += other.collaborative_tracks;
    }
}

/// The windows the recent tallies cover, in days: the leaderboards' `7d` and `30d`.
pub const WINDOWS: [i64; 2] = [7, 30];

/// Two producers' shared tracks and the plays on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairTally {
    pub tracks: u32,
    pub plays: u64,
    /// When the latest of their shared tracks was uploaded (epoch milliseconds).
    pub latest_upload_millis: i64,
}

/// An unordered pair of producers, stored smaller id first.
pub type Pair = (ProducerId, ProducerId);

#[derive(Debug, Clone)]
pub struct Aggregate {
    pub ledger: ContributionLedger,
    pub producers: HashMap<ProducerId, ProducerTally>,
    pub pairs: HashMap<Pair, PairTally>,
    pub profiles: HashMap<ProducerId, Producer>,
    pub tracks: u64,
    /// Where each window starts (epoch milliseconds, exclusive): the as-of minus [`WINDOWS`].
    window_starts: [i64; 2],
}

impl Aggregate {
    pub fn new(as_of: DateTime<Utc>) -> Self {
        Self {
            ledger: ContributionLedger::new(as_of),
            producers: HashMap::new(),
            pairs: HashMap::new(),
            profiles: HashMap::new(),
            tracks: 0,
            window_starts: WINDOWS.map(|days| (as_of - TimeDelta::days(days)).timestamp_millis()),
        }
    }

    /// Whether a track uploaded at `uploaded_millis` is in window `w` (after its start).
    pub fn in_window(&self, w: usize, uploaded_millis: i64) -> bool {
        uploaded_millis > self.window_starts[w]
    }

    pub fn as_of(&self) -> DateTime<Utc> {
        self.ledger.as_of()
    }

    pub fn add_profile(&mut self, producer: Producer) {
        self.profiles.insert(producer.id.clone(), producer);
    }

    /// Folds one track in; returns its breakdown (the same for every credited producer).
    pub fn add_track(&mut self, track: &Track) -> Breakdown {
        self.tracks += 1;
        let breakdown = self.ledger.record(&track.facts());
        let collaborative = track.credits.is_collaboration();
        let credited = track.credits.producers();
        let uploaded = track.uploaded_at.instant().timestamp_millis();
        let recent = [0, 1].map(|w| self.in_window(w, uploaded));
        for producer in credited {
            let tally = self.producers.entry(producer.clone()).or_default();
            tally.tracks += 1;
            tally.plays = tally.plays.saturating_add(track.plays);
            if collaborative {
                tally.collaborative_tracks += 1;
                tally.collaborative_plays = tally.collaborative_plays.saturating_add(track.plays);
                for (w, _) in recent.iter().enumerate().filter(|(_, r)| **r) {
                    tally.recent[w].collaborative_tracks += 1;
                }
            }
        }
        let uploader = self.producers.entry(track.uploader_id.clone()).or_default();
        uploader.uploads += 1;
        uploader.complete_uploads += u64::from(track.metadata_complete);
        for (w, _) in recent.iter().enumerate().filter(|(_, r)| **r) {
            uploader.recent[w].uploads += 1;
        }
        for (i, a) in credited.iter().enumerate() {
            for b in &credited[i + 1..] {
                let key = if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                let pair = self.pairs.entry(key).or_insert(PairTally {
                    tracks: 0,
                    plays: 0,
                    latest_upload_millis: i64::MIN,
                });
                pair.tracks += 1;
                pair.plays = pair.plays.saturating_add(track.plays);
                pair.latest_upload_millis = pair.latest_upload_millis.max(uploaded);
            }
        }
        breakdown
    }

    /// Combines the aggregate of another, disjoint part of the same catalog at the same instant.
    pub fn merge(&mut self, other: Aggregate) -> Result<(), LedgerError> {
        self.ledger.merge(other.ledger)?;
        for (producer, t) in other.producers {
            let mine = self.producers.entry(producer).or_default();
            mine.tracks += t.tracks;
            mine.collaborative_tracks += t.collaborative_tracks;
            mine.collaborative_plays = mine
                .collaborative_plays
                .saturating_add(t.collaborative_plays);
            mine.plays = mine.plays.saturating_add(t.plays);
            mine.uploads += t.uploads;
            mine.complete_uploads += t.complete_uploads;
            for (mine, theirs) in mine.recent.iter_mut().zip(&t.recent) {
                mine.add(theirs);
            }
        }
        for (pair, t) in other.pairs {
            let mine = self.pairs.entry(pair).or_insert(PairTally {
                tracks: 0,
                plays: 0,
                latest_upload_millis: i64::MIN,
            });
            mine.tracks += t.tracks;
            mine.plays = mine.plays.saturating_add(t.plays);
            mine.latest_upload_millis = mine.latest_upload_millis.max(t.latest_upload_millis);
        }
        self.profiles.extend(other.profiles);
        self.tracks += other.tracks;
        Ok(())
    }
}
