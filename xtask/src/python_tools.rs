//! Python tools from PyPI (cfn-lint, cargo-lambda, checkov), installed on demand into virtual
//! environments in the ignored `.cache/`, at pinned versions. checkov gets its own environment:
//! it pins dozens of libraries that would otherwise fight cfn-lint's.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::project;

/// The SAM template linter and AWS's serverless rules for it.
pub const CFN_LINT: &[&str] = &["cfn-lint==1.58.0", "cfn-lint-serverless==0.3.6"];

/// `cargo lambda` (build, watch, invoke); the wheel brings zig for cross-compiling to arm64.
pub const CARGO_LAMBDA: &[&str] = &["cargo-lambda==1.9.2"];

/// Bridgecrew's infrastructure-as-code scanner, run over the template beside cfn-lint.
pub const CHECKOV: &[&str] = &["checkov==3.3.30"];

/// Stripe's own Python library, which `tests/stripe/conformance.py` drives the stand-in with.
pub const STRIPE_PYTHON: &[&str] = &["stripe==12.5.1"];

/// AWS's SAM CLI, for `cargo xtask sam` (build, validate, deploy).
pub const SAM_CLI: &[&str] = &["aws-sam-cli==1.170.0"];

/// The property-based OpenAPI tester of `cargo xtask contract`.
pub const SCHEMATHESIS: &[&str] = &["schemathesis==4.32.5"];

/// `PATH` with the tools' `bin` first, for commands that run the installed tools.
pub fn path_with(bin: PathBuf) -> Result<std::ffi::OsString> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    Ok(std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&path)),
    )?)
}

/// Makes sure `packages` are installed in the tools' virtual environment; returns its `bin`.
pub fn ensure(packages: &[&str]) -> Result<PathBuf> {
    ensure_in("venv", packages)
}

/// Makes sure `packages` are installed in the virtual environment `.cache/<name>`; returns its
/// `bin`.
pub fn ensure_in(name: &str, packages: &[&str]) -> Result<PathBuf> {
    let venv = project::cache_dir().join(name);
    let bin = venv.join("bin");
    if !bin.join("python").exists() {
        if !project::succeeds("python3", &["--version"]) {
            bail!(
                "python3 is needed to install {}: install Python 3.9 or newer",
                packages.join(", ")
            );
        }
        eprintln!(
            "xtask: creating a Python virtual environment in {}",
            venv.display()
        );
        project::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    let marker = venv.join(format!(
        "installed-{}",
        packages.join("+").replace(['=', '/'], "_")
    ));
    if !marker.exists() {
        eprintln!("xtask: installing {} from PyPI", packages.join(", "));
        project::run(
            Command::new(bin.join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(packages),
        )?;
        std::fs::write(&marker, "")
            .with_context(|| format!("could not write {}", marker.display()))?;
    }
    Ok(bin)
}
