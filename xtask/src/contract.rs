//! `cargo xtask contract`: Schemathesis, a property-based OpenAPI tester nobody here wrote, against
//! the API served locally, with its configuration in `infra/schemathesis.toml`.
//!
//! The API is served in this process by a small API Gateway stand-in (`serve`): it turns each HTTP
//! request into the payload-2.0 event API Gateway sends (the same builder the handler tests use)
//! and calls `credits::handle` or `leaderboard::handle` by path, as the deployed routes do. Its
//! authorizer stand-in is the one exception to production behaviour: `Authorization: Bearer
//! local-token:<producer id>` becomes the verified JWT's `sub` claim (the deployed authorizer
//! verifies a real JWT); any other value or none means no claims, which the handlers answer with
//! 401. In-process
//! rather than `cargo lambda watch`, so the run costs no extra build, and Schemathesis runs in a
//! directory outside the tree (it writes `.hypothesis/`, which would restart a watcher).

use std::convert::Infallible;
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use leaderboard::PointerCache;
use store::Store;
use stripe_standin::StandIn;
use test_events::Http;
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
/// What the authorizer stand-in accepts before a producer id; anything else is no credentials.
const TOKEN_PREFIX: &str = "local-token:";

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
        tokio::spawn(serve(listener, Arc::new(store)));
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
struct Known {
    producers: Vec<String>,
    /// Tracks the caller uploaded: the ones whose credits they may edit.
    caller_tracks: Vec<String>,
    tracks: Vec<String>,
    /// The month the caller has a payout statement for.
    period: String,
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
    let store = Store::connect(&store::StoreConfig::new(name, Some(endpoint.to_owned()))).await;
    store.create_table_if_missing().await?;
    let now = Utc::now();
    let spec = catalog::synthetic::Spec {
        producers: 20,
        tracks: 60,
        seed: 3,
        as_of: now - TimeDelta::hours(1),
    };
    let (producers, tracks) = seed_catalog(&store, spec, now).await?;
    // The caller can be paid.
    let mut ready = catalog::ProducerChange::of(contribution::ProducerId::parse(CALLER)?);
    ready.stripe_account_id = Some(Some(format!("acct_{CALLER}")));
    ready.charges_enabled = Some(true);
    ready.payouts_enabled = Some(true);
    store.catalog().sync_producer(&ready, now).await?;
    let settings = recompute::run::Settings::default();
    let progress = recompute::run::RunProgress::default();
    let deadline = recompute::run::Deadline(None);
    recompute::run::recompute(&store, &settings, now, deadline, &progress, now).await?;
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

async fn serve(listener: TcpListener, store: Arc<Store>) {
    let pointer = Arc::new(PointerCache::default());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (store, pointer) = (store.clone(), pointer.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let (store, pointer) = (store.clone(), pointer.clone());
                async move { Ok::<_, Infallible>(answer(&store, &pointer, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One request through the stand-in: the event API Gateway would send, the function its route
/// belongs to, and the function's response as HTTP.
async fn answer(
    store: &Store,
    pointer: &PointerCache,
    request: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut http = Http::new(parts.method.as_str(), parts.uri.path());
    // API Gateway hands the functions decoded query parameters.
    for (name, value) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        http = http.query(&name, &value);
    }
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            http = http.header(name.as_str(), value);
        }
    }
    if let Some(sub) = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|v| v.strip_prefix(TOKEN_PREFIX))
        .filter(|sub| contribution::ProducerId::parse(*sub).is_ok())
    {
        http = http.caller(sub);
    }
    if !body.is_empty() {
        http = match std::str::from_utf8(&body) {
            Ok(text) => http.raw_body(text),
            Err(_) => http.base64_body(&base64_encode(&body)),
        };
    }
    let event = http.build();
    let path = parts.uri.path();
    let response = if credits::serves(path) {
        // Generated requests come from one caller, far faster than a person: the edit limits
        // (429, documented in the spec) are tested on their own (tests/src/credits_accounts.rs).
        let config = credits::Config::unlimited(http_edge::EdgeConfig::JWT);
        credits::handle(store, &config, event, Utc::now()).await
    } else {
        leaderboard::handle(
            store,
            &http_edge::EdgeConfig::JWT,
            pointer,
            event,
            chrono::Utc::now(),
        )
        .await
    };
    let mut builder = Response::builder().status(response.status_code as u16);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    let body = match response.body {
        Some(aws_lambda_events::encodings::Body::Text(text)) => Bytes::from(text),
        Some(aws_lambda_events::encodings::Body::Binary(bytes)) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    builder
        .body(Full::new(body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
