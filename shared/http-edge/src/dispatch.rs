//! The start and end every API request shares: matching a route, and turning the outcome into a
//! response with its log line.

use std::time::Instant;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};

use crate::problem::Problem;
use crate::request::Request;

/// A function's routes.
pub trait RouteTable: Sized {
    /// The route of `request`, or 404 / 405.
    fn of(request: &Request<'_>) -> Result<Self, Problem>;
    /// The route template, for logs (`GET /tracks/{trackId}/credits`).
    fn label(&self) -> &'static str;
}

/// How a request starts: routed, or refused before any route runs.
pub enum Start<'a, R> {
    Routed(Request<'a>, R),
    Refused { method: String, problem: Problem },
}

/// The request and its route, or the method and the problem that stops it.
pub fn start<R: RouteTable>(event: &ApiGatewayV2httpRequest) -> Start<'_, R> {
    let request = match Request::new(event) {
        Ok(request) => request,
        Err(problem) => {
            return Start::Refused {
                method: String::new(),
                problem,
            };
        }
    };
    match R::of(&request) {
        Ok(route) => Start::Routed(request, route),
        Err(problem) => Start::Refused {
            method: request.method.clone(),
            problem,
        },
    }
}

/// The response for `result`: problems become problem+json (a 500 names the request id), and
/// one JSON log line records the request.
pub fn finish(
    event: &ApiGatewayV2httpRequest,
    method: &str,
    route: &str,
    result: Result<ApiGatewayV2httpResponse, Problem>,
    started: Instant,
) -> ApiGatewayV2httpResponse {
    let request_id = event
        .request_context
        .request_id
        .as_deref()
        .unwrap_or("unknown");
    let response = result.unwrap_or_else(|mut problem| {
        if problem.status == 500 {
            problem.request_id = Some(request_id.into());
        }
        problem.into_response()
    });
    crate::logging::request(
        method,
        route,
        response.status_code as u16,
        started.elapsed(),
        request_id,
    );
    response
}
