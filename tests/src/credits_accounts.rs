//! Who acts for whom (issue 38, security review I1 and N5), through both API handlers with API
//! Gateway event JSON carrying the authorizer's claims: an account acting for two artists, a
//! credited producer declining a credit, and edits past their limits.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use credits::EditLimits;
use futures_util::future::join_all;
use http_edge::{EdgeConfig, ProducersClaim};
use leaderboard::PointerCache;
use serde_json::{Value, json};
use store::Store;
use store::catalog::edit_limits::EditLimit;

use crate::support::api::{credited, published_streaming};
use crate::support::chaos::{assert_consistent, faulty_proxy, store_through};
use crate::support::events::{Http, Reply, assert_problem};
use crate::support::fanout::FanoutWorld;
use crate::support::fixtures::{as_of, at, run_at};

/// The claim the identity provider lists an account's artists in, as a deployment would name it.
const CLAIM: &str = "custom:producer_ids";

fn edge() -> EdgeConfig {
    EdgeConfig {
        claim: ProducersClaim::named(CLAIM).expect("a claim name"),
        ..EdgeConfig::JWT
    }
}

/// The account that manages pa and pb (their ids as API Gateway hands an array claim).
fn account(http: Http) -> Http {
    http.caller("account-7f3a").claim(CLAIM, "[pa pb]")
}

async fn credits_call(store: &Store, config: &credits::Config, http: Http) -> Reply {
    credits::handle(store, config, http.build(), at("2026-11-21T12:00:00Z"))
        .await
        .into()
}

async fn read(store: &Store, config: EdgeConfig, http: Http) -> Reply {
    let fresh = PointerCache::with_max_age(std::time::Duration::ZERO);
    leaderboard::handle(store, &config, &fresh, http.build(), chrono::Utc::now())
        .await
        .into()
}

#[tokio::test]
async fn an_account_acting_for_two_artists_reads_and_edits_as_each_and_no_third() {
    let table = published_streaming("accounts-two-artists").await;
    let store = table.store();
    // pa and pb connect Stripe, a day later, and last month is paid.
    let ready = |id: &str| {
        json!({"type": "producer", "at": "2026-11-21T06:00:00Z", "id": id,
            "stripeAccountId": format!("acct_{id}"), "chargesEnabled": true,
            "payoutsEnabled": true})
    };
    let failed = crate::support::feed::deliver_at(
        &store,
        &[ready("pa"), ready("pb")],
        at("2026-11-21T07:00:00Z"),
    )
    .await;
    assert!(failed.is_empty());
    run_at(&store, as_of() + TimeDelta::days(1)).await;
    crate::support::payouts::pay_pool(&store, 10_000).await;
    let config = credits::Config::with_limits(edge(), EditLimits::DEFAULT);

    // Both artists' dashboards and statements, and nobody else's.
    for id in ["pa", "pb"] {
        for path in [
            format!("/producers/{id}/summary"),
            format!("/producers/{id}/payouts"),
            format!("/producers/{id}/payouts/2026-10"),
            format!("/producers/{id}/history"),
        ] {
            let reply = read(&store, edge(), account(Http::get(&path))).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        }
    }
    for path in ["/producers/pc/summary", "/producers/pc/payouts"] {
        let reply = read(&store, edge(), account(Http::get(path))).await;
        assert_problem(&reply, 403, "forbidden");
    }
    // `/me` lists exactly its two, with their names.
    let me = read(&store, edge(), account(Http::get("/me"))).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(
        me.body,
        json!({"account": "account-7f3a", "producers": [
            {"producerId": "pa", "name": "Alpha"}, {"producerId": "pb", "name": "Bravo"}]})
    );
    // It edits the track its second artist uploaded (t3, pb's), as pb, and the audit trail
    // names pb and the account.
    let edit = credits_call(
        &store,
        &config,
        account(Http::post(
            "/tracks/t3/credits",
            json!({"producerId": "pc"}),
        )),
    )
    .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    assert!(
        edit.body.get("exclusivePayoutAccount").is_some(),
        "the uploader's view"
    );
    let history = credits_call(
        &store,
        &config,
        account(Http::get("/tracks/t3/credits/history")),
    )
    .await;
    assert_eq!(history.body["entries"][0]["who"], json!("pb"));
    assert_eq!(history.body["entries"][0]["account"], json!("account-7f3a"));
    // A track neither artist uploaded (t5, pc's) stays pc's to edit.
    let other = credits_call(
        &store,
        &config,
        account(Http::post(
            "/tracks/t5/credits",
            json!({"producerId": "pa"}),
        )),
    )
    .await;
    assert_problem(&other, 403, "forbidden");
    // The event names the producer and the account behind the edit.
    let mut fanout = FanoutWorld::start(&store).await;
    fanout.drain().await;
    let told = fanout
        .details()
        .into_iter()
        .find(|d| d["trackId"] == json!("t3") && d["producerId"] == json!("pc"))
        .expect("pc was told");
    assert_eq!(
        (told["changedBy"].clone(), told["changedByAccount"].clone()),
        (json!("pb"), json!("account-7f3a"))
    );

    // A `sub`-only token behaves as before: the account is its one producer.
    let solo = |http: Http| http.caller("pa");
    assert_eq!(
        read(
            &store,
            EdgeConfig::JWT,
            solo(Http::get("/producers/pa/summary"))
        )
        .await
        .status,
        200
    );
    let pb = read(
        &store,
        EdgeConfig::JWT,
        solo(Http::get("/producers/pb/summary")),
    )
    .await;
    assert_problem(&pb, 403, "forbidden");
    let me = read(&store, EdgeConfig::JWT, solo(Http::get("/me"))).await;
    assert_eq!(
        me.body["producers"],
        json!([{"producerId": "pa", "name": "Alpha"}])
    );
    // Under the custom claim, a token whose claim names a bad id is no caller at all.
    let forged = Http::get("/me")
        .caller("account-9")
        .claim(CLAIM, r#"["pa","p#b"]"#);
    assert_problem(&read(&store, edge(), forged).await, 401, "unauthorized");
    assert_consistent(&table).await;
}

#[tokio::test]
async fn a_decline_removes_the_credit_tells_the_uploader_and_blocks_the_readd_until_lifted() {
    let table = published_streaming("accounts-decline").await;
    let store = table.store();
    let config = credits::Config::with_limits(EdgeConfig::JWT, EditLimits::DEFAULT);
    let call = |http: Http| credits_call(&store, &config, http);
    // t4 is pc's, crediting pc and pa. pa never agreed: pa declines.
    let declined = call(Http::delete("/tracks/t4/credits/pa").caller("pa")).await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(credited(&declined), ["pc"]);
    assert!(
        declined.body.get("exclusivePayoutAccount").is_none(),
        "a decliner sees what any producer sees"
    );
    // The uploader's audit trail says declined, by pa.
    let history = call(Http::get("/tracks/t4/credits/history").caller("pc")).await;
    let entry = &history.body["entries"][0];
    assert_eq!(
        (
            entry["who"].clone(),
            entry["reason"].clone(),
            entry["account"].clone()
        ),
        (json!("pa"), json!("declined"), json!("pa"))
    );
    // Everyone affected is told, the uploader included, with the reason.
    let mut fanout = FanoutWorld::start(&store).await;
    fanout.drain().await;
    let told: BTreeMap<String, Value> = fanout
        .details()
        .into_iter()
        .filter(|d| d["trackId"] == json!("t4") && d["reason"] == json!("declined"))
        .map(|d| (d["producerId"].as_str().unwrap_or_default().to_owned(), d))
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert_eq!(told["pc"]["change"], json!("stillCredited"));
    assert_eq!(told["pa"]["change"], json!("removed"));
    // The uploader cannot credit pa on t4 again, by adding or by replacing.
    for edit in [
        Http::post("/tracks/t4/credits", json!({"producerId": "pa"})),
        Http::put("/tracks/t4/credits", json!({"producerIds": ["pc", "pa"]})),
    ] {
        let refused = call(edit.caller("pc")).await;
        assert_problem(&refused, 403, "credit-declined");
    }
    // Another producer cannot lift pa's decline; pa can.
    let lift = || Http::delete("/tracks/t4/credits/pa/decline");
    assert_problem(&call(lift().caller("pc")).await, 403, "forbidden");
    let lifted = call(lift().caller("pa")).await;
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    assert_eq!(
        lifted.body,
        json!({"trackId": "t4", "producerId": "pa", "declined": false, "lifted": true})
    );
    let readded =
        call(Http::post("/tracks/t4/credits", json!({"producerId": "pa"})).caller("pc")).await;
    assert_eq!(readded.status, 200, "{}", readded.body);
    assert_eq!(credited(&readded), ["pc", "pa"]);
    // Lifting again answers the same, and lifted nothing.
    assert_eq!(call(lift().caller("pa")).await.body["lifted"], json!(false));
    // Declining the last credit stays a 422: a track credits at least one producer.
    let last = call(Http::delete("/tracks/t1/credits/pa").caller("pa")).await;
    assert_problem(&last, 422, "invalid-request");
    // Someone neither uploader nor credited still gets a 403 for another's credit.
    let stranger = call(Http::delete("/tracks/t4/credits/pa").caller("pb")).await;
    assert_problem(&stranger, 403, "forbidden");
    assert_consistent(&table).await;
}

/// 100 edits at once from one caller (adding and removing pd on t1, pa's): some are accepted,
/// the rest are 429s with `Retry-After` (or the 409/404 of an edit a concurrent one made
/// pointless); never a 5xx; and the track's version counts exactly the accepted edits.
async fn burst(store: &Store, clean: &Store) -> (usize, usize) {
    let limits = EditLimits::both(EditLimit {
        burst: 10,
        per_minute: 30,
    });
    let config = credits::Config::with_limits(EdgeConfig::JWT, limits);
    let before = credits_call(clean, &config, Http::get("/tracks/t1/credits").caller("pa"))
        .await
        .body["version"]
        .as_u64()
        .expect("a version");
    let replies: Vec<Reply> = join_all((0..100).map(|n| {
        let http = if n % 2 == 0 {
            Http::post("/tracks/t1/credits", json!({"producerId": "pd"}))
        } else {
            Http::delete("/tracks/t1/credits/pd")
        };
        credits_call(store, &config, http.caller("pa"))
    }))
    .await;
    let mut accepted = 0;
    let mut limited = 0;
    for reply in &replies {
        match reply.status {
            200 => accepted += 1,
            429 => {
                limited += 1;
                assert_problem(reply, 429, "too-many-requests");
                let wait: u64 = reply
                    .header("retry-after")
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After in seconds");
                assert!((1..=60).contains(&wait), "{wait}");
            }
            404 | 409 => {}
            other => panic!("{other}: {}", reply.body),
        }
    }
    let after = credits_call(clean, &config, Http::get("/tracks/t1/credits").caller("pa"))
        .await
        .body["version"]
        .as_u64()
        .expect("a version");
    assert_eq!(
        after,
        before + accepted as u64,
        "one version per accepted edit"
    );
    (accepted, limited)
}

#[tokio::test]
async fn a_burst_of_edits_from_one_caller_is_limited_and_every_accepted_edit_lands_once() {
    let table = published_streaming("accounts-burst").await;
    let store = table.store();
    let (accepted, limited) = burst(&store, &store).await;
    println!("burst: {accepted} accepted, {limited} limited");
    assert!((1..=10).contains(&accepted), "{accepted} accepted");
    assert!(limited >= 80, "{limited} limited");
    assert_consistent(&table).await;
}

#[tokio::test]
async fn a_burst_through_dynamodb_faults_is_limited_the_same_and_never_5xx() {
    let table = published_streaming("accounts-burst-faults").await;
    let proxy = faulty_proxy("accounts-burst-faults").await;
    let store = store_through(&proxy, &table).await;
    let (accepted, limited) = burst(&store, &table.store()).await;
    println!(
        "burst through faults: {accepted} accepted, {limited} limited, faults {:?}",
        proxy.tally()
    );
    assert!(accepted <= 10 && limited >= 80, "{accepted} / {limited}");
    assert_consistent(&table).await;
}
