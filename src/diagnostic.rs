//! Diagnostics: every problem any stage finds, with a stable code, a label on the exact
//! token, a help line, and related spans (e.g. the first declaration of a duplicate, or the
//! chain of an import cycle). Stages report typed errors ([`crate::syntax::SyntaxError`],
//! [`crate::check::CheckError`], [`crate::load::LoadError`]); this module carries them to the
//! renderer (miette) and to the JSON output.

use std::fmt;

use serde::Serialize;

use crate::source::{SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
/// How serious a diagnostic is; JSON writes it `error` or `warning`.
pub enum Severity {
    /// The policy does not compile.
    Error,
    /// A lint: the policy compiles; `#[allow(NAME)]` silences it.
    Warning,
}

/// What every stage's error type provides.
pub trait DiagnosticKind: fmt::Display {
    /// Stable code, e.g. `lawful::check::unknown_purpose`.
    fn code(&self) -> &'static str;
    /// The fix, in one line.
    fn help(&self) -> Option<String>;
    /// [`Severity::Error`] unless the kind is a lint.
    fn severity(&self) -> Severity {
        Severity::Error
    }
}

/// A secondary location with its own short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there (`first declared here` …).
    pub message: String,
}

/// One problem found in a policy, ready to render as text or JSON.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code: `lawful::check::unknown_purpose`, `lawful::lint::unused-field` …
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The fix, in one line; `None` when there is no general advice.
    pub help: Option<String>,
    /// The exact token or declaration at fault.
    pub span: Span,
    /// Text of the label on `span` ("" renders as an unlabelled underline).
    pub label: String,
    /// Other places that explain it: a first declaration, each step of an import cycle …
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic of `kind` (its code, severity, message and help) labelled `label` at
    /// `span`.
    pub fn new(kind: &dyn DiagnosticKind, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            code: kind.code(),
            severity: kind.severity(),
            message: kind.to_string(),
            help: kind.help(),
            span,
            label: label.into(),
            related: Vec::new(),
        }
    }

    /// Add a related location with its message.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether its severity is [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The lint name of a warning (`lawful::lint::unused-field` → `unused-field`).
    pub fn lint_name(&self) -> Option<&'static str> {
        self.code.strip_prefix("lawful::lint::")
    }

    /// Pair with the sources so miette can render it. A related span in the same file
    /// within [`NEAR_LINES`] lines of the primary one is labelled in the same snippet;
    /// one further away gets a snippet of its own (one snippet would print every line
    /// between the two).
    pub fn render<'a>(&'a self, sources: &SourceMap) -> Rendered<'a> {
        let (line, _) = sources.line_col(self.span);
        let (mut near, mut far) = (Vec::new(), Vec::new());
        for related in self
            .related
            .iter()
            .filter(|r| r.span.source == self.span.source)
        {
            let (other, _) = sources.line_col(related.span);
            if other.abs_diff(line) <= NEAR_LINES {
                near.push(related);
            } else {
                far.push(RelatedRendered {
                    related,
                    source: sources.named_source(related.span.source),
                });
            }
        }
        Rendered {
            diagnostic: self,
            source: sources.named_source(self.span.source),
            near,
            far,
        }
    }

    /// The stable JSON shape documented in the README.
    pub fn to_json(&self, sources: &SourceMap) -> JsonDiagnostic {
        let (line, column) = sources.line_col(self.span);
        JsonDiagnostic {
            code: self.code,
            severity: self.severity,
            message: self.message.clone(),
            help: self.help.clone(),
            file: sources.name(self.span.source),
            line,
            column,
            span: JsonSpan {
                start: self.span.start,
                end: self.span.end,
                text: sources.snippet(self.span).to_owned(),
            },
            label: self.label.clone(),
            related: self
                .related
                .iter()
                .map(|r| {
                    let (line, column) = sources.line_col(r.span);
                    JsonRelated {
                        message: r.message.clone(),
                        file: sources.name(r.span.source),
                        line,
                        column,
                    }
                })
                .collect(),
        }
    }
}

/// A diagnostic in the stable JSON shape (`lawful check --json`).
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    /// Stable code, as [`Diagnostic::code`].
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The fix, in one line, or null.
    pub help: Option<String>,
    /// The file's display name.
    pub file: String,
    /// Line of the span's start, counted from 1 (0 for a span of no file).
    pub line: usize,
    /// Column in characters, counted from 1 (0 for a span of no file).
    pub column: usize,
    /// The byte range and the text it covers.
    pub span: JsonSpan,
    /// The label on the span ("" when unlabelled).
    pub label: String,
    /// Other places that explain it.
    pub related: Vec<JsonRelated>,
}

/// The byte range of a [`JsonDiagnostic`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonSpan {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
    /// The text covered.
    pub text: String,
}

/// A related location of a [`JsonDiagnostic`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonRelated {
    /// What is there.
    pub message: String,
    /// The file's display name.
    pub file: String,
    /// Line, counted from 1.
    pub line: usize,
    /// Column in characters, counted from 1.
    pub column: usize,
}

/// How many lines apart a related span may be from the primary one and still share its
/// snippet.
pub const NEAR_LINES: usize = 6;

/// A diagnostic with its sources, ready for miette's report handlers.
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: crate::source::IndexedSource,
    /// Related spans labelled in the primary snippet.
    near: Vec<&'a Related>,
    /// Related spans in the same file too far away for it: a snippet each.
    far: Vec<RelatedRendered<'a>>,
}

/// A related span far from its diagnostic's, rendered as a note with its own snippet.
struct RelatedRendered<'a> {
    related: &'a Related,
    source: crate::source::IndexedSource,
}

impl fmt::Debug for RelatedRendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.related, f)
    }
}

impl fmt::Display for RelatedRendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.related.message)
    }
}

impl std::error::Error for RelatedRendered<'_> {}

impl miette::Diagnostic for RelatedRendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = miette::LabeledSpan::new_primary_with_span(None, self.related.span);
        Some(Box::new(std::iter::once(label)))
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = self.diagnostic.span;
        let label = (!self.diagnostic.label.is_empty()).then(|| self.diagnostic.label.clone());
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(label, primary)];
        // miette renders one source per diagnostic: related spans in other files become
        // notes, and those far away in this file snippets of their own (`related`).
        labels.extend(
            self.near
                .iter()
                .map(|r| miette::LabeledSpan::new_with_span(Some(r.message.clone()), r.span)),
        );
        Some(Box::new(labels.into_iter()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.far.is_empty() {
            return None;
        }
        Some(Box::new(
            self.far.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }
}

/// Notes for related spans in other files, rendered after the report.
pub fn foreign_notes(diagnostic: &Diagnostic, sources: &SourceMap) -> Vec<String> {
    diagnostic
        .related
        .iter()
        .filter(|r| r.span.source != diagnostic.span.source)
        .map(|r| {
            let (line, col) = sources.line_col(r.span);
            format!(
                "{} ({}:{line}:{col})",
                r.message,
                sources.name(r.span.source)
            )
        })
        .collect()
}

/// Every diagnostic of one compilation, errors and warnings.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// In the order found (see [`Diagnostics::sort`]).
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Add one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Whether any is an error (the policy does not compile).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors, in order.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings, in order.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many, errors and warnings.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Order by file and position, errors before warnings at the same place.
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| (d.span.source, d.span.start, d.severity));
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// "did you mean `x`?": the closest candidate by edit distance (with transpositions, so
/// `gcp` finds `gpc`), accepted when at most a third of the name differs.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Edit distance is quadratic in length: names this long are not typos of each other.
    const MAX_LEN: usize = 128;
    let len = name.chars().count();
    if len == 0 || len > MAX_LEN {
        return None;
    }
    let allowed = (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| c.len() <= MAX_LEN * 4)
        .filter_map(|c| {
            let distance = strsim::osa_distance(name, c);
            // A truncated name (`str` for `string`) is a typo too.
            let truncated = len >= 3 && c.starts_with(name);
            (distance <= allowed || truncated).then_some((distance, c))
        })
        // Closest first; among equals, the one sharing the longest prefix (`US-CAL` is
        // `US-CA` more than `US-AL`).
        .min_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                strsim::jaro_winkler(name, b.1).total_cmp(&strsim::jaro_winkler(name, a.1))
            })
        })
        .map(|(_, c)| c)
}

/// A user-written name shortened for a message.
pub fn shorten(name: &str) -> String {
    const MAX: usize = 80;
    if name.chars().count() <= MAX {
        name.to_owned()
    } else {
        let head: String = name.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Append " did you mean `x`?" to a help line when there is a close candidate.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["marketing.direct", "essential.service", "analytics"];
        assert_eq!(suggest("marketing.drect", names), Some("marketing.direct"));
        assert_eq!(suggest("analytcs", names), Some("analytics"));
        assert_eq!(suggest("zzz", names), None);
        assert_eq!(suggest("gcp", ["gpc", "restricted"]), Some("gpc"));
        assert_eq!(suggest("US-CAL", ["US-AL", "US-CA"]), Some("US-CA"));
        assert_eq!(
            suggest("str", ["bool", "int", "string", "set"]),
            Some("string")
        );
        // Only the ancestor is close in prefix, not in spelling: no suggestion.
        assert_eq!(suggest("user.adress", ["user.email", "user"]), None);
        let long = "a".repeat(1_000_000);
        assert_eq!(suggest(&long, [long.as_str()]), None);
    }
}
