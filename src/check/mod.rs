//! Syntax trees → checked, compiled [`Policy`]. Resolves every name (with suggestions),
//! builds the region / category / purpose hierarchies, validates what a policy must satisfy (docs/language.md)
//! asks, runs the lints, and fills the model's tables.
//!
//! **Invariant:** every problem is reported in one run; a `Policy` is produced only when
//! there is no error.

mod channels;
mod combine;
mod declare;
mod duties;
mod error;
mod index;
mod lints;
mod lower;
mod optout;
mod other;
mod regions;
mod resolve;
mod safeguard;
/// The checker's stages one at a time, for benchmarks (feature `testkit`).
#[cfg(any(test, feature = "testkit"))]
pub mod stages;
mod tests;
mod tree;
mod unstated;

use std::collections::HashMap;

pub use error::{CheckError, NameKind, LINTS};
pub(crate) use lower::period_in_range;
pub use lower::MAX_PERIOD_YEARS;
pub use regions::MAX_REGIONS;

use crate::diagnostic::{suggest, Diagnostic, Diagnostics};
use crate::load::Loaded;
use crate::model::*;
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::ast;

/// Check loaded files and compile them. Returns the policy when there are no errors, and
/// every diagnostic (warnings included) either way.
pub fn check(loaded: Loaded) -> (Option<Policy>, Diagnostics) {
    let Loaded {
        sources,
        files,
        root,
    } = loaded;
    let mut checker = Checker::new(root);
    checker.declare(&files);
    checker.build_regions(&files);
    checker.build_categories(&files);
    checker.lower(&files);
    checker.lower_duties(&files);
    checker.compile_tests(&files);
    checker.build_indexes();
    checker.lint(&files);
    let mut diagnostics = checker.finish_diagnostics(&files);
    diagnostics.sort();
    if diagnostics.has_errors() {
        return (None, diagnostics);
    }
    // The syntax trees are freed on this thread once the policy is built. Freed before, the
    // allocator hands their scattered chunks back to the policy's tables (2 M more
    // instructions in `malloc` at ×100). Freed on a scoped thread meanwhile (the fourth
    // round), compiling measured slower than the stages that free them here and drop the
    // policy besides: the two threads share the allocator's arenas, and the join waits for
    // the free (docs/speed.md, fifth round).
    let policy = checker.into_policy(sources);
    drop(files);
    (Some(policy), diagnostics)
}

/// A named table under construction: entries plus a by-name index. The index is the
/// compiled policy's own kind ([`NameIndex`]: one hash of two folded multiplies for a short
/// name, the names back to back in one string), so declaring a name allocates no key and
/// the finished index moves into the policy as it is.
struct Table<T> {
    items: Vec<T>,
    index: NameIndex<u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            index: NameIndex::default(),
        }
    }
}

impl<T> Table<T> {
    fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name)
    }

    fn push(&mut self, name: &str, item: T) -> u32 {
        let id = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.push(item);
        self.index.insert(name, id);
        id
    }

    fn item(&self, id: u32) -> Option<&T> {
        self.items.get(id as usize)
    }

    fn item_mut(&mut self, id: u32) -> Option<&mut T> {
        self.items.get_mut(id as usize)
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.index.names()
    }

    /// The finished index, with typed ids.
    fn into_index<I: Copy>(self, id: impl Fn(u32) -> I) -> (Vec<T>, NameIndex<I>) {
        (self.items, self.index.map_ids(id))
    }
}

struct Checker {
    root: SourceId,
    /// The stamp of the policy being built (test subjects carry it).
    stamp: PolicyStamp,
    diagnostics: Diagnostics,
    header: Header,
    header_span: Option<Span>,

    regions: Table<Region>,
    region_parents: Vec<Vec<RegionId>>,
    categories: Table<Category>,
    category_tree: tree::Subtrees,
    /// The categories flagged `special` (inherited flags included), once the hierarchy is
    /// built: the special-category check asks it before walking a purpose's uses.
    special_categories: IdSet,
    /// Large category subtrees as sets, by node, made when first selected
    /// (`add_category_subtree`).
    category_subtree_sets: HashMap<usize, IdSet>,
    fields: Table<Field>,
    purposes: Table<Purpose>,
    purpose_tree: tree::Subtrees,
    recipients: Table<Recipient>,
    flags: Table<Info>,
    subject_kinds: Table<Info>,
    attributes: Table<Attribute>,
    events: Table<Info>,
    circumstances: Table<Info>,
    facts: HashMap<String, Vec<(IdSet, i64)>>,
    fact_spans: HashMap<String, Span>,
    symbols: Table<()>,
    rule_names: HashMap<String, Span>,

    rules: Vec<DenyRule>,
    transfers: Vec<TransferRule>,
    localizations: Vec<Localization>,
    retention: Vec<RetentionRule>,
    children: Children,
    provenance: Vec<Provenance>,
    rights: Vec<Right>,
    other_purposes: Vec<OtherPurposes>,
    responses: Vec<ResponseTime>,
    /// Citations, security measures (`duties.rs`).
    duties: Duties,
    tests: Vec<model_tests::CompiledTest>,
    assertions: Vec<model_tests::CompiledAssertion>,
    index: Indexes,
    /// The `allow` attributes, read when the lints start: a silenced warning is not built.
    allows: Option<Allows>,
}

use crate::model::tests as model_tests;

impl Checker {
    fn new(root: SourceId) -> Self {
        let mut flags = Table::default();
        for name in BUILTIN_FLAGS {
            flags.push(
                name,
                Info {
                    name: (*name).to_owned(),
                    ..Info::default()
                },
            );
        }
        let mut events = Table::default();
        for name in BUILTIN_EVENTS {
            events.push(
                name,
                Info {
                    name: (*name).to_owned(),
                    ..Info::default()
                },
            );
        }
        Checker {
            root,
            stamp: PolicyStamp::fresh(),
            diagnostics: Diagnostics::default(),
            header: Header::default(),
            header_span: None,
            regions: Table::default(),
            region_parents: Vec::new(),
            categories: Table::default(),
            category_tree: tree::Subtrees::default(),
            special_categories: IdSet::default(),
            category_subtree_sets: HashMap::new(),
            fields: Table::default(),
            purposes: Table::default(),
            purpose_tree: tree::Subtrees::default(),
            recipients: Table::default(),
            flags,
            subject_kinds: Table::default(),
            attributes: Table::default(),
            events,
            circumstances: Table::default(),
            facts: HashMap::new(),
            fact_spans: HashMap::new(),
            symbols: Table::default(),
            rule_names: HashMap::new(),
            rules: Vec::new(),
            transfers: Vec::new(),
            localizations: Vec::new(),
            retention: Vec::new(),
            children: Children {
                threshold: Vec::new(),
                threshold_provenance: Vec::new(),
                unknown_age: UnknownAge::Child,
                default: ChildTreatment::Deny,
            },
            provenance: Vec::new(),
            rights: Vec::new(),
            other_purposes: Vec::new(),
            responses: Vec::new(),
            duties: Duties::default(),
            tests: Vec::new(),
            assertions: Vec::new(),
            index: Indexes::default(),
            allows: None,
        }
    }

    fn error(&mut self, error: CheckError, span: Span, label: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(&error, span, label));
    }

    fn error_related(
        &mut self,
        error: CheckError,
        span: Span,
        label: impl Into<String>,
        related: Span,
        note: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(&error, span, label).with_related(related, note));
    }

    /// Whether a warning of `lint` at `span` would be kept (not silenced by an `allow`), so
    /// a lint builds its message only for warnings that are reported.
    fn warns(&self, lint: &str, span: Span) -> bool {
        !self
            .allows
            .as_ref()
            .is_some_and(|allows| allows.silences_lint(lint, span))
    }

    fn warn(&mut self, lint: &'static str, message: String, help: String, span: Span, label: &str) {
        if !self.warns(lint, span) {
            return;
        }
        let error = CheckError::Lint {
            lint,
            message,
            help,
        };
        self.diagnostics.push(Diagnostic::new(&error, span, label));
    }

    /// Report an unknown name with the closest candidate.
    fn unknown<'n>(
        &mut self,
        kind: NameKind,
        name: &str,
        span: Span,
        candidates: impl IntoIterator<Item = &'n str>,
    ) {
        let candidates: Vec<&str> = candidates.into_iter().collect();
        let mut suggestion = suggest(name, candidates.iter().copied()).map(str::to_owned);
        if suggestion.is_none() && kind == NameKind::Region {
            // `Germany` for `DE`: a region named by its title.
            suggestion = self.region_by_title(name).map(str::to_owned);
        }
        let mut choices: Vec<String> = candidates.iter().map(|c| (*c).to_owned()).collect();
        choices.sort();
        let error = CheckError::Unknown {
            kind,
            name: crate::diagnostic::shorten(name),
            suggestion,
            choices,
        };
        let label = format!("not a declared {}", kind.noun());
        self.diagnostics.push(Diagnostic::new(&error, span, label));
    }

    /// The code of the region whose title (`"Germany"`) is `name`, ignoring case.
    fn region_by_title(&self, name: &str) -> Option<&str> {
        self.regions.items.iter().find_map(|r| {
            r.info
                .title
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(name.trim()))
                .then_some(r.info.name.as_str())
        })
    }

    fn add_provenance(
        &mut self,
        kind: ProvenanceKind,
        name: String,
        docs: Option<String>,
        span: Span,
    ) -> ProvenanceId {
        let id = ProvenanceId::from_index(self.provenance.len());
        self.provenance.push(Provenance {
            kind,
            name,
            docs,
            span,
        });
        id
    }

    fn intern_symbol(&mut self, text: &str) -> SymbolId {
        match self.symbols.get(text) {
            Some(id) => SymbolId(id),
            None => SymbolId(self.symbols.push(text, ())),
        }
    }

    fn into_policy(self, sources: SourceMap) -> Policy {
        let mut index = self.index;
        let regions;
        (regions, index.regions) = self.regions.into_index(RegionId);
        let categories;
        (categories, index.categories) = self.categories.into_index(CategoryId);
        let fields;
        (fields, index.fields) = self.fields.into_index(FieldId);
        let purposes;
        (purposes, index.purposes) = self.purposes.into_index(PurposeId);
        let recipients;
        (recipients, index.recipients) = self.recipients.into_index(RecipientId);
        let subject_kinds;
        (subject_kinds, index.subject_kinds) = self.subject_kinds.into_index(SubjectKindId);
        let attributes;
        (attributes, index.attributes) = self.attributes.into_index(AttributeId);
        let events;
        (events, index.events) = self.events.into_index(EventId);
        let circumstances;
        (circumstances, index.circumstances) = self.circumstances.into_index(CircumstanceId);
        let mut symbols = vec![String::new(); self.symbols.len()];
        for (name, id) in self.symbols.index.entries() {
            if let Some(slot) = symbols.get_mut(id as usize) {
                name.clone_into(slot);
            }
        }
        index.symbols = self.symbols.index.map_ids(SymbolId);
        let mut policy = Policy {
            header: self.header,
            sources,
            regions,
            categories,
            fields,
            purposes,
            recipients,
            subject_kinds,
            attributes,
            events,
            circumstances,
            flags: self.flags.items,
            symbols,
            rules: self.rules,
            transfers: self.transfers,
            localizations: self.localizations,
            retention: self.retention,
            children: self.children,
            provenance: self.provenance,
            rights: self.rights,
            other_purposes: self.other_purposes,
            responses: self.responses,
            duties: self.duties,
            tests: self.tests,
            assertions: self.assertions,
            index,
            stamp: self.stamp,
        };
        policy.index.decision = crate::model::DecisionTables::build(&policy);
        policy
    }

    /// Drop silenced warnings; warn about unknown lint names.
    fn finish_diagnostics(&mut self, files: &[ast::File]) -> Diagnostics {
        for file in files {
            self.check_lint_names(&file.allows);
            for item in &file.items {
                self.check_lint_names(&item.allows);
            }
        }
        let allows = self
            .allows
            .take()
            .unwrap_or_else(|| Allows::from_files(files));
        allows.retain(std::mem::take(&mut self.diagnostics))
    }

    fn check_lint_names(&mut self, names: &[ast::Name]) {
        for name in names {
            if !LINTS.contains(&name.text.as_str()) {
                self.unknown(NameKind::Lint, &name.text, name.span, LINTS.iter().copied());
            }
        }
    }
}

/// The lints silenced where: `#![allow(…)]` for a whole file, `#[allow(…)]` for the
/// declaration that follows it. Later stages (the prover's lints) filter their warnings with
/// the same table.
#[derive(Debug, Clone, Default)]
pub struct Allows {
    /// Whole files, by source.
    files: Vec<(SourceId, Vec<String>)>,
    /// Declarations, sorted by where they start (they never overlap), so a diagnostic finds
    /// its declaration by binary search: filtering stays linear as policies grow.
    items: Vec<(Span, Vec<String>)>,
}

impl Allows {
    /// The `allow` attributes of every file and declaration of `files`.
    pub fn from_files(files: &[ast::File]) -> Self {
        let mut allows = Allows::default();
        for file in files {
            if !file.allows.is_empty() {
                let names = file.allows.iter().map(|n| n.text.clone()).collect();
                allows.files.push((file.source, names));
            }
            for item in file.items.iter().filter(|i| !i.allows.is_empty()) {
                let names = item.allows.iter().map(|n| n.text.clone()).collect();
                allows.items.push((item.span, names));
            }
        }
        allows
            .items
            .sort_by_key(|(span, _)| (span.source, span.start, span.end));
        allows
    }

    /// Whether a diagnostic is a warning silenced at its location.
    pub fn silences(&self, diagnostic: &Diagnostic) -> bool {
        let Some(lint) = diagnostic.lint_name() else {
            return false;
        };
        self.silences_lint(lint, diagnostic.span)
    }

    /// Whether a warning of `lint` at `at` is silenced.
    pub fn silences_lint(&self, lint: &str, at: Span) -> bool {
        let names = |names: &Vec<String>| names.iter().any(|n| n == lint);
        if self
            .files
            .iter()
            .any(|(source, list)| *source == at.source && names(list))
        {
            return true;
        }
        // The declarations starting at or before the diagnostic; only the last can hold it.
        let before = self
            .items
            .partition_point(|(span, _)| (span.source, span.start) <= (at.source, at.start));
        before
            .checked_sub(1)
            .and_then(|i| self.items.get(i))
            .is_some_and(|(span, list)| {
                span.source == at.source && at.end <= span.end && names(list)
            })
    }

    /// The diagnostics that are not silenced.
    pub fn retain(&self, diagnostics: Diagnostics) -> Diagnostics {
        let mut kept = Diagnostics::default();
        kept.extend(diagnostics.into_iter().filter(|d| !self.silences(d)));
        kept
    }
}
