//! Request and response bodies of the `credits` routes (JSON, camelCase).

use catalog::Producer;
use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::catalog_items::CreditChange;
use store::{ChangeSource, StoredTrack};

/// `PUT /tracks/{trackId}/credits`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplaceCredits {
    pub producer_ids: Vec<String>,
}

/// `POST /tracks/{trackId}/credits`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddCredit {
    pub producer_id: String,
}

/// One credited producer and their equal share, in percent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditView {
    pub producer_id: ProducerId,
    pub name: String,
    pub split_percent: f64,
}

/// A track's credits, as `GET /tracks/{trackId}/credits` and every edit return them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditsView {
    pub track_id: TrackId,
    pub uploader_id: ProducerId,
    pub version: u64,
    pub credits: Vec<CreditView>,
    /// The uploader's Stripe Connect account: exclusive sales are paid there, not split.
    pub exclusive_payout_account: Option<String>,
}

impl CreditsView {
    /// `profiles` holds the credited producers and the uploader (missing ones show their id).
    pub fn new(stored: &StoredTrack, profiles: &HashMap<ProducerId, Producer>) -> Self {
        let credits = &stored.track.credits;
        // 100 / n directly: 100 × (1/n) rounds twice (33.33333333333333 instead of …336).
        let split_percent = 100.0 / credits.count().get() as f64;
        Self {
            track_id: stored.track.id.clone(),
            uploader_id: stored.track.uploader_id.clone(),
            version: stored.version,
            credits: credits
                .producers()
                .iter()
                .map(|id| CreditView {
                    producer_id: id.clone(),
                    name: profiles
                        .get(id)
                        .map_or_else(|| id.to_string(), |p| p.name.clone()),
                    split_percent,
                })
                .collect(),
            exclusive_payout_account: profiles
                .get(&stored.track.uploader_id)
                .and_then(|p| p.stripe_account_id.clone()),
        }
    }
}

/// One credit change in the audit trail.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntryView {
    pub version: u64,
    pub who: ProducerId,
    pub source: ChangeSource,
    pub when: DateTime<Utc>,
    pub before: Vec<ProducerId>,
    pub after: Vec<ProducerId>,
}

impl From<CreditChange> for HistoryEntryView {
    fn from(h: CreditChange) -> Self {
        Self {
            version: h.version,
            who: h.changed_by,
            source: h.source,
            when: h.changed_at,
            before: h.before,
            after: h.after,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    pub entries: Vec<HistoryEntryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtistView {
    pub producer_id: ProducerId,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct ArtistsView {
    pub artists: Vec<ArtistView>,
}
