//! Catalog import against DynamoDB Local: whole-file rejection, upsert, idempotence.

use catalog::jsonl::{LineProblem, parse};
use store::Store;
use store::tools::import::{ImportError, ImportReport};

use crate::support::dynamodb::TestTable;
use crate::support::fixtures::{at, discography_ids, pid, stored_producer, stored_track, tid};

async fn import(store: &Store, text: &str) -> Result<ImportReport, ImportError> {
    let (parsed, errors) = parse(text.as_bytes());
    if !errors.is_empty() {
        return Err(ImportError::Rejected(errors));
    }
    store
        .import_catalog(parsed, at("2026-11-21T00:00:00Z"), &|_| ())
        .await
}

const CATALOG: &str = r#"{"kind":"producer","id":"p1","name":"Nova Beats","genres":["trap"],"styles":["dark","melodic"],"stripeAccountId":"acct_1"}
{"kind":"producer","id":"p2","name":"Kid Lumen","genres":["trap","drill"]}
{"kind":"track","id":"t1","title":"Midnight","uploaderId":"p1","credits":["p1","p2"],"uploadedAt":"2026-08-21T00:00:00Z","plays":1200,"exclusiveOnly":false,"genre":"trap"}
{"kind":"track","id":"t2","title":"Solo","uploaderId":"p2","credits":["p2"],"uploadedAt":"2026-09-01T00:00:00Z","plays":5}
"#;

#[tokio::test]
async fn import_is_an_idempotent_upsert() {
    let table = TestTable::create("import").await;
    let store = table.store();

    let first = import(&store, CATALOG).await.expect("import");
    assert_eq!((first.producers_written, first.tracks_created), (2, 2));
    let t1 = stored_track(&store, "t1").await;
    assert_eq!((t1.version, t1.track.plays), (1, 1200));
    assert_eq!(discography_ids(&store, "p2", true).await.len(), 1);
    assert_eq!(
        store
            .catalog()
            .search_producers("lum", 5)
            .await
            .expect("search")
            .len(),
        1
    );

    let second = import(&store, CATALOG).await.expect("re-import");
    assert_eq!(
        second,
        ImportReport {
            producers_unchanged: 2,
            tracks_unchanged: 2,
            ..ImportReport::default()
        }
    );

    // Changed credits and plays: the track, its discography and its history follow.
    let changed = CATALOG
        .replace(r#""credits":["p1","p2"]"#, r#""credits":["p1"]"#)
        .replace(r#""plays":5"#, r#""plays":50"#);
    let third = import(&store, &changed).await.expect("import changes");
    assert_eq!((third.tracks_updated, third.tracks_unchanged), (2, 0));
    let t1 = stored_track(&store, "t1").await;
    assert_eq!(
        (t1.version, t1.track.credits.producers()),
        (2, &[pid("p1")][..])
    );
    assert!(
        !discography_ids(&store, "p2", false)
            .await
            .contains(&"t1".to_owned())
    );
    assert!(discography_ids(&store, "p1", true).await.is_empty());
    let history = store
        .catalog()
        .credit_history(&tid("t1"), 10, None)
        .await
        .expect("history");
    assert_eq!(history.items[0].after, vec![pid("p1")]);
    // A plays-only change keeps the version (it is the credits ETag).
    let t2 = stored_track(&store, "t2").await;
    assert_eq!((t2.version, t2.track.plays), (1, 50));
}

#[tokio::test]
async fn a_file_with_bad_lines_is_rejected_whole_with_each_line_named() {
    let table = TestTable::create("import-reject").await;
    let store = table.store();
    import(&store, CATALOG).await.expect("seed");

    // p1 is in the table, so a file may credit it without defining it; p404 is nowhere.
    let referencing = r#"{"kind":"producer","id":"p3","name":"Echo"}
{"kind":"track","id":"t3","title":"Ok","uploaderId":"p3","credits":["p3","p1"],"uploadedAt":"2026-10-01T00:00:00Z","plays":1}
{"kind":"track","id":"t4","title":"Bad","uploaderId":"p3","credits":["p3","p404"],"uploadedAt":"2026-10-01T00:00:00Z","plays":1}
"#;
    match import(&store, referencing).await {
        Err(ImportError::Rejected(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].line, 3);
            assert!(
                matches!(&errors[0].problem, LineProblem::UnknownProducer { id, .. } if id.as_str() == "p404")
            );
        }
        other => panic!("expected rejection, got {other:?}"),
    }
    // Nothing of the file was written, not even its good lines.
    assert_eq!(
        store.catalog().get_producer(&pid("p3")).await.expect("get"),
        None
    );
    assert_eq!(
        store.catalog().get_track(&tid("t3")).await.expect("get"),
        None
    );

    let malformed = "{\"kind\":\"producer\",\"id\":\"p5\",\"name\":\"Five\"}\n{oops\n{\"kind\":\"track\",\"id\":\"t9\",\"title\":\"x\",\"uploaderId\":\"p5\",\"credits\":[\"p5\"],\"uploadedAt\":\"2026-10-01T00:00:00Z\",\"plays\":-1}\n";
    match import(&store, malformed).await {
        Err(ImportError::Rejected(errors)) => {
            assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
        }
        other => panic!("expected rejection, got {other:?}"),
    }
    assert_eq!(
        store.catalog().get_producer(&pid("p5")).await.expect("get"),
        None
    );
}

async fn import_as_of(store: &Store, text: &str, as_of: &str) -> ImportReport {
    let (parsed, errors) = parse(text.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    store
        .import_catalog(parsed, at(as_of), &|_| ())
        .await
        .expect("import")
}

/// Review I3: a backfill after go-live must not undo the live feed. The file describes the
/// catalog as of its instant; what the feed applied after that instant (a Stripe account, the
/// payout flags, a play count, a retitled track) is kept, and the rest of the file is imported.
/// An import newer than the feed's messages still wins, and a feed message older than an import
/// is stale.
#[tokio::test]
async fn an_import_older_than_a_feed_message_leaves_the_feeds_values() {
    let table = TestTable::create("import-vs-feed").await;
    let store = table.store();
    import_as_of(&store, CATALOG, "2026-11-21T00:00:00Z").await;

    // The feed, a day later: p2 connects Stripe, t1 is counted and retitled.
    let feed = [
        serde_json::json!({"type": "producer", "at": "2026-11-22T00:00:00Z", "id": "p2",
            "stripeAccountId": "acct_2", "chargesEnabled": true, "payoutsEnabled": true}),
        serde_json::json!({"type": "plays", "at": "2026-11-22T00:00:00Z",
            "counts": [{"trackId": "t1", "plays": 5000}]}),
        serde_json::json!({"type": "track", "at": "2026-11-22T00:00:00Z", "trackId": "t1",
            "title": "Midnight (Remaster)", "uploaderId": "p1",
            "uploadedAt": "2026-08-21T00:00:00Z", "credits": ["p1", "p2"], "genre": "trap"}),
    ];
    assert_eq!(
        crate::support::feed::deliver_at(&store, &feed, at("2026-11-22T00:05:00Z")).await,
        Vec::<String>::new()
    );

    // A backfill from an export taken before the feed's messages: p2 has no account there, t1
    // has its old plays and title, and t2 has new credits and plays the feed never touched.
    let older = CATALOG
        .replace(
            r#""id":"p2","name":"Kid Lumen""#,
            r#""id":"p2","name":"Kid Lumen II""#,
        )
        .replace(
            r#""credits":["p2"],"uploadedAt":"2026-09-01T00:00:00Z","plays":5"#,
            r#""credits":["p2","p1"],"uploadedAt":"2026-09-01T00:00:00Z","plays":9"#,
        );
    let report = import_as_of(&store, &older, "2026-11-21T12:00:00Z").await;
    // p2's payout fields are newer in the table (the feed's), its profile fields are not (review
    // N3: each group is newest-wins on its own stamp): the name is imported, the account kept.
    assert_eq!(
        (report.producers_newer_in_table, report.producers_written),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(
        report.tracks_newer_in_table, 1,
        "t1 keeps the feed's plays and title"
    );
    let p2 = stored_producer(&store, "p2").await;
    assert!(
        p2.payout_ready(),
        "the feed's account and flags are kept: {p2:?}"
    );
    assert_eq!(
        p2.name, "Kid Lumen II",
        "the profile fields were older in the table than the file"
    );
    let t1 = stored_track(&store, "t1").await;
    assert_eq!(
        (t1.track.plays, t1.track.title.as_str()),
        (5000, "Midnight (Remaster)")
    );
    let t2 = stored_track(&store, "t2").await;
    assert_eq!(
        (t2.track.plays, t2.track.credits.producers().len()),
        (9, 2),
        "the rest of the file is imported"
    );

    // A newer export wins; the feed's older messages are then stale.
    let newer = older.replace(r#""plays":1200"#, r#""plays":7000"#);
    let report = import_as_of(&store, &newer, "2026-11-23T00:00:00Z").await;
    assert_eq!(report.producers_newer_in_table, 0);
    let p2 = stored_producer(&store, "p2").await;
    assert_eq!(p2.name, "Kid Lumen II");
    assert!(!p2.payout_ready(), "the newer export has no account for p2");
    let t1 = stored_track(&store, "t1").await;
    assert_eq!(
        (t1.track.plays, t1.track.title.as_str()),
        (7000, "Midnight")
    );
    assert_eq!(
        crate::support::feed::deliver_at(&store, &feed, at("2026-11-23T00:05:00Z")).await,
        Vec::<String>::new()
    );
    let t1 = stored_track(&store, "t1").await;
    assert_eq!(
        t1.track.plays, 7000,
        "a feed message older than the import is stale"
    );
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}
