//! The events `payouts` handles: billing's "Producer Pool Closed" (split, then transfer), the
//! hourly schedule's retry (transfer what is left), the daily reconciliation, and the operators'
//! commands ([`OperatorCommand`]). Anything else is refused before any read, and so is a pool
//! from another account, for a month that is not over or too long gone, or above the ceiling
//! ([`check_pool`]).

use chrono::{DateTime, Utc};
use contribution::ProducerId;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Split(PoolClosed),
    RetryTransfers,
    Operator(OperatorCommand),
}

/// An operator's command (`docs/payouts.md`, "Operators"): invoked on the deployed function
/// (`aws lambda invoke --payload`, which IAM restricts), or locally with `cargo xtask payouts`.
/// `by` names the operator and `why` the reason; both are recorded on the split and shown in the
/// statement's history.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OperatorCommand {
    /// What is owed or held, per month, and why (one month, or every open one).
    Owed {
        #[serde(default)]
        period: Option<PayoutPeriod>,
    },
    /// Holds one statement: not sent until released.
    Hold {
        period: PayoutPeriod,
        producer: ProducerId,
        by: String,
        why: String,
    },
    /// Releases one held or escalated statement: the next pass sends it if the producer is
    /// payout-ready.
    Release {
        period: PayoutPeriod,
        producer: ProducerId,
        by: String,
        why: String,
    },
    /// Voids a split that has sent nothing (a wrong pool): a new pool for the month may follow.
    Void {
        period: PayoutPeriod,
        by: String,
        why: String,
    },
    /// Checks months against Stripe's listing of their transfer groups (one month, or every
    /// recent one: the daily schedule's input).
    Reconcile {
        #[serde(default)]
        period: Option<PayoutPeriod>,
    },
}

/// The daily schedule's input (`infra/template.yaml`).
pub const RECONCILE_ACTION: &str = "reconcile";

/// The EventBridge `source` and `detail-type` of billing's event.
pub const BILLING_SOURCE: &str = "beatpass.billing";
pub const POOL_CLOSED: &str = "Producer Pool Closed";
/// The retry schedule's input (`infra/template.yaml`).
pub const RETRY_ACTION: &str = "retry-transfers";

pub fn command(event: &Value) -> Result<Command, PayoutsError> {
    let bad = |why: String| PayoutsError::BadEvent(why);
    match event.get("action").and_then(Value::as_str) {
        Some(RETRY_ACTION) if event.as_object().is_some_and(|o| o.len() == 1) => {
            return Ok(Command::RetryTransfers);
        }
        Some(_) => {
            let command: OperatorCommand = serde_json::from_value(event.clone()).map_err(|e| {
                bad(format!(
                    "an action must be {{\"action\":\"{RETRY_ACTION}\"}} or an operator \
                     command (owed, hold, release, void, reconcile; docs/payouts.md): {e}"
                ))
            })?;
            let blank = |text: &str| text.trim().is_empty() || text.len() > 500;
            if let OperatorCommand::Hold { by, why, .. }
            | OperatorCommand::Release { by, why, .. }
            | OperatorCommand::Void { by, why, .. } = &command
                && (blank(by) || blank(why))
            {
                return Err(bad(
                    "an operator command says who (\"by\") and why (\"why\"), each 1 to 500 \
                     characters"
                        .to_owned(),
                ));
            }
            return Ok(Command::Operator(command));
        }
        None => {}
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
    let ends = pool.period.end();
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
    if pool.amount_minor > rules.max_pool_minor {
        return Err(Refusal::PoolAboveCeiling {
            period: pool.period,
            amount_minor: pool.amount_minor,
            max_minor: rules.max_pool_minor,
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
        PayoutRules::new("111122223333")
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
            PayoutPeriod::parse("2026-12").expect("period").end(),
            at("2027-01-01T00:00:00Z")
        );
        let mut huge = PoolClosed {
            period: PayoutPeriod::parse("2026-11").expect("period"),
            amount_minor: rules().max_pool_minor + 1,
            currency: Currency::Usd,
        };
        let event = json!({"account": "111122223333"});
        assert!(matches!(
            check_pool(&event, &huge, &rules(), at("2026-12-01T00:00:00Z")),
            Err(Refusal::PoolAboveCeiling { .. })
        ));
        huge.amount_minor = rules().max_pool_minor;
        assert_eq!(
            check_pool(&event, &huge, &rules(), at("2026-12-01T00:00:00Z")),
            Ok(())
        );
    }

    #[test]
    fn operator_commands_say_who_and_why() {
        let period = PayoutPeriod::parse("2026-11").expect("period");
        assert_eq!(
            command(
                &json!({"action": "hold", "period": "2026-11", "producer": "p3",
                "by": "ana", "why": "fraud report"})
            )
            .ok(),
            Some(Command::Operator(OperatorCommand::Hold {
                period,
                producer: ProducerId::parse("p3").expect("id"),
                by: "ana".into(),
                why: "fraud report".into()
            }))
        );
        assert_eq!(
            command(&json!({"action": "owed"})).ok(),
            Some(Command::Operator(OperatorCommand::Owed { period: None }))
        );
        assert_eq!(
            command(&json!({"action": "reconcile"})).ok(),
            Some(Command::Operator(OperatorCommand::Reconcile {
                period: None
            }))
        );
        for bad in [
            json!({"action": "hold", "period": "2026-11", "producer": "p3", "by": "ana"}),
            json!({"action": "hold", "period": "2026-11", "producer": "p3", "by": " ", "why": "x"}),
            json!({"action": "void", "period": "2026-13", "by": "ana", "why": "x"}),
            json!({"action": "void", "period": "2026-11", "by": "ana", "why": "x", "extra": 1}),
            json!({"action": "release", "period": "2026-11", "producer": "not an id!",
                "by": "ana", "why": "x"}),
            json!({"action": "retry-transfers", "period": "2026-11"}),
            json!({"action": "void", "period": "2026-11", "by": "a".repeat(501), "why": "x"}),
            json!({"action": "explode"}),
        ] {
            assert!(
                matches!(command(&bad), Err(PayoutsError::BadEvent(_))),
                "{bad}"
            );
        }
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
