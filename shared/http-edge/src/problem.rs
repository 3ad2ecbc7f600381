//! Errors as RFC 9457 problem details, and JSON responses.
//!
//! Every error a client sees is `application/problem+json` with `type`, `title`, `status` and
//! `detail`, plus `errors` (one entry per field) when there are several things wrong. Internal
//! faults get a 500 that names the request id (to find the log line) and nothing of the cause.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

/// One thing wrong with one field of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub problem: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// A problem-details error response.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The kind of problem; its `type` is `/problems/<slug>`.
    pub slug: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
    pub request_id: Option<Box<str>>,
    /// The `Allow` header of a 405.
    pub allow: Option<Box<str>>,
    /// The `Retry-After` header of a 429, in whole seconds (at most an hour).
    pub retry_after: Option<u16>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.status, self.detail)
    }
}

/// A problem is an error a function's own error enum can carry as it is (`#[from] Problem`), so
/// `?` works on both in a handler.
impl std::error::Error for Problem {}

/// The wire form of a [`Problem`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldProblem]>::is_empty")]
    errors: &'a [FieldProblem],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl Problem {
    pub fn new(
        status: u16,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            slug,
            title,
            status,
            detail: detail.into(),
            errors: Vec::new(),
            request_id: None,
            allow: None,
            retry_after: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    fn with_allow(mut self, allowed: &[&str]) -> Self {
        self.allow = Some(allowed.join(", ").into());
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, "bad-request", "Bad request", detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            401,
            "unauthorized",
            "Unauthorized",
            "this request has no verified caller identity (a JWT with a `sub` claim)",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, "forbidden", "Forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, "not-found", "Not found", detail)
    }

    pub fn method_not_allowed(method: &str, allowed: &[&str]) -> Self {
        Self::new(
            405,
            "method-not-allowed",
            "Method not allowed",
            format!("{method} is not allowed here; use {}", allowed.join(", ")),
        )
        .with_allow(allowed)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, "conflict", "Conflict", detail)
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, "precondition-failed", "Precondition failed", detail)
    }

    /// A 429: too many requests from this caller; `Retry-After` says when to try again (at
    /// least a second).
    pub fn too_many_requests(detail: impl Into<String>, retry_after: std::time::Duration) -> Self {
        let mut problem = Self::new(429, "too-many-requests", "Too many requests", detail);
        problem.retry_after = Some(retry_after.as_secs_f64().ceil().clamp(1.0, 3_600.0) as u16);
        problem
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(422, "invalid-request", "Invalid request", detail)
    }

    /// A 500 that tells the client nothing of the cause, only where to look.
    /// The answer to a failure of the table underneath: a 400 for a cursor the store refused
    /// (`bad_cursor`), otherwise a logged 500 that shows nothing of it (a missing table is the
    /// deployment's fault, and the log line says so). One mapping for both API functions.
    pub fn store_fault(
        bad_cursor: bool,
        deployment_fault: bool,
        error: &dyn std::fmt::Display,
    ) -> Self {
        if bad_cursor {
            return Self::bad_request("the cursor is not valid for this list");
        }
        tracing::error!(error = %error, deployment_fault, "store failure");
        Self::internal("")
    }

    pub fn internal(request_id: &str) -> Self {
        let mut problem = Self::new(
            500,
            "internal-error",
            "Internal error",
            "something went wrong on our side; quote the request id when reporting it",
        );
        problem.request_id = Some(request_id.into());
        problem
    }

    pub fn into_response(self) -> ApiGatewayV2httpResponse {
        let body = ProblemBody {
            kind: format!("/problems/{}", self.slug),
            title: self.title,
            status: self.status,
            detail: &self.detail,
            errors: &self.errors,
            request_id: self.request_id.as_deref(),
        };
        let json = serde_json::to_string(&body).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"/problems/internal-error","title":"Internal error","status":{}}}"#,
                self.status
            )
        });
        let mut response = response(self.status, "application/problem+json", json);
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            response.headers.insert("allow", allow);
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers
                .insert("retry-after", HeaderValue::from(seconds));
        }
        response
    }
}

fn response(status: u16, content_type: &'static str, body: String) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response.headers = headers;
    response.body = Some(Body::Text(body));
    response
}

/// A JSON response with `status`, `body` and extra headers (names lower-case).
pub fn json_response<T: Serialize>(
    status: u16,
    body: &T,
    headers: &[(&'static str, String)],
) -> ApiGatewayV2httpResponse {
    match serde_json::to_string(body) {
        Ok(json) => {
            let mut response = response(status, "application/json", json);
            for (name, value) in headers {
                if let Ok(value) = HeaderValue::from_str(value) {
                    response
                        .headers
                        .insert(HeaderName::from_static(name), value);
                }
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response could not be serialised");
            Problem::internal("unknown").into_response()
        }
    }
}
