//! The Backstage app's typed client, `clients/backstage`: its types generated from
//! `infra/openapi.yaml` by openapi-typescript, its calls through openapi-fetch, both pinned in
//! the package's lockfile.
//!
//! `cargo xtask client` installs the package's tools (`npm ci`, once per lockfile) and writes
//! `src/schema.d.ts`; `cargo xtask test` generates it again aside and fails when the committed
//! file is not what the spec generates (a spec changed without its client), then type-checks the
//! package with its own `tsc`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::project;

/// The package, from the workspace root.
const PACKAGE: &str = "clients/backstage";
/// The generated types, in the package.
const SCHEMA: &str = "src/schema.d.ts";
/// The contract the types come from, from the workspace root.
const SPEC: &str = "infra/openapi.yaml";

#[derive(clap::Args)]
pub struct ClientArgs {
    /// Check the committed client against the spec (and type-check it) instead of writing it.
    #[arg(long)]
    check: bool,
}

/// `cargo xtask client`: the committed types, regenerated from the spec.
pub fn run(args: ClientArgs) -> Result<()> {
    if args.check {
        return check();
    }
    install()?;
    generate(&Path::new(PACKAGE).join(SCHEMA))?;
    eprintln!("xtask: wrote {PACKAGE}/{SCHEMA} from {SPEC}");
    Ok(())
}

/// What `cargo xtask test` checks: the committed types are what the spec generates, and the
/// package type-checks.
pub fn check() -> Result<()> {
    install()?;
    let fresh = std::env::temp_dir().join("beatpass-backstage-schema.d.ts");
    generate(&fresh)?;
    let committed = std::fs::read_to_string(project::root().join(PACKAGE).join(SCHEMA))
        .with_context(|| format!("reading {PACKAGE}/{SCHEMA}"))?;
    let generated =
        std::fs::read_to_string(&fresh).with_context(|| format!("reading {}", fresh.display()))?;
    if let Some(line) = first_difference(&committed, &generated) {
        bail!(
            "{PACKAGE}/{SCHEMA} is not what {SPEC} generates (they differ from line {line}): \
             run `cargo xtask client` and commit the result"
        );
    }
    project::run(Command::new(bin("tsc")).args(["--noEmit", "-p", PACKAGE]))
}

/// The 1-based line where `committed` and `generated` first differ, if they do.
fn first_difference(committed: &str, generated: &str) -> Option<usize> {
    let (mut old, mut new) = (committed.lines(), generated.lines());
    for line in 1.. {
        match (old.next(), new.next()) {
            (None, None) => return None,
            (a, b) if a != b => return Some(line),
            _ => {}
        }
    }
    None
}

/// A tool the package's lockfile pinned.
fn bin(name: &str) -> PathBuf {
    crate::npm::bin(PACKAGE, name)
}

/// The package's tools and its runtime dependency (openapi-fetch), from its lockfile.
pub fn install() -> Result<()> {
    crate::npm::ci(PACKAGE)
}

/// openapi-typescript's types of the spec, written to `out` (relative to the root, or absolute).
fn generate(out: &Path) -> Result<()> {
    project::run(
        Command::new(bin("openapi-typescript"))
            .arg(SPEC)
            .arg("--output")
            .arg(out),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_changed_without_its_client_is_found() {
        let committed = "export interface paths {\n  \"/me\": {};\n}\n";
        assert_eq!(first_difference(committed, committed), None);
        let regenerated = "export interface paths {\n  \"/me\": {};\n  \"/you\": {};\n}\n";
        assert_eq!(first_difference(committed, regenerated), Some(3));
        assert_eq!(
            first_difference(committed, "export interface paths {\n"),
            Some(2)
        );
    }
}
