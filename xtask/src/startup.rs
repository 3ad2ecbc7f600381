//! `cargo xtask startup`: how long each release binary takes from process start to its first
//! poll of the Lambda Runtime API (`GET /2018-06-01/runtime/invocation/next`).
//!
//! A minimal Runtime API endpoint (a loopback listener that only notes the first request line)
//! stands in for Lambda; the binaries run with the environment Lambda gives them, against a
//! DynamoDB Local, so `credits` and `leaderboard` include their init-time warm-up read
//! (`table::warm`). What this measures is the code's own start-up, on this machine: Lambda adds
//! its sandbox and the download of the zip (see BENCHMARKS.md).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::project::root;

/// The functions timed: the four whose init needs nothing but DynamoDB Local. `payouts` reads
/// its Stripe key from Secrets Manager at init and `fanout` names its EventBridge bus, which
/// this loopback world does not stand in for yet (so this is not the list of all functions:
/// that is `package::FUNCTIONS`).
const FUNCTIONS: [&str; 4] = ["credits", "leaderboard", "recompute", "sync"];
const NEXT_INVOCATION: &str = "GET /2018-06-01/runtime/invocation/next";

#[derive(clap::Args)]
pub struct StartupArgs {
    /// Starts per binary.
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

pub fn run(args: StartupArgs) -> Result<()> {
    let root = root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet"])
        .args(FUNCTIONS.iter().flat_map(|f| ["--package", f]))
        .current_dir(&root)
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("the release build failed");
    }
    let local = DynamoDbLocal::start(Storage::InMemory, None)?;
    let table = "beatpass-startup";
    tokio::runtime::Runtime::new()?.block_on(async {
        let config = store::StoreConfig::new(table, Some(local.endpoint()));
        store::Store::connect(&config)
            .await
            .create_table_without_stream()
            .await
    })?;
    println!("| Binary | Runs | Min | p50 | Max |");
    println!("|---|---|---|---|---|");
    for function in FUNCTIONS {
        let binary = root.join("target/release").join(function);
        let mut times: Vec<Duration> = (0..args.runs)
            .map(|_| start_once(&binary, function, &local.endpoint(), table))
            .collect::<Result<_>>()?;
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        println!(
            "| {function} | {} | {} | {} | {} |",
            times.len(),
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    Ok(())
}

/// Starts `binary` once as Lambda would and times it to its first Runtime API poll.
fn start_once(
    binary: &std::path::Path,
    function: &str,
    endpoint: &str,
    table: &str,
) -> Result<Duration> {
    let runtime_api = TcpListener::bind("127.0.0.1:0")?;
    let address = runtime_api.local_addr()?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "startup")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", table)
        .env("DYNAMODB_ENDPOINT", endpoint)
        .env("RUST_LOG", "warn")
        // Its only output here is the runtime's complaint when the stand-in closes on it.
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let polled = (|| -> Result<Duration> {
        let (stream, _) = runtime_api.accept()?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut first = String::new();
        BufReader::new(stream).read_line(&mut first)?;
        let elapsed = started.elapsed();
        if !first.starts_with(NEXT_INVOCATION) {
            bail!("{function}'s first Runtime API request was {first:?}");
        }
        Ok(elapsed)
    })();
    let _ = child.kill();
    let _ = child.wait();
    polled
}
