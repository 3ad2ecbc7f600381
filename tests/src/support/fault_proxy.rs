//! A fault-injecting HTTP proxy on loopback, in front of DynamoDB Local.
//!
//! DynamoDB Local never throttles, never fails and never drops a connection, so tests against it
//! alone cannot show that the code survives what DynamoDB does on a bad day. The chaos tests put
//! this proxy between the store and DynamoDB Local and have it answer a set fraction of requests
//! the way DynamoDB and the network misbehave:
//!
//! - `ThrottlingException` and `ProvisionedThroughputExceededException` (HTTP 400, JSON 1.0 error
//!   bodies exactly as DynamoDB sends them), which the SDK retries with throttling backoff;
//! - `InternalServerError` (HTTP 500);
//! - added latency before the request is forwarded;
//! - a dropped connection, either before the request reaches DynamoDB Local or, worse, after it
//!   was applied, so the client never learns that its write went in.
//!
//! Every fault is counted, so a test can prove each kind actually happened. Where faults fall is
//! random but stratified, not independent draws: each run of `1 / rate` requests gets one fault
//! at a random place in it, and each fault is of the kind furthest behind its share (ties drawn
//! at random). So a test that makes a few hundred requests sees its rate and every kind as
//! configured, every time; with independent draws a kind went missing in about one run in thirty
//! (`chaos_runs`, 317 requests, no `ThroughputExceeded`). The draws come from a seeded generator:
//! a failing run can be repeated with its seed.
//!
//! With recording on, the proxy also keeps every request's operation and body, so a test can see
//! exactly what a function sent (`least_privilege` checks the keys each one writes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How often each kind of fault happens, as fractions of all requests (their sum at most 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    pub throttling: f64,
    pub throughput_exceeded: f64,
    pub server_error: f64,
    pub latency: f64,
    pub drop_before: f64,
    pub drop_after: f64,
    /// The most latency one slow request gets (each draws uniformly up to it).
    pub max_latency: Duration,
    /// Fault only this operation (e.g. `"TransactWriteItems"`); `None`: every request.
    pub only: Option<&'static str>,
}

impl Faults {
    /// Every request forwarded untouched.
    pub const NONE: Self = Self {
        throttling: 0.0,
        throughput_exceeded: 0.0,
        server_error: 0.0,
        latency: 0.0,
        drop_before: 0.0,
        drop_after: 0.0,
        max_latency: Duration::ZERO,
        only: None,
    };

    /// `rate` of all requests faulted, spread evenly over the six kinds.
    pub fn mixed(rate: f64) -> Self {
        let each = rate / Fault::ALL.len() as f64;
        Self {
            throttling: each,
            throughput_exceeded: each,
            server_error: each,
            latency: each,
            drop_before: each,
            drop_after: each,
            max_latency: Duration::from_millis(80),
            only: None,
        }
    }

    /// Only `fault`, on every request.
    pub fn always(fault: Fault) -> Self {
        let mut faults = Self::NONE;
        *faults.rate_mut(fault) = 1.0;
        faults.max_latency = Duration::from_millis(20);
        faults
    }

    fn rate_mut(&mut self, fault: Fault) -> &mut f64 {
        match fault {
            Fault::Throttling => &mut self.throttling,
            Fault::ThroughputExceeded => &mut self.throughput_exceeded,
            Fault::ServerError => &mut self.server_error,
            Fault::Latency => &mut self.latency,
            Fault::DropBefore => &mut self.drop_before,
            Fault::DropAfter => &mut self.drop_after,
        }
    }

    /// The share of requests to `operation` that are faulted.
    fn rate_for(mut self, operation: &str) -> f64 {
        if self.only.is_some_and(|only| only != operation) {
            return 0.0;
        }
        Fault::ALL.iter().map(|&f| *self.rate_mut(f)).sum()
    }

    /// The kind the next fault is: the one whose count is furthest behind its rate (ties at
    /// random).
    fn kind(mut self, counts: &[u64; 6], rng: &mut fastrand::Rng) -> Option<Fault> {
        let behind = |fault: Fault, rate: f64| (counts[fault.index()] as f64 + 1.0) / rate;
        let mut best: Vec<(Fault, f64)> = Vec::new();
        for fault in Fault::ALL {
            let rate = *self.rate_mut(fault);
            if rate <= 0.0 {
                continue;
            }
            let score = behind(fault, rate);
            match best.first() {
                Some((_, lowest)) if score > *lowest + 1e-12 => {}
                Some((_, lowest)) if score < *lowest - 1e-12 => best = vec![(fault, score)],
                _ => best.push((fault, score)),
            }
        }
        (!best.is_empty()).then(|| best[rng.usize(..best.len())].0)
    }
}

/// One way a request can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttling,
    ThroughputExceeded,
    ServerError,
    Latency,
    DropBefore,
    DropAfter,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::Throttling,
        Fault::ThroughputExceeded,
        Fault::ServerError,
        Fault::Latency,
        Fault::DropBefore,
        Fault::DropAfter,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// What the proxy did so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub requests: u64,
    /// Per kind, in the order of [`Fault::ALL`].
    pub faults: [u64; 6],
}

impl Tally {
    pub fn of(&self, fault: Fault) -> u64 {
        self.faults[fault.index()]
    }

    pub fn faulted(&self) -> u64 {
        self.faults.iter().sum()
    }
}

struct State {
    upstream: String,
    faults: Mutex<Faults>,
    rng: Mutex<fastrand::Rng>,
    requests: AtomicU64,
    counts: [AtomicU64; 6],
    /// Where the next fault falls: faults so far, the faulted share of requests accumulated, and
    /// the point of it (the faults so far plus a random place in the next unit) at which the
    /// next request is faulted.
    placement: Mutex<Placement>,
    /// The operations (e.g. `TransactWriteItems`) whose answers were dropped after DynamoDB
    /// Local applied them.
    applied_unanswered: Mutex<Vec<String>>,
    /// `Some` while recording: every request's operation and JSON body, in arrival order.
    recorded: Mutex<Option<Vec<(String, Bytes)>>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Stratified placement: one fault in each unit of accumulated rate, at a random place in it.
#[derive(Debug, Default)]
struct Placement {
    placed: u64,
    accumulated: f64,
    /// `None` until the first request draws it.
    next_at: Option<f64>,
}

impl Placement {
    /// Whether this request, with `rate` of requests faulted, is faulted.
    fn next(&mut self, rate: f64, rng: &mut fastrand::Rng) -> bool {
        let placed = self.placed as f64;
        let next_at = *self.next_at.get_or_insert_with(|| placed + rng.f64());
        self.accumulated += rate.min(1.0);
        if self.accumulated < next_at {
            return false;
        }
        self.placed += 1;
        // The next unit's random place; a unit already passed (after a rate change) starts at
        // the accumulated share, so faults never bunch up to catch up.
        let unit = (self.placed as f64).max(self.accumulated.floor());
        self.next_at = Some(unit + rng.f64());
        true
    }
}

/// The proxy: listening on a free loopback port until dropped.
pub struct FaultProxy {
    endpoint: String,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

/// The connection is closed without an answer (hyper closes it when the service fails).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose")]
struct Dropped;

impl FaultProxy {
    /// Starts a proxy forwarding to `upstream` (`http://host:port`), faulting as `faults` says.
    pub async fn start(upstream: &str, faults: Faults, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            faults: Mutex::new(faults),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            requests: AtomicU64::new(0),
            counts: Default::default(),
            placement: Mutex::new(Placement::default()),
            applied_unanswered: Mutex::default(),
            recorded: Mutex::default(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let accept = tokio::spawn(accept_loop(listener, state.clone()));
        Ok(Self {
            endpoint,
            state,
            accept,
        })
    }

    /// Where clients connect (`http://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Changes the fault mix for requests from now on.
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// How many `operation` requests (e.g. `TransactWriteItems`) were applied but never answered.
    pub fn applied_unanswered(&self, operation: &str) -> usize {
        self.state
            .applied_unanswered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|o| *o == operation)
            .count()
    }

    /// Starts keeping every request from now on (dropping what was kept).
    pub fn start_recording(&self) {
        *self
            .state
            .recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    }

    /// The requests kept since [`FaultProxy::start_recording`] (operation, body); recording goes on.
    pub fn take_recorded(&self) -> Vec<(String, Bytes)> {
        self.state
            .recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    pub fn tally(&self) -> Tally {
        let mut tally = Tally {
            requests: self.state.requests.load(Ordering::Relaxed),
            ..Tally::default()
        };
        for (count, atomic) in tally.faults.iter_mut().zip(&self.state.counts) {
            *count = atomic.load(Ordering::Relaxed);
        }
        tally
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| serve(state.clone(), request));
            // A dropped connection ends here with an error, which is the point.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl State {
    fn draw(&self, operation: &str) -> Option<Fault> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let faults = *self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let rate = faults.rate_for(operation);
        if rate <= 0.0 {
            return None;
        }
        let rng = &mut self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut placement = self.placement.lock().unwrap_or_else(|e| e.into_inner());
        if !placement.next(rate, rng) {
            return None;
        }
        let counts = self.counts.each_ref().map(|c| c.load(Ordering::Relaxed));
        let fault = faults.kind(&counts, rng)?;
        self.counts[fault.index()].fetch_add(1, Ordering::Relaxed);
        Some(fault)
    }

    fn latency(&self) -> Duration {
        let max = self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .max_latency;
        let fraction = self.rng.lock().unwrap_or_else(|e| e.into_inner()).f64();
        max.mul_f64(fraction)
    }
}

async fn serve(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    // `X-Amz-Target: DynamoDB_20120810.TransactWriteItems` names the operation.
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    let fault = state.draw(&operation);
    match fault {
        Some(Fault::Throttling) => {
            return Ok(dynamodb_error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ));
        }
        Some(Fault::ThroughputExceeded) => {
            return Ok(dynamodb_error(
                StatusCode::BAD_REQUEST,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            ));
        }
        Some(Fault::ServerError) => {
            return Ok(dynamodb_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "Internal server error",
            ));
        }
        Some(Fault::DropBefore) => return Err(Dropped),
        Some(Fault::Latency) => tokio::time::sleep(state.latency()).await,
        Some(Fault::DropAfter) | None => {}
    }
    let (mut parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    if let Some(recorded) = state
        .recorded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
    {
        recorded.push((operation.clone(), body.clone()));
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("{}{path}", state.upstream)
        .parse::<Uri>()
        .map_err(|_| Dropped)?;
    let response = state
        .client
        .request(Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(|_| Dropped)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    if fault == Some(Fault::DropAfter) {
        // DynamoDB Local has applied the request; the client will never hear so.
        state
            .applied_unanswered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(operation);
        return Err(Dropped);
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// An error answer in DynamoDB's JSON 1.0 protocol shape.
fn dynamodb_error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
        "message": message,
    })
    .to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    headers.insert(
        "x-amzn-requestid",
        hyper::header::HeaderValue::from_static("fault-proxy"),
    );
    response
}
