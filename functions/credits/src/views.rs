//! Request and response bodies of the `credits` routes (JSON, camelCase).

use catalog::Producer;
use chrono::{DateTime, Utc};
use contribution::apportion::percent_text;
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::catalog::items::{ChangeReason, CreditChange};
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

/// An exact fraction: a producer's equal split is `1 / count`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
}

/// One credited producer and their equal share: exact, and as a display percent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditView {
    pub producer_id: ProducerId,
    pub name: String,
    /// The exact split, `1 / count`.
    pub split: Fraction,
    /// The split in percent with two decimals (`"33.34"`); the credits' display percents sum to
    /// exactly `"100.00"` (largest remainder, ties by producer id).
    pub display_percent: String,
}

/// A track's credits, as `GET /tracks/{trackId}/credits` and every edit return them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditsView {
    pub track_id: TrackId,
    pub uploader_id: ProducerId,
    pub version: u64,
    pub credits: Vec<CreditView>,
    /// Exclusive sales are paid to the uploader, not split: every caller sees whom they go to.
    pub exclusive_sales_paid_to: ProducerId,
    /// The uploader's Stripe Connect account, shown to the uploader only (`docs/privacy.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive_payout_account: Option<Option<String>>,
}

impl CreditsView {
    /// `profiles` holds the credited producers and the uploader (missing ones show their id);
    /// the uploader's payout account is included `for_uploader` (a caller acting for them) only.
    pub fn new(
        stored: &StoredTrack,
        profiles: &HashMap<ProducerId, Producer>,
        for_uploader: bool,
    ) -> Self {
        let credits = &stored.track.credits;
        let denominator = credits.count().get() as u64;
        let uploader = &stored.track.uploader_id;
        Self {
            track_id: stored.track.id.clone(),
            uploader_id: uploader.clone(),
            version: stored.version,
            credits: credits
                .producers()
                .iter()
                .zip(credits.display_hundredths())
                .map(|(id, hundredths)| CreditView {
                    producer_id: id.clone(),
                    name: profiles
                        .get(id)
                        .map_or_else(|| id.to_string(), |p| p.name.clone()),
                    split: Fraction {
                        numerator: 1,
                        denominator,
                    },
                    display_percent: percent_text(hundredths),
                })
                .collect(),
            exclusive_sales_paid_to: uploader.clone(),
            exclusive_payout_account: for_uploader.then(|| {
                profiles
                    .get(uploader)
                    .and_then(|p| p.stripe_account_id.clone())
            }),
        }
    }
}

/// One credit change in the audit trail.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntryView {
    pub version: u64,
    /// The producer who acted.
    pub who: ProducerId,
    /// The account behind them (Backstage changes; null for the platform's and imports').
    pub account: Option<String>,
    pub source: ChangeSource,
    /// `declined` when the credited producer removed themselves; null for the uploader's edits.
    pub reason: Option<ChangeReason>,
    pub when: DateTime<Utc>,
    pub before: Vec<ProducerId>,
    pub after: Vec<ProducerId>,
}

impl From<CreditChange> for HistoryEntryView {
    fn from(h: CreditChange) -> Self {
        Self {
            version: h.version,
            who: h.changed_by,
            account: h.account,
            source: h.source,
            reason: h.reason,
            when: h.changed_at,
            before: h.before,
            after: h.after,
        }
    }
}

/// A producer's decline of a credit on a track, after they lifted it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclineView {
    pub track_id: TrackId,
    pub producer_id: ProducerId,
    /// Whether a decline stands now (false: the uploader may credit them again).
    pub declined: bool,
    /// Whether this request lifted one (false: there was none).
    pub lifted: bool,
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
