//! A sharded recompute run on this machine: `infra/recompute.asl.json`, the definition AWS runs,
//! executed by aws-local-stepfunctions (`xtask/stepfunctions/run.mjs`), each Task state calling
//! `recompute::handle` in this process over loopback, as the Lambda integration invokes the
//! deployed function, against a real local table (DynamoDB Local) holding the partials.
//!
//! - `cargo xtask recompute --shards N` runs one execution against the local table.
//! - `cargo xtask test` (`equality_check`) runs a generated catalog as one invocation and over 1,
//!   2 and 4 shards, and over 4 shards with one shard's first invocation killed (5 ms in, 40 ms
//!   in, or after it finished, a round each, as a Lambda timeout ends it), and compares every published item with the single invocation's,
//!   byte for byte, three rounds in a row.
//!
//! What differs from the service is listed in `docs/recompute.md`, "Past one invocation".

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use serde_json::{Value, json};
use store::Store;

use crate::project;

/// The npm package holding the interpreter and the runner script, from the workspace root.
const PACKAGE: &str = "xtask/stepfunctions";
/// The state machine's definition, from the workspace root.
const DEFINITION: &str = "infra/recompute.asl.json";
/// What `DefinitionSubstitutions` gives the definition locally (the template: the function's ARN).
const LOCAL_FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:recompute-local";
/// A Lambda invocation's limit, which every local task gets as its deadline.
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(900);

#[derive(clap::Args)]
pub struct ShardedCheckArgs {
    /// Rounds in a row (each a new generated catalog).
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// Use this DynamoDB endpoint (default: start an in-memory DynamoDB Local).
    #[arg(long)]
    endpoint: Option<String>,
}

/// `cargo xtask sharded-check`: the sharded runs' equality check alone.
pub fn run_check(args: ShardedCheckArgs) -> Result<()> {
    match args.endpoint {
        Some(endpoint) => equality_check(&endpoint, args.rounds),
        None => {
            let local = crate::dynamodb_local::DynamoDbLocal::start(
                crate::dynamodb_local::Storage::InMemory,
                None,
            )?;
            equality_check(&local.endpoint(), args.rounds)
        }
    }
}

/// Which invocation to kill, and how: the first `scan` of `shard` is dropped after `after` (part-way,
/// or just after it finished, its answer lost) and reported as Lambda reports a function that
/// ran out of time.
#[derive(Clone, Copy)]
pub struct Kill {
    pub shard: u32,
    pub after: Duration,
}

/// The handler behind the local Task states.
#[derive(Clone)]
struct Tasks {
    store: Store,
    settings: Settings,
    kill: Option<Kill>,
    /// Scan invocations of the killed shard so far.
    attempts: Arc<AtomicU32>,
    /// Every invocation, for the report.
    invocations: Arc<AtomicU32>,
}

async fn invoke(State(tasks): State<Tasks>, Json(request): Json<Value>) -> Json<Value> {
    tasks.invocations.fetch_add(1, Ordering::Relaxed);
    let payload = request["payload"].clone();
    let killed = tasks.kill.filter(|kill| {
        payload["task"] == "scan"
            && payload["shard"] == kill.shard
            && tasks.attempts.fetch_add(1, Ordering::SeqCst) == 0
    });
    let deadline = Deadline(Some(SystemTime::now() + LAMBDA_TIMEOUT));
    let started = std::time::Instant::now();
    let label = match payload["task"].as_str() {
        Some("scan") => format!("scan shard {}", payload["shard"]),
        Some(task) => task.to_owned(),
        None => "run".to_owned(),
    };
    let run = recompute::handle(&tasks.store, &tasks.settings, payload, deadline, Utc::now());
    let outcome = match killed {
        // Whether the attempt was cut off part-way or had just finished, it ends as Lambda ends
        // an invocation that ran out of time: with no answer.
        Some(kill) => {
            let finished = tokio::time::timeout(kill.after, run).await.is_ok();
            eprintln!(
                "xtask: task {label}: killed after {} ms ({})",
                kill.after.as_millis(),
                if finished {
                    "it had finished; its answer is lost"
                } else {
                    "part-way"
                }
            );
            return Json(json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": "the invocation was killed (a local stand-in for a Lambda timeout)"
            }));
        }
        None => run.await,
    };
    let failure = outcome
        .as_ref()
        .err()
        .map_or(String::new(), |e| format!(", failed: {e}"));
    eprintln!(
        "xtask: task {label}: {:.2} s{failure}",
        started.elapsed().as_secs_f64()
    );
    Json(match outcome {
        Ok(outcome) => json!({ "payload": outcome }),
        Err(e) => {
            let diagnostic = lambda_runtime::Diagnostic::from(e);
            json!({ "errorType": diagnostic.error_type, "errorMessage": diagnostic.error_message })
        }
    })
}

/// What one local execution did.
#[derive(Debug)]
pub struct Execution {
    pub output: Value,
    pub invocations: u32,
}

/// Runs the state machine once against `store`, as the schedule starts it at `time` with
/// `shards` shards.
pub async fn execute(
    store: &Store,
    settings: &Settings,
    time: DateTime<Utc>,
    shards: u32,
    kill: Option<Kill>,
) -> Result<Execution> {
    crate::npm::ci(PACKAGE)?;
    let tasks = Tasks {
        store: store.clone(),
        settings: settings.clone(),
        kill,
        attempts: Arc::new(AtomicU32::new(0)),
        invocations: Arc::new(AtomicU32::new(0)),
    };
    let invocations = tasks.invocations.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address: SocketAddr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/invoke", axum::routing::post(invoke))
        .with_state(tasks);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let input = json!({ "time": time.to_rfc3339(), "shards": shards });
    let substitutions = json!({ "RecomputeFunctionArn": LOCAL_FUNCTION_ARN });
    let root = project::root();
    let output = tokio::process::Command::new("node")
        .arg(root.join(PACKAGE).join("run.mjs"))
        .current_dir(root.join(PACKAGE))
        .env("DEFINITION", root.join(DEFINITION))
        .env("TASK_ENDPOINT", format!("http://{address}/invoke"))
        .env("EXECUTION_INPUT", input.to_string())
        .env("SUBSTITUTIONS", substitutions.to_string())
        .output()
        .await
        .context("could not start node")?;
    server.abort();
    let printed = String::from_utf8_lossy(&output.stdout);
    let result: Value = printed
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .with_context(|| {
            format!(
                "the local state machine printed no result: {printed}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    if result["status"] != "SUCCEEDED" {
        bail!(
            "the state machine's execution failed: {} ({})",
            result["error"],
            result["cause"]
        );
    }
    Ok(Execution {
        output: result["output"].clone(),
        invocations: invocations.load(Ordering::Relaxed),
    })
}

/// The pointer's `publishedAt` is when the run was published, which differs between any two
/// runs: blanked before comparing.
fn without_publication_time(items: &mut std::collections::BTreeMap<String, String>) {
    for item in items.values_mut() {
        if let Some(at) = item.find("\"publishedAt\": ") {
            let end = item[at..].find(')').map_or(item.len(), |e| at + e + 1);
            item.replace_range(at..end, "\"publishedAt\": <publication time>");
        }
    }
}

/// `cargo xtask test`'s check: a generated catalog run as one invocation and through the state
/// machine over 1, 2 and 4 shards and over 4 with a shard killed, `rounds` times; every
/// published item must be the single invocation's.
pub fn equality_check(endpoint: &str, rounds: u32) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        for round in 1..=rounds {
            equality_round(endpoint, round).await?;
        }
        anyhow::Ok(())
    })?;
    eprintln!(
        "xtask: sharded runs published the single invocation's items, {rounds} rounds in a row"
    );
    Ok(())
}

async fn equality_round(endpoint: &str, round: u32) -> Result<()> {
    let now = Utc::now();
    let as_of = now - TimeDelta::minutes(5);
    let spec = catalog::synthetic::Spec {
        producers: 150,
        tracks: 1_500,
        seed: u64::from(round),
        as_of: as_of - TimeDelta::hours(1),
    };
    let text: String = catalog::synthetic::generate(spec)
        .map(|line| line + "\n")
        .collect();
    let settings = Settings {
        segments: 2,
        page_size: Some(200),
        ..Settings::default()
    };
    let table = |name: &str| format!("beatpass-sharded-{}-{round}-{name}", std::process::id());
    let text = &text;
    let connect = |name: String| async move {
        let store = Store::connect(&store::StoreConfig::new(name, Some(endpoint.to_owned()))).await;
        store.create_table_without_stream().await?;
        crate::gen_catalog::seed_text(&store, text, as_of - TimeDelta::minutes(30)).await?;
        anyhow::Ok(store)
    };

    let single = connect(table("single")).await?;
    let progress = RunProgress::default();
    let summary = recompute(&single, &settings, as_of, Deadline(None), &progress, now).await?;
    anyhow::ensure!(summary.published, "the single invocation did not publish");
    let mut expected = single.dump_published_run_items().await?;
    without_publication_time(&mut expected);
    anyhow::ensure!(
        expected.len() > 100,
        "the single invocation published only {} items",
        expected.len()
    );

    let cases = [
        ("1 shard", 1, None),
        ("2 shards", 2, None),
        ("4 shards", 4, None),
        (
            "4 shards, shard 2 killed",
            4,
            Some(Kill {
                shard: 2,
                // Early in the scan, part-way, or after the partial is written: a round each.
                after: Duration::from_millis([5, 40, 2_000][(round as usize - 1) % 3]),
            }),
        ),
    ];
    for (name, shards, kill) in cases {
        let store = connect(table(&name.replace([' ', ','], "-"))).await?;
        let execution = execute(&store, &settings, as_of, shards, kill)
            .await
            .with_context(|| format!("{name}: the execution"))?;
        let mut items = store.dump_published_run_items().await?;
        without_publication_time(&mut items);
        compare(name, &expected, &items)?;
        let pieces = store.count_partial_items().await?;
        eprintln!(
            "xtask: round {round}, {name}: {} items equal the single invocation's ({} invocations, {pieces} partial items kept until their TTL)",
            items.len(),
            execution.invocations
        );
        if kill.is_some() {
            // Plan, 4 scans, the killed scan's retry, reduce.
            anyhow::ensure!(
                execution.invocations == shards + 3,
                "{name}: {} invocations, not {}",
                execution.invocations,
                shards + 3
            );
        }
        store.delete_table().await?;
    }
    single.delete_table().await?;
    Ok(())
}

fn compare(
    name: &str,
    expected: &std::collections::BTreeMap<String, String>,
    got: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    for (key, item) in expected {
        match got.get(key) {
            None => bail!("{name}: item {key} is missing"),
            Some(other) if other != item => {
                bail!("{name}: item {key} differs:\n  single: {item}\n  sharded: {other}")
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = got.keys().find(|k| !expected.contains_key(*k)) {
        bail!("{name}: item {extra} is not the single invocation's");
    }
    Ok(())
}
