//! The `credits` function, driven with API Gateway v2 event JSON against DynamoDB Local: every
//! route, every status, the authorisation matrix, and a race of concurrent edits.

use credits::Config;
use http_edge::AuthMode;
use serde_json::{Value, json};

use crate::support::api::{
    credited, credits as call, credits_with as call_with, edit_until_applied,
};
use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, assert_problem};
use crate::support::fixtures::{accept_track, discography_ids, pid, producer, tid};

/// p1 (uploader of t1, credited with p2), p2, p3, p4, and p5 who has no Stripe account.
async fn platform(test: &str) -> TestTable {
    let table = TestTable::create(test).await;
    let store = table.store();
    for (id, name) in [
        ("p1", "Nova Beats"),
        ("p2", "Kid Lumen"),
        ("p3", "Echo"),
        ("p4", "Atlas"),
    ] {
        store
            .catalog()
            .put_producer(&producer(id, name))
            .await
            .expect("seed producer");
    }
    let p5 = catalog::Producer::new(pid("p5"), "No Stripe", &[], &[], None).expect("valid");
    store
        .catalog()
        .put_producer(&p5)
        .await
        .expect("seed producer");
    accept_track(
        &store,
        json!({"trackId": "t1", "title": "Midnight", "uploaderId": "p1", "credits": ["p1", "p2"], "genre": "Trap", "uploadedAt": "2026-08-21T00:00:00Z"}),
    )
    .await;
    table
}

#[tokio::test]
async fn a_producer_token_cannot_create_a_track() {
    let table = platform("credits-no-register").await;
    let store = table.store();
    // Tracks come from the platform's feed (`sync`); the Backstage API has no route for it.
    let reply = call(
        &store,
        Http::post(
            "/tracks",
            json!({"id": "t9", "title": "Gold Rain", "credits": ["p3", "p4"]}),
        )
        .caller("p3"),
    )
    .await;
    assert_problem(&reply, 404, "not-found");
    assert_eq!(
        store.catalog().get_track(&tid("t9")).await.expect("read"),
        None
    );
    assert!(discography_ids(&store, "p3", false).await.is_empty());
}

#[tokio::test]
async fn read_credits_with_split_and_payout_account() {
    let table = platform("credits-read").await;
    let store = table.store();
    // Any authenticated producer may read credits; the payout account is the uploader's to see.
    let reply = call(&store, Http::get("/tracks/t1/credits").caller("p4")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    let half = json!({"numerator": 1, "denominator": 2});
    assert_eq!(
        reply.body,
        json!({
            "trackId": "t1", "uploaderId": "p1", "version": 1,
            "credits": [
                {"producerId": "p1", "name": "Nova Beats", "split": half, "displayPercent": "50.00"},
                {"producerId": "p2", "name": "Kid Lumen", "split": half, "displayPercent": "50.00"}
            ],
            "exclusiveSalesPaidTo": "p1"
        })
    );
    let own = call(&store, Http::get("/tracks/t1/credits").caller("p1")).await;
    assert_eq!(own.body["exclusivePayoutAccount"], json!("acct_p1"));
    assert_eq!(own.body["credits"], reply.body["credits"]);
    assert_problem(
        &call(&store, Http::get("/tracks/nope/credits").caller("p1")).await,
        404,
        "not-found",
    );
    assert_problem(
        &call(&store, Http::get("/tracks/b%23d/credits").caller("p1")).await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(&store, Http::get("/tracks/t1/credits")).await,
        401,
        "unauthorized",
    );

    // Three producers: a third each, shown 33.33/33.34/33.33 (the extra hundredth to the smallest
    // id, p2, wherever it stands); an uploader without Stripe sees a null payout account.
    accept_track(
        &store,
        json!({"trackId": "t5", "title": "x", "uploaderId": "p5", "credits": ["p5", "p2", "p3"], "uploadedAt": "2026-11-20T00:00:00Z"}),
    )
    .await;
    let three = call(&store, Http::get("/tracks/t5/credits").caller("p5")).await;
    let shown: Vec<&str> = three.body["credits"]
        .as_array()
        .expect("credits")
        .iter()
        .map(|c| c["displayPercent"].as_str().expect("text"))
        .collect();
    assert_eq!(shown, ["33.33", "33.34", "33.33"]);
    assert_eq!(three.body["exclusivePayoutAccount"], Value::Null);
    assert!(
        three
            .body
            .as_object()
            .expect("object")
            .contains_key("exclusivePayoutAccount")
    );
}

#[tokio::test]
async fn replace_credits_with_and_without_if_match() {
    let table = platform("credits-replace").await;
    let store = table.store();
    let reply = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p1", "p3"]}))
            .caller("p1")
            .header("if-match", "\"1\""),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_eq!(credited(&reply), ["p1", "p3"]);
    assert!(discography_ids(&store, "p2", false).await.is_empty());
    assert_eq!(discography_ids(&store, "p3", true).await, ["t1"]);

    // A stale If-Match: 412 and nothing changes.
    let stale = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p4"]}))
            .caller("p1")
            .header("if-match", "\"1\""),
    )
    .await;
    assert_problem(&stale, 412, "precondition-failed");
    assert_eq!(
        credited(&call(&store, Http::get("/tracks/t1/credits").caller("p1")).await),
        ["p1", "p3"]
    );
    assert!(discography_ids(&store, "p4", false).await.is_empty());
    let garbage = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p4"]}))
            .caller("p1")
            .header("if-match", "banana"),
    )
    .await;
    assert_problem(&garbage, 400, "bad-request");

    // Without If-Match the edit applies to the current version.
    let reply = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p4", "p1"]})).caller("p1"),
    )
    .await;
    assert_eq!(
        (reply.status, credited(&reply)),
        (200, vec!["p4".to_owned(), "p1".to_owned()])
    );
    assert_eq!(reply.header("etag"), Some("\"3\""));

    // Unknown producers: 422 naming each, nothing changes. Not the uploader: 403.
    let unknown = call(
        &store,
        Http::put(
            "/tracks/t1/credits",
            json!({"producerIds": ["p1", "x1", "x2"]}),
        )
        .caller("p1"),
    )
    .await;
    assert_problem(&unknown, 422, "unknown-producers");
    assert_eq!(unknown.body["errors"].as_array().map(Vec::len), Some(2));
    let empty = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": []})).caller("p1"),
    )
    .await;
    assert_problem(&empty, 422, "invalid-request");
    let other = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p2"]})).caller("p2"),
    )
    .await;
    assert_problem(&other, 403, "forbidden");
    assert!(
        other.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("only the uploader"))
    );
    let nobody = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": ["p2"]})),
    )
    .await;
    assert_problem(&nobody, 401, "unauthorized");
    assert_eq!(
        credited(&call(&store, Http::get("/tracks/t1/credits").caller("p1")).await),
        ["p4", "p1"]
    );
}

#[tokio::test]
async fn add_and_remove_one_producer() {
    let table = platform("credits-add-remove").await;
    let store = table.store();
    let added = call(
        &store,
        Http::post("/tracks/t1/credits", json!({"producerId": "p3"})).caller("p1"),
    )
    .await;
    assert_eq!(
        (added.status, credited(&added)),
        (200, vec!["p1".into(), "p2".into(), "p3".into()])
    );
    // Exactly a third each; the display percents sum to 100.00, the extra hundredth to the
    // smallest producer id.
    let shown: Vec<&Value> = added.body["credits"]
        .as_array()
        .expect("credits")
        .iter()
        .map(|c| &c["displayPercent"])
        .collect();
    assert_eq!(shown, [&json!("33.34"), &json!("33.33"), &json!("33.33")]);
    assert_eq!(
        added.body["credits"][2]["split"],
        json!({"numerator": 1, "denominator": 3})
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t1/credits", json!({"producerId": "p3"})).caller("p1"),
        )
        .await,
        409,
        "conflict",
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t1/credits", json!({"producerId": "ghost"})).caller("p1"),
        )
        .await,
        422,
        "unknown-producers",
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t1/credits", json!({"producerId": "p4"})).caller("p2"),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t1/credits", json!({"producerId": "p4"})),
        )
        .await,
        401,
        "unauthorized",
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t9/credits", json!({"producerId": "p4"})).caller("p1"),
        )
        .await,
        404,
        "not-found",
    );

    let removed = call(&store, Http::delete("/tracks/t1/credits/p2").caller("p1")).await;
    assert_eq!(
        (removed.status, credited(&removed)),
        (200, vec!["p1".into(), "p3".into()])
    );
    assert!(discography_ids(&store, "p2", false).await.is_empty());
    assert_problem(
        &call(&store, Http::delete("/tracks/t1/credits/p2").caller("p1")).await,
        404,
        "not-found",
    );
    // Neither the uploader nor the producer named: 403. The producer named: a decline
    // (credits_accounts.rs has the rest of it).
    assert_problem(
        &call(&store, Http::delete("/tracks/t1/credits/p3").caller("p4")).await,
        403,
        "forbidden",
    );
    assert_problem(
        &call(&store, Http::delete("/tracks/t1/credits/p3")).await,
        401,
        "unauthorized",
    );
    let declined = call(&store, Http::delete("/tracks/t1/credits/p3").caller("p3")).await;
    assert_eq!(
        (declined.status, credited(&declined)),
        (200, vec!["p1".into()])
    );
    let last = call(&store, Http::delete("/tracks/t1/credits/p1").caller("p1")).await;
    assert_problem(&last, 422, "invalid-request");
    assert_eq!(
        credited(&call(&store, Http::get("/tracks/t1/credits").caller("p1")).await),
        ["p1"]
    );

    // The 21st credit is refused.
    let many: Vec<String> = (0..19).map(|i| format!("q{i}")).collect();
    for id in &many {
        store
            .catalog()
            .put_producer(&producer(id, "Q"))
            .await
            .expect("seed");
    }
    let mut twenty = vec!["p1".to_owned()];
    twenty.extend(many);
    assert_eq!(
        call(
            &store,
            Http::put("/tracks/t1/credits", json!({"producerIds": twenty})).caller("p1")
        )
        .await
        .status,
        200
    );
    assert_problem(
        &call(
            &store,
            Http::post("/tracks/t1/credits", json!({"producerId": "p2"})).caller("p1"),
        )
        .await,
        422,
        "invalid-request",
    );
}

#[tokio::test]
async fn credit_history_is_the_uploaders_audit_trail() {
    let table = platform("credits-history").await;
    let store = table.store();
    call(
        &store,
        Http::post("/tracks/t1/credits", json!({"producerId": "p3"})).caller("p1"),
    )
    .await;
    call(&store, Http::delete("/tracks/t1/credits/p2").caller("p1")).await;

    let first = call(
        &store,
        Http::get("/tracks/t1/credits/history")
            .caller("p1")
            .query("limit", "2"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["entries"][0]["version"], json!(3));
    assert_eq!(first.body["entries"][0]["who"], json!("p1"));
    assert_eq!(
        first.body["entries"][0]["before"],
        json!(["p1", "p2", "p3"])
    );
    assert_eq!(first.body["entries"][0]["after"], json!(["p1", "p3"]));
    assert_eq!(first.body["entries"][1]["version"], json!(2));
    let cursor = first.body["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = call(
        &store,
        Http::get("/tracks/t1/credits/history")
            .caller("p1")
            .query("limit", "2")
            .query("cursor", &cursor),
    )
    .await;
    assert_eq!(rest.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["entries"][0]["before"], json!([]));

    assert_problem(
        &call(&store, Http::get("/tracks/t1/credits/history").caller("p2")).await,
        403,
        "forbidden",
    );
    assert_problem(
        &call(&store, Http::get("/tracks/t1/credits/history")).await,
        401,
        "unauthorized",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/tracks/t1/credits/history")
                .caller("p1")
                .query("cursor", "forged"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/tracks/t1/credits/history")
                .caller("p1")
                .query("limit", "0"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/tracks/nope/credits/history").caller("p1"),
        )
        .await,
        404,
        "not-found",
    );
}

#[tokio::test]
async fn search_artists_by_name_prefix() {
    let table = platform("credits-search").await;
    let store = table.store();
    let reply = call(&store, Http::get("/artists").caller("p3").query("q", "LUM")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"artists": [{"producerId": "p2", "name": "Kid Lumen"}]})
    );
    let limited = call(
        &store,
        Http::get("/artists")
            .caller("p3")
            .query("q", "n")
            .query("limit", "1"),
    )
    .await;
    assert_eq!(limited.body["artists"].as_array().map(Vec::len), Some(1));
    assert_problem(
        &call(&store, Http::get("/artists").caller("p3")).await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(
            &store,
            Http::get("/artists")
                .caller("p3")
                .query("q", "a")
                .query("limit", "abc"),
        )
        .await,
        400,
        "bad-request",
    );
    assert_problem(
        &call(&store, Http::get("/artists").query("q", "a")).await,
        401,
        "unauthorized",
    );
    // The spec's rule for q: not only whitespace, no control characters, at most 100 characters
    // as sent (leading spaces count); a name word with spaces around it is fine.
    for bad in [
        "\u{c}",
        "   ",
        "lu\u{1}m",
        &format!("{}lum", " ".repeat(98)),
    ] {
        let reply = call(&store, Http::get("/artists").caller("p3").query("q", bad)).await;
        assert_problem(&reply, 400, "bad-request");
    }
    let padded = call(
        &store,
        Http::get("/artists").caller("p3").query("q", " lum "),
    )
    .await;
    assert_eq!(padded.body["artists"][0]["producerId"], json!("p2"));
}

#[tokio::test]
async fn bad_requests_get_clear_4xx_answers() {
    let table = platform("credits-bad-input").await;
    let store = table.store();
    let unknown_route = call(&store, Http::get("/nowhere").caller("p1")).await;
    assert_problem(&unknown_route, 404, "not-found");
    let wrong_method = call(
        &store,
        Http::new("PATCH", "/tracks/t1/credits").caller("p1"),
    )
    .await;
    assert_problem(&wrong_method, 405, "method-not-allowed");
    assert_eq!(wrong_method.header("allow"), Some("GET, PUT, POST"));

    let not_json = call(
        &store,
        Http::new("PUT", "/tracks/t1/credits")
            .caller("p1")
            .header("content-type", "application/json")
            .raw_body("{\"producerIds\": ["),
    )
    .await;
    assert_problem(&not_json, 400, "bad-request");
    let wrong_type = call(
        &store,
        Http::new("PUT", "/tracks/t1/credits")
            .caller("p1")
            .header("content-type", "text/plain")
            .raw_body("p2"),
    )
    .await;
    assert_problem(&wrong_type, 415, "unsupported-media-type");
    let unknown_field = call(
        &store,
        Http::put(
            "/tracks/t1/credits",
            json!({"producerIds": ["p1"], "approve": true}),
        )
        .caller("p1"),
    )
    .await;
    assert_problem(&unknown_field, 422, "invalid-request");
    let wrong_shape = call(
        &store,
        Http::put("/tracks/t1/credits", json!({"producerIds": "p1"})).caller("p1"),
    )
    .await;
    assert_problem(&wrong_shape, 422, "invalid-request");
    let huge = format!(
        "{{\"producerIds\": [\"p1\"], \"pad\": \"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let too_large = call(
        &store,
        Http::new("PUT", "/tracks/t1/credits")
            .caller("p1")
            .header("content-type", "application/json")
            .raw_body(&huge),
    )
    .await;
    assert_problem(&too_large, 413, "payload-too-large");
    let empty = call(
        &store,
        Http::new("POST", "/tracks/t1/credits")
            .caller("p1")
            .header("content-type", "application/json"),
    )
    .await;
    assert_problem(&empty, 400, "bad-request");
    // Nothing above changed the track.
    assert_eq!(
        credited(&call(&store, Http::get("/tracks/t1/credits").caller("p1")).await),
        ["p1", "p2"]
    );
}

#[tokio::test]
async fn the_dev_header_counts_only_in_dev_mode() {
    let table = platform("credits-dev-auth").await;
    let store = table.store();
    let request = Http::get("/tracks/t1/credits").header("x-dev-producer-id", "p2");
    assert_problem(&call(&store, request.clone()).await, 401, "unauthorized");
    let dev = Config::unlimited(http_edge::EdgeConfig {
        auth: AuthMode::DevHeader,
        ..http_edge::EdgeConfig::JWT
    });
    assert_eq!(call_with(&store, &dev, request).await.status, 200);
    // A verified claim always wins over the header.
    let both = Http::put("/tracks/t1/credits", json!({"producerIds": ["p2"]}))
        .caller("p2")
        .header("x-dev-producer-id", "p1");
    assert_problem(&call_with(&store, &dev, both).await, 403, "forbidden");
}

#[tokio::test]
async fn an_internal_fault_is_a_500_with_a_request_id_and_no_internals() {
    let table = platform("credits-fault").await;
    let missing_table = store::tools::raw::store(table.client.clone(), "no-such-table");
    let reply = call(&missing_table, Http::get("/tracks/t1/credits").caller("p1")).await;
    assert_problem(&reply, 500, "internal-error");
    assert_eq!(reply.body["requestId"], json!("JKJaXmPLvHcESHA="));
    let text = reply.body.to_string();
    assert!(
        !text.contains("no-such-table") && !text.contains("ResourceNotFound"),
        "{text}"
    );
}

#[tokio::test]
async fn concurrent_edits_lose_no_update() {
    let table = platform("credits-race").await;
    let store = table.store();
    let joiners: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
    for id in &joiners {
        store
            .catalog()
            .put_producer(&producer(id, "Racer"))
            .await
            .expect("seed");
    }
    // Each editor reads the credits, then adds itself with If-Match of the version it read,
    // starting over on a 412, as Backstage does.
    let editors = joiners.iter().map(|id| {
        edit_until_applied(
            &store,
            move || Http::post("/tracks/t1/credits", json!({"producerId": id})),
            move |now| now.contains(id),
        )
    });
    let conflicts: u32 = futures_util::future::join_all(editors)
        .await
        .into_iter()
        .sum();

    let final_credits = call(&store, Http::get("/tracks/t1/credits").caller("p1")).await;
    let credited = credited(&final_credits);
    assert_eq!(credited.len(), 14, "every edit is in: {credited:?}");
    for id in &joiners {
        assert!(credited.contains(id), "{id} was lost");
    }
    // 12 successful edits: version 1 + 12, and every 412 was a real race.
    assert_eq!(final_credits.body["version"], json!(13));
    println!("{conflicts} conflicts were resolved by re-reading");
    // The discographies match the credits exactly.
    for id in joiners
        .iter()
        .map(String::as_str)
        .chain(["p1", "p2", "p3", "p4"])
    {
        let on = discography_ids(&store, id, false)
            .await
            .contains(&"t1".to_owned());
        assert_eq!(on, credited.iter().any(|c| c == id), "{id}");
    }
    let history = store
        .catalog()
        .credit_history(&tid("t1"), 100, None)
        .await
        .expect("history");
    assert_eq!(history.items.len(), 13);
}
