//! What can go wrong in a credit edit, and the HTTP answer to each.

use contribution::{CreditListError, IdError, ProducerId, TrackId};
use http_edge::{FieldProblem, Problem};
use store::StoreError;

/// An error of the `credits` boundary.
#[derive(Debug, thiserror::Error)]
pub enum CreditsApiError {
    #[error("track {0} does not exist")]
    TrackNotFound(TrackId),
    #[error("{0} is not a valid {1} id: {2}")]
    BadId(String, &'static str, IdError),
    #[error(
        "only the uploader of track {track} ({uploader}), an account acting for them, can {action}"
    )]
    NotUploader {
        track: TrackId,
        uploader: ProducerId,
        action: &'static str,
    },
    #[error("{0}")]
    InvalidCredits(CreditListError),
    #[error("no artist profile for {}", ids(.0))]
    UnknownProducers(Vec<ProducerId>),
    #[error("producer {0} is already credited on this track")]
    AlreadyCredited(ProducerId),
    #[error("producer {0} is not credited on this track")]
    NotCredited(ProducerId),
    #[error("a track must credit at least one producer; {0} is its last")]
    LastProducer(ProducerId),
    #[error("the credits are at version {current}, not {expected}: read them again and retry")]
    StaleVersion { expected: u64, current: u64 },
    #[error("If-Match {0:?} is not a version ETag such as \"3\"")]
    BadIfMatch(String),
    #[error("track {0} already exists")]
    TrackExists(TrackId),
    #[error("the track changed too often while this edit was retried; try again")]
    Contention,
    #[error(
        "{} declined a credit on this track; they can lift the decline (DELETE \
         /tracks/{{trackId}}/credits/{{producerId}}/decline), the uploader cannot",
        ids(.0)
    )]
    Declined(Vec<ProducerId>),
    #[error(
        "too many credit edits from {who}: at most {} at once and {} a minute; retry after the \
         Retry-After seconds (nothing was changed)",
        limit.burst,
        limit.per_minute
    )]
    TooManyEdits {
        who: &'static str,
        limit: store::catalog::edit_limits::EditLimit,
        retry_after: std::time::Duration,
    },
    #[error(transparent)]
    Store(StoreError),
    /// A refusal already in HTTP terms (the router's, the request's parsing).
    #[error(transparent)]
    Refused(#[from] Problem),
}

fn ids(ids: &[ProducerId]) -> String {
    ids.iter()
        .map(ProducerId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<StoreError> for CreditsApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::TrackNotFound(id) => Self::TrackNotFound(id),
            StoreError::TrackExists(id) => Self::TrackExists(id),
            StoreError::UnknownProducers(ids) => Self::UnknownProducers(ids),
            StoreError::CreditDeclined(ids) => Self::Declined(ids),
            other => Self::Store(other),
        }
    }
}

impl From<CreditsApiError> for Problem {
    fn from(e: CreditsApiError) -> Self {
        let detail = e.to_string();
        match e {
            CreditsApiError::TrackNotFound(_) => Problem::not_found(detail),
            CreditsApiError::BadId(..) => Problem::bad_request(detail),
            CreditsApiError::NotUploader { .. } => Problem::forbidden(detail),
            CreditsApiError::InvalidCredits(_) | CreditsApiError::LastProducer(_) => {
                Problem::unprocessable(detail)
            }
            CreditsApiError::UnknownProducers(ids) => {
                Problem::new(422, "unknown-producers", "Unknown producers", detail).with_errors(
                    ids.iter()
                        .map(|id| {
                            FieldProblem::new("producerIds", format!("{id} has no artist profile"))
                        })
                        .collect(),
                )
            }
            CreditsApiError::AlreadyCredited(_) | CreditsApiError::TrackExists(_) => {
                Problem::conflict(detail)
            }
            CreditsApiError::NotCredited(_) => Problem::not_found(detail),
            CreditsApiError::StaleVersion { .. } => Problem::precondition_failed(detail),
            CreditsApiError::BadIfMatch(_) => Problem::bad_request(detail),
            CreditsApiError::Contention => Problem::new(409, "contention", "Conflict", detail),
            CreditsApiError::Declined(_) => {
                Problem::new(403, "credit-declined", "Credit declined", detail)
            }
            CreditsApiError::TooManyEdits { retry_after, .. } => {
                Problem::too_many_requests(detail, retry_after)
            }
            CreditsApiError::Refused(problem) => problem,
            CreditsApiError::Store(e) => {
                Problem::store_fault(e.is_bad_cursor(), e.is_deployment_fault(), &e)
            }
        }
    }
}
