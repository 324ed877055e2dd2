//! `lawful check`.

use std::path::PathBuf;

use lawful::diagnostic::Diagnostic;
use lawful::load::LoadOptions;

use super::output::{self, errln};
use super::{exit, render, Format};

pub fn run(paths: &[PathBuf], format: Format, load: &LoadOptions) -> u8 {
    let files = match super::policy_files(paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut json = Vec::new();
    for file in &files {
        let (sources, diagnostics) = match lawful::compile_file_with(file, load) {
            Ok(compiled) => (compiled.policy.sources.clone(), compiled.warnings),
            Err(failed) => (failed.sources, failed.diagnostics),
        };
        let list: Vec<&Diagnostic> = diagnostics.items.iter().collect();
        errors += diagnostics.errors().count();
        warnings += diagnostics.warnings().count();
        match format {
            Format::Human => {
                for d in &list {
                    output::err(&render::human(d, &sources));
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
        Format::Human => errln!(
            "checked {} file(s): {errors} error(s), {warnings} warning(s)",
            files.len()
        ),
        Format::Json => {
            if let Err(e) = output::print(&format!("{}\n", serde_json::Value::Array(json))) {
                return output::failed(&e);
            }
        }
    }
    if errors > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}
