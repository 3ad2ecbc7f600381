//! Putting `Credit Changed` events on the platform's EventBridge bus.
//!
//! `PutEvents` takes at most 10 entries and may refuse some of them while accepting the rest
//! (`FailedEntryCount`, an error code per entry, e.g. `ThrottlingException` or
//! `InternalFailure`): only the refused ones are sent again, with backoff, so an accepted event is
//! not re-sent by this function. A lost answer is re-sent by the SDK's own retries and may reach
//! the bus twice; both copies carry the same `eventId`, which is what the platform deduplicates
//! on (EventBridge delivers at least once in any case).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::config::{Credentials, Region};
use aws_sdk_eventbridge::primitives::DateTime as SdkTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::error::FanoutError;
use crate::notice::{CreditChanged, DETAIL_TYPE, SOURCE};

/// The most entries one `PutEvents` call takes.
const MAX_ENTRIES: usize = 10;

/// The platform's bus and the client that reaches it.
#[derive(Debug, Clone)]
pub struct Bus {
    client: Client,
    name: String,
    /// Sends of the refused entries of one call, the first included.
    attempts: u32,
    first_backoff: Duration,
}

/// What putting a record's events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Put {
    pub events: usize,
    /// Entries the bus refused and that were sent again.
    pub resent: usize,
}

impl Bus {
    /// The bus `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
            attempts: 6,
            first_backoff: Duration::from_millis(100),
        }
    }

    /// A client with timeouts set (the SDK sets none, and a hung connection must not eat an
    /// invocation). With `endpoint` (a loopback stand-in), dummy credentials and `us-east-1`
    /// unless `AWS_REGION` says otherwise; without, the deployment's credentials.
    pub async fn connect(name: impl Into<String>, endpoint: Option<String>) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(20))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(4));
        if let Some(endpoint) = endpoint {
            loader = loader
                .endpoint_url(endpoint)
                .credentials_provider(Credentials::new("local", "local", None, None, "local"));
            if std::env::var("AWS_REGION").is_err() {
                loader = loader.region(Region::new("us-east-1"));
            }
        }
        Self::new(Client::new(&loader.load().await), name)
    }

    /// The bus's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Puts every event, re-sending refused entries until accepted or out of attempts.
    pub async fn put(&self, events: &[CreditChanged]) -> Result<Put, FanoutError> {
        let mut done = Put::default();
        for chunk in events.chunks(MAX_ENTRIES) {
            let mut pending: Vec<PutEventsRequestEntry> = chunk
                .iter()
                .map(|event| self.entry(event))
                .collect::<Result<_, _>>()?;
            let mut backoff = self.first_backoff;
            let mut attempt = 1;
            loop {
                let sent = pending.len();
                let out = self
                    .client
                    .put_events()
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .map_err(|e| FanoutError::Bus(Box::new(e)))?;
                // The answer's entries are in the request's order; refused ones carry a code.
                let results = out.entries();
                let mut refused = Vec::new();
                let mut first_code = None;
                for (i, entry) in pending.into_iter().enumerate() {
                    match results.get(i).and_then(|r| r.error_code()) {
                        Some(code) => {
                            first_code.get_or_insert_with(|| code.to_owned());
                            refused.push(entry);
                        }
                        // An answer shorter than the request is a refusal of what it left out.
                        None if results.get(i).is_none() => {
                            first_code.get_or_insert_with(|| "MissingEntry".to_owned());
                            refused.push(entry);
                        }
                        None => {}
                    }
                }
                done.events += sent - refused.len();
                if refused.is_empty() {
                    break;
                }
                if attempt >= self.attempts {
                    return Err(FanoutError::EventsRefused {
                        sent,
                        failed: refused.len(),
                        attempts: attempt,
                        code: first_code.unwrap_or_default(),
                    });
                }
                done.resent += refused.len();
                tokio::time::sleep(backoff.mul_f64(0.5 + fastrand::f64())).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                attempt += 1;
                pending = refused;
            }
        }
        Ok(done)
    }

    fn entry(&self, event: &CreditChanged) -> Result<PutEventsRequestEntry, FanoutError> {
        Ok(PutEventsRequestEntry::builder()
            .event_bus_name(&self.name)
            .source(SOURCE)
            .detail_type(DETAIL_TYPE)
            .detail(serde_json::to_string(event)?)
            .time(SdkTime::from_millis(event.changed_at.timestamp_millis()))
            .build())
    }
}
