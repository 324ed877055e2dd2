//! Why a decision came out the way it did: the stable reason codes.

use std::fmt;

/// The reason a decision was made. The codes are stable: logs, JSON output and `expect`
/// lines in policy tests rely on them.
///
/// | code | question | step | meaning |
/// |---|---|---|---|
/// | `allowed` | all | 8 | every check passed |
/// | `not_declared` | use | 2 | the purpose does not declare the data's category, or is not declared at all (a vocabulary purpose): closed world; a deny rule that also forbids it is cited |
/// | `subject_kind` | use | 2 | the purpose does not process this kind of subject |
/// | `denied_by_rule` | all | 3 | a `deny` rule matched and none of its exceptions applied |
/// | `no_legal_basis` | use | 4 | the purpose has no basis declaration for the region, or none whose `when` holds |
/// | `basis_unstated` | use | 5 | the basis declaration for the region says the source text states no legal basis (`basis unstated`): no Art. 6(1) basis, so no lawful use |
/// | `consent_missing` | use | 5 | the basis needs (explicit) consent the subject has not given |
/// | `consent_withdrawn` | use | 5 | the subject withdrew consent (or the data was collected before a withdrawal and the purpose says withdrawal taints prior data) |
/// | `objected` | use | 5 | the subject objected to the purpose (absolute for direct marketing) |
/// | `opted_out` | use, disclose | 5 | the subject opted out (or sent a Global Privacy Control signal) |
/// | `restricted` | use | 6 | processing is restricted (GDPR Art. 18) and the purpose does not survive restriction |
/// | `erased` | use | 6 | erasure was requested or the account deleted, and the purpose does not survive erasure |
/// | `child` | use | 7 | the subject is a child and the purpose is denied for children |
/// | `parental_consent_missing` | use | 7 | the subject is a child and the purpose needs parental consent |
/// | `recipient_not_declared` | disclose | — | the recipient is not declared for the purpose or the category, or no recipient of the kind asked about is (a deny rule that also forbids it is cited) |
/// | `recipient_condition` | disclose | — | one of the recipient's `when` conditions does not hold |
/// | `localized` | transfer, disclose | — | a `localize` rule keeps the data in the region it was collected in (for a disclosure: the recipient is located outside it, or its location is not declared) |
/// | `transfer_forbidden` | transfer, disclose | — | no `transfer` rule permits the destination |
/// | `recipient_consent_missing` | disclose | — | the recipient `requires consent` and the subject has not given (or withdrew) consent to it |
/// | `transfer_consent_missing` | transfer, disclose | — | only a permission that `requires consent` lets the data go there, and the subject has not given (or withdrew) consent to that transfer |
/// | `safeguard_unstated` | transfer, disclose | — | only a permission `with unstated` lets the data go there: the policy states the transfer but names no safeguard for it (GDPR Chapter V; Art. 13(1)(f)), so it is not shown to be lawful |
///
/// A disclosure is denied with the reason of the use decision it includes, or of the
/// transfer to the recipient's location, when that is what fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// `allowed`: every check passed.
    Allowed,
    /// `not_declared`: the purpose does not declare the data's category (closed world).
    NotDeclared,
    /// `subject_kind`: the purpose does not process this kind of subject.
    SubjectKind,
    /// `denied_by_rule`: a `deny` rule matched and none of its exceptions applied.
    DeniedByRule,
    /// `no_legal_basis`: the purpose has no basis declaration for the region, or none whose
    /// `when` holds.
    NoLegalBasis,
    /// `consent_missing`: the basis needs (explicit) consent the subject has not given.
    ConsentMissing,
    /// `consent_withdrawn`: the subject withdrew consent (or the data was collected before
    /// a withdrawal and the purpose says withdrawal taints prior data).
    ConsentWithdrawn,
    /// `objected`: the subject objected to the purpose (absolute for direct marketing).
    Objected,
    /// `opted_out`: the subject opted out (or sent a Global Privacy Control signal).
    OptedOut,
    /// `restricted`: processing is restricted (GDPR Art. 18) and the purpose does not
    /// survive restriction.
    Restricted,
    /// `erased`: erasure was requested or the account deleted, and the purpose does not
    /// survive erasure.
    Erased,
    /// `child`: the subject is a child and the purpose is denied for children.
    Child,
    /// `parental_consent_missing`: the subject is a child and the purpose needs parental
    /// consent.
    ParentalConsentMissing,
    /// `recipient_not_declared`: the recipient is not declared for the purpose or the
    /// category.
    RecipientNotDeclared,
    /// `recipient_condition`: one of the recipient's `when` conditions does not hold.
    RecipientCondition,
    /// `localized`: a `localize` rule keeps the data in the region it was collected in (for
    /// a disclosure: the recipient is located outside it, or its location is not declared).
    Localized,
    /// `transfer_forbidden`: no `transfer` rule permits the destination.
    TransferForbidden,
    /// `recipient_consent_missing`: the recipient requires the subject's consent to it,
    /// which the subject has not given (or withdrew).
    RecipientConsentMissing,
    /// `transfer_consent_missing`: only a permission requiring the subject's consent to the
    /// transfer would let the data go there, and that consent is missing (or withdrawn).
    TransferConsentMissing,
    /// `basis_unstated`: the basis declaration for the region says the source text states
    /// no legal basis (`basis unstated`): without an Art. 6(1) basis no use is lawful.
    BasisUnstated,
    /// `safeguard_unstated`: only a permission `with unstated` lets the data go there — the
    /// policy states the transfer but names no safeguard for it (GDPR Chapter V, Art.
    /// 13(1)(f)): a transfer that needs one and has none stated is not shown to be lawful.
    SafeguardUnstated,
}

impl Reason {
    /// Every reason, in the order of [`Reason::CODES`].
    pub const ALL: &'static [Reason] = &[
        Reason::Allowed,
        Reason::NotDeclared,
        Reason::SubjectKind,
        Reason::DeniedByRule,
        Reason::NoLegalBasis,
        Reason::ConsentMissing,
        Reason::ConsentWithdrawn,
        Reason::Objected,
        Reason::OptedOut,
        Reason::Restricted,
        Reason::Erased,
        Reason::Child,
        Reason::ParentalConsentMissing,
        Reason::RecipientNotDeclared,
        Reason::RecipientCondition,
        Reason::Localized,
        Reason::TransferForbidden,
        Reason::RecipientConsentMissing,
        Reason::TransferConsentMissing,
        Reason::BasisUnstated,
        Reason::SafeguardUnstated,
    ];

    /// Every reason code (see the table on [`Reason`]).
    pub const CODES: &'static [&'static str] = &[
        "allowed",
        "not_declared",
        "subject_kind",
        "denied_by_rule",
        "no_legal_basis",
        "consent_missing",
        "consent_withdrawn",
        "objected",
        "opted_out",
        "restricted",
        "erased",
        "child",
        "parental_consent_missing",
        "recipient_not_declared",
        "recipient_condition",
        "localized",
        "transfer_forbidden",
        "recipient_consent_missing",
        "transfer_consent_missing",
        "basis_unstated",
        "safeguard_unstated",
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::NotDeclared => "not_declared",
            Reason::SubjectKind => "subject_kind",
            Reason::DeniedByRule => "denied_by_rule",
            Reason::NoLegalBasis => "no_legal_basis",
            Reason::ConsentMissing => "consent_missing",
            Reason::ConsentWithdrawn => "consent_withdrawn",
            Reason::Objected => "objected",
            Reason::OptedOut => "opted_out",
            Reason::Restricted => "restricted",
            Reason::Erased => "erased",
            Reason::Child => "child",
            Reason::ParentalConsentMissing => "parental_consent_missing",
            Reason::RecipientNotDeclared => "recipient_not_declared",
            Reason::RecipientCondition => "recipient_condition",
            Reason::Localized => "localized",
            Reason::TransferForbidden => "transfer_forbidden",
            Reason::RecipientConsentMissing => "recipient_consent_missing",
            Reason::TransferConsentMissing => "transfer_consent_missing",
            Reason::BasisUnstated => "basis_unstated",
            Reason::SafeguardUnstated => "safeguard_unstated",
        }
    }

    /// The reason with this code; `None` for any other text.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Whether it is `allowed` (every other reason denies).
    pub fn is_allowed(self) -> bool {
        self == Reason::Allowed
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// The stable codes of the notes a retention answer carries (`RetentionNote` in the
/// evaluator), in declaration order; `expect retention … VERDICT NOTE` names one.
pub const RETENTION_NOTE_CODES: &[&str] = &[
    "none",
    "awaiting_event",
    "no_deadline_yet",
    "no_maximum",
    "kept_while",
    "exempt",
    "no_limit",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_all() {
        assert_eq!(Reason::ALL.len(), Reason::CODES.len());
        for (reason, code) in Reason::ALL.iter().zip(Reason::CODES) {
            assert_eq!(reason.code(), *code);
            assert_eq!(Reason::from_code(code), Some(*reason));
        }
        assert_eq!(Reason::from_code("consent"), None);
    }

    #[test]
    fn codes_are_snake_case() {
        for code in Reason::CODES {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }
}
