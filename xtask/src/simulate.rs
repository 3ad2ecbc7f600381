//! `cargo xtask simulate`: the in-memory part of a recompute run, over a generated catalog
//! streamed through it, with no DynamoDB: how time and peak memory grow at 1 M and 10 M tracks,
//! where DynamoDB Local on one machine cannot go (issue 17).
//!
//! It does what a run does between its reads and its writes, with the same code: records are
//! dealt to `--segments` aggregates as a parallel scan's segments would get them (numbered and
//! folded), the aggregates merge, the run plan ranks every board and the network, and the run's
//! own writer (`recompute::run::write_results` into `store::runs::sink::RunSink`) packs every list
//! into the chunk items the run would write. A counting sink then weighs each put by DynamoDB's
//! size rules (`store::runs::sink::RunPut::write_units`) and drops it. Generation and parsing are timed apart from the rest.
//! Not simulated: a previous run (so no trending pairs) and window baselines.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use catalog::jsonl::{Record, parse_line};
use catalog::synthetic::{CreditMix, Spec, generate_with};
use chrono::{DateTime, Utc};
use recompute::aggregate::Aggregate;
use recompute::compute::{RunContext, RunPlan};
use recompute::run::write_results;
use results::run::Baselines;
use store::StoreError;
use store::runs::published::{DEFAULT_RETENTION, RunScope, expires_at, run_id};
use store::runs::sink::{RequestSink, RunPut, RunSink};

use crate::memory::{peak_rss_mib, rss_mib};

#[derive(clap::Args)]
pub struct SimulateArgs {
    #[arg(long, default_value_t = 1_000_000)]
    tracks: usize,
    /// Producers (default: one per 20 tracks, as the 100,000-track benchmark's 5,000).
    #[arg(long)]
    producers: Option<usize>,
    /// Percent of tracks with 2+ credits, spread evenly over 2..=--max-credits.
    #[arg(long, default_value_t = 45, value_parser = clap::value_parser!(u8).range(0..=100))]
    collaborative_percent: u8,
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(2..=20))]
    max_credits: u8,
    /// Scan segments the records are dealt to (merged afterwards, as a run merges them).
    #[arg(long, default_value_t = 4)]
    segments: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, default_value = "2026-11-21T00:00:00Z")]
    as_of: DateTime<Utc>,
}

/// Records generated and parsed at a time (so generation never holds the catalog).
const BATCH: usize = 4_096;

/// Items and estimated write units of one kind of output.
#[derive(Default)]
struct Tally {
    items: u64,
    units: u64,
}

impl Tally {
    /// Counts one put, in this tally and in its entity's.
    fn add(&mut self, put: &RunPut, by_kind: &mut BTreeMap<String, Tally>) {
        let units = put.write_units();
        for tally in [self, by_kind.entry(put.entity().to_owned()).or_default()] {
            tally.items += 1;
            tally.units += units;
        }
    }
}

/// Weighs every put it is sent, by kind, and drops it.
#[derive(Default)]
struct Counting {
    total: Tally,
    by_kind: BTreeMap<String, Tally>,
}

impl RequestSink for Counting {
    type Error = StoreError;

    async fn send(&mut self, put: RunPut) -> Result<(), StoreError> {
        self.total.add(&put, &mut self.by_kind);
        Ok(())
    }
}

pub fn run(args: SimulateArgs) -> Result<()> {
    let producers = args.producers.unwrap_or((args.tracks / 20).max(1));
    let spec = Spec {
        producers,
        tracks: args.tracks,
        seed: args.seed,
        as_of: args.as_of,
    };
    let mix = CreditMix::Collaborative {
        percent: args.collaborative_percent,
        max_credits: args.max_credits,
    };
    let segments = args.segments.max(1);
    let run = run_id(args.as_of);
    let scope = RunScope {
        run_id: run.clone(),
        expires_at: expires_at(args.as_of, DEFAULT_RETENTION),
    };

    let mut aggregates: Vec<Aggregate> =
        (0..segments).map(|_| Aggregate::new(args.as_of)).collect();
    let (mut generating, mut aggregating) = (Duration::ZERO, Duration::ZERO);
    let mut lines = generate_with(spec, mix);
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut dealt = 0usize;
    loop {
        let started = Instant::now();
        batch.clear();
        for line in lines.by_ref().take(BATCH) {
            batch.push(parse_line(&line).map_err(|e| anyhow::anyhow!("{e:?}"))?);
        }
        generating += started.elapsed();
        if batch.is_empty() {
            break;
        }
        let started = Instant::now();
        for record in batch.drain(..) {
            let aggregate = &mut aggregates[dealt % segments];
            dealt += 1;
            match record {
                Record::Producer(producer) => aggregate.add_profile(producer),
                Record::Track(track) => {
                    aggregate.add_track(&track);
                }
            }
        }
        aggregating += started.elapsed();
    }
    let rss_after_scan = rss_mib();

    // Each segment's aggregate as a sharded run's partial (one segment a shard): its bytes are
    // what a scan shard writes to the table and the reduce reads back.
    let started = Instant::now();
    let mut partial_bytes = 0u64;
    for aggregate in &aggregates {
        partial_bytes += aggregate.to_partial().context("partial")?.len() as u64;
    }
    let encoding_partials = started.elapsed();

    let started = Instant::now();
    let mut merged = Aggregate::new(args.as_of);
    for aggregate in aggregates {
        merged.merge(aggregate).context("merge")?;
    }
    merged.seal();
    let merging = started.elapsed();
    let pairs_count = merged.pairs.len();

    let started = Instant::now();
    let pairs = std::mem::take(&mut merged.pairs);
    let plan = RunPlan::new(
        &merged,
        pairs,
        &RunContext {
            run_id: &run,
            baselines: [None, None],
        },
    );
    let planning = started.elapsed();
    let rss_after_plan = rss_mib();

    let started = Instant::now();
    let mut sink = RunSink::new(scope.clone(), Counting::default());
    // The counting sink never waits; a current-thread runtime just drives the writer.
    let snapshot = tokio::runtime::Builder::new_current_thread()
        .build()?
        .block_on(async {
            write_results(&plan, &mut sink).await?;
            sink.counters(plan.counters()).await
        })?;
    let counted = sink.into_sink();
    let meta = plan.meta(counted.total.items, Baselines::default());
    let making = started.elapsed();
    let Counting {
        total: results,
        by_kind,
    } = counted;

    let tracks = args.tracks as f64;
    let total_units = results.units + 2; // + meta, snapshot index (~1 each)
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "tracks": args.tracks,
            "producers": meta.producers,
            "pairs": pairs_count,
            "segments": segments,
            "counterParts": snapshot.parts,
            "seconds": {
                "generateAndParse": generating.as_secs_f64(),
                "aggregate": aggregating.as_secs_f64(),
                "encodePartials": encoding_partials.as_secs_f64(),
                "merge": merging.as_secs_f64(),
                "plan": planning.as_secs_f64(),
                "makeItems": making.as_secs_f64(),
                "inMemoryTotal": (aggregating + merging + planning + making).as_secs_f64(),
            },
            "tracksPerSecondAggregated": tracks / aggregating.as_secs_f64(),
            "items": {"total": results.items + 2},
            "estimatedWriteUnits": {
                "total": total_units,
                "perTrack": total_units as f64 / tracks,
            },
            "byKind": by_kind
                .iter()
                .map(|(kind, t)| (kind.clone(), serde_json::json!({
                    "items": t.items,
                    "units": t.units,
                    "unitsPerTrack": t.units as f64 / tracks,
                })))
                .collect::<serde_json::Map<_, _>>(),
            "partials": {
                "bytes": partial_bytes,
                "bytesPerTrack": partial_bytes as f64 / tracks,
                // A write unit per started kilobyte of each 350 KB piece.
                "writeUnits": partial_bytes.div_ceil(store::runs::partials::PIECE_BYTES as u64)
                    * (store::runs::partials::PIECE_BYTES as u64).div_ceil(1024),
            },
            "rssMiB": {"afterScan": rss_after_scan, "afterPlan": rss_after_plan},
            "peakRssMiB": peak_rss_mib(),
        }))?
    );
    Ok(())
}
