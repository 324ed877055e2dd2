//! The compiled policy: immutable, `Send + Sync`, dense ids and precomputed tables.
//!
//! **Invariant:** hot tables (everything the evaluator reads per decision) hold only ids,
//! bitsets and small enums; names, docs and spans live in the `*Info` side tables that
//! explanations read after a decision is made.

mod bitset;
mod channel;
mod condition;
mod duties;
mod ids;
mod lookup;
mod name_index;
mod packed;
mod policy;
mod reason;
mod stamp;
mod tables;
pub mod tests;

pub use bitset::IdSet;
pub use channel::{Campaign, Channel};
pub use condition::{
    AttrValue, Circumstances, CmpOp, Cond, OptOutKind, Predicate, MAX_CIRCUMSTANCES,
};
pub use duties::{Citations, DataSource, Duties, RecipientLimit, RecipientTerms, SecurityMeasure};
pub use ids::*;
pub use lookup::RuleLookup;
pub use name_index::{NameHasher, NameIndex};
pub use packed::{CondAt, CondNode, PackedConds};
pub use policy::*;
pub use reason::{Reason, RETENTION_NOTE_CODES};
pub use stamp::PolicyStamp;
pub use tables::{DecisionTables, FlatBasis, Lineage, PackedUseRule, PurposeFacts};

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
    /// `unstated`: the source text names no legal basis. Nothing makes the use lawful
    /// (GDPR Art. 6(1) lists the only lawful bases): every use it decides is denied
    /// (`basis_unstated`), and the `basis-unstated` lint lists the purpose.
    Unstated,
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
        "unstated",
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
            Basis::Unstated => "unstated",
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

/// Who receives data (docs/semantics.md, "Deciding a disclosure"). The list is the
/// categories of recipients GDPR Art. 13(1)(e), 14(1)(e) and 30(1)(d) ask a controller to
/// name and those CCPA/CPRA defines (Cal. Civ. Code § 1798.140, Cal. Code Regs. tit. 11
/// § 7001(e)); docs/language.md gives each its source. Every kind is known to questions:
/// asking whether data may go to a kind the policy declares no recipient of is a denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// `processor`: processes data on the controller's behalf (GDPR Art. 4(8), 28).
    Processor,
    /// `service_provider`: processes data on the business's behalf under a written contract (CCPA Cal. Civ. Code § 1798.140(ag)).
    ServiceProvider,
    /// `contractor`: receives data from the business under a written contract for a business purpose (CCPA § 1798.140(j)).
    Contractor,
    /// `joint_controller`: decides purposes and means together with the controller (GDPR Art. 26).
    JointController,
    /// `affiliate`: a company of the same group (GDPR Recital 48, Art. 4(19); CCPA § 1798.140(d)(2)).
    Affiliate,
    /// `partner`: an independent business partner, a third party (GDPR Art. 4(10)).
    Partner,
    /// `third_party`: any other third party (GDPR Art. 4(10); CCPA § 1798.140(ai)).
    ThirdParty,
    /// `ad_network`: an advertising network (Cal. Code Regs. tit. 11 § 7001(e); cross-context behavioural advertising, CCPA § 1798.140(k)).
    AdNetwork,
    /// `data_broker`: sells personal information of consumers it has no direct relationship with (Cal. Civ. Code § 1798.99.80(c); tit. 11 § 7001(e)).
    DataBroker,
    /// `analytics_provider`: a data analytics provider (Cal. Code Regs. tit. 11 § 7001(e)).
    AnalyticsProvider,
    /// `social_network`: a social network (Cal. Code Regs. tit. 11 § 7001(e)).
    SocialNetwork,
    /// `platform`: an operating system or platform (Cal. Code Regs. tit. 11 § 7001(e)).
    Platform,
    /// `internet_service_provider`: an internet service provider (Cal. Code Regs. tit. 11 § 7001(e)).
    InternetServiceProvider,
    /// `payment_provider`: a payment service or card provider (a category of recipients, GDPR Art. 13(1)(e), 30(1)(d)).
    PaymentProvider,
    /// `professional_adviser`: lawyers, auditors, accountants, insurers (a category of recipients, GDPR Art. 13(1)(e), 30(1)(d)).
    ProfessionalAdviser,
    /// `authority`: a public authority, court or law enforcement (GDPR Art. 4(9), 6(1)(c); CCPA § 1798.145(a); government entities, tit. 11 § 7001(e)).
    Authority,
    /// `acquirer`: the other party of a merger, acquisition or other business transfer (CCPA § 1798.140(ad)(2)(C); GDPR Art. 6(1)(f)).
    Acquirer,
    /// `other_users`: other users of the service the subject's data is shown to (a recipient, GDPR Art. 4(9)).
    OtherUsers,
}

impl RecipientKind {
    /// Every kind with its name as written in policies.
    pub const ALL: &'static [(&'static str, RecipientKind)] = &[
        ("processor", RecipientKind::Processor),
        ("service_provider", RecipientKind::ServiceProvider),
        ("contractor", RecipientKind::Contractor),
        ("joint_controller", RecipientKind::JointController),
        ("affiliate", RecipientKind::Affiliate),
        ("partner", RecipientKind::Partner),
        ("third_party", RecipientKind::ThirdParty),
        ("ad_network", RecipientKind::AdNetwork),
        ("data_broker", RecipientKind::DataBroker),
        ("analytics_provider", RecipientKind::AnalyticsProvider),
        ("social_network", RecipientKind::SocialNetwork),
        ("platform", RecipientKind::Platform),
        (
            "internet_service_provider",
            RecipientKind::InternetServiceProvider,
        ),
        ("payment_provider", RecipientKind::PaymentProvider),
        ("professional_adviser", RecipientKind::ProfessionalAdviser),
        ("authority", RecipientKind::Authority),
        ("acquirer", RecipientKind::Acquirer),
        ("other_users", RecipientKind::OtherUsers),
    ];

    /// One bit per kind (its position in [`RecipientKind::ALL`]), for sets of kinds.
    pub fn bit(self) -> u32 {
        let position = Self::ALL.iter().position(|(_, k)| *k == self).unwrap_or(0);
        1u32 << (position % 32)
    }

    /// Every kind's bit.
    pub const EVERY: u32 = (1u32 << 18) - 1;

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
    SAFEGUARD_UNSTATED,
];

/// `with unstated`: the source text states the transfer but names no safeguard for it. A
/// transfer that needs one is denied (`safeguard_unstated`), and the `safeguard-unstated`
/// lint lists the permission.
pub const SAFEGUARD_UNSTATED: &str = "unstated";

/// A transfer safeguard of [`SAFEGUARDS`], by its place there: read on the evaluator's path
/// without comparing names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Safeguard(u8);

impl Safeguard {
    /// The safeguard of this name, if it is one of [`SAFEGUARDS`].
    pub fn named(name: &str) -> Option<Self> {
        let index = SAFEGUARDS.iter().position(|known| *known == name)?;
        u8::try_from(index).ok().map(Safeguard)
    }

    /// Its name as written in policies (`scc`).
    pub fn name(self) -> &'static str {
        SAFEGUARDS.get(usize::from(self.0)).copied().unwrap_or("")
    }

    /// `with unstated`: the text names no safeguard (the last of [`SAFEGUARDS`]).
    pub const UNSTATED: Safeguard = Safeguard((SAFEGUARDS.len() - 1) as u8);

    /// `with unstated`: the text names no safeguard.
    pub fn is_unstated(self) -> bool {
        self == Self::UNSTATED
    }
}

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
