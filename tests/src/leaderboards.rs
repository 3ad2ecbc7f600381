//! The seven published leaderboards through the API, worked by hand on the hand catalog
//! (`recompute_run::hand_catalog`), and their windows over two runs seven days apart with plays
//! delivered through `sync` in between.
//!
//! The hand catalog as of T = 2026-11-21T00:00:00Z (every producer has a profile):
//!
//! | track | credits | uploader | uploaded | plays | notes |
//! | --- | --- | --- | --- | --- | --- |
//! | t1 | pa | pa | T | 9 | metadata-complete |
//! | t2 | pa, pb | pa | T − 6 months | 0 | |
//! | t3 | pb | pb | T | 99 | exclusive-only |
//! | t4 | pc, pa | pc | T + 1 day | 999,999 | |
//! | t5 | pc | pc | T − 12 months | 9 | |
//!
//! So pa: 3 credited tracks, 1,000,008 plays, 2 uploads (1 complete), 2 collaborative tracks
//! with 2 collaborators and 999,999 collaborative plays, XP 1,000,308; pb: 2 tracks, 99 plays,
//! 1 upload, 1 collaborative track (1 collaborator, 0 plays), XP 224; pc: 2 tracks, 1,000,008
//! plays, 2 uploads, 1 collaborative track (1 collaborator, 999,999 plays), XP 234; pd: nothing.

use serde_json::{Value, json};

use crate::support::api::{leaderboard as call, published};
use crate::support::events::Http;
use crate::support::feed::deliver;
use crate::support::fixtures::at;
use crate::support::fixtures::{as_of, run_at};

/// A board as pa sees it: the whole answer.
async fn read(store: &store::Store, board: &str, period: Option<&str>) -> Value {
    let mut request = Http::get(&format!("/leaderboard/{board}")).caller("pa");
    if let Some(period) = period {
        request = request.query("period", period);
    }
    let reply = call(store, request).await;
    assert_eq!(reply.status, 200, "{board} {period:?}: {}", reply.body);
    reply.body
}

/// The entries without names (rank order is the list order; ranks are checked to be 1, 2, 3, …).
fn rows(body: &Value) -> Vec<Value> {
    let entries = body["entries"].as_array().expect("entries");
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["rank"], json!(i + 1), "ranks run 1, 2, 3, …: {body}");
            let mut e = e.clone();
            let e = e.as_object_mut().expect("an entry");
            e.remove("rank");
            e.remove("name");
            Value::Object(e.clone())
        })
        .collect()
}

#[tokio::test]
async fn every_board_by_hand() {
    let table = published("boards-hand").await;
    let store = table.store();

    // Collaborations: pa (2 tracks), then pc and pb (1 track, 1 collaborator each), pc ahead
    // on collaborative plays.
    assert_eq!(
        rows(&read(&store, "collaborations", None).await),
        [
            json!({"producerId": "pa", "collaborativeTracks": 2, "distinctCollaborators": 2, "collaborativePlays": 999_999}),
            json!({"producerId": "pc", "collaborativeTracks": 1, "distinctCollaborators": 1, "collaborativePlays": 999_999}),
            json!({"producerId": "pb", "collaborativeTracks": 1, "distinctCollaborators": 1, "collaborativePlays": 0}),
        ]
    );
    // Contribution: 101/28, 13/7, 1/4; pd (0) is not placed.
    let contribution = read(&store, "contribution", None).await;
    let ids: Vec<&str> = contribution["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["producerId"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["pa", "pc", "pb"]);
    assert!(
        contribution["entries"][2]
            .get("contributionValue")
            .is_none()
    );
    // Plays: pa and pc tie on 1,000,008 (by id: pa first), then pb.
    assert_eq!(
        rows(&read(&store, "plays", None).await),
        [
            json!({"producerId": "pa", "plays": 1_000_008}),
            json!({"producerId": "pc", "plays": 1_000_008}),
            json!({"producerId": "pb", "plays": 99}),
        ]
    );
    // Uploads: pa 2, pc 2 (tie, by id), pb 1.
    assert_eq!(
        rows(&read(&store, "uploads", None).await),
        [
            json!({"producerId": "pa", "uploads": 2}),
            json!({"producerId": "pc", "uploads": 2}),
            json!({"producerId": "pb", "uploads": 1}),
        ]
    );
    // Points: XP.
    assert_eq!(
        rows(&read(&store, "points", None).await),
        [
            json!({"producerId": "pa", "xp": 1_000_308}),
            json!({"producerId": "pc", "xp": 234}),
            json!({"producerId": "pb", "xp": 224}),
        ]
    );
    // Quality: only pa has a metadata-complete upload (1 of 2).
    assert_eq!(
        rows(&read(&store, "quality", None).await),
        [json!({"producerId": "pa", "uploads": 2, "metadataCompleteUploads": 1})]
    );
    // Overall: Σ weight × (100 − rank). pa is first on all six: 100 × 99 = 9,900. pc is second
    // on five (25 + 20 + 15 + 15 + 10 = 85 → 85 × 98 = 8,330) and not on quality. pb is third on
    // the same five: 85 × 97 = 8,245.
    assert_eq!(
        rows(&read(&store, "overall", None).await),
        [
            json!({"producerId": "pa", "overallScore": 9_900}),
            json!({"producerId": "pc", "overallScore": 8_330}),
            json!({"producerId": "pb", "overallScore": 8_245}),
        ]
    );

    // A first run has no run 7 or 30 days older: plays-based windows are empty with since null.
    for board in ["plays", "collaborations"] {
        for period in ["7d", "30d"] {
            let body = read(&store, board, Some(period)).await;
            assert_eq!(
                (&body["period"], &body["since"], &body["entries"]),
                (&json!(period), &Value::Null, &json!([])),
                "{board} {period}"
            );
        }
    }
    // Uploads in a window count by upload time (after the window's start): t1 and t3 at T and
    // t4 at T + 1 day, one each; since is the window's start.
    let uploads = read(&store, "uploads", Some("7d")).await;
    assert_eq!(uploads["since"], json!("2026-11-14T00:00:00Z"));
    assert_eq!(
        rows(&uploads),
        [
            json!({"producerId": "pa", "uploads": 1}),
            json!({"producerId": "pb", "uploads": 1}),
            json!({"producerId": "pc", "uploads": 1}),
        ]
    );
    assert_eq!(
        read(&store, "uploads", Some("30d")).await["since"],
        json!("2026-10-22T00:00:00Z")
    );
    // `period=all` is the default, said explicitly.
    let all = read(&store, "plays", Some("all")).await;
    assert_eq!(
        (&all["board"], &all["period"], &all["since"]),
        (&json!("plays"), &json!("all"), &Value::Null)
    );
}

#[tokio::test]
async fn window_boards_count_plays_gained_since_a_run_seven_days_older() {
    let table = published("boards-window").await;
    let store = table.store();
    // Between the runs: t1 +100, t3 +100, t4 +50 (absolute counts, as the platform sends them).
    let failed = deliver(
        &store,
        &[
            json!({"type": "plays", "at": "2026-11-21T06:00:00Z", "counts": [
                {"trackId": "t1", "plays": 109},
                {"trackId": "t3", "plays": 199},
                {"trackId": "t4", "plays": 1_000_049},
            ]}),
        ],
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    let week_later = as_of() + chrono::TimeDelta::days(7);
    run_at(&store, week_later).await;

    // 7d compares with the first run (exactly 7 days older); no run is 30 days older.
    let plays = read(&store, "plays", Some("7d")).await;
    assert_eq!(plays["asOf"], json!("2026-11-28T00:00:00Z"));
    assert_eq!(plays["since"], json!("2026-11-21T00:00:00Z"));
    // pa: t1 +100 and t4 +50; pb: t3 +100; pc: t4 +50.
    assert_eq!(
        rows(&plays),
        [
            json!({"producerId": "pa", "playsGained": 150}),
            json!({"producerId": "pb", "playsGained": 100}),
            json!({"producerId": "pc", "playsGained": 50}),
        ]
    );
    // The window is (T, T + 7 days]: t1 and t3, uploaded at T, are out; t4 (T + 1 day) is in.
    // pa and pc share it (one collaborator each) and gained 50 collaborative plays on it; they
    // tie, so pa first. pb's only collaborative track (t2) is old and gained nothing: not placed.
    assert_eq!(
        rows(&read(&store, "collaborations", Some("7d")).await),
        [
            json!({"producerId": "pa", "collaborativeTracks": 1, "distinctCollaborators": 1, "collaborativePlaysGained": 50}),
            json!({"producerId": "pc", "collaborativeTracks": 1, "distinctCollaborators": 1, "collaborativePlaysGained": 50}),
        ]
    );
    assert_eq!(
        rows(&read(&store, "uploads", Some("7d")).await),
        [json!({"producerId": "pc", "uploads": 1})]
    );
    for board in ["plays", "collaborations"] {
        let body = read(&store, board, Some("30d")).await;
        assert_eq!(
            (&body["since"], &body["entries"]),
            (&Value::Null, &json!([])),
            "{board}"
        );
    }
    // All-time plays moved too, and the summary places pb on the 7-day plays board.
    assert_eq!(
        rows(&read(&store, "plays", None).await)[0],
        json!({"producerId": "pa", "plays": 1_000_158})
    );
    let pb = call(&store, Http::get("/producers/pb/summary").caller("pb")).await;
    assert_eq!(
        pb.body["ranks"]["plays"],
        json!({"all": 3, "7d": 2, "30d": null})
    );
    assert_eq!(
        pb.body["ranks"]["collaborations"],
        json!({"all": 3, "7d": null, "30d": null})
    );

    // A run 31 days after the first finds it for 30d (the newest at or before T + 1 day), and
    // the second run for 7d.
    let month_later = at("2026-12-22T00:00:00Z");
    run_at(&store, month_later).await;
    let thirty = read(&store, "plays", Some("30d")).await;
    assert_eq!(thirty["since"], json!("2026-11-21T00:00:00Z"));
    assert_eq!(
        rows(&thirty)[0],
        json!({"producerId": "pa", "playsGained": 150})
    );
    let seven = read(&store, "plays", Some("7d")).await;
    assert_eq!(seven["since"], json!("2026-11-28T00:00:00Z"));
    assert_eq!(
        seven["entries"],
        json!([]),
        "nothing gained since the second run"
    );
}

#[tokio::test]
async fn unknown_boards_and_periods_answer_400_naming_the_allowed_ones() {
    let table = published("boards-bad").await;
    let store = table.store();
    let unknown = call(&store, Http::get("/leaderboard/fastest").caller("pa")).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["detail"],
        json!(
            "\"fastest\" is not a leaderboard; the boards are collaborations, contribution, plays, uploads, points, quality, overall"
        )
    );
    let points_week = call(
        &store,
        Http::get("/leaderboard/points")
            .caller("pa")
            .query("period", "7d"),
    )
    .await;
    assert_eq!(points_week.status, 400);
    assert_eq!(
        points_week.body["detail"],
        json!("the points board has no period \"7d\"; its periods are all")
    );
    let nonsense = call(
        &store,
        Http::get("/leaderboard/plays")
            .caller("pa")
            .query("period", "1y"),
    )
    .await;
    assert_eq!(nonsense.status, 400);
    assert_eq!(
        nonsense.body["detail"],
        json!("the plays board has no period \"1y\"; its periods are all, 7d, 30d")
    );
}
