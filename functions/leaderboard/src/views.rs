//! Response bodies of the `leaderboard` routes (JSON, camelCase).

use catalog::UploadTime;
use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::Serialize;
use store::catalog_items::DiscographyEntry;
use store::run_items as stored;

/// A page of a run-based list: `asOf` is null before the first run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPage<T> {
    pub as_of: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub list: T,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntry {
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborative_tracks: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct_collaborators: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborative_plays: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contribution_value: Option<f64>,
}

impl From<stored::BoardEntry> for BoardEntry {
    fn from(i: stored::BoardEntry) -> Self {
        Self {
            rank: i.rank,
            producer_id: i.producer_id,
            name: i.name,
            collaborative_tracks: i.collaborative_tracks,
            distinct_collaborators: i.distinct_collaborators,
            collaborative_plays: i.collaborative_plays,
            contribution_value: i.contribution_value,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Entries<T> {
    pub entries: Vec<T>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranks {
    pub collaborations: Option<u64>,
    pub contribution: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub producer_id: ProducerId,
    pub as_of: DateTime<Utc>,
    pub contribution_value: f64,
    pub share: f64,
    pub track_count: u64,
    pub collaborative_tracks: u64,
    pub distinct_collaborators: u64,
    pub collaborative_plays: u64,
    pub xp: u64,
    /// 1 to 100, from `xp` by the published curve (`contribution::progress`).
    pub level: u32,
    pub title: &'static str,
    /// The XP at which the next level is reached; null at level 100.
    pub xp_for_next_level: Option<u64>,
    /// 0 to 1 from this level's threshold to the next (1 at level 100).
    pub level_progress: f64,
    pub ranks: Ranks,
}

impl Summary {
    pub fn new(i: stored::ProducerSummary, as_of: DateTime<Utc>) -> Self {
        let level = contribution::progress::level(i.xp);
        Self {
            producer_id: i.producer_id,
            as_of,
            contribution_value: i.contribution_value,
            share: i.share,
            track_count: i.track_count,
            collaborative_tracks: i.collaborative_tracks,
            distinct_collaborators: i.distinct_collaborators,
            collaborative_plays: i.collaborative_plays,
            xp: i.xp,
            level: level.level,
            title: level.title,
            xp_for_next_level: level.xp_for_next_level,
            level_progress: level.progress,
            ranks: Ranks {
                collaborations: i.collaborations_rank,
                contribution: i.contribution_rank,
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    pub track_id: TrackId,
    pub title: String,
    pub months_since_upload: f64,
    pub plays: u64,
    pub decay: f64,
    pub boost: f64,
    pub split: f64,
    pub eligible: bool,
    pub value: f64,
}

impl From<stored::Contribution> for Contribution {
    fn from(i: stored::Contribution) -> Self {
        Self {
            track_id: i.track_id,
            title: i.title,
            months_since_upload: i.months_since_upload,
            plays: i.plays,
            decay: i.decay,
            boost: i.boost,
            split: i.split,
            eligible: i.eligible,
            value: i.value,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Contributions {
    pub contributions: Vec<Contribution>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collaborator {
    pub producer_id: ProducerId,
    pub name: String,
    pub tracks_together: u32,
}

impl From<stored::Collaborator> for Collaborator {
    fn from(i: stored::Collaborator) -> Self {
        Self {
            producer_id: i.producer_id,
            name: i.name,
            tracks_together: i.tracks_together,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Collaborators {
    pub collaborators: Vec<Collaborator>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub score: f64,
    pub match_percent: u8,
    pub common_genres: Vec<String>,
    pub reasons: Vec<String>,
}

impl From<stored::Recommendation> for Recommendation {
    fn from(i: stored::Recommendation) -> Self {
        Self {
            rank: i.rank,
            producer_id: i.producer_id,
            name: i.name,
            score: i.score,
            match_percent: i.match_percent,
            common_genres: i.common_genres,
            reasons: i.reasons,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    pub recommendations: Vec<Recommendation>,
    /// Why there are none, when the producer can do something about it (first page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_because: Option<stored::EmptyBecause>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trend {
    pub rank: u64,
    pub producer_ids: [ProducerId; 2],
    pub names: [String; 2],
    pub shared_tracks: u32,
    pub plays_gained: u64,
}

impl From<stored::TrendingPair> for Trend {
    fn from(i: stored::TrendingPair) -> Self {
        Self {
            rank: i.rank,
            producer_ids: i.producer_ids,
            names: i.names,
            shared_tracks: i.shared_tracks,
            plays_gained: i.plays_gained,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Trending {
    pub trending: Vec<Trend>,
}

/// A track on an artist profile (live, not from a run).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileTrack {
    pub track_id: TrackId,
    pub title: String,
    pub uploaded_at: UploadTime,
    pub credits: Vec<ProducerId>,
}

impl From<DiscographyEntry> for ProfileTrack {
    fn from(i: DiscographyEntry) -> Self {
        Self {
            track_id: i.track_id,
            title: i.title,
            uploaded_at: i.uploaded_at,
            credits: i.credits.into_vec(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileTracks {
    pub tracks: Vec<ProfileTrack>,
    pub next_cursor: Option<String>,
}
