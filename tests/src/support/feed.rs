//! The platform's feed as `sync` receives it: message bodies delivered in one SQS batch from
//! the platform's sender, and the ids of the messages that failed.

use chrono::{DateTime, Utc};
use serde_json::Value;
use store::Store;
use sync::SqsBatchResponse;

use crate::support::events::{PLATFORM_SENDER, sqs_event};
use crate::support::fixtures::at;

/// The instant the queue hands a batch over, unless a test names one.
pub fn now() -> DateTime<Utc> {
    at("2026-11-21T12:00:00Z")
}

/// The feed's origin as `sync` is configured with it in tests (the queue and the sender of
/// [`sqs_event`]).
pub fn platform() -> sync::FeedOrigin {
    let sender = sync::PlatformSender::new(PLATFORM_SENDER).expect("a unique IAM id");
    sync::FeedOrigin::new(test_events::SYNC_QUEUE_ARN, sender).expect("a queue ARN")
}

pub async fn deliver(store: &Store, bodies: &[Value]) -> Vec<String> {
    deliver_at(store, bodies, now()).await
}

/// The ids of the messages that failed when `bodies` arrive in one batch at `now`.
pub async fn deliver_at(store: &Store, bodies: &[Value], now: DateTime<Utc>) -> Vec<String> {
    let bodies: Vec<String> = bodies.iter().map(Value::to_string).collect();
    failed_ids(sync::handle(store, &platform(), sqs_event(&bodies), now).await)
}

/// The ids of the messages a batch response reports failed, sorted.
pub fn failed_ids(response: SqsBatchResponse) -> Vec<String> {
    let mut failed: Vec<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    failed
}
