//! What can go wrong answering a dashboard or profile query, and the HTTP answer to each.

use contribution::IdError;
use contribution::statement::{BadPeriod, PayoutPeriod};
use http_edge::Problem;
use results::lists::Board;
use store::StoreError;
use store::runs::series::MAX_SERIES_DAYS;

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum LeaderboardError {
    #[error(
        "{name:?} is not a leaderboard; the boards are {}",
        names(Board::ALL.iter().map(|b| b.as_str()))
    )]
    UnknownBoard { name: String },
    #[error(
        "the {board} board has no period {period:?}; its periods are {}",
        names(board.periods().iter().map(|p| p.as_str()))
    )]
    UnknownPeriod { board: Board, period: String },
    #[error("{0:?} is not a valid producer id: {1}")]
    BadProducerId(String, IdError),
    #[error("no results yet: the first recompute run has not completed")]
    NoResultsYet,
    #[error("producer {0} is unknown")]
    UnknownProducer(String),
    #[error("collaborative must be true or false, not {0:?}")]
    BadFlag(String),
    #[error("days must be a whole number from 1 to {MAX_SERIES_DAYS}, not {0:?}")]
    BadDays(String),
    #[error(transparent)]
    BadPeriod(#[from] BadPeriod),
    #[error("no payout statement for {0}")]
    NoStatement(PayoutPeriod),
    #[error(
        "status must be one of {names}, not {0:?}",
        names = crate::views::StatusFilter::NAMES.join(", ")
    )]
    BadStatus(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refusal already in HTTP terms (the router's, the request's parsing).
    #[error(transparent)]
    Refused(#[from] Problem),
}

impl From<LeaderboardError> for Problem {
    fn from(e: LeaderboardError) -> Self {
        let detail = e.to_string();
        match e {
            LeaderboardError::UnknownBoard { .. }
            | LeaderboardError::UnknownPeriod { .. }
            | LeaderboardError::BadProducerId(..)
            | LeaderboardError::BadFlag(_)
            | LeaderboardError::BadDays(_)
            | LeaderboardError::BadStatus(_)
            | LeaderboardError::BadPeriod(_) => Problem::bad_request(detail),
            LeaderboardError::NoStatement(_) => Problem::not_found(detail),
            LeaderboardError::NoResultsYet => {
                Problem::new(404, "no-results-yet", "No results yet", detail)
            }
            LeaderboardError::UnknownProducer(_) => Problem::not_found(detail),
            LeaderboardError::Refused(problem) => problem,
            LeaderboardError::Store(e) => {
                Problem::store_fault(e.is_bad_cursor(), e.is_deployment_fault(), &e)
            }
        }
    }
}
