//! Where things are: the workspace root and the ignored folders the tooling installs into.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root (the folder holding the virtual manifest).
pub fn root() -> PathBuf {
    let xtask_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().map(PathBuf::from).unwrap_or(xtask_dir)
}

/// Ignored folder for tools installed on demand (`/.cache` in `.gitignore`).
pub fn cache_dir() -> PathBuf {
    root().join(".cache")
}

/// Ignored folder for local data kept between runs (`/.local` in `.gitignore`).
pub fn local_data_dir() -> PathBuf {
    root().join(".local")
}

/// Runs `cmd` to completion in the workspace root, failing with the command line on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: running {shown}");
    let status = cmd
        .current_dir(root())
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// True when `program args…` runs and exits successfully (used to detect installed tools).
pub fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Writes a generated event to `out` (for `cargo lambda invoke --data-file`), or prints it.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    match out {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .with_context(|| format!("could not write {}", path.display())),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}
