//! Hand-built policies for the evaluator's unit tests, independent of the checker.
//! Declare regions, categories and purposes before anything that refers to them: selectors
//! are expanded when a declaration is added.

use crate::model::tests::CompiledTest;
use crate::model::*;
use crate::source::{Origin, SourceMap, Span};

pub(crate) struct Fx {
    pub p: Policy,
}

fn info(name: &str) -> Info {
    Info {
        name: name.to_owned(),
        ..Info::default()
    }
}

impl Fx {
    pub fn new() -> Fx {
        let mut sources = SourceMap::new();
        let source = sources.add(Origin::Inline("fixture.lawful".into()), "x\n".repeat(200));
        let _ = source;
        let mut flags = Vec::new();
        for name in BUILTIN_FLAGS {
            flags.push(info(name));
        }
        let mut fx = Fx {
            p: Policy {
                header: Header::default(),
                sources,
                regions: Vec::new(),
                categories: Vec::new(),
                fields: Vec::new(),
                purposes: Vec::new(),
                recipients: Vec::new(),
                subject_kinds: Vec::new(),
                attributes: Vec::new(),
                events: BUILTIN_EVENTS.iter().map(|e| info(e)).collect(),
                circumstances: Vec::new(),
                flags,
                symbols: Vec::new(),
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
                duties: Default::default(),
                tests: Vec::new(),
                assertions: Vec::new(),
                index: Indexes::default(),
                stamp: PolicyStamp::fresh(),
            },
        };
        fx.p.children.unknown_age = UnknownAge::Child;
        fx
    }

    /// A provenance entry whose span is line `n` of the fixture file, `n` = its id + 1.
    pub fn prov(&mut self, kind: ProvenanceKind, name: &str) -> ProvenanceId {
        let id = ProvenanceId::from_index(self.p.provenance.len());
        let line = self.p.provenance.len();
        self.p.provenance.push(Provenance {
            kind,
            name: name.to_owned(),
            docs: None,
            span: Span::new(crate::source::SourceId(0), line * 2, line * 2 + 1),
        });
        id
    }

    pub fn region(&mut self, name: &str, parents: &[RegionId]) -> RegionId {
        let id = RegionId::from_index(self.p.regions.len());
        let mut within = IdSet::new(0);
        within.insert(id.index());
        for parent in parents {
            if let Some(r) = self.p.regions.get(parent.index()) {
                within.union_with(&r.within.clone());
            }
        }
        for r in within.iter().collect::<Vec<_>>() {
            if let Some(region) = self.p.regions.get_mut(r) {
                region.inside.insert(id.index());
            }
        }
        let mut inside = IdSet::new(0);
        inside.insert(id.index());
        self.p.regions.push(Region {
            info: info(name),
            is_group: false,
            within,
            inside,
        });
        self.p.children.threshold.push(None);
        self.p.children.threshold_provenance.push(None);
        id
    }

    /// Every region inside any of these.
    pub fn regions(&self, of: &[RegionId]) -> IdSet {
        let mut set = IdSet::new(self.p.regions.len());
        for r in of {
            if let Some(region) = self.p.regions.get(r.index()) {
                set.union_with(&region.inside);
            }
        }
        set
    }

    pub fn everywhere(&self) -> IdSet {
        IdSet::full(self.p.regions.len())
    }

    /// A category and its dotted ancestors; flags are inherited.
    pub fn category(&mut self, name: &str, flags: &[FlagId]) -> CategoryId {
        if let Some(id) = self.p.index.categories.get(name) {
            return id;
        }
        let parent = name
            .rsplit_once('.')
            .map(|(parent, _)| self.category(parent, &[]));
        let id = CategoryId::from_index(self.p.categories.len());
        let mut ancestors = vec![id];
        let mut set = IdSet::new(0);
        if let Some(parent) = parent.and_then(|p| self.p.categories.get(p.index())) {
            ancestors.extend(parent.ancestors.iter().copied());
            set.union_with(&parent.flags.clone());
        }
        for flag in flags {
            set.insert(flag.index());
        }
        self.p.categories.push(Category {
            info: info(name),
            parent,
            declared: true,
            ancestors,
            flags: set,
        });
        self.p.index.categories.insert(name, id);
        id
    }

    /// Every category under any of these.
    pub fn cats(&self, of: &[CategoryId]) -> IdSet {
        let mut set = IdSet::new(self.p.categories.len());
        for (i, c) in self.p.categories.iter().enumerate() {
            if c.ancestors.iter().any(|a| of.contains(a)) {
                set.insert(i);
            }
        }
        set
    }

    pub fn field(&mut self, name: &str, category: CategoryId) -> FieldId {
        let id = FieldId::from_index(self.p.fields.len());
        self.p.fields.push(Field {
            info: info(name),
            category,
        });
        self.p.index.fields.insert(name, id);
        id
    }

    /// A purpose (and its dotted ancestors) using these categories and their descendants.
    /// Like the checker, the purpose named gets a `purpose` provenance; ancestors only
    /// implied by its dotted name get none (until declared themselves).
    pub fn purpose(&mut self, name: &str, uses: &[CategoryId]) -> PurposeId {
        let id = self.purpose_implied(name, uses);
        if self
            .p
            .purposes
            .get(id.index())
            .is_some_and(|p| p.provenance.is_none())
        {
            let provenance = self.prov(ProvenanceKind::Purpose, name);
            self.purpose_mut(id).provenance = Some(provenance);
        }
        id
    }

    fn purpose_implied(&mut self, name: &str, uses: &[CategoryId]) -> PurposeId {
        let uses = self.cats(uses);
        if let Some(id) = self.p.index.purposes.get(name) {
            if let Some(p) = self.p.purposes.get_mut(id.index()) {
                p.uses.union_with(&uses);
            }
            return id;
        }
        let parent = name
            .rsplit_once('.')
            .map(|(parent, _)| self.purpose_implied(parent, &[]));
        let id = PurposeId::from_index(self.p.purposes.len());
        let mut ancestors = vec![id];
        if let Some(parent) = parent.and_then(|p| self.p.purposes.get(p.index())) {
            ancestors.extend(parent.ancestors.iter().copied());
        }
        self.p.purposes.push(Purpose {
            info: info(name),
            parent,
            declared: true,
            vocabulary: false,
            ancestors,
            uses,
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
        });
        self.p.index.purposes.insert(name, id);
        id
    }

    pub fn purposes(&self, of: &[PurposeId]) -> IdSet {
        let mut set = IdSet::new(self.p.purposes.len());
        for (i, p) in self.p.purposes.iter().enumerate() {
            if p.ancestors.iter().any(|a| of.contains(a)) {
                set.insert(i);
            }
        }
        set
    }

    pub fn purpose_mut(&mut self, id: PurposeId) -> &mut Purpose {
        self.p
            .purposes
            .get_mut(id.index())
            .unwrap_or_else(|| unreachable!())
    }

    /// `basis A or B [when …] in SCOPE` (empty scope: everywhere).
    pub fn basis(
        &mut self,
        purpose: PurposeId,
        alternatives: &[Basis],
        scope: &[RegionId],
        when: Option<Cond>,
    ) -> ProvenanceId {
        let name = format!(
            "{} {}",
            self.p.purpose_name(purpose),
            alternatives
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(" or ")
        );
        let provenance = self.prov(ProvenanceKind::Basis, &name);
        let scope = if scope.is_empty() {
            self.everywhere()
        } else {
            self.regions(scope)
        };
        self.purpose_mut(purpose).bases.push(BasisDecl {
            alternatives: alternatives.to_vec(),
            scope,
            when,
            objection_override: None,
            art9: None,
            provenance,
        });
        provenance
    }

    pub fn subject_kind(&mut self, name: &str) -> SubjectKindId {
        let id = SubjectKindId::from_index(self.p.subject_kinds.len());
        self.p.subject_kinds.push(info(name));
        self.p.index.subject_kinds.insert(name, id);
        id
    }

    pub fn attribute(&mut self, name: &str, ty: AttributeType) -> AttributeId {
        let id = AttributeId::from_index(self.p.attributes.len());
        self.p.attributes.push(Attribute {
            info: info(name),
            ty,
        });
        self.p.index.attributes.insert(name, id);
        id
    }

    pub fn symbol(&mut self, text: &str) -> SymbolId {
        if let Some(id) = self.p.index.symbols.get(text) {
            return id;
        }
        let id = SymbolId::from_index(self.p.symbols.len());
        self.p.symbols.push(text.to_owned());
        self.p.index.symbols.insert(text, id);
        id
    }

    pub fn event(&self, name: &str) -> EventId {
        let i = BUILTIN_EVENTS.iter().position(|e| *e == name).unwrap_or(0);
        EventId::from_index(i)
    }

    pub fn rule(
        &mut self,
        name: &str,
        action: RuleAction,
        categories: IdSet,
        regions: Option<IdSet>,
        when: Option<Cond>,
        excepts: Vec<Except>,
    ) -> ProvenanceId {
        let provenance = self.prov(ProvenanceKind::Deny, name);
        let regions = regions.unwrap_or_else(|| self.everywhere());
        self.p.rules.push(DenyRule {
            info: info(name),
            action,
            categories,
            regions,
            when,
            excepts,
            provenance,
        });
        provenance
    }

    #[allow(clippy::too_many_arguments)]
    pub fn recipient(
        &mut self,
        name: &str,
        located: &[RegionId],
        purposes: IdSet,
        categories: IdSet,
        sale: bool,
        sharing: bool,
        conditions: Vec<Cond>,
    ) -> RecipientId {
        let id = RecipientId::from_index(self.p.recipients.len());
        let provenance = self.prov(ProvenanceKind::Recipient, name);
        self.p.recipients.push(Recipient {
            info: info(name),
            kind: RecipientKind::Processor,
            located: located.to_vec(),
            located_local: false,
            purposes,
            categories,
            sale,
            sharing,
            conditions,
            consent: None,
            provenance,
            terms: Default::default(),
        });
        self.p.index.recipients.insert(name, id);
        id
    }

    pub fn transfer(&mut self, categories: IdSet, from: IdSet, to: IdSet, safeguard: Option<&str>) {
        let provenance = self.prov(ProvenanceKind::Transfer, "transfer");
        self.p.transfers.push(TransferRule {
            categories,
            from,
            to,
            safeguard: safeguard.and_then(crate::model::Safeguard::named),
            when: None,
            consent: None,
            provenance,
        });
    }

    pub fn localize(&mut self, categories: IdSet, within: IdSet) -> ProvenanceId {
        let provenance = self.prov(ProvenanceKind::Localize, "localize");
        self.p.localizations.push(Localization {
            categories,
            within,
            unless: None,
            provenance,
        });
        provenance
    }

    #[allow(clippy::too_many_arguments)]
    pub fn retain(
        &mut self,
        name: &str,
        categories: IdSet,
        purposes: Option<IdSet>,
        regions: Option<IdSet>,
        bound: RetentionBound,
        period: jiff::Span,
        after: &str,
    ) -> ProvenanceId {
        let provenance = self.prov(ProvenanceKind::Retain, name);
        let after = self.event(after);
        let regions = regions.unwrap_or_else(|| self.everywhere());
        self.p.retention.push(RetentionRule {
            categories,
            purposes,
            regions,
            bound,
            period,
            period_text: format!("{period:#}"),
            after,
            when: None,
            deidentified: false,
            provenance,
        });
        provenance
    }

    /// `under AGE in SCOPE` (later calls override earlier ones).
    pub fn child_threshold(&mut self, age: u8, scope: &[RegionId]) -> ProvenanceId {
        let provenance = self.prov(ProvenanceKind::Children, "children");
        let set = self.regions(scope);
        for r in set.iter() {
            if let Some(slot) = self.p.children.threshold.get_mut(r) {
                *slot = Some(age);
            }
            if let Some(slot) = self.p.children.threshold_provenance.get_mut(r) {
                *slot = Some(provenance);
            }
        }
        provenance
    }

    #[allow(dead_code)]
    pub fn test(&mut self, test: CompiledTest) {
        self.p.tests.push(test);
    }

    /// Compute the indexes and the name tables.
    pub fn build(mut self) -> Policy {
        let p = &mut self.p;
        for (i, r) in p.regions.iter().enumerate() {
            p.index
                .regions
                .insert(&r.info.name, RegionId::from_index(i));
        }
        for (i, e) in p.events.iter().enumerate() {
            p.index.events.insert(&e.name, EventId::from_index(i));
        }
        let purposes = p.purposes.len();
        let categories = p.categories.len();
        let regions = p.regions.len();
        p.index.rule_lookup = RuleLookup::build(&p.rules, &p.transfers, purposes, categories);
        p.index.localizations_by_category = (0..categories)
            .map(|c| {
                (0..p.localizations.len())
                    .filter(|&i| {
                        p.localizations
                            .get(i)
                            .is_some_and(|t| t.categories.contains(c))
                    })
                    .map(|i| i as u32)
                    .collect()
            })
            .collect();
        p.index.retention_by_category = (0..categories)
            .map(|c| {
                (0..p.retention.len())
                    .filter(|&i| p.retention.get(i).is_some_and(|t| t.categories.contains(c)))
                    .map(|i| i as u32)
                    .collect()
            })
            .collect();
        let mut choice = Vec::new();
        let mut lists = Vec::new();
        for purpose in &p.purposes {
            for r in 0..regions {
                let best = purpose
                    .bases
                    .iter()
                    .filter(|b| b.scope.contains(r))
                    .map(|b| b.scope.count())
                    .min();
                let start = lists.len() as u32;
                for (i, b) in purpose.bases.iter().enumerate() {
                    if b.scope.contains(r) && Some(b.scope.count()) == best {
                        lists.push(i as u32);
                    }
                }
                choice.push(BasisChoice {
                    start,
                    len: lists.len() as u32 - start,
                });
            }
        }
        p.index.basis_choice = choice;
        p.index.basis_lists = lists;
        if p.index.default_subject_kind.is_none() {
            p.index.default_subject_kind = p.index.subject_kinds.get("user");
        }
        p.index.decision = crate::model::DecisionTables::build(p);
        self.p
    }
}
