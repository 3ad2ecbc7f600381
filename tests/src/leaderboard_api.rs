//! The `leaderboard` function, driven with API Gateway v2 event JSON against DynamoDB Local.

use std::time::Duration;

use http_edge::AuthMode;
use leaderboard::{Config, PointerCache};
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use serde_json::{Value, json};
use store::Store;

use crate::recompute_run::{as_of, hand_catalog, import};
use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply, assert_problem};

const JWT: Config = Config {
    auth: AuthMode::JwtOnly,
};

pub(crate) async fn call(store: &Store, request: Http) -> Reply {
    // A cache that always re-reads, so each test sees the pointer as it is.
    let fresh = PointerCache::with_max_age(Duration::ZERO);
    leaderboard::handle(store, &JWT, &fresh, request.build())
        .await
        .into()
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e[field].as_str().expect("an id").to_owned())
        .collect()
}

/// A table holding the hand-checked catalog and its published run.
pub(crate) async fn published(test: &str) -> TestTable {
    let table = TestTable::create(test).await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    recompute(
        &store,
        &Settings::default(),
        as_of(),
        Deadline(None),
        &RunProgress::default(),
    )
    .await
    .expect("run");
    table
}

#[tokio::test]
async fn before_the_first_run() {
    let table = TestTable::create("board-empty").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let board = call(&store, Http::get("/leaderboard/contribution")).await;
    assert_eq!(board.status, 200);
    assert_eq!(
        board.body,
        json!({"asOf": null, "entries": [], "nextCursor": null})
    );
    let trending = call(&store, Http::get("/collaborations/trending")).await;
    assert_eq!(
        trending.body,
        json!({"asOf": null, "trending": [], "nextCursor": null})
    );
    let collaborators = call(&store, Http::get("/producers/pa/collaborators")).await;
    assert_eq!(
        collaborators.body,
        json!({"asOf": null, "collaborators": [], "nextCursor": null})
    );
    let recs = call(
        &store,
        Http::get("/producers/pa/recommendations").caller("pa"),
    )
    .await;
    assert_eq!(recs.body["recommendations"], json!([]));
    assert_problem(
        &call(&store, Http::get("/producers/pa/summary").caller("pa")).await,
        404,
        "no-results-yet",
    );
    // The live discography does not wait for a run.
    let tracks = call(&store, Http::get("/producers/pa/tracks")).await;
    assert_eq!(ids(&tracks.body["tracks"], "trackId"), ["t4", "t1", "t2"]);
}

#[tokio::test]
async fn leaderboards_page_to_the_end() {
    let table = published("board-pages").await;
    let store = table.store();
    for (board, expected) in [
        ("contribution", ["pa", "pc", "pb"]),
        ("collaborations", ["pa", "pc", "pb"]),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = Http::get(&format!("/leaderboard/{board}")).query("limit", "1");
            if let Some(c) = &cursor {
                request = request.query("cursor", c);
            }
            let page = call(&store, request).await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert_eq!(page.body["asOf"], json!("2026-11-21T00:00:00Z"));
            for entry in page.body["entries"].as_array().expect("entries") {
                seen.push((
                    entry["rank"].as_u64().expect("rank"),
                    entry["producerId"].as_str().expect("id").to_owned(),
                ));
            }
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let ranked: Vec<(u64, String)> = expected
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u64 + 1, p.to_string()))
            .collect();
        assert_eq!(seen, ranked, "{board}");
    }
    let contribution = call(&store, Http::get("/leaderboard/contribution")).await;
    let first = &contribution.body["entries"][0];
    assert!((first["contributionValue"].as_f64().expect("value") - 101.0 / 28.0).abs() < 1e-12);
    assert!((first["share"].as_f64().expect("share") - 101.0 / 160.0).abs() < 1e-12);
    assert!(first.get("collaborativeTracks").is_none());
    let collaborations = call(&store, Http::get("/leaderboard/collaborations")).await;
    assert_eq!(
        collaborations.body["entries"][0]["collaborativeTracks"],
        json!(2)
    );
    assert_eq!(
        collaborations.body["entries"][0]["distinctCollaborators"],
        json!(2)
    );
    assert_eq!(
        collaborations.body["entries"][1]["collaborativePlays"],
        json!(999_999)
    );

    assert_problem(
        &call(&store, Http::get("/leaderboard/fastest")).await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/leaderboard/contribution").query("limit", "201"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/leaderboard/contribution").query("cursor", "bm9wZQ"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(&store, Http::new("POST", "/leaderboard/contribution")).await,
        405,
        "method-not-allowed",
    );
    assert_problem(
        &call(&store, Http::get("/leaderboards")).await,
        404,
        "not-found",
    );
}

#[tokio::test]
async fn private_routes_answer_only_their_producer() {
    let table = published("board-private").await;
    let store = table.store();
    let mine = call(&store, Http::get("/producers/pa/summary").caller("pa")).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["asOf"], json!("2026-11-21T00:00:00Z"));
    assert_eq!(mine.body["trackCount"], json!(3));
    assert_eq!(mine.body["xp"], json!(1_000_208));
    assert_eq!(
        mine.body["ranks"],
        json!({"collaborations": 1, "contribution": 1})
    );
    let unranked = call(&store, Http::get("/producers/pd/summary").caller("pd")).await;
    assert_eq!(
        unranked.body["ranks"],
        json!({"collaborations": null, "contribution": null})
    );

    for route in ["summary", "contributions", "recommendations"] {
        let path = format!("/producers/pa/{route}");
        assert_eq!(
            call(&store, Http::get(&path).caller("pa")).await.status,
            200,
            "{route}"
        );
        assert_problem(
            &call(&store, Http::get(&path).caller("pb")).await,
            403,
            "forbidden",
        );
        assert_problem(&call(&store, Http::get(&path)).await, 401, "unauthorized");
    }
    assert_problem(
        &call(
            &store,
            Http::get("/producers/ghost/summary").caller("ghost"),
        )
        .await,
        404,
        "not-found",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/producers/ghost/contributions").caller("ghost"),
        )
        .await,
        404,
        "not-found",
    );

    // The breakdown explains every number; its cursor cannot open another producer's list.
    let page = call(
        &store,
        Http::get("/producers/pa/contributions")
            .caller("pa")
            .query("limit", "2"),
    )
    .await;
    assert_eq!(ids(&page.body["contributions"], "trackId"), ["t1", "t2"]);
    assert_eq!(page.body["contributions"][1]["split"], json!(0.5));
    let cursor = page.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = call(
        &store,
        Http::get("/producers/pa/contributions")
            .caller("pa")
            .query("cursor", &cursor),
    )
    .await;
    assert_eq!(ids(&rest.body["contributions"], "trackId"), ["t4"]);
    let forged = call(
        &store,
        Http::get("/producers/pb/contributions")
            .caller("pb")
            .query("cursor", &cursor),
    )
    .await;
    assert_problem(&forged, 400, "bad-request");

    let recs = call(
        &store,
        Http::get("/producers/pd/recommendations").caller("pd"),
    )
    .await;
    assert_eq!(
        ids(&recs.body["recommendations"], "producerId"),
        ["pa", "pb"]
    );
    assert_eq!(
        recs.body["recommendations"][1]["reasons"],
        json!(["similar genres: trap", "complementary styles: melodic"])
    );
}

#[tokio::test]
async fn public_profile_routes() {
    let table = published("board-public").await;
    let store = table.store();
    let collaborators = call(&store, Http::get("/producers/pa/collaborators")).await;
    assert_eq!(collaborators.status, 200, "{}", collaborators.body);
    assert_eq!(
        collaborators.body["collaborators"],
        json!([{"producerId": "pb", "name": "Bravo", "tracksTogether": 1}, {"producerId": "pc", "name": "Charlie", "tracksTogether": 1}])
    );
    assert_eq!(
        call(&store, Http::get("/producers/pd/collaborators"))
            .await
            .body["collaborators"],
        json!([])
    );
    assert_problem(
        &call(&store, Http::get("/producers/ghost/collaborators")).await,
        404,
        "not-found",
    );
    assert_problem(
        &call(&store, Http::get("/producers/gh%23st/collaborators")).await,
        400,
        "bad-request",
    );
    assert_eq!(
        call(&store, Http::get("/collaborations/trending"))
            .await
            .body["trending"],
        json!([])
    );

    let all = call(&store, Http::get("/producers/pa/tracks")).await;
    assert_eq!(ids(&all.body["tracks"], "trackId"), ["t4", "t1", "t2"]);
    assert_eq!(all.body["tracks"][0]["credits"], json!(["pc", "pa"]));
    let collaborative = call(
        &store,
        Http::get("/producers/pa/tracks").query("collaborative", "true"),
    )
    .await;
    assert_eq!(ids(&collaborative.body["tracks"], "trackId"), ["t4", "t2"]);
    assert_eq!(
        call(
            &store,
            Http::get("/producers/pd/tracks").query("collaborative", "true")
        )
        .await
        .body["tracks"],
        json!([])
    );
    assert_problem(
        &call(&store, Http::get("/producers/ghost/tracks")).await,
        404,
        "not-found",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/producers/ghost/tracks").query("collaborative", "true"),
        )
        .await,
        404,
        "not-found",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/producers/pa/tracks").query("collaborative", "yes"),
        )
        .await,
        400,
        "bad-request",
    );
}

#[tokio::test]
async fn discographies_change_at_once_after_a_credit_edit() {
    let table = published("board-live").await;
    let store = table.store();
    let edit = credits::handle(
        &store,
        &credits::Config {
            auth: AuthMode::JwtOnly,
        },
        Http::post("/tracks/t1/credits", json!({"producerId": "pd"}))
            .caller("pa")
            .build(),
        crate::support::fixtures::at("2026-11-21T12:00:00Z"),
    )
    .await;
    assert_eq!(edit.status_code, 200);
    let pd = call(
        &store,
        Http::get("/producers/pd/tracks").query("collaborative", "true"),
    )
    .await;
    assert_eq!(ids(&pd.body["tracks"], "trackId"), ["t1"]);
    let pa = call(
        &store,
        Http::get("/producers/pa/tracks").query("collaborative", "true"),
    )
    .await;
    assert_eq!(ids(&pa.body["tracks"], "trackId"), ["t4", "t1", "t2"]);
    // Run-based figures wait for the next run: pd still has no collaborators in this one.
    assert_eq!(
        call(&store, Http::get("/producers/pd/collaborators"))
            .await
            .body["collaborators"],
        json!([])
    );
}

#[tokio::test]
async fn the_pointer_is_cached_for_at_most_its_max_age() {
    let table = TestTable::create("board-cache").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let warm = PointerCache::default();
    let before: Reply = leaderboard::handle(
        &store,
        &JWT,
        &warm,
        Http::get("/leaderboard/contribution").build(),
    )
    .await
    .into();
    assert_eq!(before.body["asOf"], Value::Null);
    recompute(
        &store,
        &Settings::default(),
        as_of(),
        Deadline(None),
        &RunProgress::default(),
    )
    .await
    .expect("run");
    // The warm cache still holds "no run" (read under a minute ago); a fresh one sees the run.
    let cached: Reply = leaderboard::handle(
        &store,
        &JWT,
        &warm,
        Http::get("/leaderboard/contribution").build(),
    )
    .await
    .into();
    assert_eq!(cached.body["asOf"], Value::Null);
    let fresh = call(&store, Http::get("/leaderboard/contribution")).await;
    assert_eq!(fresh.body["asOf"], json!("2026-11-21T00:00:00Z"));
}

/// ARCHITECTURE.md: every read costs at most two DynamoDB round trips (the pointer, when not
/// cached, and one `GetItem` or `Query`) and never scans. Counted on the wire, per route.
#[tokio::test]
async fn every_read_is_at_most_two_round_trips_and_never_a_scan() {
    let table = published("board-round-trips").await;
    let store = table.store().with_wire_clock();
    let routes = [
        Http::get("/leaderboard/contribution").caller("pa"),
        Http::get("/leaderboard/collaborations").caller("pa"),
        Http::get("/producers/pa/summary").caller("pa"),
        Http::get("/producers/pa/contributions").caller("pa"),
        Http::get("/producers/pa/collaborators").caller("pa"),
        Http::get("/producers/pa/recommendations").caller("pa"),
        Http::get("/producers/pa/tracks").caller("pa"),
        Http::get("/producers/pa/tracks").query("collaborative", "true"),
        Http::get("/producers/nobody/collaborators"),
        Http::get("/collaborations/trending"),
    ];
    // Cold: a cache that always re-reads, so the pointer costs a round trip. Warm: a cache that
    // has read it (by the call before the measured one).
    let warm = PointerCache::default();
    for request in routes {
        let cold = PointerCache::with_max_age(Duration::ZERO);
        for (cache, limit) in [(&cold, 2), (&warm, 1)] {
            let _first = leaderboard::handle(&store, &JWT, cache, request.build()).await;
            let (reply, wire) = store::wire_clock::measure(leaderboard::handle(
                &store,
                &JWT,
                cache,
                request.build(),
            ))
            .await;
            check(&request, reply.status_code, &wire, limit);
        }
    }

    fn check(request: &Http, status: i64, wire: &store::wire_clock::Wire, limit: usize) {
        assert!(status < 500, "{request:?}: {status}");
        assert!(!wire.operations.is_empty(), "{request:?}: nothing was read");
        assert!(
            wire.operations.len() <= limit,
            "{request:?}: {:?} (at most {limit})",
            wire.operations
        );
        assert!(
            wire.operations
                .iter()
                .all(|op| op == "GetItem" || op == "Query"),
            "{request:?}: {:?}",
            wire.operations
        );
    }
}
