//! Tidy: the project's rules that a look at the source can check, as tests.
//!
//! In the manner of rust-analyzer's `xtask/src/tidy.rs`: plain `#[test]`s over the workspace's
//! files, run by `cargo xtask test` with every other test, so a rule that `ARCHITECTURE.md` states
//! fails the build the moment code breaks it, instead of waiting for a reviewer to notice.
//!
//! - Keys are spelled in `shared/store/src/keys.rs` only: no other source file has a string
//!   literal holding one of its key prefixes or sort keys (read from that file, so a new prefix is
//!   covered the day it is added).
//! - Only the `store` crate (and `tests/`, where a test needs raw access) uses the DynamoDB SDK.
//! - Every source file starts with a `//!` doc saying what it is for.
//! - The core crate (`shared/contribution`) is pure: no runtime, SDK or I/O dependency, and no
//!   clock, file or network call in its code.
//! - The store's modules name each other without a cycle (the crate root aside, which declares
//!   them all): a module can be read, and changed, after the ones it uses.
//!
//! Two more files hold the rest: `tidy_graph.rs` (the import graph points down: crate floors,
//! no tool in a Lambda, test modules as leaves) and `tidy_map.rs` (ARCHITECTURE.md and the
//! READMEs against the tree).
//!
//! `docs/bad-inputs.md` is checked against the cases themselves by
//! `tests/src/bad_inputs.rs::the_documented_table_is_the_tested_one`, which can read them.

use std::path::{Path, PathBuf};

/// The key module: the one file allowed to spell keys.
const KEY_MODULE: &str = "shared/store/src/keys.rs";

/// The folders holding the workspace's Rust code.
const SOURCE_DIRS: [&str; 4] = ["shared", "functions", "tests", "xtask"];

/// Every `.rs` file under the source folders, relative to `root`, with its text.
fn rust_sources(root: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = SOURCE_DIRS.iter().map(|d| root.join(d)).collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?;
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                found.push((relative, text));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The string literals of a Rust source line, outside `//` comments (plain `"…"` literals, with
/// escapes; raw strings are read as plain ones, which is enough to find key text in them).
fn string_literals(line: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut chars = line.chars().peekable();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '/') if chars.peek() == Some(&'/') => break,
            // A quote as a character literal (`'"'`) opens no string.
            (None, '\'') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (None, '"') => current = Some(String::new()),
            (None, _) => {}
            (Some(text), '\\') => {
                if let Some(escaped) = chars.next() {
                    text.push(escaped);
                }
            }
            (Some(_), '"') => literals.extend(current.take()),
            (Some(text), other) => text.push(other),
        }
    }
    literals
}

/// The key words the key module spells: every upper-case word that opens a key part
/// (`PRODUCER#…`) or is a whole key (`PROFILE`).
fn key_words(key_module: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for literal in key_module.lines().flat_map(string_literals) {
        for part in literal.split(['#', '{', '}']) {
            let word: String = part
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .collect();
            if word.len() >= 3 && word.len() == part.len() && !words.contains(&word) {
                words.push(word);
            }
        }
    }
    words.sort();
    words
}

/// The lines of `text` (1-based) with a string literal that spells a key: one of `words`
/// followed by `#`, or one of them alone.
fn key_spellings(text: &str, words: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for literal in string_literals(line) {
            let spells = words
                .iter()
                .any(|w| literal == *w || literal.contains(&format!("{w}#")));
            if spells {
                found.push((n + 1, literal));
            }
        }
    }
    found
}

/// The modules of the crate whose `src` folder holds `files` (name, text), each with the sibling
/// modules its code (not its comments or tests) names as `crate::<module>`, grouped imports
/// (`crate::{a::X, b}`) included; the crate root aside.
fn module_uses(files: &[(String, String)]) -> std::collections::BTreeMap<String, Vec<String>> {
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let ident = |rest: &str| -> String {
        rest.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    files
        .iter()
        .filter(|(name, _)| name != "lib")
        .map(|(name, text)| {
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let mut uses = Vec::new();
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + 7..];
                if let Some(group) = rest.strip_prefix('{') {
                    // The group's top-level items, each named by its first segment.
                    let mut depth = 0;
                    let mut item = String::new();
                    for c in group.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => {
                                uses.push(ident(&item));
                                item.clear();
                                continue;
                            }
                            _ => {}
                        }
                        if depth == 0 || c != '{' {
                            item.push(c);
                        }
                    }
                    uses.push(ident(&item));
                } else {
                    uses.push(ident(rest));
                }
            }
            uses.retain(|m| m != name && m != "lib" && names.contains(&m.as_str()));
            uses.sort();
            uses.dedup();
            (name.clone(), uses)
        })
        .collect()
}

/// A cycle among `uses` (module → the modules it names), as the modules around it.
fn find_cycle(uses: &std::collections::BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    // Depth-first; a module met again while still on the path closes a cycle.
    fn visit<'a>(
        module: &'a str,
        uses: &'a std::collections::BTreeMap<String, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| *m == module) {
            return Some(path[at..].iter().map(|m| m.to_string()).collect());
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for next in uses.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, uses, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    uses.keys()
        .find_map(|m| visit(m, uses, &mut Vec::new(), &mut done))
}

/// The `.rs` files directly in `dir`, as (module name, text), sorted by name.
pub fn modules_in(dir: &Path) -> Vec<(String, String)> {
    let mut modules: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            Some((name, std::fs::read_to_string(&p).ok()?))
        })
        .collect();
    modules.sort();
    modules
}

/// The SDK's names a public signature of the store must not carry: the crate itself, its item
/// and request types, and the store's own alias for a raw item.
const SDK_NAMES: [&str; 8] = [
    "aws_sdk_dynamodb",
    "AttributeValue",
    "WriteRequest",
    "TransactWriteItem",
    "ConsumedCapacity",
    "Client",
    "Blob",
    "Item",
];

/// Whether `text` names an SDK type (`Item` as a word, but not an iterator's `Item =`).
fn names_sdk_type(text: &str) -> Option<&'static str> {
    SDK_NAMES.into_iter().find(|name| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = &text[at + name.len()..];
            let word_start = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let word_end = after
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let assoc = *name == "Item" && after.trim_start().starts_with('=');
            word_start && word_end && !assoc
        })
    })
}

/// The public signatures of one source file (before its tests) that name an SDK type, as
/// `line: name`. An item under `#[cfg(feature = "tools")]` is for tools and tests, which no
/// Lambda builds, and is skipped; so is a whole file the caller says is tools-only.
fn public_sdk_signatures(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let public = line.starts_with("pub ") && !line.starts_with("pub(");
        let gated = i > 0 && lines[i - 1].trim() == "#[cfg(feature = \"tools\")]";
        if !public || gated {
            i += 1;
            continue;
        }
        // The signature: up to the body, the end of the statement, or the field's comma.
        let mut signature = String::new();
        let start = i;
        loop {
            let part = lines[i].split("//").next().unwrap_or_default();
            let ends = part.contains('{')
                || part.trim_end().ends_with(';')
                || part.trim_end().ends_with(',');
            signature.push_str(part.split('{').next().unwrap_or_default());
            signature.push(' ');
            i += 1;
            if ends || i >= lines.len() {
                break;
            }
        }
        // A tuple struct shows only its public fields.
        if let Some(rest) = signature.trim_start().strip_prefix("pub struct ")
            && let Some((name, fields)) = rest.split_once('(')
        {
            let public: Vec<&str> = fields
                .split(',')
                .map(str::trim)
                .filter(|f| f.starts_with("pub ") && !f.starts_with("pub("))
                .collect();
            signature = format!("pub struct {name} {}", public.join(", "));
        }
        if let Some(name) = names_sdk_type(&signature) {
            found.push(format!("{}: {name}", start + 1));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the workspace")
            .to_path_buf()
    }

    fn sources() -> Vec<(PathBuf, String)> {
        rust_sources(&root()).expect("read the workspace's sources")
    }

    fn words() -> Vec<String> {
        let text = std::fs::read_to_string(root().join(KEY_MODULE)).expect("the key module");
        key_words(&text)
    }

    #[test]
    fn keys_are_spelled_only_in_the_key_module() {
        let words = words();
        // The words the key module spells today; a new one is picked up without editing this.
        for expected in ["PRODUCER", "TRACK", "RUN", "RANK", "PROFILE", "SUMMARY"] {
            assert!(words.iter().any(|w| w == expected), "{words:?}");
        }
        let this_file = Path::new("xtask/src/tidy.rs");
        let mut offences = Vec::new();
        for (path, text) in sources() {
            if path == Path::new(KEY_MODULE) || path == this_file {
                continue;
            }
            for (line, literal) in key_spellings(&text, &words) {
                offences.push(format!("{}:{line}: {literal:?}", path.display()));
            }
        }
        assert!(
            offences.is_empty(),
            "keys are spelled in {KEY_MODULE} only (name items through their entity instead):\n{}",
            offences.join("\n")
        );
    }

    #[test]
    fn the_key_check_catches_a_key_spelled_elsewhere() {
        let words = words();
        let prefix = format!("{}#", words.first().expect("a key word"));
        let offending = format!("let pk = format!(\"{prefix}{{id}}\"); // a comment: \"{prefix}\"");
        assert_eq!(key_spellings(&offending, &words).len(), 1);
        let whole = format!("let sk = \"{}\";", words.last().expect("a key word"));
        assert_eq!(key_spellings(&whole, &words).len(), 1);
        let harmless = "let s = \"a #hash and Mixed#Case\"; // \"RUN#x\" in a comment";
        assert!(key_spellings(harmless, &words).is_empty());
    }

    #[test]
    fn only_the_store_and_tests_use_the_dynamodb_sdk() {
        let allowed = |path: &Path| path.starts_with("shared/store") || path.starts_with("tests");
        let mut offences = Vec::new();
        for (path, text) in sources() {
            if allowed(&path) || path == Path::new("xtask/src/tidy.rs") {
                continue;
            }
            for (n, line) in text.lines().enumerate() {
                if line.contains("aws_sdk_dynamodb") {
                    offences.push(format!("{}:{}", path.display(), n + 1));
                }
            }
        }
        for manifest in ["functions", "shared", "xtask"].iter().flat_map(|dir| {
            std::fs::read_dir(root().join(dir))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("Cargo.toml"))
                .chain(std::iter::once(root().join(dir).join("Cargo.toml")))
        }) {
            let relative = manifest
                .strip_prefix(root())
                .unwrap_or(&manifest)
                .to_path_buf();
            if allowed(&relative) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&manifest)
                && text.contains("aws-sdk-dynamodb")
            {
                offences.push(relative.display().to_string());
            }
        }
        assert!(
            offences.is_empty(),
            "only shared/store (and tests/) talk to DynamoDB:\n{}",
            offences.join("\n")
        );
    }

    /// The core and the published vocabulary are plain values and rules: no SDK, no runtime, no
    /// clock, no I/O (each is checked alone by `cargo xtask test`, so a call to the clock does
    /// not compile there either).
    #[test]
    fn the_core_crate_is_pure() {
        for crate_dir in ["shared/contribution", "shared/results"] {
            assert_pure(crate_dir);
        }
    }

    fn assert_pure(crate_dir: &str) {
        let manifest = std::fs::read_to_string(root().join(crate_dir).join("Cargo.toml"))
            .expect("the crate's manifest");
        let dependencies = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .unwrap_or_default();
        let impure = [
            "tokio",
            "aws",
            "lambda",
            "hyper",
            "reqwest",
            "serde_dynamo",
            "store",
        ];
        for line in dependencies.lines() {
            let name = line.split(['=', '.']).next().unwrap_or_default().trim();
            assert!(
                !impure.iter().any(|i| name.contains(i)),
                "{crate_dir} depends on {name}: it must stay pure"
            );
        }
        // chrono's `clock` (`Utc::now`, `Local::now`) is off for the core: `cargo xtask test`
        // checks it alone, so a call to the clock does not compile there.
        assert!(
            !dependencies.contains("clock"),
            "{crate_dir} turns on chrono's clock"
        );
        let calls = [
            "Utc::now",
            "Local::now",
            "SystemTime::now",
            "Instant::now",
            "std::fs",
            "std::net",
            "std::env",
            "std::io",
            "std::thread",
            "fastrand",
        ];
        for (path, text) in sources() {
            if !path.starts_with(crate_dir) {
                continue;
            }
            for call in calls {
                assert!(
                    !text.contains(call),
                    "{} uses {call}: the core crate takes instants and data as arguments",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn every_source_file_says_what_it_is_for() {
        let undocumented: Vec<String> = sources()
            .into_iter()
            .filter(|(_, text)| {
                !text
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .is_some_and(|l| l.starts_with("//!"))
            })
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(
            undocumented.is_empty(),
            "every source file opens with a `//!` doc saying why it exists:\n{}",
            undocumented.join("\n")
        );
    }

    fn store_modules() -> Vec<(String, String)> {
        modules_in(&root().join("shared/store/src"))
    }

    #[test]
    fn the_store_modules_use_each_other_without_a_cycle() {
        let uses = module_uses(&store_modules());
        assert!(uses.contains_key("chunks") && uses["run_items"].contains(&"chunks".to_owned()));
        assert_eq!(find_cycle(&uses), None, "{uses:#?}");
    }

    /// Every crate's modules point one way (not only the store's): each `src` folder of the
    /// workspace, grouped imports included.
    #[test]
    fn no_crate_has_a_module_cycle() {
        let mut crates = vec![root().join("xtask/src"), root().join("tests/src")];
        for dir in ["shared", "functions"] {
            for entry in std::fs::read_dir(root().join(dir))
                .expect("the crates")
                .flatten()
            {
                crates.push(entry.path().join("src"));
            }
        }
        let mut checked = 0;
        for src in crates {
            let uses = module_uses(&modules_in(&src));
            if uses.is_empty() {
                continue;
            }
            checked += 1;
            assert_eq!(find_cycle(&uses), None, "{}: {uses:#?}", src.display());
        }
        assert!(checked >= 12, "{checked} crates read");
    }

    #[test]
    fn the_cycle_check_finds_a_cycle() {
        let files = |a: &str, b: &str| {
            vec![
                ("keys".to_owned(), format!("//! k\nuse crate::{a};\n")),
                (
                    "run_id".to_owned(),
                    format!("//! r\nfn f() {{ crate::{b}::g() }}\n"),
                ),
                (
                    "lib".to_owned(),
                    "pub mod keys; use crate::keys;".to_owned(),
                ),
            ]
        };
        assert_eq!(
            find_cycle(&module_uses(&files("run_id::RunId", "keys"))),
            Some(vec!["keys".to_owned(), "run_id".to_owned()])
        );
        // A grouped import counts.
        let grouped = vec![
            (
                "keys".to_owned(),
                "//! k\nuse crate::{run_id::RunId, page};\n".to_owned(),
            ),
            (
                "run_id".to_owned(),
                "//! r\nuse crate::{\n    error::E,\n    keys::{a, b},\n};\n".to_owned(),
            ),
            ("page".to_owned(), "//! p\n".to_owned()),
            ("error".to_owned(), "//! e\n".to_owned()),
        ];
        assert_eq!(
            find_cycle(&module_uses(&grouped)),
            Some(vec!["keys".to_owned(), "run_id".to_owned()])
        );
        // Named only in a comment or a test: no cycle.
        let commented = vec![
            ("keys".to_owned(), "//! see crate::run_id\n".to_owned()),
            (
                "run_id".to_owned(),
                "use crate::keys;\n#[cfg(test)]\nuse crate::run_id;".to_owned(),
            ),
        ];
        assert_eq!(find_cycle(&module_uses(&commented)), None);
    }

    /// The features cargo resolves for `packages` built together (as `cargo xtask package` and
    /// SAM build them: release, no dev-dependencies unless `dev`), one `name feature "f"` line
    /// each.
    fn resolved_features(packages: &[&str], dev: bool) -> String {
        let mut tree = std::process::Command::new(env!("CARGO"));
        tree.current_dir(root()).args([
            "tree",
            "--offline",
            "--prefix",
            "none",
            "--edges",
            if dev {
                "normal,build,dev,features"
            } else {
                "normal,build,features"
            },
        ]);
        for package in packages {
            tree.args(["--package", package]);
        }
        let out = tree.output().expect("cargo tree runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Review N15: the dev identity (the `x-dev-producer-id` header) is compiled only into local
    /// builds. The functions as `cargo xtask package` builds them resolve `http-edge` without
    /// `dev-identity`; the template asks SAM for no feature; and the probe does see the feature
    /// where it is on (the tests' build), so it cannot pass by reading nothing.
    #[test]
    fn the_lambda_release_builds_have_no_dev_identity() {
        const FEATURE: &str = r#"http-edge feature "dev-identity""#;
        let release = resolved_features(&crate::package::FUNCTIONS, false);
        assert!(
            release.contains("http-edge feature \"default\""),
            "{release}"
        );
        assert!(
            !release.contains(FEATURE),
            "a Lambda's release build has the dev identity"
        );
        for function in crate::package::FUNCTIONS {
            let alone = resolved_features(&[function], false);
            assert!(
                !alone.contains(FEATURE),
                "{function} alone has the dev identity"
            );
        }
        assert!(resolved_features(&["tests"], true).contains(FEATURE));

        let template =
            std::fs::read_to_string(root().join("infra/template.yaml")).expect("the template");
        assert!(
            !template.contains("dev-identity"),
            "the template must not build a function with the dev identity"
        );
    }

    /// The store's public surface speaks in domain values: no public signature outside its
    /// tools (the `tools` feature, which no Lambda builds) names an SDK type, so a function can
    /// only reach the table through the store's access patterns.
    #[test]
    fn the_store_names_no_sdk_type_in_a_public_signature() {
        let lib = std::fs::read_to_string(root().join("shared/store/src/lib.rs")).expect("lib.rs");
        let lines: Vec<&str> = lib.lines().collect();
        let tools_only: Vec<String> = lines
            .windows(2)
            .filter(|w| w[0].trim().starts_with("#[cfg(feature = "))
            .filter_map(|w| w[1].trim().strip_prefix("pub mod "))
            .map(|m| format!("shared/store/src/{}", m.trim_end_matches(';')))
            .collect();
        assert!(
            tools_only.iter().any(|m| m.ends_with("/tools")),
            "{tools_only:?}"
        );
        let gated = |shown: &str| {
            tools_only
                .iter()
                .any(|m| shown == format!("{m}.rs") || shown.starts_with(&format!("{m}/")))
        };
        let mut offences = Vec::new();
        for (path, text) in sources() {
            let shown = path.display().to_string();
            if !shown.starts_with("shared/store/src") || gated(&shown) {
                continue;
            }
            for found in public_sdk_signatures(&text) {
                offences.push(format!("{shown}:{found}"));
            }
        }
        assert!(
            offences.is_empty(),
            "public store signatures naming SDK types (make them pub(crate), or tools-only):\n{}",
            offences.join("\n")
        );
    }

    #[test]
    fn the_sdk_signature_check_catches_a_public_sdk_type() {
        let source = "pub fn put(item: Item) -> WriteRequest {\n}\n\
                      pub(crate) fn inner(item: Item) {}\n\
                      #[cfg(feature = \"tools\")]\npub fn tool(c: Client) {}\n\
                      pub fn rows(r: impl Iterator<Item = u8>) {}\n\
                      pub struct Page {\n    pub next: Option<Item>,\n    pub n: u32,\n}\n\
                      pub struct Cursor(Item);\npub struct Put(pub(crate) WriteRequest);\n\
                      pub struct Open(pub Item);\n";
        assert_eq!(
            public_sdk_signatures(source),
            vec![
                "1: WriteRequest".to_owned(),
                "8: Item".to_owned(),
                "13: Item".to_owned()
            ]
        );
    }

    /// No function crate (nor a tool) names an SDK type it could only have got through the
    /// store: the store's public surface is the only way to the table.
    #[test]
    fn no_function_names_an_sdk_type() {
        let mut offences = Vec::new();
        for (path, text) in sources() {
            let shown = path.display().to_string();
            if !(shown.starts_with("functions/") || shown.starts_with("xtask/src"))
                || shown == "xtask/src/tidy.rs"
            {
                continue;
            }
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                if line.contains("store::tools::raw") || line.contains("store::entity::Item") {
                    offences.push(format!("{shown}:{}", n + 1));
                }
                for name in ["WriteRequest", "AttributeValue", "TransactWriteItem"] {
                    if line.contains(name) {
                        offences.push(format!("{shown}:{}: {name}", n + 1));
                    }
                }
            }
        }
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }

    /// A create-if-absent or a must-exist check is built from the table's definition
    /// (`store::access::{if_absent, if_present}`), never spelled with the key attribute by hand:
    /// a renamed key attribute must not turn a create into an overwrite.
    #[test]
    fn no_condition_spells_the_key_attribute_by_hand() {
        let spelled: Vec<String> = sources()
            .into_iter()
            .filter(|(path, _)| path.starts_with("shared/store/src"))
            .flat_map(|(path, text)| {
                let code = text
                    .split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                code.lines()
                    .enumerate()
                    .filter(|(_, l)| {
                        l.contains("attribute_not_exists(pk)") || l.contains("attribute_exists(pk)")
                    })
                    .map(|(n, _)| format!("{}:{}", path.display(), n + 1))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(spelled.is_empty(), "{spelled:?}");
    }
}
