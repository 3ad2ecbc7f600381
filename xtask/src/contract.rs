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
use tests::support::events::Http;
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
    let address = runtime.block_on(async {
        let store = seeded(endpoint).await?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(serve(listener, Arc::new(store)));
        anyhow::Ok(address)
    })?;
    eprintln!("xtask: the API stand-in listens on http://{address}");

    let root = project::root();
    let workdir = std::env::temp_dir().join("beatpass-schemathesis");
    std::fs::create_dir_all(&workdir)?;
    let mut st = Command::new(bin.join("st"));
    st.arg("--config-file")
        .arg(root.join("infra/schemathesis.toml"))
        .arg("run")
        .arg(root.join("infra/openapi.yaml"))
        .args(["--url", &format!("http://{address}")])
        .args([
            "--header",
            &format!("Authorization: Bearer {TOKEN_PREFIX}{CALLER}"),
        ])
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
    Ok(())
}

/// A table holding a small generated catalog and its first published run.
async fn seeded(endpoint: &str) -> Result<Store> {
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
    crate::gen_catalog::seed(&store, spec, now).await?;
    let settings = recompute::run::Settings::default();
    let progress = recompute::run::RunProgress::default();
    let deadline = recompute::run::Deadline(None);
    recompute::run::recompute(&store, &settings, now, deadline, &progress).await?;
    Ok(store)
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
    let response = if path.starts_with("/tracks") || path.starts_with("/artists") {
        let config = credits::Config {
            auth: http_edge::AuthMode::JwtOnly,
        };
        credits::handle(store, &config, event, Utc::now()).await
    } else {
        let config = leaderboard::Config {
            auth: http_edge::AuthMode::JwtOnly,
        };
        leaderboard::handle(store, &config, pointer, event).await
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
