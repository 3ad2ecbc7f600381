//! Tidy: the workspace's import graph points down.
//!
//! Two rules a look at the manifests and sources can check, in the manner of [`crate::tidy`]:
//!
//! - Crates sit on floors, and every dependency (normal, dev or build) goes to a lower floor:
//!   the pure core at the bottom, the small shared crates above it, the table layer, the store
//!   and the edge, the Lambdas, and the tools and tests on top. A new crate fails here until it
//!   is given a floor.
//! - The table layer is the store's alone: only `store` (and `tests`, which build raw items)
//!   depends on `table`, whose public signatures name SDK types; a function sees the store.
//! - No Lambda links a tool or a test crate (the stand-ins, the event builders, `tests`, `xtask`)
//!   or turns on the store's `tools` or the catalog's `synthetic` code by default: what the zip
//!   holds is what the function runs.
//! - Every integration-test module is a leaf: it imports from `tests/src/support/` only, never
//!   from another test module, so a test file can be read, moved or deleted on its own.

use std::collections::BTreeMap;

/// Each workspace crate's floor; a crate may depend only on crates on lower floors.
pub const FLOORS: [(&str, u8); 19] = [
    ("contribution", 0),
    ("catalog", 1),
    ("results", 1),
    ("telemetry", 1),
    ("test-events", 1),
    ("table", 2),
    ("http-edge", 3),
    ("stripe-standin", 3),
    ("eventbridge-standin", 3),
    ("stream-standin", 3),
    ("store", 3),
    ("credits", LAMBDA_FLOOR),
    ("recompute", LAMBDA_FLOOR),
    ("leaderboard", LAMBDA_FLOOR),
    ("sync", LAMBDA_FLOOR),
    ("payouts", LAMBDA_FLOOR),
    ("fanout", LAMBDA_FLOOR),
    ("tests", 5),
    ("xtask", 5),
];

/// The floor of the Lambda functions.
pub const LAMBDA_FLOOR: u8 = 4;

/// The crates beneath the store, and the only crates that may depend on them.
pub const BENEATH_THE_STORE: [(&str, &[&str]); 1] = [("table", &["store", "tests"])];

/// Which of the store's owner views (`store::owners`) each function may use, as the template's
/// grants have it: a function writes only the partitions it owns (`credits`, `sync` and `fanout`
/// the catalog's; `recompute` a run's; `payouts` the payout records'), and reads what its job
/// needs (`recompute` scans the catalog; `payouts` reads runs and payout fields; `leaderboard`
/// reads everything it shows).
pub const FUNCTION_OWNERS: [(&str, &[&str]); 6] = [
    ("credits", &["catalog"]),
    ("sync", &["catalog"]),
    ("fanout", &["catalog"]),
    ("recompute", &["catalog", "runs"]),
    ("leaderboard", &["catalog", "runs", "payouts"]),
    ("payouts", &["catalog", "runs", "payouts"]),
];

/// The owner views a source text uses (`.catalog()`, `.runs()`, `.payouts()`) that `allowed`
/// does not name, with their lines.
pub fn foreign_owners(text: &str, allowed: &[&str]) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or_default();
        for owner in ["catalog", "runs", "payouts"] {
            if line.contains(&format!(".{owner}()")) && !allowed.contains(&owner) {
                found.push(format!("{}: {owner}", n + 1));
            }
        }
    }
    found
}

/// Crates that exist for tools and tests; no Lambda has one among its normal dependencies.
pub const TOOL_CRATES: [&str; 6] = [
    "tests",
    "xtask",
    "test-events",
    "stripe-standin",
    "eventbridge-standin",
    "stream-standin",
];

/// Features that compile tool code into a crate; no Lambda turns one on by default.
pub const TOOL_FEATURES: [(&str, &str); 2] = [("store", "tools"), ("catalog", "synthetic")];

/// One dependency of a workspace crate on another, as `cargo metadata` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `normal`, `dev` or `build`.
    pub kind: String,
    /// The features it turns on (`optional` dependencies are left out: a feature adds them).
    pub features: Vec<String>,
}

/// The dependencies between workspace crates, from `cargo metadata` JSON.
pub fn workspace_edges(metadata: &serde_json::Value) -> Vec<Edge> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let members: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut edges = Vec::new();
    for package in &packages {
        let from = package["name"].as_str().unwrap_or_default();
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let to = dependency["name"].as_str().unwrap_or_default();
            if !members.contains(&to) || dependency["optional"].as_bool() == Some(true) {
                continue;
            }
            edges.push(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                kind: dependency["kind"].as_str().unwrap_or("normal").to_owned(),
                features: dependency["features"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect(),
            });
        }
    }
    edges
}

/// The edges that break a rule of this module, each said in a line.
pub fn graph_offences(edges: &[Edge], crates: &[&str]) -> Vec<String> {
    let floors: BTreeMap<&str, u8> = FLOORS.into_iter().collect();
    let is_lambda = |name: &str| floors.get(name) == Some(&LAMBDA_FLOOR);
    let mut offences = Vec::new();
    for name in crates {
        if !floors.contains_key(name) {
            offences.push(format!("{name} has no floor in tidy_graph::FLOORS"));
        }
    }
    for edge in edges {
        let (Some(from), Some(to)) = (floors.get(edge.from.as_str()), floors.get(edge.to.as_str()))
        else {
            continue;
        };
        if to >= from {
            offences.push(format!(
                "{} (floor {from}) depends on {} (floor {to}): arrows point down",
                edge.from, edge.to
            ));
        }
        for (beneath, users) in BENEATH_THE_STORE {
            if edge.to == beneath && !users.contains(&edge.from.as_str()) {
                offences.push(format!(
                    "{} depends on {beneath}, which only {users:?} may use (the store's layer)",
                    edge.from
                ));
            }
        }
        if is_lambda(&edge.from) && edge.kind == "normal" {
            if TOOL_CRATES.contains(&edge.to.as_str()) {
                offences.push(format!(
                    "the {} Lambda links the tool crate {}",
                    edge.from, edge.to
                ));
            }
            for (krate, feature) in TOOL_FEATURES {
                if edge.to == krate && edge.features.iter().any(|f| f == feature) {
                    offences.push(format!(
                        "the {} Lambda turns on {krate}'s `{feature}` code",
                        edge.from
                    ));
                }
            }
        }
    }
    offences
}

/// The lines of integration-test module `name` (a file under `tests/src/`, not `support/`) that
/// import from another test module, with their numbers.
pub fn cross_test_imports(name: &str, text: &str, test_modules: &[String]) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        // The code of each line, not its comment.
        .map(|(n, line)| (n, line.split("//").next().unwrap_or_default()))
        .flat_map(|(n, line)| {
            line.match_indices("crate::")
                .map(|(i, _)| {
                    line[i + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .chain(
                    // `use crate::{a, b}`: each name inside the braces.
                    line.split_once("crate::{")
                        .map(|(_, rest)| rest.split('}').next().unwrap_or_default())
                        .into_iter()
                        .flat_map(|inner| inner.split(','))
                        .map(|m| m.trim().split("::").next().unwrap_or_default().to_owned()),
                )
                .filter(|module| module != name && test_modules.contains(module))
                .map(move |module| (n + 1, module))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::root;

    fn metadata() -> serde_json::Value {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(root())
            .output()
            .expect("cargo metadata runs");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
    }

    /// Each function reaches only the store's owners its grants allow (`FUNCTION_OWNERS`).
    #[test]
    fn each_function_uses_only_its_owners() {
        let mut offences = Vec::new();
        for (function, allowed) in FUNCTION_OWNERS {
            let src = root().join("functions").join(function).join("src");
            let files = crate::tidy::modules_in(&src);
            assert!(!files.is_empty(), "{function} has sources");
            for (module, text) in files {
                for found in foreign_owners(&text, allowed) {
                    offences.push(format!("functions/{function}/src/{module}.rs:{found}"));
                }
            }
        }
        assert!(offences.is_empty(), "{}", offences.join("\n"));
        // The check bites: a credit edit reading a run.
        assert_eq!(
            foreign_owners("let p = store.runs().latest_run().await?;", &["catalog"]),
            vec!["1: runs".to_owned()]
        );
    }

    #[test]
    fn every_arrow_points_down_and_no_lambda_links_a_tool() {
        let metadata = metadata();
        let crates: Vec<&str> = metadata["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let edges = workspace_edges(&metadata);
        // The graph is read, not assumed: the store sits on the core, a Lambda on the store.
        let has = |from: &str, to: &str| edges.iter().any(|e| e.from == from && e.to == to);
        assert!(
            has("store", "contribution") && has("store", "table") && has("credits", "store"),
            "{edges:?}"
        );
        let offences = graph_offences(&edges, &crates);
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }

    #[test]
    fn the_graph_check_catches_an_upward_arrow_and_a_tool_in_a_lambda() {
        let edge = |from: &str, to: &str, kind: &str, features: &[&str]| Edge {
            from: from.into(),
            to: to.into(),
            kind: kind.into(),
            features: features.iter().map(|f| f.to_string()).collect(),
        };
        let fine = [
            edge("store", "contribution", "normal", &[]),
            edge("sync", "test-events", "dev", &[]),
            edge("tests", "store", "normal", &["tools"]),
            edge("store", "table", "normal", &[]),
        ];
        assert!(
            graph_offences(&fine, &["store", "contribution", "sync", "tests", "table"]).is_empty()
        );
        let bad = [
            edge("contribution", "catalog", "dev", &[]),
            edge("credits", "stripe-standin", "normal", &[]),
            edge("recompute", "store", "normal", &["tools"]),
            edge("catalog", "catalog-extra", "normal", &[]),
            edge("leaderboard", "table", "normal", &[]),
        ];
        let offences = graph_offences(&bad, &["contribution", "catalog-extra"]);
        assert_eq!(offences.len(), 5, "{offences:#?}");
        assert!(
            offences[4].contains("leaderboard depends on table"),
            "{offences:#?}"
        );
    }

    /// The integration-test modules (`tests/src/*.rs`, the crate root aside).
    fn test_modules() -> Vec<(String, String)> {
        let mut modules = crate::tidy::modules_in(&root().join("tests/src"));
        modules.retain(|(name, _)| name != "lib");
        modules
    }

    #[test]
    fn every_test_module_is_a_leaf() {
        let modules = test_modules();
        let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
        assert!(names.contains(&"golden_run".to_owned()), "{names:?}");
        let mut offences = Vec::new();
        for (name, text) in &modules {
            for (line, other) in cross_test_imports(name, text, &names) {
                offences.push(format!("tests/src/{name}.rs:{line} imports from {other}"));
            }
        }
        assert!(
            offences.is_empty(),
            "a test module imports only from tests/src/support/ (move what it shares there):\n{}",
            offences.join("\n")
        );
    }

    #[test]
    fn the_leaf_check_catches_a_test_importing_another() {
        let names: Vec<String> = ["golden_run", "privacy", "leaderboard_api"]
            .map(String::from)
            .to_vec();
        let text = "//! a test\n\
                    use crate::support::api::call; // crate::privacy in a comment is fine\n\
                    use crate::leaderboard_api::published;\n\
                    use crate::{privacy, support};\n\
                    fn f() { crate::privacy::call(); }\n";
        let found = cross_test_imports("golden_run", text, &names);
        assert_eq!(
            found,
            vec![
                (3, "leaderboard_api".to_owned()),
                (4, "privacy".to_owned()),
                (5, "privacy".to_owned())
            ]
        );
    }
}
