//! Least privilege inside the table: each function may write only the partitions it owns, by
//! `dynamodb:LeadingKeys` conditions in `infra/template.yaml`. This test reads those conditions
//! and then runs each function's real work through the proxy (recording, no faults), checking
//! every key it writes falls inside its own conditions, so a condition too narrow for the code
//! (a deployment that would fail with AccessDenied) or a write the design does not allow shows
//! here, not in production.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use serde_norway::Value as Yaml;
use store::Store;

use crate::support::dynamodb::{TestTable, config_for, endpoint};
use crate::support::events::Http;
use crate::support::fault_proxy::{FaultProxy, Faults};
use crate::support::feed::deliver_at;
use crate::support::fixtures::at;
use crate::support::fixtures::{as_of, hand_catalog, run_at};

const TEMPLATE: &str = include_str!("../../infra/template.yaml");

/// Actions that write an item (a transaction's parts are authorised as these).
const WRITE_ACTIONS: [&str; 4] = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
];

/// What a function's policy lets it write: the write actions, and the partition-key patterns
/// (`StringLike`: `*` matches anything) every one of them is conditioned on.
#[derive(Debug)]
struct WriteGrant {
    actions: BTreeSet<String>,
    patterns: Vec<String>,
}

fn strings(v: &Yaml) -> Vec<String> {
    match v {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The write grant of `function` in the template; panics if any write is unconditioned.
fn write_grant(function: &str) -> WriteGrant {
    let template: Yaml = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    let policies = &template["Resources"][function]["Properties"]["Policies"];
    let mut grant = WriteGrant {
        actions: BTreeSet::new(),
        patterns: Vec::new(),
    };
    for policy in policies.as_sequence().expect("policies") {
        for statement in policy["Statement"].as_sequence().into_iter().flatten() {
            let actions = strings(&statement["Action"]);
            let writes: Vec<&String> = actions
                .iter()
                .filter(|a| WRITE_ACTIONS.contains(&a.as_str()))
                .collect();
            if writes.is_empty() {
                continue;
            }
            let patterns =
                strings(&statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]);
            assert!(
                !patterns.is_empty(),
                "{function}: {writes:?} is allowed on every partition (no dynamodb:LeadingKeys)"
            );
            grant.actions.extend(writes.into_iter().cloned());
            grant.patterns.extend(patterns);
        }
    }
    grant
}

/// IAM `StringLike`: `*` matches any run of characters (the template uses no `?`).
fn matches(pattern: &str, value: &str) -> bool {
    // `a*b*c`: anchored head, then each later part in order, the last anchored at the end.
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, rest) = parts.split_first().expect("one part at least");
    let Some(mut remaining) = value.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("two parts at least");
    for part in middle {
        match remaining.find(part) {
            Some(i) => remaining = &remaining[i + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last) && remaining.len() >= last.len()
}

/// Every (IAM action, partition key) a recorded request writes.
fn writes(recorded: &[(String, bytes::Bytes)]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (operation, body) in recorded {
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let pk = |key: &Value| key["pk"]["S"].as_str().unwrap_or("?").to_owned();
        let action = |name: &str| format!("dynamodb:{name}");
        match operation.as_str() {
            "PutItem" => found.push((action(operation), pk(&body["Item"]))),
            "UpdateItem" | "DeleteItem" => found.push((action(operation), pk(&body["Key"]))),
            "BatchWriteItem" => {
                for requests in body["RequestItems"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    for request in requests.as_array().into_iter().flatten() {
                        let key = if request["PutRequest"].is_object() {
                            &request["PutRequest"]["Item"]
                        } else {
                            &request["DeleteRequest"]["Key"]
                        };
                        found.push((action("BatchWriteItem"), pk(key)));
                    }
                }
            }
            "TransactWriteItems" => {
                for item in body["TransactItems"].as_array().into_iter().flatten() {
                    for (part, action_name, key) in [
                        ("Put", "PutItem", "Item"),
                        ("Update", "UpdateItem", "Key"),
                        ("Delete", "DeleteItem", "Key"),
                    ] {
                        if item[part].is_object() {
                            found.push((action(action_name), pk(&item[part][key])));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Every DynamoDB action the template lets `function` perform, on any resource.
fn granted_actions(function: &str) -> BTreeSet<String> {
    let template: Yaml = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    let policies = &template["Resources"][function]["Properties"]["Policies"];
    policies
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["Statement"].as_sequence().into_iter().flatten())
        .flat_map(|statement| strings(&statement["Action"]))
        .collect()
}

/// Asserts `function` wrote something, only what its grant allows, and sent no request its
/// policies lack the action for (a read included: the recompute's plays are a BatchGetItem).
fn assert_within(function: &str, recorded: &[(String, bytes::Bytes)]) {
    assert_granted(function, recorded);
    let grant = write_grant(function);
    let written = writes(recorded);
    assert!(
        !written.is_empty(),
        "{function} wrote nothing: the check would prove nothing"
    );
    let mut by_action: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (action, pk) in &written {
        assert!(
            grant.actions.contains(action),
            "{function} sent {action} on {pk}, which its policy does not allow ({:?})",
            grant.actions
        );
        assert!(
            grant.patterns.iter().any(|p| matches(p, pk)),
            "{function} wrote partition {pk}, outside its LeadingKeys {:?}",
            grant.patterns
        );
        by_action.entry(action).or_default().insert(pk);
    }
    println!("{function}: {by_action:?}");
}

#[test]
fn patterns_match_like_iam_string_like() {
    assert!(matches("A#*", "A#b"));
    assert!(matches("A", "A"));
    assert!(!matches("A", "A#b"));
    assert!(!matches("A#*", "AB"));
    assert!(matches("A#*", "A#b#C#d"));
    assert!(!matches("A#*", "B#a"));
    assert!(matches("a*b*c", "a-x-b-y-c"));
    assert!(!matches("a*b*c", "a-x-c"));
}

#[tokio::test]
async fn each_function_writes_only_the_partitions_its_policy_allows() {
    let table = TestTable::create_streaming("least-privilege").await;
    let proxy = FaultProxy::start(&endpoint(), Faults::NONE, 1)
        .await
        .expect("start the proxy");
    let store = Store::connect(&config_for(proxy.endpoint(), &table.name)).await;
    // After every upload of the hand catalog (t4 is uploaded a day after the run's as-of).
    let now = at("2026-11-23T00:00:00Z");

    // sync: profiles (with their name-search entries), tracks, plays.
    proxy.start_recording();
    let mut messages: Vec<Value> = Vec::new();
    for line in hand_catalog(0) {
        let mut message = line.clone();
        let object = message.as_object_mut().expect("a record");
        let kind = object
            .remove("kind")
            .and_then(|k| k.as_str().map(str::to_owned));
        object.insert("at".into(), json!("2026-11-22T10:00:00Z"));
        match kind.as_deref() {
            Some("producer") => {
                object.insert("type".into(), json!("producer"));
            }
            Some("track") => {
                object.insert("type".into(), json!("track"));
                if let Some(id) = object.remove("id") {
                    object.insert("trackId".into(), id);
                }
                object.remove("plays");
            }
            other => panic!("unexpected record kind {other:?}"),
        }
        messages.push(message);
    }
    // Producers first: a track needs its credited profiles.
    messages.sort_by_key(|m| m["type"] != "producer");
    for message in &messages {
        let failed = deliver_at(&store, std::slice::from_ref(message), now).await;
        assert!(failed.is_empty(), "{message}");
    }
    let plays = json!({"type": "plays", "at": "2026-11-22T11:00:00Z",
                       "counts": [{"trackId": "t1", "plays": 10}]});
    assert!(deliver_at(&store, &[plays], now).await.is_empty());
    assert_within("SyncFunction", &proxy.take_recorded());

    // credits: an edit by the uploader of t1.
    let reply: crate::support::events::Reply = credits::handle(
        &store,
        &credits::Config::unlimited(http_edge::EdgeConfig::JWT),
        Http::post("/tracks/t1/credits", json!({"producerId": "pc"}))
            .caller("pa")
            .build(),
        now,
    )
    .await
    .into();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_within("CreditsFunction", &proxy.take_recorded());

    // fanout: the shared-track entries of the tracks and the edit above, from the stream (read
    // directly, as the event source mapping does; the function's own requests go through here).
    let mut fanout = crate::support::fanout::FanoutWorld::start(&store).await;
    proxy.take_recorded();
    assert!(fanout.drain().await.shared_writes > 0);
    assert_within("FanoutFunction", &proxy.take_recorded());

    // recompute: a whole run and its pointer.
    run_at(&store, as_of()).await;
    assert_within("RecomputeFunction", &proxy.take_recorded());

    // payouts: a month's split, its statements and roster, the transfers' status moves.
    let ready = json!({"type": "producer", "at": "2026-11-22T12:00:00Z", "id": "pa",
        "name": "Alpha", "genres": ["trap"], "stripeAccountId": "acct_pa",
        "chargesEnabled": true, "payoutsEnabled": true, "profileComplete": true});
    assert!(deliver_at(&store, &[ready], now).await.is_empty());
    assert_within("SyncFunction", &proxy.take_recorded());
    let stripe = crate::support::payouts::pay_pool(&store, 10_000).await;
    assert_eq!(stripe.transfers().len(), 1, "pa was paid");
    assert_within("PayoutsFunction", &proxy.take_recorded());

    // leaderboard: reads only.
    for path in [
        "/producers/pa/summary",
        "/leaderboard/contribution",
        "/producers/pa/payouts",
        "/producers/pa/payouts/2026-10",
        "/producers/pa/history",
        "/producers/pa/tracks?with=pb",
        "/collaborations/stats",
        "/me",
    ] {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut http = Http::get(path).caller("pa");
        if let Some((name, value)) = query.split_once('=') {
            http = http.query(name, value);
        }
        let reply = crate::support::api::leaderboard(&store, http).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    let reads = proxy.take_recorded();
    assert_granted("LeaderboardFunction", &reads);
    assert_eq!(writes(&reads), Vec::new());
}

/// Every DynamoDB operation `function` sent is one its policies allow (a transaction's parts are
/// checked with its writes).
fn assert_granted(function: &str, recorded: &[(String, bytes::Bytes)]) {
    let granted = granted_actions(function);
    for (operation, _) in recorded {
        let action = format!("dynamodb:{operation}");
        let needed = match operation.as_str() {
            // A transaction needs its parts' actions, checked with the writes below.
            "TransactWriteItems" => continue,
            _ => action,
        };
        assert!(
            granted.contains(&needed),
            "{function} sent {operation}, which its policies do not allow ({granted:?})"
        );
    }
}

/// Review M4: money is written by `payouts` alone. A statement says where a transfer goes and how
/// much, and `payouts` sends exactly that, so whoever may write one may redirect money. IAM sees
/// only partition keys, so statements live in a partition prefix of their own, and the
/// template's grants are read here: `credits` and `sync` (the internet-facing and the
/// feed-facing functions) may write none of a statement's, a split's or a roster's partitions,
/// while `payouts` may; and `payouts` may not write a profile.
#[test]
fn only_payouts_may_write_statements_splits_and_rosters() {
    use contribution::ProducerId;
    use contribution::statement::PayoutPeriod;
    use results::payout::{PayoutSplit, PayoutStatement};
    use store::payouts::items::{OpenStatement, PayoutRosterPart};
    use table::entity::Entity;

    let producer = ProducerId::parse("p0").expect("an id");
    let period = PayoutPeriod::parse("2026-10").expect("a period");
    let money = [
        (
            "a statement",
            PayoutStatement::primary_key(&(), (&producer, period)),
        ),
        ("a split", PayoutSplit::primary_key(&(), period)),
        ("a roster", PayoutRosterPart::primary_key(&(), (period, 0))),
        (
            "an open-statement marker",
            OpenStatement::primary_key(&(), (period, &producer)),
        ),
    ];
    let may_write = |function: &str, partition: &str| {
        write_grant(function)
            .patterns
            .iter()
            .any(|p| matches(p, partition))
    };
    for (what, key) in &money {
        let partition = key.partition();
        for function in [
            "CreditsFunction",
            "SyncFunction",
            "RecomputeFunction",
            "FanoutFunction",
        ] {
            assert!(
                !may_write(function, partition),
                "{function} may write {what} ({partition})"
            );
        }
        assert!(
            may_write("PayoutsFunction", partition),
            "payouts cannot write {what} ({partition})"
        );
    }
    // The statement is not in the producer's own partition, which credits and sync do write.
    let profile = store::catalog::items::Profile::primary_key(&(), &producer);
    assert!(may_write("CreditsFunction", profile.partition()));
    assert!(may_write("SyncFunction", profile.partition()));
    assert!(
        !may_write("PayoutsFunction", profile.partition()),
        "payouts writes no profile"
    );
}
