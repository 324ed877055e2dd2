//! One loaded version of the served policy: compiled, checked and proven, with the content
//! hash every answer carries, and the identities of the files it was read from (to notice
//! when they change).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::load::LoadOptions;
use crate::source::SourceMap;
use crate::{CompileOptions, Failed, Policy};

/// A compiled policy and what is known about where it came from.
#[derive(Debug)]
pub struct Version {
    /// The policy: every decision of this version asks it.
    pub policy: Policy,
    /// `sha256:` and the hex digest of every source text, in load order (see
    /// [`content_hash`]).
    pub hash: std::sync::Arc<str>,
    /// When it was loaded.
    pub loaded_at: Timestamp,
    /// The policy files it was read from.
    pub files: Vec<PathBuf>,
}

/// How a policy is found and compiled, on start and on every reload.
#[derive(Debug, Clone)]
pub struct Source {
    /// The policy file, or a directory holding it.
    pub path: PathBuf,
    /// How imports resolve.
    pub load: LoadOptions,
    /// The prover's case budget: assertions are proven before a version is served.
    pub prover_budget: u64,
}

/// Why a version could not be loaded.
#[derive(Debug)]
pub enum Refused {
    /// No policy file could be found where [`Source::path`] points.
    NoRoot(String),
    /// The policy did not check or its assertions did not prove.
    Failed(Failed),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::NoRoot(message) => f.write_str(message),
            Refused::Failed(failed) => write!(f, "{failed}"),
        }
    }
}

impl Source {
    /// The root policy file: [`Source::path`] itself, or in a directory its
    /// `policy.lawful`, or else its only `*.lawful` file.
    pub fn root(&self) -> Result<PathBuf, String> {
        let path = &self.path;
        if !path.is_dir() {
            return Ok(path.clone());
        }
        let named = path.join("policy.lawful");
        if named.is_file() {
            return Ok(named);
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "lawful") && p.is_file())
            .collect();
        found.sort();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(format!(
                "`{}` holds no `*.lawful` file to serve",
                path.display()
            )),
            _ => Err(format!(
                "`{}` holds {} `*.lawful` files and no `policy.lawful`: name the root policy",
                path.display(),
                found.len()
            )),
        }
    }

    /// Compile the policy now: checked, and its assertions proven. On failure, the files
    /// that were read (so that a fix to any of them is noticed) and why.
    pub fn compile(&self) -> Result<Version, (Vec<PathBuf>, Refused)> {
        let root = self
            .root()
            .map_err(|e| (vec![self.path.clone()], Refused::NoRoot(e)))?;
        let options = CompileOptions {
            load: self.load.clone(),
            prover_budget: self.prover_budget,
            ..CompileOptions::default()
        };
        match crate::compile_file_with(&root, options) {
            Ok(compiled) => {
                let files = files_of(compiled.policy.sources(), &root);
                Ok(Version {
                    hash: content_hash(compiled.policy.sources()).into(),
                    policy: compiled.policy,
                    loaded_at: Timestamp::now(),
                    files,
                })
            }
            Err(failed) => Err((files_of(&failed.sources, &root), Refused::Failed(failed))),
        }
    }
}

/// The files on disk among `sources`, the root always among them (even when it could not
/// be read).
fn files_of(sources: &SourceMap, root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = sources
        .files()
        .filter_map(|(_, file)| file.origin.path().map(Path::to_path_buf))
        .collect();
    if !files.iter().any(|f| f == root) {
        files.push(root.to_path_buf());
    }
    files
}

/// `sha256:` + the hex SHA-256 of every source text the policy was compiled from (files
/// and the bundled standard library), each preceded by its length, in load order: the same
/// texts give the same hash on every machine, and any change to any of them changes it.
/// (The same definition as the ledger's hash of the policy an event was recorded under.)
pub fn content_hash(sources: &SourceMap) -> String {
    let mut digest = Sha256::new();
    for (_, file) in sources.files() {
        digest.update((file.text.len() as u64).to_le_bytes());
        digest.update(file.text.as_bytes());
    }
    format!("sha256:{}", hex(&digest.finalize()))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// What a file looks like from outside: identity, size and modification time (`None`
/// when it cannot be read). Polled, not watched through inotify: see [`Fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    id: Option<crate::files::FileId>,
    len: u64,
    modified: Option<SystemTime>,
}

/// The stamps of a set of files. The watcher polls these (one `stat` per file per tick)
/// rather than using inotify: editors and deploy tools replace files by rename, which
/// changes the identity a poll sees but drops an inotify watch on the old inode, and
/// imports may sit in any directory; a stat per policy file per second costs nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint(Vec<(PathBuf, Option<Stamp>)>);

impl Fingerprint {
    /// The stamps of `files` now.
    pub fn of(files: &[PathBuf]) -> Fingerprint {
        Fingerprint(
            files
                .iter()
                .map(|path| {
                    let stamp = std::fs::metadata(path).ok().map(|m| Stamp {
                        id: crate::files::FileId::of_path(path).ok(),
                        len: m.len(),
                        modified: m.modified().ok(),
                    });
                    (path.clone(), stamp)
                })
                .collect(),
        )
    }

    /// The files it covers.
    pub fn files(&self) -> Vec<PathBuf> {
        self.0.iter().map(|(p, _)| p.clone()).collect()
    }

    /// Whether any file in both `self` and `other` differs between them (a file changed
    /// while it was being compiled).
    pub fn differs_from(&self, other: &Fingerprint) -> bool {
        self.0.iter().any(|(path, stamp)| {
            other
                .0
                .iter()
                .any(|(other_path, other_stamp)| other_path == path && other_stamp != stamp)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_hash_follows_every_text() {
        let a = crate::compile_str("a.lawful", "policy \"A\" { controller \"A\" }").unwrap();
        let b = crate::compile_str("a.lawful", "policy \"A\" { controller \"B\" }").unwrap();
        let a2 = crate::compile_str("a.lawful", "policy \"A\" { controller \"A\" }").unwrap();
        let (ha, hb) = (
            content_hash(a.policy.sources()),
            content_hash(b.policy.sources()),
        );
        assert!(ha.starts_with("sha256:") && ha.len() == 7 + 64, "{ha}");
        assert_ne!(ha, hb);
        assert_eq!(ha, content_hash(a2.policy.sources()));
    }

    #[test]
    fn a_rewritten_file_changes_the_fingerprint() {
        let dir = std::env::temp_dir().join(format!("lawful-fp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.lawful");
        std::fs::write(&file, "one").unwrap();
        let before = Fingerprint::of(std::slice::from_ref(&file));
        assert_eq!(before, Fingerprint::of(std::slice::from_ref(&file)));
        // Replaced by rename, the way editors save: a new identity even at the same size.
        let next = dir.join("p.tmp");
        std::fs::write(&next, "two").unwrap();
        std::fs::rename(&next, &file).unwrap();
        let after = Fingerprint::of(std::slice::from_ref(&file));
        assert_ne!(before, after);
        assert!(before.differs_from(&after));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
