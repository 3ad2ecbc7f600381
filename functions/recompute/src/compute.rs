//! From a merged aggregate to everything a run publishes: shares, leaderboards, the
//! collaboration network, trending pairs and recommendations. Pure and deterministic: ties are
//! broken by producer id, and every figure comes from exact sums, so the same catalog and as-of
//! instant give the same values to the last bit. It returns domain values; the store gives them
//! their keys when the run writes them.
//!
//! A [`RunPlan`] holds only what is per producer or per pair, in compact form (numbers, not ids):
//! the standings, the boards' rows, the collaboration network as one adjacency array. The items
//! a run writes are made from it on demand, a producer at a time, so the run streams them out
//! instead of holding every kind in vectors. What that costs per producer and per pair is in
//! `docs/recompute.md` ("Memory").

use contribution::progress::{self, XpFacts};
use contribution::window::{PerWindow, WINDOW_COUNT};
use contribution::{ExactSum, ProducerId, ProducerNumber};
use results::lists::{Board, Period};
use results::run::{
    Baseline, Baselines, BoardEntry, Collaborator, EmptyBecause, PairTally, PlayCounters,
    ProducerPoint, ProducerResults, ProducerSummary, RunMeta, TrendingPair,
};
use results::run_id::RunId;
use rustc_hash::FxHashMap;

use crate::aggregate::{self, Aggregate, PairKey};
use crate::boards::{self, Boards, Standing};
use crate::recommend::Recommender;

/// How many trending pairs a run keeps.
pub const TRENDING_LIMIT: usize = 100;

/// What a run's results depend on besides the aggregate.
pub struct RunContext<'a> {
    pub run_id: &'a RunId,
    /// The counters of the newest runs at or before the as-of minus each window
    /// (in `Period::WINDOWS` order), where kept.
    pub baselines: PerWindow<Option<&'a Baseline>>,
}

/// One direction of a collaborating pair, in its producer's adjacency list.
#[derive(Debug, Clone, Copy)]
struct Edge {
    /// The other producer's standing index.
    other: u32,
    tracks: u32,
    plays: u64,
    /// The pair's plays in the previous run (kept on the direction from the smaller index).
    previous_plays: u64,
}

/// A run's results, ready to be written a producer at a time.
pub struct RunPlan<'a> {
    agg: &'a Aggregate,
    run_id: RunId,
    /// Every producer (credited, uploading, or with a profile), in id order.
    standings: Vec<Standing<'a>>,
    /// Standing index by producer number.
    position: Vec<u32>,
    /// The network: standing `i`'s edges are `edges[offsets[i]..offsets[i + 1]]`, by other index.
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    boards: Boards,
    recommender: Recommender<'a>,
    total: ExactSum,
    trending: Vec<TrendingPair>,
    /// By producer number: in one of this run's trending pairs.
    in_trending: Vec<bool>,
}

impl<'a> RunPlan<'a> {
    /// Ranks everything `agg` holds. `pairs` are the aggregate's pair tallies, taken from it so
    /// they are dropped once folded into the network.
    pub fn new(
        agg: &'a Aggregate,
        pairs: FxHashMap<PairKey, aggregate::PairTally>,
        ctx: &RunContext<'_>,
    ) -> Self {
        let count = agg.producer_count();
        let order = agg.ledger.id_order();
        let mut position = vec![0u32; count];
        for (i, &n) in order.iter().enumerate() {
            position[n as usize] = i as u32;
        }

        // The network as adjacency lists, and each producer's collaborators on tracks uploaded
        // in each window.
        let mut degree = vec![0u32; count + 1];
        let mut recent: Vec<PerWindow<u64>> = vec![[0; WINDOW_COUNT]; count];
        for (key, tally) in &pairs {
            let (a, b) = key.numbers();
            let (a, b) = (position[a as usize] as usize, position[b as usize] as usize);
            degree[a] += 1;
            degree[b] += 1;
            for (w, inside) in agg
                .in_windows(tally.latest_upload_millis)
                .iter()
                .enumerate()
            {
                if *inside {
                    recent[a][w] += 1;
                    recent[b][w] += 1;
                }
            }
        }
        let mut offsets = Vec::with_capacity(count + 1);
        let mut running = 0u32;
        for d in &degree[..count] {
            offsets.push(running);
            running += d;
        }
        offsets.push(running);
        let empty = Edge {
            other: 0,
            tracks: 0,
            plays: 0,
            previous_plays: 0,
        };
        let mut edges = vec![empty; running as usize];
        let mut fill: Vec<u32> = offsets[..count].to_vec();
        for (key, tally) in pairs {
            let (a, b) = key.numbers();
            let (a, b) = (position[a as usize], position[b as usize]);
            for (from, to) in [(a, b), (b, a)] {
                edges[fill[from as usize] as usize] = Edge {
                    other: to,
                    tracks: tally.tracks,
                    plays: tally.plays,
                    previous_plays: 0,
                };
                fill[from as usize] += 1;
            }
        }
        for i in 0..count {
            edges[offsets[i] as usize..offsets[i + 1] as usize].sort_unstable_by_key(|e| e.other);
        }

        let standings: Vec<Standing<'a>> = order
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let tally = agg.tallies[n as usize];
                let profile = agg.profile(n);
                Standing {
                    id: agg.producer(n),
                    number: n,
                    has_profile: profile.is_some(),
                    tally,
                    contribution: agg.ledger.contribution_of(n),
                    xp: progress::xp(&XpFacts {
                        uploads: tally.uploads,
                        complete_uploads: tally.complete_uploads,
                        solo_plays: tally.plays.saturating_sub(tally.collaborative_plays),
                        collaborative_plays: tally.collaborative_plays,
                        collaborative_tracks: tally.collaborative_tracks,
                        profile_complete: profile.is_some_and(|p| p.profile_complete),
                    }),
                    distinct_collaborators: u64::from(offsets[i + 1] - offsets[i]),
                    recent_collaborators: recent[i],
                }
            })
            .collect();
        let boards = boards::rank_all(&standings, ctx.baselines);
        let mut contribution_rank = vec![None; count];
        for (i, placed) in boards.ranks.iter().enumerate() {
            contribution_rank[standings[i].number as usize] = placed
                .iter()
                .find(|r| r.board == Board::Contribution)
                .map(|r| r.rank);
        }
        let recommender = Recommender::new(agg, |n| contribution_rank[n as usize]);
        Self {
            agg,
            run_id: ctx.run_id.clone(),
            standings,
            position,
            offsets,
            edges,
            boards,
            recommender,
            total: agg.ledger.total(),
            trending: Vec::new(),
            in_trending: vec![false; count],
        }
    }

    fn edges_of(&self, i: usize) -> &[Edge] {
        &self.edges[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Notes one pair count of the previous run (`a < b`); pairs no longer collaborating are
    /// ignored.
    pub fn note_previous(&mut self, a: &str, b: &str, plays: u64) {
        let agg = self.agg;
        let (Some(a), Some(b)) = (agg.ledger.number_of(a), agg.ledger.number_of(b)) else {
            return;
        };
        let (a, b) = (self.position[a as usize], self.position[b as usize]);
        let (from, to) = (a.min(b) as usize, a.max(b));
        let range = self.offsets[from] as usize..self.offsets[from + 1] as usize;
        if let Ok(k) = self.edges[range.clone()].binary_search_by_key(&to, |e| e.other) {
            self.edges[range.start + k].previous_plays = plays;
        }
    }

    /// Ranks the pairs whose plays grew most since the previous run (after its pair counts were
    /// [noted](Self::note_previous)). Not called on a first run: no trending.
    pub fn rank_trending(&mut self) {
        let mut gains: Vec<(u64, u32, u32, u32)> = Vec::new();
        for a in 0..self.standings.len() {
            for e in self.edges_of(a).iter().filter(|e| e.other as usize > a) {
                let gained = e.plays.saturating_sub(e.previous_plays);
                if gained > 0 {
                    gains.push((gained, a as u32, e.other, e.tracks));
                }
            }
        }
        // Most gained first, then by the pair's ids (standing indices are in id order).
        gains.sort_unstable_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        let agg = self.agg;
        gains.truncate(TRENDING_LIMIT);
        let mut trending = Vec::with_capacity(gains.len());
        for (rank, (gained, a, b, tracks)) in gains.into_iter().enumerate() {
            let (a, b) = (&self.standings[a as usize], &self.standings[b as usize]);
            // Each pair's producers marked by the numbers their standings carry.
            self.in_trending[a.number as usize] = true;
            self.in_trending[b.number as usize] = true;
            trending.push(TrendingPair {
                rank: rank as u64 + 1,
                producer_ids: [a.id.clone(), b.id.clone()],
                names: [agg.name(a.number).to_owned(), agg.name(b.number).to_owned()],
                shared_tracks: tracks,
                plays_gained: gained,
            });
        }
        self.trending = trending;
    }

    /// How many producers the run has items for.
    pub fn producer_count(&self) -> usize {
        self.standings.len()
    }

    /// The summary and lists of the `i`-th producer (in id order).
    pub fn producer_results(&self, i: usize) -> ProducerResults {
        let agg = self.agg;
        let standing = &self.standings[i];
        let id: &ProducerId = standing.id;
        let t = standing.tally;
        let sum = standing.contribution;
        let summary = ProducerSummary {
            producer_id: id.clone(),
            name: agg.name(standing.number).to_owned(),
            contribution_units: results::units::ExactUnits(sum.units()),
            contribution_value: sum.to_f64(),
            share: sum.fraction_of(self.total),
            track_count: t.tracks,
            collaborative_tracks: t.collaborative_tracks,
            distinct_collaborators: standing.distinct_collaborators,
            collaborative_plays: t.collaborative_plays,
            xp: standing.xp,
            ranks: self.boards.ranks[i].clone(),
        };
        let no_genres = agg
            .profile(standing.number)
            .is_none_or(|p| p.genres.is_empty());
        let edges = self.edges_of(i);
        let mut collaborators: Vec<Collaborator> = edges
            .iter()
            .map(|e| {
                let other = &self.standings[e.other as usize];
                Collaborator {
                    owner: id.clone(),
                    producer_id: other.id.clone(),
                    name: agg.name(other.number).to_owned(),
                    tracks_together: e.tracks,
                }
            })
            .collect();
        // Most tracks together first, then by id (standing indices are in id order).
        collaborators.sort_by_key(|c| std::cmp::Reverse(c.tracks_together));
        let known: Vec<ProducerNumber> = edges
            .iter()
            .map(|e| self.standings[e.other as usize].number)
            .collect();
        let recommendations = self
            .recommender
            .for_producer(standing.number, &known, |n| self.in_trending[n as usize]);
        let point = ProducerPoint {
            producer_id: id.clone(),
            run_id: self.run_id.clone(),
            as_of: agg.as_of(),
            contribution_value: summary.contribution_value,
            share: summary.share,
            plays: t.plays,
            xp: summary.xp,
            ranks: summary.ranks.clone(),
        };
        ProducerResults {
            contributions: agg.arena.contributions_of(standing.number, id, agg.as_of()),
            summary,
            point,
            collaborators,
            recommendations,
            no_recommendations_because: no_genres.then_some(EmptyBecause::NoGenres),
        }
    }

    /// Every board over every period it is published for, with its entries, rank 1 first.
    pub fn boards(&self) -> impl Iterator<Item = (Board, Period, Vec<BoardEntry>)> + '_ {
        self.boards.boards.iter().map(|board| {
            let entries = board
                .entries(&self.standings, |s| self.agg.name(s.number).to_owned())
                .collect();
            (board.board, board.period, entries)
        })
    }

    /// This run's trending pairs (none on a first run).
    pub fn trending(&self) -> &[TrendingPair] {
        &self.trending
    }

    /// Every pair's count for the next run, by the pair's ids.
    pub fn pair_tallies(&self) -> impl Iterator<Item = PairTally> + '_ {
        (0..self.standings.len()).flat_map(move |a| {
            self.edges_of(a)
                .iter()
                .filter(move |e| e.other as usize > a)
                .map(move |e| PairTally {
                    a: self.standings[a].id.clone(),
                    b: self.standings[e.other as usize].id.clone(),
                    tracks: e.tracks,
                    plays: e.plays,
                })
        })
    }

    /// This run's play counters for later runs' window boards: every producer credited on a
    /// track, in standing order.
    pub fn counters(&self) -> impl Iterator<Item = (&ProducerId, PlayCounters)> + '_ {
        self.standings
            .iter()
            .filter(|s| s.tally.tracks > 0)
            .map(|s| (s.id, s.counters()))
    }

    /// The run's meta item, once `result_items` items were written.
    pub fn meta(&self, result_items: u64, baselines: Baselines) -> RunMeta {
        RunMeta {
            run_id: self.run_id.clone(),
            as_of: self.agg.as_of(),
            tracks: self.agg.tracks,
            producers: self.standings.len() as u64,
            pairs: (self.edges.len() / 2) as u64,
            result_items,
            total_units: results::units::ExactUnits(self.total.units()),
            baselines,
            producers_with_share: self
                .standings
                .iter()
                .filter(|s| s.contribution.units() > 0)
                .count() as u64,
            collaborative_tracks: self.agg.collaborative_tracks,
            plays: self.agg.plays,
        }
    }
}
