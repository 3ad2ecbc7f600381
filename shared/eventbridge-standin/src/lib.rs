//! A loopback stand-in for the one EventBridge operation `fanout` uses: `PutEvents`.
//!
//! No machine here has a bus to put events on, so `cargo xtask dev` and the tests point the
//! deployed function's own SDK client at this. It follows EventBridge's documented behaviour
//! (docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html):
//! - AWS JSON 1.1: `POST /` with `X-Amz-Target: AWSEvents.PutEvents`; errors are
//!   `{"__type","message"}` with the status the API documents;
//! - 1 to 10 entries a call, at most 256 KB in all, else a `ValidationException` and nothing is
//!   put;
//! - each entry is judged on its own: one without `Source`, `DetailType` or `Detail` is refused
//!   with `InvalidArgument`, a `Detail` that is not a JSON object with `MalformedDetail`, one for
//!   a bus that does not exist with `ResourceNotFoundException`; the others are put. The answer
//!   lists an `EventId` or an `ErrorCode`/`ErrorMessage` per entry, in the request's order, and
//!   `FailedEntryCount`;
//! - switchable faults: whole calls refused with `ThrottlingException` (400),
//!   `InternalException` (500) or `AccessDeniedException` (400: the bus's or the caller's policy
//!   no longer allows the put, which no retry mends) before anything is put, and single entries
//!   refused with
//!   `ThrottlingException` or `InternalFailure` (the per-entry codes the API documents for
//!   transient failures) while the rest of the call succeeds. Lost answers are the loopback fault
//!   proxy's job (`tests/src/support/fault_proxy.rs`), in front of this.
//!
//! What it accepts is kept (for tests), and, when asked, appended to a JSON Lines file in the
//! shape EventBridge delivers to targets (`version`, `id`, `detail-type`, `source`, `time`,
//! `detail`, …) and printed one line each: `cargo xtask dev` writes `.local/events.jsonl`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

/// The largest request EventBridge takes, in bytes (its entries' sizes summed).
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// The most entries one call takes.
pub const MAX_ENTRIES: usize = 10;

/// How often each fault happens (0 to 1 each), drawn per call or per entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Whole calls refused with `ThrottlingException` (400).
    pub call_throttled: f64,
    /// Whole calls refused with `InternalException` (500).
    pub call_internal: f64,
    /// Whole calls refused with `AccessDeniedException` (400), as after a policy change.
    pub call_denied: f64,
    /// Single entries refused with `ThrottlingException` or `InternalFailure`, half each.
    pub entry_refused: f64,
}

/// Where accepted events go besides memory.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Appended one JSON object a line.
    pub file: Option<PathBuf>,
    /// One line each on stdout.
    pub print: bool,
}

/// Faults injected so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultTally {
    pub calls_refused: u64,
    pub entries_refused: u64,
}

#[derive(Default)]
struct Bus {
    buses: Vec<String>,
    events: Vec<Value>,
    faults: Faults,
    tally: FaultTally,
    calls: u64,
    next_id: u64,
    rng: Option<fastrand::Rng>,
}

/// The running stand-in.
#[derive(Clone)]
pub struct StandIn {
    pub base_url: String,
    bus: Arc<Mutex<Bus>>,
    output: Arc<Mutex<Output>>,
}

impl StandIn {
    /// Starts on `addr` (port 0: any free port) with the buses that exist, in the current tokio
    /// runtime.
    pub async fn start(addr: SocketAddr, buses: &[&str], output: Output) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let stand_in = Self {
            base_url: format!("http://{local}"),
            bus: Arc::new(Mutex::new(Bus {
                buses: buses.iter().map(|b| (*b).to_owned()).collect(),
                rng: Some(fastrand::Rng::with_seed(0xE7E7_B005)),
                ..Bus::default()
            })),
            output: Arc::new(Mutex::new(output)),
        };
        let app = Router::new()
            .route("/", post(serve))
            .with_state(stand_in.clone());
        tokio::spawn(async move {
            // Serving ends only with the runtime; an accept error ends the stand-in, which the
            // callers then see as refused connections.
            let _ = axum::serve(listener, app).await;
        });
        Ok(stand_in)
    }

    fn bus(&self) -> MutexGuard<'_, Bus> {
        self.bus.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Prints each accepted event from now on (or stops).
    pub fn set_print(&self, print: bool) {
        self.output.lock().unwrap_or_else(|e| e.into_inner()).print = print;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.bus().faults = faults;
    }

    /// Every event accepted so far, as delivered (`detail` parsed).
    pub fn events(&self) -> Vec<Value> {
        self.bus().events.clone()
    }

    /// `PutEvents` calls received.
    pub fn calls(&self) -> u64 {
        self.bus().calls
    }

    pub fn faults_injected(&self) -> FaultTally {
        self.bus().tally
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "__type": code, "message": message }).to_string();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    response
}

/// A PutEvents entry's size as EventBridge counts it (its strings' UTF-8 bytes, 14 for a time).
fn entry_size(entry: &Map<String, Value>) -> usize {
    let text = |name: &str| entry.get(name).and_then(Value::as_str).map_or(0, str::len);
    let resources: usize = entry
        .get("Resources")
        .and_then(Value::as_array)
        .map_or(0, |r| {
            r.iter().filter_map(Value::as_str).map(str::len).sum()
        });
    text("Source")
        + text("DetailType")
        + text("Detail")
        + resources
        + if entry.contains_key("Time") { 14 } else { 0 }
}

async fn serve(State(stand_in): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    if target != "AWSEvents.PutEvents" {
        return error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "only PutEvents is stood in for",
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "not JSON",
        );
    };
    let entries: Vec<Map<String, Value>> = request
        .get("Entries")
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(|v| v.as_object().cloned()).collect())
        .unwrap_or_default();
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            &format!(
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and {MAX_ENTRIES}"
            ),
        );
    }
    if entries.iter().map(entry_size).sum::<usize>() > MAX_REQUEST_BYTES {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "Total size of the entries in the request is over the limit.",
        );
    }
    let mut bus = stand_in.bus();
    bus.calls += 1;
    let faults = bus.faults;
    let mut draw = |p: f64| p > 0.0 && bus.rng.as_mut().is_some_and(|r| r.f64() < p);
    if draw(faults.call_throttled) {
        bus.tally.calls_refused += 1;
        return error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        );
    }
    if draw(faults.call_denied) {
        bus.tally.calls_refused += 1;
        return error(
            StatusCode::BAD_REQUEST,
            "AccessDeniedException",
            "User is not authorized to perform: events:PutEvents on resource",
        );
    }
    if draw(faults.call_internal) {
        bus.tally.calls_refused += 1;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalException",
            "An internal error occurred",
        );
    }
    let mut results = Vec::with_capacity(entries.len());
    let mut failed = 0;
    let mut accepted = Vec::new();
    for entry in entries {
        let outcome = judge(&mut bus, &entry, faults);
        match outcome {
            Ok(event) => {
                results.push(json!({ "EventId": event["id"] }));
                accepted.push(event);
            }
            Err((code, message)) => {
                failed += 1;
                results.push(json!({ "ErrorCode": code, "ErrorMessage": message }));
            }
        }
    }
    bus.events.extend(accepted.iter().cloned());
    drop(bus);
    stand_in.deliver(&accepted);
    let body = json!({ "FailedEntryCount": failed, "Entries": results }).to_string();
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    response
}

/// One entry: the event as delivered, or the per-entry error code and message.
fn judge(
    bus: &mut Bus,
    entry: &Map<String, Value>,
    faults: Faults,
) -> Result<Value, (&'static str, String)> {
    let text = |name: &str| {
        entry
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(source), Some(detail_type), Some(detail)) =
        (text("Source"), text("DetailType"), text("Detail"))
    else {
        return Err((
            "InvalidArgument",
            "Parameters Source, DetailType and Detail are required.".to_owned(),
        ));
    };
    let Ok(Value::Object(detail)) = serde_json::from_str::<Value>(detail) else {
        return Err(("MalformedDetail", "Detail is malformed.".to_owned()));
    };
    let name = text("EventBusName").unwrap_or("default");
    // A bus is named by its name or its ARN (`arn:…:event-bus/NAME`).
    let short = name.rsplit('/').next().unwrap_or(name);
    if !bus.buses.iter().any(|b| b == short) {
        return Err((
            "ResourceNotFoundException",
            format!("Event bus {name} does not exist."),
        ));
    }
    if faults.entry_refused > 0.0
        && bus
            .rng
            .as_mut()
            .is_some_and(|r| r.f64() < faults.entry_refused)
    {
        bus.tally.entries_refused += 1;
        let throttled = bus.rng.as_mut().is_some_and(|r| r.bool());
        return Err(if throttled {
            ("ThrottlingException", "Rate exceeded".to_owned())
        } else {
            ("InternalFailure", "An internal error occurred".to_owned())
        });
    }
    bus.next_id += 1;
    let time = entry
        .get("Time")
        .and_then(Value::as_f64)
        .and_then(|seconds| chrono::DateTime::from_timestamp_millis((seconds * 1000.0) as i64))
        .unwrap_or_else(chrono::Utc::now);
    Ok(json!({
        "version": "0",
        "id": format!("00000000-0000-4000-8000-{:012x}", bus.next_id),
        "detail-type": detail_type,
        "source": source,
        "account": "000000000000",
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "us-east-1",
        "event-bus": short,
        "resources": entry.get("Resources").cloned().unwrap_or_else(|| json!([])),
        "detail": detail,
    }))
}

impl StandIn {
    /// Appends accepted events to the output file and prints them, as configured.
    fn deliver(&self, events: &[Value]) {
        if events.is_empty() {
            return;
        }
        let output = self
            .output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(path) = &output.file {
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| {
                    let mut text = String::new();
                    for event in events {
                        text.push_str(&event.to_string());
                        text.push('\n');
                    }
                    file.write_all(text.as_bytes())
                });
            if let Err(e) = appended {
                eprintln!(
                    "eventbridge stand-in: cannot append to {}: {e}",
                    path.display()
                );
            }
        }
        if output.print {
            for event in events {
                println!(
                    "event  {}  {}",
                    event["detail-type"].as_str().unwrap_or_default(),
                    event["detail"]
                );
            }
        }
    }
}
