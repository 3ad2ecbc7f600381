//! The `credits` Lambda: tracing, configuration and one DynamoDB client, then the handler.

use http_edge::ApiGatewayV2httpRequest;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use store::{Store, StoreConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    http_edge::logging::init();
    let config = credits::Config::from_env();
    let store = Store::connect(&StoreConfig::from_env()?).await;
    // Connect during init, not on a user's first request (see store::warm).
    store.warm_up(std::time::Duration::from_secs(2)).await;
    run(service_fn(|event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let (store, config) = (&store, &config);
        async move {
            Ok::<_, Error>(credits::handle(store, config, event.payload, chrono::Utc::now()).await)
        }
    }))
    .await
}
