//! `lawful batch`: JSON Lines queries in, one JSON answer per line out. The engine is
//! [`lawful::batch::Batch`]; this is its command line: the flags, the input, exit codes.

use std::io::{BufReader, Read};
use std::path::PathBuf;

use lawful::batch::Batch;
use lawful::load::LoadOptions;

use super::common;
use super::exit;
use super::output::{self, errln, Out};

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The JSON Lines queries; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// The current time, for checking timestamps and for retention (default: now): an RFC
    /// 3339 instant with an offset (`2024-01-01T12:00:00Z`) or a date (midnight UTC).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// The subject ledger (a SQLite file or a `postgres://` URL): lines may name their
    /// subject by `"user": "ID"`, read from it as of `--now`.
    #[arg(long, value_name = "PATH|URL")]
    pub ledger: Option<String>,
}

/// Subjects named by `"user"`, folded from the ledger as of the batch's `now` (an unknown
/// user is a subject with no events).
#[derive(Debug)]
struct LedgerUsers(lawful::ledger::Ledger);

impl lawful::batch::Users for LedgerUsers {
    fn subject(
        &self,
        policy: &lawful::Policy,
        user: &str,
        now: jiff::Timestamp,
    ) -> Result<lawful::Subject, lawful::batch::UserError> {
        self.0
            .materialize(policy, user, Some(now))
            .map_err(|e| lawful::batch::UserError {
                message: e.to_string(),
                code: e.code(),
            })
    }
}

pub fn run(args: &BatchArgs, load: &LoadOptions) -> u8 {
    let policy = match common::load_policy(&args.policy, load) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let now = match common::now(args.now.as_deref()) {
        Ok(now) => now,
        Err(e) => return e.report(),
    };
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match open_input(&args.input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", args.input.display());
                return exit::USAGE;
            }
        }
    };
    let mut out = match Out::open() {
        Ok(out) => out,
        Err(e) => return output::failed(&e),
    };
    let users = match args.ledger.as_deref().map(lawful::ledger::Ledger::open) {
        None => None,
        Some(Ok(ledger)) => Some(LedgerUsers(ledger)),
        Some(Err(e)) => {
            errln!("error[{}]: cannot open the ledger: {e}", e.code());
            return exit::FAILED;
        }
    };
    let mut batch = Batch::new(&policy, now);
    if let Some(users) = &users {
        batch = batch.with_users(users);
    }
    let result = batch.run(BufReader::with_capacity(1 << 16, input), out.writer());
    let stats = match result.and_then(|stats| out.finish().map(|()| stats)) {
        Ok(stats) => stats,
        // A closed pipe (`| head`) ends quietly with 141; anything else is reported.
        Err(e) => return output::failed(&e),
    };
    if stats.errors > 0 {
        errln!("{} of {} queries had errors", stats.errors, stats.queries);
        exit::FAILED
    } else {
        exit::OK
    }
}

/// The queries file: a regular file or a FIFO, streamed (so it may be of any length and
/// still be written to). A directory or a device (`/dev/zero`) is refused before reading.
pub(super) fn open_input(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let streamable = |metadata: &std::fs::Metadata| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            metadata.is_file() || metadata.file_type().is_fifo()
        }
        #[cfg(not(unix))]
        metadata.is_file()
    };
    let refuse = |metadata: &std::fs::Metadata| {
        std::io::Error::other(format!(
            "it is {}, not a regular file or a FIFO",
            lawful::files::kind(metadata)
        ))
    };
    let metadata = std::fs::metadata(path)?;
    if !streamable(&metadata) {
        return Err(refuse(&metadata));
    }
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !streamable(&metadata) {
        return Err(refuse(&metadata));
    }
    Ok(file)
}
