//! The events `payouts` handles: billing's "Producer Pool Closed" (split, then transfer), and the
//! hourly schedule's retry (transfer what is left). Anything else is refused before any read.

use contribution::statement::{Currency, PayoutPeriod};
use serde::Deserialize;
use serde_json::Value;

use crate::error::PayoutsError;

/// A closed month's producer pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolClosed {
    pub period: PayoutPeriod,
    /// A positive whole number of minor units (cents).
    pub amount_minor: u64,
    pub currency: Currency,
}

/// What an event asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Split(PoolClosed),
    RetryTransfers,
}

/// The EventBridge `source` and `detail-type` of billing's event.
pub const BILLING_SOURCE: &str = "beatpass.billing";
pub const POOL_CLOSED: &str = "Producer Pool Closed";
/// The retry schedule's input (`infra/template.yaml`).
pub const RETRY_ACTION: &str = "retry-transfers";

pub fn command(event: &Value) -> Result<Command, PayoutsError> {
    let bad = |why: String| PayoutsError::BadEvent(why);
    if event.get("action").and_then(Value::as_str) == Some(RETRY_ACTION) {
        return Ok(Command::RetryTransfers);
    }
    let source = event.get("source").and_then(Value::as_str);
    let detail_type = event.get("detail-type").and_then(Value::as_str);
    if source != Some(BILLING_SOURCE) || detail_type != Some(POOL_CLOSED) {
        return Err(bad(format!(
            "expected source {BILLING_SOURCE:?} with detail-type {POOL_CLOSED:?}, or \
             {{\"action\":\"{RETRY_ACTION}\"}}; got source {source:?}, detail-type {detail_type:?}"
        )));
    }
    let detail = event
        .get("detail")
        .ok_or_else(|| bad("the event has no detail".into()))?;
    let pool: PoolClosed = serde_json::from_value(detail.clone()).map_err(|e| {
        bad(format!(
            "detail must be {{\"period\":\"YYYY-MM\",\"amountMinor\":<positive integer>,\
             \"currency\":\"USD|EUR|GBP|CAD\"}}: {e}"
        ))
    })?;
    if pool.amount_minor == 0 {
        return Err(bad("amountMinor must be positive, not 0".into()));
    }
    // Stripe amounts are at most 8 digits in the major unit for most currencies; any pool this
    // system splits fits far below i64, which Stripe's integers are.
    if pool.amount_minor > i64::MAX as u64 {
        return Err(bad(format!(
            "amountMinor {} is too large",
            pool.amount_minor
        )));
    }
    Ok(Command::Split(pool))
}

/// A period named in a report back to its type.
pub fn period_of(text: &str) -> Result<PayoutPeriod, PayoutsError> {
    PayoutPeriod::parse(text).map_err(|e| PayoutsError::BadEvent(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pool(detail: Value) -> Result<Command, PayoutsError> {
        command(&json!({"source": BILLING_SOURCE, "detail-type": POOL_CLOSED, "detail": detail}))
    }

    #[test]
    fn pool_events_are_checked_whole() {
        let ok = pool(json!({"period": "2026-11", "amountMinor": 1_234_567, "currency": "CAD"}));
        assert!(
            matches!(ok, Ok(Command::Split(p)) if p.amount_minor == 1_234_567 && p.currency == Currency::Cad)
        );
        for detail in [
            json!({"period": "2026-11", "amountMinor": 12.5, "currency": "CAD"}),
            json!({"period": "2026-11", "amountMinor": -5, "currency": "CAD"}),
            json!({"period": "2026-11", "amountMinor": 0, "currency": "CAD"}),
            json!({"period": "2026-11", "amountMinor": "100", "currency": "CAD"}),
            json!({"period": "2026-11", "amountMinor": 100, "currency": "JPY"}),
            json!({"period": "2026-13", "amountMinor": 100, "currency": "USD"}),
            json!({"period": "2026-11", "amountMinor": 100}),
            json!({"period": "2026-11", "amountMinor": 100, "currency": "USD", "extra": 1}),
        ] {
            assert!(
                matches!(pool(detail.clone()), Err(PayoutsError::BadEvent(_))),
                "{detail}"
            );
        }
        assert!(command(&json!({"action": "retry-transfers"})).is_ok());
        assert!(
            command(&json!({"source": "aws.events", "detail-type": "Scheduled Event"})).is_err()
        );
    }
}
