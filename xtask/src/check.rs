//! `cargo xtask check`: verify every invariant the table design promises (see
//! `store::consistency`); print each violation; exit non-zero on any.

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
    let violations = tokio::runtime::Runtime::new()?.block_on(async {
        let store = args.target.connect().await?;
        Ok::<_, anyhow::Error>(store.check_consistency(args.segments).await?)
    })?;
    for violation in &violations {
        println!("{violation}");
    }
    if !violations.is_empty() {
        bail!(
            "{} violation(s) in {}",
            violations.len(),
            args.target.describe()
        );
    }
    println!("{}: consistent", args.target.describe());
    Ok(())
}
