//! `lawful diff OLD NEW`: which decisions change between two versions of a policy, in
//! privacy terms, widened first. Exit 0 when nothing widened, 4 when something did (so CI can
//! require a review), 1 when a policy has errors, 2 on usage or I/O errors.

use std::path::{Path, PathBuf};

use lawful::load::LoadOptions;
use lawful::Policy;

use super::output::{self, errln};
use super::{exit, render, Format};

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The policy as it was.
    pub old: PathBuf,
    /// The policy as it is now.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &DiffArgs, load_options: &LoadOptions) -> u8 {
    for path in [&args.old, &args.new] {
        if !path.is_file() {
            errln!("error: `{}` is not a policy file", path.display());
            return exit::USAGE;
        }
    }
    // Both are checked, so every error of either is reported in one run.
    let (old, new) = (load(&args.old, load_options), load(&args.new, load_options));
    let (Some(old), Some(new)) = (old, new) else {
        return exit::FAILED;
    };
    let diff = lawful::diff::diff(&old, &new);
    let (old_label, new_label) = (label(&args.old), label(&args.new));
    let text = match args.format {
        Format::Human => diff.render_human(&old_label, &new_label),
        Format::Json => match serde_json::to_string_pretty(&diff.to_json(&old_label, &new_label)) {
            Ok(text) => text + "\n",
            Err(e) => {
                errln!("error: cannot serialise the diff: {e}");
                return exit::FAILED;
            }
        },
    };
    if let Err(e) = output::print(&text) {
        return output::failed(&e);
    }
    if diff.widened() > 0 {
        exit::WIDENED
    } else {
        exit::OK
    }
}

/// Compile a policy; its errors are rendered to standard error.
fn load(path: &Path, options: &LoadOptions) -> Option<Policy> {
    match lawful::compile_file_with(
        path,
        lawful::CompileOptions {
            load: options.clone(),
            ..lawful::CompileOptions::deciding()
        },
    ) {
        Ok(compiled) => Some(compiled.policy),
        Err(failed) => {
            for d in failed.diagnostics.errors() {
                output::err(&render::human(d, &failed.sources));
            }
            errln!(
                "error[lawful::policy_errors]: `{}` has {} error(s); nothing was compared",
                path.display(),
                failed.diagnostics.errors().count()
            );
            None
        }
    }
}

fn label(path: &Path) -> String {
    path.display().to_string()
}
