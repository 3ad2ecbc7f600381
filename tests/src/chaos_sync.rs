//! The `sync` function through 10% DynamoDB faults: every message of a batch is either applied
//! or reported failed (never lost, never half-applied), redelivering the failed ones converges on
//! exactly what a fault-free run writes, and the consistency checker finds nothing.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use store::Store;

use crate::support::chaos::{
    assert_consistent, assert_faulted, assert_same_items, faulty_proxy, sized, table_items,
};
use crate::support::dynamodb::{TestTable, config_for};
use crate::support::events::sqs_event;
use crate::support::fixtures::generated;
use crate::support::fixtures::{at, pid, tid};

/// The feed: plays messages over disjoint tracks, profile changes for distinct producers (renames
/// and payout readiness), and new tracks crediting existing producers. Each message's effect can
/// be checked on its own.
fn feed(producers: usize, tracks: usize, plays_messages: usize) -> Vec<Value> {
    let mut messages = Vec::new();
    let per_message = tracks / plays_messages;
    for m in 0..plays_messages {
        let counts: Vec<Value> = (m * per_message..(m + 1) * per_message)
            .map(|t| json!({"trackId": format!("t{t}"), "plays": 1_000 + t}))
            .collect();
        messages.push(json!({"type": "plays", "at": "2026-11-21T10:00:00Z", "counts": counts}));
    }
    for p in (0..producers).step_by(7) {
        messages.push(json!({"type": "producer", "at": "2026-11-21T10:00:00Z",
            "id": format!("p{p}"), "name": format!("Renamed Synth {p}"), "genres": ["trap"],
            "stripeAccountId": format!("acct_{p}"), "chargesEnabled": true,
            "payoutsEnabled": true, "profileComplete": true}));
    }
    for n in 0..producers / 5 {
        messages.push(json!({"type": "track", "at": "2026-11-21T10:00:00Z",
            "trackId": format!("new{n}"), "title": format!("Fresh {n}"),
            "uploaderId": format!("p{}", n * 5 + 1), "uploadedAt": "2026-11-20T00:00:00Z",
            "credits": [format!("p{}", n * 5 + 1), format!("p{}", n * 5 + 2)],
            "genre": "trap", "metadataComplete": n % 2 == 0}));
    }
    messages
}

/// Whether `message`'s change is in the table (read through a fault-free store).
async fn applied(store: &Store, message: &Value) -> bool {
    match message["type"].as_str() {
        Some("plays") => {
            for count in message["counts"].as_array().into_iter().flatten() {
                let id = tid(count["trackId"].as_str().unwrap_or_default());
                let stored = store
                    .catalog()
                    .get_track(&id)
                    .await
                    .expect("read")
                    .expect("a track");
                if Some(stored.track.plays) != count["plays"].as_u64() {
                    return false;
                }
            }
            true
        }
        Some("producer") => {
            let id = pid(message["id"].as_str().unwrap_or_default());
            let stored = store
                .catalog()
                .get_producer(&id)
                .await
                .expect("read")
                .expect("a profile");
            Some(stored.name.as_str()) == message["name"].as_str() && stored.payout_ready()
        }
        Some("track") => {
            let id = tid(message["trackId"].as_str().unwrap_or_default());
            store
                .catalog()
                .get_track(&id)
                .await
                .expect("read")
                .is_some_and(|t| Some(t.track.title.as_str()) == message["title"].as_str())
        }
        other => panic!("unexpected message type {other:?}"),
    }
}

#[tokio::test]
async fn batches_through_faults_apply_or_report_each_message_and_converge() {
    // Five counts a plays message: with every fault reaching the caller, a message of five
    // updates gets through whole about two times in three, so redelivery converges in a few
    // rounds, and dozens of failures are reported on the way.
    let (producers, tracks) = sized((60, 500), (300, 5_000));
    let plays_messages = tracks / 5;
    let messages = feed(producers, tracks, plays_messages);
    let now = at("2026-11-21T12:00:00Z");

    // The reference: every message once, without faults.
    let clean = TestTable::create("chaos-sync-clean").await;
    generated(&clean.store(), producers, tracks).await;
    for message in &messages {
        sync::apply(&clean.store(), &message.to_string(), now)
            .await
            .expect("applied without faults");
    }

    let table = TestTable::create("chaos-sync").await;
    generated(&table.store(), producers, tracks).await;
    let proxy = faulty_proxy("chaos-sync").await;
    // One attempt per request instead of the production ten, so every fault reaches `sync` and
    // messages really fail and come back (the production client's retries are proven in
    // chaos_proxy.rs).
    let mut config = config_for(proxy.endpoint(), &table.name);
    config.max_attempts = 1;
    let store = Store::connect(&config).await;
    let direct = table.store();

    // Deliver in batches of ten, as the event source does; what fails comes back, as SQS
    // redelivers it, until nothing fails. Then everything once more: duplicates change nothing.
    let mut pending: Vec<usize> = (0..messages.len()).collect();
    let mut rounds = 0;
    let mut reported_failed = 0;
    while !pending.is_empty() {
        rounds += 1;
        assert!(
            rounds <= 30,
            "still failing after 30 redeliveries: {pending:?}"
        );
        let mut failed_again = Vec::new();
        for batch in pending.chunks(10) {
            let bodies: Vec<String> = batch.iter().map(|&i| messages[i].to_string()).collect();
            let response = sync::handle(
                &store,
                &crate::support::feed::platform(),
                sqs_event(&bodies),
                now,
            )
            .await;
            let failed: BTreeSet<String> = response
                .batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect();
            for (position, &index) in batch.iter().enumerate() {
                if failed.contains(&format!("m{position}")) {
                    failed_again.push(index);
                } else {
                    // Reported applied: it must be in the table, whole.
                    assert!(
                        applied(&direct, &messages[index]).await,
                        "message {index} was reported applied but is not in the table: {}",
                        messages[index]
                    );
                }
            }
        }
        reported_failed += failed_again.len();
        pending = failed_again;
    }
    println!(
        "sync through faults: {} messages, {reported_failed} failures reported and redelivered, {rounds} rounds",
        messages.len()
    );
    // With ~1% of requests failing after both attempts, a run of this size sees failures (the
    // chance of none is about 1 in 100,000).
    assert!(
        reported_failed > 0,
        "no message failed: the failure path was not exercised"
    );
    let all: Vec<String> = messages.iter().map(Value::to_string).collect();
    for batch in all.chunks(10) {
        // Duplicates may fail through faults too; the ones that apply must change nothing.
        let _ = sync::handle(
            &store,
            &crate::support::feed::platform(),
            sqs_event(batch),
            now,
        )
        .await;
    }

    assert_same_items(&table_items(&table).await, &table_items(&clean).await);
    assert_faulted(&proxy.tally());
    assert_consistent(&table).await;
}
