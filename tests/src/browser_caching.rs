//! Answers a browser can cache (`http_edge::caching`): every read answer carries an `ETag` and a
//! `Cache-Control`; the tag the browser holds gets `304` with no body while the answer is the
//! same, and the full answer once a new run (or the live data) changed it; no answer of a
//! signed-in route is ever `public`.

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::support::api::{call, credits, leaderboard, published};
use crate::support::events::{Http, Reply};
use crate::support::fixtures::{as_of, run_at};

fn tag(reply: &Reply) -> String {
    reply.header("etag").expect("an ETag").to_owned()
}

/// `http` again, holding `tag`.
fn holding(http: Http, tag: &str) -> Http {
    http.header("if-none-match", tag)
}

/// Asks `http()` twice, the second time holding the first answer's tag: a `200` with
/// `Cache-Control: control`, then a `304` with no body, the same tag and the same
/// `Cache-Control`. Returns the tag.
async fn answered_then_not_modified(
    store: &store::Store,
    http: impl Fn() -> Http,
    control: &str,
) -> String {
    let first = leaderboard(store, http()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.header("cache-control"), Some(control));
    let held = tag(&first);
    let again = leaderboard(store, holding(http(), &held)).await;
    assert_eq!((again.status, &again.body), (304, &Value::Null));
    assert_eq!(again.header("etag"), Some(held.as_str()));
    assert_eq!(again.header("cache-control"), Some(control));
    held
}

#[tokio::test]
async fn a_run_answer_is_304_until_the_next_run_is_published() {
    let table = published("caching_run").await;
    let store = table.store();
    let board = || Http::get("/leaderboard/plays").caller("pb");
    let held = answered_then_not_modified(&store, board, "private, max-age=60").await;

    run_at(&store, as_of() + TimeDelta::days(1)).await;
    let after = leaderboard(&store, holding(board(), &held)).await;
    assert_eq!(
        after.status, 200,
        "an old tag after a new run gets the answer"
    );
    assert_ne!(tag(&after), held);
    assert_eq!(after.body["asOf"], json!("2026-11-22T00:00:00Z"));
}

#[tokio::test]
async fn a_private_answer_is_private_and_304_for_its_owner_only() {
    let table = published("caching_private").await;
    let store = table.store();
    let summary = |caller: &str| Http::get("/producers/pa/summary").caller(caller);
    let held = answered_then_not_modified(&store, || summary("pa"), "private, max-age=60").await;
    // Another producer holding the owner's tag is refused, not told the answer is unchanged.
    let other = leaderboard(&store, holding(summary("pb"), &held)).await;
    assert_eq!(other.status, 403);
    assert_eq!(other.header("cache-control"), Some("no-store"));
    assert_eq!(other.header("etag"), None);
}

#[tokio::test]
async fn a_live_answer_changes_its_tag_with_the_data() {
    let table = published("caching_live").await;
    let store = table.store();
    let tracks = || Http::get("/producers/pb/tracks");
    let held = answered_then_not_modified(&store, tracks, "public, no-cache").await;

    // The uploader takes pb off t2: pb's discography changes at once (no run needed).
    let edit = Http::put("/tracks/t2/credits", json!({"producerIds": ["pa"]})).caller("pa");
    let edited = credits(&store, edit).await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    assert_eq!(edited.header("cache-control"), Some("no-store"));
    let after = leaderboard(&store, holding(tracks(), &held)).await;
    assert_eq!(after.status, 200);
    assert_ne!(tag(&after), held);
}

/// Every read route, as a caller it admits: a signed-in route's answer is `private`, whatever
/// it holds; only a public route's may be `public`.
#[tokio::test]
async fn no_answer_of_a_signed_in_route_is_public() {
    let table = published("caching_private_routes").await;
    let store = table.store();
    let reads = [
        ("/leaderboard/plays", false),
        ("/producers/pa/summary", false),
        ("/producers/pa/contributions", false),
        ("/producers/pa/recommendations", false),
        ("/producers/pa/payouts", false),
        ("/producers/pa/history", false),
        ("/me", false),
        ("/artists?q=a", false),
        ("/tracks/t2/credits", false),
        ("/tracks/t2/credits/history", false),
        ("/producers/pa/collaborators", true),
        ("/producers/pa/tracks", true),
        ("/collaborations/trending", true),
        ("/collaborations/stats", true),
    ];
    for (path, public) in reads {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut http = Http::get(path);
        if let Some((name, value)) = query.split_once('=') {
            http = http.query(name, value);
        }
        let reply = call(&store, if public { http } else { http.caller("pa") }).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
        let control = reply.header("cache-control").expect("a Cache-Control");
        assert_eq!(control.starts_with("public"), public, "{path}: {control}");
        assert!(reply.header("etag").is_some(), "{path} has no ETag");
    }
}
