//! `cargo xtask dev`: the whole system on one laptop, no AWS account.
//!
//! Installs what is missing (DynamoDB Local, Java, cargo-lambda), starts DynamoDB Local with its
//! data in `.local/dynamodb` (kept across restarts; `--fresh` wipes it), creates the table, loads
//! a demo catalog and publishes a first run when the table is empty, then runs `cargo lambda
//! watch` for the functions and prints ready-to-paste curl lines. The API's port is a front
//! door on one origin: the producer dashboard (`clients/dashboard`, built first) at `/`, and the
//! deployed API's paths forwarded to `cargo lambda watch`.
//! It also feeds DynamoDB Local's stream to `fanout`'s handler, as Lambda's event source mapping
//! does on AWS, with its events going to an EventBridge stand-in that appends them to
//! `.local/events.jsonl` and prints one line each: a credit edit's `Credit Changed` events show
//! up seconds after it. Ctrl-C stops everything it started.

use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use store::Store;

use anyhow::{Context, Result};
use catalog::jsonl::parse;
use catalog::synthetic::{Spec, generate};
use chrono::Utc;
use recompute::run::{Deadline, RunProgress, Settings, recompute};
use stripe_standin::StandIn;

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::target::{LOCAL_TABLE, TableTarget};
use crate::{project, python_tools};

#[derive(clap::Args)]
pub struct DevArgs {
    /// Port of the local API and the dashboard (one origin).
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// Port of `cargo lambda watch`, which the API's port forwards to (and `cargo lambda
    /// invoke` calls).
    #[arg(long, default_value_t = 9001)]
    functions_port: u16,
    /// Port of DynamoDB Local.
    #[arg(long, default_value_t = 8000)]
    ddb_port: u16,
    /// Do not load the demo catalog into an empty table.
    #[arg(long)]
    empty: bool,
    /// Wipe the local data first.
    #[arg(long)]
    fresh: bool,
    /// Port of the Stripe stand-in `payouts` sends transfers to.
    #[arg(long, default_value_t = 12111)]
    stripe_port: u16,
    /// Port of the EventBridge stand-in `fanout` puts `Credit Changed` events on.
    #[arg(long, default_value_t = 12112)]
    events_port: u16,
}

/// The platform bus's name locally (the template's `PlatformEventBus` parameter on AWS).
const LOCAL_BUS: &str = "beatpass-platform-local";

/// The stand-in takes any `sk_…` key; a local key names itself as one.
pub const LOCAL_STRIPE_KEY: &str = "sk_test_local_standin";

pub fn run(args: DevArgs) -> Result<()> {
    let data = project::local_data_dir().join("dynamodb");
    if args.fresh && data.exists() {
        eprintln!("xtask: --fresh: removing {}", data.display());
        std::fs::remove_dir_all(&data)?;
    }
    let bin = python_tools::ensure(python_tools::CARGO_LAMBDA)?;
    let site = crate::dashboard::build()?;
    let ddb = DynamoDbLocal::start(Storage::Directory(data), Some(args.ddb_port))?;
    let target = TableTarget {
        endpoint: ddb.endpoint(),
        table: LOCAL_TABLE.to_owned(),
        aws: false,
    };
    // The table exists whenever the stack runs, empty or not: an empty system answers as before
    // its first run, not with 500s. The runtime lives as long as the session: it serves the
    // Stripe stand-in `payouts` talks to.
    let runtime = tokio::runtime::Runtime::new()?;
    let (stripe, events) = runtime.block_on(async {
        let store = target.connect_streaming().await?;
        if !args.empty {
            load_demo(&store).await?;
        }
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], args.stripe_port));
        let stripe = StandIn::start(address)
            .await
            .with_context(|| format!("could not start the Stripe stand-in on {address}"))?;
        let events = start_fanout(store, &ddb.endpoint(), args.events_port).await?;
        // The front door: the dashboard, and the API's paths forwarded to the functions.
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("could not listen on {address}"))?;
        let functions = format!("http://127.0.0.1:{}", args.functions_port);
        let app = crate::dashboard::router(&site, crate::dashboard::proxy(functions));
        tokio::spawn(async move { axum::serve(listener, app).await });
        anyhow::Ok((stripe, events))
    })?;

    let path = python_tools::path_with(bin)?;
    let mut watch = Command::new("cargo")
        .args(["lambda", "watch", "--invoke-address", "127.0.0.1"])
        // The dev identity header exists only in builds with this feature (http-edge's
        // `identity` module): the deployed functions are built without it.
        .args(["--features", "credits/dev-identity,leaderboard/dev-identity"])
        .args(["--invoke-port", &args.functions_port.to_string()])
        .arg("--env-var")
        .arg(format!(
            "TABLE_NAME={},DYNAMODB_ENDPOINT={},{}=1,STRIPE_API_BASE={},STRIPE_API_KEY={LOCAL_STRIPE_KEY},BILLING_ACCOUNT_ID={},{}={},{}={}",
            target.table,
            ddb.endpoint(),
            http_edge::DEV_AUTH_VAR,
            stripe.base_url,
            crate::pool_event::LOCAL_BILLING_ACCOUNT,
            sync::sender::PLATFORM_SENDER_VAR,
            test_events::PLATFORM_SENDER,
            sync::origin::SYNC_QUEUE_VAR,
            test_events::SYNC_QUEUE_ARN,
        ))
        .env("PATH", path)
        .current_dir(project::root())
        .spawn()
        .context("could not start cargo lambda watch")?;

    // Ctrl-C reaches every process of the terminal's group; this process waits for watch to stop
    // and then stops DynamoDB Local (when it drops), so nothing is left running.
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        ctrlc::set_handler(move || interrupted.store(true, Ordering::SeqCst))
            .context("could not install the Ctrl-C handler")?;
    }
    print_walkthrough(
        args.port,
        args.functions_port,
        &ddb.endpoint(),
        &stripe.base_url,
        &events,
    );
    wait(&mut watch, &interrupted);
    drop(runtime);
    drop(ddb);
    eprintln!("xtask: stopped cargo lambda watch and DynamoDB Local");
    Ok(())
}

fn wait(watch: &mut Child, interrupted: &AtomicBool) {
    loop {
        if let Ok(Some(_)) = watch.try_wait() {
            return;
        }
        if interrupted.load(Ordering::SeqCst) {
            // Give watch a moment to stop its functions after the same Ctrl-C, then make sure.
            for _ in 0..50 {
                if let Ok(Some(_)) = watch.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = watch.kill();
            let _ = watch.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts the EventBridge stand-in and a task feeding DynamoDB Local's stream to `fanout`'s
/// handler; returns the events file. What the stream already holds (the demo import's credits)
/// is carried out first without a line per event, then each new event is printed.
async fn start_fanout(store: Store, ddb: &str, port: u16) -> Result<std::path::PathBuf> {
    let file = project::local_data_dir().join("events.jsonl");
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let bus = eventbridge_standin::StandIn::start(
        address,
        &[LOCAL_BUS],
        eventbridge_standin::Output {
            file: Some(file.clone()),
            print: false,
        },
    )
    .await
    .with_context(|| format!("could not start the EventBridge stand-in on {address}"))?;
    let deps = fanout::Deps {
        store: store.clone(),
        bus: fanout::Bus::connect(LOCAL_BUS, Some(bus.base_url.clone())).await,
    };
    let turned_on = store.ensure_stream().await?;
    let mut feed = fanout::local_feed::LocalFeed::open(&store, ddb).await?;
    if turned_on {
        // Tracks written before the stream existed never reach fanout: project them once, as an
        // operator does after deploying fanout on an existing table.
        let rebuilt = store.rebuild_shared_tracks(2).await?;
        eprintln!(
            "xtask: turned on the table's change stream (a tool made the table without one) and \
             rebuilt the shared-track entries from the discographies: {rebuilt}"
        );
    }
    let backlog = feed.drain(&deps, 10, Duration::from_secs(1)).await?;
    eprintln!(
        "xtask: fanout caught up with the stream: {} records, {} Credit Changed events (in {}), {} shared-track writes, {} parked",
        backlog.records,
        backlog.events_put,
        file.display(),
        backlog.shared_writes,
        backlog.parked
    );
    bus.set_print(true);
    tokio::spawn(async move {
        loop {
            // Lambda retries a failing record until its retries run out, then parks it; so does
            // this, loudly.
            match feed.drain(&deps, 10, Duration::from_secs(1)).await {
                Ok(drained) if drained.parked > 0 => eprintln!(
                    "xtask: fanout parked {} stream records that failed every attempt",
                    drained.parked
                ),
                Ok(_) => {}
                Err(e) => eprintln!("xtask: fanout: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    Ok(file)
}

/// On an empty table: a demo catalog (300 producers, 3,000 tracks) and a first published run.
async fn load_demo(store: &Store) -> Result<()> {
    let empty = store
        .catalog()
        .scan_catalog_page(0, 1, None, Some(1))
        .await?
        .records
        .is_empty();
    if !empty {
        eprintln!("xtask: the table already has a catalog; keeping it (--fresh starts over)");
        return Ok(());
    }
    let now = Utc::now();
    eprintln!(
        "xtask: loading a demo catalog (300 producers, 3,000 tracks, seed 1) and running one recompute"
    );
    let text: String = generate(Spec {
        producers: 300,
        tracks: 3_000,
        seed: 1,
        as_of: now,
    })
    .map(|line| line + "\n")
    .collect();
    let (parsed, errors) = parse(text.as_bytes());
    anyhow::ensure!(
        errors.is_empty(),
        "the generated demo catalog has bad lines: {errors:?}"
    );
    store.import_catalog(parsed, now, &|_| ()).await?;
    let summary = recompute(
        store,
        &Settings::default(),
        now,
        Deadline(None),
        &RunProgress::default(),
        now,
    )
    .await?;
    eprintln!(
        "xtask: published run {} ({} tracks, {} producers)",
        summary.run_id, summary.tracks, summary.producers
    );
    Ok(())
}

fn print_walkthrough(port: u16, functions: u16, ddb: &str, stripe: &str, events: &std::path::Path) {
    let events = events.display();
    let closed = crate::pool_event::last_closed_period(chrono::Utc::now());
    println!(
        r#"
BeatPass is running locally.
Dashboard: http://127.0.0.1:{port}/
  (?producer=<id> signs in as that producer: http://127.0.0.1:{port}/?producer=p0)
  API:            http://127.0.0.1:{port}   (the deployed API's paths; callers named by x-dev-producer-id)
  Functions:      http://127.0.0.1:{functions}   (cargo lambda watch, behind the API; cargo lambda invoke -P {functions})
  DynamoDB Local: {ddb}   (table {LOCAL_TABLE})
  Stripe stand-in: {stripe}   (payouts' transfers: GET {stripe}/v1/transfers -H 'authorization: Bearer sk_test_x')
  Events:         {events}   (each Credit Changed event fanout puts on the bus; also printed below)
The first request to each function compiles it; give it a minute.

B=http://127.0.0.1:{port}; ME='x-dev-producer-id: p0'; J='content-type: application/json'
# the platform accepts a track crediting p0 and p1 (through the sync queue), then 1,200 plays
cargo xtask sync-event track --id demo-1 --title "Late Bloom" --uploader p0 --credits p0,p1 --out /tmp/track.json && PATH=$PWD/.cache/venv/bin:$PATH cargo lambda invoke -A 127.0.0.1 -P {functions} sync --data-file /tmp/track.json
cargo xtask sync-event plays --counts demo-1=1200 --out /tmp/plays.json && PATH=$PWD/.cache/venv/bin:$PATH cargo lambda invoke -A 127.0.0.1 -P {functions} sync --data-file /tmp/plays.json
# a credit edit by the uploader: add p2; the discography changes at once: demo-1 is on p2's profile
curl -X POST $B/tracks/demo-1/credits -H "$ME" -H "$J" -d '{{"producerId":"p2"}}'
curl "$B/producers/p2/tracks?collaborative=true&limit=3"
# every producer the edit touched is told, seconds later (an "event  Credit Changed" line each)
tail -n 3 {events}
# the tracks p0 and p2 share (kept from the stream: give it a second)
curl "$B/producers/p0/tracks?with=p2&limit=3"
# a recompute (as of now), then the leaderboard and p0's dashboard
cargo xtask schedule-event --out /tmp/event.json && PATH=$PWD/.cache/venv/bin:$PATH cargo lambda invoke -A 127.0.0.1 -P {functions} recompute --data-file /tmp/event.json
curl "$B/leaderboard/contribution?limit=5" -H "$ME"
# the same run past one invocation: the state machine's own definition over 4 scan shards (docs/recompute.md)
cargo xtask recompute --shards 4 --segments 2
curl "$B/producers/p0/summary" -H "$ME"
curl "$B/leaderboard/plays?period=7d" -H "$ME"
# p0's figures over the runs of the last 90 days (private), and the platform's (public)
curl "$B/producers/p0/history?days=90" -H "$ME"
curl "$B/collaborations/stats?days=90"
# billing closes last month ({closed}): the pool is split by the latest run and paid through the stand-in
cargo xtask pool-event --amount 12345.67 --currency CAD --out /tmp/pool.json && PATH=$PWD/.cache/venv/bin:$PATH cargo lambda invoke -A 127.0.0.1 -P {functions} payouts --data-file /tmp/pool.json
curl "$B/producers/p0/payouts" -H "$ME"
curl "$B/producers/p8/payouts/{closed}" -H 'x-dev-producer-id: p8'   # Excluded: payouts not enabled
# the operators' view (owed or held, and why), and a month checked against Stripe's listing
cargo xtask payouts owed && cargo xtask payouts reconcile --period {closed}
# a paused account held, then paid once the platform relays Stripe's account.updated: README, "payouts"
# make Stripe fail like Stripe (lists failing, answers lost), then recover: see docs/payouts.md
curl -X POST {stripe}/_standin/control -d '{{"action":"listFailure","failure":"serverError"}}'
curl -X POST {stripe}/_standin/control -d '{{"action":"recover"}}'
echo '{{"action":"retry-transfers"}}' > /tmp/retry.json && PATH=$PWD/.cache/venv/bin:$PATH cargo lambda invoke -A 127.0.0.1 -P {functions} payouts --data-file /tmp/retry.json
Ctrl-C stops everything."#
    );
}
