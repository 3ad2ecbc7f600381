//! Batch writes finish even when DynamoDB leaves items unprocessed.
//!
//! DynamoDB Local never throttles, so the test wraps the real `BatchWriteItem` call: on its first
//! attempts at each batch it sends only half the requests to DynamoDB Local and hands the other
//! half back as unprocessed, as a throttled partition would. Every item must still land.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, WriteRequest};
use store::BatchStats;
use store::RetryPolicy;
use store::{Store, StoreError};
use table::batch::write_all_with;
use table::write::put_request;

use crate::support::dynamodb::TestTable;

/// A raw put of a throwaway item (the batch engine under test takes raw requests).
fn put(i: usize) -> WriteRequest {
    let item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S(format!("probe-{i}"))),
        ("sk".to_owned(), AttributeValue::S("X".to_owned())),
    ]);
    put_request(item)
}

/// Sends only the first `accepted` requests of `batch` to DynamoDB Local and hands the rest back
/// unprocessed, as a throttled partition would.
async fn accept_only(
    store: &Store,
    mut batch: Vec<WriteRequest>,
    accepted: usize,
) -> Result<Vec<WriteRequest>, StoreError> {
    let rest = batch.split_off(accepted.min(batch.len()));
    let mut unprocessed = store.send_raw_write_batch(batch).await?;
    unprocessed.extend(rest);
    Ok(unprocessed)
}

async fn count_items(table: &TestTable) -> usize {
    let mut pages = table
        .client
        .scan()
        .table_name(&table.name)
        .into_paginator()
        .items()
        .send();
    let mut n = 0;
    while let Some(item) = pages.next().await {
        item.expect("scan");
        n += 1;
    }
    n
}

#[tokio::test]
async fn unprocessed_items_are_retried_until_every_item_is_written() {
    let table = TestTable::create("batch-retry").await;
    let store = table.store();
    let requests: Vec<WriteRequest> = (0..260).map(put).collect();
    let calls = AtomicU32::new(0);
    let attempts_per_batch: Mutex<HashMap<String, u32>> = Mutex::default();
    let stats = BatchStats::default();

    write_all_with(requests, 4, &RetryPolicy::DEFAULT, &stats, |batch| {
        calls.fetch_add(1, Ordering::Relaxed);
        let first_key = format!("{:?}", batch[0].put_request().map(|p| p.item().get("pk")));
        let attempt = {
            let mut seen = attempts_per_batch.lock().expect("lock");
            let n = seen.entry(first_key).or_default();
            *n += 1;
            *n
        };
        let store = &store;
        async move {
            // First two attempts of each batch: half goes in, half comes back unprocessed.
            let accepted = if attempt <= 2 && batch.len() > 1 {
                batch.len() / 2
            } else {
                batch.len()
            };
            accept_only(store, batch, accepted).await
        }
    })
    .await
    .expect("every item is written in the end");

    assert_eq!(count_items(&table).await, 260);
    assert!(stats.retried() > 0, "leftovers were re-sent");
    assert!(
        calls.load(Ordering::Relaxed) > 11,
        "260 items is 11 batches, plus retries"
    );
}

#[tokio::test]
async fn a_batch_that_never_completes_fails_clearly() {
    let table = TestTable::create("batch-give-up").await;
    let store = table.store();
    let stats = BatchStats::default();
    // A short policy, so giving up takes milliseconds rather than the production minute.
    let policy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    let result = write_all_with((0..3).map(put).collect(), 1, &policy, &stats, |batch| {
        let store = &store;
        async move {
            // Always write one item and hand the rest back.
            accept_only(store, batch, 1).await
        }
    })
    .await;
    // 3 items, one accepted per attempt: done on the third attempt.
    result.expect("three attempts suffice for three items");
    assert_eq!(count_items(&table).await, 3);

    let stuck = write_all_with(
        (10..12).map(put).collect(),
        1,
        &policy,
        &stats,
        |batch| async move { Ok::<_, StoreError>(batch) },
    )
    .await;
    match stuck {
        Err(StoreError::Unprocessed {
            remaining,
            attempts,
        }) => {
            assert_eq!((remaining, attempts), (2, policy.max_attempts));
        }
        other => panic!("expected a clear unprocessed error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_write_counts_the_bytes_it_puts_once_and_a_filler_weighs_what_was_asked() {
    let table = TestTable::create("batch-bytes").await;
    let store = table.store();

    // The probe's filler items, sized to weigh 400 bytes each: 30 of them are 12,000 bytes, and
    // DynamoDB bills each (under 1 KB) one write unit.
    let stats = BatchStats::default();
    store
        .write_filler_items(30, store::Store::filler_payload_for(400), &stats)
        .await
        .expect("write");
    assert_eq!(stats.bytes_put(), 12_000);
    assert_eq!(stats.write_units(), 30.0);

    // Items re-sent after coming back unprocessed are counted once.
    let requests: Vec<WriteRequest> = (0..60).map(put).collect();
    let expected: u64 = requests
        .iter()
        .filter_map(WriteRequest::put_request)
        .map(|p| table::size::item_size(p.item()) as u64)
        .sum();
    let stats = BatchStats::default();
    write_all_with(requests, 2, &RetryPolicy::DEFAULT, &stats, |batch| {
        let store = &store;
        async move {
            // Every attempt of more than one item: half goes in, half comes back.
            let accepted = (batch.len() / 2).max(1);
            accept_only(store, batch, accepted).await
        }
    })
    .await
    .expect("every item is written in the end");
    assert!(stats.retried() > 0, "leftovers were re-sent");
    assert_eq!(stats.bytes_put(), expected);
    assert_eq!(count_items(&table).await, 30 + 60);
}
