//! The `credits` function: credit edits from the Backstage app.
//!
//! Only a track's uploader manages its credits (collaborations.txt); every credited producer
//! must have an artist profile; a track credits 1 to 20 distinct producers; the split is equal.
//! Each edit is one versioned transaction (see `store::tracks`), so concurrent edits never lose
//! an update and discographies change in the same instant as the track.
//!
//! [`handle`] takes an API Gateway HTTP API (payload 2.0) event and returns the response; it
//! never panics on input and answers every failure with problem+json.

mod error;
mod routes;
mod views;

use chrono::{DateTime, Utc};
use http_edge::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use store::Store;

pub use error::CreditsApiError;
pub use routes::{Endpoint, ROUTES};

/// How the function treats its callers (the edge configuration both API functions share).
pub use http_edge::EdgeConfig as Config;

/// Handles one request at instant `now`.
pub async fn handle(
    store: &Store,
    config: &Config,
    event: ApiGatewayV2httpRequest,
    now: DateTime<Utc>,
) -> ApiGatewayV2httpResponse {
    http_edge::router::handle(&event, ROUTES, config.auth, async |call| {
        routes::serve(store, call, now).await
    })
    .await
}
