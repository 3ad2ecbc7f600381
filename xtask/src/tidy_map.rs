//! Tidy: a map that cannot drift. `ARCHITECTURE.md` and the READMEs are checked against the
//! tree, so a doc has to change with the code (rust-analyzer's `check_lsp_extensions_docs` is the
//! model):
//!
//! - every module under `functions/*/src` and `shared/*/src` is named in its crate's row of
//!   ARCHITECTURE.md's code map (the crate roots `lib.rs` and `main.rs` are the row itself);
//! - every test ARCHITECTURE.md's invariants name (`path/to/file.rs::test_name`) exists;
//! - the functions ARCHITECTURE.md, README.md, `functions/README.md` and `cargo xtask package`
//!   list, and how many they say there are, are the folders under `functions/`.

/// Number words as the docs write a count of functions.
const NUMBER_WORDS: [&str; 10] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// The section of `doc` under the heading `## {title}`, up to the next `## ` heading.
pub fn section<'d>(doc: &'d str, title: &str) -> &'d str {
    let heading = format!("## {title}\n");
    let Some(start) = doc.find(&heading) else {
        return "";
    };
    let rest = &doc[start + heading.len()..];
    rest.find("\n## ").map_or(rest, |end| &rest[..end])
}

/// The code map's rows: the path in the first cell (without backticks) and the row's text.
pub fn code_map(doc: &str) -> Vec<(String, String)> {
    section(doc, "Code map")
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').splitn(2, '|').collect();
            let path = cells.first()?.trim().strip_prefix('`')?.strip_suffix('`')?;
            Some((path.trim_end_matches('/').to_owned(), line.to_owned()))
        })
        .collect()
}

/// The code-map row a module is named in, and the name it must have there: a folder with a row
/// of its own (`shared/store/src/catalog`) names its files bare (`tracks.rs`; its `mod.rs` is
/// the row itself), and the crate's row names the rest by their path under `src/`. `None` for
/// a folder's `mod.rs`: its row is all it needs.
fn row_of<'m>(
    map: &'m [(String, String)],
    krate: &str,
    module: &str,
) -> Option<Option<(&'m str, String)>> {
    if let Some((folder, file)) = module.rsplit_once('/')
        && let Some((_, row)) = map
            .iter()
            .find(|(path, _)| *path == format!("{krate}/src/{folder}"))
    {
        return Some((file != "mod.rs").then(|| (row.as_str(), file.to_owned())));
    }
    map.iter()
        .find(|(path, _)| path == krate)
        .map(|(_, row)| Some((row.as_str(), module.to_owned())))
}

/// The modules `crates` hold (a crate's path, its module files relative to `src/`) that no
/// code-map row names as `` `file.rs` `` (or `` `file.rs::item` ``), and crates with no row.
pub fn unmapped_modules(map: &[(String, String)], crates: &[(String, Vec<String>)]) -> Vec<String> {
    let mut missing = Vec::new();
    for (krate, modules) in crates {
        if !map.iter().any(|(path, _)| path == krate) {
            missing.push(format!("{krate} has no row"));
            continue;
        }
        for module in modules {
            let named = row_of(map, krate, module).is_some_and(|named_in| {
                named_in.is_none_or(|(row, name)| {
                    row.contains(&format!("`{name}`")) || row.contains(&format!("`{name}::"))
                })
            });
            if !named {
                missing.push(format!("{krate}/src/{module}"));
            }
        }
    }
    missing
}

/// The files a crate's or a folder's code-map row names (`` `file.rs` `` or
/// `` `file.rs::item` ``) that are not there: the map says nothing the code no longer is.
pub fn stale_modules(map: &[(String, String)], crates: &[(String, Vec<String>)]) -> Vec<String> {
    let mut stale = Vec::new();
    for (krate, modules) in crates {
        for (path, row) in map {
            let folder = if path == krate {
                String::new()
            } else if let Some(folder) = path.strip_prefix(&format!("{krate}/src/")) {
                format!("{folder}/")
            } else {
                continue;
            };
            let cells = row.splitn(3, '|').nth(2).unwrap_or_default();
            for quoted in cells.split('`').skip(1).step_by(2) {
                let file = quoted.split("::").next().unwrap_or_default();
                // Only file names and paths under `src/` (a path with a crate names another's).
                let elsewhere = ["shared", "functions", "xtask", "tests", "infra", "docs"]
                    .iter()
                    .any(|top| file.starts_with(&format!("{top}/")));
                if !file.ends_with(".rs") || elsewhere || file.contains(' ') {
                    continue;
                }
                let wanted = format!("{folder}{file}");
                let known = (folder.is_empty() && (file == "lib.rs" || file == "main.rs"))
                    || modules.iter().any(|m| {
                        *m == wanted || (folder.is_empty() && m.ends_with(&format!("/{file}")))
                    });
                if !known {
                    stale.push(format!("{path}: {file}"));
                }
            }
        }
    }
    stale.sort();
    stale.dedup();
    stale
}

/// The tests `doc` names as `` `path/to/file.rs::name` ``, and the files it names as
/// `` `path/to/file.rs` `` (with no test: `None`).
pub fn named_tests(doc: &str) -> Vec<(String, Option<String>)> {
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| {
            let (path, rest) = match span.split_once(".rs::") {
                Some((path, name)) => (format!("{path}.rs"), Some(name)),
                None => (span.strip_suffix(".rs")?.to_owned() + ".rs", None),
            };
            if !path.contains('/') || path.contains(' ') {
                return None;
            }
            let name = rest.map(|n| {
                n.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            });
            Some((path, name))
        })
        .collect()
}

/// The named tests (and files) that do not exist, reading files through `read`.
pub fn missing_tests(
    named: &[(String, Option<String>)],
    read: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut missing = Vec::new();
    for (path, name) in named {
        match (read(path), name) {
            (None, _) => missing.push(format!("{path}: no such file")),
            (Some(text), Some(name)) if !text.contains(&format!("fn {name}(")) => {
                missing.push(format!("{path}::{name}: no such function"));
            }
            _ => {}
        }
    }
    missing
}

/// The functions a `functions/` line of a README lists: `functions/   the Lambda functions: a,
/// b, c`.
pub fn listed_after_colon(line: &str) -> Vec<String> {
    line.split_once(':')
        .map(|(_, list)| {
            list.split(',')
                .map(|f| f.trim().trim_matches('`').to_owned())
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The first cells of a markdown table's body rows (backticks removed).
pub fn first_cells(table: &str) -> Vec<String> {
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.trim_matches('|').split('|').next())
        .map(|c| c.trim().trim_matches('`').to_owned())
        .collect()
}

/// The counts `text` gives for the functions: a number word before "Rust", "AWS Lambda",
/// "Lambda", "arm64" or "functions".
pub fn stated_counts(text: &str) -> Vec<(String, usize)> {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .chain([""])
        .collect();
    words
        .windows(3)
        .filter_map(|w| {
            let number = NUMBER_WORDS
                .iter()
                .position(|n| w[0].eq_ignore_ascii_case(n))?;
            let counts_functions = ["Rust", "Lambda", "arm64", "functions"].contains(&w[1])
                || (w[1] == "AWS" && w[2] == "Lambda");
            counts_functions.then(|| (format!("{} {}", w[0], w[1]), number + 1))
        })
        .collect()
}

/// Where a list of the functions (named by where it is) differs from `functions`, or a count
/// in a doc does.
pub fn function_list_problems(
    functions: &[String],
    lists: &[(&str, Vec<String>)],
    counts: &[(&str, Vec<(String, usize)>)],
) -> Vec<String> {
    let mut sorted = functions.to_vec();
    sorted.sort();
    let mut problems = Vec::new();
    for (place, list) in lists {
        let mut listed = list.clone();
        listed.sort();
        if listed != sorted {
            problems.push(format!(
                "{place} lists {listed:?}, functions/ holds {sorted:?}"
            ));
        }
    }
    for (place, stated) in counts {
        for (words, count) in stated {
            if *count != functions.len() {
                problems.push(format!(
                    "{place} says \"{words}\"; functions/ holds {}",
                    functions.len()
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::project::root;

    fn read(path: &str) -> String {
        std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The `.rs` files under `dir`, relative to it, sorted.
    fn rust_files(dir: &Path, under: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, under, found);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let relative = path.strip_prefix(under).unwrap_or(&path);
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    /// Every crate under `functions/` and `shared/`, with its modules (crate roots aside).
    fn crates() -> Vec<(String, Vec<String>)> {
        let mut crates = Vec::new();
        for parent in ["functions", "shared"] {
            for entry in std::fs::read_dir(root().join(parent))
                .into_iter()
                .flatten()
                .flatten()
            {
                let src = entry.path().join("src");
                if !src.is_dir() {
                    continue;
                }
                let mut modules = Vec::new();
                rust_files(&src, &src, &mut modules);
                modules.retain(|m| m != "lib.rs" && m != "main.rs");
                modules.sort();
                let name = entry.file_name().to_string_lossy().into_owned();
                crates.push((format!("{parent}/{name}"), modules));
            }
        }
        crates.sort();
        crates
    }

    fn functions() -> Vec<String> {
        let mut names: Vec<String> = crates()
            .into_iter()
            .filter_map(|(path, _)| path.strip_prefix("functions/").map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_module_is_on_the_code_map() {
        let map = code_map(&read("ARCHITECTURE.md"));
        let crates = crates();
        assert!(
            crates
                .iter()
                .any(|(c, m)| c == "shared/store" && m.contains(&"catalog/tracks.rs".into()))
        );
        let missing = unmapped_modules(&map, &crates);
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md's code map does not name:\n{}",
            missing.join("\n")
        );
    }

    /// The other way: every file a row names is one its crate has.
    #[test]
    fn every_file_the_code_map_names_exists() {
        let map = code_map(&read("ARCHITECTURE.md"));
        let stale = stale_modules(&map, &crates());
        assert!(
            stale.is_empty(),
            "ARCHITECTURE.md's code map names files that are gone:\n{}",
            stale.join("\n")
        );
        // The check bites: a row naming a file its crate lacks.
        let forged = vec![
            (
                "shared/x".to_owned(),
                "| `shared/x` | `kept.rs` and `gone.rs::item`; `shared/y/src/path.rs`; `f/in.rs` |"
                    .to_owned(),
            ),
            (
                "shared/x/src/f".to_owned(),
                "| `shared/x/src/f` | `in.rs` and `lost.rs` |".to_owned(),
            ),
        ];
        let crates = vec![(
            "shared/x".to_owned(),
            vec!["kept.rs".to_owned(), "f/in.rs".to_owned()],
        )];
        assert_eq!(
            stale_modules(&forged, &crates),
            vec![
                "shared/x/src/f: lost.rs".to_owned(),
                "shared/x: gone.rs".to_owned()
            ]
        );
    }

    #[test]
    fn the_map_check_catches_an_unmapped_module_and_crate() {
        let doc = "# A\n\n## Code map\n\n| path | what |\n| --- | --- |\n\
                   | `shared/store` | `keys.rs` spells keys; `lib.rs::Store`. |\n\
                   | `shared/store/src/runs` | `sink.rs` packs. |\n\n## Next\n\
                   | `shared/late` | after the map |\n";
        let map = code_map(doc);
        assert_eq!(map.len(), 2);
        let crates = vec![
            (
                "shared/store".to_owned(),
                vec![
                    "keys.rs".to_owned(),
                    "key.rs".to_owned(),
                    "runs/mod.rs".to_owned(),
                    "runs/sink.rs".to_owned(),
                    "runs/writer.rs".to_owned(),
                ],
            ),
            ("shared/late".to_owned(), vec![]),
        ];
        assert_eq!(
            unmapped_modules(&map, &crates),
            vec![
                "shared/store/src/key.rs".to_owned(),
                "shared/store/src/runs/writer.rs".to_owned(),
                "shared/late has no row".to_owned()
            ]
        );
    }

    #[test]
    fn every_test_the_architecture_names_exists() {
        let doc = read("ARCHITECTURE.md");
        let named = named_tests(section(&doc, "Invariants"));
        assert!(named.len() > 30, "{named:?}");
        let missing = missing_tests(&named, |path| {
            std::fs::read_to_string(root().join(path)).ok()
        });
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md names tests that do not exist:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_test_check_catches_a_renamed_test_and_a_moved_file() {
        let doc = "*Test:* `tests/src/a.rs::kept`, `tests/src/a.rs::renamed`, `tests/src/gone.rs`, \
                   `table::keys` and `a.rs::shorthand` are not paths.";
        let named = named_tests(doc);
        assert_eq!(named.len(), 3, "{named:?}");
        let read = |path: &str| (path == "tests/src/a.rs").then(|| "fn kept() {}".to_owned());
        assert_eq!(
            missing_tests(&named, read),
            vec![
                "tests/src/a.rs::renamed: no such function".to_owned(),
                "tests/src/gone.rs: no such file".to_owned()
            ]
        );
    }

    #[test]
    fn the_docs_and_the_packager_list_every_function() {
        let functions = functions();
        assert!(functions.contains(&"credits".to_owned()), "{functions:?}");
        let architecture = read("ARCHITECTURE.md");
        let readme = read("README.md");
        let functions_readme = read("functions/README.md");
        let mapped: Vec<String> = code_map(&architecture)
            .into_iter()
            .filter_map(|(path, _)| path.strip_prefix("functions/").map(str::to_owned))
            .filter(|f| !f.is_empty())
            .collect();
        let layout = readme
            .lines()
            .find(|l| l.starts_with("functions/ "))
            .unwrap_or_default();
        let lists = [
            ("ARCHITECTURE.md's code map", mapped),
            ("README.md's layout", listed_after_colon(layout)),
            ("functions/README.md", first_cells(&functions_readme)),
            (
                "cargo xtask package",
                crate::package::FUNCTIONS.map(String::from).to_vec(),
            ),
        ];
        let counts = [
            ("ARCHITECTURE.md", stated_counts(&architecture)),
            ("README.md", stated_counts(&readme)),
            ("functions/README.md", stated_counts(&functions_readme)),
        ];
        assert!(
            !counts[0].1.is_empty() && !counts[1].1.is_empty(),
            "{counts:?}"
        );
        let problems = function_list_problems(&functions, &lists, &counts);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_list_check_catches_a_forgotten_function() {
        let functions = ["credits".to_owned(), "sync".to_owned()];
        let lists = [
            (
                "good",
                listed_after_colon("functions/   the Lambda functions: sync, credits"),
            ),
            ("short", first_cells("| `credits` | API |\n")),
        ];
        let counts = [(
            "doc",
            stated_counts("Two Rust AWS Lambda functions, one AWS account; the three arm64 zips."),
        )];
        assert_eq!(
            function_list_problems(&functions, &lists, &counts),
            vec![
                "short lists [\"credits\"], functions/ holds [\"credits\", \"sync\"]".to_owned(),
                "doc says \"three arm64\"; functions/ holds 2".to_owned()
            ]
        );
    }
}
