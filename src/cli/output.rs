//! Standard output and standard error, with their failures handled.
//!
//! Every command writes its answer through [`Out`], which returns `io::Error` instead of
//! panicking as `print!` does. [`failed`] turns the error into the exit code: a reader that
//! went away (`lawful … | head`, EPIPE) ends the command quietly with 141, the status a
//! shell reports for a process killed by SIGPIPE; any other failure (`>/dev/full`, a
//! closed standard output) is a message on standard error and exit 2. Nothing is reported
//! as a success that was not delivered.

use std::io::{self, Write};

use super::exit;

/// Standard output, locked for one command.
pub struct Out {
    lock: io::StdoutLock<'static>,
}

impl Out {
    /// Standard output, or an error if it was closed when the program started.
    pub fn open() -> io::Result<Out> {
        if stdout_was_closed() {
            return Err(io::Error::other("standard output is closed"));
        }
        Ok(Out {
            lock: io::stdout().lock(),
        })
    }

    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.lock.write_all(text.as_bytes())
    }

    pub fn line(&mut self, text: &str) -> io::Result<()> {
        self.lock.write_all(text.as_bytes())?;
        self.lock.write_all(b"\n")
    }

    /// Flush; an answer is delivered only when this succeeds.
    pub fn finish(mut self) -> io::Result<()> {
        self.lock.flush()
    }

    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.lock
    }
}

/// Write `text` to standard output and flush.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = Out::open()?;
    out.text(text)?;
    out.finish()
}

/// The exit code for a failed write to standard output (see the module docs).
pub fn failed(error: &io::Error) -> u8 {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return exit::BROKEN_PIPE;
    }
    err(&format!(
        "error: cannot write to standard output: {error}\n"
    ));
    exit::USAGE
}

/// Write to standard error. A failure there has nowhere to be reported, so it is ignored
/// rather than turned into a panic as `eprint!` would.
pub fn err(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// `eprintln!` without the panic: see [`err`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::err(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use errln;

/// Was file descriptor 1 closed when the program started (`lawful … >&-`)? The Rust runtime
/// then opens `/dev/null` read-write in its place, so writes would succeed and deliver
/// nothing; a shell's `>/dev/null` opens it write-only. Linux only (it reads `/proc`);
/// elsewhere a closed standard output is not detected.
#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    let is_null = std::fs::read_link("/proc/self/fd/1")
        .is_ok_and(|target| target == std::path::Path::new("/dev/null"));
    if !is_null {
        return false;
    }
    std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            .is_some_and(|flags| flags & 0o3 == 0o2)
    })
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    false
}
