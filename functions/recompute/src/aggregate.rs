//! The mergeable aggregate of a part of the catalog.
//!
//! The scan folds tracks and profiles into an [`Aggregate`]; aggregates of disjoint parts
//! [`merge`](Aggregate::merge) in any order to the same value (counts are integer sums,
//! contribution sums are exact), so segments, or later several invocations, can split the work
//! freely. During the scan memory grows with producers and by ~60 bytes a track with the
//! [`TrackArena`] each producer's contribution list is made from; the collaborating pairs are
//! tallied from the arena once the scan is done ([`seal`](Aggregate::seal)), when the scan's
//! pages are no longer held.
//!
//! Producer ids are interned by the ledger ([`contribution::ProducerNumber`]): every
//! per-producer figure is a `Vec` slot at the producer's number and every pair is one `u64` key
//! (the two numbers) in a flat map, so a producer costs about 300 bytes here (tally, profile
//! slot, ledger sum and the id once) and a collaborating pair about 40 bytes. Numbers are
//! local to one aggregate; [`merge`](Aggregate::merge) renumbers the other's.
//!
//! Besides all-time counts it keeps what the 7- and 30-day leaderboards need from the catalog
//! itself (uploads and collaborative tracks by upload time, and the latest shared upload of each
//! pair); plays gained in a window come from an earlier run's counters, not from here.

use catalog::{Producer, Track};
use chrono::{DateTime, Utc};
use contribution::window::{PerWindow, per_window};
use contribution::{Breakdown, ContributionLedger, LedgerError, ProducerId, ProducerNumber};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::contributions::TrackArena;

/// Per-producer counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The same for the tracks uploaded in each window.
    pub recent: PerWindow<RecentTally>,
}

impl ProducerTally {
    fn add(&mut self, t: &ProducerTally) {
        self.tracks += t.tracks;
        self.collaborative_tracks += t.collaborative_tracks;
        self.collaborative_plays = self
            .collaborative_plays
            .saturating_add(t.collaborative_plays);
        self.plays = self.plays.saturating_add(t.plays);
        self.uploads += t.uploads;
        self.complete_uploads += t.complete_uploads;
        for (mine, theirs) in self.recent.iter_mut().zip(&t.recent) {
            mine.uploads += theirs.uploads;
            mine.collaborative_tracks += theirs.collaborative_tracks;
        }
    }
}

/// A producer's counts over tracks uploaded in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentTally {
    /// Tracks the producer uploaded in the window.
    pub uploads: u64,
    /// Collaborative tracks crediting the producer, uploaded in the window.
    pub collaborative_tracks: u64,
}

/// Two producers' shared tracks and the plays on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairTally {
    pub tracks: u32,
    pub plays: u64,
    /// When the latest of their shared tracks was uploaded (epoch milliseconds).
    pub latest_upload_millis: i64,
}

impl PairTally {
    const EMPTY: PairTally = PairTally {
        tracks: 0,
        plays: 0,
        latest_upload_millis: i64::MIN,
    };

    fn add(&mut self, t: &PairTally) {
        self.tracks += t.tracks;
        self.plays = self.plays.saturating_add(t.plays);
        self.latest_upload_millis = self.latest_upload_millis.max(t.latest_upload_millis);
    }
}

/// An unordered pair of producer numbers, as one key: the smaller number in the high half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PairKey(u64);

impl PairKey {
    pub fn of(a: ProducerNumber, b: ProducerNumber) -> Self {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        Self((u64::from(lo) << 32) | u64::from(hi))
    }

    /// The two numbers, smaller first.
    pub fn numbers(self) -> (ProducerNumber, ProducerNumber) {
        ((self.0 >> 32) as ProducerNumber, self.0 as ProducerNumber)
    }
}

#[derive(Debug, Clone)]
pub struct Aggregate {
    /// Contribution sums; it also numbers the producers.
    pub ledger: ContributionLedger,
    /// Counts by producer number.
    pub tallies: Vec<ProducerTally>,
    /// Artist profiles by producer number (`None`: credited or uploading without a profile).
    pub profiles: Vec<Option<Producer>>,
    /// Collaborating pairs: tallied from the arena by [`Aggregate::seal`], empty until then.
    pub pairs: FxHashMap<PairKey, PairTally>,
    pub tracks: u64,
    /// Tracks with two or more credited producers.
    pub collaborative_tracks: u64,
    /// Plays on every track.
    pub plays: u64,
    /// Every track, compactly, for each producer's contribution list.
    pub arena: TrackArena,
    /// Where each window starts (epoch milliseconds, exclusive).
    window_starts: PerWindow<i64>,
    /// The numbers of the track being added (reused, so adding a track allocates nothing).
    credited: Vec<ProducerNumber>,
}

impl Aggregate {
    pub fn new(as_of: DateTime<Utc>) -> Self {
        Self {
            ledger: ContributionLedger::new(as_of),
            tallies: Vec::new(),
            profiles: Vec::new(),
            pairs: FxHashMap::default(),
            tracks: 0,
            collaborative_tracks: 0,
            plays: 0,
            arena: TrackArena::default(),
            window_starts: per_window(|w| {
                w.start(as_of)
                    .map_or(i64::MIN, |start| start.timestamp_millis())
            }),
            credited: Vec::new(),
        }
    }

    /// Whether a track uploaded at `uploaded_millis` is in each window (after its start).
    pub fn in_windows(&self, uploaded_millis: i64) -> PerWindow<bool> {
        self.window_starts.map(|start| uploaded_millis > start)
    }

    pub fn as_of(&self) -> DateTime<Utc> {
        self.ledger.as_of()
    }

    /// How many producers the aggregate has numbered (credited, uploading or with a profile).
    pub fn producer_count(&self) -> usize {
        self.tallies.len()
    }

    /// The producer with number `n`.
    pub fn producer(&self, n: ProducerNumber) -> &ProducerId {
        self.ledger.producer(n)
    }

    /// The artist profile of producer `n`, if any.
    pub fn profile(&self, n: ProducerNumber) -> Option<&Producer> {
        self.profiles[n as usize].as_ref()
    }

    /// The display name of producer `n`: the profile's, else the id.
    pub fn name(&self, n: ProducerNumber) -> &str {
        self.profile(n)
            .map_or(self.producer(n).as_str(), |p| p.name.as_str())
    }

    /// The number of `id`, numbering it (with empty tallies) if it is new.
    fn number(&mut self, id: &ProducerId) -> ProducerNumber {
        let n = self.ledger.intern(id);
        if n as usize == self.tallies.len() {
            self.tallies.push(ProducerTally::default());
            self.profiles.push(None);
        }
        n
    }

    pub fn add_profile(&mut self, producer: Producer) {
        let n = self.number(&producer.id);
        self.profiles[n as usize] = Some(producer);
    }

    /// Folds one track in; returns its breakdown (the same for every credited producer).
    pub fn add_track(&mut self, track: &Track) -> Breakdown {
        self.tracks += 1;
        let mut credited = std::mem::take(&mut self.credited);
        credited.clear();
        for producer in track.credits.producers() {
            credited.push(self.number(producer));
        }
        let breakdown = self.ledger.record_numbered(&track.facts(), &credited);
        self.arena.add(track, &credited);
        let collaborative = credited.len() > 1;
        self.collaborative_tracks += u64::from(collaborative);
        self.plays = self.plays.saturating_add(track.plays);
        let uploaded = track.uploaded_at.instant().timestamp_millis();
        let recent = self.in_windows(uploaded);
        for &n in &credited {
            let tally = &mut self.tallies[n as usize];
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
        let uploader = self.number(&track.uploader_id);
        let uploader = &mut self.tallies[uploader as usize];
        uploader.uploads += 1;
        uploader.complete_uploads += u64::from(track.metadata_complete);
        for (w, _) in recent.iter().enumerate().filter(|(_, r)| **r) {
            uploader.recent[w].uploads += 1;
        }
        self.credited = credited;
        breakdown
    }

    /// Readies the merged aggregate for writing (once; again does nothing): tallies the
    /// collaborating pairs from the arena, then groups its credits by producer.
    ///
    /// Pairs are tallied here rather than as tracks are added, so their map (~40 bytes a pair,
    /// 8.6 MB for 220,000 pairs) is not held during the scan beside the pages being decoded.
    pub fn seal(&mut self) {
        if self.arena.is_sealed() {
            return;
        }
        let mut pairs = FxHashMap::default();
        self.arena
            .each_credited_track(|credited, plays, uploaded_millis| {
                let shared = PairTally {
                    tracks: 1,
                    plays,
                    latest_upload_millis: uploaded_millis,
                };
                for (i, &a) in credited.iter().enumerate() {
                    for &b in &credited[i + 1..] {
                        pairs
                            .entry(PairKey::of(a, b))
                            .or_insert(PairTally::EMPTY)
                            .add(&shared);
                    }
                }
            });
        self.pairs = pairs;
        self.arena.seal(self.producer_count());
    }

    /// The aggregate as bytes (postcard): what one scan shard of a sharded run keeps for the
    /// reduce. Before [`seal`](Self::seal) only: a partial is merged, and pairs are tallied
    /// once, after the merge.
    pub fn to_partial(&self) -> Result<Vec<u8>, PartialError> {
        if self.arena.is_sealed() {
            return Err(PartialError::Sealed);
        }
        let partial = PartialRef {
            ledger: &self.ledger,
            tallies: &self.tallies,
            profiles: &self.profiles,
            tracks: self.tracks,
            collaborative_tracks: self.collaborative_tracks,
            plays: self.plays,
            arena: &self.arena,
        };
        Ok(postcard::to_stdvec(&partial)?)
    }

    /// An aggregate from [`to_partial`](Self::to_partial)'s bytes, ready to merge.
    pub fn from_partial(bytes: &[u8]) -> Result<Self, PartialError> {
        let partial: PartialOwned = postcard::from_bytes(bytes)?;
        let producers = partial.ledger.producer_count();
        if partial.tallies.len() != producers || partial.profiles.len() != producers {
            return Err(PartialError::Inconsistent);
        }
        let mut aggregate = Self::new(partial.ledger.as_of());
        aggregate.ledger = partial.ledger;
        aggregate.tallies = partial.tallies;
        aggregate.profiles = partial.profiles;
        aggregate.tracks = partial.tracks;
        aggregate.collaborative_tracks = partial.collaborative_tracks;
        aggregate.plays = partial.plays;
        aggregate.arena = partial.arena;
        Ok(aggregate)
    }

    /// Combines the aggregate of another, disjoint part of the same catalog at the same instant.
    pub fn merge(&mut self, other: Aggregate) -> Result<(), LedgerError> {
        let renumbered = self.ledger.merge(other.ledger)?;
        self.tallies
            .resize(self.ledger.producer_count(), ProducerTally::default());
        self.profiles.resize(self.ledger.producer_count(), None);
        for ((t, profile), &n) in other.tallies.iter().zip(other.profiles).zip(&renumbered) {
            self.tallies[n as usize].add(t);
            if profile.is_some() {
                self.profiles[n as usize] = profile;
            }
        }
        self.tracks += other.tracks;
        self.collaborative_tracks += other.collaborative_tracks;
        self.plays = self.plays.saturating_add(other.plays);
        self.arena.merge(other.arena, &renumbered);
        Ok(())
    }
}

/// Why a partial aggregate could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    #[error("a sealed aggregate is not a partial: partials are merged before they are sealed")]
    Sealed,
    #[error("a partial aggregate's bytes do not decode: {0}")]
    Encoding(#[from] postcard::Error),
    #[error("a partial aggregate whose tallies or profiles do not match its ledger's producers")]
    Inconsistent,
}

/// What a partial keeps, borrowed for writing (the window starts follow from the as-of).
#[derive(Serialize)]
struct PartialRef<'a> {
    ledger: &'a ContributionLedger,
    tallies: &'a [ProducerTally],
    profiles: &'a [Option<Producer>],
    tracks: u64,
    collaborative_tracks: u64,
    plays: u64,
    arena: &'a TrackArena,
}

/// What a partial keeps, owned for reading.
#[derive(Deserialize)]
struct PartialOwned {
    ledger: ContributionLedger,
    tallies: Vec<ProducerTally>,
    profiles: Vec<Option<Producer>>,
    tracks: u64,
    collaborative_tracks: u64,
    plays: u64,
    arena: TrackArena,
}
