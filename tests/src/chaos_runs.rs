//! Import and recompute through 10% faults end with exactly the table a fault-free run writes,
//! and a recompute killed at random points, many times over, never leaves readers on a partial
//! run and converges to the fault-free results when run again.

use std::collections::BTreeMap;
use std::sync::Arc;

use catalog::jsonl::parse;
use chrono::TimeDelta;
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use store::Store;
use store::runs::published::run_id;
use store::tools::raw::Item;

use crate::support::chaos::run_items;
use crate::support::chaos::{
    assert_consistent, assert_faulted, assert_same_items, faulty_proxy, sized, store_through,
    table_items,
};
use crate::support::dynamodb::TestTable;
use crate::support::fixtures::{as_of, generated};

fn settings() -> Settings {
    Settings {
        segments: 4,
        page_size: Some(50),
        ..Settings::default()
    }
}

async fn run(store: &Store, when: chrono::DateTime<chrono::Utc>) {
    let summary = recompute(
        store,
        &settings(),
        when,
        Deadline(None),
        &RunProgress::default(),
        when,
    )
    .await
    .expect("the run completes");
    assert!(summary.published);
}

/// The table without the pointer's `publishedAt` (the wall-clock instant of publishing).
async fn comparable(table: &TestTable) -> BTreeMap<(String, String), Item> {
    let mut items = table_items(table).await;
    for item in items.values_mut() {
        item.remove("publishedAt");
    }
    items
}

#[tokio::test]
async fn import_and_recompute_through_faults_match_a_fault_free_run() {
    let (producers, tracks) = sized((80, 800), (1_000, 20_000));
    let clean = TestTable::create("chaos-clean").await;
    let text = generated(&clean.store(), producers, tracks).await;
    let imported = comparable(&clean).await;
    run(&clean.store(), as_of()).await;

    let table = TestTable::create("chaos-faulted").await;
    let proxy = faulty_proxy("chaos-import-recompute").await;
    let store = store_through(&proxy, &table).await;
    let (parsed, errors) = parse(text.as_bytes());
    assert!(errors.is_empty());
    let report = store
        .import_catalog(parsed, as_of(), &|_| ())
        .await
        .expect("the import completes through faults");
    println!("import through faults: {report:?}");
    assert_same_items(&comparable(&table).await, &imported);

    run(&store, as_of()).await;
    assert_same_items(&comparable(&table).await, &comparable(&clean).await);
    assert_faulted(&proxy.tally());
    assert_consistent(&table).await;
}

#[tokio::test]
async fn runs_killed_at_random_points_through_faults_never_show_and_converge() {
    let (producers, tracks, kills) = sized((60, 500, 6), (300, 3_000, 40));
    let day2 = as_of() + TimeDelta::days(1);

    // The reference: both days, uninterrupted, without faults.
    let clean = TestTable::create("chaos-kill-clean").await;
    generated(&clean.store(), producers, tracks).await;
    run(&clean.store(), as_of()).await;
    run(&clean.store(), day2).await;
    let day2_items = run_items(&clean, &run_id(day2)).await.len() as u64;

    let table = TestTable::create("chaos-kill").await;
    generated(&table.store(), producers, tracks).await;
    let proxy = faulty_proxy("chaos-kill").await;
    let store = store_through(&proxy, &table).await;
    run(&store, as_of()).await;

    for kill in 0..kills {
        // Killed once a random share of the run's items is written (0: while still scanning).
        let kill_after = fastrand::u64(0..day2_items);
        let progress = Arc::new(RunProgress::default());
        let task = {
            let (store, progress) = (store.clone(), progress.clone());
            tokio::spawn(async move {
                recompute(&store, &settings(), day2, Deadline(None), &progress, day2).await
            })
        };
        while progress.items_written() < kill_after && !task.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        task.abort();
        let finished = matches!(task.await, Ok(Ok(_)));
        let pointer = table.store().runs().latest_run().await.expect("pointer");
        let pointer = pointer.expect("day 1 stays published").run_id;
        if finished {
            // It won the race to the end: then it is published, whole.
            assert_eq!(pointer, run_id(day2), "kill {kill}");
            break;
        }
        assert_eq!(
            pointer,
            run_id(as_of()),
            "kill {kill} after {kill_after} items left readers on a partial run"
        );
        assert_consistent(&table).await;
    }

    run(&store, day2).await;
    assert_eq!(
        table
            .store()
            .runs()
            .latest_run()
            .await
            .expect("pointer")
            .map(|p| p.run_id),
        Some(run_id(day2))
    );
    assert_same_items(
        &run_items(&table, &run_id(day2)).await,
        &run_items(&clean, &run_id(day2)).await,
    );
    assert_faulted(&proxy.tally());
    assert_consistent(&table).await;
}
