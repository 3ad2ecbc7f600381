//! The `leaderboard` function: the Producer Dashboard, artist profiles and the leaderboards.
//!
//! Run-based answers come from the latest *published* recompute run only (through the pointer,
//! cached for at most a minute), never from a run being written. The live discography comes
//! straight from the table. Every answer costs at most two DynamoDB round trips (the pointer, when
//! not cached, and one Get or Query); nothing scans.
//!
//! Who may call each route is in the route table (`routes::ROUTES`, `docs/privacy.md`): a
//! producer's own figures (summary, contributions, recommendations, history, payouts) answer only
//! that producer, the boards any signed-in producer, and the profile views (collaborators,
//! tracks, trending, stats) anyone.

mod error;
mod pointer;
mod routes;
mod views;

use chrono::{DateTime, Utc};
use http_edge::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use store::Store;

pub use error::LeaderboardError;
pub use pointer::PointerCache;
pub use routes::{Deps, LeaderboardApi, ROUTES};

/// How the function treats its callers (the edge configuration both API functions share).
pub use http_edge::EdgeConfig as Config;

/// Handles one request, received at `now`.
pub async fn handle(
    store: &Store,
    config: &Config,
    pointer: &PointerCache,
    event: ApiGatewayV2httpRequest,
    now: DateTime<Utc>,
) -> ApiGatewayV2httpResponse {
    let deps = Deps {
        store,
        pointer,
        now,
    };
    http_edge::router::handle(&event, ROUTES, *config, &deps).await
}
