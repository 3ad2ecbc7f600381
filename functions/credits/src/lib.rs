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

use std::time::Instant;

use chrono::{DateTime, Utc};
use http_edge::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, AuthMode, Problem, Request};
use store::Store;

pub use error::CreditsError;
pub use routes::Route;

/// How the function runs (read once at start).
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub auth: AuthMode,
}

/// Handles one request at instant `now`.
pub async fn handle(
    store: &Store,
    config: &Config,
    event: ApiGatewayV2httpRequest,
    now: DateTime<Utc>,
) -> ApiGatewayV2httpResponse {
    let started = Instant::now();
    let (method, route, result) = match Request::new(&event) {
        Ok(request) => {
            let route = Route::of(&request);
            let result = match &route {
                Ok(route) => routes::serve(store, config, &request, route, now).await,
                Err(problem) => Err(problem.clone()),
            };
            let label = route.as_ref().map_or("unmatched", Route::label);
            (request.method.clone(), label, result)
        }
        Err(problem) => (String::new(), "unmatched", Err(problem)),
    };
    let request_id = event
        .request_context
        .request_id
        .as_deref()
        .unwrap_or("unknown");
    let response = result.unwrap_or_else(|problem: Problem| {
        let mut problem = problem;
        if problem.status == 500 {
            problem.request_id = Some(request_id.into());
        }
        problem.into_response()
    });
    http_edge::logging::request(
        &method,
        route,
        response.status_code as u16,
        started.elapsed(),
        request_id,
    );
    response
}
