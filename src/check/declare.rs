//! Pass 1: register every declared name, so later passes can resolve references in any
//! order. Dotted categories and purposes imply their ancestors.

use super::{CheckError, Checker, NameKind};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{self, Decl};

/// Deepest dotted name (`a.b.c` has 3 segments). Real taxonomies stay under 8; the bound keeps
/// ancestor lists, which every category and purpose stores, small.
pub const MAX_PATH_SEGMENTS: usize = 32;

fn info(name: &str, title: Option<&ast::StrLit>, docs: Option<&String>, span: Span) -> Info {
    Info {
        name: name.to_owned(),
        title: title.map(|t| t.value.clone()),
        docs: docs.cloned(),
        span,
    }
}

impl Checker {
    pub(super) fn declare(&mut self, files: &[ast::File]) {
        // The large tables take their room once (implied ancestors may add a few more):
        // growing them by doubling copies every entry again.
        let (mut categories, mut fields, mut purposes) = (0, 0, 0);
        for item in files.iter().flat_map(|f| &f.items) {
            match item.decl {
                Decl::Category(_) => categories += 1,
                Decl::Field(_) => fields += 1,
                Decl::Purpose(_) | Decl::Vocabulary(_) => purposes += 1,
                _ => {}
            }
        }
        self.categories.items.reserve(categories);
        self.fields.items.reserve(fields);
        self.purposes.items.reserve(purposes);
        // Vocabulary names last: the policy's own purposes (and the ancestors they imply)
        // keep the ids, and so the order, they have without a vocabulary.
        for vocabulary in [false, true] {
            for file in files {
                for item in &file.items {
                    if matches!(item.decl, Decl::Vocabulary(_)) == vocabulary {
                        self.declare_item(item, file.source == self.root, file.docs.as_ref());
                    }
                }
            }
        }
    }

    fn declare_item(&mut self, item: &ast::Item, in_root: bool, file_docs: Option<&String>) {
        let docs = item.docs.as_ref();
        let path = match &item.decl {
            Decl::Category(c) => Some(&c.path),
            Decl::Purpose(p) => Some(&p.path),
            Decl::Vocabulary(v) => Some(&v.path),
            Decl::Field(f) => Some(&f.path),
            _ => None,
        };
        if let Some(path) = path {
            let segments = path.text.split('.').count();
            if segments > MAX_PATH_SEGMENTS {
                self.error(
                    CheckError::NameTooDeep {
                        name: crate::diagnostic::shorten(&path.text),
                        segments,
                        limit: MAX_PATH_SEGMENTS,
                    },
                    path.span,
                    "too deep",
                );
                return;
            }
        }
        match &item.decl {
            Decl::Policy(header) => self.declare_header(header, item.span, in_root, file_docs),
            Decl::Region(r) => self.declare_region(&r.code, r.title.as_ref(), docs, false),
            Decl::Group(g) => self.declare_region(&g.code, g.title.as_ref(), docs, true),
            Decl::Flag(f) => {
                let i = info(&f.name.text, f.title.as_ref(), docs, f.name.span);
                self.declare_info(NameKind::Flag, &f.name, i);
            }
            Decl::SubjectKind(k) => {
                let i = info(&k.name.text, k.title.as_ref(), docs, k.name.span);
                self.declare_info(NameKind::SubjectKind, &k.name, i);
            }
            Decl::Event(e) => {
                let i = info(&e.name.text, e.title.as_ref(), docs, e.name.span);
                self.declare_info(NameKind::Event, &e.name, i);
                if e.per_purpose.is_some() {
                    if let Some(id) = self.events.get(&e.name.text) {
                        let id = EventId(id);
                        if let Err(at) = self.index.per_purpose_events.binary_search(&id) {
                            self.index.per_purpose_events.insert(at, id);
                        }
                    }
                }
            }
            Decl::Circumstance(c) => {
                let i = info(&c.name.text, c.title.as_ref(), docs, c.name.span);
                if self.circumstances.len() >= MAX_CIRCUMSTANCES
                    && self.circumstances.get(&c.name.text).is_none()
                {
                    self.error(
                        CheckError::TooManyCircumstances {
                            count: self.circumstances.len() + 1,
                            limit: MAX_CIRCUMSTANCES,
                        },
                        c.name.span,
                        "one too many",
                    );
                    return;
                }
                self.declare_info(NameKind::Circumstance, &c.name, i);
            }
            Decl::Attribute(a) => self.declare_attribute(a, docs),
            Decl::Category(c) => {
                self.declare_category(&c.path, c.title.as_ref(), docs);
            }
            Decl::Field(f) => self.declare_field(f, docs),
            Decl::Purpose(p) => {
                self.declare_purpose(&p.path, p.title.as_ref(), docs);
            }
            Decl::Vocabulary(v) => self.declare_vocabulary_purpose(&v.path, v.title.as_ref(), docs),
            Decl::Recipient(r) => self.declare_recipient(r, docs),
            Decl::Fact(f) => {
                self.fact_spans
                    .entry(f.name.text.clone())
                    .or_insert(f.name.span);
            }
            Decl::Deny(rule) => {
                if let Some(first) = self.rule_names.get(&rule.name.text).copied() {
                    self.duplicate(NameKind::Rule, &rule.name, first);
                } else {
                    self.rule_names
                        .insert(rule.name.text.clone(), rule.name.span);
                }
            }
            _ => {}
        }
    }

    /// Declare a flag, subject kind, circumstance or event, reporting duplicates.
    fn declare_info(&mut self, kind: NameKind, name: &ast::Name, item: Info) {
        let table = match kind {
            NameKind::Flag => &mut self.flags,
            NameKind::SubjectKind => &mut self.subject_kinds,
            NameKind::Circumstance => &mut self.circumstances,
            _ => &mut self.events,
        };
        match table.get(&name.text) {
            Some(first) => {
                let first = table.item(first).map(|x| x.span).unwrap_or_default();
                self.duplicate(kind, name, first);
            }
            None => {
                table.push(&name.text, item);
            }
        }
    }

    fn duplicate(&mut self, kind: NameKind, name: &ast::Name, first: Span) {
        if first == Span::default() {
            // The first declaration is built in (`special`, `collected` …).
            let error = CheckError::Duplicate {
                kind,
                name: name.text.clone(),
            };
            self.error(error, name.span, "built into every policy");
            return;
        }
        self.error_related(
            CheckError::Duplicate {
                kind,
                name: name.text.clone(),
            },
            name.span,
            "declared again here",
            first,
            "first declared here",
        );
    }

    fn declare_header(
        &mut self,
        header: &ast::PolicyHeader,
        span: Span,
        in_root: bool,
        file_docs: Option<&String>,
    ) {
        if !in_root {
            // An imported policy contributes its declarations, not its identity.
            return;
        }
        if let Some(first) = self.header_span {
            self.error_related(
                CheckError::DuplicatePolicyHeader,
                span,
                "second header",
                first,
                "first header",
            );
            return;
        }
        self.header_span = Some(span);
        self.header = Header {
            name: header.name.as_ref().map(|s| s.value.clone()),
            controllers: header.controllers.iter().map(|s| s.value.clone()).collect(),
            contacts: header.contacts.iter().map(|s| s.value.clone()).collect(),
            version: header.version.as_ref().map(|s| s.value.clone()),
            effective: header.effective.as_ref().map(|d| d.value),
            updated: header.updated.as_ref().map(|d| d.value),
            docs: file_docs.cloned(),
        };
    }

    fn declare_region(
        &mut self,
        code: &ast::Name,
        title: Option<&ast::StrLit>,
        docs: Option<&String>,
        is_group: bool,
    ) {
        if let Some(first) = self.regions.get(&code.text) {
            let first = self
                .regions
                .item(first)
                .map(|r| r.info.span)
                .unwrap_or_default();
            self.duplicate(NameKind::Region, code, first);
            return;
        }
        self.regions.push(
            &code.text,
            Region {
                info: info(&code.text, title, docs, code.span),
                is_group,
                within: IdSet::default(),
                inside: IdSet::default(),
            },
        );
        self.region_parents.push(Vec::new());
    }

    fn declare_attribute(&mut self, a: &ast::AttributeDecl, docs: Option<&String>) {
        if let Some(first) = self.attributes.get(&a.name.text) {
            let first = self
                .attributes
                .item(first)
                .map(|x| x.info.span)
                .unwrap_or_default();
            self.duplicate(NameKind::Attribute, &a.name, first);
            return;
        }
        let ty = match AttributeType::parse(&a.ty.text) {
            Some(ty) => ty,
            None => {
                self.unknown(
                    NameKind::AttributeType,
                    &a.ty.text,
                    a.ty.span,
                    ["bool", "int", "string", "set"],
                );
                AttributeType::Bool
            }
        };
        self.attributes.push(
            &a.name.text,
            Attribute {
                info: info(&a.name.text, None, docs, a.name.span),
                ty,
            },
        );
    }

    /// Declare a category and its implied ancestors; returns its id.
    fn declare_category(
        &mut self,
        path: &ast::Name,
        title: Option<&ast::StrLit>,
        docs: Option<&String>,
    ) -> Option<CategoryId> {
        if let Some(existing) = self.categories.get(&path.text) {
            let (declared, span) = self
                .categories
                .item(existing)
                .map_or((false, path.span), |c| (c.declared, c.info.span));
            if declared {
                self.duplicate(NameKind::Category, path, span);
                return None;
            }
            if let Some(c) = self.categories.item_mut(existing) {
                c.declared = true;
                c.info = info(&path.text, title, docs, path.span);
            }
            return Some(CategoryId(existing));
        }
        let parent = path
            .text
            .rsplit_once('.')
            .map(|(parent, _)| self.implied_category(parent, path.span));
        let id = self.categories.push(
            &path.text,
            Category {
                info: info(&path.text, title, docs, path.span),
                parent,
                declared: true,
                ancestors: Vec::new(),
                flags: IdSet::default(),
            },
        );
        Some(CategoryId(id))
    }

    /// The id of `name`, creating it and any missing ancestors (iteratively: a hostile
    /// path may have a million segments).
    fn implied_category(&mut self, name: &str, span: Span) -> CategoryId {
        let mut parent = None;
        for prefix in prefixes(name) {
            parent = Some(match self.categories.get(prefix) {
                Some(id) => CategoryId(id),
                None => CategoryId(self.categories.push(
                    prefix,
                    Category {
                        info: info(prefix, None, None, span),
                        parent,
                        declared: false,
                        ancestors: Vec::new(),
                        flags: IdSet::default(),
                    },
                )),
            });
        }
        parent.unwrap_or(CategoryId(0))
    }

    fn declare_purpose(
        &mut self,
        path: &ast::Name,
        title: Option<&ast::StrLit>,
        docs: Option<&String>,
    ) {
        if let Some(existing) = self.purposes.get(&path.text) {
            let (declared, span) = self
                .purposes
                .item(existing)
                .map_or((false, path.span), |p| (p.declared, p.info.span));
            if declared {
                self.duplicate(NameKind::Purpose, path, span);
                return;
            }
            if let Some(p) = self.purposes.item_mut(existing) {
                p.declared = true;
                p.vocabulary = false;
                p.info = info(&path.text, title, docs, path.span);
            }
            return;
        }
        let parent = path
            .text
            .rsplit_once('.')
            .map(|(parent, _)| self.implied_purpose(parent, path.span));
        self.purposes.push(
            &path.text,
            empty_purpose(info(&path.text, title, docs, path.span), parent, true),
        );
    }

    /// A purpose a vocabulary knows: known to questions (denied, `not_declared`) but not
    /// declared. It keeps its title and docs unless the policy declares the purpose itself;
    /// naming it twice in vocabularies is harmless.
    fn declare_vocabulary_purpose(
        &mut self,
        path: &ast::Name,
        title: Option<&ast::StrLit>,
        docs: Option<&String>,
    ) {
        let id = self.implied_purpose(&path.text, path.span);
        if let Some(p) = self.purposes.item_mut(id.0) {
            if !p.declared && !p.vocabulary {
                p.vocabulary = true;
                p.info = info(&path.text, title, docs, path.span);
            }
        }
    }

    fn implied_purpose(&mut self, name: &str, span: Span) -> PurposeId {
        let mut parent = None;
        for prefix in prefixes(name) {
            parent = Some(match self.purposes.get(prefix) {
                Some(id) => PurposeId(id),
                None => PurposeId(self.purposes.push(
                    prefix,
                    empty_purpose(info(prefix, None, None, span), parent, false),
                )),
            });
        }
        parent.unwrap_or(PurposeId(0))
    }

    fn declare_field(&mut self, f: &ast::FieldDecl, docs: Option<&String>) {
        if let Some(first) = self.fields.get(&f.path.text) {
            let first = self
                .fields
                .item(first)
                .map(|x| x.info.span)
                .unwrap_or_default();
            self.duplicate(NameKind::Field, &f.path, first);
            return;
        }
        self.fields.push(
            &f.path.text,
            Field {
                info: info(&f.path.text, f.title.as_ref(), docs, f.path.span),
                // Resolved in `build_categories`, once every category is known.
                category: CategoryId(u32::MAX),
            },
        );
    }

    fn declare_recipient(&mut self, r: &ast::RecipientDecl, docs: Option<&String>) {
        if let Some(first) = self.recipients.get(&r.name.text) {
            let first = self
                .recipients
                .item(first)
                .map(|x| x.info.span)
                .unwrap_or_default();
            self.duplicate(NameKind::Recipient, &r.name, first);
            return;
        }
        let kind = match RecipientKind::parse(&r.kind.text) {
            Some(kind) => kind,
            None => {
                self.unknown(
                    NameKind::RecipientKind,
                    &r.kind.text,
                    r.kind.span,
                    RecipientKind::names(),
                );
                RecipientKind::Processor
            }
        };
        self.recipients.push(
            &r.name.text,
            Recipient {
                info: info(&r.name.text, r.title.as_ref(), docs, r.name.span),
                kind,
                located: Vec::new(),
                located_local: r.located_local,
                purposes: IdSet::default(),
                categories: IdSet::default(),
                sale: r.sale.is_some(),
                sharing: r.sharing.is_some(),
                conditions: Vec::new(),
                consent: r.consent.map(|c| c.explicit),
                provenance: ProvenanceId(0),
                terms: RecipientTerms::default(),
            },
        );
    }
}

/// `a.b.c` → `a`, `a.b`, `a.b.c`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.')
        .map(move |(i, _)| path.get(..i).unwrap_or(path))
        .chain(std::iter::once(path))
}

fn empty_purpose(info: Info, parent: Option<PurposeId>, declared: bool) -> Purpose {
    Purpose {
        info,
        parent,
        declared,
        vocabulary: false,
        ancestors: Vec::new(),
        uses: IdSet::default(),
        bases: Vec::new(),
        subjects: None,
        direct_marketing: false,
        survives_restriction: false,
        survives_erasure: false,
        children: None,
        taints_prior_data: false,
        survives_limit_sensitive: false,
        channels: 0,
        provenance: None,
        other: None,
    }
}
