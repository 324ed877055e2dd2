//! `lawful fmt`: rewrite policy files in the canonical layout, or with `--check` list the
//! files that are not in it.

use std::path::{Path, PathBuf};

use lawful::diagnostic::Diagnostic;
use lawful::format::{format_source, FormatError};
use lawful::source::{Origin, SourceMap};

use super::output::{self, errln, Out};
use super::write::write_atomic;
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
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    // Opened only for `--check`, which lists files on standard output.
    let mut out = None;
    let (mut changed, mut failed, mut io_errors) = (0usize, 0usize, 0usize);
    for file in &files {
        match format_file(file, check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => {
                changed += 1;
                if check {
                    let listed = match &mut out {
                        Some(out) => Ok(out),
                        None => Out::open().map(|o| out.insert(o)),
                    }
                    .and_then(|out| out.line(&file.display().to_string()));
                    if let Err(e) = listed {
                        return output::failed(&e);
                    }
                }
            }
            Ok(Outcome::Failed) => failed += 1,
            Err(e) => {
                errln!("error: {e}");
                io_errors += 1;
            }
        }
    }
    if let Some(Err(e)) = out.map(Out::finish) {
        return output::failed(&e);
    }
    let verb = if check {
        "would reformat"
    } else {
        "reformatted"
    };
    let unwritten = if io_errors > 0 {
        format!(", {io_errors} not read or not written (left unchanged)")
    } else {
        String::new()
    };
    errln!(
        "{} file(s): {verb} {changed}, {failed} not formatted (errors){unwritten}",
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
    let limit = u64::try_from(lawful::syntax::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let (bytes, _) = lawful::files::read_regular(path, limit)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        errln!("{}: not valid UTF-8; left unchanged", path.display());
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
        // Atomic: after a failed write the file is as it was.
        write_atomic(path, formatted.as_bytes(), &[])
            .map_err(|e| format!("cannot write `{}`: {e}; left unchanged", path.display()))?;
    }
    Ok(Outcome::Changed)
}

fn report(path: &Path, text: &str, error: &FormatError) {
    let mut sources = SourceMap::new();
    let id = sources.add(Origin::File(path.to_path_buf()), text);
    let mut span = error.span();
    span.source = id;
    let diagnostic = Diagnostic::new(error, span, "here");
    output::err(&render::human(&diagnostic, &sources));
    errln!("{}: left unchanged", path.display());
}
