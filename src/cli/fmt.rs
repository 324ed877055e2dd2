//! `lawful fmt`: rewrite policy files in the canonical layout, or with `--check` list the
//! files that are not in it.

use std::path::{Path, PathBuf};

use lawful::diagnostic::Diagnostic;
use lawful::format::{format_source, FormatError};
use lawful::source::{Origin, SourceMap};

use super::{exit, render};

/// What happened to one file.
enum Outcome {
    Unchanged,
    /// Not in the canonical layout (rewritten unless `--check`).
    Changed,
    /// Not formatted: it does not parse (reported).
    Failed,
}

pub fn run(paths: &[PathBuf], check: bool) -> u8 {
    let files = match super::policy_files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (mut changed, mut failed, mut io_errors) = (0usize, 0usize, 0usize);
    for file in &files {
        match format_file(file, check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => {
                changed += 1;
                if check {
                    println!("{}", file.display());
                }
            }
            Ok(Outcome::Failed) => failed += 1,
            Err(e) => {
                eprintln!("error: {e}");
                io_errors += 1;
            }
        }
    }
    let verb = if check {
        "would reformat"
    } else {
        "reformatted"
    };
    eprintln!(
        "{} file(s): {verb} {changed}, {failed} not formatted (errors)",
        files.len()
    );
    if io_errors > 0 {
        exit::USAGE
    } else if failed > 0 || (check && changed > 0) {
        exit::FAILED
    } else {
        exit::OK
    }
}

fn format_file(path: &Path, check: bool) -> Result<Outcome, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("{}: not valid UTF-8; left unchanged", path.display());
        return Ok(Outcome::Failed);
    };
    let formatted = match format_source(&text) {
        Ok(formatted) => formatted,
        Err(error) => {
            report(path, &text, &error);
            return Ok(Outcome::Failed);
        }
    };
    if formatted == text {
        return Ok(Outcome::Unchanged);
    }
    if !check {
        std::fs::write(path, formatted)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(Outcome::Changed)
}

fn report(path: &Path, text: &str, error: &FormatError) {
    let mut sources = SourceMap::new();
    let id = sources.add(Origin::File(path.to_path_buf()), text);
    let mut span = error.span();
    span.source = id;
    let diagnostic = Diagnostic::new(error, span, "here");
    eprint!("{}", render::human(&diagnostic, &sources));
    eprintln!("{}: left unchanged", path.display());
}
