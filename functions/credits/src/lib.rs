//! The `credits` function: credit edits from the Backstage app.
//!
//! Only a track's uploader manages its credits (collaborations.txt): a caller acting for the
//! uploader (an account may act for several producers, `http_edge::identity`). A credited
//! producer may decline a credit, which removes it and keeps the uploader from crediting them
//! there again until they lift the decline. Every credited producer must have an artist profile;
//! a track credits 1 to 20 distinct producers; the split is equal. Each edit is one versioned
//! transaction (see `store::catalog::tracks`), so concurrent edits never lose an update and discographies
//! change in the same instant as the track; edits are limited per acting producer and per
//! account (`store::catalog::edit_limits`).
//!
//! [`handle`] takes an API Gateway HTTP API (payload 2.0) event and returns the response; it
//! never panics on input and answers every failure with problem+json.

mod error;
mod routes;
mod views;

mod config;

use chrono::{DateTime, Utc};
use http_edge::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use store::Store;

pub use config::{Config, EditLimits};
pub use error::CreditsApiError;
pub use routes::{CreditsApi, Deps, ROUTES};

/// Whether API Gateway sends `path` to this function (one of its routes has it, with some
/// method); every other path of the API is the `leaderboard`'s.
pub fn serves(path: &str) -> bool {
    http_edge::router::serves_path(ROUTES, path)
}

/// Handles one request at instant `now`.
pub async fn handle(
    store: &Store,
    config: &Config,
    event: ApiGatewayV2httpRequest,
    now: DateTime<Utc>,
) -> ApiGatewayV2httpResponse {
    let deps = Deps {
        store,
        limits: &config.limits,
        now,
    };
    http_edge::router::handle(&event, ROUTES, config.edge, &deps).await
}
