//! The payouts function against a Stripe that fails the way the real one can, and against pools
//! that do not make sense: the security review's H1, M1, M2, L2–L5 (`docs/payouts.md`,
//! "Failures and who sees them", names each test here).

use std::time::Duration;

use chrono::TimeDelta;
use contribution::statement::{Currency, StatementStatus};
use payouts::{PayoutsError, Refusal};
use results::payout::{FailureCode, PayoutSplit, SplitState};
use serde_json::json;
use stripe_standin::{Faults, ListFailure};

use crate::support::api::leaderboard as call;
use crate::support::chaos::{assert_consistent, table_items};
use crate::support::dynamodb::TestTable;
use crate::support::events::Http;
use crate::support::fixtures::at;
use crate::support::fixtures::{as_of, generated, import, run_at};
use crate::support::payouts::{
    Clock, deps, deps_with_key, equal_catalog, now, pool_event, retry_event, split, stand_in,
    statement, transfers_to,
};

/// A table with the equal catalog and a run as of 2026-11-21 (October is over by then).
async fn equal_table(name: &str) -> TestTable {
    let table = TestTable::create(name).await;
    import(&table.store(), &equal_catalog()).await;
    run_at(&table.store(), as_of()).await;
    table
}

fn october(amount: u64) -> serde_json::Value {
    pool_event("2026-10", json!(amount), "CAD")
}

/// H1: Stripe applies the transfers but every answer is lost; then listing the group fails for
/// hours. Nothing is sent again, nothing is dropped, the period stays open and counted; once
/// Stripe recovers every statement is found paid, once.
#[tokio::test]
async fn a_period_whose_listing_fails_is_not_settled_and_is_paid_once_stripe_recovers() {
    let table = equal_table("payouts-list-fails").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(2)).await;
    stripe.set_faults(Faults {
        timeout_after_apply: 1.0,
        ..Faults::default()
    });
    let deps = deps(store.clone(), &stripe, Duration::from_millis(300));
    let clock = Clock::new();
    let first = payouts::handle(&deps, &october(100), || clock.now())
        .await
        .expect("split");
    // Every transfer was made, every answer lost: retryable failures, still open.
    assert_eq!(stripe.transfers().len(), 3);
    assert_eq!(
        (first.transfers.paid, first.transfers.still_open),
        (0, 3),
        "{first:?}"
    );
    stripe.recover();
    for failure in [
        ListFailure::RateLimited,
        ListFailure::ServerError,
        ListFailure::Timeout,
    ] {
        stripe.set_list_failure(Some(failure));
        clock.advance(TimeDelta::hours(1));
        let posts = stripe.post_requests();
        let hour = payouts::handle(&deps, &retry_event(), || clock.now())
            .await
            .expect("the hourly retry");
        assert_eq!(
            stripe.post_requests(),
            posts,
            "{failure:?}: nothing re-sent"
        );
        assert_eq!(
            (hour.transfers.still_open, hour.transfers.listing_failed),
            (3, 1),
            "{failure:?}: {hour:?}"
        );
        let emf = payouts::emf_line(&hour, 0);
        assert!(emf.contains(r#""StillOpen":3"#), "{emf}");
        assert_eq!(split(&store).await.state, SplitState::Split);
    }
    assert!(stripe.faults_injected().list_failures >= 3);
    stripe.recover();
    clock.advance(TimeDelta::hours(1));
    let recovered = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("the hourly retry");
    assert_eq!(
        (
            recovered.transfers.reconciled,
            recovered.transfers.still_open
        ),
        (3, 0)
    );
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert_eq!(stripe.transfers().len(), 3, "each paid once");
    assert_eq!(
        stripe.transfers().iter().map(|t| t.amount).sum::<u64>(),
        100
    );
    for p in ["qa", "qb", "qc"] {
        assert_eq!(statement(&store, p).await.status, StatementStatus::Paid);
    }
    assert_consistent(&table).await;
}

/// H1 (key rotation) and L4: a revoked key leaves everything open, shows producers this
/// project's words (never Stripe's text, which names the key), and stops sending at the first
/// refusal; the good key pays it all.
#[tokio::test]
async fn a_revoked_key_leaves_the_period_open_and_shows_no_stripe_text() {
    let table = equal_table("payouts-revoked").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    stripe.revoke_key("sk_live_rotated1234");
    let revoked = deps_with_key(
        store.clone(),
        &stripe,
        Duration::from_secs(5),
        "sk_live_rotated1234",
    );
    let clock = Clock::new();
    let report = payouts::handle(&revoked, &october(100), || clock.now())
        .await
        .expect("split");
    // Sends already in flight (4 at a time) fail too; nothing is claimed after the refusal.
    assert!((1..=3).contains(&report.transfers.failed), "{report:?}");
    assert_eq!(report.transfers.still_open, 3);
    for _ in 0..2 {
        clock.advance(TimeDelta::hours(1));
        let hour = payouts::handle(&revoked, &retry_event(), || clock.now())
            .await
            .expect("retry");
        assert_eq!(hour.transfers.still_open, 3);
        assert_eq!(split(&store).await.state, SplitState::Split);
    }
    let failed = ["qa", "qb", "qc"];
    let mut shown = 0;
    for p in failed {
        let reply = call(
            &store,
            Http::get(&format!("/producers/{p}/payouts/2026-10")).caller(p),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let text = reply.body.to_string();
        assert!(
            !text.contains("sk_live") && !text.contains("Invalid API Key"),
            "{text}"
        );
        if reply.body["status"] == json!("failed") {
            shown += 1;
            assert_eq!(reply.body["failure"]["code"], json!("key_rejected"));
            assert_eq!(reply.body["failure"]["retryable"], json!(true));
            assert_eq!(
                reply.body["failure"]["message"],
                json!(FailureCode::KeyRejected.message())
            );
        }
    }
    assert_eq!(shown, report.transfers.failed);
    assert!(stripe.transfers().is_empty());
    let good = deps(store.clone(), &stripe, Duration::from_secs(5));
    clock.advance(TimeDelta::hours(1));
    let paid = payouts::handle(&good, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!(paid.transfers.paid, 3);
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert_consistent(&table).await;
}

/// M2: a future period, a period older than the limit, a pool from another account, and a pool
/// above the ceiling are refused, naming the rule, with nothing written.
#[tokio::test]
async fn pools_that_do_not_make_sense_are_refused_with_nothing_written() {
    let table = equal_table("payouts-refused").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let before = table_items(&table).await;
    let mut foreign = october(100);
    foreign["account"] = json!("999999999999");
    let cases = [
        (
            pool_event("2026-12", json!(100), "CAD"),
            "RefusedPeriodNotEnded",
        ),
        (
            pool_event("2031-01", json!(100), "CAD"),
            "RefusedPeriodNotEnded",
        ),
        (
            pool_event("2026-08", json!(100), "CAD"),
            "RefusedPeriodTooOld",
        ),
        (
            pool_event("2000-01", json!(100), "CAD"),
            "RefusedPeriodTooOld",
        ),
        (foreign, "RefusedForeignAccount"),
        // Above PAYOUT_MAX_POOL_MINOR (10 million): a mis-scaled pool is not paid.
        (october(1_000_000_001), "RefusedPoolAboveCeiling"),
    ];
    for (event, rule) in cases {
        let outcome = payouts::handle(&deps, &event, now).await;
        match outcome {
            Err(e @ PayoutsError::Refused(_)) => {
                assert_eq!(e.error_type(), rule, "{event}");
                assert!(e.to_string().contains("rule "), "{e}");
            }
            other => panic!("{event}: {other:?}"),
        }
    }
    // The function's clock decides, not the event's: the same October pool the day before
    // October ends is refused.
    let early = payouts::handle(&deps, &october(100), || at("2026-10-31T23:00:00Z")).await;
    assert!(
        matches!(
            early,
            Err(PayoutsError::Refused(Refusal::PeriodNotEnded { .. }))
        ),
        "{early:?}"
    );
    assert_eq!(table_items(&table).await, before);
    assert_eq!(stripe.post_requests(), 0);
}

/// M1: a transfer that fails for good (Stripe's `idempotency_error`: the key was used before
/// with other parameters) is counted in the invocation where it happens; the statement is Failed
/// and the period settles without it; an operator's release sends it again under a new key,
/// once.
#[tokio::test]
async fn a_final_failure_raises_the_metric_in_the_same_hour_and_an_operator_release_pays_it_once() {
    let table = equal_table("payouts-refused-key").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    // Someone used qb's key first, for another amount: Stripe refuses the reuse for good.
    let stray = payouts::Stripe::new(
        &stripe.base_url,
        "sk_test_other".into(),
        Duration::from_secs(5),
    )
    .expect("client")
    .create_transfer(&payouts::stripe::TransferRequest {
        amount_minor: 1,
        currency: Currency::Cad,
        destination: "acct_elsewhere".into(),
        idempotency_key: payouts::stripe::idempotency_key(
            crate::support::payouts::period(),
            "qb",
            "acct_qb",
            0,
            None,
        ),
        transfer_group: "elsewhere".into(),
        period: crate::support::payouts::period(),
        producer: "someone".into(),
        part: 1,
    })
    .await;
    assert!(stray.is_ok(), "{stray:?}");
    let clock = Clock::new();
    let first = payouts::handle(&deps, &october(100), || clock.now())
        .await
        .expect("split");
    assert_eq!(
        (first.transfers.final_failures, first.transfers.paid),
        (1, 2)
    );
    let emf = payouts::emf_line(&first, 0);
    assert!(emf.contains(r#""FinalFailures":1"#), "{emf}");
    assert_eq!(split(&store).await.state, SplitState::Settled);
    let qb = statement(&store, "qb").await;
    assert_eq!(qb.status, StatementStatus::Failed);
    assert_eq!(
        qb.failure
            .as_ref()
            .map(|f| (f.code, f.retryable, f.stripe_code.as_deref())),
        Some((
            FailureCode::TransferRefused,
            false,
            Some("idempotency_error")
        ))
    );
    // The operators see it, and release it once they know why.
    let owed = payouts::invoke(&deps, &json!({"action": "owed"}), || clock.now())
        .await
        .expect("owed");
    assert_eq!(
        owed["months"][0]["statements"][0]["producerId"],
        json!("qb")
    );
    let why = owed["months"][0]["statements"][0]["why"]
        .as_str()
        .expect("why");
    assert!(
        why.contains("failed for good") && why.contains("idempotency_error"),
        "{why}"
    );
    let release = json!({"action": "release", "period": "2026-10", "producer": "qb",
        "by": "ana", "why": "the stray key was a test; checked with Stripe"});
    payouts::invoke(&deps, &release, || clock.now())
        .await
        .expect("released");
    assert_eq!(split(&store).await.state, SplitState::Split, "open again");
    clock.advance(TimeDelta::hours(1));
    let hour = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!(hour.transfers.paid, 1);
    let qb = statement(&store, "qb").await;
    assert_eq!(qb.status, StatementStatus::Paid);
    assert_eq!(qb.send_round, 1, "a new key");
    let notes: Vec<String> = qb.history.iter().filter_map(|h| h.note.clone()).collect();
    assert!(
        notes.iter().any(|n| n.contains("release by ana")),
        "{notes:?}"
    );
    let to_qb = transfers_to(&stripe, "qb");
    assert_eq!(to_qb.len(), 1, "paid once");
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert_eq!(split(&store).await.actions.len(), 1);
    assert_consistent(&table).await;
}

/// N1 and N4: a closed account holds the statement (not a final failure) while the rest are
/// paid; it is sent, once, to the account the producer connects next, under a key that names it.
#[tokio::test]
async fn a_closed_account_holds_the_statement_and_the_next_account_is_paid_once() {
    let table = equal_table("payouts-closed").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    stripe.close_account("acct_qb");
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let clock = Clock::new();
    let first = payouts::handle(&deps, &october(100), || clock.now())
        .await
        .expect("split");
    assert_eq!(
        (
            first.transfers.final_failures,
            first.transfers.paid,
            first.transfers.held
        ),
        (0, 2, 1)
    );
    assert_eq!(split(&store).await.state, SplitState::Split, "held is open");
    let qb = statement(&store, "qb").await;
    assert_eq!(qb.status, StatementStatus::Held);
    assert_eq!(
        qb.failure
            .as_ref()
            .map(|f| (f.code, f.stripe_code.as_deref())),
        Some((FailureCode::AccountUnusable, Some("account_invalid")))
    );
    let reply = call(
        &store,
        Http::get("/producers/qb/payouts/2026-10").caller("qb"),
    )
    .await;
    assert_eq!(reply.body["status"], json!("held"), "{}", reply.body);
    assert_eq!(reply.body["hold"]["reason"], json!("accountRefused"));
    // Nothing changes while the producer's payout fields do not.
    let posts = stripe.post_requests();
    clock.advance(TimeDelta::hours(1));
    let waiting = payouts::handle(&deps, &retry_event(), || clock.now())
        .await
        .expect("retry");
    assert_eq!((waiting.transfers.held, waiting.transfers.paid), (1, 0));
    assert_eq!(
        stripe.post_requests(),
        posts,
        "not sent to the closed account again"
    );
    // qb connects a new account through the platform's feed.
    let reconnect = json!({"type": "producer", "at": "2026-12-01T07:00:00Z", "id": "qb",
        "stripeAccountId": "acct_qb_new", "chargesEnabled": true, "payoutsEnabled": true});
    let failed =
        crate::support::feed::deliver_at(&store, &[reconnect], at("2026-12-01T07:00:00Z")).await;
    assert!(failed.is_empty());
    for _ in 0..2 {
        clock.advance(TimeDelta::hours(1));
        payouts::handle(&deps, &retry_event(), || clock.now())
            .await
            .expect("retry");
    }
    let qb = statement(&store, "qb").await;
    assert_eq!(qb.status, StatementStatus::Paid);
    assert_eq!(qb.destination.as_deref(), Some("acct_qb_new"));
    let to_qb = transfers_to(&stripe, "qb");
    assert_eq!(to_qb.len(), 1, "paid once");
    assert_eq!(to_qb[0].destination, "acct_qb_new");
    assert_eq!(
        stripe.transfers().iter().map(|t| t.amount).sum::<u64>(),
        100
    );
    assert_eq!(split(&store).await.state, SplitState::Settled);
    assert!(
        store
            .payouts()
            .open_splits()
            .await
            .expect("read")
            .is_empty()
    );
    assert_consistent(&table).await;
}

/// L2: a share that rounds to 0 is final without a transfer.
#[tokio::test]
async fn a_zero_cent_share_is_nothing_due_and_never_sent() {
    let table = equal_table("payouts-zero").await;
    let store = table.store();
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let report = payouts::handle(&deps, &october(2), now)
        .await
        .expect("split");
    assert_eq!(report.transfers.paid, 2);
    let qc = statement(&store, "qc").await;
    assert_eq!(
        (qc.status, qc.amount_minor),
        (StatementStatus::NothingDue, 0)
    );
    assert_eq!(stripe.transfers().len(), 2);
    assert_eq!(split(&store).await.state, SplitState::Settled);
    let reply = call(
        &store,
        Http::get("/producers/qc/payouts/2026-10").caller("qc"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], json!("nothing_due"));
    assert_consistent(&table).await;
}

/// L3: a period that cannot be finished (its run has expired) is logged and counted, and the
/// other periods are paid.
#[tokio::test]
async fn one_bad_period_never_stops_the_others() {
    let table = equal_table("payouts-bad-period").await;
    let store = table.store();
    let run = store
        .runs()
        .latest_run()
        .await
        .expect("read")
        .expect("a run");
    // A September split left midway, by a run that has since expired (its claim long lapsed).
    let mut stale = PayoutSplit::starting(
        contribution::statement::PayoutPeriod::parse("2026-09").expect("period"),
        500,
        Currency::Cad,
        Some((
            results::run_id::RunId::of(at("2026-08-01T00:00:00Z")),
            run.as_of,
        )),
        at("2026-10-01T00:00:00Z"),
    );
    stale.claim = Some(results::payout::SplitClaim {
        token: "dead".into(),
        until: at("2026-10-01T00:16:00Z"),
    });
    assert_eq!(
        store.payouts().start_split(&stale).await.expect("write"),
        store::payouts::statements::SplitStart::Started
    );
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let report = payouts::handle(&deps, &october(100), now)
        .await
        .expect("the pool is split and paid");
    assert_eq!(
        (report.transfers.period_errors, report.transfers.paid),
        (1, 3)
    );
    let emf = payouts::emf_line(&report, 0);
    assert!(emf.contains(r#""PeriodErrors":1"#), "{emf}");
    assert_eq!(split(&store).await.state, SplitState::Settled);
}

/// L5: two invocations at once (the pool event twice, and the hourly retry) pay each producer
/// once, and the statements sum to the pool.
#[tokio::test]
async fn two_concurrent_invocations_pay_each_producer_once() {
    let table = TestTable::create("payouts-concurrent").await;
    let store = table.store();
    generated(&store, 60, 300).await;
    run_at(&store, as_of()).await;
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let pool = 987_654;
    let event = october(pool);
    let retry = retry_event();
    let (a, b, c) = tokio::join!(
        payouts::handle(&deps, &event, now),
        payouts::handle(&deps, &event, now),
        payouts::handle(&deps, &retry, now),
    );
    for outcome in [&a, &b, &c] {
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    // Whatever one of them left (a claim held by the other), the next hour finishes.
    let clock = Clock::new();
    for _ in 0..3 {
        clock.advance(TimeDelta::hours(1));
        payouts::handle(&deps, &retry, || clock.now())
            .await
            .expect("retry");
    }
    let split = split(&store).await;
    assert_eq!(split.state, SplitState::Settled);
    let statements = store
        .payouts()
        .split_statements(&split)
        .await
        .expect("statements");
    let paid: Vec<_> = statements
        .iter()
        .filter(|s| s.status == StatementStatus::Paid)
        .collect();
    let transfers = stripe.transfers();
    assert_eq!(
        transfers.len(),
        paid.len(),
        "one transfer per paid statement"
    );
    for s in &paid {
        let made = transfers
            .iter()
            .filter(|t| {
                t.metadata
                    .contains(&("producer".into(), s.producer_id.to_string()))
            })
            .count();
        assert_eq!(made, 1, "{}", s.producer_id);
    }
    assert_eq!(transfers.iter().map(|t| t.amount).sum::<u64>(), pool);
    assert_consistent(&table).await;
}

/// L4: the failure codes producers can see are exactly the ones the contract lists, each with a
/// message this project wrote, spelled as stored.
#[test]
fn the_contract_lists_every_failure_code() {
    let spec: serde_norway::Value =
        serde_norway::from_str(include_str!("../../infra/openapi.yaml")).expect("the spec");
    let listed: Vec<String> = spec["components"]["schemas"]["PayoutDetail"]["properties"]
        ["failure"]["properties"]["code"]["enum"]
        .as_sequence()
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().expect("text").to_owned())
        .collect();
    let ours: Vec<String> = FailureCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(listed, ours);
    for code in FailureCode::ALL {
        assert_eq!(
            serde_json::to_value(code).expect("encode"),
            json!(code.as_str())
        );
        assert!(!code.message().contains("Stripe:"), "{code:?}");
    }
}
