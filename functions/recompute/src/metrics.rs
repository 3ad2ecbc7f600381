//! The run summary, logged once in CloudWatch Embedded Metric Format, so the numbers become
//! metrics (namespace `BeatPass/Recompute`) with no extra code or API call.

use telemetry::emf::{Line, Unit};

/// What a run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    pub as_of: String,
    pub published: bool,
    pub tracks: u64,
    pub producers: u64,
    pub pages: u64,
    pub items_written: u64,
    /// Write capacity units DynamoDB reported for the run's writes (what on-demand bills).
    pub write_units: f64,
    /// Bytes of the items the run put (DynamoDB's item sizes): with `itemsWritten`, the I/O a
    /// floor measurement must match (`cargo xtask io-floor --bytes`).
    pub bytes_written: u64,
    pub retries: u64,
    pub seconds: f64,
    /// Of `seconds`, the catalog scan (pages and their plays reads, folded as they arrive).
    pub scan_seconds: f64,
}

impl RunSummary {
    /// The EMF log line (one JSON object; CloudWatch extracts the metrics from `_aws`).
    pub fn emf_line(&self, timestamp_millis: i64) -> String {
        Line::new("BeatPass/Recompute")
            .count("Tracks", self.tracks)
            .count("Producers", self.producers)
            .count("Pages", self.pages)
            .count("ItemsWritten", self.items_written)
            .count("WriteUnits", self.write_units)
            .metric("BytesWritten", Unit::Bytes, self.bytes_written)
            .count("Retries", self.retries)
            .metric("Seconds", Unit::Seconds, self.seconds)
            .metric("ScanSeconds", Unit::Seconds, self.scan_seconds)
            .property("message", "recompute run summary")
            .property("runId", self.run_id.as_str())
            .property("asOf", self.as_of.as_str())
            .property("published", self.published)
            .render(timestamp_millis)
    }
}
