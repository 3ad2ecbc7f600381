//! The API's answers for a stored golden run: a generated catalog, a run, plays moved through
//! `sync`, a second run seven days later, then every run-based read route (every board and
//! period, trending, and each of twenty producers' summary, contributions, collaborators,
//! recommendations and tracks) compared with `tests/golden/api-answers.json`.
//!
//! Why: the recompute is about to be reworked for memory and writes (issue 17) and every read
//! route must answer exactly as before for the same catalog and as-of. Any change to an answer
//! fails here, naming the route; an intended change is recorded with
//! `BEATPASS_UPDATE_GOLDEN=1 cargo nextest run -p tests golden_run` and reviewed in the diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::api::leaderboard as call;
use crate::support::dynamodb::TestTable;
use crate::support::events::Http;
use crate::support::feed::deliver;
use crate::support::fixtures::{as_of, generated, run_at};

const UPDATE_VAR: &str = "BEATPASS_UPDATE_GOLDEN";

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/api-answers.json")
}

/// Every route the golden run records, with the caller that may read it.
fn routes() -> Vec<(String, &'static str)> {
    let mut routes = Vec::new();
    for (board, period) in results::lists::Board::every_period() {
        routes.push((
            format!("/leaderboard/{board}?period={period}&limit=200"),
            "p0",
        ));
    }
    routes.push(("/collaborations/trending?limit=200".to_owned(), "p0"));
    const CALLERS: [&str; 20] = [
        "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13",
        "p14", "p15", "p16", "p17", "p18", "p19",
    ];
    for p in CALLERS {
        for view in [
            "summary",
            "contributions?limit=200",
            "collaborators?limit=200",
            "recommendations",
            "tracks?limit=200",
        ] {
            routes.push((format!("/producers/{p}/{view}"), p));
        }
    }
    routes
}

#[tokio::test]
async fn every_read_route_answers_as_the_stored_golden_run() {
    let table = TestTable::create("golden-run").await;
    let store = table.store();
    generated(&store, 60, 600).await;
    run_at(&store, as_of()).await;
    let counts: Vec<Value> = (0..60)
        .map(|t| json!({"trackId": format!("t{t}"), "plays": 2_000_000 + 1_000 * t}))
        .collect();
    let failed = deliver(
        &store,
        &[json!({"type": "plays", "at": "2026-11-21T06:00:00Z", "counts": counts})],
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    run_at(&store, as_of() + chrono::TimeDelta::days(7)).await;

    let mut answers: BTreeMap<String, Value> = BTreeMap::new();
    for (route, caller) in routes() {
        let (path, query) = route.split_once('?').unwrap_or((route.as_str(), ""));
        let mut request = Http::get(path).caller(caller);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').expect("name=value");
            request = request.query(name, value);
        }
        let reply = call(&store, request).await;
        answers.insert(route, json!({"status": reply.status, "body": reply.body}));
    }

    let path = golden_path();
    if std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1") {
        let text = serde_json::to_string_pretty(&answers).expect("json") + "\n";
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        std::fs::write(&path, text).expect("write the golden answers");
        println!("recorded {} answers in {}", answers.len(), path.display());
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (record it with {UPDATE_VAR}=1)", path.display()));
    let golden: BTreeMap<String, Value> = serde_json::from_str(&text).expect("golden JSON");
    assert_eq!(
        golden.keys().collect::<Vec<_>>(),
        answers.keys().collect::<Vec<_>>(),
        "the recorded routes changed"
    );
    for (route, answer) in &answers {
        assert_eq!(
            &golden[route], answer,
            "{route} answers differently from the golden run ({UPDATE_VAR}=1 records an intended change)"
        );
    }
    // The golden run exercises what it should: windows with a baseline, entries everywhere.
    let plays_week = &answers["/leaderboard/plays?period=7d&limit=200"]["body"];
    assert_eq!(plays_week["since"], json!("2026-11-21T00:00:00Z"));
    assert!(
        !plays_week["entries"]
            .as_array()
            .expect("entries")
            .is_empty()
    );
}
