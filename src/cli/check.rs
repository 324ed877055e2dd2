//! `lawful check`.

use std::path::PathBuf;

use lawful::diagnostic::Diagnostic;
use lawful::load::LoadOptions;

use super::output::{self, errln};
use super::{exit, render, Format};

pub fn run(paths: &[PathBuf], format: Format, prover_budget: u64, load: &LoadOptions) -> u8 {
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
    let (mut proven, mut vacuous, mut cases) = (0usize, 0usize, 0u64);
    for file in &files {
        let options = lawful::CompileOptions {
            prover_budget,
            load: load.clone(),
            ..lawful::CompileOptions::default()
        };
        let (sources, diagnostics) = match lawful::compile_file_with(file, options) {
            Ok(compiled) => {
                proven += compiled.proofs.len();
                vacuous += compiled.proofs.iter().filter(|p| p.vacuous()).count();
                cases += compiled.proofs.iter().map(|p| p.cases).sum::<u64>();
                (compiled.policy.sources().clone(), compiled.warnings)
            }
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
        Format::Human => {
            errln!(
                "checked {} file(s): {errors} error(s), {warnings} warning(s)",
                files.len()
            );
            if proven > 0 {
                // Say what a proof rests on: the cases the evaluator decided, and the
                // assertions the closed world alone makes true (nothing they cover is
                // declared, so no case could be asked).
                errln!(
                    "proved {proven} assertion(s) of the policies that compiled, deciding \
                     {cases} case(s); {vacuous} of them hold by the closed world alone"
                );
            }
        }
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
