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
    /// The file.
    pub source: SourceId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
}

impl Span {
    /// The bytes `start..end` of `source` (offsets beyond `u32::MAX` saturate).
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

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether it covers no byte (a position, e.g. the end of a file).
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
    /// The name diagnostics show: the path, `<std::regions>`, or the name given.
    pub fn display_name(&self) -> String {
        match self {
            Origin::File(path) => path.display().to_string(),
            Origin::Std(name) => format!("<std::{name}>"),
            Origin::Inline(name) => name.clone(),
        }
    }

    /// The path on disk; `None` for bundled and inline sources.
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
    /// Where it came from.
    pub origin: Origin,
    /// Its whole text.
    pub text: Arc<str>,
    /// Which file on disk it was read from (device and inode), for files.
    pub identity: Option<FileId>,
    /// Byte offset where each line starts (the first is 0); a line ends with LF (so a CRLF
    /// is one line end). Built once, so a position costs a binary search.
    line_starts: Arc<[u32]>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&start| start as usize <= offset);
        let start = line
            .checked_sub(1)
            .and_then(|i| self.line_starts.get(i))
            .map_or(0, |&s| s as usize);
        // Characters are counted as the bytes that do not continue one (an offset inside a
        // character counts that character).
        let column = self.text.as_bytes().get(start..offset).map_or(0, |prefix| {
            prefix.iter().filter(|&&b| b & 0xC0 != 0x80).count()
        });
        (line.max(1), column + 1)
    }
}

/// One file as miette reads it, from [`SourceMap::named_source`].
#[derive(Debug, Clone)]
pub struct IndexedSource {
    name: String,
    file: Option<SourceFile>,
}

impl miette::SourceCode for IndexedSource {
    /// What miette's own `str` source would answer, computed on the window of whole lines
    /// that holds the span and its context lines (one more line each side, so the window
    /// never cuts what miette would read), then moved back to the file's offsets and lines.
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let Some(file) = &self.file else {
            return Err(miette::MietteError::OutOfBounds);
        };
        let text: &'a str = &file.text;
        let starts: &[u32] = &file.line_starts;
        let first = span.offset();
        let last = first.saturating_add(span.len().saturating_sub(1));
        // 0-based lines of the span's first and last bytes.
        let line_of = |offset: usize| {
            starts
                .partition_point(|&s| s as usize <= offset)
                .saturating_sub(1)
        };
        let from_line = line_of(first).saturating_sub(context_lines_before.saturating_add(1));
        let to_line = line_of(last).saturating_add(context_lines_after.saturating_add(2));
        let from = starts.get(from_line).map_or(0, |&s| s as usize);
        let to = starts.get(to_line).map_or(text.len(), |&s| s as usize);
        let window = text.get(from..to).ok_or(miette::MietteError::OutOfBounds)?;
        let local = miette::SourceSpan::new(first.saturating_sub(from).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let contents = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            miette::SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + from_line,
            inner.column(),
            inner.line_count() + from_line,
        );
        Ok(Box::new(contents))
    }
}

/// Where each line of `text` starts.
fn line_starts(text: &str) -> Arc<[u32]> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| saturating_u32(i + 1)),
        )
        .collect()
}

/// All files that took part in a compilation, indexed by [`SourceId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file not read from disk (bundled or inline); returns its id.
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
        let text: Arc<str> = text.into();
        self.files.push(SourceFile {
            origin,
            line_starts: line_starts(&text),
            text,
            identity,
        });
        id
    }

    /// The file with this id; `None` for an id of another map.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The id of the file from `origin`, if it was added.
    pub fn find(&self, origin: &Origin) -> Option<SourceId> {
        self.files
            .iter()
            .position(|f| &f.origin == origin)
            .map(|i| SourceId(saturating_u32(i)))
    }

    /// The file's display name; `<unknown>` for an id of another map.
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

    /// 1-based line and column (in characters) of a span's start; `(0, 0)` for a span of
    /// no file. LF and CRLF end a line (the only line ends `syntax` accepts). A binary search
    /// in the file's line index, so reporting many diagnostics stays linear.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        self.get(span.source)
            .map_or((0, 0), |file| file.line_col(span.start as usize))
    }

    /// A miette source for one file, named for display. miette scans a plain text from its
    /// start for every diagnostic; this one hands it only the lines around the span (found
    /// in the line index), so rendering many diagnostics stays linear.
    pub fn named_source(&self, id: SourceId) -> IndexedSource {
        IndexedSource {
            name: self.name(id),
            file: self.get(id).cloned(),
        }
    }

    /// Every file with its id, in the order added.
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

    /// The definition the line index must agree with: count the LFs before the offset, then
    /// the characters since the last one.
    fn naive(text: &str, offset: usize) -> (usize, usize) {
        let upto = text.get(..offset).unwrap_or(text);
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    #[test]
    fn line_index_agrees_with_counting() {
        let texts = [
            "",
            "\n",
            "a",
            "ab\ncdé f",
            "x\r\ny\r\n\r\nz",
            "\n\nlast",
            "é\n漢字\r\n\n  tail\n",
            "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n",
        ];
        let mut map = SourceMap::new();
        for text in texts {
            let id = map.add(Origin::Inline("t".into()), text);
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                assert_eq!(
                    map.line_col(Span::new(id, offset, offset)),
                    naive(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
        // miette reads the same contents from the windowed source as from the whole text.
        use miette::SourceCode;
        for text in texts {
            let id = map.add(Origin::Inline("t".into()), text);
            let source = map.named_source(id);
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            for &start in &bounds {
                for &end in bounds.iter().filter(|&&e| e >= start).take(4) {
                    let span = miette::SourceSpan::new(start.into(), end - start);
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let want = text.read_span(&span, before, after).ok().map(|c| {
                            (
                                c.data().to_vec(),
                                *c.span(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                            )
                        });
                        let got = source.read_span(&span, before, after).ok().map(|c| {
                            (
                                c.data().to_vec(),
                                *c.span(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                            )
                        });
                        assert_eq!(got, want, "{text:?} {start}..{end} ({before}, {after})");
                    }
                }
            }
        }
        // CRLF is one line end: the `y` of "x\r\ny" is on line 2, column 1.
        let id = map.add(Origin::Inline("t".into()), "x\r\ny");
        assert_eq!(map.line_col(Span::new(id, 3, 4)), (2, 1));
        assert_eq!(map.line_col(Span::new(SourceId(99), 0, 0)), (0, 0));
    }
}
