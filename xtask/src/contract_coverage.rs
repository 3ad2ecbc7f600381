//! What Schemathesis reached, from its event log (`--report ndjson`): per operation and phase,
//! the answers by status class. A run where an operation never got past 404s or 401/403s proves
//! little about it, so [`check`] fails unless every operation of the spec got a 2xx, and unless
//! the stateful phase (chains of calls following the spec's links) made credit edits that
//! succeeded: `PUT`, `POST` and `DELETE` on a track's credits, and revalidated reads with the tags
//! their answers carried (the `Revalidate` links) into `304`s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Operations the stateful phase must have answered with a 2xx.
const STATEFUL_EDITS: [&str; 3] = [
    "PUT /tracks/{trackId}/credits",
    "POST /tracks/{trackId}/credits",
    "DELETE /tracks/{trackId}/credits/{producerId}",
];

/// `(operation, phase) -> answers per status class (2 for 2xx, …)`.
type Tally = BTreeMap<(String, String), BTreeMap<u16, u64>>;

/// Every `METHOD /path` of the spec.
fn spec_operations(spec: &str) -> Result<BTreeSet<String>> {
    let spec: serde_norway::Value = serde_norway::from_str(spec).context("the spec is YAML")?;
    let paths = spec["paths"].as_mapping().context("the spec has paths")?;
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        let path = path.as_str().context("a path")?;
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    Ok(operations)
}

/// The answers of every test case in the event log.
fn tally(events: &str) -> Result<Tally> {
    let mut tally = Tally::new();
    for line in events.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).context("an event is JSON")?;
        let Some(scenario) = event.get("ScenarioFinished") else {
            continue;
        };
        let phase = scenario["phase"].as_str().unwrap_or("?").to_owned();
        let recorder = &scenario["recorder"];
        let Some(cases) = recorder["cases"].as_object() else {
            continue;
        };
        for (id, case) in cases {
            let case = &case["value"];
            let Some(status) = recorder["interactions"][id]["response"]["status_code"].as_u64()
            else {
                continue;
            };
            let operation = format!(
                "{} {}",
                case["method"].as_str().unwrap_or("?"),
                case["path"].as_str().unwrap_or("?")
            );
            *tally
                .entry((operation, phase.clone()))
                .or_default()
                .entry(u16::try_from(status / 100).unwrap_or(0))
                .or_default() += 1;
        }
    }
    Ok(tally)
}

fn answers_in(tally: &Tally, class: u16, operation: &str, phase: Option<&str>) -> u64 {
    tally
        .iter()
        .filter(|((op, ph), _)| op == operation && phase.is_none_or(|p| p == ph))
        .map(|(_, classes)| classes.get(&class).copied().unwrap_or(0))
        .sum()
}

fn two_xx(tally: &Tally, operation: &str, phase: Option<&str>) -> u64 {
    answers_in(tally, 2, operation, phase)
}

/// The reads the stateful phase got a `304` from (a tag followed back by a `Revalidate` link).
fn revalidated(tally: &Tally) -> BTreeSet<String> {
    tally
        .iter()
        .filter(|((_, phase), classes)| phase == "stateful" && classes.contains_key(&3))
        .map(|((operation, _), _)| operation.clone())
        .collect()
}

/// Reads whose `304`s the stateful phase must show: a run answer, a private one, a live one.
const REVALIDATED: [&str; 3] = [
    "GET /collaborations/trending",
    "GET /producers/{id}/summary",
    "GET /producers/{id}/tracks",
];

/// Prints what each operation got and fails on an operation without a 2xx, or a credit edit the
/// stateful phase never made.
pub fn check(spec: &Path, events: &Path) -> Result<()> {
    let operations = spec_operations(&std::fs::read_to_string(spec)?)?;
    let tally = tally(
        &std::fs::read_to_string(events)
            .with_context(|| format!("reading {}", events.display()))?,
    )?;
    eprintln!(
        "xtask: Schemathesis's answers per operation (2xx/4xx/5xx, all phases; stateful 2xx):"
    );
    let mut missing = Vec::new();
    for operation in &operations {
        let class = |c: u16| -> u64 {
            tally
                .iter()
                .filter(|((op, _), _)| op == operation)
                .map(|(_, classes)| classes.get(&c).copied().unwrap_or(0))
                .sum()
        };
        eprintln!(
            "  {operation:<50} {:>4} / {:>4} / {:>2}; stateful {}, 304s {}",
            class(2),
            class(4),
            class(5),
            two_xx(&tally, operation, Some("stateful")),
            answers_in(&tally, 3, operation, Some("stateful"))
        );
        if class(2) == 0 {
            missing.push(format!("{operation} never answered 2xx"));
        }
    }
    for edit in STATEFUL_EDITS {
        if !operations.contains(edit) {
            missing.push(format!("{edit} is not in the spec"));
        } else if two_xx(&tally, edit, Some("stateful")) == 0 {
            missing.push(format!(
                "the stateful phase never made a credit edit: {edit}"
            ));
        }
    }
    let seen = revalidated(&tally);
    for read in REVALIDATED {
        if !seen.contains(read) {
            missing.push(format!("the stateful phase never got a 304 from {read}"));
        }
    }
    if !missing.is_empty() {
        bail!(
            "Schemathesis did not reach the API's logic:\n  {}",
            missing.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(phase: &str, method: &str, path: &str, status: u16) -> String {
        serde_json::json!({"ScenarioFinished": {"phase": phase, "recorder": {
            "cases": {"c1": {"value": {"method": method, "path": path}}},
            "interactions": {"c1": {"response": {"status_code": status}}}}}})
        .to_string()
    }

    #[test]
    fn answers_are_counted_per_operation_phase_and_class() {
        let log = [
            scenario("fuzzing", "GET", "/a/{id}", 404),
            scenario("fuzzing", "GET", "/a/{id}", 200),
            scenario("stateful", "PUT", "/a/{id}", 201),
            scenario("stateful", "GET", "/a/{id}", 304),
            scenario("fuzzing", "GET", "/b", 304),
            r#"{"PhaseStarted":{}}"#.to_owned(),
        ]
        .join("\n");
        let tally = tally(&log).expect("a log");
        assert_eq!(two_xx(&tally, "GET /a/{id}", None), 1);
        assert_eq!(two_xx(&tally, "GET /a/{id}", Some("stateful")), 0);
        assert_eq!(two_xx(&tally, "PUT /a/{id}", Some("stateful")), 1);
        assert_eq!(
            tally[&("GET /a/{id}".to_owned(), "fuzzing".to_owned())][&4],
            1
        );
        // Only the stateful phase's 304s count as revalidations.
        assert_eq!(
            revalidated(&tally),
            BTreeSet::from(["GET /a/{id}".to_owned()])
        );
    }

    #[test]
    fn the_spec_lists_the_credit_edits() {
        let spec = spec_operations(include_str!("../../infra/openapi.yaml")).expect("the spec");
        for edit in STATEFUL_EDITS {
            assert!(spec.contains(edit), "{edit}");
        }
    }
}
