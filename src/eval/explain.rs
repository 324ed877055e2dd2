//! Sentences: what a decision means, and what would change it. Off the hot path.

use jiff::Timestamp;

use crate::model::tests::DataRef;
use crate::model::{Basis, Policy, ProvenanceId, PurposeId, RegionId};

use super::decision::{Asked, Decision};
use super::retention::{RetentionDecision, RetentionNote, Verdict};
use super::Reason;

impl Decision {
    /// One sentence a user could be shown, e.g. "`marketing.direct` may not use
    /// `orders.email` in `DE`: the subject withdrew consent to `marketing.direct`."
    pub fn explain(&self, policy: &Policy) -> String {
        let names = Names { policy };
        let head = match self.asked {
            Asked::Use {
                purpose,
                data,
                region,
            } => format!(
                "`{}` may{} use `{}` in `{}`",
                names.purpose(purpose),
                if self.allowed() { "" } else { " not" },
                names.data(data),
                names.region(region),
            ),
            Asked::Disclose {
                recipient,
                purpose,
                data,
                region,
            } => format!(
                "`{}` may{} be disclosed to `{}` for `{}` in `{}`",
                names.data(data),
                if self.allowed() { "" } else { " not" },
                policy.recipient_name(recipient),
                names.purpose(purpose),
                names.region(region),
            ),
            Asked::Transfer { category, from, to } => format!(
                "`{}` collected in `{}` may{} go to `{}`",
                policy.category_name(category),
                names.region(from),
                if self.allowed() { "" } else { " not" },
                names.region(to),
            ),
        };
        if self.allowed() {
            format!("{head}{}.", self.allowed_clause(policy))
        } else {
            format!("{head}: {}.", self.denial_clause(policy))
        }
    }

    fn allowed_clause(&self, policy: &Policy) -> String {
        let names = Names { policy };
        let safeguard = self.safeguard(policy);
        match (self.asked, self.basis) {
            (Asked::Transfer { .. }, _) if self.detail.domestic => {
                ": the destination lies within the region of collection".to_owned()
            }
            (Asked::Transfer { .. }, _) => match safeguard {
                Some(safeguard) => format!(" with the safeguard `{safeguard}`"),
                None => format!(": {} permits it", names.rule(self.rule)),
            },
            (_, basis) => {
                let basis = basis.map_or_else(String::new, |b| {
                    format!(" on the basis of {} ({})", b.name(), basis_reason(b))
                });
                let transfer = match (self.detail.transfer_to, safeguard) {
                    (Some(to), Some(safeguard)) => format!(
                        ", with the safeguard `{safeguard}` for the transfer to `{}`",
                        names.region(to)
                    ),
                    _ => String::new(),
                };
                format!("{basis}{transfer}")
            }
        }
    }

    fn denial_clause(&self, policy: &Policy) -> String {
        let names = Names { policy };
        let purpose = self.asked.purpose();
        let purpose_name = purpose.map_or("?", |p| names.purpose(p));
        let category = self
            .asked
            .category(policy)
            .map_or("?", |c| policy.category_name(c));
        let region = names.region(self.asked.region());
        let explicit = if self.detail.explicit_required {
            "explicit "
        } else {
            ""
        };
        let clause = match self.reason {
            Reason::Allowed => String::new(),
            Reason::NotDeclared => {
                format!("the purpose does not declare the category `{category}`")
            }
            Reason::SubjectKind => "the purpose does not process this kind of subject".to_owned(),
            Reason::DeniedByRule => format!("{} forbids it", names.rule(self.rule)),
            Reason::NoLegalBasis => {
                format!("the purpose has no legal basis that applies in `{region}`")
            }
            Reason::ConsentMissing => {
                format!("the subject has not given {explicit}consent to `{purpose_name}`")
            }
            Reason::ConsentWithdrawn if self.detail.tainted => format!(
                "the data was collected before the subject withdrew consent to `{purpose_name}`, \
                 and the purpose keeps such data unusable"
            ),
            Reason::ConsentWithdrawn => {
                format!("the subject withdrew consent to `{purpose_name}`")
            }
            Reason::Objected => {
                let absolute = purpose
                    .and_then(|p| policy.purposes.get(p.index()))
                    .is_some_and(|p| p.direct_marketing);
                if absolute {
                    format!(
                        "the subject objected to `{purpose_name}`, and an objection to direct \
                         marketing is absolute"
                    )
                } else {
                    format!("the subject objected to `{purpose_name}`")
                }
            }
            Reason::OptedOut => {
                let kind = self.detail.opt_out.map_or("it", |k| k.name());
                if self.detail.via_gpc {
                    format!("the subject's Global Privacy Control signal is an opt-out of `{kind}`")
                } else {
                    format!("the subject opted out of `{kind}`")
                }
            }
            Reason::Restricted => "processing of the subject's data is restricted (GDPR Art. 18) \
                                   and the purpose does not survive restriction"
                .to_owned(),
            Reason::Erased => "the subject asked for erasure or deleted the account, and the \
                               purpose does not survive erasure"
                .to_owned(),
            Reason::Child => format!(
                "{}, and the purpose is not offered to children",
                self.child(region)
            ),
            Reason::ParentalConsentMissing => format!(
                "{}, and the purpose needs a parent's consent, which was not given",
                self.child(region)
            ),
            Reason::RecipientNotDeclared => match self.asked {
                Asked::Disclose { recipient, .. } => format!(
                    "`{}` is not declared to receive `{category}` for `{purpose_name}`",
                    policy.recipient_name(recipient)
                ),
                _ => "the recipient is not declared for it".to_owned(),
            },
            Reason::RecipientCondition => match self.asked {
                Asked::Disclose { recipient, .. } => format!(
                    "a condition the policy sets on disclosures to `{}` does not hold",
                    policy.recipient_name(recipient)
                ),
                _ => "a condition on the recipient does not hold".to_owned(),
            },
            Reason::Localized => format!(
                "{} keeps `{category}` collected in `{region}` inside it",
                names.rule(self.rule)
            ),
            Reason::TransferForbidden => format!(
                "no transfer rule lets `{category}` go from `{region}` to `{}`",
                self.detail.transfer_to.map_or("?", |r| names.region(r))
            ),
        };
        // A disclosure that fails on the transfer to the recipient's location.
        match (self.asked, self.detail.transfer_to) {
            (Asked::Disclose { recipient, .. }, Some(to)) if !self.allowed() => format!(
                "the transfer to `{}`, where `{}` is located, is not allowed: {clause}",
                names.region(to),
                policy.recipient_name(recipient)
            ),
            _ => clause,
        }
    }

    fn child(&self, region: &str) -> String {
        match (self.detail.age_unknown, self.detail.child_threshold) {
            (true, _) => {
                "the subject's age is unknown, which the policy treats as a child".to_owned()
            }
            (false, Some(threshold)) => {
                format!("the subject is under {threshold} in `{region}`, a child")
            }
            (false, None) => "the subject is a child".to_owned(),
        }
    }

    /// What would change the answer, where the subject could change it: "would be allowed
    /// with consent to `marketing.direct`". The hint lifts the step that decided; a later
    /// step may still deny.
    pub fn would_change(&self, policy: &Policy) -> Option<String> {
        let names = Names { policy };
        let purpose = self.asked.purpose().map_or("?", |p| names.purpose(p));
        let explicit = if self.detail.explicit_required {
            "explicit "
        } else {
            ""
        };
        Some(match self.reason {
            Reason::ConsentMissing => {
                format!("would be allowed with {explicit}consent to `{purpose}`")
            }
            Reason::ConsentWithdrawn if self.detail.tainted => format!(
                "would be allowed for data collected after a new {explicit}consent to `{purpose}`"
            ),
            Reason::ConsentWithdrawn => {
                format!(
                    "would be allowed if the subject gave {explicit}consent to `{purpose}` again"
                )
            }
            Reason::Objected => {
                format!("would be allowed if the subject had not objected to `{purpose}`")
            }
            Reason::OptedOut if self.detail.via_gpc => {
                "would be allowed without the Global Privacy Control signal".to_owned()
            }
            Reason::OptedOut => format!(
                "would be allowed if the subject had not opted out of `{}`",
                self.detail.opt_out.map_or("it", |k| k.name())
            ),
            Reason::ParentalConsentMissing => "would be allowed with parental consent".to_owned(),
            Reason::Restricted => {
                "would be allowed once the restriction of processing is lifted".to_owned()
            }
            Reason::Child if self.detail.age_unknown => match self.detail.child_threshold {
                Some(t) => {
                    format!("would be decided by age if the subject were known to be {t} or over")
                }
                None => "would be decided by age if the subject's age were known".to_owned(),
            },
            Reason::Allowed
            | Reason::NotDeclared
            | Reason::SubjectKind
            | Reason::DeniedByRule
            | Reason::NoLegalBasis
            | Reason::Erased
            | Reason::Child
            | Reason::RecipientNotDeclared
            | Reason::RecipientCondition
            | Reason::Localized
            | Reason::TransferForbidden => return None,
        })
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

    /// "the deny rule `no_sale`", "the rule at shop.lawful:12" …
    fn rule(&self, id: Option<ProvenanceId>) -> String {
        match id.and_then(|id| self.policy.provenance(id)) {
            Some(p) => {
                let kind = match p.kind {
                    crate::model::ProvenanceKind::Deny => "the deny rule",
                    crate::model::ProvenanceKind::Transfer => "the transfer rule",
                    crate::model::ProvenanceKind::Localize => "the localisation rule",
                    crate::model::ProvenanceKind::Retain => "the retention rule",
                    crate::model::ProvenanceKind::Basis => "the basis",
                    crate::model::ProvenanceKind::Recipient => "the recipient",
                    crate::model::ProvenanceKind::Purpose => "the purpose",
                    crate::model::ProvenanceKind::Children => "the children rule",
                };
                format!("{kind} `{}`", p.name)
            }
            None => "a rule".to_owned(),
        }
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
            _ => format!(
                "{head} may be kept: the policy declares no maximum retention period for it."
            ),
        }
    }
}
