//! The `payouts` Lambda: tracing, configuration, the DynamoDB client and the Stripe client (its
//! key read once from Secrets Manager, its mode checked against the base), then the handler:
//! pool events, the hourly retry, the daily reconciliation and operators' commands.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use payouts::config::{PayoutRules, StripeSettings, api_key};
use payouts::{Deps, Stripe};
use serde_json::Value;
use store::{Store, StoreConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::logging::init();
    let lookup = |name: &str| std::env::var(name).ok();
    let settings = StripeSettings::from_lookup(lookup)?;
    let rules = PayoutRules::from_lookup(lookup)?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let key = api_key(&settings, lookup, &aws).await?;
    let deps = Deps {
        store: Store::connect(&StoreConfig::from_env()?).await,
        stripe: Stripe::new(&settings.api_base, key, settings.timeout)?,
        concurrency: settings.concurrency,
        rules,
    };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move { payouts::invoke(deps, &event.payload, chrono::Utc::now).await }
    }))
    .await
}
