//! `lawful batch`: JSON Lines queries in, one JSON answer per line out. The engine is
//! [`lawful::batch::Batch`]; this is its command line: the flags, the input, exit codes.

use std::io::{BufReader, Read, Write};
use std::path::PathBuf;

use lawful::batch::Batch;

use super::common;
use super::exit;

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The JSON Lines queries; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// The current time, for checking timestamps and for retention (default: now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

pub fn run(args: &BatchArgs) -> u8 {
    let policy = match common::load_policy(&args.policy) {
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
        match std::fs::File::open(&args.input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", args.input.display());
                return exit::USAGE;
            }
        }
    };
    let mut out = std::io::stdout().lock();
    let mut batch = Batch::new(&policy, now);
    let result = batch.run(BufReader::with_capacity(1 << 16, input), &mut out);
    let stats = match result.and_then(|stats| out.flush().map(|()| stats)) {
        Ok(stats) => stats,
        Err(e) => {
            // A closed pipe (`| head`) is not worth a message.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: {e}");
            }
            return exit::USAGE;
        }
    };
    if stats.errors > 0 {
        eprintln!("{} of {} queries had errors", stats.errors, stats.queries);
        exit::FAILED
    } else {
        exit::OK
    }
}
