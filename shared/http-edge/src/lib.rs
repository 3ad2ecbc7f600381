//! The HTTP edge of the API Gateway functions (`credits`, `leaderboard`), written once; only
//! they depend on it (process logging and metrics are `telemetry`'s, for every function).
//!
//! Both functions receive API Gateway HTTP API (payload 2.0) events — `cargo lambda watch` sends
//! the same shape — and must treat identity, bad input, errors and logs the same way. This crate
//! is that shared edge:
//!
//! - [`identity`]: who is calling (the JWT's account and the producers its claim lists; a header
//!   only in local dev mode).
//! - [`request`]: the event as a request: path segments, query, headers, a size-limited JSON body.
//! - [`problem`]: RFC 9457 `application/problem+json` errors, and JSON responses.
//! - [`logging`]: one log line per request.
//! - [`router`]: one route table per function, and the handling every request shares.
//! - [`caching`]: `ETag`s, `304`s and `Cache-Control`, by each route's declaration.

pub mod caching;
pub mod identity;
pub mod logging;
pub mod problem;
pub mod request;
pub mod router;

pub use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
pub use caching::Cache;
pub use identity::{
    AuthMode, Caller, DEV_AUTH_VAR, DEV_HEADER, EdgeConfig, PRODUCER_IDS_CLAIM_VAR, ProducersClaim,
};
pub use problem::{FieldProblem, Problem, json_response};
pub use request::Request;
pub use router::{Access, Admitted, Answer, Call, Handler, Matched, Route, Service};
