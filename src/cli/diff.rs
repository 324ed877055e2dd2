//! `lawful diff OLD NEW`: which decisions change between two versions of a policy, in
//! privacy terms, widened first. Exit 0 when nothing widened, 4 when something did (so CI can
//! require a review), 5 when the scan stopped at its budget and found nothing widened (so
//! "nothing widened" is not established), 1 when a policy has errors, 2 on usage or I/O
//! errors.

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
    /// How many decisions the comparison may make; a scan that reaches it is reported
    /// incomplete (exit 5 unless something widened).
    #[arg(long, value_name = "CASES", default_value_t = lawful::diff::DEFAULT_BUDGET)]
    pub case_budget: u64,
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
    let diff = lawful::diff::diff_within(&old, &new, args.case_budget);
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
    } else if !diff.complete {
        errln!("error: the diff is incomplete: nothing widened was found, but not every case was compared");
        exit::INCOMPLETE
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
