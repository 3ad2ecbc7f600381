//! The `leaderboard` Lambda: tracing, configuration and one DynamoDB client, then the handler.

use http_edge::ApiGatewayV2httpRequest;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use leaderboard::{Config, PointerCache};
use store::{Store, StoreConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::logging::init();
    let store_config = StoreConfig::from_env()?;
    let config = Config::from_env(store_config.endpoint.as_deref())?;
    let store = Store::connect(&store_config).await;
    // Connect during init, not on a user's first request (see table::warm).
    store.warm_up(std::time::Duration::from_secs(2)).await;
    // Kept across warm invocations: the latest-run pointer is re-read at most once a minute.
    let pointer = PointerCache::default();
    run(service_fn(|event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let (store, config, pointer) = (&store, &config, &pointer);
        async move {
            let now = chrono::Utc::now();
            Ok::<_, Error>(leaderboard::handle(store, config, pointer, event.payload, now).await)
        }
    }))
    .await
}
