//! The `recompute` Lambda: tracing, configuration and one DynamoDB client, then the handler.

use std::time::SystemTime;

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use recompute::{Deadline, Settings};
use serde_json::Value;
use store::{Store, StoreConfig};

/// mimalloc rather than glibc's malloc: a run allocates and frees millions of small rows and
/// items, and glibc's cost per allocation grows with the heap (BENCHMARKS.md, "Linear in the
/// catalog").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reads a whole number from the environment, or `default`.
fn setting(name: &str, default: u32) -> Result<u32, Error> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {text:?}").into()),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::logging::init();
    let settings = Settings {
        segments: setting("RECOMPUTE_SEGMENTS", 4)?,
        retention: chrono::TimeDelta::days(i64::from(setting("RESULT_RETENTION_DAYS", 7)?)),
        ..Settings::default()
    };
    let store = Store::connect(&StoreConfig::from_env()?).await;
    run(service_fn(|event: LambdaEvent<Value>| {
        let (store, settings) = (&store, &settings);
        async move {
            let deadline = Deadline::from_runtime_millis(event.context.deadline, SystemTime::now());
            recompute::handle(store, settings, event.payload, deadline, chrono::Utc::now()).await
        }
    }))
    .await
}
