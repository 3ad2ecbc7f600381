//! Tidy: the project's rules that a look at the source can check, as tests.
//!
//! In the manner of rust-analyzer's `xtask/src/tidy.rs`: plain `#[test]`s over the workspace's
//! files, run by `cargo xtask test` with every other test, so a rule that `ARCHITECTURE.md` states
//! fails the build the moment code breaks it, instead of waiting for a reviewer to notice.
//!
//! - Keys are spelled in `shared/table/src/keys.rs` only: no other source file has a string
//!   literal holding one of its key prefixes or sort keys (read from that file, so a new prefix is
//!   covered the day it is added).
//! - Only the storage crates (`table` and `store`; and `tests/`, where a test needs raw access)
//!   use the DynamoDB SDK, and the store's public signatures name none of its types.
//! - Every source file starts with a `//!` doc saying what it is for.
//! - The core crate (`shared/contribution`) is pure: no runtime, SDK or I/O dependency, and no
//!   clock, file or network call in its code.
//! - No crate's modules name each other in a cycle (the crate root aside, which declares them
//!   all; a folder's modules by their paths): a module can be read, and changed, after the ones
//!   it uses.
//! - No crate holds more than [`MAX_CRATE_SHARE`] of the product's non-test lines.
//! - A function reads the date once, in its `main`, and hands it to its handler: no other
//!   source of a function crate calls `Utc::now()` (tests pass their own instants).
//!
//! Two more files hold the rest: `tidy_graph.rs` (the import graph points down: crate floors,
//! no tool in a Lambda, test modules as leaves) and `tidy_map.rs` (ARCHITECTURE.md and the
//! READMEs against the tree).
//!
//! `docs/bad-inputs.md` is checked against the cases themselves by
//! `tests/src/bad_inputs.rs::the_documented_table_is_the_tested_one`, which can read them.

use std::path::{Path, PathBuf};

/// The key module: the one file allowed to spell keys.
const KEY_MODULE: &str = "shared/table/src/keys.rs";

/// The most of the product's non-test lines one crate may hold, in percent (the product: the
/// crates under `functions/` and `shared/`, less the tool crates `tidy_graph::TOOL_CRATES` names).
/// A crate past it does more than one job: split it by layer or by owner, as the store was.
pub const MAX_CRATE_SHARE: usize = 30;

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

/// The modules of the crate whose `src` folder holds `files` (module path, text: `catalog` for
/// `catalog/mod.rs`, `catalog::tracks` for `catalog/tracks.rs`), each with the other modules its
/// code (not its comments or tests) names through `crate::` or `super::`, grouped imports
/// (`crate::{a::X, b::{c, d}}`) included, each resolved to the longest module path it starts
/// with; the crate root aside.
fn module_uses(files: &[(String, String)]) -> std::collections::BTreeMap<String, Vec<String>> {
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
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
            let parent: Vec<&str> = {
                let mut parts: Vec<&str> = name.split("::").collect();
                // `super` of a folder's `mod.rs` is the folder's parent, of a file its folder.
                let is_folder = files
                    .iter()
                    .any(|(n, _)| n.starts_with(&format!("{name}::")));
                if !is_folder || parts.len() > 1 {
                    parts.pop();
                }
                parts
            };
            let mut uses = Vec::new();
            for (root, at) in code
                .match_indices("crate::")
                .map(|(at, _)| (Vec::new(), at + 7))
                .chain(
                    code.match_indices("super::")
                        .filter(|(at, _)| !code[..*at].ends_with("::"))
                        .map(|(at, _)| (parent.clone(), at + 7)),
                )
            {
                for path in paths_from(&code[at..]) {
                    let full: Vec<&str> = root
                        .iter()
                        .copied()
                        .chain(path.iter().map(String::as_str))
                        .collect();
                    let found = (1..=full.len())
                        .rev()
                        .map(|n| full[..n].join("::"))
                        .find(|candidate| names.contains(&candidate.as_str()));
                    if let Some(module) = found {
                        uses.push(module);
                    }
                }
            }
            uses.retain(|m| m != name && m != "lib");
            uses.sort();
            uses.dedup();
            (name.clone(), uses)
        })
        .collect()
}

/// The paths a `use` tree starting at `rest` names, each as its segments (`a::{b::C, d}` is
/// `[a, b, C]` and `[a, d]`).
fn paths_from(rest: &str) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    let mut text = rest;
    loop {
        let segment: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if segment.is_empty() {
            break;
        }
        prefix.push(segment.clone());
        text = &text[segment.len()..];
        match text.strip_prefix("::") {
            Some(after) => text = after,
            None => return vec![prefix],
        }
    }
    let Some(group) = text.strip_prefix('{') else {
        return vec![prefix];
    };
    // The group's top-level items, each a tree of its own.
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
        .into_iter()
        .flat_map(|item| paths_from(item.trim_start()))
        .map(|tail| prefix.iter().cloned().chain(tail).collect())
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

/// Every module of the crate whose `src` folder is `dir`, folders included, as (module path,
/// text): `catalog` for `catalog/mod.rs`, `catalog::tracks` for `catalog/tracks.rs`.
pub fn modules_under(dir: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, prefix: &str, found: &mut Vec<(String, String)>) {
        for path in std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
        {
            let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let name = if prefix.is_empty() {
                stem.clone()
            } else {
                format!("{prefix}::{stem}")
            };
            if path.is_dir() {
                walk(&path, &name, found);
            } else if path.extension().is_some_and(|x| x == "rs")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let module = if stem == "mod" {
                    prefix.to_owned()
                } else {
                    name
                };
                found.push((module, text));
            }
        }
    }
    let mut modules = Vec::new();
    walk(dir, "", &mut modules);
    modules.sort();
    modules
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

/// The table layer's modules and items a store source re-exports (`pub use table::…`): a module
/// path under `shared/table/src` (`items/catalog`) and the item named in it, `None` for a whole
/// module. Grouped re-exports name each item.
fn table_reexports(text: &str) -> Vec<(String, Option<String>)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for statement in code.split(';') {
        let statement: String = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let Some(path) = statement.trim().strip_prefix("pub use table::") else {
            continue;
        };
        let path: String = path.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((module, _alias)) = path.split_once(" as ") {
            found.push((module.replace("::", "/"), None));
        } else if let Some((module, group)) = path.split_once("::{") {
            for item in group.trim_end_matches('}').split(',') {
                let item = item.trim();
                if !item.is_empty() {
                    found.push((module.replace("::", "/"), Some(item.to_owned())));
                }
            }
        } else if let Some((module, item)) = path.rsplit_once("::") {
            found.push((module.replace("::", "/"), Some(item.to_owned())));
        }
    }
    found
}

/// The part of `text` that makes item `name` public: its definition and its `impl` blocks, with
/// the lines they had (the rest blanked, so line numbers still point into the file).
fn item_surface(text: &str, name: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let opens = |line: &str| {
        let line = line.trim_start();
        [
            "pub struct ",
            "pub enum ",
            "pub type ",
            "pub const ",
            "pub fn ",
            "pub trait ",
        ]
        .iter()
        .any(|kind| {
            line.strip_prefix(kind).is_some_and(|rest| {
                rest.starts_with(name)
                    && !rest[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        }) || line.starts_with(&format!("impl {name} "))
            || line.starts_with(&format!("impl {name}<"))
            || (line.starts_with("impl ") && line.contains(&format!(" for {name} ")))
    };
    let mut kept = Vec::new();
    let mut depth: i32 = 0;
    let mut inside = false;
    for line in code.lines() {
        if !inside && depth == 0 && opens(line) {
            inside = true;
        }
        kept.push(if inside { line } else { "" });
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if inside && depth <= 0 && (line.contains('}') || line.trim_end().ends_with(';')) {
            inside = false;
            depth = 0;
        }
    }
    kept.join("\n")
}

/// The lines of `text` outside its inline test modules (`#[cfg(test)]` followed by `mod name {`,
/// to the brace that closes it).
fn non_test_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let (mut count, mut i) = (0, 0);
    while i < lines.len() {
        let opens_tests = lines[i].trim() == "#[cfg(test)]"
            && lines.get(i + 1).is_some_and(|next| {
                let next = next.trim_start();
                next.starts_with("mod ") && next.trim_end().ends_with('{')
            });
        if !opens_tests {
            count += 1;
            i += 1;
            continue;
        }
        let mut depth = 0i64;
        i += 1;
        while i < lines.len() {
            depth += lines[i].matches('{').count() as i64 - lines[i].matches('}').count() as i64;
            i += 1;
            if depth <= 0 {
                break;
            }
        }
    }
    count
}

/// A crate's non-test lines: every `.rs` file under `src`, less inline test modules and the
/// files of test modules declared `#[cfg(test)] mod name;` (with their folders).
fn crate_non_test_lines(src: &Path) -> usize {
    let files = modules_under(src);
    // Test-only modules, by module path: `mod name;` under `#[cfg(test)]`, where declared.
    let mut test_only: Vec<String> = Vec::new();
    for (module, text) in &files {
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            if pair[0].trim() == "#[cfg(test)]"
                && let Some(name) = pair[1]
                    .trim()
                    .strip_prefix("mod ")
                    .and_then(|m| m.strip_suffix(';'))
            {
                let parent = if module == "lib" || module == "main" {
                    String::new()
                } else {
                    format!("{module}::")
                };
                test_only.push(format!("{parent}{name}"));
            }
        }
    }
    files
        .iter()
        .filter(|(module, _)| {
            !test_only
                .iter()
                .any(|t| module == t || module.starts_with(&format!("{t}::")))
        })
        .map(|(_, text)| non_test_lines(text))
        .sum()
}

/// The crates of `sizes` (name, non-test lines) holding more than [`MAX_CRATE_SHARE`] percent
/// of their sum, each with its share.
fn oversized_crates(sizes: &[(String, usize)]) -> Vec<String> {
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    sizes
        .iter()
        .filter(|(_, n)| n * 100 > total * MAX_CRATE_SHARE)
        .map(|(name, n)| {
            format!(
                "{name}: {n} of {total} lines ({:.1}%)",
                *n as f64 * 100.0 / total as f64
            )
        })
        .collect()
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

    /// `name` as a whole word of `text` (so `aws_sdk_dynamodb` is not `aws_sdk_dynamodbstreams`).
    fn names_word(text: &str, name: &str) -> bool {
        text.match_indices(name).any(|(at, _)| {
            !text[at + name.len()..]
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    }

    #[test]
    fn only_the_storage_crates_and_tests_use_the_dynamodb_sdk() {
        let allowed = |path: &Path| {
            ["shared/table", "shared/store", "tests"]
                .iter()
                .any(|dir| path.starts_with(dir))
        };
        let mut offences = Vec::new();
        for (path, text) in sources() {
            if allowed(&path) || path == Path::new("xtask/src/tidy.rs") {
                continue;
            }
            for (n, line) in text.lines().enumerate() {
                if names_word(line, "aws_sdk_dynamodb") {
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
                && names_word(&text, "aws-sdk-dynamodb")
            {
                offences.push(relative.display().to_string());
            }
        }
        assert!(
            offences.is_empty(),
            "only shared/table and shared/store (and tests/) talk to DynamoDB:\n{}",
            offences.join("\n")
        );
        // The word check tells the table's SDK from the streams one.
        assert!(names_word(
            "use aws_sdk_dynamodb::Client;",
            "aws_sdk_dynamodb"
        ));
        assert!(!names_word(
            "use aws_sdk_dynamodbstreams::Client;",
            "aws_sdk_dynamodb"
        ));
        assert!(!names_word(
            "aws-sdk-dynamodbstreams = 1",
            "aws-sdk-dynamodb"
        ));
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
        modules_under(&root().join("shared/store/src"))
    }

    /// The store's folders are read as modules: the writer uses the sink, the tools the owners.
    #[test]
    fn the_store_modules_use_each_other_without_a_cycle() {
        let uses = module_uses(&store_modules());
        assert!(
            uses["runs::writer"].contains(&"runs::sink".to_owned())
                && uses.contains_key("catalog")
                && uses.contains_key("tools::consistency"),
            "{uses:#?}"
        );
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
            let uses = module_uses(&modules_under(&src));
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
        // Folders: a nested group and a `super::` path count, each resolved to its module.
        let folders = vec![
            (
                "runs".to_owned(),
                "//! r\npub mod sink;\npub mod writer;\n".to_owned(),
            ),
            (
                "runs::sink".to_owned(),
                "//! s\nuse super::writer::Guard;\n".to_owned(),
            ),
            (
                "runs::writer".to_owned(),
                "//! w\nuse crate::{runs::{sink::Sink, other}, page};\n".to_owned(),
            ),
            ("page".to_owned(), "//! p\n".to_owned()),
        ];
        let uses = module_uses(&folders);
        // `runs::other` is an item of `runs`, so the folder's own module is named.
        assert_eq!(
            uses["runs::writer"],
            vec![
                "page".to_owned(),
                "runs".to_owned(),
                "runs::sink".to_owned()
            ]
        );
        assert_eq!(
            find_cycle(&uses),
            Some(vec!["runs::sink".to_owned(), "runs::writer".to_owned()])
        );
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
        let mut reexports = Vec::new();
        for (path, text) in sources() {
            let shown = path.display().to_string();
            if !shown.starts_with("shared/store/src") || gated(&shown) {
                continue;
            }
            for found in public_sdk_signatures(&text) {
                offences.push(format!("{shown}:{found}"));
            }
            reexports.extend(table_reexports(&text));
        }
        // What the store passes on from the table layer is its public surface too.
        assert!(
            reexports.iter().any(|(_, item)| item.is_none()),
            "{reexports:?}"
        );
        for (module, item) in &reexports {
            let file = root().join("shared/table/src").join(format!("{module}.rs"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let surface = match item {
                Some(name) => item_surface(&text, name),
                None => text,
            };
            for found in public_sdk_signatures(&surface) {
                offences.push(format!("table::{module} (re-exported {item:?}): {found}"));
            }
        }
        assert!(
            offences.is_empty(),
            "public store signatures naming SDK types (make them pub(crate), or tools-only):\n{}",
            offences.join("\n")
        );
        // The re-export check bites: a table module whose public item takes an SDK type.
        let surface = item_surface(
            "pub struct Stats;\nimpl Stats {\n    pub fn add(&self, c: ConsumedCapacity) {}\n}\n\
             pub fn other(i: Item) {}\n",
            "Stats",
        );
        assert_eq!(
            public_sdk_signatures(&surface),
            vec!["3: ConsumedCapacity".to_owned()]
        );
        assert_eq!(
            table_reexports(
                "pub use table::items::catalog as items;\npub use table::page::Page;\n"
            ),
            vec![
                ("items/catalog".to_owned(), None),
                ("page".to_owned(), Some("Page".to_owned()))
            ]
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
                if line.contains("store::tools::raw") || line.contains("table::entity::Item") {
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
    /// (`table::access::{if_absent, if_present}`), never spelled with the key attribute by hand:
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

    /// No crate is a god crate: each holds at most `MAX_CRATE_SHARE` percent of the product.
    #[test]
    fn no_crate_holds_more_than_its_share_of_the_product() {
        let mut sizes = Vec::new();
        for dir in ["shared", "functions"] {
            for entry in std::fs::read_dir(root().join(dir))
                .expect("the crates")
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                let src = entry.path().join("src");
                if !src.is_dir() || crate::tidy_graph::TOOL_CRATES.contains(&name.as_str()) {
                    continue;
                }
                sizes.push((format!("{dir}/{name}"), crate_non_test_lines(&src)));
            }
        }
        let store = sizes
            .iter()
            .find(|(n, _)| n == "shared/store")
            .map(|(_, n)| *n);
        assert!(store.is_some_and(|n| n > 1_000), "{sizes:?}");
        let oversized = oversized_crates(&sizes);
        assert!(
            oversized.is_empty(),
            "split these by layer or owner:\n{}",
            oversized.join("\n")
        );
    }

    #[test]
    fn the_share_check_catches_a_god_crate() {
        let text = "//! x\nfn a() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n    }\n}\nfn b() {}\n";
        assert_eq!(non_test_lines(text), 3);
        let sizes = |store: usize| {
            vec![
                ("shared/store".to_owned(), store),
                ("shared/table".to_owned(), 300),
                ("functions/sync".to_owned(), 300),
                ("shared/telemetry".to_owned(), 100),
            ]
        };
        // 300 of 1,000 is the limit, not past it; 301 of 1,001 is.
        assert!(oversized_crates(&sizes(300)).is_empty());
        assert_eq!(oversized_crates(&sizes(301)).len(), 1);
        assert!(oversized_crates(&sizes(301))[0].starts_with("shared/store: 301 of 1001"));
    }

    /// The `Utc::now()` calls of `text` outside its tests, by line.
    fn clock_reads(text: &str) -> Vec<usize> {
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        code.lines()
            .enumerate()
            .filter(|(_, line)| {
                line.split("//")
                    .next()
                    .unwrap_or_default()
                    .contains("Utc::now()")
            })
            .map(|(n, _)| n + 1)
            .collect()
    }

    /// One clock: each handler is given `now` by its `main` and passes it down (the EMF
    /// timestamps, a series' range, a run's publication time), so a test can fix the date.
    #[test]
    fn a_function_reads_the_date_only_in_its_main() {
        let mut offences = Vec::new();
        let mut mains = 0;
        for (path, text) in sources() {
            let shown = path.display().to_string();
            if !shown.starts_with("functions/") {
                continue;
            }
            if shown.ends_with("/src/main.rs") {
                mains += usize::from(!clock_reads(&text).is_empty());
                continue;
            }
            for line in clock_reads(&text) {
                offences.push(format!("{shown}:{line}"));
            }
        }
        assert!(mains >= 4, "the mains read the date: {mains}");
        assert!(
            offences.is_empty(),
            "pass `now` in from main:\n{}",
            offences.join("\n")
        );
        assert_eq!(
            clock_reads("let a = 1;\nlet t = chrono::Utc::now(); // a comment: Utc::now()\n"),
            vec![2]
        );
        assert!(clock_reads("// Utc::now()\n#[cfg(test)]\nfn t() { Utc::now(); }").is_empty());
    }
}
