//! `cargo xtask gen-catalog`: write a realistic synthetic catalog (JSON Lines) for tests, demos
//! and benchmarks. Deterministic for a seed and as-of instant.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use catalog::synthetic::{CreditMix, Spec, generate, generate_with};
use chrono::{DateTime, Utc};

#[derive(clap::Args)]
pub struct GenCatalogArgs {
    #[arg(long, default_value_t = 300)]
    producers: usize,
    #[arg(long, default_value_t = 3_000)]
    tracks: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Uploads fall in the three years before this instant (RFC 3339; default now).
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
    /// Percent of tracks with 2+ credits, spread evenly over 2..=--max-credits (default: the
    /// marketplace's mix, 35% collaborative with 2–4 credits).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    collaborative_percent: Option<u8>,
    /// The most producers a collaborative track credits, with --collaborative-percent.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(2..=20))]
    max_credits: u8,
    /// Output file (default standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

pub fn run(args: GenCatalogArgs) -> Result<()> {
    let spec = Spec {
        producers: args.producers,
        tracks: args.tracks,
        seed: args.seed,
        as_of: args.as_of.unwrap_or_else(Utc::now),
    };
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("could not create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let mix = match args.collaborative_percent {
        Some(percent) => CreditMix::Collaborative {
            percent,
            max_credits: args.max_credits,
        },
        None => CreditMix::Marketplace,
    };
    for line in generate_with(spec, mix) {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Generates the catalog `spec` describes and imports it into `store` (the load tools' seed),
/// stamping history at `now`. Returns the catalog's records.
pub async fn seed(
    store: &store::Store,
    spec: Spec,
    now: DateTime<Utc>,
) -> Result<(Vec<catalog::Producer>, Vec<catalog::Track>)> {
    let text: String = generate(spec).map(|l| l + "\n").collect();
    seed_text(store, &text, now).await
}

/// Imports the catalog `text` (JSON Lines) into `store` as of `now`. Returns its records.
pub async fn seed_text(
    store: &store::Store,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<catalog::Producer>, Vec<catalog::Track>)> {
    let (parsed, errors) = catalog::jsonl::parse(text.as_bytes());
    if !errors.is_empty() {
        anyhow::bail!("the seed catalog has errors: {errors:?}");
    }
    let records = (parsed.producers.clone(), parsed.tracks.clone());
    store
        .import_catalog(parsed, now, &|_| ())
        .await
        .context("seeding the catalog")?;
    Ok(records)
}
