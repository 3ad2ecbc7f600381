//! The run summary, logged once in CloudWatch Embedded Metric Format, so the numbers become
//! metrics (namespace `BeatPass/Recompute`) with no extra code or API call.

use serde_json::json;

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
        json!({
            "_aws": {
                "Timestamp": timestamp_millis,
                "CloudWatchMetrics": [{
                    "Namespace": "BeatPass/Recompute",
                    "Dimensions": [[]],
                    "Metrics": [
                        {"Name": "Tracks", "Unit": "Count"},
                        {"Name": "Producers", "Unit": "Count"},
                        {"Name": "Pages", "Unit": "Count"},
                        {"Name": "ItemsWritten", "Unit": "Count"},
                        {"Name": "WriteUnits", "Unit": "Count"},
                        {"Name": "BytesWritten", "Unit": "Bytes"},
                        {"Name": "Retries", "Unit": "Count"},
                        {"Name": "Seconds", "Unit": "Seconds"},
                        {"Name": "ScanSeconds", "Unit": "Seconds"}
                    ]
                }]
            },
            "message": "recompute run summary",
            "runId": self.run_id,
            "asOf": self.as_of,
            "published": self.published,
            "Tracks": self.tracks,
            "Producers": self.producers,
            "Pages": self.pages,
            "ItemsWritten": self.items_written,
            "WriteUnits": self.write_units,
            "BytesWritten": self.bytes_written,
            "Retries": self.retries,
            "Seconds": self.seconds,
            "ScanSeconds": self.scan_seconds,
        })
        .to_string()
    }
}
