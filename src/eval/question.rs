//! A question put to the evaluator, and a subject/question pair rendered as `lawful` test
//! syntax (so a counterexample can be pasted into a `test` block).

use std::fmt::Write as _;

use super::{DataRef, Decision, Query, QueryError, Reason, TransferQuery};
use crate::model::{AttrValue, Basis, CategoryId, Circumstances, OptOutKind, Policy, RegionId};
use crate::subject::Subject;

/// One question: a use or a disclosure (a [`Query`], with `recipient` set for a disclosure),
/// or a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// A use, or a disclosure when the query names a recipient.
    Decide(Query),
    /// May data of `category` go from region `from` to region `to`?
    Transfer {
        /// The category of the data moved.
        category: CategoryId,
        /// The region the data leaves.
        from: RegionId,
        /// The destination.
        to: RegionId,
        /// The circumstances that hold.
        circumstances: Circumstances,
    },
}

impl Question {
    /// Whether it asks about a transfer.
    pub fn is_transfer(&self) -> bool {
        matches!(self, Question::Transfer { .. })
    }

    /// A transfer question with no circumstance given.
    pub fn transfer(category: CategoryId, from: RegionId, to: RegionId) -> Question {
        Question::Transfer {
            category,
            from,
            to,
            circumstances: Circumstances::NONE,
        }
    }

    /// The circumstances the question gives.
    pub fn circumstances(&self) -> Circumstances {
        match self {
            Question::Decide(query) => query.circumstances,
            Question::Transfer { circumstances, .. } => *circumstances,
        }
    }

    /// The same question with these circumstances.
    #[must_use]
    pub fn with_circumstances(self, given: Circumstances) -> Question {
        match self {
            Question::Decide(query) => Question::Decide(query.with_circumstances(given)),
            Question::Transfer {
                category, from, to, ..
            } => Question::Transfer {
                category,
                from,
                to,
                circumstances: given,
            },
        }
    }

    /// Ask the evaluator. A transfer without a subject is the bare
    /// [`Policy::decide_transfer`]; with one, [`Policy::decide_transfer_for`].
    pub fn decide(
        &self,
        policy: &Policy,
        subject: Option<&Subject>,
    ) -> Result<Decision, QueryError> {
        match (*self, subject) {
            (Question::Decide(query), Some(subject)) => policy.decide(&query, subject),
            (Question::Decide(query), None) => policy.decide(&query, &Subject::new(policy)),
            (
                Question::Transfer {
                    category,
                    from,
                    to,
                    circumstances,
                },
                subject,
            ) => {
                let query = TransferQuery::new(policy, category, from, to)
                    .with_circumstances(circumstances);
                match subject {
                    Some(subject) => policy.decide_transfer_for(subject, &query),
                    None => policy.decide_transfer(&query),
                }
            }
        }
    }

    /// Whether the evaluator denies this question whatever the subject.
    ///
    /// It is asked about a subject who says nothing, and the denial counts only when it
    /// comes from a step that reads no subject fact: the closed world (`not_declared`,
    /// `recipient_not_declared`), localisation and missing transfer permissions, a purpose
    /// with no basis declaration at all in the region, or a deny rule with no `when` and no
    /// exception with a `when`. Any other denial might not hold for another subject, so the
    /// answer is `false` (the prover then searches). An error is `false` too: the search
    /// meets and reports it.
    pub fn denied_whatever_the_subject(&self, policy: &Policy) -> bool {
        let subject = Subject::new(policy);
        let decision = match self {
            Question::Decide(_) => self.decide(policy, Some(&subject)),
            Question::Transfer { .. } => self.decide(policy, None),
        };
        let Ok(decision) = decision else {
            return false;
        };
        match decision.reason {
            Reason::NotDeclared | Reason::RecipientNotDeclared => true,
            // A circumstance may lift a localisation or enable a transfer permission.
            Reason::Localized | Reason::TransferForbidden => {
                policy.transfers.iter().all(|t| t.when.is_none())
                    && policy.localizations.iter().all(|l| l.unless.is_none())
            }
            Reason::NoLegalBasis => decision.asked.purpose().is_some_and(|purpose| {
                policy
                    .basis_declarations(purpose, decision.asked.region())
                    .all(|declaration| declaration.when.is_none())
            }),
            Reason::DeniedByRule => decision.rule.is_some_and(|provenance| {
                let mut rules = policy
                    .rules
                    .iter()
                    .filter(|rule| rule.provenance == provenance)
                    .peekable();
                rules.peek().is_some()
                    && rules.all(|rule| {
                        rule.when.is_none() && rule.excepts.iter().all(|e| e.when.is_none())
                    })
            }),
            // Every declaration there says the text states no basis, with no `when`.
            Reason::BasisUnstated => decision.asked.purpose().is_some_and(|purpose| {
                policy
                    .basis_declarations(purpose, decision.asked.region())
                    .all(|d| d.when.is_none() && d.alternatives == [Basis::Unstated])
            }),
            // Another permission may allow it for a subject who consented to the transfer,
            // or while a circumstance holds.
            Reason::SafeguardUnstated => {
                policy
                    .transfers
                    .iter()
                    .all(|t| t.when.is_none() && t.consent.is_none())
                    && policy.localizations.iter().all(|l| l.unless.is_none())
            }
            Reason::Allowed
            | Reason::SubjectKind
            | Reason::ConsentMissing
            | Reason::ConsentWithdrawn
            | Reason::Objected
            | Reason::OptedOut
            | Reason::Restricted
            | Reason::Erased
            | Reason::Child
            | Reason::ParentalConsentMissing
            | Reason::RecipientCondition
            | Reason::RecipientConsentMissing
            | Reason::TransferConsentMissing => false,
        }
    }

    /// The question in test syntax: `use orders.email for marketing.direct in DE`.
    pub fn describe(&self, policy: &Policy) -> String {
        match self {
            Question::Decide(query) => {
                let data = data_name(policy, query.data);
                let purpose = policy.purpose_name(query.purpose);
                let mut out = match (query.combine, query.recipient) {
                    (Some(with), _) => {
                        format!(
                            "combine {data} with {} for {purpose}",
                            data_name(policy, with)
                        )
                    }
                    (None, Some(recipient)) => format!(
                        "disclose {data} to {} for {purpose}",
                        policy.recipient_name(recipient)
                    ),
                    (None, None) => format!("use {data} for {purpose}"),
                };
                if let Some(region) = query.region {
                    let _ = write!(out, " in {}", policy.region_name(region));
                }
                if let Some(at) = query.collected_at {
                    let _ = write!(out, " collected {}", date(at));
                }
                out.push_str(&describe_circumstances(policy, query.circumstances));
                out
            }
            Question::Transfer {
                category,
                from,
                to,
                circumstances,
            } => format!(
                "transfer {} from {} to {}{}",
                policy.category_name(*category),
                policy.region_name(*from),
                policy.region_name(*to),
                describe_circumstances(policy, *circumstances)
            ),
        }
    }
}

/// ` given a, b` in test syntax; empty when none is given.
pub(crate) fn describe_circumstances(policy: &Policy, given: Circumstances) -> String {
    if given.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = given.iter().map(|c| policy.circumstance_name(c)).collect();
    format!(" given {}", names.join(", "))
}

fn data_name(policy: &Policy, data: DataRef) -> &str {
    match data {
        DataRef::Category(c) => policy.category_name(c),
        DataRef::Field(f) => policy
            .fields
            .get(f.index())
            .map_or("?", |f| f.info.name.as_str()),
    }
}

/// `2024-01-01`, or the full timestamp when it is not midnight UTC.
pub(crate) fn date(at: jiff::Timestamp) -> String {
    let text = at.to_string();
    match text.strip_suffix("T00:00:00Z") {
        Some(day) => day.to_owned(),
        None => text,
    }
}

/// A subject as the body of a test block's `subject { … }`, entries separated by two spaces.
pub fn describe_subject(policy: &Policy, subject: &Subject) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(region) = subject.region {
        parts.push(format!("region {}", policy.region_name(region)));
    }
    if let Some(age) = subject.age {
        parts.push(format!("age {age}"));
    }
    if let Some(kind) = subject.kind {
        let name = policy
            .subject_kinds
            .get(kind.index())
            .map_or("?", |k| k.name.as_str());
        parts.push(format!("kind {name}"));
    }
    for record in &subject.consents {
        let purpose = policy.purpose_name(record.purpose);
        if record.given_at.is_some() || record.withdrawn_at.is_none() {
            let explicit = if record.explicit { "explicit " } else { "" };
            let at = record
                .given_at
                .map(|t| format!(" at {}", date(t)))
                .unwrap_or_default();
            parts.push(format!("{explicit}consent {purpose}{at}"));
        }
        if let Some(withdrawn) = record.withdrawn_at {
            parts.push(format!("withdrawn {purpose} at {}", date(withdrawn)));
        }
    }
    for record in &subject.target_consents {
        let target = match record.target {
            crate::subject::ConsentTarget::Recipient(q) => policy.recipient_name(q).to_owned(),
            crate::subject::ConsentTarget::Transfer(r) => {
                format!("transfer {}", policy.region_name(r))
            }
        };
        if record.given_at.is_some() || record.withdrawn_at.is_none() {
            let explicit = if record.explicit { "explicit " } else { "" };
            let at = record
                .given_at
                .map(|t| format!(" at {}", date(t)))
                .unwrap_or_default();
            parts.push(format!("{explicit}consent to {target}{at}"));
        }
        if let Some(withdrawn) = record.withdrawn_at {
            parts.push(format!("withdrawn to {target} at {}", date(withdrawn)));
        }
    }
    if !subject.objections.is_empty() {
        let names: Vec<&str> = subject
            .objections
            .iter()
            .map(|p| policy.purpose_name(*p))
            .collect();
        parts.push(format!("objected {}", names.join(", ")));
    }
    let kinds: Vec<&str> = OptOutKind::ALL
        .into_iter()
        .filter(|k| subject.opt_outs & k.bit() != 0)
        .map(OptOutKind::name)
        .collect();
    if !kinds.is_empty() {
        parts.push(format!("opted_out {}", kinds.join(", ")));
    }
    for record in &subject.opt_out_records {
        let mut text = format!("opted_out {}", record.kind.name());
        if let Some(at) = record.at {
            text.push_str(&format!(" at {}", date(at)));
        }
        if let Some(revoked) = record.revoked_at {
            text.push_str(&format!(" revoked {}", date(revoked)));
        }
        if let Some(channel) = record.channel {
            text.push_str(&format!(" channel {}", channel.name()));
        }
        if let Some(campaign) = record.campaign {
            // Campaigns are known by a digest of their name: only the prover's is named.
            let example = crate::model::Campaign::new(crate::model::Campaign::EXAMPLE);
            let name = if campaign == example {
                crate::model::Campaign::EXAMPLE
            } else {
                "(a campaign)"
            };
            text.push_str(&format!(" campaign \"{name}\""));
        }
        if record.is_general() && record.at.is_none() && record.revoked_at.is_none() {
            continue;
        }
        parts.push(text);
    }
    for (on, flag) in [
        (subject.gpc, "gpc"),
        (subject.restricted, "restricted"),
        (subject.erasure_requested, "erased"),
        (subject.account_deleted, "account_deleted"),
        (subject.parental_consent, "parental_consent"),
    ] {
        if on {
            parts.push(flag.to_owned());
        }
    }
    for (index, value) in subject.attributes.iter().enumerate() {
        let (Some(value), Some(attribute)) = (value, policy.attributes.get(index)) else {
            continue;
        };
        parts.push(format!(
            "set {} = {}",
            attribute.info.name,
            attr_text(policy, value)
        ));
    }
    format!("subject {{ {} }}", parts.join("  "))
}

fn attr_text(policy: &Policy, value: &AttrValue) -> String {
    let symbol = |id: crate::model::SymbolId| {
        let text = policy.symbols.get(id.index()).map_or("", String::as_str);
        format!("{text:?}")
    };
    match value {
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(n) => n.to_string(),
        AttrValue::Str(Some(id)) => symbol(*id),
        AttrValue::Str(None) => format!("{:?}", unmentioned_string(policy)),
        AttrValue::Set(items) => {
            let items: Vec<String> = items.iter().map(|s| symbol(*s)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A string the policy never mentions (it equals no literal a condition compares with).
pub(crate) fn unmentioned_string(policy: &Policy) -> String {
    let mut candidate = "other".to_owned();
    let mut n = 1;
    while policy.index.symbols.get(&candidate).is_some() {
        n += 1;
        candidate = format!("other{n}");
    }
    candidate
}
