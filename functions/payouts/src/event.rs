//! The events `payouts` handles: billing's "Producer Pool Closed" (split, then transfer), and the
//! hourly schedule's retry (transfer what is left). Anything else is refused before any read, and
//! so is a pool from another account or for a month that is not over or too long gone
//! ([`check_pool`]).

use chrono::{DateTime, TimeZone, Utc};
use contribution::statement::{Currency, PayoutPeriod};
use serde::Deserialize;
use serde_json::Value;

use crate::config::PayoutRules;
use crate::error::{PayoutsError, Refusal};

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

/// When `period` ends: the first instant of the next month, UTC.
pub fn period_end(period: PayoutPeriod) -> DateTime<Utc> {
    let (year, month) = period.next();
    Utc.with_ymd_and_hms(i32::from(year), u32::from(month), 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The rules a pool event must meet before anything is read: billing's account, and a month
/// that is over (by this function's clock, not the event's) and at most
/// `max_period_age_months` back.
pub fn check_pool(
    event: &Value,
    pool: &PoolClosed,
    rules: &PayoutRules,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let account = event.get("account").and_then(Value::as_str);
    if account != Some(rules.billing_account.as_str()) {
        return Err(Refusal::ForeignAccount {
            got: account.map(str::to_owned),
            expected: rules.billing_account.clone(),
        });
    }
    let ends = period_end(pool.period);
    if now < ends {
        return Err(Refusal::PeriodNotEnded {
            period: pool.period,
            ends,
            now,
        });
    }
    let age_months = pool.period.months_until(now);
    if age_months > rules.max_period_age_months {
        return Err(Refusal::PeriodTooOld {
            period: pool.period,
            age_months,
            max_months: rules.max_period_age_months,
        });
    }
    Ok(())
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

    fn rules() -> PayoutRules {
        PayoutRules {
            billing_account: "111122223333".into(),
            max_period_age_months: 3,
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn check(period: &str, account: Value, now: &str) -> Result<(), Refusal> {
        let event = json!({"account": account});
        let pool = PoolClosed {
            period: PayoutPeriod::parse(period).expect("period"),
            amount_minor: 100,
            currency: Currency::Usd,
        };
        check_pool(&event, &pool, &rules(), at(now))
    }

    #[test]
    fn a_pool_must_be_billings_for_a_month_that_is_over_and_recent() {
        let billing = json!("111122223333");
        assert_eq!(
            check("2026-11", billing.clone(), "2026-12-01T00:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check("2026-12", billing.clone(), "2027-01-05T00:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check("2026-09", billing.clone(), "2026-12-31T23:59:59Z"),
            Ok(())
        );
        assert!(matches!(
            check("2026-11", billing.clone(), "2026-11-30T23:59:59Z"),
            Err(Refusal::PeriodNotEnded { .. })
        ));
        assert!(matches!(
            check("2031-01", billing.clone(), "2026-12-01T00:00:00Z"),
            Err(Refusal::PeriodNotEnded { .. })
        ));
        assert!(matches!(
            check("2026-08", billing.clone(), "2026-12-01T00:00:00Z"),
            Err(Refusal::PeriodTooOld { age_months: 4, .. })
        ));
        assert!(matches!(
            check("2000-01", billing, "2026-12-01T00:00:00Z"),
            Err(Refusal::PeriodTooOld { .. })
        ));
        for account in [json!("999999999999"), json!(null), json!(111122223333_u64)] {
            assert!(
                matches!(
                    check("2026-11", account.clone(), "2026-12-01T00:00:00Z"),
                    Err(Refusal::ForeignAccount { .. })
                ),
                "{account}"
            );
        }
        assert_eq!(
            period_end(PayoutPeriod::parse("2026-12").expect("period")),
            at("2027-01-01T00:00:00Z")
        );
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
