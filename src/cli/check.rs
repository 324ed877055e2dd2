//! `lawful check`.

use std::path::PathBuf;

use lawful::diagnostic::Diagnostic;

use super::{exit, render, Format};

pub fn run(paths: &[PathBuf], format: Format) -> u8 {
    let files = match super::policy_files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut json = Vec::new();
    for file in &files {
        let (sources, diagnostics) = match lawful::compile_file(file) {
            Ok(compiled) => (compiled.policy.sources.clone(), compiled.warnings),
            Err(failed) => (failed.sources, failed.diagnostics),
        };
        let list: Vec<&Diagnostic> = diagnostics.items.iter().collect();
        errors += diagnostics.errors().count();
        warnings += diagnostics.warnings().count();
        match format {
            Format::Human => {
                for d in &list {
                    eprint!("{}", render::human(d, &sources));
                }
            }
            Format::Json => {
                if let serde_json::Value::Array(items) = render::json(&list, &sources) {
                    json.extend(items);
                }
            }
        }
    }
    match format {
        Format::Human => eprintln!(
            "checked {} file(s): {errors} error(s), {warnings} warning(s)",
            files.len()
        ),
        Format::Json => println!("{}", serde_json::Value::Array(json)),
    }
    if errors > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}
