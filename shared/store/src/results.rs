//! The items a recompute run writes, and the keys readers find them by.
//!
//! Everything lives under `RUN#<runId>…` partitions with an `expiresAt` TTL: per producer
//! (`RUN#<runId>#PRODUCER#<id>`: a summary, one contribution breakdown per credited track, the
//! collaborators, the recommendations), the ranked boards, trending pairs, and the pair counts the
//! next run compares against. Sort keys order each list the way readers page through it.

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};

use crate::keys;

/// The two leaderboards.
pub const BOARDS: [&str; 2] = ["collaborations", "contribution"];
/// Pair counts are spread over this many partitions (read back with one query each).
pub const PAIR_SHARDS: u32 = 16;

pub const SUMMARY_SK: &str = "SUMMARY";
pub const CONTRIBUTION_PREFIX: &str = "CONTRIB#";
pub const COLLABORATOR_PREFIX: &str = "COLLAB#";
pub const RECOMMENDATION_PREFIX: &str = "REC#";
pub const RANK_PREFIX: &str = "RANK#";

pub fn trending_pk(run_id: &str) -> String {
    format!("RUN#{run_id}#TRENDING")
}

pub fn pairs_pk(run_id: &str, shard: u32) -> String {
    format!("RUN#{run_id}#PAIRS#{shard:02}")
}

/// Collaborators sort by tracks together (most first), then producer id.
pub fn collaborator_sk(tracks_together: u32, producer: &ProducerId) -> String {
    format!(
        "{COLLABORATOR_PREFIX}{:010}#{producer}",
        u32::MAX - tracks_together
    )
}

/// The head of one of a producer's lists in a run: `RUN#…#PRODUCER#<id>` / `<prefix>` (the bare
/// prefix sorts before every entry). Every producer in the run has one per list, so readers can
/// tell an empty list from an unknown producer in a single query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListHeadItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
}

/// The lists every producer has in a run.
pub const PRODUCER_LISTS: [&str; 3] = [
    CONTRIBUTION_PREFIX,
    COLLABORATOR_PREFIX,
    RECOMMENDATION_PREFIX,
];

/// A producer's figures in a run: `RUN#<runId>#PRODUCER#<id>` / `SUMMARY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerSummaryItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub producer_id: ProducerId,
    pub name: String,
    /// The exact contribution, in units of 2^-64, as decimal text (see `contribution::ExactSum`).
    pub contribution_units: String,
    pub contribution_value: f64,
    pub share: f64,
    pub track_count: u64,
    pub collaborative_tracks: u64,
    pub distinct_collaborators: u64,
    pub collaborative_plays: u64,
    pub xp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborations_rank: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_rank: Option<u64>,
}

impl ProducerSummaryItem {
    pub fn key(run_id: &str, producer: &ProducerId) -> (String, &'static str) {
        (keys::run_producer_pk(run_id, producer), SUMMARY_SK)
    }
}

/// Why a track is worth what it is to one producer: `RUN#…#PRODUCER#<id>` / `CONTRIB#<trackId>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContributionItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
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

/// A co-credited producer: `RUN#…#PRODUCER#<id>` / `COLLAB#<inverted count>#<other>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollaboratorItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub producer_id: ProducerId,
    pub name: String,
    pub tracks_together: u32,
}

/// A suggested collaborator: `RUN#…#PRODUCER#<id>` / `REC#<rank>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// One row of a leaderboard: `RUN#<runId>#BOARD#<board>` / `RANK#<rank>`. Collaboration rows
/// carry the collaboration figures, contribution rows the value and share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntryItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_tracks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_collaborators: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_plays: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

/// A trending collaboration: `RUN#<runId>#TRENDING` / `RANK#<rank>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendingItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub rank: u64,
    pub producer_ids: [ProducerId; 2],
    pub names: [String; 2],
    pub shared_tracks: u32,
    pub plays_gained: u64,
}

/// Two producers' shared tracks and plays in a run: `RUN#<runId>#PAIRS#<shard>` / `<a>#<b>`
/// (`a < b`). The next run reads these to find what is trending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub a: ProducerId,
    pub b: ProducerId,
    pub tracks: u32,
    pub plays: u64,
}

/// What a run covered: `RUN#<runId>` / `META`, written last before the pointer moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMetaItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub expires_at: i64,
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    pub tracks: u64,
    pub producers: u64,
    pub pairs: u64,
    pub result_items: u64,
    /// The platform total, in units of 2^-64, as decimal text.
    pub total_units: String,
}
