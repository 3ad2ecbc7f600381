//! One route table per function, and the request handling both API functions share.
//!
//! A function declares its routes once, as a static table of [`Route`]s: the label
//! (`"GET /tracks/{trackId}/credits"`, the method and the API's path template, as
//! `infra/openapi.yaml` and API Gateway's `routeKey` spell it) and the endpoint that serves it (a
//! plain enum the function matches on, so the compiler checks every route is served). From that
//! table come the route matching (404 for an unknown path, 405 with `Allow` for a known path with
//! another method), the path parameters, the label in logs and the list the contract test compares
//! with the spec. Matching the path (rather than reading API Gateway's `routeKey`) keeps
//! `cargo lambda watch` serving the same paths locally.

use std::time::Instant;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};

use crate::problem::Problem;
use crate::request::Request;

/// One route: its label (`METHOD /path/{param}`) and the endpoint that serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<E> {
    pub label: &'static str,
    pub endpoint: E,
}

impl<E> Route<E> {
    /// The method part of the label.
    pub fn method(&self) -> &'static str {
        self.label.split_once(' ').map_or(self.label, |(m, _)| m)
    }

    /// The path template part of the label.
    pub fn template(&self) -> &'static str {
        self.label.split_once(' ').map_or("", |(_, t)| t)
    }

    /// The path parameters of `segments` if they fit this route's template, and how many
    /// segments matched literally (a literal beats a parameter).
    fn fit(&self, segments: &[String]) -> Option<(Vec<(&'static str, String)>, usize)> {
        let parts: Vec<&'static str> = self
            .template()
            .split('/')
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        let mut literals = 0;
        for (part, segment) in parts.into_iter().zip(segments) {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => params.push((name, segment.clone())),
                None if part == segment => literals += 1,
                None => return None,
            }
        }
        Some((params, literals))
    }
}

/// A matched route and the values of its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<E: 'static> {
    pub route: &'static Route<E>,
    params: Vec<(&'static str, String)>,
}

impl<E> Matched<E> {
    /// The value of path parameter `name` (empty if the template has none by that name, which
    /// the route tables' own tests rule out).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The labels of a route table, in order.
pub fn labels<E>(routes: &'static [Route<E>]) -> impl Iterator<Item = &'static str> {
    routes.iter().map(|r| r.label)
}

/// The route of `request` in `routes`, or 404 (no route has its path) / 405 (some do, with
/// other methods: they are listed in `Allow`, in table order).
pub fn route<E>(routes: &'static [Route<E>], request: &Request<'_>) -> Result<Matched<E>, Problem> {
    let mut best: Option<(usize, Matched<E>)> = None;
    let mut allowed: Vec<&'static str> = Vec::new();
    for route in routes {
        let Some((params, literals)) = route.fit(&request.segments) else {
            continue;
        };
        if route.method() != request.method {
            if !allowed.contains(&route.method()) {
                allowed.push(route.method());
            }
            continue;
        }
        if best.as_ref().is_none_or(|(most, _)| literals > *most) {
            best = Some((literals, Matched { route, params }));
        }
    }
    match best {
        Some((_, matched)) => Ok(matched),
        None if !allowed.is_empty() => Err(Problem::method_not_allowed(&request.method, &allowed)),
        None => Err(Problem::not_found(format!(
            "no route {} /{}",
            request.method,
            request.segments.join("/")
        ))),
    }
}

/// Handles one API Gateway event: routes it through `routes`, serves it with `serve`, turns a
/// problem into problem+json (a 500 names the request id) and writes the request's log line.
pub async fn handle<E>(
    event: &ApiGatewayV2httpRequest,
    routes: &'static [Route<E>],
    serve: impl AsyncFnOnce(&Request<'_>, &Matched<E>) -> Result<ApiGatewayV2httpResponse, Problem>,
) -> ApiGatewayV2httpResponse {
    let started = Instant::now();
    let (method, label, result) = match Request::new(event) {
        Err(problem) => (String::new(), "unmatched", Err(problem)),
        Ok(request) => match route(routes, &request) {
            Err(problem) => (request.method.clone(), "unmatched", Err(problem)),
            Ok(matched) => {
                let result = serve(&request, &matched).await;
                (request.method.clone(), matched.route.label, result)
            }
        },
    };
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
    crate::logging::request(&crate::logging::RequestLine {
        method: &method,
        route: label,
        status: response.status_code as u16,
        latency: started.elapsed(),
        request_id,
        caller: crate::identity::jwt_subject(event),
    });
    response
}
