//! The one log line of each request (JSON, like every log line: `telemetry::logging`).

use std::time::Duration;

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
