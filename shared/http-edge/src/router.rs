//! One route table per function, and the request handling both API functions share.
//!
//! A function declares its routes once, as a static table of [`Route`]s: the label
//! (`"GET /tracks/{trackId}/credits"`, the method and the API's path template, as
//! `infra/openapi.yaml` and API Gateway's `routeKey` spell it), who may call it ([`Access`]) and
//! the endpoint that serves it (a plain enum the function matches on, so the compiler checks every
//! route is served). From that table come the route matching (404 for an unknown path, 405 with
//! `Allow` for a known path with another method), the access check before any handler runs, the
//! path parameters, the label in logs, and the lists the contract and privacy tests compare with
//! the spec and `docs/privacy.md`. Matching the path (rather than reading API Gateway's
//! `routeKey`) keeps `cargo lambda watch` serving the same paths locally.

use std::time::Instant;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use contribution::ProducerId;

use crate::identity::{Caller, EdgeConfig};
use crate::problem::Problem;
use crate::request::Request;

/// One route: its label (`METHOD /path/{param}`), who may call it, and the endpoint that serves
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<E> {
    pub label: &'static str,
    pub access: Access,
    pub endpoint: E,
}

/// Who may call a route (`docs/privacy.md`'s columns), checked by [`handle`] before the route's
/// handler runs. What depends on the data (only a track's uploader edits its credits) is the
/// handler's to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not; the handler is given no caller.
    Public,
    /// Any signed-in caller (401 otherwise).
    SignedIn,
    /// Only a caller acting for the producer the path parameter `param` names: 400 when it is not
    /// a producer id, 401 without a caller, 403 for anyone else, saying `what` the route guards.
    Producer {
        param: &'static str,
        what: &'static str,
    },
}

impl Access {
    /// The caller `event` may call a route with this access as: `None` on a public route, the
    /// signed-in caller otherwise; or the problem that refuses them.
    pub fn admit<E>(
        self,
        event: &ApiGatewayV2httpRequest,
        config: EdgeConfig,
        route: &Matched<E>,
    ) -> Result<Option<Caller>, Problem> {
        match self {
            Access::Public => Ok(None),
            Access::SignedIn => Caller::of(event, config).map(Some),
            Access::Producer { param, what } => {
                let text = route.param(param);
                let named = ProducerId::parse(text).map_err(|e| {
                    Problem::bad_request(format!("{text:?} is not a valid producer id: {e}"))
                })?;
                let caller = Caller::of(event, config)?;
                if caller.acts_for(&named) {
                    Ok(Some(caller))
                } else {
                    Err(Problem::forbidden(format!(
                        "only the producer themselves (an account acting for them) may see {what}"
                    )))
                }
            }
        }
    }
}

/// A request the router matched and admitted: what a route's handler is given.
pub struct Call<'r, E: 'static> {
    pub request: Request<'r>,
    pub route: Matched<E>,
    caller: Option<Caller>,
}

impl<E> Call<'_, E> {
    /// Which endpoint serves the call.
    pub fn endpoint(&self) -> E
    where
        E: Copy,
    {
        self.route.route.endpoint
    }

    /// The value of path parameter `name`.
    pub fn param(&self, name: &str) -> &str {
        self.route.param(name)
    }

    /// The signed-in caller; a route that is not [`Access::Public`] always has one (the router
    /// admitted them), a public route never does.
    pub fn caller(&self) -> Result<&Caller, Problem> {
        self.caller.as_ref().ok_or_else(Problem::unauthorized)
    }
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

/// Handles one API Gateway event: routes it through `routes`, admits its caller by the route's
/// [`Access`] (identity read under `config`), serves it with `serve`, turns a problem into
/// problem+json (a 500 names the request id) and writes the request's log line.
pub async fn handle<E>(
    event: &ApiGatewayV2httpRequest,
    routes: &'static [Route<E>],
    config: EdgeConfig,
    serve: impl AsyncFnOnce(&Call<'_, E>) -> Result<ApiGatewayV2httpResponse, Problem>,
) -> ApiGatewayV2httpResponse {
    let started = Instant::now();
    let (method, label, result) = match Request::new(event) {
        Err(problem) => (String::new(), "unmatched", Err(problem)),
        Ok(request) => match route(routes, &request) {
            Err(problem) => (request.method.clone(), "unmatched", Err(problem)),
            Ok(matched) => {
                let (method, label) = (request.method.clone(), matched.route.label);
                let result = match matched.route.access.admit(event, config, &matched) {
                    Err(problem) => Err(problem),
                    Ok(caller) => {
                        let call = Call {
                            request,
                            route: matched,
                            caller,
                        };
                        serve(&call).await
                    }
                };
                (method, label, result)
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

#[cfg(test)]
mod tests {
    use test_events::Http;

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Endpoint {
        Open,
        Board,
        Summary,
    }

    static ROUTES: &[Route<Endpoint>] = &[
        Route {
            label: "GET /open",
            access: Access::Public,
            endpoint: Endpoint::Open,
        },
        Route {
            label: "GET /boards/{board}",
            access: Access::SignedIn,
            endpoint: Endpoint::Board,
        },
        Route {
            label: "GET /producers/{id}/summary",
            access: Access::Producer {
                param: "id",
                what: "the summary",
            },
            endpoint: Endpoint::Summary,
        },
    ];

    /// The status `http` is refused with, or the caller it is admitted as.
    fn admit(http: Http) -> Result<Option<String>, u16> {
        let event = http.build();
        let request = Request::new(&event).map_err(|p| p.status)?;
        let matched = route(ROUTES, &request).map_err(|p| p.status)?;
        matched
            .route
            .access
            .admit(&event, EdgeConfig::JWT, &matched)
            .map(|caller| caller.map(|c| c.account().to_owned()))
            .map_err(|p| p.status)
    }

    #[test]
    fn each_access_admits_only_its_callers() {
        assert_eq!(admit(Http::get("/open")), Ok(None));
        assert_eq!(admit(Http::get("/open").caller("pa")), Ok(None));
        assert_eq!(admit(Http::get("/boards/plays")), Err(401));
        assert_eq!(
            admit(Http::get("/boards/plays").caller("pa")),
            Ok(Some("pa".into()))
        );
        let summary = || Http::get("/producers/pa/summary");
        assert_eq!(admit(summary()), Err(401));
        assert_eq!(admit(summary().caller("pb")), Err(403));
        assert_eq!(admit(summary().caller("pa")), Ok(Some("pa".into())));
        // A path that names no producer at all is a bad request, whoever asks.
        assert_eq!(admit(Http::get("/producers/a%23b/summary")), Err(400));
    }

    #[tokio::test]
    async fn the_router_refuses_before_the_handler_runs() {
        let served = std::sync::atomic::AtomicUsize::new(0);
        let event = Http::get("/producers/pa/summary").caller("pb").build();
        let response = handle(&event, ROUTES, EdgeConfig::JWT, async |call| {
            served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(call.endpoint(), Endpoint::Summary);
            Ok(crate::json_response(200, &serde_json::json!({}), &[]))
        })
        .await;
        assert_eq!(response.status_code, 403);
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 0);
        let event = Http::get("/producers/pa/summary").caller("pa").build();
        let response = handle(&event, ROUTES, EdgeConfig::JWT, async |call| {
            served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(call.caller().ok().map(|c| c.account()), Some("pa"));
            Ok(crate::json_response(200, &serde_json::json!({}), &[]))
        })
        .await;
        assert_eq!(response.status_code, 200);
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
