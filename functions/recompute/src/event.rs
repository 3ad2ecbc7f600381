//! The as-of instant of a run, from its scheduled event.
//!
//! EventBridge scheduled events carry the schedule time in `time`; the EventBridge Scheduler
//! target input sets `{"time": "<aws.scheduler.scheduled-time>"}` to the same effect. Using the
//! scheduled time (not the clock) makes a retried or replayed event compute the same run. An event
//! without `time` runs as of `now`; anything else that is not that shape is an error, not a run.
//!
//! The time must also be plausible. Publishing is forward-only, so one run as of a far-future
//! instant would stay "latest" for ever and no real run could replace it: a time more than
//! [`MAX_AHEAD`] past the clock is refused. A time older than [`MAX_AGE`] cannot be a retry or a
//! replay from the dead-letter queue (which keeps messages at most 14 days), only a mistake.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::error::RecomputeError;

/// How far past the clock a scheduled time may be (clock skew between services).
pub const MAX_AHEAD: TimeDelta = TimeDelta::minutes(15);
/// How old a scheduled time may be: the dead-letter queue's longest retention.
pub const MAX_AGE: TimeDelta = TimeDelta::days(14);

/// The as-of instant of `event`, or why the event is not a scheduled event.
pub fn as_of(event: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, RecomputeError> {
    let time = scheduled_time(event, now)?;
    if time > now + MAX_AHEAD {
        return Err(RecomputeError::BadEvent(format!(
            "time {} is more than {} minutes in the future",
            time.to_rfc3339(),
            MAX_AHEAD.num_minutes()
        )));
    }
    if time < now - MAX_AGE {
        return Err(RecomputeError::BadEvent(format!(
            "time {} is more than {} days old",
            time.to_rfc3339(),
            MAX_AGE.num_days()
        )));
    }
    Ok(time)
}

fn scheduled_time(event: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, RecomputeError> {
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
    use proptest::prelude::*;
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
            json!({"time": "2026-11-21T00:30:00Z"}),
            json!({"time": "9999-12-31T23:59:59Z"}),
            json!({"time": "2026-11-01T00:00:00Z"}),
            json!({"time": "0001-01-01T00:00:00Z"}),
        ] {
            assert!(
                matches!(as_of(&bad, now()), Err(RecomputeError::BadEvent(_))),
                "{bad}"
            );
        }
    }

    /// Any JSON at all, nested a few levels.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            any::<i64>().prop_map(Value::from),
            ".*".prop_map(Value::from),
            // Timestamps near and far, well- and ill-formed.
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?"
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("time|id|detail|[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Any event gets a time within bounds or a named `BadEvent`, never a panic.
        #[test]
        fn any_event_is_a_bounded_time_or_a_bad_event(event in any_json()) {
            match as_of(&event, now()) {
                Ok(t) => {
                    prop_assert!(t <= now() + MAX_AHEAD && t >= now() - MAX_AGE);
                    prop_assert!(event.is_object());
                }
                Err(RecomputeError::BadEvent(why)) => prop_assert!(!why.is_empty()),
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
    }
}
