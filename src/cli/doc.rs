//! `lawful doc`: the privacy notice and the Art. 30 record of a policy, as Markdown or HTML.

use std::path::Path;

use clap::ValueEnum;
use lawful::docgen::{self, Format};
use lawful::files::FileId;
use lawful::load::LoadOptions;

use super::output::{self, errln};
use super::write::write_atomic;
use super::{common, exit, render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DocFormat {
    #[default]
    Markdown,
    Html,
}

pub fn run(policy: &Path, format: DocFormat, out: Option<&Path>, load: &LoadOptions) -> u8 {
    let compiled = match lawful::compile_file_with(
        policy,
        lawful::CompileOptions {
            load: load.clone(),
            ..lawful::CompileOptions::default()
        },
    ) {
        Ok(compiled) => compiled,
        Err(failed) => {
            for d in failed.diagnostics.errors() {
                output::err(&render::human(d, &failed.sources));
            }
            errln!(
                "{}: the policy has errors; no document generated",
                policy.display()
            );
            return exit::FAILED;
        }
    };
    let format = match format {
        DocFormat::Markdown => Format::Markdown,
        DocFormat::Html => Format::Html,
    };
    let text = docgen::render(&compiled.policy, format);
    match out {
        Some(path) => {
            // Every file the policy was read from is an input the document may not replace.
            let inputs: Vec<FileId> = compiled
                .policy
                .sources()
                .files()
                .filter_map(|(_, file)| file.identity.clone())
                .collect();
            if let Err(e) = write_atomic(path, text.as_bytes(), &inputs) {
                errln!("error: cannot write `{}`: {e}", path.display());
                return exit::USAGE;
            }
            exit::OK
        }
        None => common::answer(&text, exit::OK),
    }
}
