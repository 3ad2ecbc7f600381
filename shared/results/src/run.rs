//! What a recompute run publishes: the pointer, the run's meta, each producer's summary and lists,
//! the boards, trending pairs, the pair counts and play counters the next run compares against,
//! and the series points that outlive the run.
//!
//! Plain values, read by the views and computed by `recompute`; how each is stored (its key, or
//! how it is a row of a packed chunk) is the store's to say (`store::runs::items`). The serde names
//! are the stored attribute names: renaming a field renames what the table holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};

use crate::lists::{Board, Period};
use crate::run_id::RunId;

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
    /// The baselines of each window (in `Period::WINDOWS` order).
    pub fn of_windows(
        [days7, days30]: contribution::window::PerWindow<Option<DateTime<Utc>>>,
    ) -> Self {
        Self { days7, days30 }
    }

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
    pub total_units: crate::units::ExactUnits,
    /// Which earlier runs the window boards compared against (for a page sequence still on this
    /// run after a later one is published).
    #[serde(default)]
    pub baselines: Baselines,
    /// Producers whose contribution value is above zero.
    #[serde(default)]
    pub producers_with_share: u64,
    /// Tracks with two or more credited producers.
    #[serde(default)]
    pub collaborative_tracks: u64,
    /// Plays on every track.
    #[serde(default)]
    pub plays: u64,
}

/// A producer's figures in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerSummary {
    pub producer_id: ProducerId,
    pub name: String,
    /// The exact contribution, in units of 2^-64 (see `contribution::ExactSum`).
    pub contribution_units: crate::units::ExactUnits,
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

/// A producer the owner is co-credited with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collaborator {
    pub owner: ProducerId,
    pub producer_id: ProducerId,
    pub name: String,
    pub tracks_together: u32,
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

/// The figures in a fixed order (a row's columns; absent figures are nulls of one byte).
pub type FigureColumns = [Option<u64>; 10];

/// The column order, stated once: a row's figures and the struct's fields both follow it.
macro_rules! figure_columns {
    ($($field:ident),* $(,)?) => {
        impl BoardFigures {
            /// The figures in column order.
            pub fn columns(&self) -> FigureColumns {
                [$(self.$field),*]
            }

            /// The figures from their columns.
            pub fn from_columns([$($field),*]: FigureColumns) -> Self {
                Self { $($field),* }
            }
        }
    };
}

figure_columns!(
    collaborative_tracks,
    distinct_collaborators,
    collaborative_plays,
    collaborative_plays_gained,
    plays,
    plays_gained,
    uploads,
    metadata_complete_uploads,
    xp,
    overall_score,
);

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

/// Two producers' shared tracks and plays in a run (`a < b`); the next run reads these to find
/// what is trending. The store keeps them many to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PairRow", into = "PairRow")]
pub struct PairTally {
    pub a: ProducerId,
    pub b: ProducerId,
    pub tracks: u32,
    pub plays: u64,
}

/// A pair count as a row.
type PairRow = (ProducerId, ProducerId, u32, u64);

impl From<PairRow> for PairTally {
    fn from((a, b, tracks, plays): PairRow) -> Self {
        Self {
            a,
            b,
            tracks,
            plays,
        }
    }
}

impl From<PairTally> for PairRow {
    fn from(p: PairTally) -> Self {
        (p.a, p.b, p.tracks, p.plays)
    }
}

/// A producer's play counters at a run's as-of: what window boards subtract to get plays gained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayCounters {
    /// Plays on every track crediting the producer.
    pub plays: u64,
    /// Plays on the collaborative ones.
    pub collaborative_plays: u64,
}

/// Why one of a producer's lists is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmptyBecause {
    /// Recommendations match genres, and the producer's profile lists none.
    NoGenres,
}

/// One producer's results in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerResults {
    pub summary: ProducerSummary,
    /// In track-id order.
    pub contributions: Vec<Contribution>,
    /// Most tracks together first, then by id.
    pub collaborators: Vec<Collaborator>,
    /// Best first.
    pub recommendations: Vec<Recommendation>,
    /// Why there are no recommendations, when the run knows.
    pub no_recommendations_because: Option<EmptyBecause>,
    /// The producer's point in their series (kept beyond the run's own items).
    pub point: ProducerPoint,
}

/// A run's counters as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub as_of: DateTime<Utc>,
    pub counters: HashMap<ProducerId, PlayCounters>,
}

/// One producer's figures in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerPoint {
    pub producer_id: ProducerId,
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    pub contribution_value: f64,
    pub share: f64,
    /// Plays on every credited track (full plays, not split).
    pub plays: u64,
    pub xp: u64,
    /// The producer's place on every board and period they were placed on.
    #[serde(default)]
    pub ranks: Vec<PlacedRank>,
}

/// The platform's figures in one published run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformPoint {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    /// Producers whose contribution value is above zero.
    pub producers_with_share: u64,
    pub collaborative_tracks: u64,
    /// Distinct pairs of co-credited producers.
    pub pairs: u64,
    /// Plays on every track.
    pub plays: u64,
}

impl PlatformPoint {
    /// The point of the run `meta` describes.
    pub fn of(meta: &RunMeta) -> Self {
        Self {
            run_id: meta.run_id.clone(),
            as_of: meta.as_of,
            producers_with_share: meta.producers_with_share,
            collaborative_tracks: meta.collaborative_tracks,
            pairs: meta.pairs,
            plays: meta.plays,
        }
    }
}
