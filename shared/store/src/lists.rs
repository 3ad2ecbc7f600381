//! The named lists a run publishes: the leaderboards and each producer's per-run lists.
//!
//! They are enums rather than strings so a reader cannot ask for a board that does not exist, and
//! the key module maps each to its partition or sort-key prefix in one place.

use serde::{Deserialize, Serialize};

/// A leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Board {
    /// By collaborative tracks, then distinct collaborators, then collaborative plays.
    Collaborations,
    /// By contribution value.
    Contribution,
}

impl Board {
    /// Every board, in the order the API documents them.
    pub const ALL: [Board; 2] = [Board::Collaborations, Board::Contribution];

    /// The board's name in URLs and items.
    pub fn as_str(self) -> &'static str {
        match self {
            Board::Collaborations => "collaborations",
            Board::Contribution => "contribution",
        }
    }

    /// The board named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == name)
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
