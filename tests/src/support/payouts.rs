//! What the payouts tests share: billing's pool event, the Stripe stand-in, the function's
//! dependencies with the test rules, a clock the tests move forward an hour at a time, and a
//! small catalog whose split is worked out by hand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use contribution::statement::PayoutPeriod;
use payouts::{Deps, PayoutRules, Stripe};
use results::payout::{PayoutSplit, PayoutStatement};
use serde_json::{Value, json};
use store::Store;
use stripe_standin::{StandIn, Transfer};

use crate::support::fixtures::{at, pid};

/// Billing's account in these tests (the handler's `BILLING_ACCOUNT_ID`).
pub const BILLING_ACCOUNT: &str = "111122223333";

/// The month the tests pay: over by [`now`], and within the run published as of
/// `recompute_run::as_of()` (2026-11-21, after October ends).
pub fn period() -> PayoutPeriod {
    PayoutPeriod::parse("2026-10").expect("period")
}

/// The function's clock in the tests that do not move it.
pub fn now() -> DateTime<Utc> {
    at("2026-12-01T06:00:00Z")
}

/// A clock that starts at [`now`] and moves forward when told: the hourly schedule's
/// invocations, a claim that lapses.
#[derive(Debug)]
pub struct Clock(AtomicI64);

impl Default for Clock {
    fn default() -> Self {
        Self(AtomicI64::new(now().timestamp_millis()))
    }
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0.load(Ordering::SeqCst)).expect("a time")
    }

    pub fn advance(&self, by: TimeDelta) {
        self.0.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

/// Billing's pool event for `period`, from billing's account.
pub fn pool_event(period: &str, amount_minor: Value, currency: &str) -> Value {
    json!({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Producer Pool Closed", "source": "beatpass.billing",
        "account": BILLING_ACCOUNT, "time": "2026-12-01T06:00:00Z", "region": "ca-central-1",
        "resources": [],
        "detail": {"period": period, "amountMinor": amount_minor, "currency": currency}
    })
}

/// The hourly schedule's event.
pub fn retry_event() -> Value {
    json!({"action": "retry-transfers"})
}

pub async fn stand_in(hang: Duration) -> StandIn {
    StandIn::start_with(
        "127.0.0.1:0".parse().expect("address"),
        hang,
        crate::support::chaos::seed("stripe-standin"),
    )
    .await
    .expect("start the Stripe stand-in")
}

pub fn rules() -> PayoutRules {
    PayoutRules::new(BILLING_ACCOUNT)
}

pub fn deps(store: Store, stand_in: &StandIn, timeout: Duration) -> Deps {
    deps_with_key(store, stand_in, timeout, "sk_test_standin")
}

pub fn deps_with_key(store: Store, stand_in: &StandIn, timeout: Duration, key: &str) -> Deps {
    Deps {
        store,
        stripe: Stripe::new(&stand_in.base_url, key.to_owned(), timeout).expect("client"),
        concurrency: 4,
        rules: rules(),
    }
}

/// Four producers with one solo track each, uploaded at the as-of with no plays: each is worth
/// exactly 1. qa, qb and qc are payout-ready; qd has no payouts enabled.
pub fn equal_catalog() -> Vec<Value> {
    let mut lines = Vec::new();
    for (id, payouts) in [("qa", true), ("qb", true), ("qc", true), ("qd", false)] {
        lines.push(
            json!({"kind": "producer", "id": id, "name": format!("Producer {id}"),
            "genres": ["trap"], "stripeAccountId": format!("acct_{id}"),
            "chargesEnabled": true, "payoutsEnabled": payouts}),
        );
        lines.push(
            json!({"kind": "track", "id": format!("t-{id}"), "title": "Solo",
            "uploaderId": id, "credits": [id], "uploadedAt": "2026-11-21T00:00:00Z", "plays": 0}),
        );
    }
    lines
}

/// Closes October with a pool of `amount_minor` CAD and pays it through a fresh stand-in.
pub async fn pay_pool(store: &Store, amount_minor: u64) -> StandIn {
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    payouts::handle(
        &deps,
        &pool_event(&period().to_string(), json!(amount_minor), "CAD"),
        now,
    )
    .await
    .expect("split and paid");
    stripe
}

pub async fn statement(store: &Store, producer: &str) -> PayoutStatement {
    store
        .payouts()
        .payout_statement(&pid(producer), period())
        .await
        .expect("read")
        .expect("a statement")
}

pub async fn split(store: &Store) -> PayoutSplit {
    store
        .payouts()
        .payout_split(period())
        .await
        .expect("read")
        .expect("a split")
}

/// Every transfer the stand-in made to pay `producer` (any month).
pub fn transfers_to(stripe: &StandIn, producer: &str) -> Vec<Transfer> {
    stripe
        .transfers()
        .into_iter()
        .filter(|t| t.metadata.contains(&("producer".into(), producer.into())))
        .collect()
}

/// Exactly one transfer per part of each statement in `paid` (one part unless the amount is above
/// Stripe's per-transfer maximum), for the part's amount, under the id the statement records,
/// to the account the statement last sent to; the transfers sum to `pool`.
pub fn assert_one_transfer_each(paid: &[&PayoutStatement], transfers: &[Transfer], pool: u64) {
    let parts: usize = paid
        .iter()
        .map(|s| contribution::statement::transfer_parts(s.amount_minor).len())
        .sum();
    assert_eq!(transfers.len(), parts, "one transfer a part, never two");
    for s in paid {
        let made: Vec<_> = transfers
            .iter()
            .filter(|t| {
                t.metadata
                    .contains(&("producer".into(), s.producer_id.to_string()))
                    && t.metadata
                        .contains(&("period".into(), s.period.to_string()))
            })
            .collect();
        let expected = contribution::statement::transfer_parts(s.amount_minor);
        assert_eq!(made.len(), expected.len(), "{}", s.producer_id);
        for (part, amount) in expected {
            let t = made
                .iter()
                .find(|t| t.metadata.contains(&("part".into(), part.to_string())))
                .unwrap_or_else(|| panic!("{} part {part} was paid", s.producer_id));
            assert_eq!(t.amount, amount, "{} part {part}", s.producer_id);
            let recorded = s.paid_parts.iter().find(|p| p.part == part);
            assert_eq!(
                recorded.map(|p| p.transfer_id.as_str()),
                Some(t.id.as_str()),
                "{} part {part}",
                s.producer_id
            );
            assert_eq!(
                recorded.map(|p| p.destination.as_str()),
                Some(t.destination.as_str()),
                "{} part {part}",
                s.producer_id
            );
        }
        assert_eq!(
            s.transfer_id.as_deref(),
            s.paid_parts.first().map(|p| p.transfer_id.as_str())
        );
    }
    assert_eq!(transfers.iter().map(|t| t.amount).sum::<u64>(), pool);
}
