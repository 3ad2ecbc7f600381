//! `Credit Changed` events: every committed credit change reaches each producer it touches once,
//! through the table's stream, `fanout`'s handler and the bus (an EventBridge stand-in, behind
//! the fault proxy for the chaos case); nothing is announced that did not commit.

use std::collections::{BTreeMap, BTreeSet};

use credits::Config;
use serde_json::{Value, json};
use store::Store;

use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply};
use crate::support::fanout::{FanoutWorld, start_bus};
use crate::support::fault_proxy::{FaultProxy, Faults};
use crate::support::fixtures::{accept_track, at, seed_producers};

async fn edit(store: &Store, request: Http) -> Reply {
    let config = Config::unlimited(http_edge::EdgeConfig::JWT);
    credits::handle(store, &config, request.build(), at("2026-11-21T12:00:00Z"))
        .await
        .into()
}

/// p1 to p5 with profiles, and t1 (by p1, crediting p1 and p2) accepted from the platform.
async fn platform(test: &str) -> TestTable {
    let table = TestTable::create_streaming(test).await;
    let store = table.store();
    seed_producers(&store, &["p1", "p2", "p3", "p4", "p5"]).await;
    accept_track(
        &store,
        json!({"trackId": "t1", "title": "Midnight", "uploaderId": "p1", "credits": ["p1", "p2"], "uploadedAt": "2026-08-21T00:00:00Z"}),
    )
    .await;
    table
}

/// (producer, what happened, version) of each event, in the order put.
fn told(details: &[Value]) -> Vec<(String, String, u64)> {
    details
        .iter()
        .map(|d| {
            (
                d["producerId"].as_str().expect("producer").to_owned(),
                d["change"].as_str().expect("change").to_owned(),
                d["version"].as_u64().expect("version"),
            )
        })
        .collect()
}

fn told_of(producer: &str, change: &str, version: u64) -> (String, String, u64) {
    (producer.to_owned(), change.to_owned(), version)
}

#[tokio::test]
async fn each_affected_producer_is_told_once_per_change_and_nothing_private() {
    let table = platform("fanout-events").await;
    let store = table.store();
    let mut world = FanoutWorld::start(&store).await;

    // The platform's new track: both credited producers are told they were added.
    world.drain().await;
    assert_eq!(
        told(&world.details()),
        [told_of("p1", "added", 1), told_of("p2", "added", 1)]
    );

    // Add p3, then replace the list with p1, p3, p4 (p2 removed), then remove p3.
    let added = edit(
        &store,
        Http::post("/tracks/t1/credits", json!({"producerId": "p3"})).caller("p1"),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let replaced = edit(
        &store,
        Http::put(
            "/tracks/t1/credits",
            json!({"producerIds": ["p1", "p3", "p4"]}),
        )
        .caller("p1")
        .header("if-match", "\"2\""),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let removed = edit(&store, Http::delete("/tracks/t1/credits/p3").caller("p1")).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    world.drain().await;

    let details = world.details();
    assert_eq!(
        told(&details[2..]),
        [
            told_of("p1", "stillCredited", 2),
            told_of("p2", "stillCredited", 2),
            told_of("p3", "added", 2),
            told_of("p1", "stillCredited", 3),
            told_of("p3", "stillCredited", 3),
            told_of("p4", "added", 3),
            told_of("p2", "removed", 3),
            told_of("p1", "stillCredited", 4),
            told_of("p4", "stillCredited", 4),
            told_of("p3", "removed", 4),
        ]
    );
    // The removed producer learns the track's new credits, who changed it and when.
    let p2_removed = &details[8];
    assert_eq!(p2_removed["trackId"], "t1");
    assert_eq!(p2_removed["title"], "Midnight");
    assert_eq!(p2_removed["credits"], json!(["p1", "p3", "p4"]));
    assert_eq!(p2_removed["changedBy"], "p1");
    assert_eq!(p2_removed["source"], "backstage");
    assert_eq!(p2_removed["eventId"], "t1/3/p2");
    // Nothing private: exactly the documented fields, no shares, no figures, no Stripe ids.
    let documented: BTreeSet<&str> = [
        "eventId",
        "producerId",
        "change",
        "trackId",
        "title",
        "version",
        "credits",
        "changedBy",
        "source",
        "changedAt",
    ]
    .into();
    for detail in &details {
        let fields: BTreeSet<&str> = detail
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        // A Backstage edit also names the account behind it; the platform's changes have none.
        let mut expected = documented.clone();
        if detail["source"] == "backstage" {
            expected.insert("changedByAccount");
        }
        assert_eq!(fields, expected);
        assert!(!detail.to_string().contains("acct_"), "{detail}");
    }
    let events = world.bus.events();
    assert!(
        events
            .iter()
            .all(|e| e["detail-type"] == "Credit Changed"
                && e["source"] == "beatpass.collaborations")
    );
}

#[tokio::test]
async fn an_edit_that_changes_nothing_or_is_refused_tells_nobody() {
    let table = platform("fanout-quiet").await;
    let store = table.store();
    let mut world = FanoutWorld::start(&store).await;
    world.drain().await;
    let before = world.bus.events().len();

    // The same list again: no version, no history entry, no event.
    let same = edit(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p1", "p2"]})).caller("p1"),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.body);
    // Refused: not the uploader; a stale If-Match; an unknown producer.
    let not_uploader = edit(
        &store,
        Http::post("/tracks/t1/credits", json!({"producerId": "p3"})).caller("p2"),
    )
    .await;
    assert_eq!(not_uploader.status, 403, "{}", not_uploader.body);
    let stale = edit(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p1", "p3"]}))
            .caller("p1")
            .header("if-match", "\"7\""),
    )
    .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let unknown = edit(
        &store,
        Http::post("/tracks/t1/credits", json!({"producerId": "nobody"})).caller("p1"),
    )
    .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    world.drain().await;
    assert_eq!(world.bus.events().len(), before, "{:?}", world.details());
}

#[tokio::test]
async fn a_redelivered_record_gives_the_same_event_ids() {
    let table = platform("fanout-redelivered").await;
    let store = table.store();
    let mut world = FanoutWorld::start(&store).await;
    let batch = world
        .feed
        .stream(store::catalog::changes::StreamMapping::Events)
        .next_batch()
        .await
        .expect("read the stream")
        .expect("the new track's records");
    for _ in 0..2 {
        let event: fanout::DynamoDbEvent =
            serde_json::from_value(batch.clone()).expect("a stream event");
        let (response, _) = fanout::handle_batch(&world.deps, event).await;
        assert!(response.batch_item_failures.is_empty());
    }
    let ids: Vec<String> = world
        .details()
        .iter()
        .map(|d| d["eventId"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids, ["t1/1/p1", "t1/1/p2", "t1/1/p1", "t1/1/p2"]);
    assert_eq!(world.details()[0], world.details()[2]);
}

/// Faults on the way to the bus (throttled and failed calls, entries refused one by one, answers
/// lost after the bus took the events): every event still arrives, none under two ids, and a
/// copy is only ever a byte-identical redelivery of the same id.
#[tokio::test]
async fn faults_while_putting_events_lose_nothing_and_add_no_new_ids() {
    let table = platform("fanout-chaos").await;
    let store = table.store();
    let bus = start_bus().await;
    bus.set_faults(eventbridge_standin::Faults {
        entry_refused: 0.15,
        ..Default::default()
    });
    let proxy = FaultProxy::start(
        &bus.base_url,
        Faults {
            throttling: 0.1,
            server_error: 0.1,
            drop_after: 0.1,
            drop_before: 0.05,
            ..Faults::NONE
        },
        0xFA17,
    )
    .await
    .expect("the proxy starts");
    let mut world = FanoutWorld::through(&store, bus, proxy.endpoint()).await;

    // Twelve more tracks of three producers each, and an edit of each.
    let mut expected = BTreeSet::from(["t1/1/p1".to_owned(), "t1/1/p2".to_owned()]);
    for n in 2..=13 {
        let id = format!("t{n}");
        accept_track(
            &store,
            json!({"trackId": id, "title": format!("Track {n}"), "uploaderId": "p1", "credits": ["p1", "p2", "p3"], "uploadedAt": "2026-08-21T00:00:00Z"}),
        )
        .await;
        let added = edit(
            &store,
            Http::post(
                &format!("/tracks/{id}/credits"),
                json!({"producerId": "p4"}),
            )
            .caller("p1"),
        )
        .await;
        assert_eq!(added.status, 200, "{}", added.body);
        for p in ["p1", "p2", "p3"] {
            expected.insert(format!("{id}/1/{p}"));
        }
        for p in ["p1", "p2", "p3", "p4"] {
            expected.insert(format!("{id}/2/{p}"));
        }
    }
    let drained = world.drain().await;

    let mut by_id: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for detail in world.details() {
        let id = detail["eventId"].as_str().expect("id").to_owned();
        by_id.entry(id).or_default().push(detail);
    }
    let arrived: BTreeSet<String> = by_id.keys().cloned().collect();
    assert_eq!(
        arrived, expected,
        "every event arrives, under its own id only"
    );
    for (id, copies) in &by_id {
        assert!(
            copies.iter().all(|c| c == &copies[0]),
            "copies of {id} differ: {copies:?}"
        );
    }
    // The faults happened, and were survived by re-sending.
    let tally = proxy.tally();
    assert!(tally.faulted() > 0, "{tally:?}");
    assert!(world.bus.faults_injected().entries_refused > 0);
    assert!(drained.events_resent > 0, "{drained:?}");
}

/// Lambda's mapping drops what the filters do not pass and goes on reading; so must the local
/// feed: more than a page (100 records) of profiles before the first track must not look like
/// the end of the stream.
#[tokio::test]
async fn the_feed_reads_past_pages_of_records_fanout_does_not_handle() {
    let table = TestTable::create_streaming("fanout-past-pages").await;
    let store = table.store();
    let ids: Vec<String> = (0..120).map(|n| format!("q{n}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    // A profile and its name entry each: 240 records fanout does not handle.
    seed_producers(&store, &ids).await;
    accept_track(
        &store,
        json!({"trackId": "t1", "title": "Late", "uploaderId": "q0", "credits": ["q0", "q119"], "uploadedAt": "2026-08-21T00:00:00Z"}),
    )
    .await;
    let mut world = FanoutWorld::start(&store).await;
    let drained = world.drain().await;
    assert_eq!(
        told(&world.details()),
        [told_of("q0", "added", 1), told_of("q119", "added", 1)]
    );
    assert_eq!(drained.shared_writes, 2, "{drained:?}");
}
