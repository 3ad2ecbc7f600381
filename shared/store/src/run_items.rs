//! The item kinds a recompute run publishes, and the pointer that publishes it.
//!
//! Everything a run writes lives under its run id with an `expiresAt` TTL: per producer (a
//! summary, one contribution breakdown per credited track, the collaborators, the
//! recommendations, and a head item per list), the ranked boards, trending pairs, the pair counts
//! the next run compares against, and the run's meta item, written last. Each kind is a domain
//! struct plus its [`Entity`] impl; its scope is the [`RunId`].

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;
use crate::lists::{Board, Period, ProducerList};

/// A run's id: its as-of instant as fixed-width text, so the same instant always gives the same
/// id and a re-run overwrites its own unpublished items instead of leaving a second copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// The id of the run as of `as_of`.
    pub fn of(as_of: DateTime<Utc>) -> Self {
        Self(as_of.format("%Y%m%dT%H%M%S%.3fZ").to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a partition key belongs to this run (for tools and tests that read raw items).
    pub fn owns_partition(&self, pk: &str) -> bool {
        keys::is_run_partition(pk, self)
    }

    #[cfg(test)]
    pub(crate) fn from_text(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for RunId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The published run readers should use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPointer {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    /// Which earlier runs the run's window boards compared plays against.
    pub baselines: Baselines,
}

/// The as-of of the counter snapshot each window compared against: the newest at or before the
/// run's as-of minus the window, or `None` when no run was that old (then the window's
/// plays-based boards are empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Baselines {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days7: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days30: Option<DateTime<Utc>>,
}

impl Baselines {
    /// The baseline of `period` (`None` for all-time, which compares with nothing).
    pub fn of(&self, period: Period) -> Option<DateTime<Utc>> {
        match period {
            Period::All => None,
            Period::Days7 => self.days7,
            Period::Days30 => self.days30,
        }
    }
}

/// The pointer to the latest completed run, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedRun {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    /// `as_of` in milliseconds, for the forward-only condition.
    pub as_of_millis: i64,
    pub published_at: DateTime<Utc>,
    #[serde(default)]
    pub baselines: Baselines,
}

impl Entity for PublishedRun {
    const NAME: &'static str = "runPointer";
    type Scope = ();
    type KeyInput<'a> = ();

    fn primary_key(_: &(), _: ()) -> PrimaryKey {
        PrimaryKey::new(keys::RUN_POINTER_PK.to_owned(), keys::RUN_POINTER_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, ()).into()
    }
}

/// What a run covered, written last before the pointer moves: its presence marks a complete run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMeta {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    pub tracks: u64,
    pub producers: u64,
    pub pairs: u64,
    pub result_items: u64,
    /// The platform total, in units of 2^-64, as decimal text.
    pub total_units: String,
}

impl Entity for RunMeta {
    const NAME: &'static str = "runMeta";
    type Scope = RunId;
    type KeyInput<'a> = ();

    fn primary_key(run: &RunId, _: ()) -> PrimaryKey {
        PrimaryKey::new(keys::run_pk(run), keys::RUN_META_SK)
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, ()).into()
    }
}

/// A producer's figures in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerSummary {
    pub producer_id: ProducerId,
    pub name: String,
    /// The exact contribution, in units of 2^-64 (see `contribution::ExactSum`).
    pub contribution_units: crate::exact_units::ExactUnits,
    pub contribution_value: f64,
    pub share: f64,
    pub track_count: u64,
    pub collaborative_tracks: u64,
    pub distinct_collaborators: u64,
    pub collaborative_plays: u64,
    pub xp: u64,
    /// The producer's place on every board and period they are placed on (absent: not placed).
    #[serde(default)]
    pub ranks: Vec<PlacedRank>,
}

/// A producer's rank on one board and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedRank {
    pub board: Board,
    pub period: Period,
    pub rank: u64,
}

impl ProducerSummary {
    /// The producer's rank on `board` over `period`, if placed.
    pub fn rank(&self, board: Board, period: Period) -> Option<u64> {
        self.ranks
            .iter()
            .find(|r| r.board == board && r.period == period)
            .map(|r| r.rank)
    }
}

impl Entity for ProducerSummary {
    const NAME: &'static str = "producerSummary";
    type Scope = RunId;
    type KeyInput<'a> = &'a ProducerId;

    fn primary_key(run: &RunId, producer: &ProducerId) -> PrimaryKey {
        PrimaryKey::new(keys::run_producer_pk(run, producer), keys::SUMMARY_SK)
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, &self.producer_id).into()
    }
}

/// An entry of one of a producer's lists in a run.
pub trait ProducerListEntry: Entity<Scope = RunId> {
    const LIST: ProducerList;
}

/// The head of one of a producer's lists in a run. Its sort key is the list's bare prefix, so it
/// sorts before every entry; every producer in the run has one per list, so readers tell an empty
/// list from an unknown producer in a single query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListHead {
    pub owner: ProducerId,
    pub list: ProducerList,
    /// Why the list is empty, when the run knows a reason the producer can act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_because: Option<EmptyBecause>,
}

/// Why one of a producer's lists is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmptyBecause {
    /// Recommendations match genres, and the producer's profile lists none.
    NoGenres,
}

impl Entity for ListHead {
    const NAME: &'static str = "listHead";
    type Scope = RunId;
    type KeyInput<'a> = (&'a ProducerId, ProducerList);

    fn primary_key(run: &RunId, (owner, list): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(keys::run_producer_pk(run, owner), keys::list_prefix(list))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (&self.owner, self.list)).into()
    }
}

/// Why a track is worth what it is to one producer (the owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    pub owner: ProducerId,
    pub track_id: TrackId,
    pub title: String,
    pub plays: u64,
    pub months_since_upload: f64,
    pub decay: f64,
    pub boost: f64,
    pub split: f64,
    pub eligible: bool,
    pub value: f64,
}

impl Entity for Contribution {
    const NAME: &'static str = "contribution";
    type Scope = RunId;
    type KeyInput<'a> = (&'a ProducerId, &'a TrackId);

    fn primary_key(run: &RunId, (owner, track): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::run_producer_pk(run, owner),
            keys::contribution_sk(track),
        )
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (&self.owner, &self.track_id)).into()
    }
}

impl ProducerListEntry for Contribution {
    const LIST: ProducerList = ProducerList::Contributions;
}

/// A producer the owner is co-credited with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collaborator {
    pub owner: ProducerId,
    pub producer_id: ProducerId,
    pub name: String,
    pub tracks_together: u32,
}

impl Entity for Collaborator {
    const NAME: &'static str = "collaborator";
    type Scope = RunId;
    /// The owner, the tracks together and the collaborator.
    type KeyInput<'a> = (&'a ProducerId, u32, &'a ProducerId);

    fn primary_key(run: &RunId, (owner, together, other): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::run_producer_pk(run, owner),
            keys::collaborator_sk(together, other),
        )
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (&self.owner, self.tracks_together, &self.producer_id)).into()
    }
}

impl ProducerListEntry for Collaborator {
    const LIST: ProducerList = ProducerList::Collaborators;
}

/// A collaborator suggested to the owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub owner: ProducerId,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub score: f64,
    /// The score as a whole percent of the best possible (0 to 100).
    #[serde(default)]
    pub match_percent: u8,
    /// Up to three genres both producers list, alphabetical.
    #[serde(default)]
    pub common_genres: Vec<String>,
    pub reasons: Vec<String>,
}

impl Entity for Recommendation {
    const NAME: &'static str = "recommendation";
    type Scope = RunId;
    type KeyInput<'a> = (&'a ProducerId, u64);

    fn primary_key(run: &RunId, (owner, rank): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::run_producer_pk(run, owner),
            keys::recommendation_sk(rank),
        )
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (&self.owner, self.rank)).into()
    }
}

impl ProducerListEntry for Recommendation {
    const LIST: ProducerList = ProducerList::Recommendations;
}

/// One row of a leaderboard: the rank and the figures the board ranks by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntry {
    pub board: Board,
    #[serde(default)]
    pub period: Period,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub figures: BoardFigures,
}

/// The figures a board ranks by; each board fills the ones its rule names, the rest are absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardFigures {
    /// Collaborative tracks credited (uploaded in the window, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_tracks: Option<u64>,
    /// Distinct co-credited producers (on those tracks, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_collaborators: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_plays: Option<u64>,
    /// Plays gained on collaborative tracks since the window's baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_plays_gained: Option<u64>,
    /// Plays on credited tracks (full plays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays: Option<u64>,
    /// Plays gained on credited tracks since the window's baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays_gained: Option<u64>,
    /// Tracks uploaded (in the window, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<u64>,
    /// Of the uploads, the metadata-complete ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_complete_uploads: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xp: Option<u64>,
    /// Σ weight × max(0, 100 − rank) over the other boards' all-time ranks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall_score: Option<u64>,
}

impl Entity for BoardEntry {
    const NAME: &'static str = "boardEntry";
    type Scope = RunId;
    type KeyInput<'a> = (Board, Period, u64);

    fn primary_key(run: &RunId, (board, period, rank): (Board, Period, u64)) -> PrimaryKey {
        PrimaryKey::new(keys::board_pk(run, board, period), keys::rank_sk(rank))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (self.board, self.period, self.rank)).into()
    }
}

/// A trending collaboration: two producers whose shared tracks gained the most plays since the
/// previous run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendingPair {
    pub rank: u64,
    pub producer_ids: [ProducerId; 2],
    pub names: [String; 2],
    pub shared_tracks: u32,
    pub plays_gained: u64,
}

impl Entity for TrendingPair {
    const NAME: &'static str = "trending";
    type Scope = RunId;
    type KeyInput<'a> = u64;

    fn primary_key(run: &RunId, rank: u64) -> PrimaryKey {
        PrimaryKey::new(keys::trending_pk(run), keys::rank_sk(rank))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.rank).into()
    }
}

/// Two producers' shared tracks and plays in a run (`a < b`); the next run reads these to find
/// what is trending. Stored many to an item, in [`PairCountsPart`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairTally {
    pub a: ProducerId,
    pub b: ProducerId,
    pub tracks: u32,
    pub plays: u64,
}

/// One part of a run's pair counts: many pairs in one item, one line each (`a b tracks plays`).
/// Only the next run reads them, all at once, so there is no reason to pay for an item (a
/// write unit) per pair: 220,000 pairs are 15 parts of ~300 KB, ~4,400 units instead of 220,000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairCountsPart {
    pub run_id: RunId,
    pub part: u32,
    pub lines: String,
}

impl Entity for PairCountsPart {
    const NAME: &'static str = "pairCountsPart";
    type Scope = RunId;
    type KeyInput<'a> = u32;

    fn primary_key(run: &RunId, part: u32) -> PrimaryKey {
        PrimaryKey::new(keys::pairs_pk(run), keys::part_sk(part))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.part).into()
    }
}

/// Gathers pair counts into [`PairCountsPart`]s as they come, handing out each full part.
#[derive(Debug)]
pub struct PairPacker {
    run: RunId,
    next_part: u32,
    lines: String,
}

impl PairPacker {
    pub fn new(run: &RunId) -> Self {
        Self {
            run: run.clone(),
            next_part: 0,
            lines: String::new(),
        }
    }

    /// Adds one pair; returns a part when this one filled it.
    pub fn add(&mut self, pair: &PairTally) -> Option<PairCountsPart> {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = writeln!(
            self.lines,
            "{} {} {} {}",
            pair.a, pair.b, pair.tracks, pair.plays
        );
        (self.lines.len() >= PART_BYTES).then(|| self.take())
    }

    /// The last, partly filled part (none when empty).
    pub fn finish(mut self) -> Option<PairCountsPart> {
        (!self.lines.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> PairCountsPart {
        let part = PairCountsPart {
            run_id: self.run.clone(),
            part: self.next_part,
            lines: std::mem::take(&mut self.lines),
        };
        self.next_part += 1;
        part
    }
}

/// Why a stored pair-counts part could not be read.
#[derive(Debug, thiserror::Error)]
#[error("pair counts line {line} is not `a b tracks plays`: {text:?}")]
pub struct BadPairLine {
    pub line: usize,
    pub text: String,
}

/// Reads the pair counts a part holds.
pub fn unpack_pairs(part: &PairCountsPart) -> Result<Vec<PairTally>, BadPairLine> {
    part.lines
        .lines()
        .enumerate()
        .map(|(i, text)| {
            let bad = || BadPairLine {
                line: i + 1,
                text: text.to_owned(),
            };
            let [a, b, tracks, plays] = exact_fields(text).ok_or_else(bad)?;
            Ok(PairTally {
                a: ProducerId::parse(a).map_err(|_| bad())?,
                b: ProducerId::parse(b).map_err(|_| bad())?,
                tracks: tracks.parse().map_err(|_| bad())?,
                plays: plays.parse().map_err(|_| bad())?,
            })
        })
        .collect()
}

/// A producer's play counters at a run's as-of: what window boards subtract to get plays gained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayCounters {
    /// Plays on every track crediting the producer.
    pub plays: u64,
    /// Plays on the collaborative ones.
    pub collaborative_plays: u64,
}

/// One part of a run's counter snapshot: many producers' counters in one item, one line each
/// (`id plays collaborativePlays`), so a snapshot of 5,000 producers is one write, not 5,000.
/// Kept for [`COUNTER_RETENTION`](crate::runs::COUNTER_RETENTION), longer than the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterSnapshotPart {
    pub run_id: RunId,
    pub part: u32,
    pub lines: String,
}

impl Entity for CounterSnapshotPart {
    const NAME: &'static str = "counterSnapshotPart";
    type Scope = RunId;
    type KeyInput<'a> = u32;

    fn primary_key(run: &RunId, part: u32) -> PrimaryKey {
        PrimaryKey::new(keys::counters_pk(run), keys::part_sk(part))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.part).into()
    }
}

/// The index entry of a complete counter snapshot, written after its parts: a run looking for the
/// newest snapshot at or before an instant finds it with one query of the runs partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterSnapshot {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    pub parts: u32,
    pub producers: u64,
}

impl Entity for CounterSnapshot {
    const NAME: &'static str = "counterSnapshot";
    type Scope = ();
    type KeyInput<'a> = &'a RunId;

    fn primary_key(_: &(), run: &RunId) -> PrimaryKey {
        PrimaryKey::new(
            keys::RUN_POINTER_PK.to_owned(),
            keys::counters_index_sk(run),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, &self.run_id).into()
    }
}

/// The most a snapshot part holds, in bytes of lines (DynamoDB's item limit is 400 KB).
const PART_BYTES: usize = 300_000;

/// Packs counters into snapshot parts (in the order given).
pub fn pack_counters<'a>(
    run: &RunId,
    counters: impl IntoIterator<Item = (&'a ProducerId, PlayCounters)>,
) -> Vec<CounterSnapshotPart> {
    use std::fmt::Write;
    let mut parts = Vec::new();
    let mut lines = String::new();
    for (id, c) in counters {
        if lines.len() >= PART_BYTES {
            parts.push(std::mem::take(&mut lines));
        }
        // Writing to a String cannot fail.
        let _ = writeln!(lines, "{id} {} {}", c.plays, c.collaborative_plays);
    }
    if !lines.is_empty() || parts.is_empty() {
        parts.push(lines);
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(part, lines)| CounterSnapshotPart {
            run_id: run.clone(),
            part: part as u32,
            lines,
        })
        .collect()
}

/// Why a stored snapshot part could not be read.
#[derive(Debug, thiserror::Error)]
#[error("counter snapshot line {line} is not `id plays collaborativePlays`: {text:?}")]
pub struct BadCounterLine {
    pub line: usize,
    pub text: String,
}

/// The `N` space-separated fields of a packed line, or `None` when it has more or fewer.
fn exact_fields<const N: usize>(line: &str) -> Option<[&str; N]> {
    line.split(' ').collect::<Vec<_>>().try_into().ok()
}

/// Reads the counters a part holds.
pub fn unpack_counters(
    part: &CounterSnapshotPart,
) -> Result<Vec<(ProducerId, PlayCounters)>, BadCounterLine> {
    part.lines
        .lines()
        .enumerate()
        .map(|(i, text)| {
            let bad = || BadCounterLine {
                line: i + 1,
                text: text.to_owned(),
            };
            let [id, plays, collaborative] = exact_fields(text).ok_or_else(bad)?;
            Ok((
                ProducerId::parse(id).map_err(|_| bad())?,
                PlayCounters {
                    plays: plays.parse().map_err(|_| bad())?,
                    collaborative_plays: collaborative.parse().map_err(|_| bad())?,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip_through_parts() {
        let run = RunId::from_text("20261121T000000.000Z");
        let ids: Vec<ProducerId> = (0..40_000)
            .map(|i| ProducerId::parse(format!("producer-{i}")).expect("id"))
            .collect();
        let counters = |i: usize| PlayCounters {
            plays: i as u64 * 1_000_003,
            collaborative_plays: i as u64,
        };
        let parts = pack_counters(
            &run,
            ids.iter().enumerate().map(|(i, id)| (id, counters(i))),
        );
        assert!(parts.len() > 1, "40,000 producers span parts");
        assert!(parts.iter().all(|p| p.lines.len() < PART_BYTES + 100));
        let back: Vec<_> = parts
            .iter()
            .flat_map(|p| unpack_counters(p).expect("well-formed"))
            .collect();
        assert_eq!(back.len(), ids.len());
        for (i, (id, c)) in back.iter().enumerate() {
            assert_eq!((id, *c), (&ids[i], counters(i)));
        }
        let broken = CounterSnapshotPart {
            run_id: run,
            part: 0,
            lines: "p1 3 x\n".to_owned(),
        };
        assert_eq!(unpack_counters(&broken).expect_err("not a number").line, 1);
        assert_eq!(
            pack_counters(&broken.run_id, []).len(),
            1,
            "an empty snapshot is one empty part"
        );
    }

    #[test]
    fn pair_counts_round_trip_through_parts() {
        let run = RunId::from_text("20261121T000000.000Z");
        let id = |i: usize| ProducerId::parse(format!("producer-{i}")).expect("id");
        let pairs: Vec<PairTally> = (0..30_000)
            .map(|i| PairTally {
                a: id(i),
                b: id(i + 1),
                tracks: i as u32 % 7 + 1,
                plays: i as u64 * 1_000_003,
            })
            .collect();
        let mut packer = PairPacker::new(&run);
        let mut parts: Vec<PairCountsPart> = pairs.iter().filter_map(|p| packer.add(p)).collect();
        parts.extend(packer.finish());
        assert!(parts.len() > 1, "30,000 pairs span parts");
        assert!(parts.iter().all(|p| p.lines.len() < PART_BYTES + 100));
        assert_eq!(
            parts.iter().map(|p| p.part).collect::<Vec<_>>(),
            (0..parts.len() as u32).collect::<Vec<_>>()
        );
        let back: Vec<PairTally> = parts
            .iter()
            .flat_map(|p| unpack_pairs(p).expect("well-formed"))
            .collect();
        assert_eq!(back, pairs);
        let broken = PairCountsPart {
            run_id: run.clone(),
            part: 0,
            lines: "a b 1 2\na b 1\n".to_owned(),
        };
        assert_eq!(unpack_pairs(&broken).expect_err("three fields").line, 2);
        assert!(PairPacker::new(&run).finish().is_none());
    }
}
