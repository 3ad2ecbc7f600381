//! From a merged aggregate to the items a run publishes: shares, leaderboards, the collaboration
//! network, trending pairs and recommendations. Pure and deterministic: ties are broken by
//! producer id, and every figure comes from exact sums, so the same catalog and as-of instant give
//! the same items to the last bit.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use contribution::{ExactSum, ProducerId};
use store::keys;
use store::results::{
    BoardEntryItem, CollaboratorItem, ListHeadItem, PAIR_SHARDS, PRODUCER_LISTS, PairItem,
    ProducerSummaryItem, RecommendationItem, RunMetaItem, SUMMARY_SK, TrendingItem,
    collaborator_sk, pairs_pk, trending_pk,
};

use crate::aggregate::{Aggregate, Pair};
use crate::recommend;

/// How many trending pairs a run keeps.
pub const TRENDING_LIMIT: usize = 100;

/// Everything a run writes after the scan (the per-track breakdowns were streamed during it).
#[derive(Debug, Default)]
pub struct Results {
    pub summaries: Vec<ProducerSummaryItem>,
    pub list_heads: Vec<ListHeadItem>,
    pub collaborators: Vec<CollaboratorItem>,
    pub recommendations: Vec<RecommendationItem>,
    pub boards: Vec<BoardEntryItem>,
    pub trending: Vec<TrendingItem>,
    pub pairs: Vec<PairItem>,
}

impl Results {
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

pub struct RunContext<'a> {
    pub run_id: &'a str,
    pub expires_at: i64,
    /// The previous published run's pair counts, or `None` for a first run (no trending).
    pub previous_pairs: Option<&'a [PairItem]>,
}

fn name(agg: &Aggregate, id: &ProducerId) -> String {
    agg.profiles
        .get(id)
        .map_or_else(|| id.to_string(), |p| p.name.clone())
}

/// A stable shard for a pair (FNV-1a of `a#b`), so the same pair always lands in the same place.
fn shard(a: &ProducerId, b: &ProducerId) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in a.as_str().bytes().chain(*b"#").chain(b.as_str().bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % PAIR_SHARDS
}

pub fn compute(agg: &Aggregate, ctx: &RunContext<'_>) -> (Results, RunMetaItem) {
    let run_id = ctx.run_id;
    let expires_at = ctx.expires_at;
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

    let mut results = Results::default();
    for (rank, id) in collaborations.iter().enumerate() {
        let t = agg.producers[*id];
        results.boards.push(BoardEntryItem {
            pk: keys::run_board_pk(run_id, "collaborations"),
            sk: keys::rank_sk(rank as u64 + 1),
            entity: "boardEntry".to_owned(),
            expires_at,
            rank: rank as u64 + 1,
            producer_id: (*id).clone(),
            name: name(agg, id),
            collaborative_tracks: Some(t.collaborative_tracks),
            distinct_collaborators: Some(distinct(id)),
            collaborative_plays: Some(t.collaborative_plays),
            contribution_value: None,
            share: None,
        });
    }
    for (rank, id) in by_contribution.iter().enumerate() {
        let (sum, share) = contribution(id);
        results.boards.push(BoardEntryItem {
            pk: keys::run_board_pk(run_id, "contribution"),
            sk: keys::rank_sk(rank as u64 + 1),
            entity: "boardEntry".to_owned(),
            expires_at,
            rank: rank as u64 + 1,
            producer_id: (*id).clone(),
            name: name(agg, id),
            collaborative_tracks: None,
            distinct_collaborators: None,
            collaborative_plays: None,
            contribution_value: Some(sum.to_f64()),
            share: Some(share),
        });
    }

    // Per-producer summaries and collaborators.
    for id in &everyone {
        let t = agg.producers.get(*id).copied().unwrap_or_default();
        let (sum, share) = contribution(id);
        results.summaries.push(ProducerSummaryItem {
            pk: keys::run_producer_pk(run_id, id),
            sk: SUMMARY_SK.to_owned(),
            entity: "producerSummary".to_owned(),
            expires_at,
            producer_id: (*id).clone(),
            name: name(agg, id),
            contribution_units: sum.units().to_string(),
            contribution_value: sum.to_f64(),
            share,
            track_count: t.tracks,
            collaborative_tracks: t.collaborative_tracks,
            distinct_collaborators: distinct(id),
            collaborative_plays: t.collaborative_plays,
            xp: t.xp,
            collaborations_rank: collaborations_rank.get(id).copied(),
            contribution_rank: contribution_rank.get(id).copied(),
        });
        for prefix in PRODUCER_LISTS {
            results.list_heads.push(ListHeadItem {
                pk: keys::run_producer_pk(run_id, id),
                sk: prefix.to_owned(),
                entity: "listHead".to_owned(),
                expires_at,
            });
        }
        for (other, together) in network.get(id).map(Vec::as_slice).unwrap_or_default() {
            results.collaborators.push(CollaboratorItem {
                pk: keys::run_producer_pk(run_id, id),
                sk: collaborator_sk(*together, other),
                entity: "collaborator".to_owned(),
                expires_at,
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
        results.pairs.push(PairItem {
            pk: pairs_pk(run_id, shard(a, b)),
            sk: format!("{a}#{b}"),
            entity: "pair".to_owned(),
            expires_at,
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
            results.trending.push(TrendingItem {
                pk: trending_pk(run_id),
                sk: keys::rank_sk(rank as u64 + 1),
                entity: "trending".to_owned(),
                expires_at,
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
    results.recommendations = recommend::all(agg, &network, &trending, &contribution_rank, ctx);

    let meta = RunMetaItem {
        pk: keys::run_pk(run_id),
        sk: keys::RUN_META_SK.to_owned(),
        entity: "runMeta".to_owned(),
        expires_at,
        run_id: run_id.to_owned(),
        as_of: agg.as_of(),
        tracks: agg.tracks,
        producers: everyone.len() as u64,
        pairs: agg.pairs.len() as u64,
        result_items: results.len() as u64,
        total_units: agg.ledger.total().units().to_string(),
    };
    (results, meta)
}
