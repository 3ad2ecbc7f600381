//! What operators can see and correct (`docs/payouts.md`, "Operators"): what is owed or held and
//! why, one statement held and released, a split voided before it paid and its corrected pool
//! paid, a hold past its limit escalated and alarmed, a month reconciled against Stripe (and a
//! stray transfer found); and what the producer's Finances page reads of it all.

use std::time::Duration;

use chrono::TimeDelta;
use contribution::statement::{Currency, StatementStatus};
use payouts::PayoutsError;
use results::payout::{PoolSender, SplitState};
use serde_json::json;

use crate::support::api::leaderboard as call;
use crate::support::chaos::assert_consistent;
use crate::support::dynamodb::TestTable;
use crate::support::events::Http;
use crate::support::feed::deliver_at;
use crate::support::fixtures::{as_of, at, import, run_at};
use crate::support::payouts::{
    Clock, deps, equal_catalog, period, pool_event, retry_event, split, stand_in, statement,
};

async fn equal_table(name: &str) -> TestTable {
    let table = TestTable::create(name).await;
    import(&table.store(), &equal_catalog()).await;
    run_at(&table.store(), as_of()).await;
    table
}

#[tokio::test]
async fn an_operator_holds_and_releases_one_statement_and_every_action_is_recorded() {
    let table = equal_table("operators-hold").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let clock = Clock::new();
    // The balance is short at first: every transfer fails, retryably.
    stripe.set_balance("cad", 0);
    payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), || {
        clock.now()
    })
    .await
    .expect("split");
    let hold = json!({"action": "hold", "period": "2026-10", "producer": "qa",
        "by": "ana", "why": "a fraud report is open"});
    let held = payouts::invoke(&deps, &hold, || clock.now())
        .await
        .expect("held");
    assert_eq!(held["status"], json!("held"));
    stripe.set_balance("cad", 1_000_000);
    clock.advance(TimeDelta::hours(1));
    let hour = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!((hour.transfers.paid, hour.transfers.held), (2, 1));
    assert!(
        stripe
            .transfers()
            .iter()
            .all(|t| !t.metadata.contains(&("producer".into(), "qa".into()))),
        "an operator's hold is never sent"
    );
    // Held by an operator, the month is settled: nothing left for the hourly step.
    assert_eq!(split(&store).await.state, SplitState::Settled);

    // The producer sees it held for review (not the operator's note), and the Finances overview.
    let detail = call(
        &store,
        Http::get("/producers/qa/payouts/2026-10").caller("qa"),
    )
    .await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["status"], json!("held"));
    assert_eq!(detail.body["hold"]["reason"], json!("review"));
    let list = call(&store, Http::get("/producers/qa/payouts").caller("qa")).await;
    assert_eq!(list.body["overview"][0]["upcomingMinor"], json!(34));
    assert_eq!(list.body["overview"][0]["lifetimePaidMinor"], json!(0));
    assert_eq!(
        list.body["overview"][0]["upcoming"][0]["status"],
        json!("held")
    );
    let pending = call(
        &store,
        Http::get("/producers/qa/payouts")
            .caller("qa")
            .query("status", "pending"),
    )
    .await;
    assert_eq!(pending.body["payouts"].as_array().map(Vec::len), Some(1));
    let paid_tab = call(
        &store,
        Http::get("/producers/qa/payouts")
            .caller("qa")
            .query("status", "paid"),
    )
    .await;
    assert_eq!(paid_tab.body["payouts"], json!([]));
    assert_eq!(
        paid_tab.body["overview"][0]["upcomingMinor"],
        json!(34),
        "the overview is whole"
    );
    let bad = call(
        &store,
        Http::get("/producers/qa/payouts")
            .caller("qa")
            .query("status", "lost"),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Released: the next hour pays it, once.
    let release = json!({"action": "release", "period": "2026-10", "producer": "qa",
        "by": "ana", "why": "the report was closed"});
    payouts::invoke(&deps, &release, || clock.now())
        .await
        .expect("released");
    assert_eq!(split(&store).await.state, SplitState::Split);
    clock.advance(TimeDelta::hours(1));
    let hour = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!(hour.transfers.paid, 1);
    let qa = statement(&store, "qa").await;
    assert_eq!(qa.status, StatementStatus::Paid);
    let notes: Vec<String> = qa.history.iter().filter_map(|h| h.note.clone()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n == "hold by ana: a fraud report is open")
            && notes
                .iter()
                .any(|n| n == "release by ana: the report was closed"),
        "{notes:?}"
    );
    let actions: Vec<(String, String)> = split(&store)
        .await
        .actions
        .iter()
        .map(|a| (a.action.clone(), a.by.clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("hold".into(), "ana".into()),
            ("release".into(), "ana".into())
        ]
    );
    let list = call(&store, Http::get("/producers/qa/payouts").caller("qa")).await;
    assert_eq!(list.body["overview"][0]["lifetimePaidMinor"], json!(34));
    assert_eq!(list.body["overview"][0]["upcomingMinor"], json!(0));
    // A paid statement cannot be held; an unknown one is named.
    for (bad, says) in [
        (
            json!({"action": "hold", "period": "2026-10", "producer": "qa", "by": "ana",
                "why": "too late"}),
            "Paid",
        ),
        (
            json!({"action": "release", "period": "2026-10", "producer": "nobody", "by": "ana",
                "why": "x"}),
            "no statement",
        ),
        (
            json!({"action": "hold", "period": "2026-09", "producer": "qa", "by": "ana",
                "why": "x"}),
            "no pool",
        ),
    ] {
        match payouts::invoke(&deps, &bad, || clock.now()).await {
            Err(e @ PayoutsError::Operator(_)) => {
                assert!(e.to_string().contains(says), "{e}");
                assert_eq!(e.error_type(), "OperatorRefused");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_consistent(&table).await;
}

#[tokio::test]
async fn a_split_that_sent_nothing_is_voided_and_the_corrected_pool_is_paid() {
    let table = equal_table("operators-void").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let clock = Clock::new();
    // A mis-scaled pool is split (the statements written, nothing sent yet).
    let sender = PoolSender {
        event_id: Some("wrong".into()),
        account: crate::support::payouts::BILLING_ACCOUNT.into(),
        received_at: clock.now(),
    };
    let wrong = payouts::event::PoolClosed {
        period: period(),
        amount_minor: 10_000,
        currency: Currency::Cad,
    };
    payouts::split::split_pool(&store, &wrong, sender, clock.now())
        .await
        .expect("split");
    assert_eq!(statement(&store, "qa").await.amount_minor, 3_334);
    let void = json!({"action": "void", "period": "2026-10", "by": "ben",
        "why": "billing sent cents as dollars"});
    let voided = payouts::invoke(&deps, &void, || clock.now())
        .await
        .expect("voided");
    assert_eq!(voided["statements"], json!(4));
    assert_eq!(split(&store).await.state, SplitState::Voided);
    assert_eq!(
        statement(&store, "qa").await.status,
        StatementStatus::Voided
    );
    assert!(
        store
            .payouts()
            .open_splits()
            .await
            .expect("read")
            .is_empty()
    );
    // The hourly step sends nothing of a voided month.
    payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!(stripe.post_requests(), 0);
    // Billing's corrected pool is split afresh and paid; the void stays on the record.
    let corrected = payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), || {
        clock.now()
    })
    .await
    .expect("the corrected pool");
    assert_eq!(corrected.transfers.paid, 3);
    let split_now = split(&store).await;
    assert_eq!(
        (split_now.state, split_now.amount_minor),
        (SplitState::Settled, 100)
    );
    assert_eq!(split_now.actions[0].action, "void");
    assert_eq!(statement(&store, "qa").await.amount_minor, 34);
    // A split that has paid cannot be voided: refused, nothing changed.
    let again = payouts::invoke(&deps, &void, || clock.now()).await;
    assert!(
        matches!(&again, Err(PayoutsError::Operator(why)) if why.contains("sent transfers")),
        "{again:?}"
    );
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert_eq!(split(&store).await.claim, None);
    assert_consistent(&table).await;
}

#[tokio::test]
async fn a_hold_past_its_limit_is_escalated_alarmed_and_released_by_an_operator() {
    let table = equal_table("operators-escalate").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let mut deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    deps.rules.hold_alarm = TimeDelta::hours(24);
    deps.rules.hold_limit = TimeDelta::days(3);
    let clock = Clock::new();
    // qc disconnects after the split and before the send.
    let sender = PoolSender {
        event_id: None,
        account: crate::support::payouts::BILLING_ACCOUNT.into(),
        received_at: clock.now(),
    };
    let pool = payouts::event::PoolClosed {
        period: period(),
        amount_minor: 100,
        currency: Currency::Cad,
    };
    payouts::split::split_pool(&store, &pool, sender, clock.now())
        .await
        .expect("split");
    let disconnect = json!({"type": "producer", "at": "2026-12-01T06:10:00Z", "id": "qc",
        "stripeAccountId": null});
    assert!(
        deliver_at(&store, &[disconnect], at("2026-12-01T06:11:00Z"))
            .await
            .is_empty()
    );
    clock.advance(TimeDelta::hours(1));
    let first = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("pass");
    assert_eq!((first.transfers.paid, first.transfers.held), (2, 1));
    let qc = statement(&store, "qc").await;
    assert_eq!(qc.status, StatementStatus::Held);
    assert_eq!(
        qc.hold.as_ref().map(|h| h.missing.clone()),
        Some(vec![contribution::payout::Signal::StripeAccount])
    );
    // Past the alarm threshold: HeldTooLong, every hour.
    clock.advance(TimeDelta::hours(25));
    let late = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("pass");
    assert_eq!(late.transfers.held_too_long, 1);
    assert!(payouts::emf_line(&late, 0).contains(r#""HeldTooLong":1"#));
    // Past the limit: handed to operators, alarmed once, and the month settles.
    clock.advance(TimeDelta::days(3));
    let escalated = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("pass");
    assert_eq!(escalated.transfers.escalated, 1);
    assert!(payouts::emf_line(&escalated, 0).contains(r#""Escalated":1"#));
    assert_eq!(
        statement(&store, "qc").await.status,
        StatementStatus::Escalated
    );
    assert_eq!(split(&store).await.state, SplitState::Settled);
    let owed = payouts::invoke(&deps, &json!({"action": "owed"}), || clock.now())
        .await
        .expect("owed");
    assert_eq!(
        owed["months"][0]["statements"][0]["status"],
        json!("escalated")
    );
    // Support reaches qc, who connects an account; an operator releases the statement.
    let connect = json!({"type": "producer", "at": "2026-12-05T09:00:00Z", "id": "qc",
        "stripeAccountId": "acct_qc_2"});
    assert!(
        deliver_at(&store, &[connect], at("2026-12-05T09:01:00Z"))
            .await
            .is_empty()
    );
    let release = json!({"action": "release", "period": "2026-10", "producer": "qc",
        "by": "cy", "why": "support reached the producer"});
    payouts::invoke(&deps, &release, || clock.now())
        .await
        .expect("released");
    clock.advance(TimeDelta::hours(1));
    let paid = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("pass");
    assert_eq!(paid.transfers.paid, 1);
    let qc = statement(&store, "qc").await;
    assert_eq!(
        (qc.status, qc.destination.as_deref()),
        (StatementStatus::Paid, Some("acct_qc_2"))
    );
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert_consistent(&table).await;
}

#[tokio::test]
async fn reconciliation_matches_every_transfer_and_names_a_stray() {
    let table = equal_table("operators-reconcile").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let clock = Clock::new();
    payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), || {
        clock.now()
    })
    .await
    .expect("paid");
    let clean = payouts::invoke(
        &deps,
        &json!({"action": "reconcile", "period": "2026-10"}),
        || clock.now(),
    )
    .await
    .expect("reconciled");
    assert_eq!(clean["mismatches"], json!(0), "{clean}");
    assert_eq!(clean["months"][0]["reconciliation"]["matched"], json!(3));
    assert_eq!(
        clean["months"][0]["reconciliation"]["listedMinor"],
        json!(100)
    );
    // A transfer into the month's group that no statement made (someone used the key by hand).
    let stray = deps
        .stripe
        .create_transfer(&payouts::stripe::TransferRequest {
            amount_minor: 7,
            currency: Currency::Cad,
            destination: "acct_qa".into(),
            idempotency_key: "by-hand".into(),
            transfer_group: payouts::stripe::transfer_group(period()),
            period: period(),
            producer: "qa".into(),
            part: 1,
        })
        .await
        .expect("made");
    let found = payouts::invoke(&deps, &json!({"action": "reconcile"}), || clock.now())
        .await
        .expect("reconciled");
    assert_eq!(found["mismatches"], json!(1), "{found}");
    assert_eq!(
        found["months"][0]["reconciliation"]["strays"],
        json!([stray.id])
    );
    let kept = split(&store).await.reconciled.expect("kept on the split");
    assert!(!kept.is_clean());
    assert_eq!((kept.listed_minor, kept.recorded_minor), (107, 100));
    // A month Stripe cannot list counts as a mismatch, with why.
    stripe.set_list_failure(Some(stripe_standin::ListFailure::ServerError));
    let unlisted = payouts::invoke(&deps, &json!({"action": "reconcile"}), || clock.now())
        .await
        .expect("answered");
    assert_eq!(unlisted["mismatches"], json!(1));
    assert!(unlisted["months"][0]["error"].is_string(), "{unlisted}");
}

/// The statuses the contract lists are exactly the ones a statement can have.
#[test]
fn the_contract_lists_every_statement_status() {
    let spec: serde_norway::Value =
        serde_norway::from_str(include_str!("../../infra/openapi.yaml")).expect("the spec");
    let listed: Vec<String> = spec["components"]["schemas"]["PayoutStatus"]["enum"]
        .as_sequence()
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().expect("text").to_owned())
        .collect();
    let ours: Vec<String> = StatementStatus::ALL
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .expect("encode")
                .as_str()
                .expect("text")
                .to_owned()
        })
        .collect();
    assert_eq!(listed, ours);
}
