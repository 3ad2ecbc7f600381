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
use crate::lists::{Board, ProducerList};

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

/// One row of a leaderboard. Collaboration rows carry the collaboration figures, contribution rows
/// the value and share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntry {
    pub board: Board,
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
}

impl Entity for BoardEntry {
    const NAME: &'static str = "boardEntry";
    type Scope = RunId;
    type KeyInput<'a> = (Board, u64);

    fn primary_key(run: &RunId, (board, rank): (Board, u64)) -> PrimaryKey {
        PrimaryKey::new(keys::board_pk(run, board), keys::rank_sk(rank))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (self.board, self.rank)).into()
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
/// what is trending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairTally {
    pub a: ProducerId,
    pub b: ProducerId,
    pub tracks: u32,
    pub plays: u64,
}

impl Entity for PairTally {
    const NAME: &'static str = "pair";
    type Scope = RunId;
    type KeyInput<'a> = (&'a ProducerId, &'a ProducerId);

    fn primary_key(run: &RunId, (a, b): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::pairs_pk(run, keys::pair_shard(a, b)),
            keys::pair_sk(a, b),
        )
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (&self.a, &self.b)).into()
    }
}
