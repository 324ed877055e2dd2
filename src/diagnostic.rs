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
pub enum Severity {
    Error,
    Warning,
}

/// What every stage's error type provides.
pub trait DiagnosticKind: fmt::Display {
    /// Stable code, e.g. `lawful::check::unknown_purpose`.
    fn code(&self) -> &'static str;
    /// The fix, in one line.
    fn help(&self) -> Option<String>;
    fn severity(&self) -> Severity {
        Severity::Error
    }
}

/// A secondary location with its own short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
    /// Text of the label on `span` ("" renders as an unlabelled underline).
    pub label: String,
    pub related: Vec<Related>,
}

impl Diagnostic {
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

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The lint name of a warning (`lawful::lint::unused-field` → `unused-field`).
    pub fn lint_name(&self) -> Option<&'static str> {
        self.code.strip_prefix("lawful::lint::")
    }

    /// Pair with the sources so miette can render it.
    pub fn render<'a>(&'a self, sources: &SourceMap) -> Rendered<'a> {
        Rendered {
            diagnostic: self,
            source: sources.named_source(self.span.source),
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

#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub span: JsonSpan,
    pub label: String,
    pub related: Vec<JsonRelated>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonSpan {
    pub start: u32,
    pub end: u32,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonRelated {
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// A diagnostic with its sources, ready for miette's report handlers.
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: crate::source::IndexedSource,
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
        // miette renders one source per diagnostic: related spans in other files become notes.
        labels.extend(
            self.diagnostic
                .related
                .iter()
                .filter(|r| r.span.source == primary.source)
                .map(|r| miette::LabeledSpan::new_with_span(Some(r.message.clone()), r.span)),
        );
        Some(Box::new(labels.into_iter()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        None
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
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

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
