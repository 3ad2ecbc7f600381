//! JSON logs: set up once per process, and one line per request.

use std::time::Duration;

/// JSON log lines to stdout (CloudWatch takes them as they are), level from `RUST_LOG`
/// (default `info`). Safe to call more than once; later calls do nothing.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .flatten_event(true)
        .without_time()
        .try_init();
}

/// What the one log line of a handled request says.
pub struct RequestLine<'a> {
    pub method: &'a str,
    /// The route's label (`GET /producers/{id}/summary`), never the raw path.
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub request_id: &'a str,
    /// The verified JWT's `sub` (the token itself is never logged); `-` without one.
    pub caller: Option<&'a str>,
}

/// The one log line of a handled request.
pub fn request(line: &RequestLine<'_>) {
    tracing::info!(
        method = line.method,
        route = line.route,
        status = line.status,
        latency_ms = line.latency.as_secs_f64() * 1000.0,
        request_id = line.request_id,
        caller = line.caller.unwrap_or("-"),
        "request"
    );
}
