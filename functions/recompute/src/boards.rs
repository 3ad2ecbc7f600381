//! The leaderboards: BeatPass's seven published categories over their timeframes, ranked by the
//! rules in `docs/recompute.md` (from `published-rules.md`, "Leaderboards"). Pure: standings in,
//! ranked entries out.
//!
//! - A producer is placed only with an artist profile, at least one credited track, and a score
//!   above zero on that board ("to appear, a producer needs an artist profile and at least one
//!   public track").
//! - Ranks run 1, 2, 3, … with no gaps: equal scores are ordered by producer id.
//! - Window boards (`7d`, `30d`): uploads count tracks uploaded in the window; plays gained are
//!   today's counters minus those of the newest earlier run at or before the window's start (its
//!   *baseline*). Without a baseline the plays-based window boards have no entries.
//! - `overall` sums weight × max(0, 100 − rank) over the other boards' all-time ranks.

use std::cmp::Ordering;
use std::collections::HashMap;

use contribution::window::PerWindow;
use contribution::{ExactSum, ProducerId, ProducerNumber};
use results::lists::{Board, Period};
use results::run::{Baseline, BoardEntry, BoardFigures, PlacedRank, PlayCounters};

use crate::aggregate::ProducerTally;

/// The published weights of the overall board, by the board whose all-time rank they weigh.
pub const OVERALL_WEIGHTS: [(Board, u64); 6] = [
    (Board::Points, 25),
    (Board::Plays, 20),
    (Board::Uploads, 15),
    (Board::Quality, 15),
    (Board::Collaborations, 15),
    (Board::Contribution, 10),
];

/// What one producer brings to the boards.
#[derive(Debug, Clone)]
pub struct Standing<'a> {
    pub id: &'a ProducerId,
    /// The producer's number in the run's aggregate.
    pub number: ProducerNumber,
    /// Whether the producer has an artist profile (the boards' entry condition).
    pub has_profile: bool,
    pub tally: ProducerTally,
    pub contribution: ExactSum,
    pub xp: u64,
    /// Distinct co-credited producers, all time.
    pub distinct_collaborators: u64,
    /// Distinct co-credited producers on collaborative tracks uploaded in each window.
    pub recent_collaborators: PerWindow<u64>,
}

impl Standing<'_> {
    fn placeable(&self) -> bool {
        self.has_profile && self.tally.tracks > 0
    }

    /// The producer's play counters now (what the next runs compare against).
    pub fn counters(&self) -> PlayCounters {
        PlayCounters {
            plays: self.tally.plays,
            collaborative_plays: self.tally.collaborative_plays,
        }
    }

    fn gained(&self, baseline: &Baseline) -> PlayCounters {
        let before = baseline.counters.get(self.id).copied().unwrap_or_default();
        PlayCounters {
            plays: self.tally.plays.saturating_sub(before.plays),
            collaborative_plays: self
                .tally
                .collaborative_plays
                .saturating_sub(before.collaborative_plays),
        }
    }
}

/// The share of uploads that are metadata-complete, then their count: compared exactly (cross
/// multiplication), never as a float.
#[derive(Debug, Clone, Copy)]
struct Quality {
    complete: u64,
    uploads: u64,
}

impl Ord for Quality {
    fn cmp(&self, other: &Self) -> Ordering {
        let mine = u128::from(self.complete) * u128::from(other.uploads);
        let theirs = u128::from(other.complete) * u128::from(self.uploads);
        mine.cmp(&theirs).then(self.complete.cmp(&other.complete))
    }
}

impl PartialOrd for Quality {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Quality {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quality {}

/// One ranked board over one period: standing indices (into the slice ranked), best first,
/// with their figures. Rank `i + 1` is `rows[i]`.
#[derive(Debug)]
pub struct RankedBoard {
    pub board: Board,
    pub period: Period,
    pub rows: Rows,
}

impl RankedBoard {
    /// The board's entries, rank 1 first; `name` gives a standing's display name.
    pub fn entries<'s>(
        &'s self,
        standings: &'s [Standing<'_>],
        name: impl Fn(&Standing<'_>) -> String + 's,
    ) -> impl Iterator<Item = BoardEntry> + 's {
        self.rows.iter().enumerate().map(move |(i, (s, figures))| {
            let standing = &standings[*s as usize];
            BoardEntry {
                board: self.board,
                period: self.period,
                rank: i as u64 + 1,
                producer_id: standing.id.clone(),
                name: name(standing),
                figures: figures.clone(),
            }
        })
    }
}

/// Every board, and each standing's places (by standing index).
#[derive(Debug, Default)]
pub struct Boards {
    pub boards: Vec<RankedBoard>,
    pub ranks: Vec<Vec<PlacedRank>>,
}

/// A board's rows: the placeable producers with a score, best first, ties by id, each with the
/// figures `figures` makes of its score.
fn ranked<'a, K: Ord>(
    standings: &[Standing<'a>],
    score: impl Fn(&Standing<'a>) -> Option<K>,
    figures: impl Fn(K) -> BoardFigures,
) -> Rows {
    ranked_indexed(standings, |_, s| score(s), figures)
}

/// [`ranked`] with a score that also sees the standing's index.
fn ranked_indexed<'a, K: Ord>(
    standings: &[Standing<'a>],
    score: impl Fn(usize, &Standing<'a>) -> Option<K>,
    figures: impl Fn(K) -> BoardFigures,
) -> Rows {
    let mut placed: Vec<(u32, K)> = standings
        .iter()
        .enumerate()
        .filter(|(_, s)| s.placeable())
        .filter_map(|(i, s)| score(i, s).map(|k| (i as u32, k)))
        .collect();
    placed.sort_by(|(a, x), (b, y)| {
        y.cmp(x)
            .then_with(|| standings[*a as usize].id.cmp(standings[*b as usize].id))
    });
    placed.into_iter().map(|(s, k)| (s, figures(k))).collect()
}

/// A board's rows, best first: standing indices and figures.
type Rows = Vec<(u32, BoardFigures)>;

/// `Some(value)` when it is above zero.
fn positive<K: Ord + Default>(value: K) -> Option<K> {
    (value > K::default()).then_some(value)
}

/// Ranks every board and period, with each window's baseline.
pub fn rank_all(standings: &[Standing<'_>], baselines: PerWindow<Option<&Baseline>>) -> Boards {
    let mut boards = Boards {
        boards: Vec::new(),
        ranks: vec![Vec::new(); standings.len()],
    };
    // Each board's all-time rank by standing index (0: not placed).
    let mut all_time: HashMap<Board, Vec<u64>> = HashMap::new();
    for (board, period) in Board::every_period() {
        if board == Board::Overall {
            continue;
        }
        let rows = board_rows(standings, board, period, baselines);
        if period == Period::All {
            let mut by_standing = vec![0; standings.len()];
            for (i, (s, _)) in rows.iter().enumerate() {
                by_standing[*s as usize] = i as u64 + 1;
            }
            all_time.insert(board, by_standing);
        }
        boards.push(board, period, rows);
    }
    let rows = ranked_indexed(
        standings,
        |i, _| {
            positive(
                OVERALL_WEIGHTS
                    .iter()
                    .map(|(board, weight)| match all_time[board][i] {
                        0 => 0,
                        rank => weight * 100u64.saturating_sub(rank),
                    })
                    .sum::<u64>(),
            )
        },
        |score| BoardFigures {
            overall_score: Some(score),
            ..BoardFigures::default()
        },
    );
    boards.push(Board::Overall, Period::All, rows);
    boards
}

impl Boards {
    fn push(&mut self, board: Board, period: Period, rows: Rows) {
        for (i, (s, _)) in rows.iter().enumerate() {
            self.ranks[*s as usize].push(PlacedRank {
                board,
                period,
                rank: i as u64 + 1,
            });
        }
        self.boards.push(RankedBoard {
            board,
            period,
            rows,
        });
    }
}

/// One board's rows, best first, with the figures it ranks by.
fn board_rows(
    standings: &[Standing<'_>],
    board: Board,
    period: Period,
    baselines: PerWindow<Option<&Baseline>>,
) -> Rows {
    let window = period.window_index();
    // Plays-based windows compare with a baseline; without one they have no entries.
    let baseline = window.and_then(|w| baselines[w]);
    let none = BoardFigures::default;
    match (board, window) {
        (Board::Collaborations, None) => ranked(
            standings,
            |s| {
                let t = &s.tally;
                (t.collaborative_tracks > 0).then_some((
                    t.collaborative_tracks,
                    s.distinct_collaborators,
                    t.collaborative_plays,
                ))
            },
            |(tracks, distinct, plays)| BoardFigures {
                collaborative_tracks: Some(tracks),
                distinct_collaborators: Some(distinct),
                collaborative_plays: Some(plays),
                ..none()
            },
        ),
        (Board::Collaborations, Some(w)) => match baseline {
            None => Vec::new(),
            Some(baseline) => ranked(
                standings,
                |s| {
                    let key = (
                        s.tally.recent[w].collaborative_tracks,
                        s.recent_collaborators[w],
                        s.gained(baseline).collaborative_plays,
                    );
                    (key != (0, 0, 0)).then_some(key)
                },
                |(tracks, distinct, gained)| BoardFigures {
                    collaborative_tracks: Some(tracks),
                    distinct_collaborators: Some(distinct),
                    collaborative_plays_gained: Some(gained),
                    ..none()
                },
            ),
        },
        (Board::Contribution, _) => ranked(
            standings,
            |s| positive(s.contribution),
            // Ranks only: a value beside a rank would let any reader work out every share from
            // their own summary (share_x = value_x × own share ÷ own value; review M5).
            |_| none(),
        ),
        (Board::Plays, None) => ranked(
            standings,
            |s| positive(s.tally.plays),
            |plays| BoardFigures {
                plays: Some(plays),
                ..none()
            },
        ),
        (Board::Plays, Some(_)) => match baseline {
            None => Vec::new(),
            Some(baseline) => ranked(
                standings,
                |s| positive(s.gained(baseline).plays),
                |gained| BoardFigures {
                    plays_gained: Some(gained),
                    ..none()
                },
            ),
        },
        (Board::Uploads, window) => ranked(
            standings,
            |s| positive(window.map_or(s.tally.uploads, |w| s.tally.recent[w].uploads)),
            |uploads| BoardFigures {
                uploads: Some(uploads),
                ..none()
            },
        ),
        (Board::Points, _) => ranked(
            standings,
            |s| positive(s.xp),
            |xp| BoardFigures {
                xp: Some(xp),
                ..none()
            },
        ),
        (Board::Quality, _) => ranked(
            standings,
            |s| {
                (s.tally.complete_uploads > 0).then_some(Quality {
                    complete: s.tally.complete_uploads,
                    uploads: s.tally.uploads,
                })
            },
            |q| BoardFigures {
                uploads: Some(q.uploads),
                metadata_complete_uploads: Some(q.complete),
                ..none()
            },
        ),
        (Board::Overall, _) => Vec::new(),
    }
}
