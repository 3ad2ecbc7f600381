//! `cargo xtask package`: the functions as arm64 release zips, ready for Lambda.
//!
//! `cargo lambda build --release --arm64 --output-format zip` (cargo-lambda and zig come from
//! PyPI, pinned, into `.cache/venv`), with the workspace's release profile (LTO, one codegen unit,
//! strip, panic=abort). Prints each zip's size.

use std::process::Command;

use anyhow::{Context, Result};

use crate::{project, python_tools};

pub const FUNCTIONS: [&str; 6] = [
    "credits",
    "recompute",
    "leaderboard",
    "sync",
    "payouts",
    "fanout",
];

pub fn run() -> Result<()> {
    let bin = python_tools::ensure(python_tools::CARGO_LAMBDA)?;
    let path = python_tools::path_with(bin)?;
    let mut build = Command::new("cargo");
    build
        .args([
            "lambda",
            "build",
            "--release",
            "--arm64",
            "--output-format",
            "zip",
        ])
        .env("PATH", path);
    for function in FUNCTIONS {
        build.args(["--package", function]);
    }
    project::run(&mut build)?;
    for function in FUNCTIONS {
        let zip = project::root()
            .join("target/lambda")
            .join(function)
            .join("bootstrap.zip");
        let bytes = std::fs::metadata(&zip)
            .with_context(|| format!("{} was not built", zip.display()))?
            .len();
        println!(
            "{function:<12} {:>8.2} MiB  {}",
            bytes as f64 / (1024.0 * 1024.0),
            zip.display()
        );
    }
    Ok(())
}
