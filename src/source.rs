//! Source files and positions. Spans are plain `u32` offsets plus a [`SourceId`]; the text
//! is attached only when a diagnostic is rendered, so the AST and model carry no lifetimes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::files::FileId;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        Span {
            source,
            start: saturating_u32(start),
            end: saturating_u32(end),
        }
    }

    /// The smallest span covering both (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a source file came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// A module of the bundled standard library (`std::regions`).
    Std(&'static str),
    /// Text handed to the API directly.
    Inline(String),
}

impl Origin {
    pub fn display_name(&self) -> String {
        match self {
            Origin::File(path) => path.display().to_string(),
            Origin::Std(name) => format!("<std::{name}>"),
            Origin::Inline(name) => name.clone(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::File(path) => Some(path),
            _ => None,
        }
    }
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub origin: Origin,
    pub text: Arc<str>,
    /// Which file on disk it was read from (device and inode), for files.
    pub identity: Option<FileId>,
}

/// All files that took part in a compilation, indexed by [`SourceId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, origin: Origin, text: impl Into<Arc<str>>) -> SourceId {
        self.add_read(origin, text, None)
    }

    /// Add a file read from disk, with its identity.
    pub fn add_read(
        &mut self,
        origin: Origin,
        text: impl Into<Arc<str>>,
        identity: Option<FileId>,
    ) -> SourceId {
        let id = SourceId(saturating_u32(self.files.len()));
        self.files.push(SourceFile {
            origin,
            text: text.into(),
            identity,
        });
        id
    }

    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn find(&self, origin: &Origin) -> Option<SourceId> {
        self.files
            .iter()
            .position(|f| &f.origin == origin)
            .map(|i| SourceId(saturating_u32(i)))
    }

    pub fn name(&self, id: SourceId) -> String {
        self.get(id)
            .map(|f| f.origin.display_name())
            .unwrap_or_else(|| "<unknown>".to_owned())
    }

    /// The text a span covers ("" when out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.source)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// 1-based line and column (in characters) of a span's start.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let Some(file) = self.get(span.source) else {
            return (0, 0);
        };
        let upto = file.text.get(..span.start as usize).unwrap_or(&file.text);
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// A miette source for one file, named for display.
    pub fn named_source(&self, id: SourceId) -> miette::NamedSource<Arc<str>> {
        let text = self
            .get(id)
            .map(|f| f.text.clone())
            .unwrap_or_else(|| Arc::from(""));
        miette::NamedSource::new(self.name(id), text)
    }

    pub fn files(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (SourceId(saturating_u32(i)), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_from_one() {
        let mut map = SourceMap::new();
        let id = map.add(Origin::Inline("t".into()), "ab\ncdé f");
        assert_eq!(map.line_col(Span::new(id, 0, 1)), (1, 1));
        assert_eq!(map.line_col(Span::new(id, 7, 8)), (2, 4));
        assert_eq!(map.snippet(Span::new(id, 3, 5)), "cd");
        assert_eq!(map.snippet(Span::new(id, 3, 500)), "");
    }
}
