//! One route table per function, and the request handling both API functions share.
//!
//! A function declares each route once, as an entry of a static table of [`Route`]s: the label
//! (`"GET /tracks/{trackId}/credits"`, the method and the API's path template, as
//! `infra/openapi.yaml` and API Gateway's `routeKey` spell it), who may call it ([`Access`]), how
//! long its answers may be reused ([`Cache`]) and the handler that serves it (an entry without
//! one does not compile). From that table come the
//! route matching (404 for an unknown path, 405 with `Allow` for a known path with another
//! method), the access check before any handler runs, the path parameters (a producer the path
//! names arrives parsed: [`Call::owner`]), the label in logs, and the lists the contract and
//! privacy tests compare with the spec and `docs/privacy.md`. Matching the path (rather than reading API Gateway's
//! `routeKey`) keeps `cargo lambda watch` serving the same paths locally.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use contribution::ProducerId;

use crate::caching::Cache;
use crate::identity::{Caller, EdgeConfig};
use crate::problem::Problem;
use crate::request::Request;

/// A function's route tables name the dependencies their handlers are given: `Deps<'a>` is what
/// one request borrows (the table, caches, limits, the instant), built by the function per call.
pub trait Service: 'static {
    type Deps<'a>;
}

/// What a handler returns: the answer, or the problem that refuses the call.
pub type Answer<'a> =
    Pin<Box<dyn Future<Output = Result<ApiGatewayV2httpResponse, Problem>> + Send + 'a>>;

/// Serves a call the router matched and admitted.
pub type Handler<S> =
    for<'a, 'd, 'r> fn(&'a <S as Service>::Deps<'d>, &'a Call<'r, S>) -> Answer<'a>;

/// One route: its label (`METHOD /path/{param}`), who may call it, how long its answers may be
/// reused ([`Cache`]), and its handler.
pub struct Route<S: Service> {
    pub label: &'static str,
    pub access: Access,
    pub cache: Cache,
    pub handler: Handler<S>,
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
    /// Who `event` may call a route with this access as: no one on a public route, the
    /// signed-in caller otherwise, and on a producer's route the producer the path names; or the
    /// problem that refuses them.
    pub fn admit<S: Service>(
        self,
        event: &ApiGatewayV2httpRequest,
        config: EdgeConfig,
        route: &Matched<S>,
    ) -> Result<Admitted, Problem> {
        match self {
            Access::Public => Ok(Admitted::default()),
            Access::SignedIn => Ok(Admitted {
                caller: Some(Caller::of(event, config)?),
                owner: None,
            }),
            Access::Producer { param, what } => {
                let text = route.param(param);
                let named = ProducerId::parse(text).map_err(|e| {
                    Problem::bad_request(format!("{text:?} is not a valid producer id: {e}"))
                })?;
                let caller = Caller::of(event, config)?;
                if caller.acts_for(&named) {
                    Ok(Admitted {
                        caller: Some(caller),
                        owner: Some(named),
                    })
                } else {
                    Err(Problem::forbidden(format!(
                        "only the producer themselves (an account acting for them) may see {what}"
                    )))
                }
            }
        }
    }
}

/// Who a call was admitted as: its caller (none on a public route) and, on a producer's route,
/// the producer the path names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admitted {
    pub caller: Option<Caller>,
    pub owner: Option<ProducerId>,
}

/// A request the router matched and admitted: what a route's handler is given.
pub struct Call<'r, S: Service> {
    pub request: Request<'r>,
    pub route: Matched<S>,
    admitted: Admitted,
}

impl<S: Service> Call<'_, S> {
    /// The value of path parameter `name`.
    pub fn param(&self, name: &str) -> &str {
        self.route.param(name)
    }

    /// The signed-in caller; a route that is not [`Access::Public`] always has one (the router
    /// admitted them), a public route never does.
    pub fn caller(&self) -> Result<&Caller, Problem> {
        self.admitted
            .caller
            .as_ref()
            .ok_or_else(Problem::unauthorized)
    }

    /// The producer an [`Access::Producer`] route's path names, parsed (the caller acts for
    /// them); on other routes, a 400 (the tables' tests rule that out).
    pub fn owner(&self) -> Result<&ProducerId, Problem> {
        self.admitted
            .owner
            .as_ref()
            .ok_or_else(|| Problem::bad_request("this route names no producer"))
    }
}

impl<S: Service> Route<S> {
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
pub struct Matched<S: Service> {
    pub route: &'static Route<S>,
    params: Vec<(&'static str, String)>,
}

impl<S: Service> Matched<S> {
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
pub fn labels<S: Service>(routes: &'static [Route<S>]) -> impl Iterator<Item = &'static str> {
    routes.iter().map(|r| r.label)
}

/// Whether some route of `routes` has the path `path` (with any method): which function API
/// Gateway sends a path to, read from the functions' own tables.
pub fn serves_path<S: Service>(routes: &'static [Route<S>], path: &str) -> bool {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    routes.iter().any(|route| route.fit(&segments).is_some())
}

/// The route of `request` in `routes`, or 404 (no route has its path) / 405 (some do, with
/// other methods: they are listed in `Allow`, in table order).
pub fn route<S: Service>(
    routes: &'static [Route<S>],
    request: &Request<'_>,
) -> Result<Matched<S>, Problem> {
    let mut best: Option<(usize, Matched<S>)> = None;
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
/// [`Access`] (identity read under `config`), serves it with the route's handler and `deps`,
/// turns a problem into problem+json (a 500 names the request id) and writes the request's log
/// line.
pub async fn handle<S: Service>(
    event: &ApiGatewayV2httpRequest,
    routes: &'static [Route<S>],
    config: EdgeConfig,
    deps: &S::Deps<'_>,
) -> ApiGatewayV2httpResponse {
    let started = Instant::now();
    // Unmatched requests are answered with problems, never kept.
    let mut policy = (Access::Public, Cache::NoStore);
    let (method, label, result) = match Request::new(event) {
        Err(problem) => (String::new(), "unmatched", Err(problem)),
        Ok(request) => match route(routes, &request) {
            Err(problem) => (request.method.clone(), "unmatched", Err(problem)),
            Ok(matched) => {
                let (method, label) = (request.method.clone(), matched.route.label);
                policy = (matched.route.access, matched.route.cache);
                let result = match matched.route.access.admit(event, config, &matched) {
                    Err(problem) => Err(problem),
                    Ok(admitted) => {
                        let handler = matched.route.handler;
                        let call = Call {
                            request,
                            route: matched,
                            admitted,
                        };
                        handler(deps, &call).await
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
    let response = crate::caching::finish(
        &event.headers,
        method == "GET",
        policy.0 == Access::Public,
        policy.1,
        response,
    );
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use test_events::Http;

    use super::*;

    /// A service whose handlers count their calls and say who they were admitted as.
    struct Counting;

    impl Service for Counting {
        type Deps<'a> = &'a AtomicUsize;
    }

    fn served<'a>(count: &'a &AtomicUsize, call: &'a Call<'_, Counting>) -> Answer<'a> {
        let owner = call.owner().ok().map(|o| o.to_string());
        let caller = call.caller().ok().map(|c| c.account().to_owned());
        Box::pin(async move {
            count.fetch_add(1, Ordering::SeqCst);
            Ok(crate::json_response(
                200,
                &serde_json::json!({"caller": caller, "owner": owner}),
                &[],
            ))
        })
    }

    static ROUTES: &[Route<Counting>] = &[
        Route {
            label: "GET /open",
            access: Access::Public,
            cache: Cache::Run,
            handler: served,
        },
        Route {
            label: "GET /boards/{board}",
            access: Access::SignedIn,
            cache: Cache::Run,
            handler: served,
        },
        Route {
            label: "GET /producers/{id}/summary",
            access: Access::Producer {
                param: "id",
                what: "the summary",
            },
            cache: Cache::Run,
            handler: served,
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
            .map(|admitted| admitted.caller.map(|c| c.account().to_owned()))
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
        let count = AtomicUsize::new(0);
        let event = Http::get("/producers/pa/summary").caller("pb").build();
        let response = handle(&event, ROUTES, EdgeConfig::JWT, &&count).await;
        assert_eq!(response.status_code, 403);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        let event = Http::get("/producers/pa/summary").caller("pa").build();
        let response = handle(&event, ROUTES, EdgeConfig::JWT, &&count).await;
        assert_eq!(response.status_code, 200);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // The handler is given the caller and the producer the path names, parsed.
        let body = match response.body {
            Some(aws_lambda_events::encodings::Body::Text(text)) => text,
            other => panic!("a text body, not {other:?}"),
        };
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).expect("JSON"),
            serde_json::json!({"caller": "pa", "owner": "pa"})
        );
    }
}
