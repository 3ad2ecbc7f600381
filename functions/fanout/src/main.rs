//! The `fanout` Lambda: tracing, configuration, the DynamoDB and EventBridge clients, then the
//! handler.

use fanout::{Bus, Deps, DynamoDbEvent};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use store::{Store, StoreConfig};

/// The platform's bus (the template's `PlatformEventBus` parameter).
const BUS_VAR: &str = "EVENT_BUS_NAME";

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::logging::init();
    let bus = std::env::var(BUS_VAR)
        .ok()
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| format!("{BUS_VAR} is not set: name the platform's EventBridge bus"))?;
    let deps = Deps {
        store: Store::connect(&StoreConfig::from_env()?).await,
        bus: Bus::connect(bus, None).await,
    };
    run(service_fn(|event: LambdaEvent<DynamoDbEvent>| {
        let deps = &deps;
        async move { Ok::<_, Error>(fanout::handle(deps, event.payload, chrono::Utc::now()).await) }
    }))
    .await
}
