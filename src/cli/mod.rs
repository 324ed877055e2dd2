//! clap commands. Output shapes (human and JSON) live here, at the edge; the library
//! returns typed values.

mod batch;
mod check;
mod common;
mod diff;
mod doc;
mod fmt;
mod ledger;
pub mod output;
mod query;
mod render;
mod retention;
mod serve;
mod subject;
mod test;
mod transfer;
mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lawful::files::FileId;
use lawful::load::LoadOptions;

/// Exit codes shared by every command.
pub mod exit {
    /// Clean / allowed / all tests passed.
    pub const OK: u8 = 0;
    /// The policy has errors, a test failed, or a query named something unknown.
    pub const FAILED: u8 = 1;
    /// Usage or I/O error.
    pub const USAGE: u8 = 2;
    /// A query was denied.
    pub const DENIED: u8 = 3;
    /// `diff`: the new policy allows something the old one did not (review required).
    pub const WIDENED: u8 = 4;
    /// `diff`: the scan stopped at its budget and found nothing widened.
    pub const INCOMPLETE: u8 = 5;
    /// Standard output was a pipe whose reader went away (128 + SIGPIPE); nothing else is
    /// reported.
    pub const BROKEN_PIPE: u8 = 141;
}

#[derive(Debug, Parser)]
#[command(
    name = "lawful",
    version,
    about = "Privacy policy as code: check, test and query policies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Read `use` imports from outside the directory of the policy named on the command line
    /// (by default such an import is the error `lawful::load::import_outside`).
    #[arg(long, global = true)]
    allow_imports_outside: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check policy files: exit 0 when clean (warnings allowed), 1 on errors, 2 on usage/I/O.
    Check {
        /// Policy files or directories (searched recursively for `*.lawful`).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// How many cases the prover may decide per file; an assertion it cannot settle
        /// within them is an error, never a proof.
        #[arg(
            long = "case-budget",
            value_name = "CASES",
            default_value_t = lawful::verify::DEFAULT_BUDGET
        )]
        prover_budget: u64,
    },
    /// Run the `test` blocks of policies: prints each failure, ends with `N passed, M failed`,
    /// exits 0 only if every test passes.
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Rewrite policy files in the canonical layout. With `--check`, list the files that are
    /// not formatted and exit 1 instead; files that do not parse are reported and left alone.
    Fmt {
        /// Only report files that would change.
        #[arg(long)]
        check: bool,
        /// Policy files or directories (searched recursively for `*.lawful`).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Generate the privacy notice and the GDPR Art. 30 record of processing activities of a
    /// policy, as Markdown or as one self-contained HTML file.
    Doc {
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: doc::DocFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// May a purpose use a field of a subject (or a recipient receive it)? Exit 0 allowed,
    /// 3 denied, 1 on an error (unknown name, bad subject, policy with errors), 2 usage.
    Query(Box<query::QueryArgs>),
    /// May data collected in one region go to another, with which safeguard? Exit 0
    /// allowed, 3 denied, 1 error, 2 usage.
    Transfer(transfer::TransferArgs),
    /// Must data be kept, may it be kept, or must it be deleted, and until when? Exit 0
    /// must/may keep, 3 must delete, 1 error, 2 usage.
    Retention(retention::RetentionArgs),
    /// Answer JSON Lines queries, one JSON answer per line; a bad line becomes an error line.
    /// Exit 0 when every line was answered, 1 when any line had an error.
    Batch(batch::BatchArgs),
    /// Which decisions change between two versions of a policy, in privacy terms, widened
    /// first, each with an example. Exit 0 when nothing widened, 4 when something did, 1 when
    /// a policy has errors, 2 usage.
    Diff(diff::DiffArgs),
    /// The subject ledger: record consents, objections, opt-outs and rights requests, and
    /// read a subject back (show, proof, export, erase, stale). Exit 0 ok, 1 error, 2 usage.
    Ledger(ledger::LedgerArgs),
    /// Serve decisions over HTTP: JSON questions in the shapes of `query`, `transfer`,
    /// `retention` and `batch`, hot reload, a decision log, Prometheus metrics. Runs until
    /// SIGTERM or ctrl-c, then answers the requests in flight.
    Serve(Box<serve::ServeArgs>),
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` go to standard output, which must be open.
            if !e.use_stderr() {
                if let Err(closed) = output::Out::open() {
                    return ExitCode::from(output::failed(&closed));
                }
            }
            let printed = e.print();
            return ExitCode::from(match printed {
                _ if e.use_stderr() => exit::USAGE,
                // `--help` and `--version` go to standard output.
                Ok(()) => exit::OK,
                Err(e) => output::failed(&e),
            });
        }
    };
    let load = LoadOptions {
        allow_imports_outside: cli.allow_imports_outside,
    };
    let code = match cli.command {
        Command::Check {
            paths,
            format,
            prover_budget,
        } => check::run(&paths, format, prover_budget, &load),
        Command::Test { paths } => test::run(&paths, &load),
        Command::Fmt { check, paths } => fmt::run(&paths, check),
        Command::Doc {
            policy,
            format,
            out,
        } => doc::run(&policy, format, out.as_deref(), &load),
        Command::Query(args) => query::run(&args, &load),
        Command::Transfer(args) => transfer::run(&args, &load),
        Command::Retention(args) => retention::run(&args, &load),
        Command::Batch(args) => batch::run(&args, &load),
        Command::Diff(args) => diff::run(&args, &load),
        Command::Ledger(args) => ledger::run(&args, &load),
        Command::Serve(args) => serve::run(&args, &load),
    };
    ExitCode::from(code)
}

/// Every `*.lawful` file named or under a named directory, each file once (by identity,
/// whatever its path), sorted within each directory; an error names a path that does not
/// exist. A named path is taken as given (a file that is not a regular file is refused when
/// it is read); inside a directory, symlinked directories are not followed, so a symlink
/// loop cannot make the walk endless.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut walk = Walk::default();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => walk
                .dir(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?,
            Ok(_) => walk.file(path),
            Err(_) if path.symlink_metadata().is_ok() => walk.file(path),
            Err(_) => return Err(format!("`{}` does not exist", path.display())),
        }
    }
    Ok(walk.files)
}

#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    seen: HashSet<FileId>,
}

impl Walk {
    /// A file, unless the same file was listed already under another path.
    fn file(&mut self, path: &Path) {
        let seen = FileId::of_path(path).is_ok_and(|id| !self.seen.insert(id));
        if !seen {
            self.files.push(path.to_path_buf());
        }
    }

    fn dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)?
            .map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
            .collect::<Result<_, _>>()?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (entry, ty) in entries {
            if ty.is_dir() {
                self.dir(&entry)?;
            } else if entry.extension().is_some_and(|e| e == "lawful") {
                // A symlink named `*.lawful` that leads to a directory is skipped too.
                if !(ty.is_symlink() && entry.is_dir()) {
                    self.file(&entry);
                }
            }
        }
        Ok(())
    }
}
