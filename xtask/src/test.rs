//! `cargo xtask test`: everything CI checks, in the order that fails fastest.
//!
//! Formatting, clippy with warnings as errors, the pure crates built alone (so chrono's clock and
//! the tools' features cannot creep in), cfn-lint and checkov on `infra/template.yaml`,
//! then the whole test suite (including the template-against-code and API checks) with a fresh
//! in-memory DynamoDB Local whose endpoint reaches the tests through
//! `BEATPASS_TEST_DYNAMODB_ENDPOINT`, then Schemathesis over the API on the same DynamoDB Local
//! (`contract.rs`), then the producer dashboard in Debian's Chromium (`dashboard.rs`). Tests that
//! need storage fail (never skip) without it.

use std::process::Command;

use anyhow::Result;
use store::TEST_ENDPOINT_VAR;

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::project;
use crate::python_tools;

/// The library crates the Lambdas link, checked without the features of the tools.
const LIBRARIES: [&str; 7] = [
    "contribution",
    "results",
    "catalog",
    "table",
    "store",
    "http-edge",
    "telemetry",
];

/// How many times in a row the dashboard's browser test must pass: a test that passes only
/// sometimes fails here, not later.
const BROWSER_ROUNDS: u32 = 3;
/// How many times in a row the sharded runs must equal the single invocation.
const SHARDED_ROUNDS: u32 = 3;

#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy (for a quick re-run of the tests alone).
    #[arg(long)]
    no_lint: bool,
    /// Extra arguments for the test runner (a test name filter, for example).
    #[arg(last = true)]
    runner_args: Vec<String>,
}

pub fn run(args: TestArgs) -> Result<()> {
    if !args.no_lint {
        project::run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
        project::run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        // The library crates, then the Lambdas, linted without the features the workspace
        // build unifies in: the core, the catalog and the store compile without chrono's clock,
        // no Lambda needs the store's `tools` or the catalog's `synthetic` code, and nothing
        // is left that only the tools use.
        for packages in [&LIBRARIES[..], &crate::package::FUNCTIONS[..]] {
            project::run(
                Command::new("cargo")
                    .args(["clippy", "--quiet", "--all-targets"])
                    .args(packages.iter().flat_map(|p| ["--package", p]))
                    .args(["--", "-D", "warnings"]),
            )?;
        }
        // The Backstage client: its types are what the spec generates, and it type-checks.
        crate::client::check()?;
        // The dashboard type-checks against that client.
        crate::dashboard::check()?;
        // The deployment template: no errors, no warnings, with AWS's serverless rules.
        let bin = python_tools::ensure(python_tools::CFN_LINT)?;
        project::run(Command::new(bin.join("cfn-lint")).args([
            "-a",
            "cfn_lint_serverless.rules",
            "--",
            "infra/template.yaml",
        ]))?;
        // A security scanner nobody here wrote: every finding is fixed or skipped in the
        // template's metadata with its reason (infra_template::every_scanner_skip_says_why).
        let bin = python_tools::ensure_in("venv-checkov", python_tools::CHECKOV)?;
        project::run(
            Command::new(bin.join("checkov"))
                .args([
                    "--file",
                    "infra/template.yaml",
                    "--framework",
                    "cloudformation",
                ])
                .args(["--compact", "--quiet", "--skip-download"])
                // Offline: no Prisma Cloud guideline lookups, no version check.
                .env("BC_SKIP_MAPPING", "TRUE")
                .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false"),
        )?;
    }

    // Build the tests before starting DynamoDB Local, so a slow compile does not hold it open.
    let nextest = project::succeeds("cargo", &["nextest", "--version"]);
    if nextest {
        project::run(Command::new("cargo").args(["nextest", "run", "--workspace", "--no-run"]))?;
    } else {
        project::run(Command::new("cargo").args(["test", "--workspace", "--no-run"]))?;
    }

    // Stripe's Python library, for the stand-in's conformance test.
    let stripe_python = python_tools::ensure_in("venv-stripe", python_tools::STRIPE_PYTHON)?;

    let local = DynamoDbLocal::start(Storage::InMemory, None)?;
    eprintln!(
        "xtask: DynamoDB Local for the tests at {}",
        local.endpoint()
    );
    let mut runner = Command::new("cargo");
    if nextest {
        runner.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        runner.args(["test", "--workspace", "--no-fail-fast"]);
    }
    runner
        .args(&args.runner_args)
        .env(TEST_ENDPOINT_VAR, local.endpoint())
        .env("BEATPASS_TEST_STRIPE_PYTHON", stripe_python.join("python"));
    let result = project::run(&mut runner);
    // The API contract under generated requests (a whole run only, not a filtered one).
    let contract = if args.runner_args.is_empty() {
        crate::contract::check(&local.endpoint())
    } else {
        Ok(())
    };
    // The dashboard in Debian's Chromium, three rounds in a row (a whole run only).
    let browser = if args.runner_args.is_empty() {
        crate::dashboard::browser_test(&local.endpoint(), BROWSER_ROUNDS)
    } else {
        Ok(())
    };
    // The sharded run on the state machine's own definition, three rounds in a row (a whole
    // run only).
    let sharded = if args.runner_args.is_empty() {
        crate::sharded::equality_check(&local.endpoint(), SHARDED_ROUNDS)
    } else {
        Ok(())
    };
    drop(local);
    result.and(contract).and(browser).and(sharded)
}
