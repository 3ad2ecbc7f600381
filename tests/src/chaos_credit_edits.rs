//! Concurrent credit edits through 10% faults: every edit is applied exactly when its caller was
//! told 200, none half-applied, and the table stays consistent.

use serde_json::json;

use crate::support::api::{credited, credits as call, edit_until_applied};
use crate::support::chaos::{
    assert_consistent, assert_faulted, faulty_proxy, seed, sized, store_through,
};
use crate::support::dynamodb::{TestTable, endpoint};
use crate::support::events::Http;
use crate::support::fault_proxy::{FaultProxy, Faults};
use crate::support::fixtures::{accept_track, discography_ids, producer};

#[tokio::test]
async fn concurrent_edits_through_faults_are_each_all_or_nothing() {
    let proxy = faulty_proxy("chaos-edits").await;
    // At most 18 joiners: with p1 and p2, 20 credits is the limit.
    edit_race(&proxy, sized(10, 18), sized(1, 5)).await;
    assert_faulted(&proxy.tally());
}

#[tokio::test]
async fn edits_applied_but_unanswered_are_reported_applied_not_conflicted() {
    // Half of all credit transactions go in but their answer never comes back.
    let faults = Faults {
        drop_after: 0.5,
        only: Some("TransactWriteItems"),
        ..Faults::NONE
    };
    let proxy = FaultProxy::start(&endpoint(), faults, seed("chaos-edits-unanswered"))
        .await
        .expect("proxy");
    edit_race(&proxy, 6, 1).await;
    let lost = proxy.applied_unanswered("TransactWriteItems");
    println!("{lost} credit transactions were applied but never answered");
    assert!(lost > 0, "no transaction answer was lost");
}

/// `editors` producers join a track at once and then leave it at once, `rounds` times, through
/// `proxy`; every edit must be told 200 exactly once and the table must stay consistent.
async fn edit_race(proxy: &FaultProxy, editors: usize, rounds: usize) {
    let table = TestTable::create("chaos-edits").await;
    let clean = table.store();
    let joiners: Vec<String> = (0..editors).map(|i| format!("r{i}")).collect();
    for id in ["p1", "p2"]
        .into_iter()
        .chain(joiners.iter().map(String::as_str))
    {
        clean
            .catalog()
            .put_producer(&producer(id, "Racer"))
            .await
            .expect("seed");
    }
    accept_track(
        &clean,
        json!({"trackId": "t1", "title": "Midnight", "uploaderId": "p1", "credits": ["p1", "p2"], "uploadedAt": "2026-08-21T00:00:00Z"}),
    )
    .await;

    let store = store_through(proxy, &table).await;
    let mut conflicts = 0;
    for round in 0..rounds {
        // Everyone joins at once...
        conflicts += futures_util::future::join_all(joiners.iter().map(|id| {
            edit_until_applied(
                &store,
                move || Http::post("/tracks/t1/credits", json!({"producerId": id})),
                move |now| now.contains(id),
            )
        }))
        .await
        .into_iter()
        .sum::<u32>();
        let read = call(&clean, Http::get("/tracks/t1/credits").caller("p1")).await;
        let now = credited(&read);
        assert_eq!(now.len(), 2 + editors, "round {round}: {now:?}");
        assert!(joiners.iter().all(|j| now.contains(j)), "{now:?}");
        assert_consistent(&table).await;

        // ...then everyone leaves at once.
        conflicts += futures_util::future::join_all(joiners.iter().map(|id| {
            edit_until_applied(
                &store,
                move || Http::delete(&format!("/tracks/t1/credits/{id}")),
                move |now| !now.contains(id),
            )
        }))
        .await
        .into_iter()
        .sum::<u32>();
        let read = call(&clean, Http::get("/tracks/t1/credits").caller("p1")).await;
        assert_eq!(credited(&read), ["p1", "p2"], "round {round}");
    }
    println!("{conflicts} If-Match conflicts were resolved by re-reading");

    // Each applied edit is one version and one history entry: none applied twice or unreported.
    let edits = (2 * editors * rounds) as u64;
    let read = call(&clean, Http::get("/tracks/t1/credits").caller("p1")).await;
    assert_eq!(read.body["version"], json!(1 + edits));
    let history = clean
        .catalog()
        .credit_history(&crate::support::fixtures::tid("t1"), 1_000, None)
        .await
        .expect("history");
    assert_eq!(history.items.len() as u64, 1 + edits);
    for id in &joiners {
        assert!(discography_ids(&clean, id, false).await.is_empty(), "{id}");
    }
    assert_consistent(&table).await;
}
