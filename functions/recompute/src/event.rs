//! The as-of instant of a run, from its scheduled event.
//!
//! EventBridge scheduled events carry the schedule time in `time`; the EventBridge Scheduler
//! target input sets `{"time": "<aws.scheduler.scheduled-time>"}` to the same effect. Using the
//! scheduled time (not the clock) makes a retried or replayed event compute the same run. An event
//! without `time` runs as of `now`; anything else that is not that shape is an error, not a run.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::RecomputeError;

/// The as-of instant of `event`, or why the event is not a scheduled event.
pub fn as_of(event: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, RecomputeError> {
    let Value::Object(fields) = event else {
        return Err(RecomputeError::BadEvent(format!(
            "expected a JSON object (a scheduled event), got {}",
            kind(event)
        )));
    };
    match fields.get("time") {
        None | Some(Value::Null) => Ok(now),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| RecomputeError::BadEvent(format!("time {text:?} is not RFC 3339: {e}"))),
        Some(other) => Err(RecomputeError::BadEvent(format!(
            "time must be an RFC 3339 string, got {}",
            kind(other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T00:00:05Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn scheduled_events_give_their_time() {
        let event = json!({
            "version": "0", "id": "53dc4d37", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-21T00:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/recompute"], "detail": {}
        });
        assert_eq!(
            as_of(&event, now()).ok(),
            Some(now() - chrono::TimeDelta::seconds(5))
        );
        assert_eq!(as_of(&json!({}), now()).ok(), Some(now()));
        assert_eq!(as_of(&json!({"time": null}), now()).ok(), Some(now()));
    }

    #[test]
    fn other_shapes_are_errors() {
        for bad in [
            json!("2026-11-21T00:00:00Z"),
            json!([1]),
            json!({"time": 5}),
            json!({"time": "tomorrow"}),
        ] {
            assert!(
                matches!(as_of(&bad, now()), Err(RecomputeError::BadEvent(_))),
                "{bad}"
            );
        }
    }
}
