//! The diagnostics corpus, shared by `tests/diagnostics.rs` (golden files) and
//! `tests/cli_check.rs` (exit codes and JSON).
//!
//! A case is `tests/diagnostics/NAME.lawful`, or a folder `tests/diagnostics/NAME/` whose
//! root is `main.lawful` (for cases that need several files). The root's leading comments
//! name every code the case produces, one per line: `// expect: lawful::check::unknown_purpose`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The corpus, relative to the package root (cargo runs integration tests from there), so
/// file names in outputs do not depend on the checkout's location.
pub const DIR: &str = "tests/diagnostics";
/// The root file of a case folder.
pub const FOLDER_ROOT: &str = "main.lawful";

pub struct Case {
    pub name: String,
    pub root: PathBuf,
}

impl Case {
    /// The codes the case's header promises.
    pub fn expected_codes(&self) -> BTreeSet<String> {
        expected_codes(&self.root)
    }
}

/// Every case, by name.
pub fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("cannot read `{DIR}` (run from the package root): {e}"))
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_owned();
            if path.is_dir() {
                Some(Case {
                    name,
                    root: path.join(FOLDER_ROOT),
                })
            } else if path.extension().is_some_and(|e| e == "lawful") {
                Some(Case { name, root: path })
            } else {
                None
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn expected_codes(root: &Path) -> BTreeSet<String> {
    let bytes =
        std::fs::read(root).unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()));
    String::from_utf8_lossy(&bytes)
        .lines()
        .take_while(|line| line.starts_with("//"))
        .filter_map(|line| line.strip_prefix("// expect:"))
        .map(|code| code.trim().to_owned())
        .collect()
}
