//! The producer dashboard, `clients/dashboard`: a static TypeScript app over the generated
//! Backstage client, bundled by esbuild into `target/dashboard/site`.
//!
//! - `cargo xtask dev` builds it and serves it on the local API's own origin (`router`): the
//!   page at `/`, its bundle under `/assets/`, and every other path to the functions.
//! - `cargo xtask test` type-checks it against the client (`check`, with the lints) and drives it
//!   in Debian's Chromium (`browser_test`): a seeded table with three runs and a paid month, the
//!   API served in-process by the API Gateway stand-in, and `clients/dashboard/test/browser.mjs`
//!   (playwright-core with the system Chromium, axe-core) clicking through every view, with a
//!   screenshot of each under `target/dashboard/screenshots/`.
//!
//! Deployed, the Backstage app embeds it: it imports `mountDashboard` from the package and gives
//! it its own client (the API's URL and the signed-in user's JWT); the template hosts only the
//! API (`README.md`, "The producer dashboard").

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::dynamodb_local::{DynamoDbLocal, Storage};
use crate::project;

/// The package, from the workspace root.
const PACKAGE: &str = "clients/dashboard";
/// The browser test's script, in the package.
const BROWSER_TEST: &str = "test/browser.mjs";
/// Debian's Chromium, the browser the test drives.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The producer the browser test signs in as (the contract seed's caller).
const SIGNED_IN: &str = "p0";

#[derive(clap::Args)]
pub struct DashboardArgs {
    /// Run the browser test this many times in a row (each in a fresh browser).
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// Use this DynamoDB endpoint (default: start an in-memory DynamoDB Local).
    #[arg(long)]
    endpoint: Option<String>,
}

/// `cargo xtask dashboard`: the browser test alone.
pub fn run(args: DashboardArgs) -> Result<()> {
    match args.endpoint {
        Some(endpoint) => browser_test(&endpoint, args.rounds),
        None => browser_test(
            &DynamoDbLocal::start(Storage::InMemory, None)?.endpoint(),
            args.rounds,
        ),
    }
}

/// Where the bundle is written.
pub fn site() -> PathBuf {
    project::root().join("target/dashboard/site")
}

/// Installs the client's and the dashboard's packages and bundles the dashboard into `site()`.
pub fn build() -> Result<PathBuf> {
    install()?;
    project::run(Command::new("npm").args(["run", "--silent", "--prefix", PACKAGE, "build"]))?;
    Ok(site())
}

/// The dashboard type-checks against the generated client (`tsc --noEmit`).
pub fn check() -> Result<()> {
    install()?;
    project::run(Command::new(crate::npm::bin(PACKAGE, "tsc")).args(["--noEmit", "-p", PACKAGE]))
}

/// The dashboard links the client package from the tree, whose own dependency (openapi-fetch)
/// resolves from the client's `node_modules`: both are installed.
fn install() -> Result<()> {
    crate::client::install()?;
    crate::npm::ci(PACKAGE)
}

/// The dashboard's page at `/` and its bundle under `/assets/`, every other path to `api`: one
/// origin, so the page calls the API with no CORS in between, as the embedded app's does.
pub fn router(site: &Path, api: axum::Router) -> axum::Router {
    // The bundle's names carry no hash: the browser revalidates them every time (304s).
    let revalidate = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    axum::Router::new()
        .route_service("/", ServeFile::new(site.join("index.html")))
        .nest_service("/assets", ServeDir::new(site.join("assets")))
        .layer(revalidate)
        .fallback_service(api)
}

/// Every request on to `upstream` (`cargo lambda watch` under `cargo xtask dev`), as is.
pub fn proxy(upstream: String) -> axum::Router {
    let client = reqwest::Client::new();
    axum::Router::new()
        .fallback(forward)
        .with_state((client, upstream))
}

async fn forward(
    State((client, upstream)): State<(reqwest::Client, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return (StatusCode::BAD_REQUEST, "unreadable request body").into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    headers.remove(header::HOST);
    let sent = client
        .request(parts.method, format!("{upstream}{path}"))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(e) => {
            return (
                StatusCode::BAD_GATEWAY,
                format!("the local functions did not answer ({e}); are they still compiling?"),
            )
                .into_response();
        }
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    match answer.bytes().await {
        Ok(bytes) => response
            .body(Body::from(bytes))
            .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("the answer broke off: {e}"),
        )
            .into_response(),
    }
}

/// The browser test against a seeded table on `endpoint`, `rounds` times in a row.
pub fn browser_test(endpoint: &str, rounds: u32) -> Result<()> {
    crate::debian::ensure(
        "chromium",
        || Path::new(CHROMIUM).is_file(),
        "the dashboard's browser test",
    )?;
    let site = build()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (address, name, period) = runtime.block_on(async {
        let table = format!("beatpass-dashboard-{}", std::process::id());
        // Three runs: 35 and 9 days ago and now, so the 7- and 30-day boards and the chart
        // have runs to count from.
        let ages = [TimeDelta::days(35), TimeDelta::days(9), TimeDelta::zero()];
        let (store, known) = crate::contract::seeded_with_runs(endpoint, &table, &ages).await?;
        let signed_in = contribution::ProducerId::parse(SIGNED_IN)?;
        let profiles = store
            .catalog()
            .get_producers(std::slice::from_ref(&signed_in))
            .await?;
        let name = profiles
            .get(&signed_in)
            .map(|p| p.name.clone())
            .context("the seeded producer has no profile")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let app = router(&site, crate::api_standin::Api::new(store).router());
        tokio::spawn(async move { axum::serve(listener, app).await });
        anyhow::Ok((address, name, known.period))
    })?;
    let screenshots = project::root().join("target/dashboard/screenshots");
    std::fs::create_dir_all(&screenshots)?;
    eprintln!("xtask: the dashboard and the API stand-in listen on http://{address}/");
    let status = Command::new("node")
        .arg(BROWSER_TEST)
        .current_dir(project::root().join(PACKAGE))
        .env(
            "DASHBOARD_URL",
            format!("http://{address}/?producer={SIGNED_IN}"),
        )
        .env("DASHBOARD_PRODUCER", SIGNED_IN)
        .env("DASHBOARD_PRODUCER_NAME", &name)
        .env("DASHBOARD_PERIOD", &period)
        .env("DASHBOARD_ROUNDS", rounds.to_string())
        .env("DASHBOARD_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", CHROMIUM)
        .status()
        .context("could not start node")?;
    drop(runtime);
    anyhow::ensure!(
        status.success(),
        "the dashboard's browser test failed ({status})"
    );
    eprintln!(
        "xtask: the dashboard passed its browser test {rounds} time(s); screenshots in {}",
        screenshots.display()
    );
    Ok(())
}
