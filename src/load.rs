//! Reading a policy and everything it imports: files relative to the importer, and the
//! standard library modules compiled into the binary.
//!
//! **Invariant:** every file is parsed once; an import cycle is reported with its chain and
//! never followed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{did_you_mean, suggest, Diagnostic, DiagnosticKind, Diagnostics};
use crate::files::{self, FileId, ReadError};
use crate::source::{Origin, SourceId, SourceMap, Span};
use crate::syntax::{self, ast};

/// The standard library, shipped inside the binary.
pub const STD_MODULES: &[(&str, &str)] = &[
    ("regions", include_str!("../std/regions.lawful")),
    ("regimes", include_str!("../std/regimes.lawful")),
    ("fides", include_str!("../std/fides.lawful")),
    ("circumstances", include_str!("../std/circumstances.lawful")),
];

/// Why a file of a policy was not loaded (codes `lawful::load::…`). Paths are as the
/// diagnostics show them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (`lawful::load::unreadable`).
    #[error("cannot read `{path}`: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// The file's bytes are not UTF-8 (`lawful::load::invalid_utf8`).
    #[error("`{path}` is not valid UTF-8")]
    InvalidUtf8 {
        /// The file.
        path: String,
    },
    /// A `use` names a file that does not exist (`lawful::load::missing_import`).
    #[error("imported file `{path}` does not exist")]
    MissingImport {
        /// The path, resolved from the importing file.
        path: String,
    },
    /// Files import each other in a circle (`lawful::load::import_cycle`).
    #[error("import cycle: {chain}")]
    ImportCycle {
        /// The files of the cycle joined by `→` (a long one shortened in the middle).
        chain: String,
    },
    /// A file imports itself (`lawful::load::self_import`).
    #[error("`{path}` imports itself")]
    SelfImport {
        /// The file.
        path: String,
    },
    /// `use std::NAME` for a module the standard library lacks
    /// (`lawful::load::unknown_std_module`).
    #[error("unknown standard library module `std::{name}`")]
    UnknownStdModule {
        /// The module name as written, without `std::`.
        name: String,
        /// The closest module name; `None` when nothing is close.
        suggestion: Option<String>,
    },
    /// The path names a device, a FIFO, a socket … (`lawful::load::not_a_regular_file`).
    #[error("`{path}` is {kind}, not a regular file; it was not read")]
    NotRegularFile {
        /// The path.
        path: String,
        /// What it is, in words: `a FIFO` …
        kind: &'static str,
    },
    /// The file is larger than a policy file may be (`lawful::load::too_large`).
    #[error("`{path}` has more than {limit} bytes, the limit for a policy file; it was not read")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size in bytes, as far as known.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// An import outside the root policy's directory, without
    /// [`LoadOptions::allow_imports_outside`] (`lawful::load::import_outside`).
    #[error(
        "`{path}` is outside `{root}`, the directory of the policy being compiled \
         (symlinks followed); it was not read"
    )]
    ImportOutside {
        /// The imported file.
        path: String,
        /// The root policy's directory.
        root: String,
    },
    /// An imported file whose name does not end in `.lawful` (`lawful::load::not_a_policy`).
    #[error("`{path}` is not a policy file (its name does not end in `.lawful`)")]
    NotAPolicy {
        /// The file.
        path: String,
    },
}

impl DiagnosticKind for LoadError {
    fn code(&self) -> &'static str {
        match self {
            LoadError::Unreadable { .. } => "lawful::load::unreadable",
            LoadError::InvalidUtf8 { .. } => "lawful::load::invalid_utf8",
            LoadError::MissingImport { .. } => "lawful::load::missing_import",
            LoadError::ImportCycle { .. } => "lawful::load::import_cycle",
            LoadError::SelfImport { .. } => "lawful::load::self_import",
            LoadError::UnknownStdModule { .. } => "lawful::load::unknown_std_module",
            LoadError::NotRegularFile { .. } => "lawful::load::not_a_regular_file",
            LoadError::TooLarge { .. } => "lawful::load::too_large",
            LoadError::ImportOutside { .. } => "lawful::load::import_outside",
            LoadError::NotAPolicy { .. } => "lawful::load::not_a_policy",
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            LoadError::Unreadable { .. } => "check the path and its permissions".to_owned(),
            LoadError::InvalidUtf8 { .. } => "save the file as UTF-8".to_owned(),
            LoadError::MissingImport { .. } => {
                "import paths are relative to the importing file".to_owned()
            }
            LoadError::ImportCycle { .. } => {
                "move the shared declarations into a file both can import".to_owned()
            }
            LoadError::SelfImport { .. } => "remove the `use` of the file itself".to_owned(),
            LoadError::UnknownStdModule { suggestion, .. } => {
                let names: Vec<String> = STD_MODULES
                    .iter()
                    .map(|(n, _)| format!("`std::{n}`"))
                    .collect();
                let hint = did_you_mean(suggestion.as_deref());
                format!("{hint} the standard library has {}", names.join(", "))
                    .trim()
                    .to_owned()
            }
            LoadError::NotRegularFile { .. } => {
                "policies are read from regular files only (not devices, FIFOs or sockets)"
                    .to_owned()
            }
            LoadError::TooLarge { limit, .. } => {
                format!("a policy file may have at most {limit} bytes; split it with `use`")
            }
            LoadError::ImportOutside { .. } => "move the file under the policy's directory, or \
                 allow imports from anywhere with `--allow-imports-outside` \
                 (`LoadOptions::allow_imports_outside` in the library)"
                .to_owned(),
            LoadError::NotAPolicy { .. } => {
                "imported files are policies named `*.lawful`".to_owned()
            }
        })
    }
}

/// How imports may be resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Read imports outside the directory of the root policy (by default such a `use` is the
    /// error `lawful::load::import_outside`, and the file is not read). The root's directory
    /// is that of the file compiled, or the current directory for text compiled directly.
    pub allow_imports_outside: bool,
}

/// Every file of one compilation, dependencies before the files that import them.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The text of every file read, the standard library modules included.
    pub sources: SourceMap,
    /// Parsed files, dependencies first; the root last.
    pub files: Vec<ast::File>,
    /// The file compiled (the one given, not an import).
    pub root: SourceId,
}

/// Read and parse `path` and its imports. Diagnostics collect every load and syntax error.
pub fn load_path(path: &Path) -> (Loaded, Diagnostics) {
    load_path_with(path, &LoadOptions::default())
}

/// [`load_path`] with options.
pub fn load_path_with(path: &Path, options: &LoadOptions) -> (Loaded, Diagnostics) {
    let mut loader = Loader::new(options);
    let display = path.display().to_string();
    match read_policy(path, &display) {
        Ok(file) => {
            loader.root_dir = file.dir.clone();
            loader.root_name = path
                .parent()
                .map(normalize)
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
            let root = loader.add_file(Origin::File(normalize(path)), file);
            loader.finish(root)
        }
        Err(error) => {
            let root = loader.sources.add(Origin::File(path.to_path_buf()), "");
            loader
                .diagnostics
                .push(Diagnostic::new(&error, Span::new(root, 0, 0), ""));
            loader.finish(root)
        }
    }
}

/// Parse `text` (named `name`) and its imports; relative imports resolve from the current
/// directory.
pub fn load_str(name: &str, text: &str) -> (Loaded, Diagnostics) {
    load_str_with(name, text, &LoadOptions::default())
}

/// [`load_str`] with options.
pub fn load_str_with(name: &str, text: &str, options: &LoadOptions) -> (Loaded, Diagnostics) {
    let mut loader = Loader::new(options);
    let dir = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    loader.root_dir.clone_from(&dir);
    let file = PolicyFile {
        text: text.to_owned(),
        id: None,
        dir,
    };
    let root = loader.add_file(Origin::Inline(name.to_owned()), file);
    loader.finish(root)
}

/// A policy file read from disk: its text, its identity, and the canonical directory its
/// relative imports resolve from.
struct PolicyFile {
    text: String,
    id: Option<FileId>,
    dir: Option<PathBuf>,
}

/// The typed refusal for a file that could not be read.
fn read_error(display: &str, error: ReadError) -> LoadError {
    let path = display.to_owned();
    match error {
        ReadError::NotFound => LoadError::MissingImport { path },
        ReadError::Directory => LoadError::Unreadable {
            path,
            reason: "it is a directory".to_owned(),
        },
        ReadError::NotRegular { kind } => LoadError::NotRegularFile { path, kind },
        ReadError::TooLarge { size, limit } => LoadError::TooLarge { path, size, limit },
        ReadError::Changed | ReadError::Io(_) => LoadError::Unreadable {
            path,
            reason: error.to_string(),
        },
    }
}

/// Read one policy file: a regular file of at most [`syntax::MAX_FILE_BYTES`], in UTF-8.
fn read_policy(path: &Path, display: &str) -> Result<PolicyFile, LoadError> {
    let limit = u64::try_from(syntax::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let (bytes, id) = files::read_regular(path, limit).map_err(|e| read_error(display, e))?;
    let dir = files::canonical(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let text = String::from_utf8(bytes).map_err(|_| LoadError::InvalidUtf8 {
        path: display.to_owned(),
    })?;
    Ok(PolicyFile {
        text,
        id: Some(id),
        dir,
    })
}

/// Clean `.` and `..` without touching the file system, for display: one file has one name.
/// A leading `..` is kept (`../../x` stays `../../x`); `..` at the root stays at the root.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(Component::ParentDir | Component::CurDir) | None => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

struct Loader {
    sources: SourceMap,
    parsed: Vec<Option<ast::File>>,
    /// By source: the canonical directory its relative imports resolve from.
    dirs: Vec<Option<PathBuf>>,
    /// Files already loaded, by identity, so one file is loaded once whatever its path.
    ids: HashMap<FileId, SourceId>,
    /// Standard library modules already loaded (a handful), so an import of one costs no
    /// search through every loaded file.
    std_ids: Vec<(&'static str, SourceId)>,
    /// The canonical directory of the root policy: imports stay under it unless allowed.
    root_dir: Option<PathBuf>,
    /// That directory as the user named it, for messages.
    root_name: String,
    allow_outside: bool,
    diagnostics: Diagnostics,
}

enum Mark {
    /// On the stack of files being visited, at this position.
    InProgress(usize),
    Done,
}

impl Loader {
    fn new(options: &LoadOptions) -> Self {
        Loader {
            sources: SourceMap::new(),
            parsed: Vec::new(),
            std_ids: Vec::new(),
            dirs: Vec::new(),
            ids: HashMap::new(),
            root_dir: None,
            root_name: ".".to_owned(),
            allow_outside: options.allow_imports_outside,
            diagnostics: Diagnostics::default(),
        }
    }

    fn add_file(&mut self, origin: Origin, file: PolicyFile) -> SourceId {
        let PolicyFile {
            text,
            id: file_id,
            dir,
        } = file;
        let id = self
            .sources
            .add_read(origin, text.as_str(), file_id.clone());
        self.dirs.push(dir);
        if let Some(file_id) = file_id {
            self.ids.insert(file_id, id);
        }
        match syntax::parse(id, &text) {
            Ok(file) => self.parsed.push(Some(file)),
            Err(errors) => {
                for (error, span) in errors {
                    self.diagnostics.push(Diagnostic::new(&error, span, "here"));
                }
                self.parsed.push(None);
            }
        }
        id
    }

    /// Files in dependency order. Check the diagnostics for errors before using them: a file
    /// with a syntax error is left out.
    fn finish(mut self, root: SourceId) -> (Loaded, Diagnostics) {
        let mut order = Vec::new();
        let mut marks: Vec<Option<Mark>> = Vec::new();
        let mut stack: Vec<SourceId> = Vec::new();
        self.visit(root, &mut marks, &mut stack, &mut order);
        let files: Vec<ast::File> = order
            .into_iter()
            .filter_map(|id: SourceId| self.parsed.get_mut(id.0 as usize).and_then(Option::take))
            .collect();
        let loaded = Loaded {
            sources: self.sources,
            files,
            root,
        };
        (loaded, self.diagnostics)
    }

    /// Depth-first over imports, dependencies pushed to `order` before their importers.
    /// Iterative (an explicit stack of files and their next import), so an import chain of
    /// any length costs heap, not call stack; each file's imports are visited once.
    fn visit(
        &mut self,
        root: SourceId,
        marks: &mut Vec<Option<Mark>>,
        stack: &mut Vec<SourceId>,
        order: &mut Vec<SourceId>,
    ) {
        // Parallel to `stack`: the imports of each file on it, and how many are done.
        let mut pending: Vec<(Vec<ast::UseDecl>, usize)> = Vec::new();
        self.enter(root, marks, stack, &mut pending);
        while let Some((imports, next)) = pending.last_mut() {
            let Some(import) = imports.get(*next).cloned() else {
                pending.pop();
                if let Some(id) = stack.pop() {
                    if let Some(slot) = marks.get_mut(id.0 as usize) {
                        *slot = Some(Mark::Done);
                    }
                    order.push(id);
                }
                continue;
            };
            *next += 1;
            let Some(&importer) = stack.last() else {
                break;
            };
            let Some(target) = self.resolve(importer, &import) else {
                continue;
            };
            let target_index = target.0 as usize;
            if marks.len() <= target_index {
                marks.resize_with(target_index + 1, || None);
            }
            match marks.get(target_index) {
                Some(Some(Mark::InProgress(at))) => {
                    let at = *at;
                    self.report_cycle(&import, target, stack.get(at..).unwrap_or_default());
                }
                Some(Some(Mark::Done)) => {}
                _ => self.enter(target, marks, stack, &mut pending),
            }
        }
    }

    /// Start visiting a file: mark it in progress and push it with its imports.
    fn enter(
        &mut self,
        id: SourceId,
        marks: &mut Vec<Option<Mark>>,
        stack: &mut Vec<SourceId>,
        pending: &mut Vec<(Vec<ast::UseDecl>, usize)>,
    ) {
        let index = id.0 as usize;
        if marks.len() <= index {
            marks.resize_with(index + 1, || None);
        }
        if marks.get(index).is_some_and(Option::is_some) {
            return;
        }
        if let Some(slot) = marks.get_mut(index) {
            *slot = Some(Mark::InProgress(stack.len()));
        }
        let imports: Vec<ast::UseDecl> = self
            .parsed
            .get(index)
            .and_then(Option::as_ref)
            .map(|f| {
                f.items
                    .iter()
                    .filter_map(|item| match &item.decl {
                        ast::Decl::Use(u) => Some(u.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        stack.push(id);
        pending.push((imports, 0));
    }

    /// `cycle` is the stack from `target` to the importer. A long chain is shown by its
    /// first and last files, so many cycles through a deep chain cost linear text.
    fn report_cycle(&mut self, import: &ast::UseDecl, target: SourceId, cycle: &[SourceId]) {
        const SHOWN: usize = 4;
        let span = use_span(import);
        let importer = span.source;
        let error = if target == importer {
            LoadError::SelfImport {
                path: self.sources.name(target),
            }
        } else {
            let name = |s: &SourceId| self.sources.name(*s);
            let mut chain: Vec<String> = if cycle.len() > 2 * SHOWN {
                let head = cycle.iter().take(SHOWN).map(name);
                let tail = cycle.iter().skip(cycle.len() - SHOWN).map(name);
                let skipped = format!("… {} more files …", cycle.len() - 2 * SHOWN);
                head.chain(std::iter::once(skipped)).chain(tail).collect()
            } else {
                cycle.iter().map(name).collect()
            };
            chain.push(self.sources.name(target));
            LoadError::ImportCycle {
                chain: chain.join(" → "),
            }
        };
        self.diagnostics
            .push(Diagnostic::new(&error, span, "imported here"));
    }

    /// The file an import names, loading it on first sight.
    fn resolve(&mut self, importer: SourceId, import: &ast::UseDecl) -> Option<SourceId> {
        let (origin, file) = match &import.target {
            ast::UseTarget::Std(name) => {
                let module = name.text.trim_start_matches("std::");
                let Some((static_name, text)) = STD_MODULES.iter().find(|(n, _)| *n == module)
                else {
                    let suggestion = suggest(module, STD_MODULES.iter().map(|(n, _)| *n))
                        .map(|s| format!("std::{s}"));
                    let error = LoadError::UnknownStdModule {
                        name: module.to_owned(),
                        suggestion,
                    };
                    self.diagnostics.push(Diagnostic::new(
                        &error,
                        name.span,
                        "not in the standard library",
                    ));
                    return None;
                };
                if let Some(&(_, existing)) = self.std_ids.iter().find(|(n, _)| n == static_name) {
                    return Some(existing);
                }
                let file = PolicyFile {
                    text: (*text).to_owned(),
                    id: None,
                    dir: None,
                };
                let id = self.add_file(Origin::Std(static_name), file);
                self.std_ids.push((static_name, id));
                return Some(id);
            }
            ast::UseTarget::File(path) => {
                // Shown relative to the importer's name; read relative to its real directory.
                let shown = self
                    .sources
                    .get(importer)
                    .and_then(|f| f.origin.path())
                    .and_then(Path::parent)
                    .map(|dir| dir.join(&path.value))
                    .unwrap_or_else(|| PathBuf::from(&path.value));
                let shown = normalize(&shown);
                let display = shown.display().to_string();
                let base = self
                    .dirs
                    .get(importer.0 as usize)
                    .cloned()
                    .flatten()
                    .or_else(|| self.root_dir.clone())
                    .unwrap_or_default();
                match self.open_import(&base.join(&path.value), &display) {
                    Ok(Opened::Known(id)) => return Some(id),
                    Ok(Opened::New(file)) => (Origin::File(shown), file),
                    Err(error) => {
                        self.diagnostics.push(Diagnostic::new(
                            &error,
                            use_span(import),
                            "imported here",
                        ));
                        return None;
                    }
                }
            }
        };
        Some(self.add_file(origin, file))
    }

    /// Check an imported file before reading it: it exists, it stays under the root's
    /// directory (unless allowed), it is a `.lawful` file, and it was not loaded already.
    fn open_import(&self, path: &Path, display: &str) -> Result<Opened, LoadError> {
        let canonical = files::canonical(path).map_err(|e| read_error(display, e))?;
        if !self.allow_outside {
            let inside = self
                .root_dir
                .as_deref()
                .is_some_and(|root| canonical.starts_with(root));
            if !inside {
                return Err(LoadError::ImportOutside {
                    path: display.to_owned(),
                    root: self.root_name.clone(),
                });
            }
        }
        let id = FileId::of_path(&canonical).map_err(|e| read_error(display, e.into()))?;
        if let Some(existing) = self.ids.get(&id) {
            return Ok(Opened::Known(*existing));
        }
        // Refused before reading, so nothing of a file that is not a policy is ever echoed.
        let metadata = std::fs::metadata(&canonical).map_err(|e| read_error(display, e.into()))?;
        if metadata.is_dir() {
            return Err(read_error(display, ReadError::Directory));
        }
        if !metadata.is_file() {
            return Err(read_error(
                display,
                ReadError::NotRegular {
                    kind: files::kind(&metadata),
                },
            ));
        }
        if canonical.extension().is_none_or(|e| e != "lawful") {
            return Err(LoadError::NotAPolicy {
                path: display.to_owned(),
            });
        }
        read_policy(&canonical, display).map(Opened::New)
    }
}

enum Opened {
    Known(SourceId),
    New(PolicyFile),
}

fn use_span(import: &ast::UseDecl) -> Span {
    match &import.target {
        ast::UseTarget::Std(name) => name.span,
        ast::UseTarget::File(path) => path.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_leading_parents() {
        for (path, expected) in [
            ("../../common.lawful", "../../common.lawful"),
            ("a/../../common.lawful", "../common.lawful"),
            ("a/b/../../common.lawful", "common.lawful"),
            ("./a/./b.lawful", "a/b.lawful"),
            ("/../x.lawful", "/x.lawful"),
        ] {
            assert_eq!(
                normalize(Path::new(path)),
                PathBuf::from(expected),
                "{path}"
            );
        }
    }

    #[test]
    fn inline_text_resolves_imports_under_the_current_directory() {
        let (_, diagnostics) = load_str("inline.lawful", "use \"/etc/passwd\"\n");
        let codes: Vec<&str> = diagnostics.items.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["lawful::load::import_outside"]);
        let options = LoadOptions {
            allow_imports_outside: true,
        };
        let (_, diagnostics) = load_str_with("inline.lawful", "use \"/etc/passwd\"\n", &options);
        let codes: Vec<&str> = diagnostics.items.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["lawful::load::not_a_policy"]);
    }
}
