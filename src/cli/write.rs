//! The one way the CLI writes a file: atomically.
//!
//! The bytes go to a new temporary file in the target's directory, which is flushed to disk
//! and then renamed over the target, keeping the target's permissions. After any failure —
//! a full disk, a file-size limit, a read-only directory — the temporary file is removed and
//! the target is exactly as it was. A target that is one of the command's input files
//! (compared by identity: device and inode, not by path text) is refused.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use lawful::files::FileId;

/// Why a file was not written; the target is unchanged.
#[derive(Debug)]
pub enum WriteError {
    /// The target is one of the inputs of the command.
    IsInput,
    /// The target exists and is not a regular file (a directory, a device).
    NotRegular(&'static str),
    Io(io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::IsInput => write!(f, "it is an input of this command"),
            WriteError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replace `target` with `bytes`, atomically; refuse when `target` is one of `inputs`.
/// A symlinked target is written through: the file it points to is replaced.
pub fn write_atomic(target: &Path, bytes: &[u8], inputs: &[FileId]) -> Result<(), WriteError> {
    let (path, permissions) = match fs::metadata(target) {
        Ok(metadata) => {
            if !metadata.is_file() {
                return Err(WriteError::NotRegular(lawful::files::kind(&metadata)));
            }
            if FileId::of_path(target).is_ok_and(|id| inputs.contains(&id)) {
                return Err(WriteError::IsInput);
            }
            (fs::canonicalize(target)?, Some(metadata.permissions()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => (target.to_path_buf(), None),
        Err(e) => return Err(e.into()),
    };
    let (temp, file) = create_temp(&path)?;
    let written = fill(file, bytes, permissions).and_then(|()| fs::rename(&temp, &path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e.into());
    }
    // Make the rename itself durable; a failure here leaves a complete file either way.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

fn fill(mut file: File, bytes: &[u8], permissions: Option<fs::Permissions>) -> io::Result<()> {
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// A new file beside `target`: `.NAME.PID-N.tmp`, created exclusively.
fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "lawful".into(), |n| n.to_string_lossy());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
}
