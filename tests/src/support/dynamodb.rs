//! Clients and throwaway tables for tests against DynamoDB Local.
//!
//! Every client is the production one (`store::StoreConfig`: its dummy local credentials, retries
//! and timeouts), pointed at DynamoDB Local or at a proxy in front of it, so tests exercise what
//! the functions run. Every test gets a table of its own (a unique name), deleted when the
//! [`TestTable`] drops, even when the test fails, so tests run in parallel without seeing each
//! other's items. Storage tests never skip silently: without an endpoint they fail and say how to
//! get one.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use store::StoreConfig;
use store::TEST_ENDPOINT_VAR;
use table::definition::Stream;

/// DynamoDB Local's endpoint, or a panic that tells the developer how to provide one.
pub fn endpoint() -> String {
    match std::env::var(TEST_ENDPOINT_VAR) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!(
            "{TEST_ENDPOINT_VAR} is not set: run the tests with `cargo xtask test`, or start \
             `cargo xtask ddb --in-memory` and export {TEST_ENDPOINT_VAR}=http://127.0.0.1:8000"
        ),
    }
}

/// The client settings for `table` at `endpoint` (DynamoDB Local, or a proxy in front of it).
pub fn config_for(endpoint: &str, table: &str) -> StoreConfig {
    StoreConfig::new(table, Some(endpoint.to_owned()))
}

/// A client for DynamoDB Local.
pub async fn client() -> Client {
    store::tools::raw::client(&config_for(&endpoint(), "")).await
}

/// A table name no other test (in this or another process) uses.
pub fn unique_table_name(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let test: String = test
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(100)
        .collect();
    format!(
        "test-{test}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A table that exists for one test and is deleted when dropped.
pub struct TestTable {
    pub name: String,
    /// A raw client, for tests that read or break items behind the store's back.
    pub client: Client,
}

impl TestTable {
    /// A new table with the BeatPass definition (`table::definition::DEFINITION`), without the change
    /// stream nothing in most tests reads (`table::definition::Stream`).
    pub async fn create(test: &str) -> Self {
        Self::created(test, Stream::Off).await
    }

    /// A new table with its change stream, as deployed: for tests that feed it to `fanout`.
    pub async fn create_streaming(test: &str) -> Self {
        Self::created(test, Stream::On).await
    }

    async fn created(test: &str, stream: Stream) -> Self {
        let table = Self::adopt(unique_table_name(test)).await;
        let store = table.store();
        match stream {
            Stream::On => store.create_table().await,
            Stream::Off => store.create_table_without_stream().await,
        }
        .unwrap_or_else(|e| panic!("could not create test table {}: {e}", table.name));
        table
    }

    /// A store over this table.
    pub fn store(&self) -> store::Store {
        store::tools::raw::store(self.client.clone(), self.name.clone())
    }

    /// Takes ownership of table `name` (created or to be created by the test), to delete it on
    /// drop.
    pub async fn adopt(name: String) -> Self {
        Self {
            client: client().await,
            name,
        }
    }
}

impl Drop for TestTable {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be shutting down: delete from a thread
        // with its own runtime and client.
        let name = std::mem::take(&mut self.name);
        let endpoint = endpoint();
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                store::Store::connect(&config_for(&endpoint, &name))
                    .await
                    .delete_table()
                    .await
                    .map_err(|e| format!("{name}: {e}"))
            })
        })
        .join();
        if let Ok(Err(e)) = deleted {
            eprintln!("warning: could not delete test table {e}");
        }
    }
}
