//! The sharded run's state machine as deployed: `infra/recompute.asl.json` and its resources in
//! `infra/template.yaml`. What only AWS enforces — the machine's role, its schedule, its alarms,
//! the retries and catches of its states — is checked here against the files, the one source
//! of truth both AWS and `cargo xtask recompute --shards N` run.

use std::collections::BTreeSet;

use serde_json::Value as Json;
use serde_norway::Value;

const TEMPLATE: &str = include_str!("../../infra/template.yaml");
const DEFINITION: &str = include_str!("../../infra/recompute.asl.json");

fn resource(name: &str) -> Value {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    template["Resources"][name].clone()
}

fn definition() -> Json {
    serde_json::from_str(DEFINITION).expect("the definition is JSON")
}

/// `Ref X`, `GetAtt X.Arn`, `If [...]`: an intrinsic as text, for comparison.
fn intrinsic(v: &Value) -> String {
    match v {
        Value::Tagged(tagged) => format!(
            "{} {}",
            tagged.tag.to_string().trim_start_matches('!'),
            serde_norway::to_string(&tagged.value)
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => serde_norway::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Every state of the definition, the distributed map's own states included, by name.
fn states(machine: &Json) -> Vec<(String, Json)> {
    let mut all = Vec::new();
    for (name, state) in machine["States"].as_object().expect("states") {
        all.push((name.clone(), state.clone()));
        if let Some(processor) = state.get("ItemProcessor") {
            all.extend(states(processor));
        }
    }
    all
}

#[test]
fn every_working_state_retries_and_every_failure_ends_in_run_failed() {
    let machine = definition();
    let all = states(&machine);
    let top: BTreeSet<String> = machine["States"]
        .as_object()
        .expect("states")
        .keys()
        .cloned()
        .collect();
    for (name, state) in &all {
        let kind = state["Type"].as_str().expect("a type");
        if !matches!(kind, "Task" | "Map") {
            continue;
        }
        let retry = state["Retry"].as_array().expect("a Retry field");
        assert!(!retry.is_empty(), "{name} has no retrier");
        if top.contains(name) {
            // A failure of a top-level state after its retries goes to RunFailed, which fails
            // the execution (ExecutionsFailed, alarmed): nothing is published.
            let catch = state["Catch"].as_array().expect("a Catch field");
            assert!(
                catch
                    .iter()
                    .any(|c| c["ErrorEquals"] == serde_json::json!(["States.ALL"])
                        && c["Next"] == "RunFailed"),
                "{name} does not catch everything into RunFailed: {catch:?}"
            );
        } else {
            // A shard's failure after its retries fails the map (no failure is tolerated), whose
            // Catch ends the run.
            assert_eq!(state["End"], true, "{name} is a shard's only state");
        }
        if kind == "Task" {
            // A bad event is a mistake, never retried; a transient failure is.
            assert_eq!(
                retry[0]["ErrorEquals"][0], "BadEvent",
                "{name} retries bad events"
            );
            assert_eq!(retry[0]["MaxAttempts"], 0);
            assert!(
                retry.iter().any(|r| r["ErrorEquals"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e == "Sandbox.Timedout"))),
                "{name} does not retry a killed invocation"
            );
        }
    }
    let map = &machine["States"]["ScanShards"];
    assert_eq!(
        map["ItemProcessor"]["ProcessorConfig"]["Mode"],
        "DISTRIBUTED"
    );
    assert_eq!(map["ToleratedFailurePercentage"], 0);
    assert_eq!(machine["States"]["RunFailed"]["Type"], "Fail");
}

#[test]
fn every_task_is_an_invocation_of_the_recompute_function_with_a_task_it_knows() {
    let mut tasks = BTreeSet::new();
    for (name, state) in states(&definition()) {
        if state["Type"] != "Task" {
            continue;
        }
        assert_eq!(
            state["Resource"], "arn:aws:states:::lambda:invoke",
            "{name}"
        );
        assert_eq!(
            state["Parameters"]["FunctionName"], "${RecomputeFunctionArn}",
            "{name} invokes another function"
        );
        let payload = &state["Parameters"];
        match payload["Payload"]["task"].as_str() {
            Some(task) => {
                tasks.insert(task.to_owned());
            }
            // The shard's task is the plan's item, as the plan wrote it.
            None => assert_eq!(payload["Payload.$"], "$", "{name}"),
        }
    }
    assert_eq!(
        tasks,
        BTreeSet::from(["plan".to_owned(), "reduce".to_owned()])
    );
    // The items the map hands its shards are scan tasks (the handler's own plan).
    let item = serde_json::to_value(recompute::run::ShardItem {
        task: "scan",
        as_of: chrono::DateTime::UNIX_EPOCH,
        shard: 0,
        shards: 1,
    })
    .expect("an item");
    assert_eq!(item["task"], "scan");
    assert!(recompute::shards::is_task(&item));
}

#[test]
fn the_machines_role_reaches_only_the_function_its_children_and_its_logs() {
    let machine = resource("RecomputeMachine");
    assert_eq!(machine["Type"], "AWS::Serverless::StateMachine");
    let properties = &machine["Properties"];
    assert_eq!(properties["DefinitionUri"], "recompute.asl.json");
    assert_eq!(
        intrinsic(&properties["DefinitionSubstitutions"]["RecomputeFunctionArn"]),
        "GetAtt RecomputeFunction.Arn"
    );
    let policies = properties["Policies"].as_sequence().expect("policies");
    let mut statements = Vec::new();
    for policy in policies {
        if let Some(invoke) = policy.get("LambdaInvokePolicy") {
            assert_eq!(intrinsic(&invoke["FunctionName"]), "Ref RecomputeFunction");
        } else {
            statements.extend(
                policy["Statement"]
                    .as_sequence()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    assert_eq!(
        policies.len(),
        2,
        "one invoke policy and one statement list"
    );
    let own_name = "${AWS::StackName}-RecomputeMachine*";
    for statement in &statements {
        assert_eq!(statement["Effect"], "Allow");
        let actions = strings(&statement["Action"]);
        assert!(actions.iter().all(|a| !a.contains('*')), "{actions:?}");
        let resource = intrinsic(&statement["Resource"]);
        if actions.iter().all(|a| a.starts_with("states:")) {
            // Only this machine's own child executions.
            let expected = if actions == ["states:StartExecution"] {
                format!(":stateMachine:{own_name}")
            } else {
                assert_eq!(
                    actions,
                    ["states:DescribeExecution", "states:StopExecution"]
                );
                format!(":execution:{own_name}")
            };
            assert!(
                resource.ends_with(&format!("{expected}\"")) || resource.ends_with(&expected),
                "{actions:?} reach {resource}"
            );
        } else if actions.iter().all(|a| a.starts_with("logs:")) {
            // Vended log delivery: AWS accepts only "*" for these, and they grant no log data.
            let delivery = [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ];
            assert!(
                actions.iter().all(|a| delivery.contains(&a.as_str())),
                "{actions:?}"
            );
            assert_eq!(resource, "'*'");
        } else {
            assert!(
                actions.iter().all(|a| a.starts_with("xray:")),
                "{actions:?}"
            );
            assert_eq!(resource, "'*'");
        }
    }
    assert_eq!(
        intrinsic(&properties["Name"]),
        "Sub ${AWS::StackName}-RecomputeMachine"
    );
}

#[test]
fn the_schedule_starts_the_machine_only_when_the_run_is_sharded() {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("YAML");
    assert_eq!(
        intrinsic(&template["Conditions"]["ShardedRecompute"]),
        "Not - !Equals - !Ref RecomputeShards - 1"
    );
    let function = resource("RecomputeFunction");
    let single = &function["Properties"]["Events"]["Schedule"]["Properties"];
    assert_eq!(
        intrinsic(&single["State"]),
        "If - ShardedRecompute - DISABLED - ENABLED"
    );
    let machine = resource("RecomputeMachine");
    let sharded = &machine["Properties"]["Events"]["Schedule"]["Properties"];
    assert_eq!(
        intrinsic(&sharded["State"]),
        "If - ShardedRecompute - ENABLED - DISABLED"
    );
    assert_eq!(single["ScheduleExpression"], sharded["ScheduleExpression"]);
    assert!(intrinsic(&sharded["Input"]).contains("\"shards\": ${RecomputeShards}"));
    assert_eq!(
        intrinsic(&sharded["DeadLetterConfig"]["Arn"]),
        intrinsic(&single["DeadLetterConfig"]["Arn"])
    );
    // The shards run at once: the function's reserved concurrency is the shard count then.
    assert_eq!(
        intrinsic(&function["Properties"]["ReservedConcurrentExecutions"]),
        "If - ShardedRecompute - !Ref RecomputeShards - 1"
    );
    // The function may write the partials: its write grant's leading keys cover their partition.
    let partial =
        table::keys::partial_pk(&results::run_id::RunId::of(chrono::DateTime::UNIX_EPOCH), 3);
    let writes = function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        .find(|s| {
            strings(&s["Action"])
                .iter()
                .any(|a| a == "dynamodb:BatchWriteItem")
        })
        .expect("the function's write grant");
    let leading = strings(&writes["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]);
    assert!(
        leading.iter().any(|pattern| pattern
            .strip_suffix('*')
            .is_some_and(|p| partial.starts_with(p))),
        "{partial} is outside the function's leading keys {leading:?}"
    );
}

#[test]
fn a_failed_or_timed_out_sharded_run_is_alarmed() {
    for (alarm, metric) in [
        ("RecomputeMachineFailedAlarm", "ExecutionsFailed"),
        ("RecomputeMachineTimedOutAlarm", "ExecutionsTimedOut"),
    ] {
        let properties = &resource(alarm)["Properties"];
        assert_eq!(properties["Namespace"], "AWS/States", "{alarm}");
        assert_eq!(properties["MetricName"], metric, "{alarm}");
        assert_eq!(
            intrinsic(&properties["Dimensions"][0]["Value"]),
            "Ref RecomputeMachine"
        );
        assert_eq!(properties["Threshold"].as_f64(), Some(1.0));
    }
}
