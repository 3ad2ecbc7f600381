//! Where the table is, read from the environment, and the one SDK client built from it.
//!
//! `TABLE_NAME` (required) and `DYNAMODB_ENDPOINT` (optional) let the same code run on AWS and on
//! DynamoDB Local: with an endpoint set, the client uses dummy static credentials (DynamoDB Local
//! checks none) and `us-east-1` unless a region is configured. Timeouts are always set: the SDK
//! sets none by default, and a hung connection must not eat a Lambda invocation.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::Credentials;

/// The environment variable naming the table.
pub const TABLE_NAME_VAR: &str = "TABLE_NAME";
/// The environment variable pointing at a non-AWS endpoint (DynamoDB Local).
pub const ENDPOINT_VAR: &str = "DYNAMODB_ENDPOINT";
/// The environment variable through which `cargo xtask test` hands the test suite its DynamoDB
/// Local endpoint (named here once, for the tool that sets it and the tests that read it).
pub const TEST_ENDPOINT_VAR: &str = "BEATPASS_TEST_DYNAMODB_ENDPOINT";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{TABLE_NAME_VAR} is not set: name the DynamoDB table to use")]
    MissingTableName,
}

/// How to reach the table.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    pub table_name: String,
    /// `None` means AWS, through the normal credential chain and region.
    pub endpoint: Option<String>,
    /// `AWS_REGION`, when set: with an endpoint it is used as is (default `us-east-1`) rather
    /// than looked up, which would probe the EC2 metadata service on a laptop.
    pub region: Option<String>,
    /// Attempts per request, including the first; throttling, 5xx answers, timeouts and dropped
    /// connections are retried by the SDK with jittered exponential backoff.
    pub max_attempts: u32,
    /// The first retry's largest delay; each later one doubles it. The SDK's default (1 s) is
    /// made for control planes: DynamoDB's own SDKs start at tens of milliseconds, and a Lambda
    /// pays for every second it sleeps. With 10 attempts the delays add up to at most ~25 s.
    pub initial_backoff: Duration,
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
}

impl StoreConfig {
    pub fn new(table_name: impl Into<String>, endpoint: Option<String>) -> Self {
        Self {
            table_name: table_name.into(),
            endpoint,
            region: None,
            max_attempts: 10,
            initial_backoff: Duration::from_millis(50),
            connect_timeout: Duration::from_secs(3),
            attempt_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(60),
        }
    }

    /// Reads `TABLE_NAME` and `DYNAMODB_ENDPOINT` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table_name = lookup(TABLE_NAME_VAR)
            .filter(|t| !t.trim().is_empty())
            .ok_or(ConfigError::MissingTableName)?;
        let endpoint = lookup(ENDPOINT_VAR).filter(|e| !e.trim().is_empty());
        let mut config = Self::new(table_name, endpoint);
        config.region = lookup("AWS_REGION").filter(|r| !r.trim().is_empty());
        Ok(config)
    }
}

/// Builds the SDK client for `config`. Call once per process and share the result. (A free
/// function: `StoreConfig` is passed on by the store, and its public surface names no SDK type.)
pub async fn build_client(config: &StoreConfig) -> Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(config.connect_timeout)
        .operation_attempt_timeout(config.attempt_timeout)
        .operation_timeout(config.operation_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(config.max_attempts)
                .with_initial_backoff(config.initial_backoff),
        );
    if let Some(endpoint) = &config.endpoint {
        loader = loader
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "dynamodb-local",
            ))
            .region(Region::new(
                config
                    .region
                    .clone()
                    .unwrap_or_else(|| "us-east-1".to_owned()),
            ));
    }
    Client::new(&loader.load().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_name_is_required_and_endpoint_optional() {
        assert_eq!(
            StoreConfig::from_lookup(|_| None),
            Err(ConfigError::MissingTableName)
        );
        let aws = StoreConfig::from_lookup(|k| (k == TABLE_NAME_VAR).then(|| "beatpass".into()))
            .expect("table name given");
        assert_eq!((aws.table_name.as_str(), aws.endpoint), ("beatpass", None));
        let local = StoreConfig::from_lookup(|k| match k {
            TABLE_NAME_VAR => Some("beatpass-local".into()),
            ENDPOINT_VAR => Some("http://127.0.0.1:8000".into()),
            _ => None,
        })
        .expect("table name given");
        assert_eq!(local.endpoint.as_deref(), Some("http://127.0.0.1:8000"));
    }
}
