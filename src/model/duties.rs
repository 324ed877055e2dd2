//! What a policy states beside its decisions: the citation of each declaration (`//>`), the
//! security measures (GDPR Art. 30(1)(g), Art. 32) and what a recipient must and may not do
//! with the data (Art. 28(3)). Side tables: read by explanations, `lawful doc` and `lawful
//! diff`; a recipient's purpose limits are also folded into its `purposes` when it is
//! lowered, so the evaluator decides them without reading anything here.

use super::ids::{ProvenanceId, RecipientId};
use super::policy::Info;
use super::IdSet;
use crate::source::Span;

/// The `//>` citations of a policy's declarations, by the span of what they are written on.
#[derive(Debug, Clone, Default)]
pub struct Citations {
    /// The span of the item (or block entry) a citation is written on, and its text; sorted
    /// by source and start.
    entries: Vec<(Span, String)>,
}

impl Citations {
    /// Record the citation of the declaration written at `span`.
    pub(crate) fn push(&mut self, span: Span, text: String) {
        self.entries.push((span, text));
    }

    /// Sort once all citations are in (lookups binary-search).
    pub(crate) fn finish(&mut self) {
        self.entries
            .sort_by_key(|(span, _)| (span.source, span.start, std::cmp::Reverse(span.end)));
    }

    /// The citation of the innermost cited declaration whose text contains `span`: a rule's
    /// own, or for a basis line that of its purpose.
    pub fn of(&self, span: Span) -> Option<&str> {
        // Entries starting at or before `span`; the latest-starting one that contains it is
        // the innermost (cited declarations nest: a block and its entries).
        let end = self
            .entries
            .partition_point(|(s, _)| (s.source, s.start) <= (span.source, span.start));
        self.entries
            .get(..end)?
            .iter()
            .rev()
            .take_while(|(s, _)| s.source == span.source)
            .find(|(s, _)| s.end >= span.end)
            .map(|(_, text)| text.as_str())
    }

    /// Every citation with the span of what it is written on, in source order.
    pub fn iter(&self) -> impl Iterator<Item = (Span, &str)> + '_ {
        self.entries
            .iter()
            .map(|(span, text)| (*span, text.as_str()))
    }

    /// How many declarations carry a citation.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no declaration carries a citation.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One `security { … }` measure.
#[derive(Debug, Clone)]
pub struct SecurityMeasure {
    /// Its name (`encryption`), description (as the title), doc comment and span.
    pub info: Info,
    /// The data it protects; `None`: all data.
    pub categories: Option<IdSet>,
    /// The recipients it binds (`to …`); empty: the controller's own processing.
    pub recipients: Vec<RecipientId>,
}

/// `never for PURPOSES "…"` of a recipient: purposes it may not pursue with the data.
#[derive(Debug, Clone)]
pub struct RecipientLimit {
    /// The purposes (selectors expanded).
    pub purposes: IdSet,
    /// The limit as the policy states it.
    pub text: Option<String>,
    /// The clause, cited by a disclosure it denies.
    pub provenance: ProvenanceId,
}

/// What a recipient must do and may not do with the data it receives.
#[derive(Debug, Clone, Default)]
pub struct RecipientTerms {
    /// `duty "…"`: its obligations, as written.
    pub duties: Vec<String>,
    /// `never for …`: the purposes it may not pursue.
    pub limits: Vec<RecipientLimit>,
}

impl RecipientTerms {
    /// The limit that forbids `purpose`, if one does.
    pub fn limit_for(&self, purpose: usize) -> Option<&RecipientLimit> {
        self.limits.iter().find(|l| l.purposes.contains(purpose))
    }
}

/// `source NAME provides DATA [for PURPOSES] [in REGIONS]`: data obtained from someone other
/// than the subject (GDPR Art. 14(2)(f)).
#[derive(Debug, Clone)]
pub struct DataSource {
    /// Its name, title, doc comment and span.
    pub info: Info,
    /// The data it provides.
    pub categories: IdSet,
    /// The purposes it provides it for; `None`: not said.
    pub purposes: Option<IdSet>,
    /// Where.
    pub regions: IdSet,
}

/// The policy's statements beside its decisions.
#[derive(Debug, Clone, Default)]
pub struct Duties {
    /// The `source` declarations, in order.
    pub sources: Vec<DataSource>,
    /// The `//>` citations.
    pub citations: Citations,
    /// The `security { … }` measures, in order.
    pub security: Vec<SecurityMeasure>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn span(start: u32, end: u32) -> Span {
        Span {
            source: SourceId(0),
            start,
            end,
        }
    }

    #[test]
    fn the_innermost_citation_containing_a_span_is_found() {
        let mut c = Citations::default();
        c.push(span(50, 60), "entry".to_owned());
        c.push(span(0, 10), "first".to_owned());
        c.push(span(40, 100), "block".to_owned());
        c.finish();
        assert_eq!(c.of(span(2, 5)), Some("first"));
        assert_eq!(c.of(span(52, 58)), Some("entry"));
        assert_eq!(c.of(span(70, 80)), Some("block"));
        assert_eq!(c.of(span(12, 20)), None);
        assert_eq!(c.of(span(5, 45)), None);
        let other = Span {
            source: SourceId(1),
            start: 2,
            end: 5,
        };
        assert_eq!(c.of(other), None);
    }
}
