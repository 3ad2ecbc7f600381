//! The deployed table must be the table the code creates: `infra/template.yaml`'s keys, indexes
//! and TTL are compared with `table::definition::DEFINITION`, so the two cannot drift.

use std::collections::BTreeSet;

use serde_norway::Value;
use table::definition::DEFINITION;

const TEMPLATE: &str = include_str!("../../infra/template.yaml");

fn table() -> Value {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    template["Resources"]["Table"]["Properties"].clone()
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v:?}"))
        .to_owned()
}

/// `(attribute, HASH|RANGE)` pairs of a key schema.
fn key_schema(v: &Value) -> Vec<(String, String)> {
    v.as_sequence()
        .expect("a key schema")
        .iter()
        .map(|k| (text(&k["AttributeName"]), text(&k["KeyType"])))
        .collect()
}

fn expected_keys(partition: &str, sort: Option<&str>) -> Vec<(String, String)> {
    let mut keys = vec![(partition.to_owned(), "HASH".to_owned())];
    keys.extend(sort.map(|s| (s.to_owned(), "RANGE".to_owned())));
    keys
}

#[test]
fn the_template_table_matches_the_code() {
    let table = table();
    assert_eq!(text(&table["BillingMode"]), "PAY_PER_REQUEST");
    assert_eq!(
        key_schema(&table["KeySchema"]),
        expected_keys(DEFINITION.partition_key, Some(DEFINITION.sort_key))
    );

    let declared: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("attribute definitions")
        .iter()
        .map(|a| (text(&a["AttributeName"]), text(&a["AttributeType"])))
        .collect();
    let wanted: BTreeSet<(String, String)> = DEFINITION
        .key_attributes()
        .into_iter()
        .map(|a| (a.to_owned(), "S".to_owned()))
        .collect();
    assert_eq!(declared, wanted);

    let indexes = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("indexes");
    assert_eq!(indexes.len(), DEFINITION.indexes.len());
    for index in DEFINITION.indexes {
        let deployed = indexes
            .iter()
            .find(|i| text(&i["IndexName"]) == index.name)
            .unwrap_or_else(|| panic!("index {} is not in the template", index.name));
        assert_eq!(
            key_schema(&deployed["KeySchema"]),
            expected_keys(index.partition_key, index.sort_key),
            "{}",
            index.name
        );
        assert_eq!(text(&deployed["Projection"]["ProjectionType"]), "ALL");
    }

    let ttl = &table["TimeToLiveSpecification"];
    assert_eq!(text(&ttl["AttributeName"]), DEFINITION.ttl_attribute);
    assert_eq!(ttl["Enabled"], Value::Bool(true));
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        Value::Bool(true)
    );
    assert_eq!(table["DeletionProtectionEnabled"], Value::Bool(true));
}

/// Every file from which a deployment takes its settings: the manifests (`cargo lambda deploy`
/// copies `[workspace.metadata.lambda.env]` and `[package.metadata.lambda.deploy]` into the
/// function's environment), Cargo's own config, and everything under `infra/`.
fn deployable_configuration() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("a readable directory")
            .flatten()
        {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    walk(&path, found);
                }
            } else if name == "Cargo.toml" || name.starts_with("samconfig") {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.push(root.join(".cargo/config.toml"));
    for entry in std::fs::read_dir(root.join("infra"))
        .expect("infra/")
        .flatten()
    {
        files.push(entry.path());
    }
    files
}

#[test]
fn no_deployable_configuration_enables_the_dev_header() {
    let files = deployable_configuration();
    assert!(
        files.iter().any(|f| f.ends_with("template.yaml")),
        "the walk found the template"
    );
    assert!(files.len() > 10, "the walk found the manifests: {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains(http_edge::DEV_AUTH_VAR),
            "{} mentions {}: a deployment would let callers name themselves",
            file.display(),
            http_edge::DEV_AUTH_VAR
        );
    }
}

/// checkov runs in `cargo xtask test`; a finding the design does not fix is skipped in the
/// template's metadata, and every skip must say why.
#[test]
fn every_scanner_skip_says_why() {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    let resources = template["Resources"].as_mapping().expect("resources");
    let mut skips = 0;
    for (name, resource) in resources {
        for skip in resource["Metadata"]["checkov"]["skip"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let id = skip["id"].as_str().unwrap_or_default();
            let comment = skip["comment"].as_str().unwrap_or_default();
            assert!(
                id.starts_with("CKV_"),
                "{name:?}: a skip without a check id"
            );
            assert!(
                comment.split_whitespace().count() >= 10,
                "{name:?} skips {id} without a reason worth the name: {comment:?}"
            );
            skips += 1;
        }
    }
    assert!(skips > 0, "the walk found the skips");
}

/// `!Ref X` / `!GetAtt X.Attr` as `Ref X` / `GetAtt X.Attr` (other values: their YAML text).
fn reference(v: &Value) -> String {
    match v {
        Value::Tagged(tagged) => format!(
            "{} {}",
            tagged.tag.to_string().trim_start_matches('!'),
            tagged.value.as_str().unwrap_or_default()
        ),
        other => serde_norway::to_string(other).unwrap_or_default(),
    }
}

fn resources() -> serde_norway::Mapping {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    template["Resources"]
        .as_mapping()
        .expect("resources")
        .clone()
}

/// The alarms on `namespace` / `metric` (with a dimension naming `target`, when given).
fn alarms_on(namespace: &str, metric: &str, target: Option<&str>) -> Vec<Value> {
    resources()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .map(|r| r["Properties"].clone())
        .filter(|p| p["Namespace"].as_str() == Some(namespace))
        .filter(|p| p["MetricName"].as_str() == Some(metric))
        .filter(|p| {
            target.is_none_or(|t| {
                p["Dimensions"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .any(|d| reference(&d["Value"]).ends_with(&format!(" {t}")))
            })
        })
        .collect()
}

/// `destination` is a queue's ARN (`!GetAtt Queue.Arn`) and one alarm watches that queue.
fn assert_an_alarmed_queue(resources: &serde_norway::Mapping, destination: &Value) {
    let queue = reference(destination);
    let queue = queue
        .strip_prefix("GetAtt ")
        .and_then(|q| q.strip_suffix(".Arn"))
        .unwrap_or_else(|| panic!("the destination is a queue's ARN: {queue}"));
    assert_eq!(
        resources[queue]["Type"].as_str(),
        Some("AWS::SQS::Queue"),
        "{queue}"
    );
    assert_eq!(
        alarms_on(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            Some(&format!("{queue}.QueueName"))
        )
        .len(),
        1,
        "the on-failure queue {queue} is alarmed"
    );
}

/// M1: every failure of payouts ends where someone is paged. A failed pool event lands in an
/// alarmed on-failure queue (Lambda's async retries, then the destination); every function's
/// `Errors` is alarmed; the function's own failure metrics are alarmed, final failures in the
/// hour they happen; and the rule takes billing's account only (M2).
#[test]
fn payouts_failures_page_someone() {
    let resources = resources();
    let payouts = &resources["PayoutsFunction"]["Properties"];
    let invoke = &payouts["EventInvokeConfig"];
    assert_eq!(invoke["MaximumRetryAttempts"].as_u64(), Some(2));
    let on_failure = &invoke["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"].as_str(), Some("SQS"));
    assert_an_alarmed_queue(&resources, &on_failure["Destination"]);

    // Every function's errors are alarmed.
    let functions: Vec<String> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .filter_map(|(name, _)| name.as_str().map(str::to_owned))
        .collect();
    assert_eq!(functions.len(), 6, "{functions:?}");
    for function in &functions {
        let alarms = alarms_on("AWS/Lambda", "Errors", Some(function));
        assert_eq!(alarms.len(), 1, "{function}'s Errors alarm");
        assert_eq!(
            alarms[0]["EvaluationPeriods"].as_u64(),
            Some(1),
            "{function}"
        );
    }

    // The function's own metrics, as it writes them, are alarmed.
    let emf: serde_json::Value = serde_json::from_str(&payouts::emf_line(
        &payouts::PayoutsReport {
            period: None,
            split_state: None,
            eligible: None,
            excluded: None,
            transfers: payouts::TransferReport::default(),
        },
        0,
    ))
    .expect("EMF is JSON");
    let namespace = emf["_aws"]["CloudWatchMetrics"][0]["Namespace"]
        .as_str()
        .expect("namespace");
    for metric in [
        "FinalFailures",
        "StillOpen",
        "PeriodErrors",
        "HeldTooLong",
        "Escalated",
        "PoolsWaitingTooLong",
    ] {
        assert!(emf.get(metric).is_some(), "the function writes {metric}");
        let alarms = alarms_on(namespace, metric, None);
        assert_eq!(alarms.len(), 1, "{metric} is alarmed");
        if metric != "StillOpen" {
            assert_eq!(
                (
                    alarms[0]["Period"].as_u64(),
                    alarms[0]["EvaluationPeriods"].as_u64()
                ),
                (Some(3600), Some(1)),
                "{metric} pages in the hour it happens"
            );
        }
    }

    // The daily reconciliation writes its own metric, alarmed, and the schedule sends the
    // command the function parses.
    let reconcile = &payouts["Events"]["Reconcile"]["Properties"];
    let input: serde_json::Value =
        serde_json::from_str(reconcile["Input"].as_str().expect("input")).expect("JSON");
    assert!(matches!(
        payouts::event::command(&input),
        Ok(payouts::event::Command::Operator(
            payouts::event::OperatorCommand::Reconcile { period: None }
        ))
    ));
    assert_eq!(alarms_on(namespace, "ReconcileMismatches", None).len(), 1);
    let retry: serde_json::Value = serde_json::from_str(
        payouts["Events"]["RetryTransfers"]["Properties"]["Input"]
            .as_str()
            .expect("input"),
    )
    .expect("JSON");
    assert_eq!(
        payouts::event::command(&retry).ok(),
        Some(payouts::event::Command::RetryTransfers)
    );
    // Every rule the function reads from its environment is set by the template.
    let variables = &payouts["Environment"]["Variables"];
    for name in [
        "PAYOUT_MAX_POOL_MINOR",
        "PAYOUT_HOLD_ALARM_HOURS",
        "PAYOUT_HOLD_LIMIT_DAYS",
        "PAYOUT_WAIT_ALARM_HOURS",
        "STRIPE_MODE",
    ] {
        assert!(variables.get(name).is_some(), "{name} is configured");
    }

    // The pool rule matches billing's account, which the function checks too.
    let pattern = &payouts["Events"]["PoolClosed"]["Properties"]["Pattern"];
    let accounts: Vec<String> = pattern["account"]
        .as_sequence()
        .expect("the rule matches the account")
        .iter()
        .map(reference)
        .collect();
    assert_eq!(accounts, ["Ref BillingAccountId"]);
    assert_eq!(
        reference(&payouts["Environment"]["Variables"]["BILLING_ACCOUNT_ID"]),
        "Ref BillingAccountId"
    );
}

/// The statements of every policy a function carries (its `Policies`).
fn policy_statements(function: &Value) -> Vec<Value> {
    function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// M3 and L8: only the platform writes the feed, and `sync` reads only its own queue. The queue's
/// policy denies `sqs:SendMessage` to every principal but the platform's role (an Allow alone
/// leaves the account's other principals free to send); `sync` is told the platform's unique id
/// to check each message's `SenderId` against; no function uses SAM's SQS event type (it would
/// attach AWSLambdaSQSQueueExecutionRole: receive and delete on every queue, the dead-letter
/// queues included), and every SQS permission a function has names one queue.
#[test]
fn only_the_platform_writes_the_feed_and_sync_reads_only_its_queue() {
    let resources = resources();
    let policy = &resources["SyncQueuePolicy"]["Properties"];
    assert_eq!(
        policy["Queues"].as_sequence().map_or(0, Vec::len),
        1,
        "the policy governs one queue"
    );
    assert_eq!(reference(&policy["Queues"][0]), "Ref SyncQueue");
    let statements = policy["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("statements");
    let denies_others = statements.iter().any(|s| {
        s["Effect"].as_str() == Some("Deny")
            && s["Principal"].as_str() == Some("*")
            && strings(&s["Action"]).iter().any(|a| a == "sqs:SendMessage")
            && reference(&s["Resource"]) == "GetAtt SyncQueue.Arn"
            && reference(&s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
                == "Ref PlatformPrincipalArn"
    });
    assert!(
        denies_others,
        "every sender but the platform is denied: {statements:?}"
    );
    // Review N16: and every consumer but sync's role.
    let consumes = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
    ];
    let denies_consumers = statements.iter().any(|s| {
        let actions = strings(&s["Action"]);
        s["Effect"].as_str() == Some("Deny")
            && s["Principal"].as_str() == Some("*")
            && consumes.iter().all(|a| actions.iter().any(|b| b == a))
            && reference(&s["Resource"]) == "GetAtt SyncQueue.Arn"
            && reference(&s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
                == "GetAtt SyncFunctionRole.Arn"
    });
    assert!(
        denies_consumers,
        "every consumer but sync is denied: {statements:?}"
    );
    let allows: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Effect"].as_str() == Some("Allow"))
        .collect();
    assert_eq!(allows.len(), 1, "{allows:?}");
    assert_eq!(
        reference(&allows[0]["Principal"]["AWS"]),
        "Ref PlatformPrincipalArn"
    );

    let sync = &resources["SyncFunction"];
    assert_eq!(
        reference(
            &sync["Properties"]["Environment"]["Variables"][sync::sender::PLATFORM_SENDER_VAR]
        ),
        "Ref PlatformSenderId"
    );
    // Records of any other queue are refused: the function knows the one its mapping reads.
    assert_eq!(
        reference(&sync["Properties"]["Environment"]["Variables"][sync::origin::SYNC_QUEUE_VAR]),
        reference(&resources["SyncQueueMapping"]["Properties"]["EventSourceArn"])
    );

    for (name, resource) in &resources {
        let name = name.as_str().unwrap_or_default();
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|e| e.values())
        {
            assert_ne!(
                event["Type"].as_str(),
                Some("SQS"),
                "{name}: SAM's SQS event attaches receive/delete on every queue"
            );
        }
        for statement in policy_statements(resource) {
            if strings(&statement["Action"])
                .iter()
                .any(|a| a.starts_with("sqs:"))
            {
                let resource = reference(&statement["Resource"]);
                assert!(
                    resource.starts_with("GetAtt ") && resource.ends_with(".Arn"),
                    "{name}: SQS permissions on {resource}, not one queue"
                );
                if name == "SyncFunction" {
                    assert_eq!(resource, "GetAtt SyncQueue.Arn");
                }
            }
        }
    }
    // The one queue mapping is sync's (fanout's mapping reads the table's stream).
    let mappings: Vec<&Value> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Lambda::EventSourceMapping"))
        .filter(|r| reference(&r["Properties"]["EventSourceArn"]).ends_with("Queue.Arn"))
        .collect();
    assert_eq!(mappings.len(), 1);
    let mapping = &mappings[0]["Properties"];
    assert_eq!(
        reference(&mapping["EventSourceArn"]),
        "GetAtt SyncQueue.Arn"
    );
    assert_eq!(reference(&mapping["FunctionName"]), "Ref SyncFunction");
    assert_eq!(
        strings(&mapping["FunctionResponseTypes"]),
        ["ReportBatchItemFailures"]
    );
}

/// The stream reaches `fanout` as the code expects: the table streams old and new images; one
/// mapping per `store::catalog::changes::StreamMapping`, each with exactly its filters (so the function is
/// given what it handles, nothing it writes comes back to it, and a refusing bus holds back only
/// the events); failures are reported per record, a crash bisects the batch, and a record that
/// fails every retry lands in an alarmed queue; the function's own failure metric is alarmed,
/// and its policy writes only the shared-track partitions.
#[test]
fn the_stream_mapping_filters_what_fanout_handles() {
    use store::catalog::changes::StreamMapping;
    let resources = resources();
    let table = &resources["Table"]["Properties"];
    assert_eq!(
        text(&table["StreamSpecification"]["StreamViewType"]),
        DEFINITION.stream_view
    );
    let mappings: Vec<&str> = resources
        .iter()
        .filter(|(_, r)| text(&r["Type"]) == "AWS::Lambda::EventSourceMapping")
        .filter(|(_, r)| reference(&r["Properties"]["EventSourceArn"]) == "GetAtt Table.StreamArn")
        .map(|(name, _)| name.as_str().expect("a resource name"))
        .collect();
    let expected = [
        (StreamMapping::Events, "FanoutEventsMapping"),
        (StreamMapping::SharedTracks, "FanoutSharedTracksMapping"),
    ];
    assert_eq!(mappings.len(), StreamMapping::ALL.len(), "{mappings:?}");
    for (kind, name) in expected {
        let mapping = &resources[name]["Properties"];
        assert_eq!(reference(&mapping["FunctionName"]), "Ref FanoutFunction");
        let deployed: Vec<serde_json::Value> = mapping["FilterCriteria"]["Filters"]
            .as_sequence()
            .expect("filters")
            .iter()
            .map(|f| serde_json::from_str(&text(&f["Pattern"])).expect("a JSON pattern"))
            .collect();
        assert_eq!(deployed, kind.patterns(), "{name}");
        assert_eq!(
            strings(&mapping["FunctionResponseTypes"]),
            ["ReportBatchItemFailures"],
            "{name}"
        );
        assert_eq!(
            mapping["BisectBatchOnFunctionError"].as_bool(),
            Some(true),
            "{name}"
        );
        assert_an_alarmed_queue(
            &resources,
            &mapping["DestinationConfig"]["OnFailure"]["Destination"],
        );
        assert!(
            mapping["MaximumRetryAttempts"]
                .as_u64()
                .is_some_and(|n| n > 0)
        );
    }

    let emf: serde_json::Value =
        serde_json::from_str(&fanout::FanoutBatch::default().emf_line(0)).expect("EMF is JSON");
    let namespace = emf["_aws"]["CloudWatchMetrics"][0]["Namespace"]
        .as_str()
        .expect("namespace");
    assert!(emf.get("FailedRecords").is_some());
    assert_eq!(alarms_on(namespace, "FailedRecords", None).len(), 1);
    assert_eq!(
        alarms_on("AWS/Lambda", "IteratorAge", Some("FanoutFunction")).len(),
        1
    );

    // It writes the shared-track entries only, and puts events on the platform's bus only.
    let fanout = &resources["FanoutFunction"];
    let statements = policy_statements(fanout);
    let writes: Vec<&Value> = statements
        .iter()
        .filter(|s| strings(&s["Action"]).iter().any(|a| a.contains("Write")))
        .collect();
    assert_eq!(writes.len(), 1);
    let id = |s: &str| contribution::ProducerId::parse(s).expect("id");
    let entry = <store::catalog::items::SharedTrack as table::entity::Entity>::primary_key(
        &(),
        (
            &id("a"),
            &id("b"),
            catalog::UploadTime::parse("2026-01-01T00:00:00Z").expect("time"),
            &contribution::TrackId::parse("t").expect("id"),
        ),
    );
    let prefix = entry.partition().split('#').next().expect("a prefix");
    assert_eq!(
        strings(&writes[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]),
        [format!("{prefix}#*")]
    );
    let puts: Vec<String> = statements
        .iter()
        .filter(|s| strings(&s["Action"]).contains(&"events:PutEvents".to_owned()))
        .map(|s| reference(&s["Resource"]))
        .collect();
    assert_eq!(puts, ["Ref PlatformEventBusArn"]);
}

/// Issue 38: the producers a caller acts for are read from one JWT claim, the same for both API
/// functions and the one the API's JWT authorizer verifies tokens for. Both functions sit behind
/// that authorizer and read the claim the `ProducerIdsClaim` parameter names (in the variable
/// `http_edge` reads); a function reading another claim, or none, fails here.
#[test]
fn the_authorizer_and_both_api_functions_agree_on_the_producers_claim() {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    let parameter = &template["Parameters"]["ProducerIdsClaim"];
    assert_eq!(
        parameter["Default"].as_str(),
        Some("sub"),
        "one-artist tokens by default"
    );
    let pattern = parameter["AllowedPattern"].as_str().expect("a pattern");
    assert!(pattern.contains("A-Za-z0-9"), "{pattern}");
    let resources = resources();
    let api = &resources["Api"]["Properties"]["Auth"];
    assert_eq!(api["DefaultAuthorizer"].as_str(), Some("BackstageJwt"));
    assert!(
        api["Authorizers"]["BackstageJwt"]["JwtConfiguration"].is_mapping(),
        "a JWT authorizer"
    );
    for function in ["CreditsFunction", "LeaderboardFunction"] {
        let properties = &resources[function]["Properties"];
        let claim = &properties["Environment"]["Variables"][http_edge::PRODUCER_IDS_CLAIM_VAR];
        assert_eq!(
            reference(claim),
            "Ref ProducerIdsClaim",
            "{function} reads the claim the authorizer's tokens carry"
        );
        let events = properties["Events"].as_mapping().expect("events");
        for (name, event) in events {
            if event["Type"].as_str() == Some("HttpApi") {
                assert_eq!(
                    reference(&event["Properties"]["ApiId"]),
                    "Ref Api",
                    "{function} {name:?} is behind the API's authorizer"
                );
            }
        }
    }
}

/// Issue 38: the credit-edit limits the function reads are the template's parameters.
#[test]
fn the_credit_edit_limits_are_configured_and_their_refusals_alarmed() {
    let resources = resources();
    let variables = &resources["CreditsFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        reference(&variables["CREDIT_EDIT_BURST"]),
        "Ref CreditEditBurst"
    );
    assert_eq!(
        reference(&variables["CREDIT_EDITS_PER_MINUTE"]),
        "Ref CreditEditsPerMinute"
    );
    assert_eq!(
        alarms_on("BeatPass/Credits", "CreditEditsLimited", None).len(),
        1
    );
}

/// Review N10: fanout may put only its own events (their source and detail-type, as the code
/// spells them) on the platform's bus.
#[test]
fn fanout_may_put_only_its_own_events() {
    let resources = resources();
    let statements: Vec<Value> = resources["FanoutFunction"]["Properties"]["Policies"]
        .as_sequence()
        .expect("policies")
        .iter()
        .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        .collect();
    let puts: Vec<&Value> = statements
        .iter()
        .filter(|s| {
            strings(&s["Action"])
                .iter()
                .any(|a| a == "events:PutEvents")
        })
        .collect();
    assert_eq!(puts.len(), 1, "{puts:?}");
    let equals = &puts[0]["Condition"]["StringEquals"];
    assert_eq!(
        equals["events:source"].as_str(),
        Some(fanout::notice::SOURCE)
    );
    assert_eq!(
        equals["events:detail-type"].as_str(),
        Some(fanout::notice::DETAIL_TYPE)
    );
}

/// Review N14: `sync` and `payouts` trust what their event says once its origin checks pass
/// (the queue and sender; billing's source and account), so nobody in the stack may hand them a
/// made-up event: no statement anywhere in the template grants `lambda:InvokeFunction` (or a
/// wildcard that covers it), and no hand-written `AWS::Lambda::Permission` exists. Their only
/// invokers are the event source mapping and the EventBridge rules SAM wires, each scoped to its
/// source ARN. (Principals outside the stack: the README's "Deploying".)
#[test]
fn nobody_in_the_stack_may_invoke_a_function_directly() {
    fn actions(v: &Value, found: &mut Vec<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str() == Some("Action") || k.as_str() == Some("NotAction") {
                        found.extend(strings(child));
                    }
                    actions(child, found);
                }
            }
            Value::Sequence(items) => items.iter().for_each(|i| actions(i, found)),
            Value::Tagged(tagged) => actions(&tagged.value, found),
            _ => {}
        }
    }
    let resources = resources();
    let mut found = Vec::new();
    for (_, resource) in &resources {
        actions(resource, &mut found);
    }
    assert!(
        found.len() > 20,
        "the walk finds the stack's actions: {found:?}"
    );
    let covers_invoke = |action: &str| {
        let action = action.to_ascii_lowercase();
        action == "*" || action == "lambda:*" || action.starts_with("lambda:invoke")
    };
    let granted: Vec<&String> = found.iter().filter(|a| covers_invoke(a)).collect();
    assert!(granted.is_empty(), "{granted:?}");
    let permissions: Vec<&Value> = resources
        .iter()
        .filter(|(_, r)| text(&r["Type"]) == "AWS::Lambda::Permission")
        .map(|(name, _)| name)
        .collect();
    assert!(permissions.is_empty(), "{permissions:?}");
}

/// The names of every header the spec declares anywhere, lower-cased: its `in: header`
/// parameters, or (`responses`) the headers of its responses.
fn spec_headers(spec: &Value, responses: bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![spec.clone()];
    while let Some(value) = stack.pop() {
        match value {
            Value::Mapping(map) => {
                if !responses && map.get("in").and_then(Value::as_str) == Some("header") {
                    found.insert(text(&map["name"]).to_lowercase());
                }
                // A response object's headers (a response has a description; the `headers` of
                // `components` are reusable header objects named by their own keys).
                if responses
                    && map.contains_key("description")
                    && let Some(Value::Mapping(headers)) = map.get("headers")
                {
                    found.extend(headers.keys().map(|k| text(k).to_lowercase()));
                }
                stack.extend(map.into_iter().map(|(_, v)| v));
            }
            Value::Sequence(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// CORS is what only API Gateway enforces: the Backstage app (another origin) may send exactly
/// the request headers the spec declares (with its token and JSON bodies), and read every
/// response header the spec declares that a browser hides from scripts unless exposed (a 429's
/// `Retry-After`, the `ETag` an edit's `If-Match` sends back); `Cache-Control` is one a browser
/// always shows.
#[test]
fn the_cors_rules_let_the_app_send_and_read_the_headers_the_spec_names() {
    let spec: Value =
        serde_norway::from_str(include_str!("../../infra/openapi.yaml")).expect("the spec");
    let cors = &resources()["Api"]["Properties"]["CorsConfiguration"];
    let lower = |v: &Value| -> BTreeSet<String> {
        strings(v).into_iter().map(|s| s.to_lowercase()).collect()
    };
    let mut sent = spec_headers(&spec, false);
    assert!(
        sent.contains("if-none-match") && sent.contains("if-match"),
        "{sent:?}"
    );
    sent.extend(["authorization".to_owned(), "content-type".to_owned()]);
    assert_eq!(lower(&cors["AllowHeaders"]), sent);
    // The CORS-safelisted response headers a script reads without exposure.
    let safelisted = [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ];
    let read: BTreeSet<String> = spec_headers(&spec, true)
        .into_iter()
        .filter(|h| !safelisted.contains(&h.as_str()))
        .collect();
    assert!(
        read.contains("etag") && read.contains("retry-after"),
        "{read:?}"
    );
    assert_eq!(lower(&cors["ExposeHeaders"]), read);
    let methods: BTreeSet<String> = spec["paths"]
        .as_mapping()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_mapping().cloned().unwrap_or_default().into_keys())
        .map(|k| text(&k).to_uppercase())
        .filter(|m| ["GET", "PUT", "POST", "DELETE", "PATCH"].contains(&m.as_str()))
        .collect();
    assert_eq!(
        strings(&cors["AllowMethods"])
            .into_iter()
            .collect::<BTreeSet<_>>(),
        methods
    );
}
