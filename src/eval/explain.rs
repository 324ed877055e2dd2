//! Sentences: what a decision means, and what would change it. Off the hot path; written
//! into a caller's buffer ([`Decision::write_explanation`]) so that rendering many decisions
//! does not allocate per sentence.

use std::fmt::{self, Write as _};

use jiff::Timestamp;

use crate::model::DataRef;
use crate::model::{Basis, Policy, Provenance, ProvenanceId, PurposeId, RegionId};

use super::decision::{Asked, Decision};
use super::retention::{RetentionDecision, RetentionNote, Verdict};
use super::Reason;

impl Decision {
    /// One sentence a user could be shown, e.g. "`marketing.direct` may not use
    /// `orders.email` in `DE`: the subject withdrew consent to `marketing.direct`."
    pub fn explain(&self, policy: &Policy) -> String {
        let mut out = String::new();
        self.write_explanation(policy, &mut out);
        out
    }

    /// Append [`Decision::explain`]'s sentence to `out`.
    pub fn write_explanation(&self, policy: &Policy, out: &mut String) {
        // Writing to a `String` cannot fail.
        let _ = self.explain_to(policy, out);
    }

    fn explain_to(&self, policy: &Policy, out: &mut String) -> fmt::Result {
        let names = Names { policy };
        let not = if self.allowed() { "" } else { " not" };
        match self.asked {
            Asked::Use {
                purpose,
                data,
                region,
            } => cat(
                out,
                &[
                    "`",
                    names.purpose(purpose),
                    "` may",
                    not,
                    " use `",
                    names.data(data),
                    "` in `",
                    names.region(region),
                    "`",
                ],
            ),
            Asked::Disclose {
                recipient,
                purpose,
                data,
                region,
            } => cat(
                out,
                &[
                    "`",
                    names.data(data),
                    "` may",
                    not,
                    " be disclosed to `",
                    policy.recipient_name(recipient),
                    "` for `",
                    names.purpose(purpose),
                    "` in `",
                    names.region(region),
                    "`",
                ],
            ),
            Asked::DiscloseKind {
                kind,
                purpose,
                data,
                region,
            } => cat(
                out,
                &[
                    "`",
                    names.data(data),
                    "` may",
                    not,
                    " be disclosed to any recipient of kind `",
                    kind.name(),
                    "` for `",
                    names.purpose(purpose),
                    "` in `",
                    names.region(region),
                    "`",
                ],
            ),
            Asked::Combine {
                purpose,
                data,
                with,
                region,
            } => cat(
                out,
                &[
                    "`",
                    names.purpose(purpose),
                    "` may",
                    not,
                    " combine `",
                    names.data(data),
                    "` with `",
                    names.data(with),
                    "` in `",
                    names.region(region),
                    "`",
                ],
            ),
            Asked::Transfer { category, from, to } => cat(
                out,
                &[
                    "`",
                    policy.category_name(category),
                    "` collected in `",
                    names.region(from),
                    "` may",
                    not,
                    " go to `",
                    names.region(to),
                    "`",
                ],
            ),
        }
        if self.allowed() {
            self.allowed_clause(policy, out)?;
        } else {
            out.push_str(": ");
            self.denial_clause(policy, out)?;
        }
        out.push('.');
        Ok(())
    }

    fn allowed_clause(&self, policy: &Policy, out: &mut String) -> fmt::Result {
        let names = Names { policy };
        let safeguard = self.safeguard(policy);
        match (self.asked, self.basis) {
            (Asked::Transfer { from, to, .. }, _) if self.detail.domestic => {
                let inside = policy
                    .regions
                    .get(to.index())
                    .is_some_and(|r| r.within.contains(from.index()));
                if inside {
                    out.push_str(": the destination lies within the region of collection");
                } else {
                    // A `with unstated` permission inside one country (eval/safeguard.rs).
                    out.push_str(
                        ": the origin and the destination lie in one country, so no transfer \
                         safeguard is needed",
                    );
                }
            }
            (Asked::Transfer { .. }, _) => match safeguard {
                Some(safeguard) => write!(out, " with the safeguard `{safeguard}`")?,
                None => write!(out, ": {} permits it", names.rule(self.rule))?,
            },
            (_, basis) => {
                if let Some(b) = basis {
                    write!(out, " on the basis of {}", BasisName(b))?;
                    let reason = if self.detail.objection_overridden {
                        "a legitimate interest that overrides the subject's objection in these \
                         circumstances (GDPR Art. 21(1))"
                    } else {
                        basis_reason(b)
                    };
                    cat(out, &[" (", reason, ")"]);
                }
                if let (Some(to), Some(safeguard)) = (self.detail.transfer_to, safeguard) {
                    write!(
                        out,
                        ", with the safeguard `{safeguard}` for the transfer to `{}`",
                        names.region(to)
                    )?;
                }
            }
        }
        Ok(())
    }

    fn denial_clause(&self, policy: &Policy, out: &mut String) -> fmt::Result {
        let names = Names { policy };
        let purpose = self.asked.purpose();
        let purpose_name = purpose.map_or("?", |p| names.purpose(p));
        // A combination denied on the use of its other side speaks about that data.
        let category = match self.asked {
            Asked::Combine { with, .. } if self.detail.combine_with_denied => {
                super::decision::category_of(policy, with)
            }
            asked => asked.category(policy),
        }
        .map_or("?", |c| policy.category_name(c));
        let region = names.region(self.asked.region());
        let explicit = if self.detail.explicit_required {
            "explicit "
        } else {
            ""
        };
        // A disclosure that fails on the transfer to the recipient's location.
        if let (Asked::Disclose { recipient, .. }, Some(to)) = (self.asked, self.detail.transfer_to)
        {
            write!(
                out,
                "the transfer to `{}`, where `{}` is located, is not allowed: ",
                names.region(to),
                policy.recipient_name(recipient)
            )?;
        }
        match self.reason {
            Reason::Allowed => {}
            Reason::NotDeclared => {
                let facts = purpose.and_then(|p| policy.purposes.get(p.index()));
                let declared = facts.is_some_and(|p| p.declared);
                let other = facts.is_some_and(|p| p.other.is_some());
                if other {
                    cat(
                        out,
                        &[
                            "the policy's other purposes with consent do not include the \
                             category `",
                            category,
                            "`",
                        ],
                    );
                } else if declared {
                    cat(
                        out,
                        &["the purpose does not declare the category `", category, "`"],
                    );
                } else {
                    cat(
                        out,
                        &[
                            "the policy does not provide for `",
                            purpose_name,
                            "` (it declares no such purpose)",
                        ],
                    );
                }
                self.cited_rule(policy, out)?;
            }
            Reason::SubjectKind => {
                out.push_str("the purpose does not process this kind of subject");
            }
            Reason::DeniedByRule => write!(out, "{} forbids it", names.rule(self.rule))?,
            Reason::NoLegalBasis => write!(
                out,
                "the purpose has no legal basis that applies in `{region}`"
            )?,
            Reason::BasisUnstated => write!(
                out,
                "the policy states no legal basis for `{purpose_name}` in `{region}`, and without \
                 one (GDPR Art. 6(1)) no use is lawful"
            )?,
            Reason::ConsentMissing => cat(
                out,
                &[
                    "the subject has not given ",
                    explicit,
                    "consent to `",
                    purpose_name,
                    "`",
                ],
            ),
            Reason::ConsentWithdrawn if self.detail.tainted => write!(
                out,
                "the data was collected before the subject withdrew consent to `{purpose_name}`, \
                 and the purpose keeps such data unusable"
            )?,
            Reason::ConsentWithdrawn => {
                write!(out, "the subject withdrew consent to `{purpose_name}`")?;
            }
            Reason::Objected => {
                write!(out, "the subject objected to `{purpose_name}`")?;
                let absolute = purpose
                    .and_then(|p| policy.purposes.get(p.index()))
                    .is_some_and(|p| p.direct_marketing);
                if absolute {
                    out.push_str(", and an objection to direct marketing is absolute");
                }
            }
            Reason::OptedOut => {
                let kind = self.detail.opt_out.map_or("it", |k| k.name());
                if self.detail.via_gpc {
                    write!(
                        out,
                        "the subject's Global Privacy Control signal is an opt-out of `{kind}`"
                    )?;
                } else if self.detail.tainted {
                    write!(
                        out,
                        "the data was collected before the subject opted out of `{kind}`, and \
                         the purpose keeps such data out even after the opt-out is revoked"
                    )?;
                } else {
                    write!(out, "the subject opted out of `{kind}`")?;
                    if let Some(channel) = self.detail.opt_out_channel {
                        write!(out, " by {}", channel.name())?;
                    }
                    if self.detail.opt_out_campaign {
                        out.push_str(" for this campaign (or the question names no campaign)");
                    }
                }
            }
            Reason::Restricted => out.push_str(
                "processing of the subject's data is restricted (GDPR Art. 18) and the purpose \
                 does not survive restriction",
            ),
            Reason::Erased => out.push_str(
                "the subject asked for erasure or deleted the account, and the purpose does not \
                 survive erasure",
            ),
            Reason::Child => {
                self.child(region, out)?;
                out.push_str(", and the purpose is not offered to children");
            }
            Reason::ParentalConsentMissing => {
                self.child(region, out)?;
                out.push_str(", and the purpose needs a parent's consent, which was not given");
            }
            Reason::RecipientNotDeclared => {
                match self.asked {
                    Asked::Disclose { recipient, .. } => cat(
                        out,
                        &[
                            "`",
                            policy.recipient_name(recipient),
                            "` is not declared to receive `",
                            category,
                            "` for `",
                            purpose_name,
                            "`",
                        ],
                    ),
                    Asked::DiscloseKind { kind, .. } => cat(
                        out,
                        &[
                            "the policy declares no recipient of kind `",
                            kind.name(),
                            "` that may receive `",
                            category,
                            "` for `",
                            purpose_name,
                            "`",
                        ],
                    ),
                    _ => out.push_str("the recipient is not declared for it"),
                }
                self.cited_rule(policy, out)?;
            }
            Reason::RecipientConsentMissing => {
                // (Asked of a kind: the recipient whose denial answers is the deciding rule.)
                let name = match self.asked {
                    Asked::Disclose { recipient, .. } => policy.recipient_name(recipient),
                    _ => self
                        .rule
                        .and_then(|r| policy.provenance(r))
                        .map_or("?", |p| p.name.as_str()),
                };
                if self.detail.tainted {
                    write!(
                        out,
                        "the data was collected before the subject withdrew {explicit}consent                          to disclosure to `{name}`"
                    )?;
                } else {
                    write!(
                        out,
                        "the subject has not given {explicit}consent to disclosure to `{name}`"
                    )?;
                }
            }
            Reason::TransferConsentMissing => {
                let to = self.detail.transfer_to.map_or("?", |to| names.region(to));
                write!(
                    out,
                    "{} lets `{category}` go to `{to}` only with the subject's {explicit}consent                      to that transfer, which the subject has not given",
                    names.rule(self.rule)
                )?;
            }
            Reason::SafeguardUnstated => {
                let to = self.detail.transfer_to.map_or("?", |to| names.region(to));
                write!(
                    out,
                    "{} lets `{category}` go to `{to}` but names no safeguard for the transfer \
                     (GDPR Chapter V; Art. 13(1)(f) requires the notice to refer to it), so the \
                     transfer is not shown to be lawful",
                    names.rule(self.rule)
                )?;
            }
            Reason::RecipientCondition => match self.asked {
                Asked::Disclose { recipient, .. } => write!(
                    out,
                    "a condition the policy sets on disclosures to `{}` does not hold",
                    policy.recipient_name(recipient)
                )?,
                _ => out.push_str("a condition on the recipient does not hold"),
            },
            Reason::Localized => {
                write!(
                    out,
                    "{} keeps `{category}` collected in `{region}` inside it",
                    names.rule(self.rule)
                )?;
                if let Asked::Disclose { recipient, .. } = self.asked {
                    if self.detail.location_undeclared {
                        write!(
                            out,
                            ", and the policy does not declare where `{}` is located",
                            policy.recipient_name(recipient)
                        )?;
                    }
                }
            }
            Reason::TransferForbidden => write!(
                out,
                "no transfer rule lets `{category}` go from `{region}` to `{}`",
                self.detail.transfer_to.map_or("?", |r| names.region(r))
            )?,
        }
        Ok(())
    }

    /// `, and the deny rule `no_sale` forbids it`: a closed-world denial that a deny rule
    /// (the policy's own promise) also decides cites it.
    fn cited_rule(&self, policy: &Policy, out: &mut String) -> fmt::Result {
        let names = Names { policy };
        let rule = self.rule.and_then(|id| policy.provenance(id));
        if rule.is_some_and(|p| p.kind == crate::model::ProvenanceKind::Deny) {
            write!(out, ", and {} forbids it", names.rule(self.rule))?;
        }
        if let Some(limit) = rule.filter(|p| p.kind == crate::model::ProvenanceKind::RecipientLimit)
        {
            write!(out, ", and {} forbids it", names.rule(self.rule))?;
            if let Some(text) = &limit.docs {
                write!(out, " (\u{201c}{text}\u{201d})")?;
            }
        }
        Ok(())
    }

    fn child(&self, region: &str, out: &mut String) -> fmt::Result {
        match (self.detail.age_unknown, self.detail.child_threshold) {
            (true, _) => {
                out.push_str("the subject's age is unknown, which the policy treats as a child");
            }
            (false, Some(threshold)) => {
                write!(
                    out,
                    "the subject is under {threshold} in `{region}`, a child"
                )?;
            }
            (false, None) => out.push_str("the subject is a child"),
        }
        Ok(())
    }

    /// What would change the answer, where the subject could change it: "would be allowed
    /// with consent to `marketing.direct`". The hint lifts the step that decided; a later
    /// step may still deny.
    pub fn would_change(&self, policy: &Policy) -> Option<String> {
        let mut out = String::new();
        self.write_would_change(policy, &mut out).then_some(out)
    }

    /// Append [`Decision::would_change`]'s hint to `out`; `false` (nothing written) when
    /// there is none.
    pub fn write_would_change(&self, policy: &Policy, out: &mut String) -> bool {
        // Writing to a `String` cannot fail.
        self.would_change_to(policy, out).unwrap_or(false)
    }

    fn would_change_to(&self, policy: &Policy, out: &mut String) -> Result<bool, fmt::Error> {
        let names = Names { policy };
        let purpose = self.asked.purpose().map_or("?", |p| names.purpose(p));
        let explicit = if self.detail.explicit_required {
            "explicit "
        } else {
            ""
        };
        match self.reason {
            Reason::ConsentMissing => cat(
                out,
                &[
                    "would be allowed with ",
                    explicit,
                    "consent to `",
                    purpose,
                    "`",
                ],
            ),
            Reason::ConsentWithdrawn if self.detail.tainted => write!(
                out,
                "would be allowed for data collected after a new {explicit}consent to `{purpose}`"
            )?,
            Reason::ConsentWithdrawn => write!(
                out,
                "would be allowed if the subject gave {explicit}consent to `{purpose}` again"
            )?,
            Reason::Objected => write!(
                out,
                "would be allowed if the subject had not objected to `{purpose}`"
            )?,
            Reason::OptedOut if self.detail.via_gpc => {
                out.push_str("would be allowed without the Global Privacy Control signal");
            }
            Reason::OptedOut if self.detail.tainted => {
                out.push_str("would be allowed only for data collected after the opt-out");
            }
            Reason::OptedOut => write!(
                out,
                "would be allowed if the subject had not opted out of `{}`",
                self.detail.opt_out.map_or("it", |k| k.name())
            )?,
            Reason::ParentalConsentMissing => {
                out.push_str("would be allowed with parental consent")
            }
            Reason::RecipientConsentMissing => {
                let name = match self.asked {
                    Asked::Disclose { recipient, .. } => policy.recipient_name(recipient),
                    _ => match self.rule.and_then(|r| policy.provenance(r)) {
                        Some(p) => p.name.as_str(),
                        None => return Ok(false),
                    },
                };
                write!(
                    out,
                    "would be allowed with {explicit}consent to disclosure to `{name}`"
                )?;
            }
            Reason::TransferConsentMissing => match self.detail.transfer_to {
                Some(to) => write!(
                    out,
                    "would be allowed with {explicit}consent to the transfer to `{}`",
                    policy.region_name(to)
                )?,
                None => return Ok(false),
            },
            Reason::Restricted => {
                out.push_str("would be allowed once the restriction of processing is lifted");
            }
            Reason::Child if self.detail.age_unknown => match self.detail.child_threshold {
                Some(t) => write!(
                    out,
                    "would be decided by age if the subject were known to be {t} or over"
                )?,
                None => out.push_str("would be decided by age if the subject's age were known"),
            },
            Reason::Allowed
            | Reason::NotDeclared
            | Reason::SubjectKind
            | Reason::DeniedByRule
            | Reason::NoLegalBasis
            | Reason::BasisUnstated
            | Reason::SafeguardUnstated
            | Reason::Erased
            | Reason::Child
            | Reason::RecipientNotDeclared
            | Reason::RecipientCondition
            | Reason::Localized
            | Reason::TransferForbidden => return Ok(false),
        }
        Ok(true)
    }
}

/// Append the pieces (faster than `write!` for plain text).
fn cat(out: &mut String, pieces: &[&str]) {
    for piece in pieces {
        out.push_str(piece);
    }
}

/// A basis as written in policies (`opt_out(sale)`), without allocating.
pub(crate) struct BasisName(pub Basis);

impl fmt::Display for BasisName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Basis::OptOut(kind) => write!(f, "opt_out({})", kind.name()),
            other => f.write_str(other.simple_name()),
        }
    }
}

fn basis_reason(basis: Basis) -> &'static str {
    match basis {
        Basis::Consent => "the subject consented",
        Basis::ExplicitConsent => "the subject gave explicit consent",
        Basis::Contract => "necessary for a contract with the subject",
        Basis::LegalObligation => "required by a legal obligation",
        Basis::VitalInterest => "to protect someone's vital interests",
        Basis::PublicTask => "a task carried out in the public interest",
        Basis::LegitimateInterest => "a legitimate interest the subject has not objected to",
        Basis::OptOut(_) => "the subject has not opted out",
        Basis::Unstated => "no basis stated",
    }
}

struct Names<'p> {
    policy: &'p Policy,
}

impl<'p> Names<'p> {
    fn purpose(&self, id: PurposeId) -> &'p str {
        self.policy.purpose_name(id)
    }

    fn region(&self, id: RegionId) -> &'p str {
        self.policy.region_name(id)
    }

    fn data(&self, data: DataRef) -> &'p str {
        match data {
            DataRef::Field(f) => self
                .policy
                .fields
                .get(f.index())
                .map_or("?", |f| f.info.name.as_str()),
            DataRef::Category(c) => self.policy.category_name(c),
        }
    }

    /// "the deny rule `no_sale`" … ("a rule" when unknown).
    fn rule(&self, id: Option<ProvenanceId>) -> RuleName<'p> {
        RuleName(id.and_then(|id| self.policy.provenance(id)))
    }
}

/// How a sentence names a deciding declaration: "the deny rule `no_sale`".
struct RuleName<'p>(Option<&'p Provenance>);

impl fmt::Display for RuleName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::model::ProvenanceKind;
        let Some(p) = self.0 else {
            return f.write_str("a rule");
        };
        if p.kind == ProvenanceKind::Deny && p.name == "assertion" {
            return f.write_str("an `assert never` of the policy");
        }
        let kind = match p.kind {
            ProvenanceKind::Deny => "the deny rule",
            ProvenanceKind::Transfer => "the transfer rule",
            ProvenanceKind::Localize => "the localisation rule",
            ProvenanceKind::Retain => "the retention rule",
            ProvenanceKind::Basis => "the basis",
            ProvenanceKind::Recipient => "the recipient",
            ProvenanceKind::Purpose => "the purpose",
            ProvenanceKind::Children => "the children rule",
            ProvenanceKind::RecipientLimit => "the limit on the recipient",
        };
        write!(f, "{kind} `{}`", p.name)
    }
}

/// `2026-01-01` for midnight UTC, else the full RFC 3339 timestamp.
pub fn format_time(at: Timestamp) -> String {
    let zoned = at.to_zoned(jiff::tz::TimeZone::UTC);
    if zoned.time() == jiff::civil::Time::midnight() {
        zoned.date().to_string()
    } else {
        at.to_string()
    }
}

impl RetentionDecision {
    /// One sentence: "`user.transaction` in `CN` must be kept until 2026-01-01 (the
    /// retention rule `…`)."
    pub fn explain(&self, policy: &Policy) -> String {
        let names = Names { policy };
        let head = format!(
            "`{}`{} in `{}`",
            policy.category_name(self.category),
            self.purpose
                .map(|p| format!(" for `{}`", names.purpose(p)))
                .unwrap_or_default(),
            names.region(self.region)
        );
        let rule = names.rule(self.rule);
        match (self.verdict, self.date, self.note) {
            (Verdict::MustKeep, _, RetentionNote::AwaitingEvent(event)) => format!(
                "{head} must be kept: {rule} counts from `{}`, which has not happened yet.",
                policy.event_name(event)
            ),
            (Verdict::MustKeep, Some(until), _) => {
                format!("{head} must be kept until {} ({rule}).", format_time(until))
            }
            (Verdict::MayKeep, Some(until), _) => format!(
                "{head} may be kept until {}, then must be deleted ({rule}).",
                format_time(until)
            ),
            (Verdict::MustDelete, Some(since), _) => format!(
                "{head} must be deleted: its retention period ended on {} ({rule}).",
                format_time(since)
            ),
            (_, _, RetentionNote::NoDeadlineYet) => {
                format!("{head} may be kept: no maximum retention period has started yet.")
            }
            (_, _, RetentionNote::KeptWhile) => format!(
                "{head} must be kept as long as the condition of {rule} holds: a minimum with \
                 no fixed end, which no maximum cuts short."
            ),
            (_, _, RetentionNote::Exempt) => {
                format!("{head} may be kept: it is exempt from every maximum ({rule}).")
            }
            (_, _, RetentionNote::NoLimit) => {
                format!("{head} may be kept: the policy states there is no time limit ({rule}).")
            }
            _ => format!("{head} may be kept: no maximum retention period applies to it."),
        }
    }
}
