//! Clients and throwaway tables for tests against DynamoDB Local.
//!
//! Every test gets a table of its own (a unique name), deleted when the [`TestTable`] drops, even
//! when the test fails, so tests run in parallel without seeing each other's items. Storage tests
//! never skip silently: without an endpoint they fail and say how to get one.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// Set by `cargo xtask test` (see `xtask/src/test.rs`) to DynamoDB Local's endpoint.
pub const ENDPOINT_VAR: &str = "BEATPASS_TEST_DYNAMODB_ENDPOINT";

/// DynamoDB Local's endpoint, or a panic that tells the developer how to provide one.
pub fn endpoint() -> String {
    match std::env::var(ENDPOINT_VAR) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!(
            "{ENDPOINT_VAR} is not set: run the tests with `cargo xtask test`, or start \
             `cargo xtask ddb --in-memory` and export {ENDPOINT_VAR}=http://127.0.0.1:8000"
        ),
    }
}

/// A client for DynamoDB Local (static dummy credentials; DynamoDB Local checks none).
pub fn client() -> Client {
    client_for(&endpoint())
}

fn client_for(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
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
    pub client: Client,
}

impl TestTable {
    /// A new table with the BeatPass definition (`store::table::DEFINITION`).
    pub async fn create(test: &str) -> Self {
        let name = unique_table_name(test);
        let client = client();
        store::table::DEFINITION
            .create(&client, &name)
            .await
            .unwrap_or_else(|e| panic!("could not create test table {name}: {e}"));
        Self { name, client }
    }

    /// A store over this table.
    pub fn store(&self) -> store::Store {
        store::Store::new(self.client.clone(), self.name.clone())
    }

    /// Takes ownership of an already created table `name`, to delete it on drop.
    pub fn adopt(name: String) -> Self {
        Self {
            name,
            client: client(),
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
                client_for(&endpoint)
                    .delete_table()
                    .table_name(&name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{name}: {e:?}"))
            })
        })
        .join();
        if let Ok(Err(e)) = deleted {
            eprintln!("warning: could not delete test table {e}");
        }
    }
}
