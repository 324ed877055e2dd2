//! The compiled policy: immutable, `Send + Sync`, dense ids and precomputed tables.
//!
//! **Invariant:** hot tables (everything the evaluator reads per decision) hold only ids,
//! bitsets and small enums; names, docs and spans live in the `*Info` side tables that
//! explanations read after a decision is made.

mod bitset;
mod condition;
mod ids;
mod lookup;
mod policy;
mod reason;
mod stamp;
mod tables;
pub mod tests;

pub use bitset::IdSet;
pub use condition::{
    AttrValue, Circumstances, CmpOp, Cond, OptOutKind, Predicate, MAX_CIRCUMSTANCES,
};
pub use ids::*;
pub use lookup::RuleLookup;
pub use policy::*;
pub use reason::Reason;
pub use stamp::PolicyStamp;
pub use tables::{DecisionTables, FlatBasis, PurposeFacts};

/// GDPR and US-state legal bases (docs/semantics.md, step 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// `consent`: allowed while the subject's consent is active (GDPR Art. 6(1)(a)).
    Consent,
    /// `explicit_consent`: consent given explicitly, needed for special categories
    /// (GDPR Art. 9(2)(a)).
    ExplicitConsent,
    /// `contract`: needed to perform a contract with the subject (Art. 6(1)(b)).
    Contract,
    /// `legal_obligation`: required by law (Art. 6(1)(c)).
    LegalObligation,
    /// `vital_interest`: to protect someone's life (Art. 6(1)(d)).
    VitalInterest,
    /// `public_task`: a task in the public interest (Art. 6(1)(e)).
    PublicTask,
    /// `legitimate_interest`: allowed until the subject objects (Art. 6(1)(f)).
    LegitimateInterest,
    /// The US opt-out model: allowed unless the subject opted out of this kind of processing.
    OptOut(OptOutKind),
}

impl Basis {
    /// Every basis name as written in policies (`opt_out` takes a kind in parentheses).
    pub const NAMES: &'static [&'static str] = &[
        "consent",
        "explicit_consent",
        "contract",
        "legal_obligation",
        "vital_interest",
        "public_task",
        "legitimate_interest",
        "opt_out",
    ];

    /// The name as written in policies (`opt_out(sale)`).
    pub fn name(self) -> String {
        match self {
            Basis::OptOut(kind) => format!("opt_out({})", kind.name()),
            other => other.simple_name().to_owned(),
        }
    }

    /// The name without the opt-out kind.
    pub fn simple_name(self) -> &'static str {
        match self {
            Basis::Consent => "consent",
            Basis::ExplicitConsent => "explicit_consent",
            Basis::Contract => "contract",
            Basis::LegalObligation => "legal_obligation",
            Basis::VitalInterest => "vital_interest",
            Basis::PublicTask => "public_task",
            Basis::LegitimateInterest => "legitimate_interest",
            Basis::OptOut(_) => "opt_out",
        }
    }

    /// Whether it is `consent` or `explicit_consent`.
    pub fn is_consent(self) -> bool {
        matches!(self, Basis::Consent | Basis::ExplicitConsent)
    }
}

/// GDPR Art. 9(2) conditions that lift the ban on processing special categories.
pub const ART9_CONDITIONS: &[&str] = &[
    "explicit_consent",
    "employment",
    "vital_interest",
    "nonprofit",
    "manifestly_public",
    "legal_claims",
    "substantial_public_interest",
    "health_care",
    "public_health",
    "archiving",
];

/// Who receives data (docs/semantics.md, "Deciding a disclosure").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// `processor`: processes data on the controller's behalf.
    Processor,
    /// `affiliate`: a company of the same group.
    Affiliate,
    /// `partner`: an independent business partner.
    Partner,
    /// `ad_network`: an advertising network.
    AdNetwork,
    /// `authority`: a public authority.
    Authority,
    /// `acquirer`: the buyer in a merger or acquisition.
    Acquirer,
    /// `other_users`: other users of the service.
    OtherUsers,
    /// `joint_controller`: decides purposes and means together with the controller.
    JointController,
}

impl RecipientKind {
    /// Every kind with its name as written in policies.
    pub const ALL: &'static [(&'static str, RecipientKind)] = &[
        ("processor", RecipientKind::Processor),
        ("affiliate", RecipientKind::Affiliate),
        ("partner", RecipientKind::Partner),
        ("ad_network", RecipientKind::AdNetwork),
        ("authority", RecipientKind::Authority),
        ("acquirer", RecipientKind::Acquirer),
        ("other_users", RecipientKind::OtherUsers),
        ("joint_controller", RecipientKind::JointController),
    ];

    /// The kind with this name; `None` for any other text.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The name as written in policies (`ad_network`).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("processor", |(n, _)| n)
    }

    /// Every name, in declaration order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(n, _)| *n).collect()
    }
}

/// Transfer safeguards (GDPR Ch. V, PIPL Art. 38).
pub const SAFEGUARDS: &[&str] = &[
    "adequacy",
    "scc",
    "bcr",
    "consent",
    "contract",
    "certification",
    "security_assessment",
    "standard_contract",
    "none",
];

/// Events retention periods are anchored on, built into every policy.
pub const BUILTIN_EVENTS: &[&str] = &[
    "collected",
    "transaction_completed",
    "account_closed",
    "consent_withdrawn",
    "claim_filed",
    "limitation_period_end",
    "contract_ended",
    "last_activity",
];

/// Flags every policy has.
pub const BUILTIN_FLAGS: &[&str] = &["special", "sensitive"];
/// The built-in `special` flag: a special category (GDPR Art. 9).
pub const FLAG_SPECIAL: FlagId = FlagId(0);
/// The built-in `sensitive` flag: sensitive personal information (US state laws).
pub const FLAG_SENSITIVE: FlagId = FlagId(1);

/// What happens to a child's data for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildTreatment {
    /// A child's data may not be used (`child`).
    Deny,
    /// Children are treated like adults.
    Allow,
    /// Allowed with verified parental consent, else `parental_consent_missing`.
    RequireParentalConsent,
}

/// How a subject of unknown age is treated where an age threshold applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownAge {
    /// Treat the subject as a child (the cautious default).
    Child,
    /// Treat the subject as an adult.
    Adult,
}

#[cfg(test)]
mod send_sync {
    #[test]
    fn policy_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<super::Policy>();
        assert_send_sync::<std::sync::Arc<super::Policy>>();
    }
}
