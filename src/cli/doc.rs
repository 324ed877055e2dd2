//! `lawful doc`: the privacy notice and Art. 30 record of a policy.

use std::path::Path;

use clap::ValueEnum;

use super::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DocFormat {
    #[default]
    Markdown,
    Html,
}

pub fn run(_policy: &Path, _format: DocFormat, _out: Option<&Path>) -> u8 {
    exit::USAGE
}
