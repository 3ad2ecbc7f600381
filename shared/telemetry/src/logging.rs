//! JSON logs, set up once per process.

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
