//! `cargo xtask sync-load`: how many play counts one `sync` consumer applies per second.
//!
//! A generated catalog is imported into an in-memory DynamoDB Local; then batches of ten plays
//! messages (500 counts each, the most a message carries) go through `sync::handle` one batch at
//! a time, as one Lambda consumer receives them from SQS. Every count is new (a later `at`), so
//! each is a real conditional write. Prints counts/s, the write units each count consumed (as
//! DynamoDB reports them) and the per-batch latency; a second pass
//! with the same messages measures duplicates (every count stale). A last pass measures the
//! floor any design with one item write per count must stay above: as many unconditional
//! ~200-byte items as there were counts, batch-written (25 to a request, as many requests in
//! flight as the recompute uses) into a scratch table on the same DynamoDB Local. Each pass also
//! reports DynamoDB Local's own CPU time per count: on a shared machine that, not the wall time,
//! says where a pass's limit lies (with C cores, no pass can beat C / cpu-per-count).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use catalog::synthetic::Spec;
use chrono::{TimeDelta, Utc};
use serde_json::json;
use store::Store;
use test_events::sqs_event;

use crate::dynamodb_local::{DynamoDbLocal, Storage};

#[derive(clap::Args)]
pub struct SyncLoadArgs {
    /// Tracks in the catalog (each gets one count per pass).
    #[arg(long, default_value_t = 50_000)]
    tracks: usize,
    #[arg(long, default_value_t = 2_000)]
    producers: usize,
}

pub fn run(args: SyncLoadArgs) -> Result<()> {
    let local = DynamoDbLocal::start(Storage::InMemory, None)?;
    tokio::runtime::Runtime::new()?.block_on(measure(&args, &local))
}

async fn measure(args: &SyncLoadArgs, local: &DynamoDbLocal) -> Result<()> {
    let server_ms_per = |cpu_before: Option<f64>, n: usize| {
        Some((local.cpu_seconds()? - cpu_before?) * 1e3 / n as f64)
    };
    let config = store::StoreConfig::new("beatpass-sync-load", Some(local.endpoint()));
    let store = Store::connect(&config).await;
    store.create_table_without_stream().await?;
    let now = Utc::now();
    let spec = Spec {
        producers: args.producers,
        tracks: args.tracks,
        seed: 5,
        as_of: now - TimeDelta::hours(1),
    };
    // The file describes two minutes ago, so the counts (one minute ago) are newer.
    let (_, tracks) = crate::gen_catalog::seed(&store, spec, now - TimeDelta::minutes(2)).await?;
    let ids: Vec<String> = tracks.iter().map(|t| t.id.to_string()).collect();
    eprintln!("xtask: {} tracks imported", ids.len());

    // Every track counted once a minute ago, and once more half a minute later.
    let messages = |at: String, base: usize| -> Vec<String> {
        ids.chunks(500)
            .enumerate()
            .map(|(m, chunk)| {
                let counts: Vec<_> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, id)| json!({"trackId": id, "plays": base + m * 500 + i}))
                    .collect();
                json!({"type": "plays", "at": at, "counts": counts}).to_string()
            })
            .collect()
    };
    let first = messages((now - TimeDelta::minutes(1)).to_rfc3339(), 500);
    let second = messages((now - TimeDelta::seconds(30)).to_rfc3339(), 1_000);
    let platform = sync::FeedOrigin::new(
        test_events::SYNC_QUEUE_ARN,
        sync::PlatformSender::new(test_events::PLATFORM_SENDER)?,
    )?;
    // The first pass also warms DynamoDB Local's JVM; the second is the steady figure.
    for (pass, bodies) in [
        ("new counts, cold", &first),
        ("new counts", &second),
        ("duplicates", &second),
    ] {
        let (started, cpu_before) = (Instant::now(), local.cpu_seconds());
        let mut batch_times: Vec<Duration> = Vec::new();
        let mut write_units = 0.0;
        for batch in bodies.chunks(10) {
            let batch_started = Instant::now();
            let (response, summary) =
                sync::handle_summarized(&store, &platform, sqs_event(batch), Utc::now()).await;
            write_units += summary.plays_write_units;
            if !response.batch_item_failures.is_empty() {
                bail!("{} messages failed", response.batch_item_failures.len());
            }
            batch_times.push(batch_started.elapsed());
        }
        let seconds = started.elapsed().as_secs_f64();
        batch_times.sort();
        let p50 = batch_times[batch_times.len() / 2];
        let p99 = batch_times[(batch_times.len() * 99 / 100).min(batch_times.len() - 1)];
        println!(
            "{}",
            json!({
                "pass": pass, "counts": ids.len(), "seconds": seconds,
                "countsPerSecond": ids.len() as f64 / seconds,
                "writeUnitsPerCount": write_units / ids.len() as f64,
                "dynamodbLocalCpuMsPerCount": server_ms_per(cpu_before, ids.len()),
                "batches": batch_times.len(),
                "batchP50Ms": p50.as_secs_f64() * 1e3, "batchP99Ms": p99.as_secs_f64() * 1e3,
            })
        );
    }
    let scratch = store.with_table("beatpass-sync-load-floor".to_owned());
    scratch
        .create_table_if_missing_with(store::tools::admin::Stream::Off)
        .await?;
    let (started, cpu_before) = (Instant::now(), local.cpu_seconds());
    scratch
        .write_filler_items(ids.len() as u64, 200, &store::BatchStats::default())
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_per_item = server_ms_per(cpu_before, ids.len());
    scratch.delete_table().await?;
    println!(
        "{}",
        json!({
            "pass": "floor: unconditional batch puts", "items": ids.len(), "seconds": seconds,
            "itemsPerSecond": ids.len() as f64 / seconds,
            "dynamodbLocalCpuMsPerItem": cpu_per_item,
        })
    );
    let sample = store
        .catalog()
        .get_track(&contribution::TrackId::parse(ids[0].clone())?)
        .await?
        .context("a track")?;
    if sample.track.plays != 1_000 {
        bail!("the first track has {} plays, not 1000", sample.track.plays);
    }
    Ok(())
}
