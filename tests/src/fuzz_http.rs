//! Both HTTP functions fuzzed with arbitrary API Gateway requests against DynamoDB Local:
//! arbitrary methods, paths (the real routes with hostile segments, and anything at all),
//! queries, headers, identities and bodies (hostile JSON, raw text, arbitrary bytes in base64,
//! bodies over the limit). Whatever arrives, the answer is a success or a clear problem+json
//! 4xx: never a panic, never a 500. `BEATPASS_CHAOS_LONG=1` runs many more cases.

use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};

use crate::support::api;
use crate::support::chaos::sized;
use crate::support::events::{Http, Reply};
use crate::support::fixtures::producer;

/// The routes with their methods, so most cases get past routing to the handlers' own checks.
const CREDITS_ROUTES: &[(&str, &str)] = &[
    ("GET", "/tracks/{track}/credits"),
    ("PUT", "/tracks/{track}/credits"),
    ("POST", "/tracks/{track}/credits"),
    ("GET", "/tracks/{track}/credits/history"),
    ("DELETE", "/tracks/{track}/credits/{producer}"),
    ("GET", "/artists"),
];

const LEADERBOARD_ROUTES: &[(&str, &str)] = &[
    ("GET", "/leaderboard/{board}"),
    ("GET", "/producers/{producer}/{view}"),
    ("GET", "/collaborations/trending"),
];

/// Path segments and query values: real ids, and what people and attackers type.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "t1",
            "pa",
            "pb",
            "p1",
            "contribution",
            "xp",
            "plays",
            "collaborators",
            "recommendations",
            "contributions",
            "summary",
            "tracks",
            "..",
            "",
            "%00",
            "-1",
            "99999999999999999999",
            "🎧",
            "Ñoño",
            "a/b",
            "null",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z0-9_-]{1,16}",
        1 => "\\PC{0,24}",
        1 => Just("x".repeat(400)),
    ]
}

/// A method and a path: mostly a real route with its method and hostile segments, sometimes
/// another method, sometimes any path at all.
fn target(
    routes: &'static [(&'static str, &'static str)],
) -> impl Strategy<Value = (String, String)> {
    let route = (
        prop::sample::select(routes),
        segment(),
        segment(),
        segment(),
    )
        .prop_map(|((method, route), a, b, c)| {
            let path = route
                .replace("{track}", &a)
                .replace("{board}", &a)
                .replace("{producer}", &b)
                .replace("{view}", &c);
            (method.to_owned(), path)
        })
        .boxed();
    let other_method = prop::sample::select(vec![
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "",
    ])
    .prop_map(str::to_owned)
    .boxed();
    prop_oneof![
        6 => route.clone(),
        2 => (other_method.clone(), route).prop_map(|(m, (_, p))| (m, p)),
        1 => (other_method, "/[^?#]{0,60}"),
    ]
}

/// JSON values that break fields: wrong types, extremes, unicode, too many credits.
fn hostile_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        segment().prop_map(Value::from),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("0001-01-01T00:00:00Z")),
        Just(json!("2026-08-21T00:00:00Z")),
        Just(json!((1..=21).map(|i| format!("p{i}")).collect::<Vec<_>>())),
        Just(json!(["pa", "pa"])),
        Just(json!(["pa", "pb"])),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                "id|title|credits|uploadedAt|producerId|genre|plays|exclusiveOnly|[a-z]{1,5}",
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Text(String),
    Bytes(Vec<u8>),
    NotBase64(String),
    Huge(usize),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        hostile_json().prop_map(Body::Json),
        "\\PC{0,80}".prop_map(Body::Text),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
        "[^A-Za-z0-9+/=]{1,20}".prop_map(Body::NotBase64),
        (64 * 1024..80 * 1024usize).prop_map(Body::Huge),
    ]
}

fn caller() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        4 => Just(Some("pa".to_owned())),
        1 => Just(Some("pb".to_owned())),
        1 => "\\PC{0,20}".prop_map(Some),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    "[ -~]{0,40}"
}

fn request(routes: &'static [(&'static str, &'static str)]) -> impl Strategy<Value = Http> {
    (
        target(routes),
        prop::collection::vec(
            (
                prop::sample::select(vec!["limit", "cursor", "q", "genre", "window", "x"]),
                segment(),
            ),
            0..3,
        ),
        body(),
        prop::option::of(prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "application/xml",
        ])),
        prop::option::of(prop_oneof![
            Just("\"1\"".to_owned()),
            Just("*".to_owned()),
            header_value()
        ]),
        prop::option::of(header_value()),
        caller(),
    )
        .prop_map(
            |((method, path), query, body, content_type, if_match, dev_id, caller)| {
                let mut http = Http::new(&method, &path);
                for (name, value) in query {
                    // Query values reach the handler URL-decoded; keep them printable.
                    http = http.query(name, &value.replace(['&', '=', '#'], ""));
                }
                http = match body {
                    Body::None => http,
                    Body::Json(value) => http.raw_body(&value.to_string()),
                    Body::Text(text) => http.raw_body(&text),
                    Body::Bytes(bytes) => {
                        http.base64_body(&base64::engine::general_purpose::STANDARD.encode(bytes))
                    }
                    Body::NotBase64(text) => http.base64_body(&text),
                    Body::Huge(len) => {
                        http.raw_body(&format!("{{\"id\":\"{}\"}}", "x".repeat(len)))
                    }
                };
                if let Some(content_type) = content_type {
                    http = http.header("content-type", content_type);
                }
                if let Some(tag) = if_match {
                    http = http.header("if-match", &tag);
                }
                if let Some(id) = dev_id {
                    http = http.header("x-dev-producer-id", &id);
                }
                match caller {
                    Some(sub) => http.caller(&sub),
                    None => http,
                }
            },
        )
}

/// The answer to any request: below 500, JSON, and a problem that explains itself when 4xx.
fn assert_clear(reply: &Reply) -> Result<(), TestCaseError> {
    prop_assert!(
        (200..500).contains(&reply.status),
        "{}: {}",
        reply.status,
        reply.body
    );
    if reply.status >= 400 {
        prop_assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        prop_assert!(
            reply.body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/")),
            "{}",
            reply.body
        );
        prop_assert!(
            reply.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            reply.body
        );
    }
    Ok(())
}

/// Runs `cases` requests through `call`, each answered clearly, and shows (and checks) that the
/// cases reached past the edge: successes and several kinds of problem, not only 401s.
fn fuzz(routes: &'static [(&'static str, &'static str)], call: impl Fn(Http) -> Reply) {
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<i64, u32>::new());
    runner()
        .run(&request(routes), |http| {
            let reply = call(http);
            *statuses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(reply.status)
                .or_default() += 1;
            assert_clear(&reply)
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let statuses = statuses.into_inner().unwrap_or_else(|e| e.into_inner());
    println!("answers by status: {statuses:?}");
    assert!(
        statuses.contains_key(&200),
        "no case succeeded: {statuses:?}"
    );
    assert!(statuses.len() >= 4, "too few kinds of answer: {statuses:?}");
}

fn runner() -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases: sized(1_000, 20_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn credits_answers_any_request_clearly() {
    let runtime = tokio();
    let table = runtime.block_on(async {
        let table = api::published("fuzz-credits").await;
        let store = table.store();
        for id in ["p1", "p2"] {
            store
                .catalog()
                .put_producer(&producer(id, "Fuzz"))
                .await
                .expect("seed");
        }
        table
    });
    let store = table.store();
    fuzz(CREDITS_ROUTES, |http| {
        runtime.block_on(api::credits(&store, http))
    });
}

#[test]
fn leaderboard_answers_any_request_clearly() {
    let runtime = tokio();
    let table = runtime.block_on(api::published("fuzz-leaderboard"));
    let store = table.store();
    fuzz(LEADERBOARD_ROUTES, |http| {
        runtime.block_on(api::leaderboard(&store, http))
    });
}
