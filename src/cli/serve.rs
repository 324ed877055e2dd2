//! `lawful serve`: the flags; the server is [`lawful::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lawful::load::LoadOptions;
use lawful::serve::log::LogConfig;
use lawful::serve::version::Source;
use lawful::serve::{Config, StartError};

use super::exit;
use super::output::errln;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The policy file, or a directory holding `policy.lawful` (or a single `*.lawful`).
    pub policy: PathBuf,
    /// The address to listen on; port 0 picks a free port (printed on standard output).
    #[arg(long, default_value = "127.0.0.1:8181")]
    pub addr: SocketAddr,
    /// Serve a non-loopback address without `--token-file`.
    #[arg(long)]
    pub allow_remote: bool,
    /// Bearer tokens, one `read TOKEN` or `write TOKEN` a line; without it, no
    /// authentication.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Poll the policy files for changes every this many milliseconds (0: only SIGHUP
    /// reloads).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub watch_ms: u64,
    /// Append one JSON line per decision to this file (default: no decision log).
    #[arg(long, value_name = "PATH")]
    pub decision_log: Option<PathBuf>,
    /// The share of decisions logged, in (0, 1] (1: every decision).
    #[arg(long, value_name = "SHARE", default_value_t = 1.0)]
    pub log_sample: f64,
    /// Rotate the decision log before it passes this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub log_max_bytes: u64,
    /// How many rotated decision logs to keep (`PATH.1` … `PATH.N`).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub log_keep: u32,
    /// Write the inline subject's document into the decision log (default: its hash only).
    #[arg(long)]
    pub log_subject_data: bool,
    /// Decision log records waiting for the writer before new ones are dropped (and
    /// counted).
    #[arg(long, value_name = "N", default_value_t = 65_536)]
    pub log_queue: usize,
    /// The largest request body read, in bytes (`/v1/batch` streams: each line is bounded
    /// instead).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body: usize,
    /// How long a single question may take, body read included, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The subject ledger (a SQLite file, or a `postgres://` URL): questions may name a
    /// subject by `"user": "ID"`, and `/v1/subjects/{id}` records and reads its events.
    #[arg(long, value_name = "PATH|URL")]
    pub ledger: Option<String>,
    /// How many cases the prover may decide when a version is loaded; a version whose
    /// assertions it cannot settle is refused.
    #[arg(long = "case-budget", value_name = "CASES", default_value_t = lawful::verify::DEFAULT_BUDGET)]
    pub prover_budget: u64,
}

pub fn run(args: &ServeArgs, load: &LoadOptions) -> u8 {
    if !(args.log_sample > 0.0 && args.log_sample <= 1.0) {
        errln!(
            "error: `--log-sample {}`: the share is above 0 and at most 1",
            args.log_sample
        );
        return exit::USAGE;
    }
    if !args.policy.exists() {
        errln!("error: `{}` does not exist", args.policy.display());
        return exit::USAGE;
    }
    let config = Config {
        source: Source {
            path: args.policy.clone(),
            load: load.clone(),
            prover_budget: args.prover_budget,
        },
        addr: args.addr,
        allow_remote: args.allow_remote,
        watch: (args.watch_ms > 0).then(|| Duration::from_millis(args.watch_ms)),
        log: args.decision_log.as_ref().map(|path| LogConfig {
            path: path.clone(),
            max_bytes: args.log_max_bytes,
            keep: args.log_keep,
            sample: args.log_sample,
            subject_data: args.log_subject_data,
            capacity: args.log_queue,
        }),
        tokens: args.token_file.clone(),
        max_body: args.max_body,
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        threads: args.threads,
        ledger: args.ledger.clone(),
    };
    match lawful::serve::run(config) {
        Ok(()) => exit::OK,
        Err(StartError::Policy(why)) => {
            errln!("error[lawful::policy_errors]: nothing is served\n{why}");
            exit::FAILED
        }
        Err(StartError::Usage(why)) => {
            errln!("error: {why}");
            exit::USAGE
        }
        Err(StartError::Io(why)) => {
            errln!("error: {why}");
            exit::FAILED
        }
    }
}
