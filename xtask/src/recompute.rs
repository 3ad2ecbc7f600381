//! `cargo xtask recompute`, `cargo xtask schedule-event` and `cargo xtask io-floor`: running the
//! scheduled recompute by hand, building the event that triggers it, and measuring the I/O floor
//! its benchmark is compared with.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use store::BatchStats;

use crate::target::TableTarget;

#[derive(clap::Args)]
pub struct RecomputeArgs {
    /// The run's as-of instant (RFC 3339; default now), as a scheduled event's `time`.
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
    /// Parallel scan segments.
    #[arg(long, default_value_t = 4)]
    segments: u32,
    /// Records per scan page (0: DynamoDB's 1 MB pages).
    #[arg(long, default_value_t = recompute::run::DEFAULT_PAGE_SIZE)]
    page_size: u32,
    /// Run through the state machine (`infra/recompute.asl.json`, executed locally by
    /// aws-local-stepfunctions) over this many scan shards, each with `--segments` segments,
    /// instead of one invocation.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    shards: Option<u32>,
    #[command(flatten)]
    target: TableTarget,
}

pub fn run(args: RecomputeArgs) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let summary = runtime.block_on(async {
        let store = args.target.connect().await?;
        let settings = Settings {
            segments: args.segments,
            page_size: (args.page_size > 0).then_some(args.page_size),
            ..Settings::default()
        };
        let as_of = args.as_of.unwrap_or_else(Utc::now);
        if let Some(shards) = args.shards {
            let execution = crate::sharded::execute(&store, &settings, as_of, shards, None).await?;
            eprintln!("xtask: {} invocations", execution.invocations);
            return anyhow::Ok(execution.output);
        }
        let progress = RunProgress::default();
        let summary = recompute(
            &store,
            &settings,
            as_of,
            Deadline(None),
            &progress,
            Utc::now(),
        )
        .await
        .context("recompute failed; nothing was published")?;
        anyhow::Ok(serde_json::to_value(summary)?)
    })?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

#[derive(clap::Args)]
pub struct ScheduleEventArgs {
    /// The scheduled time (RFC 3339; default now).
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// An EventBridge Scheduled Event, as the schedule delivers it, for `cargo lambda invoke`.
pub fn schedule_event(args: ScheduleEventArgs) -> Result<()> {
    let time = args
        .as_of
        .unwrap_or_else(Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let event = serde_json::json!({
        "version": "0",
        "id": format!("local-{time}"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:000000000000:rule/beatpass-recompute"],
        "detail": {}
    });
    let text = serde_json::to_string_pretty(&event)?;
    crate::project::emit(&text, args.out.as_deref())
}

#[derive(clap::Args)]
pub struct IoFloorArgs {
    /// Parallel scan segments (as the recompute uses).
    #[arg(long, default_value_t = 4)]
    segments: u32,
    /// Items to batch-write (the number of items the recompute wrote).
    #[arg(long)]
    items: u64,
    /// Bytes to write over those items (the recompute's `bytesWritten`): each filler item then
    /// weighs what the run's items weigh on average. Without it, ~235-byte items (a 200-byte payload).
    #[arg(long)]
    bytes: Option<u64>,
    #[command(flatten)]
    target: TableTarget,
}

/// The least any recompute of this table must spend on I/O: a bare parallel scan of the catalog
/// index (records decoded, nothing computed) and a batch write of as many items as the run wrote
/// (~235 bytes each, or as many bytes as the run wrote with `--bytes`), into a scratch table that
/// is deleted afterwards.
pub fn io_floor(args: IoFloorArgs) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = args.target.connect().await?;
        let started = Instant::now();
        let scanned = try_join_all((0..args.segments).map(|segment| {
            let store = &store;
            async move {
                let (mut start, mut records) = (None, 0u64);
                loop {
                    let page = store
                        .catalog()
                        .scan_catalog_page(segment, args.segments, start, None)
                        .await?;
                    records += page.records.len() as u64;
                    match page.next {
                        Some(next) => start = Some(next),
                        None => return Ok::<_, store::StoreError>(records),
                    }
                }
            }
        }))
        .await?
        .into_iter()
        .sum::<u64>();
        let scan_seconds = started.elapsed().as_secs_f64();

        let scratch = store.with_table(format!("{}-io-floor", args.target.table));
        scratch
            .create_table_if_missing_with(store::tools::admin::Stream::Off)
            .await?;
        let write_started = Instant::now();
        let payload = match args.bytes {
            Some(bytes) => store::Store::filler_payload_for((bytes / args.items.max(1)) as usize),
            None => 200,
        };
        let written = BatchStats::default();
        scratch
            .write_filler_items(args.items, payload, &written)
            .await?;
        let write_seconds = write_started.elapsed().as_secs_f64();
        scratch
            .delete_table()
            .await
            .context("could not delete the scratch table")?;
        println!(
            "{}",
            serde_json::json!({
                "scannedRecords": scanned, "scanSeconds": scan_seconds,
                "itemsWritten": args.items, "bytesWritten": written.bytes_put(),
                "writeSeconds": write_seconds,
                "floorSeconds": scan_seconds + write_seconds,
            })
        );
        Ok(())
    })
}
