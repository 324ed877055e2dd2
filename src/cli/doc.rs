//! `lawful doc`: the privacy notice and the Art. 30 record of a policy, as Markdown or HTML.

use std::path::Path;

use clap::ValueEnum;
use lawful::docgen::{self, Format};

use super::{exit, render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DocFormat {
    #[default]
    Markdown,
    Html,
}

pub fn run(policy: &Path, format: DocFormat, out: Option<&Path>) -> u8 {
    let compiled = match lawful::compile_file(policy) {
        Ok(compiled) => compiled,
        Err(failed) => {
            for d in failed.diagnostics.errors() {
                eprint!("{}", render::human(d, &failed.sources));
            }
            eprintln!(
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
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return exit::USAGE;
            }
        }
        None => print!("{text}"),
    }
    exit::OK
}
