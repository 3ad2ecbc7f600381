//! The `payouts` function end to end against DynamoDB Local and the Stripe stand-in: a pool split
//! by hand and paid, the same event again, a conflicting pool, malformed events, the statement
//! reads; and the whole flow through DynamoDB faults, Stripe faults and a transfer step killed at
//! random points.

use std::time::Duration;

use chrono::TimeDelta;
use contribution::payout::Signal;
use contribution::statement::StatementStatus;
use payouts::{Deps, PayoutsError};
use results::payout::PayoutStatement;
use serde_json::{Value, json};
use stripe_standin::Faults;

use crate::support::api::leaderboard as call;
use crate::support::chaos::{
    assert_consistent, assert_faulted, faulty_proxy, sized, store_through,
};
use crate::support::dynamodb::TestTable;
use crate::support::events::Http;
use crate::support::fixtures::{as_of, generated, import, run_at};
use crate::support::payouts::{
    Clock, assert_one_transfer_each, deps, equal_catalog, now, period, pool_event, retry_event,
    stand_in, statement,
};

#[tokio::test]
async fn a_pool_of_100_is_paid_34_33_33_by_id_and_the_excluded_share_is_redistributed() {
    let table = TestTable::create("payouts-hand").await;
    let store = table.store();
    import(&store, &equal_catalog()).await;
    run_at(&store, as_of()).await;
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));

    let report = payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), now)
        .await
        .expect("split and paid");
    assert_eq!((report.eligible, report.excluded), (Some(3), Some(1)));
    assert_eq!(report.transfers.paid, 3);

    // Four equal contributions; qd is not payout-ready, so the pool goes to three: 33⅓ each,
    // floors 33, the one leftover unit to the first by id.
    let amounts: Vec<(u64, StatementStatus, bool)> = {
        let mut v = Vec::new();
        for p in ["qa", "qb", "qc", "qd"] {
            let s = statement(&store, p).await;
            v.push((s.amount_minor, s.status, s.remainder_unit));
        }
        v
    };
    assert_eq!(
        amounts,
        [
            (34, StatementStatus::Paid, true),
            (33, StatementStatus::Paid, false),
            (33, StatementStatus::Paid, false),
            (0, StatementStatus::Excluded, false),
        ]
    );
    let qd = statement(&store, "qd").await;
    assert_eq!(qd.missing, [Signal::PayoutsEnabled]);
    let transfers = stripe.transfers();
    assert_eq!(transfers.len(), 3);
    assert_eq!(transfers.iter().map(|t| t.amount).sum::<u64>(), 100);
    let qa_transfer = transfers
        .iter()
        .find(|t| t.destination == "acct_qa")
        .expect("qa was paid");
    assert_eq!(
        (
            qa_transfer.amount,
            qa_transfer.currency.as_str(),
            qa_transfer.transfer_group.as_deref()
        ),
        (34, "cad", Some("payout-2026-10"))
    );
    assert!(
        qa_transfer
            .metadata
            .contains(&("producer".into(), "qa".into()))
    );
    assert_eq!(
        statement(&store, "qa").await.transfer_id.as_deref(),
        Some(qa_transfer.id.as_str())
    );

    // The same event again: the same split, nothing sent.
    let posts = stripe.post_requests();
    let again = payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), now)
        .await
        .expect("the same event reports the split");
    assert_eq!((again.eligible, again.excluded), (Some(3), Some(1)));
    assert_eq!(stripe.post_requests(), posts);
    // Another pool for the period is refused, and changes nothing.
    for (amount, currency) in [(101, "CAD"), (100, "USD")] {
        let refused =
            payouts::handle(&deps, &pool_event("2026-10", json!(amount), currency), now).await;
        assert!(
            matches!(refused, Err(PayoutsError::ConflictingPool { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(statement(&store, "qb").await.amount_minor, 33);
    assert_eq!(stripe.transfers().len(), 3);

    // The producer's reads.
    let list = call(&store, Http::get("/producers/qa/payouts").caller("qa")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["payouts"][0]["period"], json!("2026-10"));
    assert_eq!(list.body["payouts"][0]["amountMinor"], json!(34));
    assert_eq!(list.body["payouts"][0]["status"], json!("paid"));
    assert_eq!(list.body["payouts"][0]["currency"], json!("CAD"));
    assert_eq!(list.body["payouts"][0]["transferId"], json!(qa_transfer.id));
    let detail = call(
        &store,
        Http::get("/producers/qd/payouts/2026-10").caller("qd"),
    )
    .await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["status"], json!("excluded"));
    assert_eq!(
        detail.body["explanation"]["missing"],
        json!(["payoutsEnabled"])
    );
    assert_eq!(detail.body["explanation"]["excludedProducers"], json!(1));
    let qa_detail = call(
        &store,
        Http::get("/producers/qa/payouts/2026-10").caller("qa"),
    )
    .await;
    let e = &qa_detail.body["explanation"];
    assert_eq!(
        (
            e["poolMinor"].clone(),
            e["floorMinor"].clone(),
            e["remainderUnit"].clone()
        ),
        (json!(100), json!(33), json!(true))
    );
    // The exact share is 1/3: qa's units over three producers' units.
    let n: u128 = e["shareExact"]["numerator"]
        .as_str()
        .expect("text")
        .parse()
        .expect("number");
    let d: u128 = e["shareExact"]["denominator"]
        .as_str()
        .expect("text")
        .parse()
        .expect("number");
    assert_eq!(d, 3 * n);
    let statuses: Vec<&str> = qa_detail.body["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["queued", "sending", "paid"]);
    for (path, caller, status) in [
        ("/producers/qa/payouts", "qb", 403),
        ("/producers/qa/payouts/2026-10", "qb", 403),
        ("/producers/qa/payouts/2026-09", "qa", 404),
        ("/producers/qa/payouts/2026-13", "qa", 400),
    ] {
        let reply = call(&store, Http::get(path).caller(caller)).await;
        assert_eq!(reply.status, status, "{path} as {caller}: {}", reply.body);
    }
    assert_consistent(&table).await;

    // The checker names broken payout invariants: a Paid statement without its transfer, and
    // statements that no longer sum to the pool.
    let qa = statement(&store, "qa").await;
    let mut broken = qa.clone();
    broken.transfer_id = None;
    store
        .payouts()
        .move_statement(&qa, &mut broken)
        .await
        .expect("write");
    let qb = statement(&store, "qb").await;
    let mut short = qb.clone();
    short.amount_minor = 32;
    store
        .payouts()
        .move_statement(&qb, &mut short)
        .await
        .expect("write");
    let violations: Vec<String> = store
        .check_consistency(2)
        .await
        .expect("check")
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(
        violations,
        [
            "payout 2026-10 of qa is Paid without a transfer id",
            "payout 2026-10 of qb is Paid with transfers of 33 minor units, not its 32",
            "payout split 2026-10: 4 statements summing to 99, but the split says 4 statements and a pool of 100",
        ]
    );
}

#[tokio::test]
async fn malformed_events_write_nothing_and_a_pool_before_any_run_waits_for_it() {
    let table = TestTable::create("payouts-bad").await;
    let store = table.store();
    import(&store, &equal_catalog()).await;
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let before = crate::support::chaos::table_items(&table).await;
    for event in [
        pool_event("2026-10", json!(12.5), "CAD"),
        pool_event("2026-10", json!(0), "CAD"),
        pool_event("2026-10", json!(-100), "CAD"),
        pool_event("2026-10", json!(100), "JPY"),
        pool_event("11-2026", json!(100), "CAD"),
        json!({"source": "beatpass.billing", "detail-type": "Something Else", "detail": {}}),
        json!("not an object"),
    ] {
        let outcome = payouts::handle(&deps, &event, now).await;
        assert!(
            matches!(outcome, Err(PayoutsError::BadEvent(_))),
            "{event}: {outcome:?}"
        );
    }
    assert_eq!(crate::support::chaos::table_items(&table).await, before);
    // A good event before any run: the pool waits for one (review N6), nothing sent; once a run
    // of the whole month is published the hourly step splits and pays it.
    let waiting = payouts::handle(&deps, &pool_event("2026-10", json!(100), "CAD"), now)
        .await
        .expect("kept");
    assert_eq!(
        waiting.split_state,
        Some(results::payout::SplitState::Waiting)
    );
    assert_eq!(waiting.transfers.pools_waiting, 1);
    let stored = crate::support::payouts::split(&store).await;
    assert_eq!((stored.amount_minor, stored.run_id.is_none()), (100, true));
    assert_eq!(
        stored.sent_by.as_ref().map(|s| s.account.as_str()),
        Some(crate::support::payouts::BILLING_ACCOUNT)
    );
    assert_eq!(stripe.post_requests(), 0);
    run_at(&store, as_of()).await;
    let paid = payouts::handle(&deps, &retry_event(), now)
        .await
        .expect("the hourly step splits it");
    assert_eq!(paid.transfers.paid, 3);
    assert_eq!(
        crate::support::payouts::split(&store).await.state,
        results::payout::SplitState::Settled
    );
    assert_consistent(&table).await;
}

#[tokio::test]
async fn a_split_left_midway_is_finished_and_paid_by_the_hourly_retry() {
    let table = TestTable::create("payouts-midway").await;
    let store = table.store();
    import(&store, &equal_catalog()).await;
    run_at(&store, as_of()).await;
    // An invocation claimed the period and died before writing any statement.
    let run = store
        .runs()
        .latest_run()
        .await
        .expect("read")
        .expect("a run");
    let claimed = results::payout::PayoutSplit::starting(
        period(),
        100,
        contribution::statement::Currency::Cad,
        Some((run.run_id, run.as_of)),
        now(),
    );
    store.payouts().start_split(&claimed).await.expect("claim");
    let stripe = stand_in(Duration::from_secs(5)).await;
    let deps = deps(store.clone(), &stripe, Duration::from_secs(5));
    let report = payouts::handle(&deps, &retry_event(), now)
        .await
        .expect("the retry finishes the split");
    assert_eq!(report.transfers.paid, 3);
    let split = store
        .payouts()
        .payout_split(period())
        .await
        .expect("read")
        .expect("split");
    assert_eq!(split.state, results::payout::SplitState::Settled);
    assert_eq!(statement(&store, "qa").await.amount_minor, 34);
    assert_eq!(
        stripe.transfers().iter().map(|t| t.amount).sum::<u64>(),
        100
    );
    assert_consistent(&table).await;
}

/// How many times the chaos test kills the function before letting it finish.
const KILLS: usize = 20;

/// Runs the function until the period is settled, killing it at a random point on most tries:
/// the pool event while the period has no finished split (EventBridge redelivers it), then the
/// hourly retry, the clock moving on an hour each time (so a killed invocation's claim lapses).
/// Returns how many times it was killed.
async fn until_settled(deps: &Deps, pool: &Value, rounds: usize) -> usize {
    use results::payout::SplitState;
    let retry = retry_event();
    let clock = Clock::new();
    let now = || clock.now();
    let mut killed = 0;
    for round in 0..rounds {
        let state = deps
            .store
            .payouts()
            .payout_split(period())
            .await
            .ok()
            .flatten()
            .map(|s| s.state);
        if state == Some(SplitState::Settled) {
            return killed;
        }
        let event = match state {
            None | Some(SplitState::Splitting) => pool,
            Some(_) => &retry,
        };
        // Killed at a random point until it has been killed `KILLS` times; then let it run.
        let outcome = if killed >= KILLS {
            Ok(payouts::handle(deps, event, now).await)
        } else {
            let limit = Duration::from_millis(fastrand::u64(1..300));
            tokio::time::timeout(limit, payouts::handle(deps, event, now)).await
        };
        match outcome {
            Err(_) => killed += 1,
            Ok(Err(e)) => println!("round {round}: {e}"),
            Ok(Ok(_)) => {}
        }
        clock.advance(TimeDelta::hours(1));
    }
    panic!("not settled after {rounds} rounds");
}

#[tokio::test]
async fn through_faults_and_kills_every_eligible_producer_is_paid_exactly_once() {
    let (producers, tracks) = sized((300, 1_500), (1_000, 6_000));
    let table = TestTable::create("payouts-chaos").await;
    generated(&table.store(), producers, tracks).await;
    run_at(&table.store(), as_of()).await;
    let proxy = faulty_proxy("payouts-chaos").await;
    let store = store_through(&proxy, &table).await;
    // Stripe fails 10% of transfer calls, every tenth, the kinds in turn: rate limits, server
    // errors, and timeouts after the transfer was applied (the answer never comes; the client
    // gives up after 300 ms).
    let stripe = stand_in(Duration::from_secs(2)).await;
    stripe.set_faults(Faults {
        rotate_every: Some(10),
        ..Faults::default()
    });
    let deps = deps(store, &stripe, Duration::from_millis(300));
    let pool = 1_234_567;
    let killed = until_settled(&deps, &pool_event("2026-10", json!(pool), "USD"), 200).await;
    let injected = stripe.faults_injected();
    println!(
        "payouts through faults: killed {killed} times, {} transfer requests, Stripe faults {injected:?}",
        stripe.post_requests()
    );
    assert!(killed >= KILLS / 2, "killed only {killed} times");
    assert!(
        injected.rate_limited > 0 && injected.server_error > 0 && injected.timeout_after_apply > 0,
        "{injected:?}"
    );

    let direct = table.store();
    let split = direct
        .payouts()
        .payout_split(period())
        .await
        .expect("read")
        .expect("split");
    let statements = direct
        .payouts()
        .split_statements(&split)
        .await
        .expect("statements");
    let eligible: Vec<&PayoutStatement> = statements
        .iter()
        .filter(|s| s.status != StatementStatus::Excluded)
        .collect();
    assert!(
        eligible.len() > 10 && eligible.len() < statements.len(),
        "both kinds exist"
    );
    for s in &eligible {
        assert_eq!(
            s.status,
            StatementStatus::Paid,
            "{}: {:?}",
            s.producer_id,
            s.history
        );
        assert!(s.transfer_id.is_some());
    }
    assert_eq!(statements.iter().map(|s| s.amount_minor).sum::<u64>(), pool);
    // Exactly one transfer per eligible producer, for its amount, summing to the pool.
    assert_one_transfer_each(&eligible, &stripe.transfers(), pool);
    assert_faulted(&proxy.tally());
    assert_consistent(&table).await;
}

/// The review's H1 as a month: Stripe applies half the transfers but loses their answers (and
/// rate-limits and fails others), then listing the transfer group fails for several hours (each
/// kind in turn, with DynamoDB faults and the function killed now and then), then Stripe
/// recovers. Every payout-ready producer ends paid exactly once, the pool in full, the checker
/// clean.
#[tokio::test]
async fn answers_lost_then_listing_down_for_hours_then_recovery_pays_everyone_once() {
    use results::payout::SplitState;
    use stripe_standin::ListFailure;
    let (producers, tracks) = sized((200, 1_000), (1_000, 6_000));
    let table = TestTable::create("payouts-h1-chaos").await;
    generated(&table.store(), producers, tracks).await;
    run_at(&table.store(), as_of()).await;
    let proxy = faulty_proxy("payouts-h1-chaos").await;
    let store = store_through(&proxy, &table).await;
    let stripe = stand_in(Duration::from_secs(2)).await;
    stripe.set_faults(Faults {
        timeout_after_apply: 0.5,
        rate_limited: 0.1,
        internal_error: 0.1,
        ..Faults::default()
    });
    let deps = deps(store, &stripe, Duration::from_millis(300));
    let clock = Clock::new();
    let pool = 2_345_678;
    // The month closes: the pool event until the split is made (EventBridge redelivers it).
    for _ in 0..20 {
        if let Ok(Some(split)) = table.store().payouts().payout_split(period()).await
            && split.state != SplitState::Splitting
        {
            break;
        }
        let _ = payouts::handle(&deps, &pool_event("2026-10", json!(pool), "USD"), || {
            clock.now()
        })
        .await;
        clock.advance(TimeDelta::hours(1));
        stripe.advance(Duration::from_secs(3600));
    }
    // (The stand-in's clock moves with the function's: a 500 Stripe saved under a key is replayed
    // for 24 of those hours, then the key is forgotten and the next send goes through.)
    // Listing is down for six hours while Stripe keeps failing creates.
    let kinds = [
        ListFailure::RateLimited,
        ListFailure::ServerError,
        ListFailure::Timeout,
    ];
    for hour in 0..6 {
        stripe.set_list_failure(Some(kinds[hour % 3]));
        // Every other hour the function is killed at a random point; the hours between run to
        // the end, so each kind of listing failure is met whatever the machine's speed (a kill
        // every hour could stop each run before it lists, on a loaded machine).
        let retry = retry_event();
        let run = payouts::handle(&deps, &retry, || clock.now());
        if hour % 2 == 1 {
            let limit = Duration::from_millis(fastrand::u64(50..2_000));
            let _ = tokio::time::timeout(limit, run).await;
        } else {
            let _ = run.await;
        }
        clock.advance(TimeDelta::hours(1));
        stripe.advance(Duration::from_secs(3600));
        let split = table
            .store()
            .payouts()
            .payout_split(period())
            .await
            .expect("read")
            .expect("split");
        assert_ne!(
            split.state,
            SplitState::Settled,
            "settled while the group cannot be listed"
        );
    }
    let posts_while_down = stripe.post_requests();
    stripe.recover();
    let mut hours = 0;
    loop {
        let report = payouts::handle(&deps, &retry_event(), || clock.now()).await;
        clock.advance(TimeDelta::hours(1));
        stripe.advance(Duration::from_secs(3600));
        hours += 1;
        let settled = table
            .store()
            .payouts()
            .payout_split(period())
            .await
            .ok()
            .flatten()
            .is_some_and(|s| s.state == SplitState::Settled);
        if settled {
            break;
        }
        assert!(
            hours < 40,
            "not settled 40 hours after Stripe recovered: {report:?}"
        );
    }
    let injected = stripe.faults_injected();
    println!(
        "H1 month: {} transfer requests ({posts_while_down} before recovery), {hours} hours to settle after, Stripe faults {injected:?}",
        stripe.post_requests()
    );
    assert!(
        injected.timeout_after_apply > 0 && injected.list_failures >= 3,
        "{injected:?}"
    );

    let direct = table.store();
    let split = direct
        .payouts()
        .payout_split(period())
        .await
        .expect("read")
        .expect("split");
    let statements = direct
        .payouts()
        .split_statements(&split)
        .await
        .expect("statements");
    let eligible: Vec<&PayoutStatement> = statements
        .iter()
        .filter(|s| s.status == StatementStatus::Paid)
        .collect();
    assert!(
        statements
            .iter()
            .all(|s| s.status.is_final() && s.status != StatementStatus::Failed),
        "every statement final"
    );
    assert_one_transfer_each(&eligible, &stripe.transfers(), pool);
    assert_consistent(&table).await;
}
