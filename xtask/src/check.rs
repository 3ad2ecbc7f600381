//! `cargo xtask check`: verify every invariant the table design promises (see
//! `store::tools::consistency`) and that the shared-track entries match the discographies; print each
//! violation; exit non-zero on any.

use anyhow::{Result, bail};

use crate::target::TableTarget;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Parallel scan segments.
    #[arg(long, default_value_t = 4)]
    segments: u32,
    #[command(flatten)]
    target: TableTarget,
}

pub fn run(args: CheckArgs) -> Result<()> {
    let report = tokio::runtime::Runtime::new()?.block_on(async {
        let store = args.target.connect().await?;
        Ok::<_, anyhow::Error>(store.check_consistency_report(args.segments).await?)
    })?;
    for violation in &report.violations {
        println!("{violation}");
    }
    for drift in &report.shared_tracks {
        println!("{drift}");
    }
    if !report.violations.is_empty() || !report.shared_tracks.is_empty() {
        bail!(
            "{} violation(s) and {} shared-track difference(s) in {} (the shared-track entries \
             trail the stream by about a second; if they stay, `cargo xtask rebuild-shared-tracks`)",
            report.violations.len(),
            report.shared_tracks.len(),
            args.target.describe()
        );
    }
    println!("{}: consistent", args.target.describe());
    Ok(())
}
