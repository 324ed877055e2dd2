//! Reading a policy and everything it imports: files relative to the importer, and the
//! standard library modules compiled into the binary.
//!
//! **Invariant:** every file is parsed once; an import cycle is reported with its chain and
//! never followed.

use std::path::{Path, PathBuf};

use crate::diagnostic::{did_you_mean, suggest, Diagnostic, DiagnosticKind, Diagnostics};
use crate::source::{Origin, SourceId, SourceMap, Span};
use crate::syntax::{self, ast};

/// The standard library, shipped inside the binary.
pub const STD_MODULES: &[(&str, &str)] = &[
    ("regions", include_str!("../std/regions.lawful")),
    ("regimes", include_str!("../std/regimes.lawful")),
    ("fides", include_str!("../std/fides.lawful")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("`{path}` is not valid UTF-8")]
    InvalidUtf8 { path: String },
    #[error("imported file `{path}` does not exist")]
    MissingImport { path: String },
    #[error("import cycle: {chain}")]
    ImportCycle { chain: String },
    #[error("`{path}` imports itself")]
    SelfImport { path: String },
    #[error("unknown standard library module `std::{name}`")]
    UnknownStdModule {
        name: String,
        suggestion: Option<String>,
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
        })
    }
}

/// Every file of one compilation, dependencies before the files that import them.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub sources: SourceMap,
    /// Parsed files, dependencies first; the root last.
    pub files: Vec<ast::File>,
    pub root: SourceId,
}

/// Read and parse `path` and its imports. Diagnostics collect every load and syntax error.
pub fn load_path(path: &Path) -> (Loaded, Diagnostics) {
    let mut loader = Loader::default();
    match read_file(path) {
        Ok(text) => {
            let root = loader.add_file(Origin::File(normalize(path)), text);
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
    let mut loader = Loader::default();
    let root = loader.add_file(Origin::Inline(name.to_owned()), text.to_owned());
    loader.finish(root)
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            LoadError::MissingImport {
                path: path.display().to_string(),
            }
        } else {
            LoadError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        }
    })?;
    String::from_utf8(bytes).map_err(|_| LoadError::InvalidUtf8 {
        path: path.display().to_string(),
    })
}

/// Clean `.` and `..` without touching the file system, so one file has one name.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[derive(Default)]
struct Loader {
    sources: SourceMap,
    parsed: Vec<Option<ast::File>>,
    diagnostics: Diagnostics,
}

enum Mark {
    InProgress,
    Done,
}

impl Loader {
    fn add_file(&mut self, origin: Origin, text: String) -> SourceId {
        let id = self.sources.add(origin, text.clone());
        match syntax::parse(id, &text) {
            Ok(file) => self.parsed.push(Some(file)),
            Err((error, span)) => {
                self.diagnostics.push(Diagnostic::new(&error, span, "here"));
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
    /// Import chains are short; depth is bounded by the number of distinct files.
    fn visit(
        &mut self,
        id: SourceId,
        marks: &mut Vec<Option<Mark>>,
        stack: &mut Vec<SourceId>,
        order: &mut Vec<SourceId>,
    ) {
        let index = id.0 as usize;
        if marks.len() <= index {
            marks.resize_with(index + 1, || None);
        }
        if marks.get(index).is_some_and(Option::is_some) {
            return;
        }
        if let Some(slot) = marks.get_mut(index) {
            *slot = Some(Mark::InProgress);
        }
        stack.push(id);
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
        for import in imports {
            if let Some(target) = self.resolve(id, &import) {
                let target_index = target.0 as usize;
                if marks.len() <= target_index {
                    marks.resize_with(target_index + 1, || None);
                }
                match marks.get(target_index) {
                    Some(Some(Mark::InProgress)) => self.report_cycle(&import, target, stack),
                    Some(Some(Mark::Done)) => {}
                    _ => self.visit(target, marks, stack, order),
                }
            }
        }
        stack.pop();
        if let Some(slot) = marks.get_mut(index) {
            *slot = Some(Mark::Done);
        }
        order.push(id);
    }

    fn report_cycle(&mut self, import: &ast::UseDecl, target: SourceId, stack: &[SourceId]) {
        let span = use_span(import);
        let importer = span.source;
        let error = if target == importer {
            LoadError::SelfImport {
                path: self.sources.name(target),
            }
        } else {
            let start = stack.iter().position(|s| *s == target).unwrap_or(0);
            let mut chain: Vec<String> = stack
                .get(start..)
                .unwrap_or_default()
                .iter()
                .map(|s| self.sources.name(*s))
                .collect();
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
        let (origin, text) = match &import.target {
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
                (Origin::Std(static_name), Some((*text).to_owned()))
            }
            ast::UseTarget::File(path) => {
                let base = self
                    .sources
                    .get(importer)
                    .and_then(|f| f.origin.path())
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                (Origin::File(normalize(&base.join(&path.value))), None)
            }
        };
        if let Some(existing) = self.sources.find(&origin) {
            return Some(existing);
        }
        let text = match text {
            Some(text) => text,
            None => {
                let path = origin.path()?;
                match read_file(path) {
                    Ok(text) => text,
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
        Some(self.add_file(origin, text))
    }
}

fn use_span(import: &ast::UseDecl) -> Span {
    match &import.target {
        ast::UseTarget::Std(name) => name.span,
        ast::UseTarget::File(path) => path.span,
    }
}
