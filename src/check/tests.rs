//! `test` blocks and `assert` statements, resolved to ids. `lawful test` runs the former;
//! the prover checks the latter.

use super::optout::TimedOptOut;
use super::{CheckError, Checker, NameKind};
use crate::model::tests::*;
use crate::model::Reason;
use crate::model::*;
use crate::source::Span;
use crate::subject::{ConsentRecord, ConsentTarget, Subject, TargetConsent};
use crate::syntax::ast::{
    self, AttrValueKind, Decl, ExpectationKind, LiteralKind, QueryKind, SubjectEntryKind,
};

const VERDICTS: &[&str] = &["must_keep", "may_keep", "must_delete"];
const SUBJECT_FLAGS: &[&str] = &[
    "gpc",
    "restricted",
    "erased",
    "erasure_requested",
    "account_deleted",
    "parental_consent",
];

impl Checker {
    pub(super) fn compile_tests(&mut self, files: &[ast::File]) {
        let root = self.root;
        for file in files.iter().filter(|f| f.source == root) {
            for item in &file.items {
                match &item.decl {
                    Decl::Test(test) => {
                        let compiled = self.compile_test(test, item.docs.clone(), item.span);
                        self.tests.push(compiled);
                    }
                    Decl::Assert(assert) => {
                        let compiled = self.compile_assertion(assert, item.docs.clone(), item.span);
                        self.assertions.push(compiled);
                    }
                    _ => {}
                }
            }
        }
    }

    fn compile_test(
        &mut self,
        test: &ast::TestDecl,
        docs: Option<String>,
        span: Span,
    ) -> CompiledTest {
        let subject = test
            .subject
            .as_ref()
            .map(|s| self.compile_subject(s))
            .unwrap_or_else(|| Subject::with_stamp(self.stamp));
        let expectations = test
            .expectations
            .iter()
            .filter_map(|e| self.compile_expectation(e, &subject))
            .collect();
        CompiledTest {
            name: test.name.value.clone(),
            docs,
            span,
            subject,
            expectations,
        }
    }

    fn region_name(&mut self, name: &ast::Name) -> Option<RegionId> {
        self.region_ref(&ast::RegionRef::Code(name.clone()))
    }

    /// A recipient or a transfer destination a test subject consents to.
    fn consent_target(&mut self, target: &ast::ConsentTarget) -> Option<ConsentTarget> {
        match target {
            ast::ConsentTarget::Transfer(region) => {
                self.region_name(region).map(ConsentTarget::Transfer)
            }
            ast::ConsentTarget::Recipient(name) => match self.recipients.get(&name.text) {
                Some(r) => Some(ConsentTarget::Recipient(RecipientId(r))),
                None => {
                    let names: Vec<String> = self.recipients.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::Recipient,
                        &name.text,
                        name.span,
                        names.iter().map(String::as_str),
                    );
                    None
                }
            },
        }
    }

    fn compile_subject(&mut self, spec: &ast::SubjectSpec) -> Subject {
        let mut subject = Subject {
            attributes: vec![None; self.attributes.len()],
            ..Subject::with_stamp(self.stamp)
        };
        for entry in &spec.entries {
            match &entry.kind {
                SubjectEntryKind::Region(r) => subject.region = self.region_name(r),
                SubjectEntryKind::Age(age) => match u16::try_from(age.value) {
                    Ok(a) if a <= 150 => subject.age = Some(a),
                    _ => self.error(
                        CheckError::AgeOutOfRange { value: age.value },
                        age.span,
                        "not an age",
                    ),
                },
                SubjectEntryKind::Kind(k) => match self.subject_kinds.get(&k.text) {
                    Some(id) => subject.kind = Some(SubjectKindId(id)),
                    None => {
                        let names: Vec<String> =
                            self.subject_kinds.names().map(str::to_owned).collect();
                        self.unknown(
                            NameKind::SubjectKind,
                            &k.text,
                            k.span,
                            names.iter().map(String::as_str),
                        );
                    }
                },
                SubjectEntryKind::Consent {
                    explicit,
                    purpose,
                    at,
                } => {
                    if let Some(p) = self.purpose_name(purpose) {
                        let given_at =
                            Some(at.as_ref().map_or(jiff::Timestamp::UNIX_EPOCH, |d| d.value));
                        match subject.consents.iter_mut().find(|c| c.purpose == p) {
                            Some(record) => {
                                record.given_at = given_at;
                                record.explicit = *explicit;
                            }
                            None => subject.consents.push(ConsentRecord {
                                purpose: p,
                                given_at,
                                withdrawn_at: None,
                                explicit: *explicit,
                            }),
                        }
                    }
                }
                SubjectEntryKind::Withdrawn { purpose, at } => {
                    if let Some(p) = self.purpose_name(purpose) {
                        match subject.consents.iter_mut().find(|c| c.purpose == p) {
                            Some(record) => record.withdrawn_at = Some(at.value),
                            // A withdrawal of a consent never given: a contradiction (as in
                            // subject documents), not a record.
                            None => self.error(
                                CheckError::WithdrawalWithoutConsent {
                                    purpose: purpose.text.clone(),
                                    to: "",
                                },
                                purpose.span,
                                "never consented to",
                            ),
                        }
                    }
                }
                SubjectEntryKind::TargetConsent {
                    explicit,
                    target,
                    at,
                } => {
                    if let Some(target) = self.consent_target(target) {
                        let given_at =
                            Some(at.as_ref().map_or(jiff::Timestamp::UNIX_EPOCH, |d| d.value));
                        match subject
                            .target_consents
                            .iter_mut()
                            .find(|c| c.target == target)
                        {
                            Some(record) => {
                                record.given_at = given_at;
                                record.explicit = *explicit;
                            }
                            None => subject.target_consents.push(TargetConsent {
                                target,
                                given_at,
                                withdrawn_at: None,
                                explicit: *explicit,
                            }),
                        }
                    }
                }
                SubjectEntryKind::TargetWithdrawn { target, at } => {
                    if let Some(resolved) = self.consent_target(target) {
                        match subject
                            .target_consents
                            .iter_mut()
                            .find(|c| c.target == resolved)
                        {
                            Some(record) => record.withdrawn_at = Some(at.value),
                            None => {
                                let (name, text) = match target {
                                    ast::ConsentTarget::Recipient(n) => (n, n.text.clone()),
                                    ast::ConsentTarget::Transfer(n) => {
                                        (n, format!("transfer {}", n.text))
                                    }
                                };
                                self.error(
                                    CheckError::WithdrawalWithoutConsent {
                                        purpose: text,
                                        to: "to ",
                                    },
                                    name.span,
                                    "never consented to",
                                );
                            }
                        }
                    }
                }
                SubjectEntryKind::Objected(purposes) => {
                    for p in purposes {
                        if let Some(p) = self.purpose_name(p) {
                            subject.objections.push(p);
                        }
                    }
                }
                SubjectEntryKind::OptedOut(kinds) => {
                    for k in kinds {
                        match OptOutKind::parse(&k.text) {
                            Some(kind) => subject.opt_out(kind),
                            None => self.unknown(
                                NameKind::OptOutKind,
                                &k.text,
                                k.span,
                                OptOutKind::names(),
                            ),
                        }
                    }
                }
                SubjectEntryKind::OptedOutRecord {
                    kind,
                    at,
                    revoked,
                    channel,
                    campaign,
                } => {
                    let entry = TimedOptOut {
                        kind,
                        at: at.as_ref(),
                        revoked: revoked.as_ref(),
                        channel: channel.as_ref(),
                        campaign: campaign.as_ref(),
                        span: entry.span,
                    };
                    if let Some(record) = self.timed_opt_out(&entry) {
                        subject.add_opt_out(record);
                    }
                }
                SubjectEntryKind::Set { attribute, value } => {
                    self.set_attribute(&mut subject, attribute, value)
                }
                SubjectEntryKind::Flag(flag) => match flag.text.as_str() {
                    "gpc" => subject.gpc = true,
                    "restricted" => subject.restricted = true,
                    "erased" | "erasure_requested" => subject.erasure_requested = true,
                    "account_deleted" => subject.account_deleted = true,
                    "parental_consent" => subject.parental_consent = true,
                    other => self.unknown(
                        NameKind::SubjectFlag,
                        other,
                        flag.span,
                        SUBJECT_FLAGS.iter().copied(),
                    ),
                },
            }
        }
        subject
    }

    fn set_attribute(&mut self, subject: &mut Subject, name: &ast::Name, value: &AttrValueKind) {
        let Some(id) = self.attributes.get(&name.text) else {
            let names: Vec<String> = self.attributes.names().map(str::to_owned).collect();
            self.unknown(
                NameKind::Attribute,
                &name.text,
                name.span,
                names.iter().map(String::as_str),
            );
            return;
        };
        let ty = self
            .attributes
            .item(id)
            .map_or(AttributeType::Bool, |a| a.ty);
        let value = match (ty, value) {
            (AttributeType::Bool, AttrValueKind::Scalar(LiteralKind::Bool(b))) => {
                AttrValue::Bool(*b)
            }
            (AttributeType::Int, AttrValueKind::Scalar(LiteralKind::Int(n))) => AttrValue::Int(*n),
            (AttributeType::String, AttrValueKind::Scalar(LiteralKind::Str(s))) => {
                AttrValue::Str(Some(self.intern_symbol(s)))
            }
            (AttributeType::Set, AttrValueKind::Set(items)) => {
                AttrValue::Set(items.iter().map(|s| self.intern_symbol(s)).collect())
            }
            _ => {
                self.error(
                    CheckError::TypeMismatch {
                        what: format!("subject.{}", name.text),
                        expected: format!("a {} value", ty.name()),
                        found: match value {
                            AttrValueKind::Set(_) => "a set".to_owned(),
                            AttrValueKind::Scalar(LiteralKind::Bool(_)) => "a bool".to_owned(),
                            AttrValueKind::Scalar(LiteralKind::Int(_)) => "a number".to_owned(),
                            AttrValueKind::Scalar(LiteralKind::Str(_)) => "a string".to_owned(),
                            AttrValueKind::Scalar(LiteralKind::Ident(_)) => "a name".to_owned(),
                        },
                    },
                    name.span,
                    "wrong type",
                );
                return;
            }
        };
        if let Some(slot) = subject.attributes.get_mut(id as usize) {
            *slot = Some(value);
        }
    }

    /// A field or a category.
    fn data_ref(&mut self, name: &ast::Name) -> Option<DataRef> {
        if let Some(f) = self.fields.get(&name.text) {
            return Some(DataRef::Field(FieldId(f)));
        }
        if let Some(c) = self.categories.get(&name.text) {
            return Some(DataRef::Category(CategoryId(c)));
        }
        let names: Vec<String> = self
            .fields
            .names()
            .chain(self.categories.names())
            .map(str::to_owned)
            .collect();
        self.unknown(
            NameKind::Data,
            &name.text,
            name.span,
            names.iter().map(String::as_str),
        );
        None
    }

    /// The one category a transfer or retention expectation is about: a category, or a
    /// field's category (as on the command line).
    fn selector_category(&mut self, selector: &ast::Selector) -> Option<CategoryId> {
        match &selector.kind {
            ast::SelectorKind::Path { path, star: false }
                if self.categories.get(path).is_none() =>
            {
                // Not a category: a field stands for its category; any other name is
                // unknown, with a suggestion among fields and categories.
                let name = ast::Name {
                    text: path.clone(),
                    span: selector.span,
                };
                match self.data_ref(&name)? {
                    DataRef::Category(category) => Some(category),
                    DataRef::Field(field) => {
                        self.fields.items.get(field.index()).map(|f| f.category)
                    }
                }
            }
            ast::SelectorKind::Path { path, .. } => self.category_name(&ast::Name {
                text: path.clone(),
                span: selector.span,
            }),
            _ => {
                self.error(
                    CheckError::InvalidSelector {
                        text: match &selector.kind {
                            ast::SelectorKind::Flag(flag) => format!("#{flag}"),
                            _ => "*".to_owned(),
                        },
                        what: "the one category a query is about",
                        help: "name one category, e.g. `user.contact` or `user.contact.*`",
                    },
                    selector.span,
                    "not one category",
                );
                None
            }
        }
    }

    fn compile_expectation(
        &mut self,
        e: &ast::Expectation,
        subject: &Subject,
    ) -> Option<Expectation> {
        let expected = match &e.kind {
            ExpectationKind::Decision {
                outcome,
                reason,
                query,
                detail,
                rule,
            } => {
                let allow = *outcome == ast::Outcome::Allow;
                if let Some(rule) = rule {
                    if !self.rule_names.contains_key(&rule.text) {
                        let mut names: Vec<String> = self.rule_names.keys().cloned().collect();
                        names.sort_unstable();
                        self.unknown(
                            NameKind::Rule,
                            &rule.text,
                            rule.span,
                            names.iter().map(String::as_str),
                        );
                    }
                }
                if let Some(reason) = reason {
                    if Reason::from_code(&reason.text).is_none() {
                        self.unknown(
                            NameKind::Reason,
                            &reason.text,
                            reason.span,
                            Reason::CODES.iter().copied(),
                        );
                    } else if allow {
                        self.error(
                            CheckError::InvalidExpectation {
                                message: "`expect allow` takes no reason".to_owned(),
                                help: "reasons explain denials: `expect deny consent_missing …`"
                                    .to_owned(),
                            },
                            reason.span,
                            "here",
                        );
                    }
                }
                let (basis, safeguard) = match detail {
                    Some(ast::ExpectDetail::Basis(b)) => {
                        if !valid_basis_text(&b.text) {
                            self.unknown(
                                NameKind::Basis,
                                &b.text,
                                b.span,
                                Basis::NAMES.iter().copied(),
                            );
                        }
                        (Some(b.text.clone()), None)
                    }
                    Some(ast::ExpectDetail::Safeguard(s)) => {
                        self.check_expected_safeguard(s);
                        if !SAFEGUARDS.contains(&s.text.as_str()) {
                            self.unknown(
                                NameKind::Safeguard,
                                &s.text,
                                s.span,
                                SAFEGUARDS.iter().copied(),
                            );
                        }
                        (None, Some(s.text.clone()))
                    }
                    None => (None, None),
                };
                let circumstances = self.circumstance_names(&query.given);
                let campaign = query.campaign.as_ref().map(|c| Campaign::new(&c.value));
                let query = self.compile_query(query, subject)?;
                Expected::Decision {
                    allow,
                    reason: reason.as_ref().map(|r| r.text.clone()),
                    query,
                    basis,
                    safeguard,
                    circumstances,
                    campaign,
                    rule: rule.as_ref().map(|r| r.text.clone()),
                }
            }
            ExpectationKind::Retention {
                data,
                purpose,
                region,
                events,
                purpose_events,
                agreed,
                deidentified,
                now,
                given,
                verdict,
            } => {
                let circumstances = self.circumstance_names(given);
                let category = self.selector_category(data);
                let purpose = purpose.as_ref().and_then(|p| self.purpose_name(p));
                let region = self.region_name(region);
                let mut compiled_events = Vec::new();
                for (name, date) in events {
                    match self.events.get(&name.text) {
                        Some(id) => compiled_events.push((EventId(id), date.value)),
                        None => {
                            let names: Vec<String> =
                                self.events.names().map(str::to_owned).collect();
                            self.unknown(
                                NameKind::Event,
                                &name.text,
                                name.span,
                                names.iter().map(String::as_str),
                            );
                        }
                    }
                }
                let compiled_purpose_events = self.purpose_events(purpose_events);
                if let Some(note) = &verdict.note {
                    if !RETENTION_NOTE_CODES.contains(&note.text.as_str()) {
                        self.unknown(
                            NameKind::RetentionNote,
                            &note.text,
                            note.span,
                            RETENTION_NOTE_CODES.iter().copied(),
                        );
                    }
                }
                if !VERDICTS.contains(&verdict.name.text.as_str()) {
                    self.unknown(
                        NameKind::Verdict,
                        &verdict.name.text,
                        verdict.name.span,
                        VERDICTS.iter().copied(),
                    );
                }
                Expected::Retention {
                    category: category?,
                    purpose,
                    region: region?,
                    events: compiled_events,
                    now: now.value,
                    circumstances,
                    verdict: verdict.name.text.clone(),
                    date: verdict.date.as_ref().map(|d| d.value),
                    purpose_events: compiled_purpose_events,
                    agreed: agreed.as_ref().map(|d| d.value),
                    deidentified: *deidentified,
                    note: verdict.note.as_ref().map(|n| n.text.clone()),
                }
            }
        };
        Some(Expectation {
            expected,
            span: e.span,
        })
    }

    /// The per-purpose events of a retention expectation (`EVENT for PURPOSE DATE`): each
    /// event must be declared `per purpose` (`lawful::check::event_not_per_purpose`).
    fn purpose_events(
        &mut self,
        entries: &[(ast::Name, ast::Name, ast::DateLit)],
    ) -> Vec<(EventId, PurposeId, jiff::Timestamp)> {
        let mut out = Vec::new();
        for (name, purpose, date) in entries {
            let event = match self.events.get(&name.text) {
                Some(id) => EventId(id),
                None => {
                    let names: Vec<String> = self.events.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::Event,
                        &name.text,
                        name.span,
                        names.iter().map(String::as_str),
                    );
                    continue;
                }
            };
            if self.index.per_purpose_events.binary_search(&event).is_err() {
                self.error(
                    CheckError::EventNotPerPurpose {
                        event: name.text.clone(),
                    },
                    name.span,
                    "not `per purpose`",
                );
                continue;
            }
            if let Some(purpose) = self.purpose_name(purpose) {
                out.push((event, purpose, date.value));
            }
        }
        out
    }

    /// The circumstances a `given …` names (each unknown one reported, with a suggestion).
    fn circumstance_names(&mut self, names: &[ast::Name]) -> Circumstances {
        let mut given = Circumstances::NONE;
        for name in names {
            match self.circumstances.get(&name.text) {
                Some(id) => given = given.with(CircumstanceId(id)),
                None => {
                    let known: Vec<String> =
                        self.circumstances.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::Circumstance,
                        &name.text,
                        name.span,
                        known.iter().map(String::as_str),
                    );
                }
            }
        }
        given
    }

    fn compile_query(&mut self, query: &ast::Query, subject: &Subject) -> Option<TestQuery> {
        let region = query.region.as_ref().and_then(|r| self.region_name(r));
        let collected = query.collected.as_ref().map(|d| d.value);
        let needs_region = !matches!(query.kind, QueryKind::Transfer { .. });
        if needs_region && query.region.is_none() && subject.region.is_none() {
            self.error(CheckError::MissingRegion, query.span, "which region?");
        }
        Some(match &query.kind {
            QueryKind::Use { data, purpose } => {
                let data = self.data_ref(data);
                let purpose = self.purpose_name(purpose);
                TestQuery::Use {
                    data: data?,
                    purpose: purpose?,
                    region,
                    collected,
                }
            }
            QueryKind::Disclose {
                data,
                recipient,
                purpose,
            } => {
                let data = self.data_ref(data);
                let recipient = match self.recipients.get(&recipient.text) {
                    Some(r) => Some(RecipientId(r)),
                    None => {
                        let names: Vec<String> =
                            self.recipients.names().map(str::to_owned).collect();
                        self.unknown(
                            NameKind::Recipient,
                            &recipient.text,
                            recipient.span,
                            names.iter().map(String::as_str),
                        );
                        None
                    }
                };
                let purpose = self.purpose_name(purpose);
                TestQuery::Disclose {
                    data: data?,
                    recipient: recipient?,
                    purpose: purpose?,
                    region,
                    collected,
                }
            }
            QueryKind::DiscloseKind {
                data,
                kind,
                purpose,
            } => {
                let data = self.data_ref(data);
                let kind = match RecipientKind::parse(&kind.text) {
                    Some(k) => Some(k),
                    None => {
                        self.unknown(
                            NameKind::RecipientKind,
                            &kind.text,
                            kind.span,
                            RecipientKind::names(),
                        );
                        None
                    }
                };
                let purpose = self.purpose_name(purpose);
                TestQuery::DiscloseKind {
                    data: data?,
                    kind: kind?,
                    purpose: purpose?,
                    region,
                    collected,
                }
            }
            QueryKind::Combine {
                data,
                with,
                purpose,
            } => {
                let data = self.data_ref(data);
                let with = self.data_ref(with);
                let purpose = self.purpose_name(purpose);
                TestQuery::Combine {
                    data: data?,
                    with: with?,
                    purpose: purpose?,
                    region,
                    collected,
                }
            }
            QueryKind::Transfer { data, from, to } => {
                let category = self.selector_category(data);
                let from = self.region_name(from);
                let to = self.region_name(to);
                TestQuery::Transfer {
                    category: category?,
                    from: from?,
                    to: to?,
                }
            }
        })
    }

    fn compile_assertion(
        &mut self,
        assert: &ast::AssertDecl,
        docs: Option<String>,
        span: Span,
    ) -> CompiledAssertion {
        let kind = match &assert.kind {
            ast::AssertKind::Never { action, scope } => {
                AssertionKind::Never(Box::new(self.lower_rule(
                    "assertion",
                    action,
                    scope,
                    docs.clone(),
                    span,
                    ProvenanceKind::Deny,
                )))
            }
            ast::AssertKind::Only { purposes, data } => AssertionKind::Only {
                purposes: self.purpose_selectors(purposes),
                categories: self.category_selectors(data),
            },
            ast::AssertKind::Requires {
                purpose,
                basis,
                scope,
            } => {
                if !Basis::NAMES.contains(&basis.text.as_str()) {
                    self.unknown(
                        NameKind::Basis,
                        &basis.text,
                        basis.span,
                        Basis::NAMES.iter().copied(),
                    );
                }
                let purpose = self.purpose_name(purpose).unwrap_or(PurposeId(0));
                AssertionKind::Requires {
                    purpose,
                    basis: basis.text.clone(),
                    regions: self.region_scope(scope.as_deref().unwrap_or_default()),
                }
            }
        };
        CompiledAssertion { kind, docs, span }
    }
}

/// `consent`, `opt_out`, `opt_out(sale)` …: a basis as an expectation may name it.
fn valid_basis_text(text: &str) -> bool {
    match text
        .strip_prefix("opt_out(")
        .and_then(|k| k.strip_suffix(')'))
    {
        Some(kind) => OptOutKind::parse(kind).is_some(),
        None => Basis::NAMES.contains(&text),
    }
}
