//! `cargo xtask sam ARGS…`: AWS's SAM CLI with everything its Rust build needs on `PATH`.
//!
//! `sam build` builds the functions with `cargo lambda` (the template's `BuildMethod:
//! rust-cargolambda`) and fails with "Cannot find Cargo Lambda" unless it is on `PATH`. A fresh
//! machine has neither tool, so this installs both from PyPI at pinned versions (SAM into its own
//! environment, `.cache/venv-sam`: it pins libraries cfn-lint's environment needs newer), puts
//! both `bin` directories first on `PATH` (cargo-lambda's first: its `python3` brings zig), and
//! runs `sam` with the arguments as given, from the project's root so the README's
//! `-t infra/template.yaml` works from anywhere in the checkout.

use std::process::Command;

use anyhow::Result;

use crate::{project, python_tools};

#[derive(clap::Args)]
pub struct SamArgs {
    /// Passed to `sam` as they are: `build -t infra/template.yaml`, `validate --lint -t …`,
    /// `deploy --guided`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    args: Vec<String>,
}

pub fn run(args: SamArgs) -> Result<()> {
    let cargo_lambda = python_tools::ensure(python_tools::CARGO_LAMBDA)?;
    let sam = python_tools::ensure_in("venv-sam", python_tools::SAM_CLI)?;
    // cargo-lambda's environment first: cargo-lambda finds zig through `python3 -m ziglang`, and
    // the first `python3` on PATH must be the one that has it (SAM's own scripts name their
    // interpreter, so SAM does not care).
    let path = python_tools::path_with(sam.clone())?;
    let path =
        std::env::join_paths(std::iter::once(cargo_lambda).chain(std::env::split_paths(&path)))?;
    project::run(
        Command::new(sam.join("sam"))
            .args(&args.args)
            .current_dir(project::root())
            .env("PATH", path)
            // No usage telemetry from a build machine.
            .env("SAM_CLI_TELEMETRY", "0"),
    )
}
