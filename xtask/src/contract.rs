//! `cargo xtask contract`: Schemathesis, a property-based OpenAPI tester nobody here wrote, against
//! the API served locally, with its configuration in `infra/schemathesis.toml`.
//!
//! The API is served in this process by the API Gateway stand-in (`api_standin.rs`), whose
//! authorizer takes `Authorization: Bearer local-token:<producer id>` for a verified JWT.
//! Schemathesis runs in a directory outside the tree (it writes `.hypothesis/`, which would
//! restart a watcher).

use std::process::Command;

use anyhow::{Context, Result};
use chrono::{TimeDelta, Utc};
use store::Store;
use stripe_standin::StandIn;
use tokio::net::TcpListener;

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::{project, python_tools};

#[derive(clap::Args)]
pub struct ContractArgs {
    /// Use this DynamoDB endpoint (default: start an in-memory DynamoDB Local).
    #[arg(long)]
    endpoint: Option<String>,
}

/// The producer the generated requests are signed in as (the demo catalog's first).
const CALLER: &str = "p0";
use crate::api_standin::TOKEN_PREFIX;

pub fn run(args: ContractArgs) -> Result<()> {
    match args.endpoint {
        Some(endpoint) => check(&endpoint),
        None => check(&DynamoDbLocal::start(Storage::InMemory, None)?.endpoint()),
    }
}

/// Seeds a table on `endpoint`, serves the API from it and runs Schemathesis against it.
pub fn check(endpoint: &str) -> Result<()> {
    let bin = python_tools::ensure_in("venv-schemathesis", python_tools::SCHEMATHESIS)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (address, known) = runtime.block_on(async {
        let (store, known) = seeded(endpoint).await?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let api = crate::api_standin::Api::new(store).router();
        tokio::spawn(async move { axum::serve(listener, api).await });
        anyhow::Ok((address, known))
    })?;
    eprintln!("xtask: the API stand-in listens on http://{address}");

    let root = project::root();
    let workdir = std::env::temp_dir().join("beatpass-schemathesis");
    std::fs::create_dir_all(&workdir)?;
    let config = workdir.join("schemathesis.toml");
    let events = workdir.join("events.ndjson");
    // Only this run's events are counted.
    let _ = std::fs::remove_file(&events);
    let base = std::fs::read_to_string(root.join("infra/schemathesis.toml"))
        .context("reading infra/schemathesis.toml")?;
    std::fs::write(&config, format!("{base}\n{}", known.dictionaries()))
        .with_context(|| format!("writing {}", config.display()))?;
    let mut st = Command::new(bin.join("st"));
    st.arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(root.join("infra/openapi.yaml"))
        .args(["--url", &format!("http://{address}")])
        .args([
            "--header",
            &format!("Authorization: Bearer {TOKEN_PREFIX}{CALLER}"),
        ])
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&events)
        // Not `project::run`, which runs in the tree: Schemathesis and Hypothesis write their
        // caches (`.schemathesis/`, `.hypothesis/`) into the working directory.
        .current_dir(&workdir);
    eprintln!("xtask: running {st:?}");
    let status = st.status().context("could not start Schemathesis")?;
    drop(runtime);
    anyhow::ensure!(
        status.success(),
        "Schemathesis found contract failures ({status})"
    );
    crate::contract_coverage::check(&root.join("infra/openapi.yaml"), &events)
}

/// The ids the seeded table holds, for Schemathesis to draw path parameters and bodies from (a
/// random id is a 404 before any real logic runs).
pub(crate) struct Known {
    pub producers: Vec<String>,
    /// Tracks the caller uploaded: the ones whose credits they may edit.
    pub caller_tracks: Vec<String>,
    pub tracks: Vec<String>,
    /// The month the caller has a payout statement for.
    pub period: String,
}

impl Known {
    /// `[dictionaries.*]` tables with the ids, appended to `infra/schemathesis.toml` (whose
    /// `[[operations]]` bind the parameters to them).
    fn dictionaries(&self) -> String {
        let list = |ids: &[String]| {
            let quoted: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
            format!("[{}]", quoted.join(", "))
        };
        format!(
            "# Appended by cargo xtask contract: the ids of the table it seeded.\n\
             [dictionaries.producers]\nvalues = {}\n\
             [dictionaries.caller]\nvalues = [{CALLER:?}]\n\
             [dictionaries.callerTracks]\nvalues = {}\n\
             [dictionaries.tracks]\nvalues = {}\n\
             [dictionaries.periods]\nvalues = [{:?}]\n",
            list(&self.producers),
            list(&self.caller_tracks),
            list(&self.tracks),
            self.period,
        )
    }
}

/// A generated catalog in which the caller uploaded three tracks of four, each crediting them and
/// at least two others. The stateful phase edits tracks it finds by following the spec's links
/// from lists (a discography, a board), and only the uploader may edit: with the generator's
/// own uploaders, almost every edit it reached was a 403, and removing a credit was removing the
/// last one. The rest stay others' uploads, so 403s are still met.
async fn seed_catalog(
    store: &Store,
    spec: catalog::synthetic::Spec,
    now: chrono::DateTime<Utc>,
) -> Result<(Vec<catalog::Producer>, Vec<catalog::Track>)> {
    let ids: Vec<String> = (0..spec.producers).map(|i| format!("p{i}")).collect();
    let mut text = String::new();
    for (n, line) in catalog::synthetic::generate(spec).enumerate() {
        let mut record: serde_json::Value = serde_json::from_str(&line)?;
        if record["kind"] == "track" && n % 4 != 0 {
            let mut credits = vec![CALLER.to_owned()];
            for other in ids.iter().cycle().skip(n).take(3) {
                if !credits.contains(other) {
                    credits.push(other.clone());
                }
            }
            record["uploaderId"] = serde_json::json!(CALLER);
            record["credits"] = serde_json::json!(credits);
        }
        text.push_str(&record.to_string());
        text.push('\n');
    }
    crate::gen_catalog::seed_text(store, &text, now).await
}

/// A table holding the catalog above, its first published run, its shared-track entries, and
/// last month's payout split (the caller paid through an in-process Stripe stand-in).
async fn seeded(endpoint: &str) -> Result<(Store, Known)> {
    let name = format!("beatpass-contract-{}", std::process::id());
    seeded_with_runs(endpoint, &name, &[TimeDelta::zero()]).await
}

/// As `seeded`, in table `name`, with a run published at each of `run_ages` before now (oldest
/// first), the plays of every track growing between them: boards over 7 and 30 days and
/// figures over time have something to show.
pub(crate) async fn seeded_with_runs(
    endpoint: &str,
    name: &str,
    run_ages: &[TimeDelta],
) -> Result<(Store, Known)> {
    let store = Store::connect(&store::StoreConfig::new(
        name.to_owned(),
        Some(endpoint.to_owned()),
    ))
    .await;
    store.create_table_if_missing().await?;
    let now = Utc::now();
    let oldest = run_ages.first().copied().unwrap_or_default();
    let imported = now - oldest - TimeDelta::hours(1);
    let spec = catalog::synthetic::Spec {
        producers: 20,
        tracks: 60,
        seed: 3,
        as_of: imported,
    };
    let (producers, tracks) = seed_catalog(&store, spec, imported).await?;
    // The caller can be paid.
    let mut ready = catalog::ProducerChange::of(contribution::ProducerId::parse(CALLER)?);
    ready.stripe_account_id = Some(Some(format!("acct_{CALLER}")));
    ready.charges_enabled = Some(true);
    ready.payouts_enabled = Some(true);
    store
        .catalog()
        .sync_producer(&ready, imported + TimeDelta::seconds(1))
        .await?;
    let settings = recompute::run::Settings::default();
    let progress = recompute::run::RunProgress::default();
    for (n, age) in run_ages.iter().enumerate() {
        let as_of = now - *age;
        if n > 0 {
            // Each track gains plays before this run: a tenth more and some, per step.
            let step = n as u64;
            let counts: Vec<_> = tracks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        t.id.clone(),
                        t.plays + step * (t.plays / 10 + 25 + i as u64),
                    )
                })
                .collect();
            store
                .catalog()
                .apply_plays(as_of - TimeDelta::minutes(1), &counts)
                .await?;
        }
        let deadline = recompute::run::Deadline(None);
        recompute::run::recompute(&store, &settings, as_of, deadline, &progress, now).await?;
    }
    // The shared-track entries, kept from the table's stream as fanout keeps them.
    let bus = eventbridge_standin::StandIn::start(
        "127.0.0.1:0".parse()?,
        &["contract"],
        eventbridge_standin::Output::default(),
    )
    .await?;
    let fanout = fanout::Deps {
        store: store.clone(),
        bus: fanout::Bus::connect("contract", Some(bus.base_url.clone())).await,
    };
    let drained = fanout::local_feed::LocalFeed::open(&store, endpoint)
        .await?
        .drain(&fanout, 5, std::time::Duration::from_millis(100))
        .await?;
    anyhow::ensure!(drained.parked == 0, "fanout parked stream records");

    let stripe = StandIn::start("127.0.0.1:0".parse()?).await?;
    let deps = payouts::Deps {
        store: store.clone(),
        stripe: payouts::Stripe::new(
            &stripe.base_url,
            "sk_test_contract".to_owned(),
            std::time::Duration::from_secs(5),
        )?,
        concurrency: 4,
        rules: payouts::PayoutRules::new(crate::pool_event::LOCAL_BILLING_ACCOUNT),
    };
    let period = crate::pool_event::last_closed_period(now);
    let pool = crate::pool_event::event(&period, 100_000, "USD");
    payouts::handle(&deps, &pool, || now)
        .await
        .context("paying last month's pool")?;

    let caller_tracks: Vec<String> = tracks
        .iter()
        .filter(|t| t.uploader_id.as_str() == CALLER)
        .map(|t| t.id.to_string())
        .collect();
    anyhow::ensure!(!caller_tracks.is_empty(), "{CALLER} uploaded no track");
    let known = Known {
        producers: producers.iter().map(|p| p.id.to_string()).collect(),
        caller_tracks,
        tracks: tracks.iter().map(|t| t.id.to_string()).collect(),
        period,
    };
    Ok((store, known))
}
