//! The `sync` Lambda: tracing, configuration and one DynamoDB client, then the handler.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use store::{Store, StoreConfig};
use sync::{FeedOrigin, SqsEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::logging::init();
    let origin = FeedOrigin::from_env()?;
    let store = Store::connect(&StoreConfig::from_env()?).await;
    store.warm_up(std::time::Duration::from_secs(2)).await;
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let (store, origin) = (&store, &origin);
        async move {
            Ok::<_, Error>(sync::handle(store, origin, event.payload, chrono::Utc::now()).await)
        }
    }))
    .await
}
