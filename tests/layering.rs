//! The stages' order is true in the imports: a module may use only stages below it
//! (`syntax` → `check` → `model` → `eval` → tools → `cli`), never one above — the
//! rust-analyzer habit of a tidy test instead of a hope. Adding a module means giving it
//! a rank here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

/// Each top-level module of `src/` and its rank; a module may import lower ranks only.
/// `model` and `subject` are one layer (the compiled policy and the subject it is asked
/// about name each other's ids).
const RANKS: &[(&str, u32)] = &[
    ("files", 0),
    ("source", 2),
    ("diagnostic", 4),
    ("syntax", 6),
    ("model", 6),
    ("subject", 6),
    ("load", 8),
    ("check", 10),
    ("eval", 12),
    ("analysis", 14),
    ("verify", 16),
    ("diff", 16),
    ("docgen", 16),
    ("testing", 16),
    ("batch", 16),
    ("format", 16),
    ("synth", 16),
    ("ledger", 16),
    ("proptest_support", 18),
    ("error", 20),
    ("cli", 20),
    ("serve", 20),
    ("lib", 22),
    ("main", 22),
];

/// The rank of items defined in `lib.rs` itself (between the tools and `error`).
const ROOT_ITEMS: u32 = 19;

fn rank(module: &str) -> Option<u32> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// The top-level module a file under `src/` belongs to.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap();
    let name = first.as_os_str().to_str().unwrap();
    name.strip_suffix(".rs").unwrap_or(name).to_owned()
}

/// Every `crate::NAME` a line of code (not a comment) names, up to the file's
/// `#[cfg(test)]` module (unit tests may compile whole policies).
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::proptest` is `proptest_support.rs` mounted under another name.
            let name = if name == "proptest" {
                "proptest_support".to_owned()
            } else {
                name
            };
            if !name.is_empty() {
                out.push((number + 1, name));
            }
            rest = after;
        }
    }
    out
}

/// Files that are test modules themselves (`#[cfg(test)] mod NAME;` in their parent).
fn test_only(file: &Path) -> bool {
    let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let Some(dir) = file.parent() else {
        return false;
    };
    let parent = dir.join("mod.rs");
    let Ok(text) = std::fs::read_to_string(parent) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.windows(2).any(|pair| {
        pair[0] == "#[cfg(test)]"
            && pair[1]
                .trim_start_matches("pub(crate) ")
                .strip_prefix("mod ")
                .is_some_and(|rest| rest.trim_end_matches(';') == stem)
    })
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_stage_imports_a_later_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let mut problems = Vec::new();
    for file in &all {
        let relative = file.strip_prefix(&src).unwrap();
        let module = module_of(relative);
        let Some(own) = rank(&module) else {
            problems.push(format!(
                "{}: module `{module}` has no rank",
                relative.display()
            ));
            continue;
        };
        if test_only(file) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in imports(&text) {
            if target == module {
                continue;
            }
            // Items of the crate root (`crate::Failed` …): the facade, below the error
            // type that gathers everything and the command line.
            let target_rank = rank(&target).unwrap_or(ROOT_ITEMS);
            let same_layer = own == target_rank
                && ["model", "subject"].contains(&module.as_str())
                && ["model", "subject"].contains(&target.as_str());
            if target_rank >= own && !same_layer {
                problems.push(format!(
                    "{}:{line}: `{module}` imports `crate::{target}`, a later stage",
                    relative.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_recognises_imports() {
    let found = imports(
        "use crate::eval::Reason; // crate::cli\nlet x = crate::model::X;\n#[cfg(test)]\nuse crate::cli;",
    );
    assert_eq!(found, [(1, "eval".to_owned()), (2, "model".to_owned())]);
}
