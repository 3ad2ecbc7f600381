//! `cargo xtask rebuild-shared-tracks`: make the shared-track entries agree with the discography
//! entries they project (`store::tools::shared_track_projection`).
//!
//! For the two cases the stream cannot mend: a record `fanout` parked after its last retry (the
//! on-failure queue holds only its position, and the stream forgets it after a day), and a table
//! whose discography entries predate the stream or the function. Safe while `fanout` runs; the
//! `check` command reports what this repairs.

use anyhow::Result;

use crate::target::TableTarget;

#[derive(clap::Args)]
pub struct RebuildArgs {
    /// Parallel scan segments.
    #[arg(long, default_value_t = 4)]
    segments: u32,
    #[command(flatten)]
    target: TableTarget,
}

pub fn run(args: RebuildArgs) -> Result<()> {
    let report = tokio::runtime::Runtime::new()?.block_on(async {
        let store = args.target.connect().await?;
        Ok::<_, anyhow::Error>(store.rebuild_shared_tracks(args.segments).await?)
    })?;
    println!("{}: {report}", args.target.describe());
    Ok(())
}
