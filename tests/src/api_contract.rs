//! The API contract: `infra/openapi.yaml` documents exactly the routes the code answers and the
//! template deploys, and real responses validate against its schemas.

use std::collections::BTreeSet;

use http_edge::Request;
use http_edge::router::{self, labels};
use serde_json::{Value, json};

use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply};
use crate::support::fixtures::accept_track;
use crate::support::fixtures::{as_of, hand_catalog, import, run_at};

const OPENAPI: &str = include_str!("../../infra/openapi.yaml");
const TEMPLATE: &str = include_str!("../../infra/template.yaml");

fn openapi() -> Value {
    serde_norway::from_str(OPENAPI).expect("openapi.yaml is YAML")
}

/// `METHOD /path/{param}` of every documented operation.
fn documented() -> BTreeSet<String> {
    let doc = openapi();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}

/// `METHOD /path` of every HttpApi event in the SAM template.
fn deployed() -> BTreeSet<String> {
    let template: serde_norway::Value = serde_norway::from_str(TEMPLATE).expect("template is YAML");
    let mut routes = BTreeSet::new();
    for (_, resource) in template["Resources"].as_mapping().expect("resources") {
        if let Some(events) = resource["Properties"]["Events"].as_mapping() {
            for (_, event) in events {
                if event["Type"].as_str() == Some("HttpApi") {
                    let p = &event["Properties"];
                    routes.insert(format!(
                        "{} {}",
                        p["Method"].as_str().expect("method"),
                        p["Path"].as_str().expect("path")
                    ));
                }
            }
        }
    }
    routes
}

fn concrete(path: &str) -> String {
    path.replace("{trackId}", "t1")
        .replace("{producerId}", "pb")
        .replace("{id}", "pa")
        .replace("{board}", "contribution")
}

#[test]
fn documented_deployed_and_answered_routes_are_the_same() {
    let documented = documented();
    assert_eq!(
        documented,
        deployed(),
        "openapi.yaml and template.yaml disagree"
    );
    let answered: BTreeSet<String> = labels(credits::ROUTES)
        .chain(labels(leaderboard::ROUTES))
        .map(|l| l.to_string())
        .collect();
    assert_eq!(documented, answered, "openapi.yaml and the code disagree");

    // Each documented route reaches exactly one function, and the route it documents.
    for route in &documented {
        let (method, path) = route.split_once(' ').expect("METHOD path");
        let event = Http::new(method, &concrete(path)).build();
        let request = Request::new(&event).expect("a valid request");
        let by_credits = router::route(credits::ROUTES, &request)
            .ok()
            .map(|r| r.route.label);
        let by_board = router::route(leaderboard::ROUTES, &request)
            .ok()
            .map(|r| r.route.label);
        match (by_credits, by_board) {
            (Some(label), None) | (None, Some(label)) => assert_eq!(label, route),
            other => panic!("{route} is answered by {other:?}"),
        }
    }
}

/// Validates `body` against the documented response schema of `route` for `status`.
fn assert_valid(route: &str, status: i64, reply: &Reply) {
    let doc = openapi();
    let (method, path) = route.split_once(' ').expect("METHOD path");
    let operation = &doc["paths"][path][method.to_lowercase()];
    let mut response = operation["responses"][status.to_string()].clone();
    assert!(!response.is_null(), "{route} does not document a {status}");
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().expect("a ref name");
        response = doc["components"]["responses"][name].clone();
    }
    let content = response["content"].as_object().expect("a documented body");
    let (media_type, body) = content.iter().next().expect("one media type");
    assert_eq!(
        reply.header("content-type"),
        Some(media_type.as_str()),
        "{route} {status}"
    );
    let schema = json!({"$ref": body["schema"]["$ref"], "components": doc["components"]});
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&reply.body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{route} {status}: {errors:?}\n{}",
        reply.body
    );
}

#[tokio::test]
async fn real_responses_validate_against_the_schemas() {
    let table = TestTable::create_streaming("contract").await;
    let store = table.store();

    // Before any run: the empty answers are documented too.
    import(&store, &hand_catalog(0)).await;
    assert_valid(
        "GET /leaderboard/{board}",
        200,
        &crate::support::api::leaderboard(
            &store,
            Http::get("/leaderboard/contribution").caller("pa"),
        )
        .await,
    );
    assert_valid(
        "GET /producers/{id}/summary",
        404,
        &crate::support::api::leaderboard(&store, Http::get("/producers/pa/summary").caller("pa"))
            .await,
    );

    run_at(&store, as_of()).await;
    accept_track(
        &store,
        json!({"trackId": "t9", "title": "New", "uploaderId": "pa", "credits": ["pa", "pb"], "uploadedAt": "2026-11-20T00:00:00Z"}),
    )
    .await;
    let cases: Vec<(&str, i64, Http)> = vec![
        (
            "GET /tracks/{trackId}/credits",
            200,
            Http::get("/tracks/t9/credits").caller("pc"),
        ),
        (
            "PUT /tracks/{trackId}/credits",
            200,
            Http::put("/tracks/t9/credits", json!({"producerIds": ["pa", "pc"]})).caller("pa"),
        ),
        (
            "POST /tracks/{trackId}/credits",
            200,
            Http::post("/tracks/t9/credits", json!({"producerId": "pd"})).caller("pa"),
        ),
        (
            "DELETE /tracks/{trackId}/credits/{producerId}",
            200,
            Http::delete("/tracks/t9/credits/pc").caller("pa"),
        ),
        (
            "GET /tracks/{trackId}/credits/history",
            200,
            Http::get("/tracks/t9/credits/history").caller("pa"),
        ),
        (
            "GET /artists",
            200,
            Http::get("/artists").query("q", "al").caller("pb"),
        ),
        (
            "PUT /tracks/{trackId}/credits",
            412,
            Http::put("/tracks/t9/credits", json!({"producerIds": ["pa"]}))
                .caller("pa")
                .header("if-match", "\"1\""),
        ),
        (
            "PUT /tracks/{trackId}/credits",
            422,
            Http::put("/tracks/t9/credits", json!({"producerIds": ["pa", "x1"]})).caller("pa"),
        ),
        (
            "GET /tracks/{trackId}/credits",
            401,
            Http::get("/tracks/t9/credits"),
        ),
    ];
    for (route, status, request) in cases {
        let reply = crate::support::api::credits(&store, request).await;
        assert_eq!(reply.status, status, "{route}: {}", reply.body);
        assert_valid(route, status, &reply);
    }
    // The shared-track entries of the edits above, kept from the table's stream.
    crate::support::fanout::FanoutWorld::start(&store)
        .await
        .drain()
        .await;
    let cases: Vec<(&str, i64, Http)> = vec![
        (
            "GET /leaderboard/{board}",
            200,
            Http::get("/leaderboard/collaborations").caller("pa"),
        ),
        (
            "GET /leaderboard/{board}",
            200,
            Http::get("/leaderboard/contribution").caller("pa"),
        ),
        (
            "GET /leaderboard/{board}",
            400,
            Http::get("/leaderboard/nope").caller("pa"),
        ),
        (
            "GET /producers/{id}/summary",
            200,
            Http::get("/producers/pa/summary").caller("pa"),
        ),
        (
            "GET /producers/{id}/summary",
            403,
            Http::get("/producers/pa/summary").caller("pb"),
        ),
        (
            "GET /producers/{id}/contributions",
            200,
            Http::get("/producers/pa/contributions").caller("pa"),
        ),
        (
            "GET /producers/{id}/collaborators",
            200,
            Http::get("/producers/pa/collaborators"),
        ),
        (
            "GET /producers/{id}/collaborators",
            404,
            Http::get("/producers/ghost/collaborators"),
        ),
        (
            "GET /producers/{id}/tracks",
            200,
            Http::get("/producers/pa/tracks"),
        ),
        (
            "GET /producers/{id}/recommendations",
            200,
            Http::get("/producers/pd/recommendations").caller("pd"),
        ),
        (
            "GET /collaborations/trending",
            200,
            Http::get("/collaborations/trending"),
        ),
        (
            "GET /producers/{id}/tracks",
            200,
            Http::get("/producers/pa/tracks").query("with", "pd"),
        ),
        (
            "GET /producers/{id}/history",
            200,
            Http::get("/producers/pa/history").caller("pa"),
        ),
        (
            "GET /producers/{id}/history",
            400,
            Http::get("/producers/pa/history")
                .query("days", "0")
                .caller("pa"),
        ),
        (
            "GET /producers/{id}/history",
            403,
            Http::get("/producers/pa/history").caller("pb"),
        ),
        (
            "GET /collaborations/stats",
            200,
            Http::get("/collaborations/stats").query("days", "400"),
        ),
    ];
    for (route, status, request) in cases {
        let reply = crate::support::api::leaderboard(&store, request).await;
        assert_eq!(reply.status, status, "{route}: {}", reply.body);
        assert_valid(route, status, &reply);
    }

    // Every board and period, after plays moved and a second run a week later (so the window
    // boards have a baseline and entries), and a period a board does not have.
    let failed = crate::support::feed::deliver(
        &store,
        &[json!({"type": "plays", "at": "2026-11-21T06:00:00Z",
                 "counts": [{"trackId": "t1", "plays": 50}, {"trackId": "t4", "plays": 1_000_100}]})],
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    run_at(&store, as_of() + chrono::TimeDelta::days(7)).await;
    for (board, period) in results::lists::Board::every_period() {
        let request = Http::get(&format!("/leaderboard/{board}"))
            .caller("pa")
            .query("period", period.as_str());
        let reply = crate::support::api::leaderboard(&store, request).await;
        assert_eq!(reply.status, 200, "{board} {period}: {}", reply.body);
        // No run is 30 days older: those plays-based windows are empty, with since null.
        let baseline = !reply.body["since"].is_null() || period == results::lists::Period::All;
        assert_eq!(
            !reply.body["entries"]
                .as_array()
                .expect("entries")
                .is_empty(),
            baseline,
            "{board} {period}: {}",
            reply.body
        );
        assert_valid("GET /leaderboard/{board}", 200, &reply);
    }
    let reply = crate::support::api::leaderboard(
        &store,
        Http::get("/leaderboard/quality")
            .caller("pa")
            .query("period", "30d"),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_valid("GET /leaderboard/{board}", 400, &reply);
    let reply =
        crate::support::api::leaderboard(&store, Http::get("/producers/pa/summary").caller("pa"))
            .await;
    assert_valid("GET /producers/{id}/summary", 200, &reply);
}
