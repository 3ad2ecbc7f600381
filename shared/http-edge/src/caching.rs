//! Answers a browser can cache: an `ETag` on every answer read, `304 Not Modified` for a tag the
//! browser already holds, and a `Cache-Control` that never lets a shared cache keep an answer
//! meant for one caller.
//!
//! The tag is the answer's own digest (SHA-256 of the body, the first 128 bits): it changes
//! exactly when the answer does, whether a new run was published (run answers carry the run's
//! as-of) or the live data moved, and two callers given different answers get different tags. A
//! handler that sets its own `ETag` (a track's credits: its version, the `If-Match` of an edit)
//! keeps it; that answer is not answered `304` by digest, since its tag does not cover the names
//! in it.
//!
//! How long an answer may be reused is the route's [`Cache`], declared with it; whether a shared
//! cache may keep it is its `Access`: only a public route's answer, which cannot depend on the
//! caller (its handler is given none), is `public` (the router says which it is).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};

/// How long a browser may reuse a run answer before asking again: the leaderboard function's
/// own cache of the latest-run pointer (a new run is answered within a minute anyway), far under
/// the schedule's day.
pub const RUN_MAX_AGE_SECONDS: u32 = 60;

/// How a route's answers may be reused, declared with the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// From the published run: reused up to [`RUN_MAX_AGE_SECONDS`], then revalidated.
    Run,
    /// Live data (credits, discographies, statements, search): revalidated on every use.
    Live,
    /// A write, or anything that must not be kept.
    NoStore,
}

impl Cache {
    /// The `Cache-Control` of an answer of a route with this cache, `public` or not.
    pub fn control(self, public: bool) -> String {
        let scope = if public { "public" } else { "private" };
        match self {
            Cache::Run => format!("{scope}, max-age={RUN_MAX_AGE_SECONDS}"),
            Cache::Live => format!("{scope}, no-cache"),
            Cache::NoStore => "no-store".to_owned(),
        }
    }
}

/// The tag of an answer with `body`: a strong `ETag`, quoted.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether `if_none_match` (the request's header) names `etag`: one of its comma-separated tags,
/// compared weakly as RFC 9110 says for `If-None-Match` (`W/` ignored), or `*`.
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = bare(etag);
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || bare(tag) == wanted)
}

/// What a read answer becomes before it leaves: tagged, marked for caches, and `304` with no body
/// when the request's `If-None-Match` already names its tag. Only `200`s of reads are tagged;
/// every other answer (a write, a problem) is `no-store`.
pub fn finish(
    request_headers: &HeaderMap,
    is_read: bool,
    public: bool,
    cache: Cache,
    mut response: ApiGatewayV2httpResponse,
) -> ApiGatewayV2httpResponse {
    let cacheable = is_read && response.status_code == 200 && cache != Cache::NoStore;
    let control = if cacheable {
        cache.control(public)
    } else {
        Cache::NoStore.control(public)
    };
    set(&mut response.headers, "cache-control", &control);
    if !cacheable {
        return response;
    }
    if response.headers.contains_key("etag") {
        // The handler's own tag (a version for `If-Match`): kept, and no `304` by digest.
        return response;
    }
    let tag = match &response.body {
        Some(Body::Text(text)) => etag_of(text.as_bytes()),
        Some(Body::Binary(bytes)) => etag_of(bytes),
        _ => etag_of(b""),
    };
    set(&mut response.headers, "etag", &tag);
    let held = request_headers
        .get_all("if-none-match")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| matches(v, &tag));
    if held {
        response.status_code = 304;
        response.body = None;
        response.headers.remove("content-type");
    }
    response
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::json_response;

    fn read(if_none_match: Option<&str>, public: bool, cache: Cache) -> ApiGatewayV2httpResponse {
        let mut headers = HeaderMap::new();
        if let Some(tag) = if_none_match {
            headers.insert("if-none-match", HeaderValue::from_str(tag).expect("header"));
        }
        let answer = json_response(200, &serde_json::json!({"asOf": "2026-11-21"}), &[]);
        finish(&headers, true, public, cache, answer)
    }

    fn header<'r>(response: &'r ApiGatewayV2httpResponse, name: &str) -> Option<&'r str> {
        response.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_held_tag_gets_304_with_no_body_and_another_gets_the_answer() {
        let first = read(None, false, Cache::Run);
        let tag = header(&first, "etag").expect("tagged").to_owned();
        assert_eq!(first.status_code, 200);
        assert_eq!(header(&first, "cache-control"), Some("private, max-age=60"));
        let again = read(Some(&tag), false, Cache::Run);
        assert_eq!((again.status_code, again.body.is_none()), (304, true));
        assert_eq!(header(&again, "etag"), Some(tag.as_str()));
        let list = format!("\"old\", W/{tag}");
        assert_eq!(read(Some(&list), false, Cache::Run).status_code, 304);
        assert_eq!(read(Some("\"old\""), false, Cache::Run).status_code, 200);
    }

    #[test]
    fn only_a_public_route_is_public_and_writes_and_problems_are_not_kept() {
        assert_eq!(Cache::Run.control(true), "public, max-age=60");
        assert_eq!(Cache::Run.control(false), "private, max-age=60");
        assert_eq!(Cache::Live.control(false), "private, no-cache");
        let problem = json_response(404, &serde_json::json!({}), &[]);
        let problem = finish(&HeaderMap::new(), true, true, Cache::Run, problem);
        assert_eq!(header(&problem, "cache-control"), Some("no-store"));
        assert_eq!(header(&problem, "etag"), None);
        let write = json_response(200, &serde_json::json!({}), &[]);
        let write = finish(&HeaderMap::new(), false, false, Cache::NoStore, write);
        assert_eq!(header(&write, "cache-control"), Some("no-store"));
    }

    #[test]
    fn a_handlers_own_tag_is_kept_and_never_answered_304() {
        let mut headers = HeaderMap::new();
        headers.insert("if-none-match", HeaderValue::from_static("\"3\""));
        let answer = json_response(200, &serde_json::json!({}), &[("etag", "\"3\"".into())]);
        let answer = finish(&headers, true, false, Cache::Live, answer);
        assert_eq!(
            (answer.status_code, header(&answer, "etag")),
            (200, Some("\"3\""))
        );
    }

    #[test]
    fn the_tag_follows_the_body() {
        assert_eq!(etag_of(b"a"), etag_of(b"a"));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
        assert_eq!(etag_of(b"a").len(), 34);
        assert!(matches("*", "\"x\""));
    }
}
