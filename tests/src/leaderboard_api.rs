//! The `leaderboard` function, driven with API Gateway v2 event JSON against DynamoDB Local.

use std::time::Duration;

use leaderboard::{Config, PointerCache};
use serde_json::{Value, json};

use crate::support::api::{Captured, leaderboard as call, published};
use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply, assert_problem};
use crate::support::fixtures::{as_of, hand_catalog, import, run_at};

const JWT: Config = http_edge::EdgeConfig::JWT;

fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e[field].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn before_the_first_run() {
    let table = TestTable::create("board-empty").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let board = call(&store, Http::get("/leaderboard/contribution").caller("pa")).await;
    assert_eq!(board.status, 200);
    assert_eq!(
        board.body,
        json!({"asOf": null, "board": "contribution", "period": "all", "since": null,
               "entries": [], "nextCursor": null})
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
            let mut request = Http::get(&format!("/leaderboard/{board}"))
                .caller("pa")
                .query("limit", "1");
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
    let contribution = call(&store, Http::get("/leaderboard/contribution").caller("pa")).await;
    let first = &contribution.body["entries"][0];
    // The value and the share are private (the producer's own summary): the contribution board
    // carries ranks only.
    assert_eq!(first["producerId"], "pa");
    assert!(first.get("contributionValue").is_none(), "{first}");
    assert!(first.get("share").is_none(), "{first}");
    assert!(first.get("collaborativeTracks").is_none());
    // Boards are the dashboard's: signed-in producers only.
    assert_problem(
        &call(&store, Http::get("/leaderboard/contribution")).await,
        401,
        "unauthorized",
    );
    let collaborations = call(
        &store,
        Http::get("/leaderboard/collaborations").caller("pa"),
    )
    .await;
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
        &call(&store, Http::get("/leaderboard/fastest").caller("pa")).await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/leaderboard/contribution")
                .caller("pa")
                .query("limit", "201"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/leaderboard/contribution")
                .caller("pa")
                .query("cursor", "bm9wZQ"),
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
    assert_eq!(mine.body["xp"], json!(1_000_308));
    // Far past level 100's 98,504 XP.
    assert_eq!(mine.body["level"], json!(100));
    assert_eq!(mine.body["title"], json!("Legendary"));
    assert_eq!(mine.body["xpForNextLevel"], Value::Null);
    assert_eq!(mine.body["levelProgress"], json!(1.0));
    // First on every all-time board; uploads in the last 7 and 30 days: pa, pb, pc with one
    // each (t1, t3, t4), so pa first by id; plays-based windows have no baseline yet.
    assert_eq!(
        mine.body["ranks"],
        json!({
            "collaborations": {"all": 1, "7d": null, "30d": null},
            "contribution": {"all": 1},
            "plays": {"all": 1, "7d": null, "30d": null},
            "uploads": {"all": 1, "7d": 1, "30d": 1},
            "points": {"all": 1},
            "quality": {"all": 1},
            "overall": {"all": 1},
        })
    );
    let unranked = call(&store, Http::get("/producers/pd/summary").caller("pd")).await;
    assert_eq!(
        unranked.body["ranks"],
        json!({
            "collaborations": {"all": null, "7d": null, "30d": null},
            "contribution": {"all": null},
            "plays": {"all": null, "7d": null, "30d": null},
            "uploads": {"all": null, "7d": null, "30d": null},
            "points": {"all": null},
            "quality": {"all": null},
            "overall": {"all": null},
        })
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
    assert_eq!(recs.body["recommendations"][1]["matchPercent"], json!(50));
    assert_eq!(
        recs.body["recommendations"][1]["commonGenres"],
        json!(["trap"])
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
        &credits::Config::unlimited(http_edge::EdgeConfig::JWT),
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
        Http::get("/leaderboard/contribution").caller("pa").build(),
        chrono::Utc::now(),
    )
    .await
    .into();
    assert_eq!(before.body["asOf"], Value::Null);
    run_at(&store, as_of()).await;
    // The warm cache still holds "no run" (read under a minute ago); a fresh one sees the run.
    let cached: Reply = leaderboard::handle(
        &store,
        &JWT,
        &warm,
        Http::get("/leaderboard/contribution").caller("pa").build(),
        chrono::Utc::now(),
    )
    .await
    .into();
    assert_eq!(cached.body["asOf"], Value::Null);
    let fresh = call(&store, Http::get("/leaderboard/contribution").caller("pa")).await;
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
            let _first =
                leaderboard::handle(&store, &JWT, cache, request.build(), chrono::Utc::now()).await;
            let (reply, wire) = store::tools::wire_clock::measure(leaderboard::handle(
                &store,
                &JWT,
                cache,
                request.build(),
                chrono::Utc::now(),
            ))
            .await;
            check(&request, reply.status_code, &wire, limit);
        }
    }

    fn check(request: &Http, status: i64, wire: &store::tools::wire_clock::Wire, limit: usize) {
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

/// Traceability: the request log line names the verified caller (`sub`), never the token.
#[tokio::test(flavor = "current_thread")]
async fn the_request_log_names_the_caller_not_the_token() {
    let table = TestTable::create("request-log").await;
    let store = table.store();
    let captured = Captured::default();
    let subscriber = captured.subscriber();
    let _guard = tracing::subscriber::set_default(subscriber);
    let signed_in = call(
        &store,
        Http::get("/producers/pa/summary").caller("pa").header(
            "authorization",
            "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYSJ9.c2ln",
        ),
    )
    .await;
    assert_eq!(signed_in.status, 404, "{}", signed_in.body);
    let anonymous = call(&store, Http::get("/leaderboard/contribution")).await;
    assert_eq!(anonymous.status, 401);
    let text = captured.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON log line"))
        .filter(|l: &Value| l["message"] == "request")
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["caller"], "pa");
    assert_eq!(lines[0]["route"], "GET /producers/{id}/summary");
    assert_eq!(lines[1]["caller"], "-");
    assert_eq!(lines[1]["status"], 401);
    assert!(!text.contains("Bearer") && !text.contains("eyJ"), "{text}");
}

/// Every paged list read from the published run (as `pa`, who may read all of them).
const RUN_LISTS: [&str; 6] = [
    "/leaderboard/contribution",
    "/leaderboard/collaborations",
    "/collaborations/trending",
    "/producers/pa/contributions",
    "/producers/pa/collaborators",
    "/producers/pa/recommendations",
];

/// The empty stack: with no table, a read is a 500 whose log names the deployment fault; once
/// the table exists (as `cargo xtask dev` creates it at start, empty or not, through the same
/// `create_table_if_missing`), every run-based read answers as before the first run, and the
/// artist search answers 200.
#[tokio::test(flavor = "current_thread")]
async fn an_empty_stack_answers_as_before_its_first_run() {
    let table = TestTable::adopt(crate::support::dynamodb::unique_table_name("empty-stack")).await;
    let store = table.store();
    let captured = Captured::default();
    let subscriber = captured.subscriber();
    let missing = {
        let _guard = tracing::subscriber::set_default(subscriber);
        call(&store, Http::get("/leaderboard/contribution").caller("pa")).await
    };
    assert_problem(&missing, 500, "internal-error");
    let log = captured.text();
    assert!(
        log.contains("\"deployment_fault\":true") && log.contains("does not exist"),
        "{log}"
    );

    assert!(store.create_table_if_missing().await.expect("create"));
    for path in RUN_LISTS {
        let reply = call(&store, Http::get(path).caller("pa")).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.body["asOf"], Value::Null, "{path}");
        assert_eq!(reply.body["nextCursor"], Value::Null, "{path}");
    }
    assert_problem(
        &call(&store, Http::get("/producers/pa/summary").caller("pa")).await,
        404,
        "no-results-yet",
    );
    let search = crate::support::api::credits(
        &store,
        Http::get("/artists").query("q", "nova").caller("pa"),
    )
    .await;
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(search.body, json!({"artists": []}));
}

/// Every way a client can bend a genuine cursor: each must be a 400, never a 500 (DynamoDB
/// refuses a start key outside the query's bounds) and never another list's page.
fn forged_cursors(genuine: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key: Bend = Bend(
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(genuine).expect("base64")).expect("JSON"),
    );
    if key.0.contains_key("r") {
        return forged_list_cursors(&key);
    }
    let encode = Bend::encode;
    let with = |name: &str, value: Value| key.with(name, value);
    let without = |name: &str| key.without(name);
    let key = &key.0;
    let pk = key["pk"].as_str().expect("pk").to_owned();
    let sk = key["sk"].as_str().expect("sk").to_owned();
    let mut forged = vec![
        // The partition's own item (e.g. the track itself on the history: {"pk":"TRACK#t1","sk":"TRACK"}).
        (
            "sort key of the partition's own item",
            with("sk", json!(pk.split('#').next())),
        ),
        ("sort key before the range", with("sk", json!(&sk[..1]))),
        ("sort key after the range", with("sk", json!("~"))),
        ("another partition", with("pk", json!(format!("{pk}x")))),
        ("swapped keys", {
            let mut swapped = with("sk", json!(pk));
            swapped = {
                let mut k: serde_json::Map<String, Value> =
                    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&swapped).expect("base64"))
                        .expect("JSON");
                k.insert("pk".into(), json!(sk));
                encode(&k)
            };
            swapped
        }),
        ("an extra attribute", with("extra", json!("x"))),
        ("a missing sort key", without("sk")),
        ("a missing partition key", without("pk")),
        ("a number for a string", with("sk", json!(5))),
        ("not base64", "!!!".to_owned()),
        ("not JSON", URL_SAFE_NO_PAD.encode("not json")),
        ("too long", "A".repeat(5000)),
    ];
    // Index cursors carry the index key too: bend it alone.
    if let Some(index_sk) = key.get("collabSk").and_then(Value::as_str) {
        forged.push((
            "index sort key outside the range",
            with("collabSk", json!(&index_sk[..1])),
        ));
        forged.push((
            "index and table keys disagree",
            with("collabPk", json!(format!("{pk}x"))),
        ));
    }
    forged
}

/// A genuine cursor's JSON, to bend one field at a time.
struct Bend(serde_json::Map<String, Value>);

impl Bend {
    fn encode(key: &serde_json::Map<String, Value>) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(key).expect("JSON"))
    }

    fn with(&self, name: &str, value: Value) -> String {
        let mut forged = self.0.clone();
        forged.insert(name.to_owned(), value);
        Self::encode(&forged)
    }

    fn without(&self, name: &str) -> String {
        let mut forged = self.0.clone();
        forged.remove(name);
        Self::encode(&forged)
    }
}

/// Every way to bend a run list's cursor (a run, a list, a chunk, an offset, and what the head
/// said): each must be a 400, never another partition's or another list's page.
fn forged_list_cursors(bend: &Bend) -> Vec<(&'static str, String)> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cursor = &bend.0;
    let encode = Bend::encode;
    let with = |name: &str, value: Value| bend.with(name, value);
    let without = |name: &str| bend.without(name);
    let run = cursor["r"].as_str().expect("a run").to_owned();
    let chunks = cursor["n"].as_u64().expect("chunks");
    vec![
        (
            "a run that never was",
            with("r", json!("20200101T000000.000Z")),
        ),
        (
            "a run with more after it",
            with("r", json!(format!("{run}#pb"))),
        ),
        ("not a run", with("r", json!("not-a-run"))),
        ("another list", with("l", json!("Elsewhere"))),
        ("a chunk past the list", with("c", json!(chunks))),
        ("a chunk count past the list", {
            let mut forged = cursor.clone();
            forged.insert("n".into(), json!(chunks + 3));
            forged.insert("c".into(), json!(chunks + 2));
            encode(&forged)
        }),
        ("no rows per chunk", with("k", json!(0))),
        ("a negative offset", with("o", json!(-1))),
        ("a huge offset", with("o", json!(u64::MAX))),
        ("an extra field", with("extra", json!("x"))),
        ("a missing chunk", without("c")),
        ("a string for a number", with("c", json!("1"))),
        ("not base64", "!!!".to_owned()),
        ("not JSON", URL_SAFE_NO_PAD.encode("not json")),
        ("too long", "A".repeat(5000)),
    ]
}

#[tokio::test]
async fn every_forged_cursor_shape_answers_400() {
    let table = published("forged-cursors").await;
    let store = table.store();
    let live = [
        "/producers/pa/tracks",
        "/producers/pa/tracks?collaborative=true",
    ];
    let lists: Vec<&str> = RUN_LISTS.iter().chain(&live).copied().collect();
    let mut checked = 0;
    let mut covered = Vec::new();
    for &list in &lists {
        let (path, flag) = list.split_once('?').unwrap_or((list, ""));
        let request = |cursor: Option<&str>| {
            let mut request = Http::get(path).caller("pa").query("limit", "1");
            if let Some((name, value)) = flag.split_once('=') {
                request = request.query(name, value);
            }
            if let Some(cursor) = cursor {
                request = request.query("cursor", cursor);
            }
            request
        };
        let first = call(&store, request(None)).await;
        assert_eq!(first.status, 200, "{list}: {}", first.body);
        // Trending is empty after one run (it pages as boards do), and pa has one recommendation:
        // a list that ends on the first page has no cursor.
        let Some(genuine) = first.body["nextCursor"].as_str().map(str::to_owned) else {
            continue;
        };
        covered.push(list);
        assert_eq!(
            call(&store, request(Some(&genuine))).await.status,
            200,
            "{list}"
        );
        for (shape, cursor) in forged_cursors(&genuine) {
            let reply = call(&store, request(Some(&cursor))).await;
            assert_eq!(reply.status, 400, "{list}, {shape}: {}", reply.body);
            assert_eq!(
                reply.body["type"], "/problems/bad-request",
                "{list}, {shape}"
            );
            checked += 1;
        }
    }
    // The credit history (credits function), read by the uploader.
    let history = |cursor: Option<&str>| {
        let mut request = Http::get("/tracks/t2/credits/history")
            .caller("pa")
            .query("limit", "1");
        if let Some(cursor) = cursor {
            request = request.query("cursor", cursor);
        }
        request
    };
    let edit = crate::support::api::credits(
        &store,
        Http::post("/tracks/t2/credits", json!({"producerId": "pc"})).caller("pa"),
    )
    .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let first = crate::support::api::credits(&store, history(None)).await;
    let genuine = first.body["nextCursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    for (shape, cursor) in forged_cursors(&genuine) {
        let reply = crate::support::api::credits(&store, history(Some(&cursor))).await;
        assert_eq!(reply.status, 400, "history, {shape}: {}", reply.body);
        checked += 1;
    }
    assert_eq!(
        covered,
        lists
            .iter()
            .filter(|l| !l.contains("trending") && !l.contains("recommendations"))
            .copied()
            .collect::<Vec<_>>()
    );
    assert!(checked >= 8 * 12, "{checked}");
}

/// Recommendations match genres: a producer whose profile lists none gets none, and is told why;
/// a producer with genres is not.
#[tokio::test]
async fn a_producer_without_genres_is_told_why_there_are_no_recommendations() {
    let table = TestTable::create("recs-no-genres").await;
    let store = table.store();
    let mut catalog = hand_catalog(0);
    catalog.push(json!({"kind":"producer","id":"pe","name":"Echo","genres":[],"styles":[]}));
    catalog.push(json!({"kind":"track","id":"t6","title":"Six","uploaderId":"pe","credits":["pe"],"uploadedAt":"2026-11-01T00:00:00Z","plays":3}));
    import(&store, &catalog).await;
    run_at(&store, as_of()).await;
    let none = call(
        &store,
        Http::get("/producers/pe/recommendations").caller("pe"),
    )
    .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body["recommendations"], json!([]));
    assert_eq!(none.body["emptyBecause"], json!("no-genres"));
    let some = call(
        &store,
        Http::get("/producers/pd/recommendations").caller("pd"),
    )
    .await;
    assert!(some.body.get("emptyBecause").is_none(), "{}", some.body);
}

/// Review N13: a list cursor names its run, and only the published run or an older one that was
/// published may be read through it. Runs A and B are published; then A's publication marker
/// (its platform series point, written at publication) is removed, which leaves A as a run whose
/// results were written and never published. A cursor into A is then a 400, as is one naming a
/// run newer than the pointer; a cursor into B reads on.
#[tokio::test]
async fn a_cursor_naming_a_run_never_published_is_refused() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let table = published("cursor-unpublished").await;
    let store = table.store();
    let first_page = || {
        call(
            &store,
            Http::get("/leaderboard/plays")
                .caller("pa")
                .query("limit", "1"),
        )
    };
    let cursor_a = first_page().await.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    run_at(&store, as_of() + chrono::TimeDelta::days(1)).await;
    let cursor_b = first_page().await.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = |cursor: String| {
        let store = store.clone();
        async move {
            call(
                &store,
                Http::get("/leaderboard/plays")
                    .caller("pa")
                    .query("limit", "1")
                    .query("cursor", &cursor),
            )
            .await
        }
    };
    // A page sequence begun on A before B was published reads on (review I2).
    assert_eq!(next(cursor_a.clone()).await.status, 200);
    // A's publication marker gone: A is a run that was never published.
    use table::entity::Entity;
    let a = results::run_id::RunId::of(as_of());
    let marker = results::run::PlatformPoint::primary_key(&(), &a);
    table
        .client
        .delete_item()
        .table_name(&table.name)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(marker.partition().to_owned()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(a.to_string()),
        )
        .send()
        .await
        .expect("delete the marker");
    assert_problem(&next(cursor_a).await, 400, "bad-request");
    // A run newer than the pointer, named in an otherwise genuine cursor.
    let mut forged: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&cursor_b).expect("base64")).expect("JSON");
    forged["r"] =
        json!(results::run_id::RunId::of(as_of() + chrono::TimeDelta::days(3)).to_string());
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("JSON"));
    assert_problem(&next(forged).await, 400, "bad-request");
    assert_eq!(next(cursor_b).await.status, 200);
}
