//! What a fresh machine lacks from Debian's packages, installed by the tooling that needs it:
//! Java for DynamoDB Local, Chromium for the dashboard's browser test.

use std::process::Command;

use anyhow::{Result, bail};

use crate::project;

/// Installs `package` with apt-get when `present` says it is missing; `purpose` names who needs
/// it in the error a non-root machine gets instead.
pub fn ensure(package: &str, present: impl Fn() -> bool, purpose: &str) -> Result<()> {
    if present() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !is_root || !project::succeeds("apt-get", &["--version"]) {
        bail!("{purpose} needs Debian's {package}: install it (`sudo apt-get install {package}`)");
    }
    eprintln!("xtask: installing {package} for {purpose} (apt-get install {package})");
    project::run(Command::new("apt-get").args(["update", "-q"]))?;
    project::run(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    if !present() {
        bail!("apt-get installed {package}, but {purpose} still does not find it");
    }
    Ok(())
}
