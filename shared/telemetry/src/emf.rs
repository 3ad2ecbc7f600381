//! Metrics as CloudWatch Embedded Metric Format (EMF) log lines: one JSON object whose `_aws`
//! member names the metrics, which CloudWatch Logs turns into metrics with no API call and no
//! agent. Each function writes one such line per invocation (a run, a batch, a payout pass),
//! and the template's alarms watch the metrics it names.
//!
//! Written here rather than taken from a metrics crate: every line is one fixed summary per
//! invocation, so a builder of ~60 lines does what a registry and an exporter would.

use serde_json::{Map, Value, json};

/// The unit CloudWatch records a metric in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Bytes,
    Seconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Bytes => "Bytes",
            Unit::Seconds => "Seconds",
        }
    }
}

/// One EMF line being built: a namespace, its metrics (in order) and plain properties that ride
/// along in the same log event without becoming metrics.
#[derive(Debug, Clone)]
pub struct Line {
    namespace: &'static str,
    metrics: Vec<(&'static str, Unit)>,
    fields: Map<String, Value>,
}

impl Line {
    /// An empty line in `namespace` (`BeatPass/Sync`, …).
    pub fn new(namespace: &'static str) -> Self {
        Self {
            namespace,
            metrics: Vec::new(),
            fields: Map::new(),
        }
    }

    /// A metric `name` in `unit` with `value`.
    pub fn metric(mut self, name: &'static str, unit: Unit, value: impl Into<Value>) -> Self {
        self.metrics.push((name, unit));
        self.fields.insert(name.to_owned(), value.into());
        self
    }

    /// A metric counted in `Count`.
    pub fn count(self, name: &'static str, value: impl Into<Value>) -> Self {
        self.metric(name, Unit::Count, value)
    }

    /// A property that is logged but is not a metric (a run id, a message).
    pub fn property(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.insert(name.to_owned(), value.into());
        self
    }

    /// The line, stamped `timestamp_millis` (milliseconds since the Unix epoch).
    pub fn render(&self, timestamp_millis: i64) -> String {
        let metrics: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        let mut line = self.fields.clone();
        line.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": timestamp_millis,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [[]],
                    "Metrics": metrics,
                }],
            }),
        );
        Value::Object(line).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_each_metric_and_carries_its_value() {
        let text = Line::new("BeatPass/Test")
            .count("Failed", 2_u64)
            .metric("Seconds", Unit::Seconds, 1.5)
            .property("message", "done")
            .render(1_700_000_000_000);
        let line: Value = serde_json::from_str(&text).expect("one JSON object");
        assert_eq!(line["Failed"], json!(2));
        assert_eq!(line["Seconds"], json!(1.5));
        assert_eq!(line["message"], json!("done"));
        let emf = &line["_aws"];
        assert_eq!(emf["Timestamp"], json!(1_700_000_000_000_i64));
        let directive = &emf["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], json!("BeatPass/Test"));
        assert_eq!(directive["Dimensions"], json!([[]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "Failed", "Unit": "Count"}, {"Name": "Seconds", "Unit": "Seconds"}])
        );
    }
}
