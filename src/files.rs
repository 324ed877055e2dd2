//! Reading files safely: only regular files, never more than a limit, each known by its
//! identity (device and inode) rather than by the text of its path.
//!
//! **Invariant:** nothing here reads from a device, a FIFO or a directory, and no read
//! returns (or buffers) more than its limit plus one byte, even from a file that grows
//! while it is read.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Which file a path names, independent of the path's text: device and inode on Unix (the
/// canonical path elsewhere). Two paths that reach the same file — through `..`, a symlink
/// or a hard link — have the same identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(Inner);

#[cfg(unix)]
type Inner = (u64, u64);
#[cfg(not(unix))]
type Inner = PathBuf;

impl FileId {
    /// The identity of an open file (or of the file a path leads to) from its metadata.
    #[cfg(unix)]
    fn of(_path: &Path, metadata: &Metadata) -> io::Result<FileId> {
        use std::os::unix::fs::MetadataExt;
        Ok(FileId((metadata.dev(), metadata.ino())))
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _metadata: &Metadata) -> io::Result<FileId> {
        std::fs::canonicalize(path).map(FileId)
    }

    /// The identity of the file `path` leads to (symlinks followed).
    pub fn of_path(path: &Path) -> io::Result<FileId> {
        let metadata = std::fs::metadata(path)?;
        FileId::of(path, &metadata)
    }
}

/// Why a file was not read. None of these carries any of the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Nothing exists at the path.
    #[error("it does not exist")]
    NotFound,
    /// The path names a directory.
    #[error("it is a directory")]
    Directory,
    /// The path names a device, a FIFO, a socket … rather than a regular file.
    #[error("it is {kind}, not a regular file")]
    NotRegular {
        /// What it is, in words: `a FIFO`, `a socket` …
        kind: &'static str,
    },
    /// The file holds more bytes than the limit allows.
    #[error("it has more than {limit} bytes, the limit")]
    TooLarge {
        /// Its size in bytes: as the file system reports it, or as far as it was read.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file opened is not the one the path named when checked (it was replaced).
    #[error("it changed while it was opened")]
    Changed,
    /// Any other I/O error (the system's message).
    #[error("{0}")]
    Io(String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Io(e.to_string())
        }
    }
}

/// What kind of file the metadata describes, for messages: "a FIFO", "a character device".
pub fn kind(metadata: &Metadata) -> &'static str {
    let ty = metadata.file_type();
    if ty.is_file() {
        return "a regular file";
    }
    if ty.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Refuse anything but a regular file of at most `limit` bytes.
fn regular(metadata: &Metadata, limit: u64) -> Result<(), ReadError> {
    if metadata.is_dir() {
        return Err(ReadError::Directory);
    }
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            kind: kind(metadata),
        });
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

/// A file's contents and identity, read only if it is a regular file of at most `limit`
/// bytes. The path is looked at before it is opened (so a FIFO is never opened, which would
/// block) and the open file again after (so a file swapped in between is refused); at most
/// `limit + 1` bytes are read, so a file that grows cannot exceed the limit.
pub fn read_regular(path: &Path, limit: u64) -> Result<(Vec<u8>, FileId), ReadError> {
    let before = std::fs::metadata(path)?;
    regular(&before, limit)?;
    let file = File::open(path)?;
    let after = file.metadata()?;
    regular(&after, limit)?;
    let id = FileId::of(path, &after)?;
    if FileId::of(path, &before)? != id {
        return Err(ReadError::Changed);
    }
    let bytes = read_limited(file, limit)?;
    Ok((bytes, id))
}

/// At most `limit` bytes from any reader (a pipe, standard input); more is an error, found
/// after reading one byte past the limit, never by reading everything.
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    Ok(bytes)
}

/// The canonical form of `path` (absolute, symlinks resolved).
pub fn canonical(path: &Path) -> Result<PathBuf, ReadError> {
    Ok(std::fs::canonicalize(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_over_the_limit_is_refused_after_one_byte_more() {
        let zeros = io::repeat(0);
        assert_eq!(
            read_limited(zeros, 10),
            Err(ReadError::TooLarge {
                size: 11,
                limit: 10
            })
        );
        assert_eq!(read_limited(&b"abc"[..], 3), Ok(b"abc".to_vec()));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_not_read() {
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular {
                kind: "a character device"
            })
        ));
        assert_eq!(read_regular(Path::new("/"), 10), Err(ReadError::Directory));
        assert_eq!(
            read_regular(Path::new("/no/such/file.lawful"), 10),
            Err(ReadError::NotFound)
        );
    }
}
