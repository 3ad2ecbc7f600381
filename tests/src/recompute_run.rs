//! The `recompute` run against DynamoDB Local: every figure on a catalog small enough to check by
//! hand, invariants on a generated one, and a run killed midway.

use std::collections::BTreeMap;
use std::sync::Arc;

use catalog::jsonl::parse;
use catalog::synthetic::{Spec, generate};
use chrono::TimeDelta;
use contribution::ExactSum;
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use results::lists::{Board, Period};
use results::run::{
    BoardEntry, Collaborator, Contribution, ProducerSummary, Recommendation, TrendingPair,
};
use results::run_id::RunId;
use serde_json::json;
use store::Store;
use store::runs::items::ProducerListEntry;
use store::runs::published::run_id;

use crate::support::chaos::run_items;
use crate::support::dynamodb::TestTable;
use crate::support::fixtures::{as_of, at, generated, hand_catalog, import, pid, run_at, tid};

async fn summary(store: &Store, run: &RunId, producer: &str) -> ProducerSummary {
    store
        .runs()
        .run_item::<ProducerSummary>(run, &pid(producer))
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no summary for {producer}"))
}

/// One of a producer's lists in a run (the producer must be in the run).
async fn producer_list<T: ProducerListEntry>(store: &Store, run: &RunId, producer: &str) -> Vec<T> {
    store
        .runs()
        .producer_list(run, &pid(producer), 1000, None)
        .await
        .expect("read")
        .expect("the producer is in the run")
        .items
}

async fn board(store: &Store, run: &RunId, board: Board) -> Vec<BoardEntry> {
    board_over(store, run, board, Period::All).await
}

async fn board_over(store: &Store, run: &RunId, board: Board, period: Period) -> Vec<BoardEntry> {
    store
        .runs()
        .board_page(run, board, period, 1000, None)
        .await
        .expect("read")
        .items
}

async fn trending(store: &Store, run: &RunId) -> Vec<TrendingPair> {
    store
        .runs()
        .trending_page(run, 1000, None)
        .await
        .expect("read")
        .items
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[tokio::test]
async fn every_figure_of_a_hand_checked_catalog() {
    let table = TestTable::create("recompute-hand").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let progress = RunProgress::default();
    let run = recompute(
        &store,
        &Settings::default(),
        as_of(),
        Deadline(None),
        &progress,
        as_of(),
    )
    .await
    .expect("run");
    assert!(run.published);
    assert_eq!((run.tracks, run.producers), (5, 4));
    let id = run_id(as_of());
    assert_eq!(
        store
            .runs()
            .latest_run()
            .await
            .expect("pointer")
            .map(|p| p.run_id),
        Some(id.clone())
    );

    // Contributions: pa = 2 + 1/4 + 19/14 = 101/28; pb = 1/4; pc = 19/14 + 1/2 = 13/7; pd = 0.
    // Total 40/7, so shares are 101/160, 7/160, 52/160 and 0.
    let (a, b, c, d) = (
        summary(&store, &id, "pa").await,
        summary(&store, &id, "pb").await,
        summary(&store, &id, "pc").await,
        summary(&store, &id, "pd").await,
    );
    assert!(
        close(a.contribution_value, 101.0 / 28.0),
        "{}",
        a.contribution_value
    );
    assert!(close(b.contribution_value, 0.25));
    assert!(close(c.contribution_value, 13.0 / 7.0));
    assert_eq!(d.contribution_value, 0.0);
    assert!(
        close(a.share, 101.0 / 160.0)
            && close(b.share, 7.0 / 160.0)
            && close(c.share, 52.0 / 160.0)
    );
    assert_eq!(d.share, 0.0);
    // Tracks crediting each; collaborative ones (t2, t4); their full plays; distinct collaborators.
    let counts = |s: &ProducerSummary| {
        (
            s.track_count,
            s.collaborative_tracks,
            s.collaborative_plays,
            s.distinct_collaborators,
        )
    };
    assert_eq!(counts(&a), (3, 2, 999_999, 2));
    assert_eq!(counts(&b), (2, 1, 0, 1));
    assert_eq!(counts(&c), (2, 1, 999_999, 1));
    assert_eq!(counts(&d), (0, 0, 0, 0));
    // XP (contribution::progress): 100 per upload and 50 per metadata-complete upload to the
    // uploader; 1 per play on every credited track, unsplit, on collaborative tracks only with a
    // complete profile; 25 per collaborative track.
    // pa (complete profile): 2 uploads, t1 complete, 9 solo plays, 0 + 999,999 collaborative
    //   plays, 2 collaborative tracks = 200 + 50 + 9 + 999,999 + 50.
    // pb: 1 upload, 99 solo plays, t2's plays not counted (incomplete profile), 1 collaboration.
    // pc: 2 uploads, 9 solo plays, t4's 999,999 not counted (incomplete profile), 1 collaboration.
    assert_eq!((a.xp, b.xp, c.xp, d.xp), (1_000_308, 224, 234, 0));

    // Boards. Collaborations: pa (2 tracks); pc and pb tie on tracks and collaborators, pc has
    // more collaborative plays. Contribution: pa, pc, pb; pd (0) is not listed.
    let collab = board(&store, &id, Board::Collaborations).await;
    let ids = |rows: &[BoardEntry]| {
        rows.iter()
            .map(|r| r.producer_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&collab), ["pa", "pc", "pb"]);
    assert_eq!(collab[0].figures.distinct_collaborators, Some(2));
    let contrib = board(&store, &id, Board::Contribution).await;
    assert_eq!(ids(&contrib), ["pa", "pc", "pb"]);
    let placed = |s: &ProducerSummary| {
        (
            s.rank(Board::Collaborations, Period::All),
            s.rank(Board::Contribution, Period::All),
        )
    };
    assert_eq!(placed(&a), (Some(1), Some(1)));
    assert_eq!(placed(&d), (None, None));

    // The breakdown of t4 for pa: future upload = 0 months, boost 19/7, split 1/2.
    // pc is in the run and has an empty recommendation list (the lo-fi bucket is pc alone); an
    // unknown producer has no lists at all.
    assert!(
        producer_list::<Recommendation>(&store, &id, "pc")
            .await
            .is_empty()
    );
    assert!(
        store
            .runs()
            .producer_list::<Recommendation>(&id, &pid("nobody"), 10, None)
            .await
            .expect("read")
            .is_none()
    );
    let breakdown = |list: Vec<Contribution>, track: &str| {
        list.into_iter()
            .find(|c| c.track_id == tid(track))
            .unwrap_or_else(|| panic!("a breakdown of {track}"))
    };
    let t4 = breakdown(producer_list(&store, &id, "pa").await, "t4");
    assert_eq!(
        (t4.months_since_upload, t4.decay, t4.split),
        (0.0, 1.0, 0.5)
    );
    assert!(close(t4.boost, 19.0 / 7.0) && close(t4.value, 19.0 / 14.0));
    let t3 = breakdown(producer_list(&store, &id, "pb").await, "t3");
    assert!(!t3.eligible && t3.value == 0.0);

    // The network: pa worked with pb and pc once each.
    let network: Vec<Collaborator> = producer_list(&store, &id, "pa").await;
    let together: Vec<(String, u32)> = network
        .iter()
        .map(|c| (c.producer_id.to_string(), c.tracks_together))
        .collect();
    assert_eq!(together, [("pb".to_owned(), 1), ("pc".to_owned(), 1)]);

    // Recommendations for pd (trap; dark, bouncy): pa scores 1 (same genres), pb 1/2 + 1/2
    // (half the genres, a style pd lacks): a tie, broken by id. pa is offered pd only (pb is a
    // collaborator): 1 + 1/2 × 1/2 for "bouncy".
    let recs: Vec<Recommendation> = producer_list(&store, &id, "pd").await;
    let offered: Vec<(String, f64)> = recs
        .iter()
        .map(|r| (r.producer_id.to_string(), r.score))
        .collect();
    assert_eq!(offered, [("pa".to_owned(), 1.0), ("pb".to_owned(), 1.0)]);
    // As a percent of the best score (2.0), and the genres in common.
    let matched: Vec<(u8, &[String])> = recs
        .iter()
        .map(|r| (r.match_percent, r.common_genres.as_slice()))
        .collect();
    let trap = ["trap".to_owned()];
    assert_eq!(matched, [(50, &trap[..]), (50, &trap[..])]);
    assert_eq!(
        recs[1].reasons,
        ["similar genres: trap", "complementary styles: melodic"]
    );
    let for_a: Vec<Recommendation> = producer_list(&store, &id, "pa").await;
    assert_eq!(
        for_a
            .iter()
            .map(|r| (r.producer_id.to_string(), r.score))
            .collect::<Vec<_>>(),
        [("pd".to_owned(), 1.25)]
    );
    // 1.25 of 2.0: 62.5%, rounded half away from zero.
    assert_eq!(for_a[0].match_percent, 63);

    // A first run has no trending pairs. A day later t2 has 500 plays: pa+pb gained 500.
    assert!(trending(&store, &id).await.is_empty());
    import(&store, &hand_catalog(500)).await;
    let next = as_of() + TimeDelta::days(1);
    run_at(&store, next).await;
    let trending: Vec<TrendingPair> = trending(&store, &run_id(next)).await;
    assert_eq!(trending.len(), 1);
    assert_eq!(
        (trending[0].producer_ids.clone(), trending[0].plays_gained),
        ([pid("pa"), pid("pb")], 500)
    );

    // Replaying the first event changes nothing: the pointer only moves forward.
    let replay = run_at(&store, as_of()).await;
    assert!(!replay.published);
    assert_eq!(
        store
            .runs()
            .latest_run()
            .await
            .expect("pointer")
            .map(|p| p.run_id),
        Some(run_id(next))
    );
}

#[tokio::test]
async fn invariants_on_a_generated_catalog() {
    let table = TestTable::create("recompute-generated").await;
    let store = table.store();
    let text = generated(&store, 200, 2_000).await;
    let settings = Settings {
        segments: 3,
        page_size: Some(100),
        ..Settings::default()
    };
    recompute(
        &store,
        &settings,
        as_of(),
        Deadline(None),
        &RunProgress::default(),
        as_of(),
    )
    .await
    .expect("run");
    let id = run_id(as_of());
    let items = run_items(&table, &id).await;

    let summaries: Vec<ProducerSummary> = items
        .values()
        .filter(|i| {
            i.get("entity")
                .and_then(|e| e.as_s().ok())
                .map(String::as_str)
                == Some("producerSummary")
        })
        .map(|i| serde_dynamo::aws_sdk_dynamodb_1::from_item(i.clone()).expect("summary"))
        .collect();
    assert_eq!(summaries.len(), 200);
    let share_sum: f64 = summaries.iter().map(|s| s.share).sum();
    assert!((share_sum - 1.0).abs() < 1e-9, "shares sum to {share_sum}");

    // The sum of contributions equals the sum of eligible tracks' whole values (computed here,
    // from the file, independently of the run).
    let (parsed, _) = parse(text.as_bytes());
    let expected: f64 = parsed
        .tracks
        .iter()
        .map(|t| contribution::breakdown(&t.facts(), as_of()).track_value)
        .sum();
    let exact: ExactSum = summaries
        .iter()
        .map(|s| ExactSum::from_units(s.contribution_units.get()))
        .sum();
    assert!(
        (exact.to_f64() - expected).abs() < 1e-9 * expected,
        "{} vs {expected}",
        exact.to_f64()
    );

    // The collaboration network is symmetric.
    let mut edges = BTreeMap::new();
    for s in &summaries {
        let list: Vec<Collaborator> = producer_list(&store, &id, s.producer_id.as_str()).await;
        assert_eq!(list.len() as u64, s.distinct_collaborators);
        for c in list {
            edges.insert(
                (c.owner.to_string(), c.producer_id.to_string()),
                c.tracks_together,
            );
        }
    }
    assert!(!edges.is_empty());
    for ((a, b), n) in &edges {
        assert_eq!(edges.get(&(b.clone(), a.clone())), Some(n), "{a} -> {b}");
    }

    let mut boards = BTreeMap::new();
    for (b, p) in Board::every_period() {
        boards.insert((b, p), board_over(&store, &id, b, p).await);
    }
    board_invariants(boards, &summaries, &parsed.tracks);
}

/// The boards of a first run on a generated catalog: ranks 1..n, each board's order is its rule
/// (checked on figures computed here from the file, or from the summaries), overall is computed
/// from the other boards' ranks, and nobody is placed with a zero score.
fn board_invariants(
    mut boards: BTreeMap<(Board, Period), Vec<BoardEntry>>,
    summaries: &[ProducerSummary],
    tracks: &[catalog::Track],
) {
    for entries in boards.values_mut() {
        entries.sort_by_key(|e| e.rank);
        let ranks: Vec<u64> = entries.iter().map(|e| e.rank).collect();
        assert_eq!(ranks, (1..=entries.len() as u64).collect::<Vec<_>>());
    }
    let board = |b: Board, p: Period| boards.get(&(b, p)).cloned().unwrap_or_default();

    // Independent tallies from the file.
    let window_start = as_of() - TimeDelta::days(7);
    let mut plays: BTreeMap<String, u64> = BTreeMap::new();
    let mut uploads: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new(); // all, complete, 7d
    for t in tracks {
        for p in t.credits.producers() {
            *plays.entry(p.to_string()).or_default() += t.plays;
        }
        let u = uploads.entry(t.uploader_id.to_string()).or_default();
        u.0 += 1;
        u.1 += u64::from(t.metadata_complete);
        u.2 += u64::from(t.uploaded_at.instant() > window_start);
    }
    let credited = |id: &str| plays.contains_key(id);
    // An order: descending by key, ties by producer id ascending.
    fn ordered<K: Ord>(mut rows: Vec<(K, String)>) -> Vec<String> {
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        rows.into_iter().map(|(_, id)| id).collect()
    }
    let ids = |entries: &[BoardEntry]| {
        entries
            .iter()
            .map(|e| e.producer_id.to_string())
            .collect::<Vec<_>>()
    };

    let expected = ordered(
        plays
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, n)| (*n, id.clone()))
            .collect(),
    );
    assert_eq!(ids(&board(Board::Plays, Period::All)), expected, "plays");
    for e in board(Board::Plays, Period::All) {
        assert_eq!(e.figures.plays, Some(plays[e.producer_id.as_str()]));
    }
    let by_uploads = |pick: fn(&(u64, u64, u64)) -> u64| {
        ordered(
            uploads
                .iter()
                .filter(|(id, u)| credited(id) && pick(u) > 0)
                .map(|(id, u)| (pick(u), id.clone()))
                .collect(),
        )
    };
    assert_eq!(
        ids(&board(Board::Uploads, Period::All)),
        by_uploads(|u| u.0),
        "uploads"
    );
    let recent = by_uploads(|u| u.2);
    assert!(
        !recent.is_empty(),
        "the generated catalog has uploads in the last 7 days"
    );
    assert_eq!(
        ids(&board(Board::Uploads, Period::Days7)),
        recent,
        "uploads 7d"
    );
    // Quality: complete / uploads compared exactly (cross-multiplied), then complete.
    let mut quality: Vec<(u64, u64, String)> = uploads
        .iter()
        .filter(|(id, u)| credited(id) && u.1 > 0)
        .map(|(id, u)| (u.1, u.0, id.clone()))
        .collect();
    quality.sort_by(|(c1, u1, id1), (c2, u2, id2)| {
        (u128::from(*c2) * u128::from(*u1))
            .cmp(&(u128::from(*c1) * u128::from(*u2)))
            .then(c2.cmp(c1))
            .then_with(|| id1.cmp(id2))
    });
    let quality: Vec<String> = quality.into_iter().map(|(.., id)| id).collect();
    assert_eq!(ids(&board(Board::Quality, Period::All)), quality, "quality");

    // Points and collaborations agree with the summaries.
    let summary: BTreeMap<String, &ProducerSummary> = summaries
        .iter()
        .map(|s| (s.producer_id.to_string(), s))
        .collect();
    let points = ordered(
        summaries
            .iter()
            .filter(|s| s.track_count > 0 && s.xp > 0)
            .map(|s| (s.xp, s.producer_id.to_string()))
            .collect(),
    );
    assert_eq!(ids(&board(Board::Points, Period::All)), points, "points");
    let collaborations = ordered(
        summaries
            .iter()
            .filter(|s| s.collaborative_tracks > 0)
            .map(|s| {
                (
                    (
                        s.collaborative_tracks,
                        s.distinct_collaborators,
                        s.collaborative_plays,
                    ),
                    s.producer_id.to_string(),
                )
            })
            .collect(),
    );
    assert_eq!(
        ids(&board(Board::Collaborations, Period::All)),
        collaborations
    );

    // Overall from the other boards' ranks; every placed producer's summary says the same ranks.
    let weights = [
        (Board::Points, 25),
        (Board::Plays, 20),
        (Board::Uploads, 15),
        (Board::Quality, 15),
        (Board::Collaborations, 15),
        (Board::Contribution, 10),
    ];
    let mut scores: BTreeMap<String, u64> = BTreeMap::new();
    for (b, w) in weights {
        for e in board(b, Period::All) {
            *scores.entry(e.producer_id.to_string()).or_default() +=
                w * 100u64.saturating_sub(e.rank);
        }
    }
    let overall = board(Board::Overall, Period::All);
    assert_eq!(
        ids(&overall),
        ordered(
            scores
                .iter()
                .filter(|(_, s)| **s > 0)
                .map(|(id, s)| (*s, id.clone()))
                .collect()
        )
    );
    for e in &overall {
        assert_eq!(
            e.figures.overall_score,
            Some(scores[e.producer_id.as_str()])
        );
    }
    for ((b, p), entries) in &boards {
        for e in entries {
            assert_eq!(
                summary[e.producer_id.as_str()].rank(*b, *p),
                Some(e.rank),
                "{b} {p}"
            );
        }
    }
    // A first run: no baseline, so the plays-based windows are empty.
    for p in [Period::Days7, Period::Days30] {
        assert!(board(Board::Plays, p).is_empty() && board(Board::Collaborations, p).is_empty());
    }
}

#[tokio::test]
async fn a_run_killed_midway_leaves_readers_on_the_previous_run_and_reruns_identically() {
    let settings = Settings {
        segments: 4,
        page_size: Some(50),
        ..Settings::default()
    };
    let day2 = as_of() + TimeDelta::days(1);

    // The reference: two uninterrupted runs.
    let clean = TestTable::create("recompute-clean").await;
    generated(&clean.store(), 100, 1_000).await;
    for when in [as_of(), day2] {
        recompute(
            &clean.store(),
            &settings,
            when,
            Deadline(None),
            &RunProgress::default(),
            when,
        )
        .await
        .expect("run");
    }

    // The same catalog; the second run is killed once it has written some items.
    let table = TestTable::create("recompute-killed").await;
    let store = table.store();
    generated(&store, 100, 1_000).await;
    recompute(
        &store,
        &settings,
        as_of(),
        Deadline(None),
        &RunProgress::default(),
        as_of(),
    )
    .await
    .expect("run 1");
    let before = summary(&store, &run_id(as_of()), "p0").await;
    let progress = Arc::new(RunProgress::default());
    let task = {
        let (store, settings, progress) = (store.clone(), settings.clone(), progress.clone());
        tokio::spawn(async move {
            recompute(&store, &settings, day2, Deadline(None), &progress, day2).await
        })
    };
    while progress.items_written() < 300 && !task.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    task.abort();
    assert!(task.await.is_err(), "the run was killed before it finished");
    assert!(progress.items_written() >= 300);

    // Readers still see run 1, whole.
    let pointer = store
        .runs()
        .latest_run()
        .await
        .expect("pointer")
        .expect("run 1 is published");
    assert_eq!(pointer.run_id, run_id(as_of()));
    assert_eq!(summary(&store, &pointer.run_id, "p0").await, before);

    // Running the same event again completes it, identical to the uninterrupted run.
    let rerun = recompute(
        &store,
        &settings,
        day2,
        Deadline(None),
        &RunProgress::default(),
        day2,
    )
    .await
    .expect("rerun");
    assert!(rerun.published);
    let (got, want) = (
        run_items(&table, &run_id(day2)).await,
        run_items(&clean, &run_id(day2)).await,
    );
    assert_eq!(got.len(), want.len());
    assert!(
        got == want,
        "the rerun wrote different items than an uninterrupted run"
    );
}

#[tokio::test]
async fn a_run_past_its_deadline_publishes_nothing() {
    let table = TestTable::create("recompute-deadline").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let soon = Deadline(Some(
        std::time::SystemTime::now() + std::time::Duration::from_secs(5),
    ));
    let result = recompute(
        &store,
        &Settings::default(),
        as_of(),
        soon,
        &RunProgress::default(),
        as_of(),
    )
    .await;
    assert!(
        matches!(
            result,
            Err(recompute::RecomputeError::DeadlineApproaching { .. })
        ),
        "{result:?}"
    );
    assert_eq!(store.runs().latest_run().await.expect("pointer"), None);
}

#[tokio::test]
async fn the_handler_reads_the_scheduled_event() {
    let table = TestTable::create("recompute-handler").await;
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    let event = json!({"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-21T00:00:00Z","region":"eu-west-1","resources":[],"detail":{}});
    let summary = recompute::handle(
        &store,
        &Settings::default(),
        event,
        Deadline(None),
        at("2026-11-21T00:00:07Z"),
    )
    .await
    .expect("run");
    let recompute::shards::Outcome::Run(summary) = summary else {
        panic!("a scheduled event answered {summary:?}")
    };
    assert_eq!(
        (summary.published, summary.run_id.as_str()),
        (true, "20261121T000000.000Z")
    );
    let bad = recompute::handle(
        &store,
        &Settings::default(),
        json!({"time": "soon"}),
        Deadline(None),
        as_of(),
    )
    .await;
    assert!(matches!(bad, Err(recompute::RecomputeError::BadEvent(_))));
}

/// Everything a reader can get from `run`: every producer's lists (`p0`..), every board and
/// trending, read whole.
async fn every_list(store: &Store, run: &RunId, producers: usize) -> Vec<String> {
    let mut read = Vec::new();
    for i in 0..producers {
        let p = format!("p{i}");
        let lists = (
            store
                .runs()
                .producer_list::<Contribution>(run, &pid(&p), 1000, None)
                .await
                .expect("read"),
            store
                .runs()
                .producer_list::<Collaborator>(run, &pid(&p), 1000, None)
                .await
                .expect("read"),
            store
                .runs()
                .producer_list::<Recommendation>(run, &pid(&p), 1000, None)
                .await
                .expect("read"),
        );
        read.push(format!(
            "{p}: {:?} {:?} {:?}",
            lists.0.map(|l| l.items),
            lists.1.map(|l| l.items),
            lists.2.map(|l| l.items)
        ));
    }
    for (b, p) in Board::every_period() {
        read.push(format!("{b} {p}: {:?}", board_over(store, run, b, p).await));
    }
    read.push(format!("trending: {:?}", trending(store, run).await));
    read
}

/// Review finding (layout, "orphans"): an attempt that wrote its lists and died before its meta
/// item, then a re-run of the same as-of over a changed catalog, must answer exactly what the
/// re-run computed: no entry, chunk or rank of the failed attempt shows.
#[tokio::test]
async fn a_run_redone_after_a_partial_attempt_answers_only_its_own_results() {
    const PRODUCERS: usize = 40;
    // The failed attempt saw a bigger catalog: longer lists, more chunks, more ranks.
    let bigger: String = generate(Spec {
        producers: PRODUCERS,
        tracks: 1_600,
        seed: 11,
        as_of: as_of(),
    })
    .map(|l| l + "\n")
    .collect();
    let clean = TestTable::create("rerun-clean").await;
    generated(&clean.store(), PRODUCERS, 400).await;
    run_at(&clean.store(), as_of()).await;

    let table = TestTable::create("rerun").await;
    let store = table.store();
    generated(&store, PRODUCERS, 400).await;
    // The failed attempt: every list written under the run's id, then nothing (no meta, no
    // pointer), as when the function dies before its meta item.
    let run = run_id(as_of());
    {
        let (parsed, _) = parse(bigger.as_bytes());
        let mut agg = recompute::aggregate::Aggregate::new(as_of());
        for producer in parsed.producers {
            agg.add_profile(producer);
        }
        for track in &parsed.tracks {
            agg.add_track(track);
        }
        agg.seal();
        let pairs = std::mem::take(&mut agg.pairs);
        let plan = recompute::compute::RunPlan::new(
            &agg,
            pairs,
            &recompute::compute::RunContext {
                run_id: &run,
                baselines: [None, None],
            },
        );
        let stats = store::BatchStats::default();
        let scope = store::runs::published::RunScope {
            run_id: run.clone(),
            expires_at: store::runs::published::expires_at(
                as_of(),
                store::runs::published::DEFAULT_RETENTION,
            ),
        };
        let mut sink = store::runs::sink::RunSink::new(
            scope,
            store::runs::sink::TableSink::new(&store, &stats),
        );
        recompute::run::write_results(&plan, &mut sink)
            .await
            .expect("the failed attempt's lists");
        sink.into_sink().flush().await.expect("written");
    }
    let attempt_items = run_items(&table, &run).await.len();
    assert_eq!(store.runs().latest_run().await.expect("pointer"), None);

    run_at(&store, as_of()).await;
    let left_behind = run_items(&table, &run).await.len() - run_items(&clean, &run).await.len();
    assert!(
        left_behind > 0,
        "the attempt ({attempt_items} items) must leave chunks the re-run does not overwrite"
    );
    let expected = every_list(&clean.store(), &run, PRODUCERS).await;
    let answered = every_list(&store, &run, PRODUCERS).await;
    for (want, got) in expected.iter().zip(&answered) {
        assert_eq!(want, got);
    }
    assert_eq!(expected.len(), answered.len());
}
