//! One month around a payout, driven through the handlers (`payouts`, `sync`, the recompute) with
//! a Stripe stand-in that behaves as Stripe does: the second security review's N1, N3, N4, N6,
//! N7 and N8 in the order a real month meets them (`docs/payouts.md` names this test for each).
//!
//! - November's pool arrives at 00:02 on 1 December, before the first run as of December (N6):
//!   it waits, and the hourly step splits it once that run is published.
//! - October's pool (an older month, paid late) gives one producer 1.5 times Stripe's
//!   per-transfer maximum (N7): paid in two parts, the others untouched.
//! - The platform's balance is short for the first hours, so every transfer fails retryably;
//!   meanwhile one producer's account is replaced (N4: the money follows it), and another's
//!   disconnect arrives after a newer name edit (N3: it still applies, and the producer is held,
//!   unpaid).
//! - One account's `transfers` capability is paused, then restored on the same account (N1): held
//!   until the platform relays Stripe's `account.updated`, then paid under a new key.
//! - Only open statements are read (N8), newest month first; the months reconcile with Stripe and
//!   the checker is clean.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use contribution::statement::{MAX_TRANSFER_MINOR, PayoutPeriod, StatementStatus};
use payouts::Deps;
use results::payout::{HoldReason, PayoutStatement, SplitState};
use serde_json::{Value, json};
use store::Store;

use crate::support::chaos::assert_consistent;
use crate::support::dynamodb::TestTable;
use crate::support::feed::deliver_at;
use crate::support::fixtures::{at, import, pid, run_at};
use crate::support::payouts::{
    assert_one_transfer_each, deps, pool_event, retry_event, stand_in, transfers_to,
};

/// The producer whose capability Stripe pauses, the one whose account is replaced, the one who
/// disconnects, and the one with a large share.
const PAUSED: &str = "ma";
const REPLACED: &str = "mb";
const DISCONNECTED: &str = "mc";
const LARGE: &str = "md";

fn account(producer: &str) -> String {
    format!("acct_{producer}")
}

/// Twenty payout-ready producers with one solo track each (the large one with five), all uploaded
/// together with no plays: each track is worth the same, so `LARGE` has 5 of 24 units. One more
/// producer is not payout-ready.
fn catalog() -> Vec<Value> {
    let mut ids: Vec<String> = [PAUSED, REPLACED, DISCONNECTED, LARGE]
        .map(str::to_owned)
        .to_vec();
    ids.extend((4..20).map(|n| format!("m{n:02}")));
    let mut lines = Vec::new();
    for id in &ids {
        lines.push(
            json!({"kind": "producer", "id": id, "name": format!("Producer {id}"),
            "genres": ["trap"], "stripeAccountId": account(id),
            "chargesEnabled": true, "payoutsEnabled": true}),
        );
        let tracks = if id == LARGE { 5 } else { 1 };
        for n in 0..tracks {
            lines.push(
                json!({"kind": "track", "id": format!("t-{id}-{n}"), "title": "Solo",
                "uploaderId": id, "credits": [id], "uploadedAt": "2026-11-21T00:00:00Z",
                "plays": 0}),
            );
        }
    }
    lines.push(json!({"kind": "producer", "id": "mx", "name": "Not Ready",
        "stripeAccountId": "acct_mx", "chargesEnabled": true, "payoutsEnabled": false}));
    lines.push(
        json!({"kind": "track", "id": "t-mx", "title": "Solo", "uploaderId": "mx",
        "credits": ["mx"], "uploadedAt": "2026-11-21T00:00:00Z", "plays": 0}),
    );
    lines
}

fn october() -> PayoutPeriod {
    PayoutPeriod::parse("2026-10").expect("period")
}

fn november() -> PayoutPeriod {
    PayoutPeriod::parse("2026-11").expect("period")
}

/// October's pool: `LARGE`'s 5/24 of it is 150,000,000 minor units, 1.5 times the maximum.
const OCTOBER_POOL: u64 = 720_000_000;
const NOVEMBER_POOL: u64 = 2_400_000;

/// A platform message about `producer` with `fields`, delivered through `sync` at `at`.
async fn feed(store: &Store, producer: &str, at_text: &str, fields: Value) {
    let mut message = json!({"type": "producer", "at": at_text, "id": producer});
    for (k, v) in fields.as_object().expect("fields") {
        message[k] = v.clone();
    }
    let failed = deliver_at(store, &[message], at(at_text) + TimeDelta::minutes(1)).await;
    assert!(failed.is_empty(), "{failed:?}");
}

async fn statement(store: &Store, producer: &str, period: PayoutPeriod) -> PayoutStatement {
    store
        .payouts()
        .payout_statement(&pid(producer), period)
        .await
        .expect("read")
        .expect("a statement")
}

/// The hourly step at `now`.
async fn hour(deps: &Deps, now: DateTime<Utc>) -> payouts::PayoutsReport {
    payouts::handle(deps, &retry_event(), || now)
        .await
        .expect("the hourly step")
}

#[tokio::test]
async fn a_month_of_late_runs_paused_replaced_and_disconnected_accounts_pays_every_cent_once() {
    let table = TestTable::create("payouts-month").await;
    let store = table.store();
    import(&store, &catalog()).await;
    // The last run before the month turns: as of the afternoon of 30 November.
    run_at(&store, at("2026-11-30T14:00:00Z")).await;
    let stripe = stand_in(Duration::from_secs(5)).await;
    let mut deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    deps.rules.max_pool_minor = 1_000_000_000;

    // 00:02, 1 December: Stripe's balance is short, and it has paused PAUSED's capability.
    stripe.set_balance("usd", 0);
    stripe.remove_transfers_capability(&account(PAUSED));
    let t0 = at("2026-12-01T00:02:00Z");
    let nov = payouts::handle(
        &deps,
        &pool_event("2026-11", json!(NOVEMBER_POOL), "USD"),
        || t0,
    )
    .await
    .expect("November's pool is kept, not refused");
    assert_eq!(nov.split_state, Some(SplitState::Waiting));
    assert_eq!(nov.transfers.pools_waiting, 1);
    let oct = payouts::handle(
        &deps,
        &pool_event("2026-10", json!(OCTOBER_POOL), "USD"),
        || t0,
    )
    .await
    .expect("October is split by the run of 30 November");
    assert_eq!(oct.split_state, Some(SplitState::Split));
    assert_eq!(oct.transfers.paid, 0, "the balance is short");
    let large = statement(&store, LARGE, october()).await;
    assert_eq!(large.amount_minor, 150_000_000);
    assert!(large.amount_minor > MAX_TRANSFER_MINOR);
    assert_eq!(
        statement(&store, PAUSED, october()).await.status,
        StatementStatus::Held
    );

    // The feed, out of order: DISCONNECTED renames at 00:30, and Stripe's disconnect of 00:10
    // arrives after it; REPLACED's account is replaced at 00:40.
    feed(
        &store,
        DISCONNECTED,
        "2026-12-01T00:30:00Z",
        json!({"name": "Renamed"}),
    )
    .await;
    feed(
        &store,
        DISCONNECTED,
        "2026-12-01T00:10:00Z",
        json!({"payoutsEnabled": false}),
    )
    .await;
    let disconnected = store
        .catalog()
        .get_producer(&pid(DISCONNECTED))
        .await
        .expect("read")
        .expect("profile");
    assert_eq!(
        (disconnected.name.as_str(), disconnected.payouts_enabled),
        ("Renamed", false),
        "the late disconnect applies over the newer rename"
    );
    let replacement = "acct_mb_replacement";
    feed(
        &store,
        REPLACED,
        "2026-12-01T00:40:00Z",
        json!({"stripeAccountId": replacement}),
    )
    .await;

    // 00:15's run is published: the hourly step at 01:00 splits November (the balance still
    // short, so nothing is paid yet).
    run_at(&store, at("2026-12-01T00:15:00Z")).await;
    let open = store.payouts().open_splits().await.expect("read");
    assert_eq!(
        open.iter().map(|s| s.period).collect::<Vec<_>>(),
        [november(), october()],
        "the newest month first"
    );
    let one = hour(&deps, at("2026-12-01T01:00:00Z")).await;
    assert_eq!(one.transfers.paid, 0);
    assert_eq!(
        store
            .payouts()
            .payout_split(november())
            .await
            .expect("read")
            .expect("split")
            .state,
        SplitState::Split
    );
    let disconnected_oct = statement(&store, DISCONNECTED, october()).await;
    assert_eq!(disconnected_oct.status, StatementStatus::Held);
    assert_eq!(
        statement(&store, DISCONNECTED, november()).await.status,
        StatementStatus::Excluded,
        "not payout-ready when November was split"
    );

    // 02:00: the balance is back. Everyone payout-ready is paid, to the account they have now;
    // PAUSED and DISCONNECTED stay held.
    stripe.set_balance("usd", u64::MAX / 2);
    let two = hour(&deps, at("2026-12-01T02:00:00Z")).await;
    assert!(two.transfers.paid >= 36, "{two:?}");
    assert_eq!(two.transfers.held, 3, "{two:?}");
    let to_replaced = transfers_to(&stripe, REPLACED);
    assert_eq!(to_replaced.len(), 2, "one each month");
    assert!(to_replaced.iter().all(|t| t.destination == replacement));
    let large = statement(&store, LARGE, october()).await;
    assert_eq!(large.status, StatementStatus::Paid);
    assert_eq!(
        large
            .paid_parts
            .iter()
            .map(|p| (p.part, p.amount_minor))
            .collect::<Vec<_>>(),
        [(1, 75_000_000), (2, 75_000_000)]
    );

    // 03:00: Stripe has restored PAUSED's capability, but the platform has not said so yet: still
    // held, nothing sent to it.
    stripe.restore_transfers_capability(&account(PAUSED));
    let posts = stripe.post_requests();
    let three = hour(&deps, at("2026-12-01T03:00:00Z")).await;
    assert_eq!((three.transfers.paid, three.transfers.held), (0, 3));
    assert_eq!(stripe.post_requests(), posts);
    // Only the held statements are read now (N8): October's and November's open markers.
    let open_oct: Vec<String> = store
        .payouts()
        .open_statements(october())
        .await
        .expect("read")
        .iter()
        .map(|s| s.producer_id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(open_oct, [PAUSED, DISCONNECTED]);

    // 03:10: the platform relays Stripe's account.updated for PAUSED, the same values as before.
    feed(
        &store,
        PAUSED,
        "2026-12-01T03:10:00Z",
        json!({"stripeAccountId": account(PAUSED), "chargesEnabled": true, "payoutsEnabled": true}),
    )
    .await;
    let four = hour(&deps, at("2026-12-01T04:00:00Z")).await;
    assert_eq!(
        (four.transfers.paid, four.transfers.sent_after_hold),
        (2, 2),
        "{four:?}"
    );
    let paused = statement(&store, PAUSED, october()).await;
    assert_eq!(paused.status, StatementStatus::Paid);
    assert_eq!(
        paused.send_round, 1,
        "a new key: the refusal saved under the old one is not replayed"
    );
    assert_eq!(
        paused.destination.as_deref(),
        Some(account(PAUSED).as_str())
    );

    // What the operators see: one statement held in October, with why.
    let owed = payouts::invoke(&deps, &json!({"action": "owed"}), || {
        at("2026-12-01T04:30:00Z")
    })
    .await
    .expect("owed");
    let months = owed["months"].as_array().expect("months");
    assert_eq!(months.len(), 1, "{owed}");
    assert_eq!(months[0]["period"], json!("2026-10"));
    assert_eq!(
        months[0]["statements"][0]["producerId"],
        json!(DISCONNECTED)
    );
    let why = months[0]["statements"][0]["why"].as_str().expect("why");
    assert!(why.contains("missing payoutsEnabled"), "{why}");

    // Both months against Stripe's listing: every transfer matched, sums equal.
    let reconciled = payouts::invoke(&deps, &json!({"action": "reconcile"}), || {
        at("2026-12-01T05:00:00Z")
    })
    .await
    .expect("reconciled");
    assert_eq!(reconciled["mismatches"], json!(0), "{reconciled}");
    assert_eq!(reconciled["months"].as_array().map(Vec::len), Some(2));

    // Every payout-ready producer is paid their exact cents once (a part each), to the account
    // they had when paid; DISCONNECTED is held and unpaid.
    let mut paid: Vec<PayoutStatement> = Vec::new();
    for period in [october(), november()] {
        let split = store
            .payouts()
            .payout_split(period)
            .await
            .expect("read")
            .expect("split");
        let statements = store
            .payouts()
            .split_statements(&split)
            .await
            .expect("statements");
        assert_eq!(
            statements.iter().map(|s| s.amount_minor).sum::<u64>(),
            split.amount_minor
        );
        for s in statements {
            match s.producer_id.as_str() {
                "mx" => assert_eq!(s.status, StatementStatus::Excluded),
                DISCONNECTED if period == october() => {
                    assert_eq!(s.status, StatementStatus::Held);
                    assert_eq!(
                        s.hold.as_ref().map(|h| h.reason.clone()),
                        Some(HoldReason::NotPayoutReady)
                    );
                }
                DISCONNECTED => assert_eq!(s.status, StatementStatus::Excluded),
                _ => {
                    assert_eq!(s.status, StatementStatus::Paid, "{}", s.producer_id);
                    let now_account = if s.producer_id.as_str() == REPLACED {
                        replacement.to_owned()
                    } else {
                        account(s.producer_id.as_str())
                    };
                    assert_eq!(s.destination.as_deref(), Some(now_account.as_str()));
                    paid.push(s);
                }
            }
        }
    }
    assert!(transfers_to(&stripe, DISCONNECTED).is_empty());
    let owed_to_paid: u64 = paid.iter().map(|s| s.amount_minor).sum();
    let refs: Vec<&PayoutStatement> = paid.iter().collect();
    assert_one_transfer_each(&refs, &stripe.transfers(), owed_to_paid);
    assert_eq!(
        owed_to_paid
            + statement(&store, DISCONNECTED, october())
                .await
                .amount_minor,
        OCTOBER_POOL + NOVEMBER_POOL
    );
    assert_eq!(
        store
            .payouts()
            .payout_split(november())
            .await
            .expect("read")
            .expect("split")
            .state,
        SplitState::Settled
    );
    assert_consistent(&table).await;
}
