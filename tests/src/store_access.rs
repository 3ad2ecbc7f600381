//! Every access pattern of `docs/data-model.md` for profiles, tracks, discographies and history,
//! against DynamoDB Local, including the all-or-nothing credit transactions.

use contribution::ProducerId;
use store::StoreError;

use crate::support::dynamodb::TestTable;
use crate::support::fixtures::{credits, discography_ids, edit_by, pid, producer, tid, track};

async fn seeded(test: &str, producers: &[(&str, &str)]) -> TestTable {
    let table = TestTable::create(test).await;
    let store = table.store();
    for (id, name) in producers {
        store
            .catalog()
            .put_producer(&producer(id, name))
            .await
            .expect("put producer");
    }
    table
}

fn ids(entries: &[store::catalog::items::DiscographyEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.track_id.as_str()).collect()
}

#[tokio::test]
async fn profiles_by_id_and_by_name_prefix_case_insensitively() {
    let table = seeded(
        "profiles",
        &[
            ("p1", "Nova Beats"),
            ("p2", "Kid Lumen"),
            ("p3", "novak"),
            ("p4", "Ünder Nova"),
        ],
    )
    .await;
    let store = table.store();

    let p1 = store
        .catalog()
        .get_producer(&pid("p1"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(p1, producer("p1", "Nova Beats"));
    assert_eq!(
        store
            .catalog()
            .get_producer(&pid("nobody"))
            .await
            .expect("get"),
        None
    );

    let names = |hits: Vec<store::catalog::producers::ArtistMatch>| {
        let mut ids: Vec<String> = hits
            .into_iter()
            .map(|h| h.producer_id.to_string())
            .collect();
        ids.sort();
        ids
    };
    // Any word of the name, any case; each producer once.
    assert_eq!(
        names(
            store
                .catalog()
                .search_producers("NOVA", 10)
                .await
                .expect("search")
        ),
        ["p1", "p3", "p4"]
    );
    assert_eq!(
        names(
            store
                .catalog()
                .search_producers("lum", 10)
                .await
                .expect("search")
        ),
        ["p2"]
    );
    assert_eq!(
        names(
            store
                .catalog()
                .search_producers("ün", 10)
                .await
                .expect("search")
        ),
        ["p4"]
    );
    assert_eq!(
        names(
            store
                .catalog()
                .search_producers("nova be", 10)
                .await
                .expect("search")
        ),
        ["p1"]
    );
    assert_eq!(
        store
            .catalog()
            .search_producers("zzz", 10)
            .await
            .expect("search")
            .len(),
        0
    );
    assert_eq!(
        store
            .catalog()
            .search_producers("  ", 10)
            .await
            .expect("search")
            .len(),
        0
    );
    assert_eq!(
        store
            .catalog()
            .search_producers("nova", 2)
            .await
            .expect("search")
            .len(),
        2
    );

    // Renaming replaces the search entries: the old name no longer finds the profile.
    store
        .catalog()
        .put_producer(&producer("p2", "Atlas Keys"))
        .await
        .expect("rename");
    assert!(
        store
            .catalog()
            .search_producers("lumen", 10)
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        names(
            store
                .catalog()
                .search_producers("atl", 10)
                .await
                .expect("search")
        ),
        ["p2"]
    );

    let many = store
        .catalog()
        .get_producers(&[pid("p1"), pid("p2"), pid("ghost")])
        .await
        .expect("batch get");
    assert_eq!(many.len(), 2);
    assert_eq!(
        store
            .catalog()
            .unknown_producers(&[pid("p1"), pid("ghost"), pid("p9")])
            .await
            .expect("check"),
        vec![pid("ghost"), pid("p9")]
    );
}

#[tokio::test]
async fn a_created_track_is_on_every_credited_discography_at_once() {
    let table = seeded(
        "create-track",
        &[("p1", "Nova"), ("p2", "Kid"), ("p3", "Echo")],
    )
    .await;
    let store = table.store();
    let solo = track("t1", "p1", &["p1"], "2026-01-01T00:00:00Z");
    let duo = track("t2", "p1", &["p1", "p2"], "2026-02-01T00:00:00Z");
    store
        .catalog()
        .create_track(&solo, &edit_by("p1"))
        .await
        .expect("create solo");
    let stored = store
        .catalog()
        .create_track(&duo, &edit_by("p1"))
        .await
        .expect("create duo");
    assert_eq!(stored.version, 1);

    let read = store
        .catalog()
        .get_track(&tid("t2"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(read, stored);
    assert_eq!(
        store.catalog().get_track(&tid("nope")).await.expect("get"),
        None
    );

    // Newest first; the collaborative view holds only 2+-credit tracks.
    let p1 = store
        .catalog()
        .discography(&pid("p1"), false, 50, None)
        .await
        .expect("discography");
    assert_eq!(ids(&p1.items), ["t2", "t1"]);
    assert_eq!(p1.items[0].credits, credits(&["p1", "p2"]));
    assert_eq!(discography_ids(&store, "p1", true).await, ["t2"]);
    assert_eq!(discography_ids(&store, "p2", false).await, ["t2"]);

    // Creating the same id again is refused and changes nothing.
    let again = store.catalog().create_track(&solo, &edit_by("p1")).await;
    assert!(
        matches!(again, Err(StoreError::TrackExists(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn credit_edits_move_discography_entries_and_record_history() {
    let table = seeded(
        "edit-credits",
        &[("p1", "Nova"), ("p2", "Kid"), ("p3", "Echo")],
    )
    .await;
    let store = table.store();
    let created = store
        .catalog()
        .create_track(
            &track("t1", "p1", &["p1", "p2"], "2026-01-01T00:00:00Z"),
            &edit_by("p1"),
        )
        .await
        .expect("create");

    let edited = store
        .catalog()
        .replace_credits(&created, credits(&["p1", "p3"]), &edit_by("p1"))
        .await
        .expect("edit");
    assert_eq!(edited.version, 2);
    assert_eq!(
        store.catalog().get_track(&tid("t1")).await.expect("get"),
        Some(edited.clone())
    );
    assert!(discography_ids(&store, "p2", false).await.is_empty());
    let p3 = store
        .catalog()
        .discography(&pid("p3"), true, 50, None)
        .await
        .expect("read");
    assert_eq!((ids(&p3.items), p3.items[0].version), (vec!["t1"], 2));

    // Back to solo: the track leaves every collaborative view.
    let solo = store
        .catalog()
        .replace_credits(&edited, credits(&["p1"]), &edit_by("p1"))
        .await
        .expect("edit");
    assert!(discography_ids(&store, "p1", true).await.is_empty());
    assert_eq!(discography_ids(&store, "p1", false).await, ["t1"]);

    // History, newest first, paged.
    let first = store
        .catalog()
        .credit_history(&tid("t1"), 2, None)
        .await
        .expect("history");
    let versions: Vec<u64> = first.items.iter().map(|h| h.version).collect();
    assert_eq!(versions, [3, 2]);
    assert_eq!(first.items[0].before, vec![pid("p1"), pid("p3")]);
    assert_eq!(first.items[0].after, vec![pid("p1")]);
    assert_eq!(first.items[0].changed_by, pid("p1"));
    let cursor = first.next_cursor.expect("more history");
    let rest = store
        .catalog()
        .credit_history(&tid("t1"), 2, Some(&cursor))
        .await
        .expect("history");
    assert_eq!(
        rest.items.iter().map(|h| h.version).collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(rest.items[0].before, Vec::<ProducerId>::new());
    assert_eq!(solo.version, 3);

    // A cursor of another partition is refused.
    let forged = store
        .catalog()
        .credit_history(&tid("t2"), 2, Some(&cursor))
        .await;
    assert!(matches!(forged, Err(StoreError::BadCursor)), "{forged:?}");
}

#[tokio::test]
async fn a_failed_condition_leaves_nothing_half_written() {
    let table = seeded("atomic", &[("p1", "Nova"), ("p2", "Kid")]).await;
    let store = table.store();
    let v1 = store
        .catalog()
        .create_track(
            &track("t1", "p1", &["p1"], "2026-01-01T00:00:00Z"),
            &edit_by("p1"),
        )
        .await
        .expect("create");

    // Unknown producers: refused, named, and no entry or history written for anyone.
    let unknown = store
        .catalog()
        .replace_credits(
            &v1,
            credits(&["p1", "ghost", "p2", "phantom"]),
            &edit_by("p1"),
        )
        .await;
    match unknown {
        Err(StoreError::UnknownProducers(ids)) => {
            assert_eq!(ids, vec![pid("ghost"), pid("phantom")])
        }
        other => panic!("expected unknown producers, got {other:?}"),
    }
    assert!(discography_ids(&store, "p2", false).await.is_empty());
    assert_eq!(
        store.catalog().get_track(&tid("t1")).await.expect("get"),
        Some(v1.clone())
    );
    assert_eq!(
        store
            .catalog()
            .credit_history(&tid("t1"), 10, None)
            .await
            .expect("history")
            .items
            .len(),
        1
    );

    // A stale version: refused, nothing changes.
    let v2 = store
        .catalog()
        .replace_credits(&v1, credits(&["p1", "p2"]), &edit_by("p1"))
        .await
        .expect("edit");
    let stale = store
        .catalog()
        .replace_credits(&v1, credits(&["p2"]), &edit_by("p1"))
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { expected: 1, .. })),
        "{stale:?}"
    );
    assert_eq!(
        store.catalog().get_track(&tid("t1")).await.expect("get"),
        Some(v2)
    );
    assert_eq!(discography_ids(&store, "p1", false).await, ["t1"]);

    // A new track crediting an unknown producer is not created at all.
    let orphan = store
        .catalog()
        .create_track(
            &track("t2", "p1", &["p1", "ghost"], "2026-01-01T00:00:00Z"),
            &edit_by("p1"),
        )
        .await;
    assert!(
        matches!(orphan, Err(StoreError::UnknownProducers(_))),
        "{orphan:?}"
    );
    assert_eq!(
        store.catalog().get_track(&tid("t2")).await.expect("get"),
        None
    );
    assert_eq!(discography_ids(&store, "p1", false).await, ["t1"]);
}

#[tokio::test]
async fn of_racing_edits_on_one_version_exactly_one_wins() {
    let table = seeded(
        "race",
        &[
            ("p1", "Nova"),
            ("p2", "Kid"),
            ("p3", "Echo"),
            ("p4", "Atlas"),
        ],
    )
    .await;
    let store = table.store();
    let v1 = store
        .catalog()
        .create_track(
            &track("t1", "p1", &["p1"], "2026-01-01T00:00:00Z"),
            &edit_by("p1"),
        )
        .await
        .expect("create");
    let attempts = [
        ["p1", "p2"],
        ["p1", "p3"],
        ["p1", "p4"],
        ["p2", "p3"],
        ["p3", "p4"],
        ["p2", "p4"],
    ];
    let results = futures_util::future::join_all(attempts.iter().map(|ids| {
        let store = store.clone();
        let v1 = v1.clone();
        async move {
            store
                .catalog()
                .replace_credits(&v1, credits(ids), &edit_by("p1"))
                .await
        }
    }))
    .await;
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for loser in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(loser, Err(StoreError::VersionConflict { .. })),
            "{loser:?}"
        );
    }
    let stored = store
        .catalog()
        .get_track(&tid("t1"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(&stored, winners[0]);
    // The discography matches the winner exactly.
    for p in ["p1", "p2", "p3", "p4"] {
        let on = !discography_ids(&store, p, false).await.is_empty();
        assert_eq!(on, stored.track.credits.contains(&pid(p)), "{p}");
    }
}

#[tokio::test]
async fn discographies_page_to_the_end() {
    let table = seeded("paging", &[("p1", "Nova")]).await;
    let store = table.store();
    for day in 1..=7 {
        let t = track(
            &format!("t{day}"),
            "p1",
            &["p1"],
            &format!("2026-03-0{day}T00:00:00Z"),
        );
        store
            .catalog()
            .create_track(&t, &edit_by("p1"))
            .await
            .expect("create");
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .catalog()
            .discography(&pid("p1"), false, 3, cursor.as_deref())
            .await
            .expect("page");
        seen.extend(page.items.iter().map(|e| e.track_id.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["t7", "t6", "t5", "t4", "t3", "t2", "t1"]);
}
