//! From a merged aggregate to everything a run publishes: shares, leaderboards, the
//! collaboration network, trending pairs and recommendations. Pure and deterministic: ties are
//! broken by producer id, and every figure comes from exact sums, so the same catalog and as-of
//! instant give the same values to the last bit. It returns domain values; the store gives them
//! their keys when the run writes them.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use contribution::progress::{self, XpFacts};
use contribution::{ExactSum, ProducerId};
use store::run_items::{
    BoardEntry, Collaborator, EmptyBecause, ListHead, PairTally, ProducerSummary, Recommendation,
    RunId, RunMeta, TrendingPair,
};
use store::{Board, ProducerList};

use crate::aggregate::{Aggregate, Pair};
use crate::recommend;

/// How many trending pairs a run keeps.
pub const TRENDING_LIMIT: usize = 100;

/// Everything a run writes after the scan (the per-track breakdowns were streamed during it).
#[derive(Debug, Default)]
pub struct RunResults {
    pub summaries: Vec<ProducerSummary>,
    pub list_heads: Vec<ListHead>,
    pub collaborators: Vec<Collaborator>,
    pub recommendations: Vec<Recommendation>,
    pub boards: Vec<BoardEntry>,
    pub trending: Vec<TrendingPair>,
    pub pairs: Vec<PairTally>,
}

impl RunResults {
    pub fn len(&self) -> usize {
        self.summaries.len()
            + self.list_heads.len()
            + self.collaborators.len()
            + self.recommendations.len()
            + self.boards.len()
            + self.trending.len()
            + self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a run's results depend on besides the aggregate.
pub struct RunContext<'a> {
    pub run_id: &'a RunId,
    /// The previous published run's pair counts, or `None` for a first run (no trending).
    pub previous_pairs: Option<&'a [PairTally]>,
}

fn name(agg: &Aggregate, id: &ProducerId) -> String {
    agg.profiles
        .get(id)
        .map_or_else(|| id.to_string(), |p| p.name.clone())
}

pub fn compute(agg: &Aggregate, ctx: &RunContext<'_>) -> (RunResults, RunMeta) {
    let shares: HashMap<ProducerId, (ExactSum, f64)> = agg
        .ledger
        .shares()
        .into_iter()
        .map(|s| (s.producer_id, (s.contribution, s.share)))
        .collect();
    let contribution = |id: &ProducerId| shares.get(id).copied().unwrap_or_default();

    // The collaboration network: every producer's co-credited producers.
    let mut network: HashMap<&ProducerId, Vec<(&ProducerId, u32)>> = HashMap::new();
    for ((a, b), tally) in &agg.pairs {
        network.entry(a).or_default().push((b, tally.tracks));
        network.entry(b).or_default().push((a, tally.tracks));
    }
    let distinct = |id: &ProducerId| network.get(id).map_or(0, Vec::len) as u64;

    // Everyone who appears anywhere: credited, uploading, or with a profile.
    let mut everyone: Vec<&ProducerId> = agg.producers.keys().chain(agg.profiles.keys()).collect();
    everyone.sort();
    everyone.dedup();

    // Leaderboards.
    let mut collaborations: Vec<&ProducerId> = everyone
        .iter()
        .copied()
        .filter(|id| {
            agg.producers
                .get(*id)
                .is_some_and(|t| t.collaborative_tracks > 0)
        })
        .collect();
    collaborations.sort_by_key(|id| {
        let t = agg.producers[*id];
        (
            Reverse(t.collaborative_tracks),
            Reverse(distinct(id)),
            Reverse(t.collaborative_plays),
            *id,
        )
    });
    let mut by_contribution: Vec<&ProducerId> = everyone
        .iter()
        .copied()
        .filter(|id| !contribution(id).0.is_zero())
        .collect();
    by_contribution.sort_by_key(|id| (Reverse(contribution(id).0), *id));
    let collaborations_rank: HashMap<&ProducerId, u64> = collaborations
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as u64 + 1))
        .collect();
    let contribution_rank: HashMap<&ProducerId, u64> = by_contribution
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as u64 + 1))
        .collect();

    let mut results = RunResults::default();
    for (rank, id) in collaborations.iter().enumerate() {
        let t = agg.producers[*id];
        results.boards.push(BoardEntry {
            board: Board::Collaborations,
            rank: rank as u64 + 1,
            producer_id: (*id).clone(),
            name: name(agg, id),
            collaborative_tracks: Some(t.collaborative_tracks),
            distinct_collaborators: Some(distinct(id)),
            collaborative_plays: Some(t.collaborative_plays),
            contribution_value: None,
        });
    }
    for (rank, id) in by_contribution.iter().enumerate() {
        let (sum, _) = contribution(id);
        results.boards.push(BoardEntry {
            board: Board::Contribution,
            rank: rank as u64 + 1,
            producer_id: (*id).clone(),
            name: name(agg, id),
            collaborative_tracks: None,
            distinct_collaborators: None,
            collaborative_plays: None,
            contribution_value: Some(sum.to_f64()),
        });
    }

    // Per-producer summaries and collaborators.
    for id in &everyone {
        let t = agg.producers.get(*id).copied().unwrap_or_default();
        let (sum, share) = contribution(id);
        results.summaries.push(ProducerSummary {
            producer_id: (*id).clone(),
            name: name(agg, id),
            contribution_units: sum.units().to_string(),
            contribution_value: sum.to_f64(),
            share,
            track_count: t.tracks,
            collaborative_tracks: t.collaborative_tracks,
            distinct_collaborators: distinct(id),
            collaborative_plays: t.collaborative_plays,
            xp: progress::xp(&XpFacts {
                uploads: t.uploads,
                complete_uploads: t.complete_uploads,
                solo_plays: t.plays.saturating_sub(t.collaborative_plays),
                collaborative_plays: t.collaborative_plays,
                collaborative_tracks: t.collaborative_tracks,
                profile_complete: agg.profiles.get(*id).is_some_and(|p| p.profile_complete),
            }),
            collaborations_rank: collaborations_rank.get(id).copied(),
            contribution_rank: contribution_rank.get(id).copied(),
        });
        for list in ProducerList::ALL {
            let no_genres = agg.profiles.get(*id).is_none_or(|p| p.genres.is_empty());
            results.list_heads.push(ListHead {
                owner: (*id).clone(),
                list,
                empty_because: (list == ProducerList::Recommendations && no_genres)
                    .then_some(EmptyBecause::NoGenres),
            });
        }
        for (other, together) in network.get(id).map(Vec::as_slice).unwrap_or_default() {
            results.collaborators.push(Collaborator {
                owner: (*id).clone(),
                producer_id: (*other).clone(),
                name: name(agg, other),
                tracks_together: *together,
            });
        }
    }

    // Pair counts for the next run, and what is trending since the previous one.
    let mut pairs: Vec<(&Pair, _)> = agg.pairs.iter().collect();
    pairs.sort_by(|x, y| x.0.cmp(y.0));
    for ((a, b), tally) in &pairs {
        results.pairs.push(PairTally {
            a: a.clone(),
            b: b.clone(),
            tracks: tally.tracks,
            plays: tally.plays,
        });
    }
    if let Some(previous) = ctx.previous_pairs {
        let before: HashMap<(&ProducerId, &ProducerId), u64> =
            previous.iter().map(|p| ((&p.a, &p.b), p.plays)).collect();
        let mut gains: Vec<(u64, &Pair, u32)> = pairs
            .iter()
            .map(|(pair, t)| {
                let previous = before.get(&(&pair.0, &pair.1)).copied().unwrap_or(0);
                (t.plays.saturating_sub(previous), *pair, t.tracks)
            })
            .filter(|(gained, ..)| *gained > 0)
            .collect();
        gains.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(y.1)));
        for (rank, (gained, (a, b), tracks)) in gains.into_iter().take(TRENDING_LIMIT).enumerate() {
            results.trending.push(TrendingPair {
                rank: rank as u64 + 1,
                producer_ids: [a.clone(), b.clone()],
                names: [name(agg, a), name(agg, b)],
                shared_tracks: tracks,
                plays_gained: gained,
            });
        }
    }

    let trending: HashSet<&ProducerId> = results
        .trending
        .iter()
        .flat_map(|t| t.producer_ids.iter())
        .collect();
    results.recommendations = recommend::all(agg, &network, &trending, &contribution_rank);

    let meta = RunMeta {
        run_id: ctx.run_id.clone(),
        as_of: agg.as_of(),
        tracks: agg.tracks,
        producers: everyone.len() as u64,
        pairs: agg.pairs.len() as u64,
        result_items: results.len() as u64,
        total_units: agg.ledger.total().units().to_string(),
    };
    (results, meta)
}
