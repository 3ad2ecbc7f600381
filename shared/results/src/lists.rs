//! The named lists a run publishes: the leaderboards (each over one or more periods) and each
//! producer's per-run lists.
//!
//! They are enums rather than strings so a reader cannot ask for a board or a period that does not
//! exist, and the key module maps each to its partition or sort-key prefix in one place. The
//! boards and periods are BeatPass's published categories and timeframes
//! (`../shared/product/published-rules.md`, "Leaderboards").

use serde::{Deserialize, Serialize};

pub use contribution::window::Period;

/// A leaderboard category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Board {
    /// Collaborative tracks, then distinct collaborators, then plays on collaborative tracks.
    Collaborations,
    /// Contribution value ("Earnings" on the dashboard).
    Contribution,
    /// Plays on credited tracks (full plays, not split).
    Plays,
    /// Tracks uploaded.
    Uploads,
    /// XP.
    Points,
    /// Share of uploaded tracks that are metadata-complete, then their count.
    Quality,
    /// A weighted sum of the other boards' all-time ranks.
    Overall,
}

impl Board {
    /// Every board, in the order the API documents them.
    pub const ALL: [Board; 7] = [
        Board::Collaborations,
        Board::Contribution,
        Board::Plays,
        Board::Uploads,
        Board::Points,
        Board::Quality,
        Board::Overall,
    ];

    /// The board's name in URLs and items.
    pub fn as_str(self) -> &'static str {
        match self {
            Board::Collaborations => "collaborations",
            Board::Contribution => "contribution",
            Board::Plays => "plays",
            Board::Uploads => "uploads",
            Board::Points => "points",
            Board::Quality => "quality",
            Board::Overall => "overall",
        }
    }

    /// The board named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == name)
    }

    /// The periods the board is published for (the published rules: Points is always all-time;
    /// contribution, quality and overall are all-time figures by their nature).
    pub fn periods(self) -> &'static [Period] {
        match self {
            Board::Collaborations | Board::Plays | Board::Uploads => &Period::ALL,
            Board::Contribution | Board::Points | Board::Quality | Board::Overall => &[Period::All],
        }
    }

    /// Every (board, period) a run publishes, in documentation order.
    pub fn every_period() -> impl Iterator<Item = (Board, Period)> {
        Self::ALL
            .into_iter()
            .flat_map(|b| b.periods().iter().map(move |p| (b, *p)))
    }
}

impl std::fmt::Display for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the lists every producer in a run has (each with a head item, so an empty list and an
/// unknown producer are told apart in one query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProducerList {
    /// Why each credited track is worth what it is.
    Contributions,
    /// Co-credited producers, most tracks together first.
    Collaborators,
    /// Suggested collaborators, best first.
    Recommendations,
}

impl ProducerList {
    pub const ALL: [ProducerList; 3] = [
        ProducerList::Contributions,
        ProducerList::Collaborators,
        ProducerList::Recommendations,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_windows_are_where_published() {
        for board in Board::ALL {
            assert_eq!(Board::parse(board.as_str()), Some(board));
            assert!(board.periods().contains(&Period::All));
        }
        assert_eq!(Board::every_period().count(), 7 + 2 * 3);
        assert_eq!(Board::Points.periods(), &[Period::All]);
    }
}
