//! The Lambda events tests send (the `test-events` crate, shared with `cargo xtask`), and the
//! assertion every HTTP test reads a problem+json answer with.

use serde_json::json;
pub use test_events::*;

/// Asserts `reply` is a problem+json response with `status` and type `/problems/<slug>`, and
/// that it explains itself (a non-empty `detail`).
pub fn assert_problem(reply: &Reply, status: i64, slug: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        reply.body["type"],
        json!(format!("/problems/{slug}")),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["status"], json!(status));
    assert!(
        reply.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        reply.body
    );
}
