//! Response bodies of the `leaderboard` routes (JSON, camelCase).

use catalog::UploadTime;
use chrono::{DateTime, Utc};
use contribution::payout::Signal;
use contribution::statement::{Currency, PayoutPeriod, StatementStatus};
use contribution::{ProducerId, TrackId};
use results::lists::{Board, Period};
use results::payout::{Hold, HoldReason, PayoutStatement, StatusChange, TransferFailure};
use results::run as stored;
use results::run::{PlatformPoint, ProducerPoint};
use serde::Serialize;
use std::collections::BTreeMap;
use store::catalog::items::DiscographyEntry;

/// A page of a run-based list: `asOf` is null before the first run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPage<T> {
    pub as_of: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub list: T,
    pub next_cursor: Option<String>,
}

/// A board row: rank, who, and the figures the board ranks by (the stored figures, as they are).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntry {
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    #[serde(flatten)]
    pub figures: stored::BoardFigures,
}

impl From<stored::BoardEntry> for BoardEntry {
    fn from(i: stored::BoardEntry) -> Self {
        Self {
            rank: i.rank,
            producer_id: i.producer_id,
            name: i.name,
            figures: i.figures,
        }
    }
}

/// A page of a board: which board and period, and for a window, where its gains count from.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardPage {
    pub board: Board,
    pub period: Period,
    /// For `7d`/`30d`: the as-of of the run plays gained are counted from (null when no run is
    /// that old), or the window's start for uploads; null for `all`.
    pub since: Option<DateTime<Utc>>,
    pub entries: Vec<BoardEntry>,
}

impl BoardPage {
    pub fn new(
        board: Board,
        period: Period,
        since: Option<DateTime<Utc>>,
        entries: Vec<BoardEntry>,
    ) -> Self {
        Self {
            board,
            period,
            since,
            entries,
        }
    }
}

/// The producer's rank on every board, by period (null where not placed); boards list only the
/// periods they have.
pub type Ranks = BTreeMap<Board, BTreeMap<Period, Option<u64>>>;

fn ranks(placed: &[stored::PlacedRank]) -> Ranks {
    let mut ranks = Ranks::new();
    for (board, period) in Board::every_period() {
        let rank = placed
            .iter()
            .find(|r| r.board == board && r.period == period)
            .map(|r| r.rank);
        ranks.entry(board).or_default().insert(period, rank);
    }
    ranks
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
        let ranks = ranks(&i.ranks);
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
            ranks,
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

/// Who is signed in: the account, and the producers it acts for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub account: String,
    pub producers: Vec<MyProducer>,
}

/// A producer an account acts for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyProducer {
    pub producer_id: ProducerId,
    /// The profile's name; null when the producer has no profile yet.
    pub name: Option<String>,
}

/// A producer's payout statements, newest period first (filtered by status when asked), with the
/// overview the Finances page's Upcoming and Lifetime cards show.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutList {
    pub overview: Vec<PayoutOverview>,
    pub payouts: Vec<PayoutLine>,
    pub next_cursor: Option<String>,
}

/// One currency's totals over a producer's statements.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutOverview {
    pub currency: Option<Currency>,
    /// Everything transferred so far.
    pub lifetime_paid_minor: u64,
    /// Still to come: queued, being sent, held or escalated (what is not paid of them).
    pub upcoming_minor: u64,
    /// Failed (what is not paid of them).
    pub failed_minor: u64,
    /// The upcoming statements, newest first, each with why it is not paid yet.
    pub upcoming: Vec<UpcomingPayout>,
}

/// A statement still to come, and why it has not come yet.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpcomingPayout {
    pub period: PayoutPeriod,
    pub status: StatementStatus,
    pub amount_minor: u64,
    pub why: &'static str,
    /// Held: the payout-ready signals missing.
    pub missing: Vec<Signal>,
}

/// The Finances page's tabs: which statuses each shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Paid,
    Pending,
    Failed,
    Excluded,
}

impl StatusFilter {
    pub const NAMES: [&'static str; 4] = ["paid", "pending", "failed", "excluded"];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "paid" => StatusFilter::Paid,
            "pending" => StatusFilter::Pending,
            "failed" => StatusFilter::Failed,
            "excluded" => StatusFilter::Excluded,
            _ => return None,
        })
    }

    pub fn admits(self, status: StatementStatus) -> bool {
        use StatementStatus::*;
        match self {
            StatusFilter::Paid => status == Paid,
            StatusFilter::Pending => matches!(status, Queued | Sending | Held | Escalated),
            StatusFilter::Failed => status == Failed,
            StatusFilter::Excluded => matches!(status, Excluded | NothingDue | Voided),
        }
    }
}

/// Why a statement still to come has not come (this project's words).
fn pending_reason(s: &PayoutStatement) -> &'static str {
    match (s.status, &s.hold) {
        (StatementStatus::Held, Some(hold)) => hold.message(),
        (StatementStatus::Escalated, _) => {
            "BeatPass support is looking into this payout; it is sent once they have."
        }
        (StatementStatus::Sending, _) => "The transfer is on its way to Stripe.",
        _ => "Queued: sent with this month's transfers.",
    }
}

/// The overview of `statements`, one entry per currency (in the order first seen: newest first).
pub fn overview(statements: &[PayoutStatement]) -> Vec<PayoutOverview> {
    let mut by_currency: Vec<PayoutOverview> = Vec::new();
    for s in statements {
        let index = match by_currency
            .iter()
            .position(|o| o.currency == Some(s.currency))
        {
            Some(i) => i,
            None => {
                by_currency.push(PayoutOverview {
                    currency: Some(s.currency),
                    ..PayoutOverview::default()
                });
                by_currency.len() - 1
            }
        };
        let o = &mut by_currency[index];
        let paid = s.paid_minor().max(if s.status == StatementStatus::Paid {
            s.amount_minor
        } else {
            0
        });
        o.lifetime_paid_minor += paid;
        let rest = s.amount_minor.saturating_sub(paid);
        if StatusFilter::Pending.admits(s.status) {
            o.upcoming_minor += rest;
            o.upcoming.push(UpcomingPayout {
                period: s.period,
                status: s.status,
                amount_minor: rest,
                why: pending_reason(s),
                missing: s
                    .hold
                    .as_ref()
                    .map(|h| h.missing.clone())
                    .unwrap_or_default(),
            });
        } else if s.status == StatementStatus::Failed {
            o.failed_minor += rest;
        }
    }
    by_currency
}

/// One period's payout, as the list shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutLine {
    pub period: PayoutPeriod,
    pub currency: Currency,
    pub amount_minor: u64,
    pub status: StatementStatus,
    pub contribution_value: f64,
    /// The producer's share of the pool (0 when excluded), for display; the detail has it exact.
    pub share: f64,
    pub run_as_of: DateTime<Utc>,
    pub transfer_id: Option<String>,
    /// Minor units transferred so far (all of it once Paid; part of a large one paid in parts).
    pub paid_minor: u64,
    /// Held or escalated: why, since when, and what is missing.
    pub hold: Option<HoldView>,
}

/// Why a statement is held, in this project's words (an operator's own note stays internal).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldView {
    pub reason: &'static str,
    pub message: &'static str,
    pub since: DateTime<Utc>,
    pub missing: Vec<Signal>,
}

impl From<&Hold> for HoldView {
    fn from(h: &Hold) -> Self {
        Self {
            reason: match h.reason {
                HoldReason::NotPayoutReady => "notPayoutReady",
                HoldReason::AccountRefused => "accountRefused",
                HoldReason::Operator { .. } => "review",
                HoldReason::Released { .. } => "released",
            },
            message: h.message(),
            since: h.since,
            missing: h.missing.clone(),
        }
    }
}

/// The exact share of the pool: contribution units over the eligible producers' total (units
/// are exact whole numbers by type: a corrupt one fails to decode, it never reads as 0).
fn exact_share(s: &PayoutStatement) -> (u128, u128) {
    if s.status == StatementStatus::Excluded || s.eligible_units.get() == 0 {
        (0, 1)
    } else {
        (s.contribution_units.get(), s.eligible_units.get())
    }
}

fn share_number(s: &PayoutStatement) -> f64 {
    let (n, d) = exact_share(s);
    n as f64 / d as f64
}

impl From<&PayoutStatement> for PayoutLine {
    fn from(s: &PayoutStatement) -> Self {
        Self {
            period: s.period,
            currency: s.currency,
            amount_minor: s.amount_minor,
            status: s.status,
            contribution_value: s.contribution_value,
            share: share_number(s),
            run_as_of: s.run_as_of,
            transfer_id: s.transfer_id.clone(),
            paid_minor: s.paid_minor().max(if s.status == StatementStatus::Paid {
                s.amount_minor
            } else {
                0
            }),
            hold: s
                .hold
                .as_ref()
                .filter(|_| matches!(s.status, StatementStatus::Held | StatementStatus::Escalated))
                .map(HoldView::from),
        }
    }
}

/// A fraction as decimal integers (they can exceed 2^53, so text).
#[derive(Debug, Serialize)]
pub struct Fraction {
    pub numerator: String,
    pub denominator: String,
}

/// How the amount was reached.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutExplanation {
    /// The producer's exact contribution in the run, in 2⁻⁶⁴ units.
    pub contribution_units: String,
    /// The payout-ready producers' exact total, in the same units.
    pub eligible_units: String,
    pub pool_minor: u64,
    pub share_exact: Fraction,
    /// The whole minor units of the exact share, and whether a leftover unit was added (largest
    /// remainder).
    pub floor_minor: u64,
    pub remainder_unit: bool,
    pub excluded_producers: u64,
    /// Excluded only: the payout-ready signals that were missing.
    pub missing: Vec<Signal>,
}

/// Why a transfer failed, in this project's words (Stripe's own text is never shown).
#[derive(Debug, Serialize)]
pub struct FailureView {
    pub code: &'static str,
    pub message: &'static str,
    pub retryable: bool,
}

impl From<&TransferFailure> for FailureView {
    fn from(f: &TransferFailure) -> Self {
        Self {
            code: f.code.as_str(),
            message: f.code.message(),
            retryable: f.retryable,
        }
    }
}

/// One period's statement with its explanation and history.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutDetail {
    #[serde(flatten)]
    pub line: PayoutLine,
    pub explanation: PayoutExplanation,
    pub failure: Option<FailureView>,
    /// The transfers made, one per part (a share above Stripe's per-transfer maximum is paid in
    /// several).
    pub transfers: Vec<TransferView>,
    pub history: Vec<StatusChange>,
}

/// One transfer of a statement.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub part: u32,
    pub amount_minor: u64,
    pub transfer_id: String,
}

impl From<&PayoutStatement> for PayoutDetail {
    fn from(s: &PayoutStatement) -> Self {
        let (numerator, denominator) = exact_share(s);
        Self {
            line: PayoutLine::from(s),
            explanation: PayoutExplanation {
                contribution_units: s.contribution_units.to_string(),
                eligible_units: s.eligible_units.to_string(),
                pool_minor: s.pool_minor,
                share_exact: Fraction {
                    numerator: numerator.to_string(),
                    denominator: denominator.to_string(),
                },
                floor_minor: s.floor_minor,
                remainder_unit: s.remainder_unit,
                excluded_producers: s.excluded_producers,
                missing: s.missing.clone(),
            },
            failure: s.failure.as_ref().map(FailureView::from),
            transfers: s
                .paid_parts
                .iter()
                .map(|p| TransferView {
                    part: p.part,
                    amount_minor: p.amount_minor,
                    transfer_id: p.transfer_id.clone(),
                })
                .collect(),
            history: s.history.clone(),
        }
    }
}

/// A producer's figures in one published run: a point of their history chart.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPoint {
    pub as_of: DateTime<Utc>,
    pub contribution_value: f64,
    pub share: f64,
    pub plays: u64,
    pub xp: u64,
    pub level: u32,
    pub ranks: Ranks,
}

impl From<ProducerPoint> for HistoryPoint {
    fn from(i: ProducerPoint) -> Self {
        Self {
            as_of: i.as_of,
            contribution_value: i.contribution_value,
            share: i.share,
            plays: i.plays,
            xp: i.xp,
            level: contribution::progress::level(i.xp).level,
            ranks: ranks(&i.ranks),
        }
    }
}

/// A producer's figures over the runs published in the last `days` days, oldest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub producer_id: ProducerId,
    pub days: u32,
    pub points: Vec<HistoryPoint>,
}

/// The platform's figures in one published run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsPoint {
    pub as_of: DateTime<Utc>,
    pub producers_with_share: u64,
    pub collaborative_tracks: u64,
    pub distinct_pairs: u64,
    pub total_plays: u64,
}

impl From<PlatformPoint> for StatsPoint {
    fn from(i: PlatformPoint) -> Self {
        Self {
            as_of: i.as_of,
            producers_with_share: i.producers_with_share,
            collaborative_tracks: i.collaborative_tracks,
            distinct_pairs: i.pairs,
            total_plays: i.plays,
        }
    }
}

/// The platform's figures over the runs published in the last `days` days, oldest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub days: u32,
    pub points: Vec<StatsPoint>,
}
