//! The API Gateway stand-in: the deployed API's routes served from this process, for Schemathesis
//! (`contract.rs`) and the dashboard's browser test (`dashboard.rs`).
//!
//! Each HTTP request becomes the payload-2.0 event API Gateway sends (the same builder the handler
//! tests use) and goes to `credits::handle` or `leaderboard::handle` by path, as the deployed
//! routes do. Its authorizer is the one departure from production: `Authorization: Bearer
//! local-token:<producer id>`, or the local `x-dev-producer-id` header that `cargo xtask dev`'s
//! functions read, becomes the verified JWT's `sub` claim (the deployed authorizer verifies a real
//! JWT); anything else means no claims, which the handlers answer with 401. In-process rather
//! than `cargo lambda watch`, so a test run costs no extra build.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::BodyExt;
use leaderboard::PointerCache;
use store::Store;
use test_events::Http;

/// What the authorizer stand-in accepts before a producer id in a bearer token.
pub const TOKEN_PREFIX: &str = "local-token:";

/// The functions behind the API's routes, over one table.
#[derive(Clone)]
pub struct Api {
    store: Arc<Store>,
    pointer: Arc<PointerCache>,
}

impl Api {
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(store),
            pointer: Arc::new(PointerCache::default()),
        }
    }

    /// The API alone, on every path.
    pub fn router(self) -> axum::Router {
        axum::Router::new().fallback(answer).with_state(self)
    }
}

/// An axum handler: one request through the stand-in.
pub async fn answer(State(api): State<Api>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let event = event_of(&parts, &body);
    let path = parts.uri.path();
    let response = if credits::serves(path) {
        // Generated requests come from one caller, far faster than a person: the edit limits
        // (429, documented in the spec) are tested on their own (tests/src/credits_accounts.rs).
        let config = credits::Config::unlimited(http_edge::EdgeConfig::JWT);
        credits::handle(&api.store, &config, event, Utc::now()).await
    } else {
        leaderboard::handle(
            &api.store,
            &http_edge::EdgeConfig::JWT,
            &api.pointer,
            event,
            Utc::now(),
        )
        .await
    };
    let mut builder = Response::builder().status(response.status_code as u16);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    let body = match response.body {
        Some(aws_lambda_events::encodings::Body::Text(text)) => Bytes::from(text),
        Some(aws_lambda_events::encodings::Body::Binary(bytes)) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The event API Gateway would send for this request, with the stand-in authorizer's claims.
fn event_of(
    parts: &axum::http::request::Parts,
    body: &Bytes,
) -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    let mut http = Http::new(parts.method.as_str(), parts.uri.path());
    // API Gateway hands the functions decoded query parameters.
    for (name, value) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        http = http.query(&name, &value);
    }
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            http = http.header(name.as_str(), value);
        }
    }
    if let Some(sub) = caller(&parts.headers) {
        http = http.caller(sub);
    }
    if !body.is_empty() {
        http = match std::str::from_utf8(body) {
            Ok(text) => http.raw_body(text),
            Err(_) => http.base64_body(&base64_encode(body)),
        };
    }
    http.build()
}

/// The producer the stand-in authorizer verifies: a `local-token:` bearer, else the dev header.
fn caller(headers: &axum::http::HeaderMap) -> Option<&str> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|v| v.strip_prefix(TOKEN_PREFIX));
    let dev = || {
        headers
            .get(http_edge::DEV_HEADER)
            .and_then(|v| v.to_str().ok())
    };
    bearer
        .or_else(dev)
        .filter(|sub| contribution::ProducerId::parse(*sub).is_ok())
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorizer_stand_in_takes_a_local_token_or_the_dev_header_and_nothing_else() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = axum::http::HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, axum::http::HeaderValue::from_static(value));
            }
            map
        };
        assert_eq!(
            caller(&headers(&[("authorization", "Bearer local-token:p3")])),
            Some("p3")
        );
        assert_eq!(caller(&headers(&[("x-dev-producer-id", "p4")])), Some("p4"));
        assert_eq!(
            caller(&headers(&[("authorization", "Bearer eyJhbGciOi.x.y")])),
            None
        );
        assert_eq!(
            caller(&headers(&[("x-dev-producer-id", "not an id!")])),
            None
        );
        assert_eq!(caller(&headers(&[])), None);
    }
}
