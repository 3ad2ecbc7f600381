//! The mergeable aggregate of a part of the catalog.
//!
//! Each scan segment folds its tracks and profiles into an [`Aggregate`]; aggregates of disjoint
//! parts [`merge`](Aggregate::merge) in any order to the same value (counts are integer sums,
//! contribution sums are exact), so segments, or later several invocations, can split the work
//! freely. Memory grows with producers and collaborating pairs, never with tracks: per-track
//! breakdowns are returned to the caller to stream out, not kept.

use std::collections::HashMap;

use catalog::{Producer, Track};
use chrono::{DateTime, Utc};
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
}

/// Two producers' shared tracks and the plays on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairTally {
    pub tracks: u32,
    pub plays: u64,
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
}

impl Aggregate {
    pub fn new(as_of: DateTime<Utc>) -> Self {
        Self {
            ledger: ContributionLedger::new(as_of),
            producers: HashMap::new(),
            pairs: HashMap::new(),
            profiles: HashMap::new(),
            tracks: 0,
        }
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
        for producer in credited {
            let tally = self.producers.entry(producer.clone()).or_default();
            tally.tracks += 1;
            tally.plays = tally.plays.saturating_add(track.plays);
            if collaborative {
                tally.collaborative_tracks += 1;
                tally.collaborative_plays = tally.collaborative_plays.saturating_add(track.plays);
            }
        }
        let uploader = self.producers.entry(track.uploader_id.clone()).or_default();
        uploader.uploads += 1;
        uploader.complete_uploads += u64::from(track.metadata_complete);
        for (i, a) in credited.iter().enumerate() {
            for b in &credited[i + 1..] {
                let key = if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                let pair = self.pairs.entry(key).or_default();
                pair.tracks += 1;
                pair.plays = pair.plays.saturating_add(track.plays);
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
        }
        for (pair, t) in other.pairs {
            let mine = self.pairs.entry(pair).or_default();
            mine.tracks += t.tracks;
            mine.plays = mine.plays.saturating_add(t.plays);
        }
        self.profiles.extend(other.profiles);
        self.tracks += other.tracks;
        Ok(())
    }
}
