//! `cargo xtask load`: a bounded load test of both HTTP functions on loopback.
//!
//! The real handlers run in this process (as `cargo lambda watch` would run them, without its
//! HTTP hop) against a DynamoDB Local started for the run, seeded with a synthetic catalog and
//! its published run. Many concurrent clients edit credits (read, then write with `If-Match`,
//! as Backstage does) and read leaderboards and profiles, for a fixed time or request count.
//!
//! Reported per kind of request: throughput, p50/p99 latency, errors (anything but a success
//! or an intended 412), and the handler's overhead: its wall time minus the time its DynamoDB
//! requests were on the wire, measured by an SDK interceptor (see `store::tools::wire_clock`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use catalog::synthetic::Spec;
use chrono::Utc;
use contribution::ProducerId;
use http_edge::EdgeConfig;
use leaderboard::PointerCache;
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use serde_json::{Value, json};
use store::Store;
use test_events::Http;
use tokio::sync::Mutex;

use crate::dynamodb_local::{DynamoDbLocal, Storage};

use results::lists::Board;
use store::tools::wire_clock;

#[derive(clap::Args)]
pub struct LoadArgs {
    /// How long to send requests.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Stop earlier after this many requests.
    #[arg(long, default_value_t = 200_000)]
    max_requests: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Share of clients' turns that edit credits (the rest read).
    #[arg(long, default_value_t = 0.25)]
    edit_share: f64,
    /// Catalog size.
    #[arg(long, default_value_t = 300)]
    producers: usize,
    #[arg(long, default_value_t = 3_000)]
    tracks: usize,
}

/// What one request did.
struct Sample {
    kind: &'static str,
    status: i64,
    wall: Duration,
    wire: Duration,
}

pub fn run(args: LoadArgs) -> Result<()> {
    let local = DynamoDbLocal::start(Storage::InMemory, None)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(load(&args, &local.endpoint()))
}

async fn load(args: &LoadArgs, endpoint: &str) -> Result<()> {
    let table = "beatpass-load";
    let config = store::StoreConfig::new(table, Some(endpoint.to_owned()));
    let store = Store::connect(&config).await.with_wire_clock();
    store.create_table_without_stream().await?;

    let now = Utc::now();
    let spec = Spec {
        producers: args.producers,
        tracks: args.tracks,
        seed: 7,
        as_of: now,
    };
    let (producers, tracks) = crate::gen_catalog::seed(&store, spec, now).await?;
    let tracks: Vec<(String, ProducerId)> = tracks
        .iter()
        .map(|t| (t.id.to_string(), t.uploader_id.clone()))
        .collect();
    let producers: Vec<ProducerId> = producers.into_iter().map(|p| p.id).collect();
    recompute(
        &store,
        &Settings::default(),
        now,
        Deadline(None),
        &RunProgress::default(),
        now,
    )
    .await
    .context("publishing a run")?;
    eprintln!(
        "xtask: {} producers, {} tracks, run published; {} clients for {} s",
        producers.len(),
        tracks.len(),
        args.clients,
        args.seconds
    );

    let shared = Arc::new(Shared {
        store,
        config: EdgeConfig::JWT,
        // The load test measures throughput, not the per-caller edit limits.
        credits_config: credits::Config::unlimited(EdgeConfig::JWT),
        pointer: PointerCache::default(),
        tracks,
        producers,
        samples: Mutex::new(Vec::new()),
        sent: std::sync::atomic::AtomicU64::new(0),
        max_requests: args.max_requests,
        until: Instant::now() + Duration::from_secs(args.seconds),
        edit_share: args.edit_share,
    });
    let started = Instant::now();
    let clients: Vec<_> = (0..args.clients)
        .map(|i| tokio::spawn(client_loop(shared.clone(), i as u64)))
        .collect();
    for client in clients {
        client.await??;
    }
    let elapsed = started.elapsed();
    let samples = std::mem::take(&mut *shared.samples.lock().await);
    report(&samples, elapsed, args.clients);
    let violations = shared.store.check_consistency(2).await?;
    if !violations.is_empty() {
        bail!("the table is inconsistent after the load: {violations:?}");
    }
    println!("consistency check after the load: no violations");
    let errors = samples
        .iter()
        .filter(|s| !(200..300).contains(&s.status) && s.status != 412)
        .count();
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}

struct Shared {
    store: Store,
    config: EdgeConfig,
    credits_config: credits::Config,
    pointer: PointerCache,
    tracks: Vec<(String, ProducerId)>,
    producers: Vec<ProducerId>,
    samples: Mutex<Vec<Sample>>,
    sent: std::sync::atomic::AtomicU64,
    max_requests: u64,
    until: Instant,
    edit_share: f64,
}

impl Shared {
    fn more(&self) -> bool {
        Instant::now() < self.until
            && self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < self.max_requests
    }
}

async fn client_loop(shared: Arc<Shared>, seed: u64) -> Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut samples = Vec::new();
    while shared.more() {
        if rng.f64() < shared.edit_share {
            edit(&shared, &mut rng, &mut samples).await?;
        } else {
            read(&shared, &mut rng, &mut samples).await;
        }
    }
    shared.samples.lock().await.extend(samples);
    Ok(())
}

/// Reads a track's credits as its uploader, then adds or removes one producer with `If-Match`.
async fn edit(shared: &Shared, rng: &mut fastrand::Rng, samples: &mut Vec<Sample>) -> Result<()> {
    let (track, uploader) = &shared.tracks[rng.usize(..shared.tracks.len())];
    let uploader = uploader.to_string();
    let read = Http::get(&format!("/tracks/{track}/credits"))
        .caller(&uploader)
        .build();
    let (reply, sample) = credits_call(shared, "credits read", read).await;
    samples.push(sample);
    let Some(version) = reply["version"].as_u64() else {
        return Ok(());
    };
    let credited: Vec<String> = reply["credits"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|p| p["producerId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let removable: Vec<&String> = credited.iter().filter(|p| **p != uploader).collect();
    let write = if !removable.is_empty() && (credited.len() >= 20 || rng.bool()) {
        let who = removable[rng.usize(..removable.len())];
        Http::delete(&format!("/tracks/{track}/credits/{who}"))
    } else {
        let who = shared.producers[rng.usize(..shared.producers.len())].to_string();
        if credited.contains(&who) {
            return Ok(());
        }
        Http::post(
            &format!("/tracks/{track}/credits"),
            json!({ "producerId": who }),
        )
    };
    let write = write
        .caller(&uploader)
        .header("if-match", &format!("\"{version}\""))
        .build();
    let (_, sample) = credits_call(shared, "credits edit", write).await;
    samples.push(sample);
    Ok(())
}

async fn read(shared: &Shared, rng: &mut fastrand::Rng, samples: &mut Vec<Sample>) {
    let producer = shared.producers[rng.usize(..shared.producers.len())].to_string();
    let (kind, event) = match rng.usize(..4) {
        0 => (
            "leaderboard page",
            Http::get(&format!(
                "/leaderboard/{}",
                Board::ALL[rng.usize(..Board::ALL.len())]
            ))
            .query("limit", "25")
            .caller(&producer)
            .build(),
        ),
        1 => (
            "producer summary",
            Http::get(&format!("/producers/{producer}/summary"))
                .caller(&producer)
                .build(),
        ),
        2 => (
            "producer tracks",
            Http::get(&format!("/producers/{producer}/tracks"))
                .query("limit", "25")
                .caller(&producer)
                .build(),
        ),
        _ => (
            "collaborators",
            Http::get(&format!("/producers/{producer}/collaborators"))
                .caller(&producer)
                .build(),
        ),
    };
    let started = Instant::now();
    let (response, wire) = wire_clock::measure(leaderboard::handle(
        &shared.store,
        &shared.config,
        &shared.pointer,
        event,
        chrono::Utc::now(),
    ))
    .await;
    samples.push(Sample {
        kind,
        status: response.status_code,
        wall: started.elapsed(),
        wire: wire.time,
    });
}

async fn credits_call(
    shared: &Shared,
    kind: &'static str,
    event: ApiGatewayV2httpRequest,
) -> (Value, Sample) {
    let started = Instant::now();
    let (response, wire) = wire_clock::measure(credits::handle(
        &shared.store,
        &shared.credits_config,
        event,
        Utc::now(),
    ))
    .await;
    let sample = Sample {
        kind,
        status: response.status_code,
        wall: started.elapsed(),
        wire: wire.time,
    };
    (body(&response), sample)
}

fn body(response: &ApiGatewayV2httpResponse) -> Value {
    match &response.body {
        Some(Body::Text(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn report(samples: &[Sample], elapsed: Duration, clients: usize) {
    let mut kinds: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        kinds.entry(sample.kind).or_default().push(sample);
    }
    kinds.insert("all", samples.iter().collect());
    println!(
        "{} requests in {:.1} s from {clients} clients: {:.0} requests/s",
        samples.len(),
        elapsed.as_secs_f64(),
        samples.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| Requests | Count | Per second | p50 | p99 | 412s | Errors | Overhead p50 | Overhead p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (kind, list) in kinds {
        let mut wall: Vec<Duration> = list.iter().map(|s| s.wall).collect();
        let mut overhead: Vec<Duration> =
            list.iter().map(|s| s.wall.saturating_sub(s.wire)).collect();
        wall.sort();
        overhead.sort();
        let conflicts = list.iter().filter(|s| s.status == 412).count();
        let errors = list
            .iter()
            .filter(|s| !(200..300).contains(&s.status) && s.status != 412)
            .count();
        println!(
            "| {kind} | {} | {:.0} | {} | {} | {conflicts} | {errors} | {} | {} |",
            list.len(),
            list.len() as f64 / elapsed.as_secs_f64(),
            millis(percentile(&wall, 0.50)),
            millis(percentile(&wall, 0.99)),
            micros(percentile(&overhead, 0.50)),
            micros(percentile(&overhead, 0.99)),
        );
    }
}
