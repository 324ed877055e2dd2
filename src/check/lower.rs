//! Pass 3: purposes, recipients, rules, transfers, retention and children become model
//! tables.

use super::{CheckError, Checker, NameKind};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{self, Decl, ExceptKind, Threshold, TreatmentKind};

/// What a purpose's `{ … }` compiles to.
#[derive(Debug, Clone)]
pub(super) struct PurposeBody {
    pub uses: IdSet,
    pub bases: Vec<BasisDecl>,
    pub subjects: Option<IdSet>,
    pub direct_marketing: bool,
    pub survives_restriction: bool,
    pub survives_erasure: bool,
    pub children: Option<ChildTreatment>,
    pub taints_prior_data: bool,
    pub survives_limit_sensitive: bool,
    pub channels: u8,
}

impl PurposeBody {
    /// Give `purpose` this body.
    pub fn apply(self, purpose: &mut Purpose) {
        purpose.uses = self.uses;
        purpose.bases = self.bases;
        purpose.subjects = self.subjects;
        purpose.direct_marketing = self.direct_marketing;
        purpose.survives_restriction = self.survives_restriction;
        purpose.survives_erasure = self.survives_erasure;
        purpose.children = self.children;
        purpose.taints_prior_data = self.taints_prior_data;
        purpose.survives_limit_sensitive = self.survives_limit_sensitive;
        purpose.channels = self.channels;
    }
}

impl Checker {
    pub(super) fn lower(&mut self, files: &[ast::File]) {
        // Facts before children, which read them.
        for file in files {
            for item in &file.items {
                if let Decl::Fact(f) = &item.decl {
                    let scope = self.region_scope(&f.scope);
                    self.facts
                        .entry(f.name.text.clone())
                        .or_default()
                        .push((scope, f.value.value));
                }
            }
        }
        for file in files {
            for item in &file.items {
                let docs = item.docs.clone();
                match &item.decl {
                    Decl::Purpose(p) => self.lower_purpose(p),
                    Decl::OtherPurposes(o) => self.lower_other_purposes(o, docs),
                    Decl::Recipient(r) => self.lower_recipient(r, docs),
                    Decl::Deny(d) => {
                        let rule = self.lower_rule(
                            &d.name.text,
                            &d.action,
                            &d.scope,
                            docs,
                            d.name.span,
                            ProvenanceKind::Deny,
                        );
                        self.rules.push(rule);
                    }
                    Decl::Transfer(t) => self.lower_transfer(t, docs, item.span),
                    Decl::Localize(l) => {
                        let categories = self.category_selectors(&l.data);
                        let within = self.region_scope(&l.regions);
                        let unless = l
                            .unless
                            .as_ref()
                            .map(|c| self.situation_condition(c, "localize"));
                        let provenance = self.add_provenance(
                            ProvenanceKind::Localize,
                            "localize".to_owned(),
                            docs,
                            item.span,
                        );
                        self.localizations.push(Localization {
                            categories,
                            within,
                            unless,
                            provenance,
                        });
                    }
                    Decl::Retain(r) => self.lower_retention(r, docs, item.span),
                    Decl::Rights(r) => self.lower_rights(r),
                    _ => {}
                }
            }
        }
        self.lower_children(files);
        self.check_retention_conflicts();
    }

    fn lower_purpose(&mut self, decl: &ast::PurposeDecl) {
        let Some(id) = self.purposes.get(&decl.path.text) else {
            return;
        };
        // A duplicate declaration was reported already; only the first is compiled.
        if self
            .purposes
            .item(id)
            .is_some_and(|p| p.info.span != decl.path.span)
        {
            return;
        }
        let body = self.lower_purpose_body(decl);
        let docs = self.purposes.item(id).and_then(|p| p.info.docs.clone());
        let provenance = self.add_provenance(
            ProvenanceKind::Purpose,
            decl.path.text.clone(),
            docs,
            decl.path.span,
        );
        if let Some(p) = self.purposes.item_mut(id) {
            p.provenance = Some(provenance);
            body.apply(p);
        }
    }

    /// A purpose's `{ … }` (a declared purpose's, or a `purpose other` clause's).
    pub(super) fn lower_purpose_body(&mut self, decl: &ast::PurposeDecl) -> PurposeBody {
        let uses = self.category_selectors(&decl.uses);
        let subjects = (!decl.subjects.is_empty()).then(|| {
            let mut set = IdSet::new(self.subject_kinds.len());
            for s in &decl.subjects {
                match self.subject_kinds.get(&s.text) {
                    Some(k) => set.insert(k as usize),
                    None => {
                        let names: Vec<String> =
                            self.subject_kinds.names().map(str::to_owned).collect();
                        self.unknown(
                            NameKind::SubjectKind,
                            &s.text,
                            s.span,
                            names.iter().map(String::as_str),
                        );
                    }
                }
            }
            set
        });
        let mut survives_restriction = false;
        let mut survives_erasure = false;
        let mut survives_limit_sensitive = false;
        for s in &decl.survives {
            match s.text.as_str() {
                "restriction" => survives_restriction = true,
                "erasure" => survives_erasure = true,
                "limit_sensitive" => survives_limit_sensitive = true,
                other => self.unknown(
                    NameKind::Survival,
                    other,
                    s.span,
                    ["restriction", "erasure", "limit_sensitive"],
                ),
            }
        }
        let channels = self.purpose_channels(decl);
        let children = decl.children.as_ref().map(|t| self.treatment(t));
        let mut bases = Vec::with_capacity(decl.bases.len());
        for basis in &decl.bases {
            if let Some(b) = self.lower_basis(&decl.path.text, basis) {
                if let (Some(over), Some(_)) = (&basis.objection_override, decl.direct_marketing) {
                    self.error(
                        CheckError::InvalidObjectionOverride {
                            message: format!(
                                "`{}` is direct marketing: an objection to it cannot be overridden",
                                decl.path.text
                            ),
                            help: "GDPR Art. 21(3) makes an objection to direct marketing \
                                   absolute: remove `overrides objection …` or `direct_marketing`"
                                .to_owned(),
                        },
                        over.span,
                        "overrides an absolute objection",
                    );
                }
                bases.push(b);
            }
        }
        if bases.is_empty() && decl.bases.is_empty() {
            self.error(
                CheckError::MissingBasis {
                    purpose: decl.path.text.clone(),
                },
                decl.path.span,
                "no `basis` here",
            );
        }
        self.check_special_categories(decl, &bases, &uses);
        PurposeBody {
            uses,
            bases,
            subjects,
            direct_marketing: decl.direct_marketing.is_some(),
            survives_restriction,
            survives_erasure,
            children,
            taints_prior_data: decl.taints_prior_data.is_some(),
            survives_limit_sensitive,
            channels,
        }
    }

    fn treatment(&mut self, t: &ast::ChildrenTreatment) -> ChildTreatment {
        match &t.kind {
            TreatmentKind::Deny => ChildTreatment::Deny,
            TreatmentKind::Allow => ChildTreatment::Allow,
            TreatmentKind::Require(what) if what.text == "parental_consent" => {
                ChildTreatment::RequireParentalConsent
            }
            TreatmentKind::Require(what) => {
                self.unknown(
                    NameKind::Treatment,
                    &what.text,
                    what.span,
                    ["parental_consent"],
                );
                ChildTreatment::Deny
            }
        }
    }

    /// One basis as written (`consent`, `opt_out(sale)`, `unstated` …); `None` after
    /// reporting an unknown or malformed one.
    pub(super) fn basis_name(&mut self, alt: &ast::BasisName) -> Option<Basis> {
        Some(match (alt.name.text.as_str(), &alt.arg) {
            ("consent", None) => Basis::Consent,
            ("explicit_consent", None) => Basis::ExplicitConsent,
            ("contract", None) => Basis::Contract,
            ("legal_obligation", None) => Basis::LegalObligation,
            ("vital_interest", None) => Basis::VitalInterest,
            ("public_task", None) => Basis::PublicTask,
            ("legitimate_interest", None) => Basis::LegitimateInterest,
            ("unstated", None) => Basis::Unstated,
            ("opt_out", Some(kind)) => match OptOutKind::parse(&kind.text) {
                Some(k) => Basis::OptOut(k),
                None => {
                    self.unknown(
                        NameKind::OptOutKind,
                        &kind.text,
                        kind.span,
                        OptOutKind::names(),
                    );
                    return None;
                }
            },
            ("opt_out", None) => {
                self.error(
                    CheckError::InvalidBasis {
                        message: "`opt_out` needs the kind of processing".to_owned(),
                        help: format!(
                            "write e.g. `opt_out(marketing)`; kinds: {}",
                            OptOutKind::names().join(", ")
                        ),
                    },
                    alt.span,
                    "which opt-out?",
                );
                return None;
            }
            (name, Some(arg)) if Basis::NAMES.contains(&name) => {
                self.error(
                    CheckError::InvalidBasis {
                        message: format!("`{name}` takes no argument"),
                        help: format!("write `{name}`"),
                    },
                    arg.span,
                    "unexpected",
                );
                return None;
            }
            (name, _) => {
                self.unknown(
                    NameKind::Basis,
                    name,
                    alt.name.span,
                    Basis::NAMES.iter().copied(),
                );
                return None;
            }
        })
    }

    fn lower_basis(&mut self, purpose: &str, decl: &ast::BasisDecl) -> Option<BasisDecl> {
        let mut alternatives = Vec::with_capacity(decl.alternatives.len());
        for alt in &decl.alternatives {
            let Some(basis) = self.basis_name(alt) else {
                continue;
            };
            alternatives.push(basis);
        }
        if alternatives.is_empty() {
            return None;
        }
        if alternatives.len() > 1 && alternatives.contains(&Basis::Unstated) {
            self.error(
                CheckError::InvalidBasis {
                    message: "`unstated` cannot be an alternative: it says the text names no \
                              basis"
                        .to_owned(),
                    help: "write `basis unstated` alone, or only the bases the text names"
                        .to_owned(),
                },
                decl.span,
                "`unstated` among other bases",
            );
        }
        let art9 = match &decl.art9 {
            Some(cond) if ART9_CONDITIONS.contains(&cond.text.as_str()) => Some(cond.text.clone()),
            Some(cond) => {
                self.unknown(
                    NameKind::Art9Condition,
                    &cond.text,
                    cond.span,
                    ART9_CONDITIONS.iter().copied(),
                );
                // Kept, so the special-category check does not report the same line again.
                Some(cond.text.clone())
            }
            None => None,
        };
        let scope = self.region_scope(decl.scope.as_deref().unwrap_or_default());
        let when = decl.when.as_ref().map(|c| self.condition(c));
        let objection_override = decl.objection_override.as_ref().map(|c| self.condition(c));
        if let Some(over) = &decl.objection_override {
            if !alternatives.contains(&Basis::LegitimateInterest) {
                self.error(
                    CheckError::InvalidObjectionOverride {
                        message: "only a `legitimate_interest` basis can override an objection"
                            .to_owned(),
                        help: "add `legitimate_interest` to this `basis`, or remove \
                               `overrides objection …`"
                            .to_owned(),
                    },
                    over.span,
                    "no `legitimate_interest` here",
                );
            }
        }
        let provenance = self.add_provenance(
            ProvenanceKind::Basis,
            basis_title(purpose, &alternatives),
            None,
            decl.span,
        );
        Some(BasisDecl {
            alternatives,
            scope,
            when,
            objection_override,
            art9,
            provenance,
        })
    }

    /// A check-time rule: a special category used without explicit consent or an Art. 9
    /// condition, where GDPR applies.
    fn check_special_categories(
        &mut self,
        decl: &ast::PurposeDecl,
        bases: &[BasisDecl],
        uses: &IdSet,
    ) {
        // Most purposes use no special category: one pass over the words of both sets
        // settles it before looking for the first one by name.
        if !uses.intersects(&self.special_categories) {
            return;
        }
        let special = uses.iter().find(|c| {
            self.categories
                .items
                .get(*c)
                .is_some_and(|cat| cat.flags.contains(FLAG_SPECIAL.index()))
        });
        let Some(first) = special else { return };
        let category = self
            .categories
            .items
            .get(first)
            .map(|c| c.info.name.clone())
            .unwrap_or_default();
        let gdpr = self.gdpr_area();
        let no_regions = self.regions.len() == 0;
        for basis in bases {
            let explicit_only = basis
                .alternatives
                .iter()
                .all(|a| *a == Basis::ExplicitConsent);
            // `basis unstated` allows nothing: no Art. 9 condition to name.
            let unstated = basis.alternatives.iter().all(|a| *a == Basis::Unstated);
            if explicit_only || unstated || basis.art9.is_some() {
                continue;
            }
            if !no_regions && !basis.scope.intersects(&gdpr) {
                continue;
            }
            let span = self
                .provenance
                .get(basis.provenance.index())
                .map(|p| p.span)
                .unwrap_or(decl.path.span);
            self.error(
                CheckError::SpecialWithoutArt9 {
                    purpose: decl.path.text.clone(),
                    category: category.clone(),
                },
                span,
                "not explicit consent and no `art9(…)`",
            );
        }
    }

    fn lower_recipient(&mut self, decl: &ast::RecipientDecl, docs: Option<String>) {
        let Some(id) = self.recipients.get(&decl.name.text) else {
            return;
        };
        if self
            .recipients
            .item(id)
            .is_some_and(|r| r.info.span != decl.name.span)
        {
            return;
        }
        let located: Vec<RegionId> = decl
            .located
            .iter()
            .filter_map(|r| self.region_ref(r))
            .collect();
        let purposes = self.purpose_selectors(&decl.purposes);
        let categories = self.category_selectors(&decl.categories);
        let conditions: Vec<Cond> = decl.conditions.iter().map(|c| self.condition(c)).collect();
        let span = decl.name.span;
        let provenance = self.add_provenance(
            ProvenanceKind::Recipient,
            decl.name.text.clone(),
            docs,
            span,
        );
        if let Some(r) = self.recipients.item_mut(id) {
            r.located = located;
            r.purposes = purposes;
            r.categories = categories;
            r.conditions = conditions;
            r.provenance = provenance;
        }
    }

    /// A deny rule or the shape of a `never` assertion.
    pub(super) fn lower_rule(
        &mut self,
        name: &str,
        action: &ast::Action,
        scope: &ast::RuleScope,
        docs: Option<String>,
        span: Span,
        kind: ProvenanceKind,
    ) -> DenyRule {
        let (categories, action) = match action {
            ast::Action::Use { data, purposes } => (
                self.category_selectors(data),
                RuleAction::Use {
                    purposes: self.purpose_selectors(purposes),
                },
            ),
            ast::Action::Disclose {
                data,
                recipients,
                purposes,
            } => {
                let categories = self.category_selectors(data);
                let kinds = super::resolve::recipient_selector_kinds(recipients);
                let recipients = self.recipient_selectors(recipients);
                let purposes = if purposes.is_empty() {
                    IdSet::full(self.purposes.len())
                } else {
                    self.purpose_selectors(purposes)
                };
                (
                    categories,
                    RuleAction::Disclose {
                        recipients,
                        kinds,
                        purposes,
                    },
                )
            }
            ast::Action::Sell { data } => (self.category_selectors(data), RuleAction::Sell),
            ast::Action::Share { data } => (self.category_selectors(data), RuleAction::Share),
            ast::Action::Transfer { data, from, to } => (
                self.category_selectors(data),
                RuleAction::Transfer {
                    from: self.region_scope(from),
                    to: self.region_scope(to),
                },
            ),
            ast::Action::Combine {
                data,
                with,
                except,
                purposes,
            } => (
                self.category_selectors(data),
                super::combine::lower_combine(self, with, except, purposes, scope),
            ),
        };
        let regions = self.region_scope(scope.regions.as_deref().unwrap_or_default());
        let when = scope.when.as_ref().map(|c| self.condition(c));
        let excepts = scope.excepts.iter().map(|e| self.lower_except(e)).collect();
        let provenance = self.add_provenance(kind, name.to_owned(), docs.clone(), span);
        DenyRule {
            info: Info {
                name: name.to_owned(),
                title: None,
                docs,
                span,
            },
            action,
            categories,
            regions,
            when,
            excepts,
            provenance,
        }
    }

    fn lower_except(&mut self, except: &ast::Except) -> Except {
        let mut out = Except {
            when: None,
            purposes: None,
            regions: None,
            to_regions: None,
            recipients: None,
        };
        match &except.kind {
            ExceptKind::When(c) => out.when = Some(self.condition(c)),
            ExceptKind::For(p) => out.purposes = Some(self.purpose_selectors(p)),
            ExceptKind::In(r) => out.regions = Some(self.region_scope(r)),
            ExceptKind::ToRegions(r) => out.to_regions = Some(self.region_scope(r)),
            ExceptKind::ToRecipients(r) => out.recipients = Some(self.recipient_selectors(r)),
        }
        out
    }

    fn lower_transfer(&mut self, decl: &ast::TransferDecl, docs: Option<String>, span: Span) {
        let categories = self.category_selectors(&decl.data);
        let from = self.region_scope(&decl.from);
        let to = self.region_scope(&decl.to);
        let safeguard = match &decl.safeguard {
            Some(s) => Safeguard::named(&s.text).or_else(|| {
                self.unknown(
                    NameKind::Safeguard,
                    &s.text,
                    s.span,
                    SAFEGUARDS.iter().copied(),
                );
                None
            }),
            None => None,
        };
        self.check_unstated_safeguard(decl);
        let name = match safeguard {
            Some(s) => format!("transfer with {}", s.name()),
            None => "transfer".to_owned(),
        };
        let when = decl
            .when
            .as_ref()
            .map(|c| self.situation_condition(c, "transfer"));
        let provenance = self.add_provenance(ProvenanceKind::Transfer, name, docs, span);
        self.transfers.push(TransferRule {
            categories,
            from,
            to,
            safeguard,
            when,
            consent: decl.consent.map(|c| c.explicit),
            provenance,
        });
    }

    fn lower_retention(&mut self, decl: &ast::RetainDecl, docs: Option<String>, span: Span) {
        let categories = self.category_selectors(&decl.data);
        let purposes = (!decl.purposes.is_empty()).then(|| self.purpose_selectors(&decl.purposes));
        let regions = self.region_scope(decl.scope.as_deref().unwrap_or_default());
        // Rules with no event of their own count from collection (shown in notices).
        let collected = self.events.get("collected").map_or(EventId(0), EventId);
        let (bound, period, period_text, after, name, extra) = match &decl.period {
            ast::RetainPeriod::Fixed {
                bound,
                duration,
                after,
            } => {
                self.check_period(duration);
                let (bound, word) = match bound {
                    ast::RetentionBound::AtLeast => (RetentionBound::AtLeast, "at least"),
                    ast::RetentionBound::AtMost => (RetentionBound::AtMost, "at most"),
                };
                let name = format!("retain {word} {} after {}", duration.text, after.text);
                let after = self.retention_event(after);
                (
                    bound,
                    duration.value,
                    duration.text.clone(),
                    after,
                    name,
                    None,
                )
            }
            ast::RetainPeriod::While { condition, .. } => {
                let cond = self.situation_condition(condition, "retain … at least while");
                let bound = RetentionBound::AtLeastWhile;
                let name = "retain at least while its condition holds".to_owned();
                (
                    bound,
                    jiff::Span::new(),
                    String::new(),
                    collected,
                    name,
                    Some(cond),
                )
            }
            ast::RetainPeriod::Agreed { cap, after } => {
                if let Some(cap) = cap {
                    self.check_period(cap);
                }
                let name = match cap {
                    Some(cap) => format!(
                        "retain at most agreed up to {} after {}",
                        cap.text, after.text
                    ),
                    None => format!("retain at most agreed after {}", after.text),
                };
                let after = self.retention_event(after);
                let bound = RetentionBound::AtMostAgreed {
                    capped: cap.is_some(),
                };
                let (period, text) = cap
                    .as_ref()
                    .map_or((jiff::Span::new(), String::new()), |c| {
                        (c.value, c.text.clone())
                    });
                (bound, period, text, after, name, None)
            }
            ast::RetainPeriod::Exempt { .. } => (
                RetentionBound::Exempt,
                jiff::Span::new(),
                String::new(),
                collected,
                "retain exempt".to_owned(),
                None,
            ),
            ast::RetainPeriod::Unlimited { after, .. } => {
                let name = match after {
                    Some(e) => format!("retain without limit after {}", e.text),
                    None => "retain without limit".to_owned(),
                };
                let after = after
                    .as_ref()
                    .map_or(collected, |e| self.retention_event(e));
                (
                    RetentionBound::Unlimited,
                    jiff::Span::new(),
                    String::new(),
                    after,
                    name,
                    None,
                )
            }
        };
        let when = decl
            .when
            .as_ref()
            .map(|c| self.situation_condition(c, "retain"));
        let when = match (extra, when) {
            (Some(a), Some(b)) => Some(Cond::And(vec![a, b])),
            (a, b) => a.or(b),
        };
        let name = match (decl.deidentified.is_some(), name.strip_prefix("retain ")) {
            (true, Some(rest)) => format!("retain deidentified {rest}"),
            _ => name,
        };
        let provenance = self.add_provenance(ProvenanceKind::Retain, name, docs, span);
        self.retention.push(RetentionRule {
            when,
            categories,
            purposes,
            regions,
            bound,
            period,
            period_text,
            after,
            deidentified: decl.deidentified.is_some(),
            provenance,
        });
    }

    /// The event a retention period runs from (an unknown one is reported).
    fn retention_event(&mut self, name: &ast::Name) -> EventId {
        match self.events.get(&name.text) {
            Some(e) => EventId(e),
            None => {
                let names: Vec<String> = self.events.names().map(str::to_owned).collect();
                self.unknown(
                    NameKind::Event,
                    &name.text,
                    name.span,
                    names.iter().map(String::as_str),
                );
                EventId(0)
            }
        }
    }

    fn lower_rights(&mut self, decl: &ast::RightsDecl) {
        for right in &decl.rights {
            let Some(name) = RIGHTS.iter().copied().find(|r| *r == right.name.text) else {
                self.unknown(
                    NameKind::Right,
                    &right.name.text,
                    right.name.span,
                    RIGHTS.iter().copied(),
                );
                continue;
            };
            let opt_out = match (name, &right.arg) {
                ("opt_out", Some(kind)) => match OptOutKind::parse(&kind.text) {
                    Some(k) => Some(k),
                    None => {
                        self.unknown(
                            NameKind::OptOutKind,
                            &kind.text,
                            kind.span,
                            OptOutKind::names(),
                        );
                        continue;
                    }
                },
                ("opt_out", None) => {
                    self.error(
                        CheckError::InvalidRight {
                            message: "the right `opt_out` needs the kind of processing".to_owned(),
                            help: format!(
                                "write e.g. `opt_out(sale)`; kinds: {}",
                                OptOutKind::names().join(", ")
                            ),
                        },
                        right.name.span,
                        "which opt-out?",
                    );
                    continue;
                }
                (_, Some(arg)) => {
                    self.error(
                        CheckError::InvalidRight {
                            message: format!("the right `{name}` takes no argument"),
                            help: format!("write `{name}`"),
                        },
                        arg.span,
                        "unexpected",
                    );
                    continue;
                }
                (_, None) => None,
            };
            let regions = self.region_scope(&right.scope);
            let only_for = self.right_bases(&right.only_for);
            self.rights.push(Right {
                info: Info {
                    name: self.sources_text(right),
                    title: None,
                    docs: right.docs.clone(),
                    span: right.span,
                },
                name,
                opt_out,
                regions,
                free: right.free.is_some(),
                only_for,
                via: right.via.as_ref().map(|v| v.value.clone()),
            });
        }
        for response in &decl.responses {
            self.check_period(&response.within);
            if let Some(extension) = &response.extension {
                self.check_period(extension);
            }
            let regions = self.region_scope(&response.scope);
            self.responses.push(ResponseTime {
                info: Info {
                    name: "respond".to_owned(),
                    title: None,
                    docs: response.docs.clone(),
                    span: response.span,
                },
                within: response.within.value,
                within_text: response.within.text.clone(),
                extension: response
                    .extension
                    .as_ref()
                    .map(|e| (e.value, e.text.clone())),
                regions,
            });
        }
    }

    fn sources_text(&self, right: &ast::RightEntry) -> String {
        match &right.arg {
            Some(arg) => format!("{}({})", right.name.text, arg.text),
            None => right.name.text.clone(),
        }
    }

    /// A period longer than [`MAX_PERIOD_YEARS`] is an error: added to a date late in the
    /// calendar it would leave it, and no answer could be given.
    pub(super) fn check_period(&mut self, duration: &ast::DurationLit) {
        if !period_in_range(duration.value) {
            self.error(
                CheckError::DurationOutOfRange {
                    text: duration.text.clone(),
                    limit: format!("{MAX_PERIOD_YEARS} years"),
                },
                duration.span,
                "too long",
            );
        }
    }

    /// Retention (docs/semantics.md): a minimum longer than a maximum for the same data is an error.
    fn check_retention_conflicts(&mut self) {
        let reference = jiff::civil::date(2000, 1, 1);
        let mut conflicts = Vec::new();
        for min in self
            .retention
            .iter()
            .filter(|r| r.bound == RetentionBound::AtLeast)
        {
            for max in self
                .retention
                .iter()
                .filter(|r| r.bound == RetentionBound::AtMost)
            {
                // A policy without regions has empty region sets: everything is "everywhere".
                let same_place = min.regions.intersects(&max.regions)
                    || (min.regions.is_empty() && max.regions.is_empty());
                // A conditional rule applies only in some circumstances: a minimum that
                // outlasts a maximum then is the evaluator's to settle (the longer wins).
                let unconditional = min.when.is_none()
                    && max.when.is_none()
                    && min.deidentified == max.deidentified;
                let same_data = unconditional
                    && min.after == max.after
                    && min.categories.intersects(&max.categories)
                    && same_place
                    && match (&min.purposes, &max.purposes) {
                        (Some(a), Some(b)) => a.intersects(b),
                        _ => true,
                    };
                let longer = min
                    .period
                    .compare((max.period, reference))
                    .is_ok_and(|o| o == std::cmp::Ordering::Greater);
                if same_data && longer {
                    conflicts.push((
                        min.provenance,
                        max.provenance,
                        min.period_text.clone(),
                        max.period_text.clone(),
                        min.categories.clone(),
                        max.categories.clone(),
                    ));
                }
            }
        }
        for (min, max, min_text, max_text, a, b) in conflicts {
            let mut both = a;
            both.intersect_with(&b);
            let data = both
                .iter()
                .next()
                .and_then(|c| self.categories.items.get(c))
                .map(|c| c.info.name.clone())
                .unwrap_or_default();
            let span = self
                .provenance
                .get(min.index())
                .map(|p| p.span)
                .unwrap_or_default();
            let related = self
                .provenance
                .get(max.index())
                .map(|p| p.span)
                .unwrap_or_default();
            self.error_related(
                CheckError::RetentionConflict {
                    data,
                    min: min_text,
                    max: max_text,
                },
                span,
                "minimum",
                related,
                "maximum",
            );
        }
    }

    fn lower_children(&mut self, files: &[ast::File]) {
        let count = self.regions.len();
        let mut thresholds: Vec<(IdSet, ThresholdValue, ProvenanceId)> = Vec::new();
        for file in files {
            for item in &file.items {
                let Decl::Children(c) = &item.decl else {
                    continue;
                };
                for t in &c.thresholds {
                    let scope = self.region_scope(&t.scope);
                    let Some(value) = self.threshold_value(&t.threshold) else {
                        continue;
                    };
                    let provenance = self.add_provenance(
                        ProvenanceKind::Children,
                        "children".to_owned(),
                        item.docs.clone(),
                        t.span,
                    );
                    thresholds.push((scope, value, provenance));
                }
                if let Some(u) = &c.unknown_age {
                    self.children.unknown_age = match u.text.as_str() {
                        "child" => UnknownAge::Child,
                        "adult" => UnknownAge::Adult,
                        other => {
                            self.unknown(NameKind::AgeDefault, other, u.span, ["child", "adult"]);
                            UnknownAge::Child
                        }
                    };
                }
                if let Some(d) = &c.default {
                    self.children.default = self.treatment(d);
                }
            }
        }
        self.children.threshold = vec![None; count];
        self.children.threshold_provenance = vec![None; count];
        let mut missing = Vec::new();
        for region in 0..count {
            // Most specific scope containing the region wins; declaration order breaks ties.
            let best = thresholds
                .iter()
                .filter(|(scope, ..)| scope.contains(region))
                .min_by_key(|(scope, ..)| scope.count());
            let Some((_, value, provenance)) = best else {
                continue;
            };
            let age = self.threshold_age(value, region, &mut missing);
            if let Some(slot) = self.children.threshold.get_mut(region) {
                *slot = age;
            }
            if let Some(slot) = self.children.threshold_provenance.get_mut(region) {
                *slot = Some(*provenance);
            }
        }
        // One error per fact use, naming the first region without a value.
        missing.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        for (fact, span, region) in missing {
            let region = self
                .regions
                .items
                .get(region)
                .map(|r| r.info.name.clone())
                .unwrap_or_default();
            self.error(
                CheckError::MissingFactValue { fact, region },
                span,
                "no value for some regions",
            );
        }
    }

    /// A group without its own value takes the highest value of its members: asked about
    /// "the EU" as a whole, the strictest member's age of consent applies (fail closed).
    fn fact_value_or_strictest(&self, fact: &str, region: usize) -> Option<i64> {
        self.fact_value(fact, region).or_else(|| {
            let r = self.regions.items.get(region)?;
            if !r.is_group {
                return None;
            }
            r.inside
                .iter()
                .filter(|i| *i != region)
                .filter_map(|i| self.fact_value(fact, i))
                .max()
        })
    }

    /// The value of a regime fact for a region (most specific scope wins).
    fn fact_value(&self, fact: &str, region: usize) -> Option<i64> {
        self.facts
            .get(fact)?
            .iter()
            .filter(|(scope, _)| scope.contains(region))
            .min_by_key(|(scope, _)| scope.count())
            .map(|(_, v)| *v)
    }
}

enum ThresholdValue {
    Age(u8),
    Fact(String, Span),
    /// The highest of the terms, per region.
    Max(Vec<ThresholdValue>),
}

impl Checker {
    /// A threshold as written, its ages checked and its facts known; `None` after an error.
    fn threshold_value(&mut self, threshold: &Threshold) -> Option<ThresholdValue> {
        Some(match threshold {
            Threshold::Age(n) => {
                if !(0..=150).contains(&n.value) {
                    self.error(
                        CheckError::AgeOutOfRange { value: n.value },
                        n.span,
                        "not an age",
                    );
                    return None;
                }
                ThresholdValue::Age(u8::try_from(n.value).unwrap_or(u8::MAX))
            }
            Threshold::Fact(name) => {
                if !self.facts.contains_key(&name.text) {
                    let names: Vec<String> = self.facts.keys().cloned().collect();
                    self.unknown(
                        NameKind::Fact,
                        &name.text,
                        name.span,
                        names.iter().map(String::as_str),
                    );
                    return None;
                }
                ThresholdValue::Fact(name.text.clone(), name.span)
            }
            // The grammar gives `max` only ages and facts, at least two.
            Threshold::Max(terms) => {
                let mut values = Vec::with_capacity(terms.len());
                for term in terms {
                    values.push(self.threshold_value(term));
                }
                ThresholdValue::Max(values.into_iter().collect::<Option<Vec<_>>>()?)
            }
        })
    }

    /// The age a threshold gives in `region`; a fact with no value there is noted in
    /// `missing` (and gives `None`).
    fn threshold_age(
        &self,
        value: &ThresholdValue,
        region: usize,
        missing: &mut Vec<(String, Span, usize)>,
    ) -> Option<u8> {
        match value {
            ThresholdValue::Age(age) => Some(*age),
            ThresholdValue::Fact(name, span) => {
                let v = self.fact_value_or_strictest(name, region);
                if v.is_none() {
                    missing.push((name.clone(), *span, region));
                }
                v.and_then(|v| u8::try_from(v).ok())
            }
            ThresholdValue::Max(terms) => {
                let mut highest: Option<u8> = None;
                let mut known = true;
                for term in terms {
                    match self.threshold_age(term, region, missing) {
                        Some(age) => highest = Some(highest.map_or(age, |h| h.max(age))),
                        None => known = false,
                    }
                }
                highest.filter(|_| known)
            }
        }
    }
}

/// The longest period a policy may name (retention, response deadlines). jiff's calendar
/// runs from year -9999 to 9999 (its last instant is 9999-12-30T22:00Z): with this limit,
/// any date until the end of the year 8998 plus any period stays inside it.
pub const MAX_PERIOD_YEARS: i16 = 1000;

/// Whether a period is at most [`MAX_PERIOD_YEARS`], measured from 2000-01-01 (a period too
/// large for jiff to add at all is out of range too).
pub(crate) fn period_in_range(period: jiff::Span) -> bool {
    let reference = jiff::civil::date(2000, 1, 1);
    let limit = jiff::Span::new().years(MAX_PERIOD_YEARS);
    period
        .compare((limit, reference))
        .is_ok_and(|o| o != std::cmp::Ordering::Greater)
}

/// `marketing: basis consent or opt_out(sale)`: a basis's provenance name, written into one
/// string (one allocation per basis).
fn basis_title(purpose: &str, alternatives: &[Basis]) -> String {
    let mut title = String::with_capacity(purpose.len() + 8 + 20 * alternatives.len());
    title.push_str(purpose);
    title.push_str(": basis ");
    for (i, basis) in alternatives.iter().enumerate() {
        if i > 0 {
            title.push_str(" or ");
        }
        match basis {
            Basis::OptOut(kind) => {
                title.push_str("opt_out(");
                title.push_str(kind.name());
                title.push(')');
            }
            other => title.push_str(other.simple_name()),
        }
    }
    title
}

#[cfg(test)]
mod tests {
    use super::basis_title;
    use crate::model::{Basis, OptOutKind};

    #[test]
    fn a_basis_title_joins_the_names_as_written() {
        let alternatives = [
            Basis::Consent,
            Basis::OptOut(OptOutKind::Sale),
            Basis::LegitimateInterest,
        ];
        let names: Vec<String> = alternatives.iter().map(|b| b.name()).collect();
        assert_eq!(
            basis_title("marketing.direct", &alternatives),
            format!("marketing.direct: basis {}", names.join(" or "))
        );
        assert_eq!(basis_title("p", &[Basis::Contract]), "p: basis contract");
    }

    /// The `special_category_without_art9` errors of `policy`, by message.
    fn special_errors(policy: &str) -> Vec<String> {
        let (loaded, diagnostics) = crate::load::load_str("special.lawful", policy);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let (_, diagnostics) = crate::check::check(loaded);
        diagnostics
            .errors()
            .filter(|d| d.code == "lawful::check::special_category_without_art9")
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn special_categories_are_found_through_inherited_flags_and_selected_subtrees() {
        // `care` is special; `care.notes` inherits it; `contact` is not special. The set of
        // special categories the check asks first must hold inherited flags too.
        let policy = |uses: &str| {
            format!(
                "region EU \"EU\"\n\
                 category contact.email\n\
                 category care \"Care\" special\n\
                 category care.notes\n\
                 purpose p {{ uses {uses} basis consent in EU }}\n"
            )
        };
        assert_eq!(special_errors(&policy("contact")), Vec::<String>::new());
        for uses in ["care.notes", "contact.email, care.notes", "care"] {
            let errors = special_errors(&policy(uses));
            assert_eq!(errors.len(), 1, "uses {uses}: {errors:?}");
        }
        // The first special category in the table is the one named: `care` is declared
        // before `care.notes`.
        let both = special_errors(&policy("care"));
        let one = special_errors(&policy("care.notes"));
        assert!(both[0].contains("`care`"), "{both:?}");
        assert!(one[0].contains("`care.notes`"), "{one:?}");
    }
}
