//! `cargo xtask import FILE`: load a JSON Lines catalog into the table.
//!
//! The whole file is checked first; any bad line is printed with its number and reason and
//! nothing is written. Then the import runs (an idempotent upsert) with a progress bar on a
//! terminal, and ends with a summary.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use catalog::jsonl::{LineError, parse};
use indicatif::{ProgressBar, ProgressStyle};
use store::tools::import::ImportError;

use crate::target::TableTarget;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The catalog file (JSON Lines).
    file: PathBuf,
    /// The instant the file describes (RFC 3339; default: the file's modification time). What
    /// the live feed applied after it is kept; the rest of the file is imported.
    #[arg(long)]
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    target: TableTarget,
}

fn report_bad_lines(file: &std::path::Path, errors: &[LineError]) -> anyhow::Error {
    for error in errors {
        eprintln!("{}:{error}", file.display());
    }
    anyhow::anyhow!(
        "{} has {} bad line(s); nothing was written",
        file.display(),
        errors.len()
    )
}

pub fn run(args: ImportArgs) -> Result<()> {
    let started = Instant::now();
    let reader = BufReader::new(
        File::open(&args.file)
            .with_context(|| format!("could not open {}", args.file.display()))?,
    );
    let (parsed, mut errors) = parse(reader);
    let runtime = tokio::runtime::Runtime::new()?;
    let store = runtime.block_on(args.target.connect())?;
    // Lines naming producers the file does not define are checked against the table too, so every
    // bad line is reported in one go.
    errors.extend(runtime.block_on(store.check_references(&parsed))?);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(report_bad_lines(&args.file, &errors));
    }
    let as_of = match args.as_of {
        Some(as_of) => as_of,
        None => std::fs::metadata(&args.file)
            .and_then(|m| m.modified())
            .map(chrono::DateTime::<chrono::Utc>::from)
            .with_context(|| {
                format!(
                    "no modification time for {}: give --as-of",
                    args.file.display()
                )
            })?,
    };
    let (producers, tracks) = (parsed.producers.len(), parsed.tracks.len());
    eprintln!(
        "xtask: {} is valid: {producers} producers, {tracks} tracks; importing as of {} into {}",
        args.file.display(),
        as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        args.target.describe()
    );

    let bar = ProgressBar::new((producers + tracks) as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} records  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done: u64| bar.set_position(done);
    let result = runtime.block_on(store.import_catalog(parsed, as_of, &progress));
    bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(ImportError::Rejected(errors)) => return Err(report_bad_lines(&args.file, &errors)),
        Err(ImportError::Store(e)) => bail!("import stopped: {e}"),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported {} in {seconds:.1} s: producers {} written, {} unchanged, {} newer in the table (kept); tracks {} created, {} updated ({} keeping the feed's newer plays or fields), {} unchanged ({:.0} tracks/s); {} items retried",
        args.file.display(),
        report.producers_written,
        report.producers_unchanged,
        report.producers_newer_in_table,
        report.tracks_created,
        report.tracks_updated,
        report.tracks_newer_in_table,
        report.tracks_unchanged,
        tracks as f64 / seconds.max(1e-9),
        report.retried_items,
    );
    Ok(())
}
