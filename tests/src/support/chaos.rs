//! What the chaos tests share: how hard to push, a store that reaches DynamoDB Local through the
//! fault proxy, whole-table snapshots to compare (a run's items among them, which other tests
//! read too), and the closing consistency check.
//!
//! Each chaos test runs a short variant in every `cargo xtask test`; with
//! `BEATPASS_CHAOS_LONG=1` the same tests run at a size that takes minutes (see README).

use std::collections::BTreeMap;

use results::run_id::RunId;
use store::Store;
use store::tools::raw::Item;

use crate::support::dynamodb::{TestTable, config_for, endpoint};
use crate::support::fault_proxy::{Fault, FaultProxy, Faults, Tally};

/// Set to `1` to run the long variants.
pub const LONG_VAR: &str = "BEATPASS_CHAOS_LONG";

/// The fraction of requests the proxy faults in the chaos tests.
pub const FAULT_RATE: f64 = 0.10;

/// The short size, or the long one when `BEATPASS_CHAOS_LONG=1`.
pub fn sized<T>(short: T, long: T) -> T {
    if std::env::var(LONG_VAR).is_ok_and(|v| v == "1") {
        long
    } else {
        short
    }
}

/// A seed for the proxy, printed so a failing run can be repeated (`BEATPASS_CHAOS_SEED`).
pub fn seed(test: &str) -> u64 {
    let seed = std::env::var("BEATPASS_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("{test}: fault seed {seed} (BEATPASS_CHAOS_SEED={seed} repeats it)");
    seed
}

/// A proxy faulting `FAULT_RATE` of requests to DynamoDB Local, spread over every kind.
pub async fn faulty_proxy(test: &str) -> FaultProxy {
    FaultProxy::start(&endpoint(), Faults::mixed(FAULT_RATE), seed(test))
        .await
        .expect("start the fault proxy")
}

/// A store over `table` through `proxy`, with the client the functions build in production
/// (`StoreConfig`: its retries, backoff and timeouts are what is under test).
pub async fn store_through(proxy: &FaultProxy, table: &TestTable) -> Store {
    Store::connect(&config_for(proxy.endpoint(), &table.name)).await
}

/// Asserts the proxy really faulted: every kind at least once, near the configured rate.
pub fn assert_faulted(tally: &Tally) {
    println!("fault proxy: {tally:?}");
    for fault in Fault::ALL {
        assert!(tally.of(fault) > 0, "no {fault:?} was injected: {tally:?}");
    }
    let rate = tally.faulted() as f64 / tally.requests as f64;
    assert!(
        (0.5 * FAULT_RATE..2.0 * FAULT_RATE).contains(&rate),
        "faulted {rate} of requests: {tally:?}"
    );
}

/// Every item of the table, by key (read directly from DynamoDB Local, no faults).
pub async fn table_items(table: &TestTable) -> BTreeMap<(String, String), Item> {
    let mut pages = table
        .client
        .scan()
        .table_name(&table.name)
        .consistent_read(true)
        .into_paginator()
        .items()
        .send();
    let mut items = BTreeMap::new();
    while let Some(item) = pages.next().await {
        let item = item.expect("scan");
        let text = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        items.insert((text("pk"), text("sk")), item);
    }
    items
}

/// Asserts two tables hold the same items, naming the first few that differ.
pub fn assert_same_items(
    got: &BTreeMap<(String, String), Item>,
    want: &BTreeMap<(String, String), Item>,
) {
    let differing: Vec<&(String, String)> = want
        .keys()
        .chain(got.keys())
        .filter(|k| got.get(*k) != want.get(*k))
        .take(5)
        .collect();
    assert!(
        differing.is_empty(),
        "{} vs {} items; first differing keys: {differing:?}",
        got.len(),
        want.len()
    );
}

/// Runs the consistency checker (without faults) and fails on any violation.
pub async fn assert_consistent(table: &TestTable) {
    let violations = table
        .store()
        .check_consistency(2)
        .await
        .expect("the checker reads the table");
    assert!(
        violations.is_empty(),
        "the checker found: {}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
}

/// Every item of the run `run` (all its partitions), by key.
pub async fn run_items(table: &TestTable, run: &RunId) -> BTreeMap<(String, String), Item> {
    let mut items = table_items(table).await;
    items.retain(|(pk, _), _| store::run_owns_partition(run, pk));
    items
}
