//! The tracks two producers share (kept from the table's stream) and the figures over time (a
//! point per published run), through the `leaderboard` function's routes.

use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use leaderboard::{Config, PointerCache};
use results::run::ProducerPoint;
use results::run_id::RunId;
use serde_json::{Value, json};
use store::Store;

use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply, assert_problem};
use crate::support::fanout::{FanoutWorld, start_bus};
use crate::support::fixtures::{accept_track, at, pid, run_at, seed_producers};

async fn read(store: &Store, request: Http) -> Reply {
    let fresh = PointerCache::with_max_age(Duration::ZERO);
    let config: Config = http_edge::EdgeConfig::JWT;
    leaderboard::handle(store, &config, &fresh, request.build(), chrono::Utc::now())
        .await
        .into()
}

async fn remove(store: &Store, track: &str, producer: &str) {
    let config = credits::Config::unlimited(http_edge::EdgeConfig::JWT);
    let reply: Reply = credits::handle(
        store,
        &config,
        Http::delete(&format!("/tracks/{track}/credits/{producer}"))
            .caller("p1")
            .build(),
        at("2026-11-21T12:00:00Z"),
    )
    .await
    .into();
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn track_ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["trackId"].as_str().expect("id").to_owned())
        .collect()
}

/// p1 to p5 with profiles; t1 (p1, p2), t2 (p1, p2, p3), t3 (p1 alone), t4 (p2, p3), each
/// accepted from the platform, uploaded a month apart, with 100, 200, 300 and 400 plays.
async fn catalog(test: &str) -> TestTable {
    let table = TestTable::create_streaming(test).await;
    let store = table.store();
    seed_producers(&store, &["p1", "p2", "p3", "p4", "p5"]).await;
    for (id, uploader, credits, month) in [
        ("t1", "p1", vec!["p1", "p2"], "07"),
        ("t2", "p1", vec!["p1", "p2", "p3"], "08"),
        ("t3", "p1", vec!["p1"], "09"),
        ("t4", "p2", vec!["p2", "p3"], "10"),
    ] {
        accept_track(
            &store,
            json!({"trackId": id, "title": format!("Track {id}"), "uploaderId": uploader, "credits": credits, "uploadedAt": format!("2026-{month}-01T00:00:00Z")}),
        )
        .await;
    }
    let plays = json!({"type": "plays", "at": "2026-11-21T11:10:00Z", "counts": [
        {"trackId": "t1", "plays": 100}, {"trackId": "t2", "plays": 200},
        {"trackId": "t3", "plays": 300}, {"trackId": "t4", "plays": 400}]});
    sync::apply(&store, &plays.to_string(), at("2026-11-21T12:00:00Z"))
        .await
        .expect("the counts apply");
    table
}

/// Every pair's shared tracks equal the tracks on both discographies (the projection agrees with
/// the source it is kept from), and the checker's projection rule finds nothing.
async fn assert_shared_tracks_match_the_discographies(store: &Store) {
    let report = store.check_consistency_report(2).await.expect("check");
    assert_eq!(report.violations, vec![]);
    assert_eq!(report.shared_tracks, vec![]);
    let producers = ["p1", "p2", "p3", "p4", "p5"];
    for a in producers {
        let mine = crate::support::fixtures::discography_ids(store, a, false).await;
        for b in producers {
            if a == b {
                continue;
            }
            let theirs = crate::support::fixtures::discography_ids(store, b, false).await;
            let both: Vec<String> = mine
                .iter()
                .filter(|t| theirs.contains(t))
                .cloned()
                .collect();
            let shared = read(
                store,
                Http::get(&format!("/producers/{a}/tracks")).query("with", b),
            )
            .await;
            assert_eq!(track_ids(&shared), both, "{a} with {b}");
        }
    }
}

#[tokio::test]
async fn the_tracks_two_producers_share_newest_first_kept_from_the_stream() {
    let table = catalog("shared-tracks").await;
    let store = table.store();
    let mut world = FanoutWorld::start(&store).await;
    world.drain().await;

    let shared = read(
        &store,
        Http::get("/producers/p1/tracks").query("with", "p2"),
    )
    .await;
    assert_eq!(track_ids(&shared), ["t2", "t1"]);
    assert_eq!(
        shared.body["tracks"][0]["credits"],
        json!(["p1", "p2", "p3"])
    );
    assert_eq!(shared.body["tracks"][0]["title"], "Track t2");
    // Paged like the discography.
    let first = read(
        &store,
        Http::get("/producers/p1/tracks")
            .query("with", "p2")
            .query("limit", "1"),
    )
    .await;
    assert_eq!(track_ids(&first), ["t2"]);
    let cursor = first.body["nextCursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let second = read(
        &store,
        Http::get("/producers/p1/tracks")
            .query("with", "p2")
            .query("limit", "1")
            .query("cursor", &cursor),
    )
    .await;
    assert_eq!(track_ids(&second), ["t1"]);
    // Another pair's cursor is refused.
    let forged = read(
        &store,
        Http::get("/producers/p1/tracks")
            .query("with", "p3")
            .query("cursor", &cursor),
    )
    .await;
    assert_problem(&forged, 400, "bad-request");
    // Nothing shared: an empty page. Unknown producer: 404. A bad id: 400.
    let none = read(
        &store,
        Http::get("/producers/p1/tracks").query("with", "p4"),
    )
    .await;
    assert_eq!(none.body, json!({"tracks": [], "nextCursor": null}));
    let unknown = read(
        &store,
        Http::get("/producers/nobody/tracks").query("with", "p1"),
    )
    .await;
    assert_problem(&unknown, 404, "not-found");
    let bad = read(
        &store,
        Http::get("/producers/p1/tracks").query("with", "a#b"),
    )
    .await;
    assert_problem(&bad, 400, "bad-request");
    assert_shared_tracks_match_the_discographies(&store).await;

    // p2 leaves t2, and the platform renames t1: both follow within a drain of the stream.
    remove(&store, "t2", "p2").await;
    accept_track(
        &store,
        json!({"trackId": "t1", "title": "Renamed", "uploaderId": "p1", "credits": ["p1", "p2"], "uploadedAt": "2026-07-01T00:00:00Z", "at": "2026-11-21T11:30:00Z"}),
    )
    .await;
    world.drain().await;
    let after = read(
        &store,
        Http::get("/producers/p2/tracks").query("with", "p1"),
    )
    .await;
    assert_eq!(track_ids(&after), ["t1"]);
    assert_eq!(after.body["tracks"][0]["title"], "Renamed");
    let p3_p2 = read(
        &store,
        Http::get("/producers/p3/tracks").query("with", "p2"),
    )
    .await;
    assert_eq!(track_ids(&p3_p2), ["t4"]);
    assert_shared_tracks_match_the_discographies(&store).await;

    // Redelivering everything the stream holds changes nothing.
    let mut again = FanoutWorld::start(&store).await;
    again.drain().await;
    assert_shared_tracks_match_the_discographies(&store).await;
}

/// A bus that refuses every event (its policy changed) holds back the events, never the
/// shared-track entries: they have their own mapping. The removed co-credit leaves `?with=` at
/// once; the events' record is parked after its retries, and later changes are announced again.
#[tokio::test]
async fn a_refusing_bus_holds_back_the_events_not_the_shared_tracks() {
    use store::catalog::changes::StreamMapping;
    let table = catalog("shared-outage").await;
    let store = table.store();
    let bus = start_bus().await;
    let url = bus.base_url.clone();
    let mut world = FanoutWorld::through(&store, bus, &url).await;
    world.drain().await;
    let announced = world.bus.events().len();
    let with = |a: &str, b: &str| Http::get(&format!("/producers/{a}/tracks")).query("with", b);
    assert_eq!(
        track_ids(&read(&store, with("p1", "p2")).await),
        ["t2", "t1"]
    );

    world.bus.set_faults(eventbridge_standin::Faults {
        call_denied: 1.0,
        ..Default::default()
    });
    remove(&store, "t2", "p2").await;

    // The shared-track mapping goes on at once: no failure, no retry, nothing parked.
    let shared = world.drain_mapping(StreamMapping::SharedTracks, 50).await;
    assert_eq!(
        (shared.retried_batches, shared.parked),
        (0, 0),
        "{shared:?}"
    );
    assert!(shared.shared_writes > 0, "{shared:?}");
    assert_eq!(track_ids(&read(&store, with("p1", "p2")).await), ["t1"]);
    assert_eq!(track_ids(&read(&store, with("p2", "p1")).await), ["t1"]);
    assert_eq!(track_ids(&read(&store, with("p3", "p2")).await), ["t4"]);
    assert_shared_tracks_match_the_discographies(&store).await;

    // The events' record fails every attempt and is parked (on AWS: the on-failure queue).
    let events = world.drain_mapping(StreamMapping::Events, 3).await;
    assert_eq!(events.parked, 1, "{events:?}");
    assert_eq!(events.events_put, 0);
    assert_eq!(world.bus.events().len(), announced);

    // Once the bus accepts again, the next change is announced: the parked record holds nothing up.
    world.bus.set_faults(eventbridge_standin::Faults::default());
    remove(&store, "t1", "p2").await;
    world.drain().await;
    let told: Vec<(String, String)> = world.details()[announced..]
        .iter()
        .map(|d| {
            (
                d["trackId"].as_str().expect("track").to_owned(),
                d["change"].as_str().expect("change").to_owned(),
            )
        })
        .collect();
    assert!(
        told.contains(&("t1".to_owned(), "removed".to_owned())),
        "{told:?}"
    );
    assert_eq!(
        track_ids(&read(&store, with("p1", "p2")).await),
        Vec::<String>::new()
    );
}

/// The shared-track entries rebuilt from the discographies: on a table whose tracks predate the
/// stream (none projected), and after a parked record left them behind (an entry the source no
/// longer credits, a title the source no longer has); the checker's rule sees each difference and
/// none after the rebuild, and a second rebuild writes nothing.
#[tokio::test]
async fn the_shared_tracks_are_rebuilt_from_the_discographies() {
    // Tracks written before anything read the stream: nothing is projected.
    let table = catalog("shared-rebuild").await;
    let store = table.store();
    let with = |a: &str, b: &str| Http::get(&format!("/producers/{a}/tracks")).query("with", b);
    assert_eq!(
        track_ids(&read(&store, with("p1", "p2")).await),
        Vec::<String>::new()
    );
    let before = store.check_consistency_report(2).await.expect("check");
    assert_eq!(before.violations, vec![]);
    // t1: p1-p2 both ways; t2: three producers, six; t4: two.
    assert_eq!(
        before.shared_tracks.len(),
        2 + 6 + 2,
        "{:?}",
        before.shared_tracks
    );
    assert!(
        before
            .shared_tracks
            .iter()
            .all(|d| matches!(d, store::tools::shared_track_projection::Drift::Missing(_)))
    );
    let rebuilt = store.rebuild_shared_tracks(2).await.expect("rebuild");
    assert_eq!((rebuilt.put, rebuilt.deleted), (10, 0), "{rebuilt}");
    assert_eq!(
        track_ids(&read(&store, with("p1", "p2")).await),
        ["t2", "t1"]
    );
    assert_shared_tracks_match_the_discographies(&store).await;

    // Changes the stream never carried to the projection (its records parked): p3 leaves t2 and
    // the platform renames t1.
    remove(&store, "t2", "p3").await;
    accept_track(
        &store,
        json!({"trackId": "t1", "title": "Renamed", "uploaderId": "p1", "credits": ["p1", "p2"], "uploadedAt": "2026-07-01T00:00:00Z", "at": "2026-11-21T11:30:00Z"}),
    )
    .await;
    let drift = store
        .check_consistency_report(2)
        .await
        .expect("check")
        .shared_tracks;
    let described: Vec<String> = drift.iter().map(ToString::to_string).collect();
    // p1-p3, p2-p3, p3-p1 and p3-p2 orphaned on t2; p1-p2 and p2-p1 stale on t2 (its credits)
    // and on t1 (its title).
    assert_eq!(drift.len(), 8, "{described:?}");
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("orphaned shared-track entry")),
        "{described:?}"
    );
    assert!(
        described
            .iter()
            .any(|d| d.starts_with("shared-track entry stale: p1 with p2, track t1")),
        "{described:?}"
    );
    assert_eq!(track_ids(&read(&store, with("p3", "p1")).await), ["t2"]);
    let rebuilt = store.rebuild_shared_tracks(2).await.expect("rebuild");
    assert_eq!(rebuilt.deleted, 4, "{rebuilt}");
    assert_eq!(
        track_ids(&read(&store, with("p3", "p1")).await),
        Vec::<String>::new()
    );
    let renamed = read(&store, with("p2", "p1")).await;
    assert_eq!(track_ids(&renamed), ["t2", "t1"]);
    assert_eq!(renamed.body["tracks"][1]["title"], "Renamed");
    assert_shared_tracks_match_the_discographies(&store).await;
    let again = store.rebuild_shared_tracks(2).await.expect("rebuild");
    assert_eq!(
        (again.repaired, again.put, again.deleted),
        (0, 0, 0),
        "{again}"
    );
}

/// Whole milliseconds (run ids are ms-precise), `days_ago` days before now.
fn days_ago(days: i64) -> DateTime<Utc> {
    (Utc::now() - TimeDelta::days(days))
        .duration_trunc(TimeDelta::milliseconds(1))
        .expect("truncates")
}

fn as_ofs(reply: &Reply) -> Vec<DateTime<Utc>> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            DateTime::parse_from_rfc3339(p["asOf"].as_str().expect("asOf"))
                .expect("an instant")
                .with_timezone(&Utc)
        })
        .collect()
}

#[tokio::test]
async fn a_producers_figures_over_the_published_runs_only_theirs() {
    let table = catalog("history").await;
    let store = table.store();
    let (older, newer) = (days_ago(10), days_ago(1));
    run_at(&store, older).await;
    // A run that wrote its points and died before publishing: not a published run.
    let orphan = days_ago(5);
    let point = ProducerPoint {
        producer_id: pid("p1"),
        run_id: RunId::of(orphan),
        as_of: orphan,
        contribution_value: 9.0,
        share: 1.0,
        plays: 1,
        xp: 1,
        ranks: Vec::new(),
    };
    store
        .put_producer_point(&point)
        .await
        .expect("write the orphan point");
    run_at(&store, newer).await;

    let history = read(
        &store,
        Http::get("/producers/p1/history")
            .query("days", "90")
            .caller("p1"),
    )
    .await;
    assert_eq!(as_ofs(&history), [older, newer]);
    assert_eq!(history.body["producerId"], "p1");
    assert_eq!(history.body["days"], 90);
    // The latest point is the latest summary's figures.
    let summary = read(&store, Http::get("/producers/p1/summary").caller("p1")).await;
    let latest: &Value = &history.body["points"][1];
    for field in ["contributionValue", "share", "xp", "level", "ranks"] {
        assert_eq!(latest[field], summary.body[field], "{field}");
    }
    // p1 is credited on t1, t2 and t3.
    assert_eq!(latest["plays"], 600);
    // The range counts back from now; the default is 90 days.
    let recent = read(
        &store,
        Http::get("/producers/p1/history")
            .query("days", "2")
            .caller("p1"),
    )
    .await;
    assert_eq!(as_ofs(&recent), [newer]);
    let default = read(&store, Http::get("/producers/p1/history").caller("p1")).await;
    assert_eq!(as_ofs(&default), [older, newer]);
    // Private: the producer only. Bad ranges: 400.
    let other = read(&store, Http::get("/producers/p1/history").caller("p2")).await;
    assert_problem(&other, 403, "forbidden");
    let anonymous = read(&store, Http::get("/producers/p1/history")).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    for days in ["0", "401", "ninety", "-1", "1.5"] {
        let bad = read(
            &store,
            Http::get("/producers/p1/history")
                .query("days", days)
                .caller("p1"),
        )
        .await;
        assert_problem(&bad, 400, "bad-request");
    }
    // A producer with a profile and no tracks has a point in every run, at zero.
    let p5 = read(&store, Http::get("/producers/p5/history").caller("p5")).await;
    assert_eq!(as_ofs(&p5), [older, newer]);
    assert_eq!(p5.body["points"][1]["contributionValue"], 0.0);
    assert_eq!(p5.body["points"][1]["level"], 1);
    // Someone the runs never had: an empty series.
    let ghost = read(
        &store,
        Http::get("/producers/ghost/history").caller("ghost"),
    )
    .await;
    assert_eq!(ghost.body["points"], json!([]));
}

#[tokio::test]
async fn the_platforms_figures_over_the_published_runs_are_public() {
    let table = catalog("stats").await;
    let store = table.store();
    let empty = read(&store, Http::get("/collaborations/stats")).await;
    assert_eq!(empty.body, json!({"days": 90, "points": []}));
    let (older, newer) = (days_ago(3), days_ago(1));
    run_at(&store, older).await;
    run_at(&store, newer).await;
    // A replayed older schedule changes nothing.
    run_at(&store, older).await;
    let stats = read(
        &store,
        Http::get("/collaborations/stats").query("days", "30"),
    )
    .await;
    assert_eq!(as_ofs(&stats), [older, newer]);
    // Five producers, three with tracks (p4, p5 have none); t1, t2, t4 are collaborative; the
    // pairs are p1-p2, p1-p3, p2-p3; 1,000 plays in all.
    assert_eq!(
        stats.body["points"][1],
        json!({"asOf": stats.body["points"][1]["asOf"], "producersWithShare": 3,
               "collaborativeTracks": 3, "distinctPairs": 3, "totalPlays": 1000})
    );
    let bad = read(
        &store,
        Http::get("/collaborations/stats").query("days", "500"),
    )
    .await;
    assert_problem(&bad, 400, "bad-request");
}

/// Review N11: a series answer is capped by construction. An hourly schedule kept for 400 days
/// would give 9,600 points; the answer holds the newest `MAX_SERIES_POINTS`, oldest first.
#[tokio::test]
async fn a_series_holds_at_most_its_cap_of_the_newest_points() {
    let table = TestTable::create("series-cap").await;
    let store = table.store();
    let now = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .expect("an hour");
    let over = store::runs::series::MAX_SERIES_POINTS + 5;
    let points: Vec<results::run::PlatformPoint> = (0..over as i64)
        .map(|hours| {
            let as_of = now - TimeDelta::hours(hours);
            results::run::PlatformPoint {
                run_id: RunId::of(as_of),
                as_of,
                producers_with_share: hours as u64,
                collaborative_tracks: 0,
                pairs: 0,
                plays: 0,
            }
        })
        .collect();
    let store_ref = &store;
    futures_util::future::try_join_all(points.chunks(100).map(|chunk| async move {
        for p in chunk {
            store_ref.runs().put_platform_point(p).await?;
        }
        Ok::<_, store::StoreError>(())
    }))
    .await
    .expect("written");
    let reply = read(
        &store,
        Http::get("/collaborations/stats").query("days", "400"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answered = reply.body["points"].as_array().expect("points");
    assert_eq!(answered.len(), store::runs::series::MAX_SERIES_POINTS);
    // The newest ones, oldest first: the oldest kept is 999 hours back, the last is now.
    assert_eq!(answered[0]["producersWithShare"], json!(999));
    assert_eq!(
        answered.last().expect("a point")["producersWithShare"],
        json!(0)
    );
}
