//! What can go wrong talking to the table, in terms callers can act on.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use contribution::{ProducerId, TrackId};

/// An error of the store boundary. Variants other than [`StoreError::Dynamo`] and
/// [`StoreError::Decode`] are outcomes a caller is expected to handle (a 404, 409 or 412).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB answered `ResourceNotFoundException`: the configured table is not there.
    #[error(
        "deployment fault: the table TABLE_NAME names does not exist (DynamoDB {operation} \
         answered ResourceNotFoundException); deploy the stack's table or fix TABLE_NAME"
    )]
    TableMissing { operation: &'static str },
    #[error("DynamoDB {operation} failed: {message}")]
    Dynamo {
        operation: &'static str,
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("stored item {key} could not be read: {source}")]
    Decode {
        key: String,
        #[source]
        source: serde_dynamo::Error,
    },
    /// A producer change that would leave an invalid profile (nothing was written).
    #[error(transparent)]
    ProducerChange(#[from] catalog::ProducerChangeError),
    #[error("counter snapshot of run {run} is damaged: {problem}")]
    BadSnapshot { run: String, problem: String },
    #[error("the partial aggregate of shard {shard} of run {run} is damaged: {problem}")]
    BadPartial {
        run: String,
        shard: u32,
        problem: String,
    },
    #[error("stored chunk {key} is damaged: {problem}")]
    BadChunk { key: String, problem: String },
    #[error("item could not be encoded: {0}")]
    Encode(#[source] serde_dynamo::Error),
    #[error("rows could not be encoded: {0}")]
    EncodeRows(#[from] crate::rows::RowsError),
    /// The local feed has no stream to read (the table has none, or nothing was read yet).
    #[error("the table's stream: {0}")]
    NoStream(String),
    #[error("track {0} does not exist")]
    TrackNotFound(TrackId),
    #[error("track {0} already exists")]
    TrackExists(TrackId),
    #[error("track {track} was changed by someone else (expected version {expected})")]
    VersionConflict { track: TrackId, expected: u64 },
    #[error("no artist profile for {}", list(.0))]
    UnknownProducers(Vec<ProducerId>),
    /// A run's list is longer than its chunks can be numbered (nothing is published).
    #[error(
        "the list {list} needs {chunks} chunks, more than the {max} a list can have: the run is \
         not published"
    )]
    ListTooLong {
        list: String,
        chunks: usize,
        max: u32,
    },
    /// Producers who declined a credit on this track: the uploader cannot credit them again
    /// until they lift it.
    #[error("{} declined a credit on this track", list(.0))]
    CreditDeclined(Vec<ProducerId>),
    #[error("{remaining} items were still unprocessed after {attempts} attempts")]
    Unprocessed { remaining: usize, attempts: u32 },
    #[error("the pagination cursor is not valid for this query")]
    BadCursor,
    /// A run's writer stopped on an error of its own (which is the one the run reports).
    #[error("the run's writer stopped")]
    WriterStopped,
    #[error("{what} kept changing under {attempts} attempts to update it")]
    Contended { what: String, attempts: u32 },
    #[error("DynamoDB {operation} request could not be built: {source}")]
    Request {
        operation: &'static str,
        #[source]
        source: aws_sdk_dynamodb::error::BuildError,
    },
}

fn list(ids: &[ProducerId]) -> String {
    ids.iter()
        .map(ProducerId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl StoreError {
    /// Wraps an SDK error, keeping its full context (service code, request id) in the message.
    pub fn dynamo<E>(operation: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        move |e| {
            if e.code() == Some("ResourceNotFoundException") {
                return Self::TableMissing { operation };
            }
            Self::Dynamo {
                operation,
                message: aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string(),
                source: Box::new(e),
            }
        }
    }

    /// Whether a caller's cursor was refused (a 400 at the HTTP edge, not a fault).
    pub fn is_bad_cursor(&self) -> bool {
        matches!(self, Self::BadCursor)
    }

    /// Whether this is a fault of the deployment (the table is missing), not of a request.
    pub fn is_deployment_fault(&self) -> bool {
        matches!(self, Self::TableMissing { .. })
    }

    pub fn request(
        operation: &'static str,
    ) -> impl FnOnce(aws_sdk_dynamodb::error::BuildError) -> Self {
        move |source| Self::Request { operation, source }
    }

    pub fn decode(key: &str) -> impl FnOnce(serde_dynamo::Error) -> Self + '_ {
        move |source| Self::Decode {
            key: key.to_owned(),
            source,
        }
    }
}
