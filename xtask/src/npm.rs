//! The repo's npm packages (`clients/…`): installed from their lockfiles with `npm ci`, once per
//! lockfile, and their pinned tools run from their own `node_modules/.bin`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::project;

/// Written into `node_modules` after `npm ci`: the lockfile it installed.
const INSTALLED_LOCK: &str = "node_modules/.installed-package-lock.json";

/// `npm ci` in `package` (from the workspace root), unless `node_modules` already holds this
/// lockfile's install.
pub fn ci(package: &str) -> Result<()> {
    if !project::succeeds("npm", &["--version"]) {
        bail!("{package} is built with npm, which is missing: install Node.js 20+ and npm");
    }
    let dir = project::root().join(package);
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))
        .with_context(|| format!("reading {package}/package-lock.json"))?;
    let stamp = dir.join(INSTALLED_LOCK);
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    project::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--prefix", package]))?;
    std::fs::write(&stamp, lock).with_context(|| format!("writing {}", stamp.display()))
}

/// A tool `package`'s lockfile pinned.
pub fn bin(package: &str, name: &str) -> PathBuf {
    project::root()
        .join(package)
        .join("node_modules/.bin")
        .join(name)
}
