//! What can go wrong answering a dashboard or profile query, and the HTTP answer to each.

use contribution::IdError;
use http_edge::Problem;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LeaderboardError {
    #[error("{0:?} is not a leaderboard; use collaborations or contribution")]
    UnknownBoard(String),
    #[error("{0:?} is not a valid producer id: {1}")]
    BadProducerId(String, IdError),
    #[error("only the producer themselves may see {0}")]
    Private(&'static str),
    #[error("no results yet: the first recompute run has not completed")]
    NoResultsYet,
    #[error("producer {0} is unknown")]
    UnknownProducer(String),
    #[error("collaborative must be true or false, not {0:?}")]
    BadFlag(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LeaderboardError> for Problem {
    fn from(e: LeaderboardError) -> Self {
        let detail = e.to_string();
        match e {
            LeaderboardError::UnknownBoard(_)
            | LeaderboardError::BadProducerId(..)
            | LeaderboardError::BadFlag(_) => Problem::bad_request(detail),
            LeaderboardError::Private(_) => Problem::forbidden(detail),
            LeaderboardError::NoResultsYet => {
                Problem::new(404, "no-results-yet", "No results yet", detail)
            }
            LeaderboardError::UnknownProducer(_) => Problem::not_found(detail),
            LeaderboardError::Store(StoreError::BadCursor) => {
                Problem::bad_request("the cursor is not valid for this list")
            }
            LeaderboardError::Store(e) => {
                // A missing table is the deployment's fault, and the message says so.
                tracing::error!(
                    error = %e,
                    deployment_fault = e.is_deployment_fault(),
                    "store failure"
                );
                Problem::internal("")
            }
        }
    }
}
