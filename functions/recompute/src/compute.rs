//! From a merged aggregate to everything a run publishes: shares, leaderboards, the
//! collaboration network, trending pairs and recommendations. Pure and deterministic: ties are
//! broken by producer id, and every figure comes from exact sums, so the same catalog and as-of
//! instant give the same values to the last bit. It returns domain values; the store gives them
//! their keys when the run writes them.

use std::collections::{HashMap, HashSet};

use contribution::progress::{self, XpFacts};
use contribution::{ExactSum, ProducerId};
use store::counters::Baseline;
use store::run_items::{
    BoardEntry, Collaborator, CounterSnapshot, CounterSnapshotPart, EmptyBecause, ListHead,
    PairTally, ProducerSummary, Recommendation, RunId, RunMeta, TrendingPair, pack_counters,
};
use store::{Board, ProducerList};

use crate::aggregate::{Aggregate, Pair, WINDOWS};
use crate::boards::{self, Standing};
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
    /// This run's play counters, for later runs' window boards (written with [`RunMeta`]'s
    /// retention extended: see `store::counters`).
    pub counter_parts: Vec<CounterSnapshotPart>,
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
            + self.counter_parts.len()
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
    /// The counters of the newest runs at or before the as-of minus each window
    /// ([`WINDOWS`] order), where kept.
    pub baselines: [Option<&'a Baseline>; 2],
}

fn name(agg: &Aggregate, id: &ProducerId) -> String {
    agg.profiles
        .get(id)
        .map_or_else(|| id.to_string(), |p| p.name.clone())
}

/// What a run publishes: its results, its meta item, and the index entry of its counter snapshot.
pub fn compute(agg: &Aggregate, ctx: &RunContext<'_>) -> (RunResults, RunMeta, CounterSnapshot) {
    let shares: HashMap<ProducerId, (ExactSum, f64)> = agg
        .ledger
        .shares()
        .into_iter()
        .map(|s| (s.producer_id, (s.contribution, s.share)))
        .collect();
    let contribution = |id: &ProducerId| shares.get(id).copied().unwrap_or_default();

    // The collaboration network: every producer's co-credited producers, and of those the ones
    // they share a track uploaded in each window with.
    let mut network: HashMap<&ProducerId, Vec<(&ProducerId, u32)>> = HashMap::new();
    let mut recent_collaborators: HashMap<&ProducerId, [u64; 2]> = HashMap::new();
    for ((a, b), tally) in &agg.pairs {
        network.entry(a).or_default().push((b, tally.tracks));
        network.entry(b).or_default().push((a, tally.tracks));
        for w in 0..WINDOWS.len() {
            if agg.in_window(w, tally.latest_upload_millis) {
                recent_collaborators.entry(a).or_default()[w] += 1;
                recent_collaborators.entry(b).or_default()[w] += 1;
            }
        }
    }
    let distinct = |id: &ProducerId| network.get(id).map_or(0, Vec::len) as u64;

    // Everyone who appears anywhere: credited, uploading, or with a profile.
    let mut everyone: Vec<&ProducerId> = agg.producers.keys().chain(agg.profiles.keys()).collect();
    everyone.sort();
    everyone.dedup();

    let standings: Vec<Standing<'_>> = everyone
        .iter()
        .map(|id| {
            let tally = agg.producers.get(*id).copied().unwrap_or_default();
            let profile = agg.profiles.get(*id);
            Standing {
                id,
                name: name(agg, id),
                has_profile: profile.is_some(),
                tally,
                contribution: contribution(id).0,
                xp: progress::xp(&XpFacts {
                    uploads: tally.uploads,
                    complete_uploads: tally.complete_uploads,
                    solo_plays: tally.plays.saturating_sub(tally.collaborative_plays),
                    collaborative_plays: tally.collaborative_plays,
                    collaborative_tracks: tally.collaborative_tracks,
                    profile_complete: profile.is_some_and(|p| p.profile_complete),
                }),
                distinct_collaborators: distinct(id),
                recent_collaborators: recent_collaborators.get(*id).copied().unwrap_or_default(),
            }
        })
        .collect();
    let boards::Boards {
        entries: board_entries,
        mut ranks,
    } = boards::rank_all(&standings, ctx.baselines);
    let contribution_rank: HashMap<&ProducerId, u64> = ranks
        .iter()
        .filter_map(|(id, placed)| {
            let on_board = placed.iter().find(|r| r.board == Board::Contribution)?;
            Some((*id, on_board.rank))
        })
        .collect();

    let mut results = RunResults {
        boards: board_entries,
        ..RunResults::default()
    };
    results.counter_parts = pack_counters(
        ctx.run_id,
        standings
            .iter()
            .filter(|s| s.tally.tracks > 0)
            .map(|s| (s.id, s.counters())),
    );
    let snapshot = CounterSnapshot {
        run_id: ctx.run_id.clone(),
        as_of: agg.as_of(),
        parts: results.counter_parts.len() as u32,
        producers: standings.iter().filter(|s| s.tally.tracks > 0).count() as u64,
    };

    // Per-producer summaries and collaborators.
    for standing in &standings {
        let id = &standing.id;
        let t = standing.tally;
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
            xp: standing.xp,
            ranks: ranks.remove(*id).unwrap_or_default(),
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
    (results, meta, snapshot)
}
