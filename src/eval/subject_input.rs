//! Building a [`Subject`] from names (or JSON), validating everything against the policy:
//! names exist, attribute values have the declared type, ages are plausible, no timestamp
//! lies in the future and no consent is withdrawn before it was given. A JSON document
//! may not repeat a key, at any depth. Errors name the field they are about.
//!
//! [`parse_time_str`] is the one reader of timestamps given as text — in subject
//! documents, on `lawful` flags and in batch lines.

use std::cell::Cell;
use std::fmt;

use jiff::Timestamp;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::model::{AttrValue, AttributeType, OptOutKind, Policy};
use crate::subject::{ConsentRecord, Subject};

use super::names::{opt_out_kind, NameError};

/// The oldest age a subject may be given.
pub const MAX_AGE: i64 = 150;

/// A subject that could not be built: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectError {
    /// Path of the offending field: `age`, `consents[2].purpose`, `attributes.tier` (empty
    /// for the document as a whole).
    pub field: String,
    /// What is wrong with it.
    pub problem: SubjectProblem,
}

impl fmt::Display for SubjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.field, self.problem)
        }
    }
}

impl std::error::Error for SubjectError {}

impl SubjectError {
    /// Stable code, e.g. `lawful::subject::age_out_of_range`; an unknown name keeps its
    /// `lawful::eval::unknown_…` code.
    pub fn code(&self) -> &'static str {
        match &self.problem {
            SubjectProblem::UnknownName(e) => e.code(),
            SubjectProblem::AgeOutOfRange(_) => "lawful::subject::age_out_of_range",
            SubjectProblem::InFuture { .. } => "lawful::subject::timestamp_in_future",
            SubjectProblem::BadTimestamp { .. } => "lawful::subject::bad_timestamp",
            SubjectProblem::BadPeriod { .. } => "lawful::subject::bad_period",
            SubjectProblem::WithdrawnBeforeGiven { .. } => {
                "lawful::subject::withdrawn_before_given"
            }
            SubjectProblem::OverlappingConsents { .. }
            | SubjectProblem::OverlappingTargetConsents { .. } => {
                "lawful::subject::overlapping_consents"
            }
            SubjectProblem::WithdrawalWithoutConsent { .. } => {
                "lawful::subject::withdrawal_without_consent"
            }
            SubjectProblem::DuplicateKey { .. } => "lawful::subject::duplicate_key",
            SubjectProblem::RevokedBeforeMade { .. } => "lawful::subject::revoked_before_made",
            SubjectProblem::RevocationWithoutOptOut { .. } => {
                "lawful::subject::revocation_without_opt_out"
            }
            SubjectProblem::LimitedOptOut { .. } => "lawful::subject::limited_opt_out",
            SubjectProblem::WrongAttributeType { .. } => "lawful::subject::attribute_type",
            SubjectProblem::Type { .. } => "lawful::subject::json_type",
            SubjectProblem::UnknownField { .. } => "lawful::subject::unknown_field",
            SubjectProblem::Missing => "lawful::subject::missing_field",
            SubjectProblem::Syntax(_) => "lawful::subject::json_syntax",
        }
    }
}

/// What is wrong with one field of a subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectProblem {
    /// A region, kind, purpose, attribute, event or opt-out the policy does not declare.
    #[error("{0}")]
    UnknownName(NameError),
    /// An age that is not a whole number from 0 to [`MAX_AGE`] (the value as given).
    #[error("age must be a whole number from 0 to {MAX_AGE}, got {0}")]
    AgeOutOfRange(String),
    /// A timestamp after the `now` the subject is built for.
    #[error("{at} is in the future (now is {now})")]
    InFuture {
        /// The timestamp given.
        at: Timestamp,
        /// The instant the subject was built for.
        now: Timestamp,
    },
    /// Text that is neither an RFC 3339 timestamp with an offset nor a date.
    #[error(
        "not a timestamp: `{text}`: expected an RFC 3339 timestamp with an offset, or a date \
         (e.g. `2024-01-01T12:00:00Z`, `2024-01-01T13:00:00+01:00`, `2024-01-01`)"
    )]
    BadTimestamp {
        /// The text as given.
        text: String,
    },
    /// Text that is not a retention period the subject can agree to.
    #[error(
        "not a period: `{text}`: expected an ISO 8601 duration (`P2Y`, `P1Y6M`) or a human one \
         (`2 years`), not negative and at most {} years",
        crate::check::MAX_PERIOD_YEARS
    )]
    BadPeriod {
        /// The text as given.
        text: String,
    },
    /// A consent record whose withdrawal lies before its giving (write a consent given
    /// again after a withdrawal as a second record).
    #[error("withdrawn at {withdrawn_at} before it was given at {given_at}")]
    WithdrawnBeforeGiven {
        /// When consent was given.
        given_at: Timestamp,
        /// When it was withdrawn (before `given_at`).
        withdrawn_at: Timestamp,
    },
    /// Two consent records of one purpose open at the same time (`field` names the later
    /// record): one must be withdrawn no later than the other is given.
    #[error(
        "overlaps `consents[{other}]`, a record of the same purpose: two consents cannot be \
         open at once (withdraw the earlier one no later than the later one is given)"
    )]
    OverlappingConsents {
        /// The index of the record it overlaps.
        other: usize,
    },
    /// Two records of consent to one recipient (or one transfer destination) open at the
    /// same time (`field` names the later record).
    #[error(
        "overlaps `{other}`, a consent to the same recipient or transfer: two consents cannot \
         be open at once (withdraw the earlier one no later than the later one is given)"
    )]
    OverlappingTargetConsents {
        /// The record it overlaps (`recipient_consents[0]`).
        other: String,
    },
    /// A withdrawal of a consent that was never given (a record with `withdrawn_at` and
    /// no `given_at`, or a withdrawal with no open consent to the purpose).
    #[error("withdraws a consent to `{purpose}` that was not given (say when it was given)")]
    WithdrawalWithoutConsent {
        /// The purpose as given.
        purpose: String,
    },
    /// An opt-out revoked before it was made (write an opt-out made again after a
    /// revocation as a second record).
    #[error("revoked at {revoked_at} before it was made at {at}")]
    RevokedBeforeMade {
        /// When the subject opted out.
        at: Timestamp,
        /// When it was revoked (before `at`).
        revoked_at: Timestamp,
    },
    /// A revocation of an opt-out that was never made (`revoked_at` without `at`).
    #[error("revokes an opt-out of `{kind}` that was not made (say when it was made: `at`)")]
    RevocationWithoutOptOut {
        /// The opt-out kind.
        kind: &'static str,
    },
    /// A channel or campaign on an opt-out other than `marketing`.
    #[error("an opt-out of `{kind}` cannot be limited to a channel or a campaign (only `marketing` can)")]
    LimitedOptOut {
        /// The opt-out kind.
        kind: &'static str,
    },
    /// A key written twice in one JSON object (`field` names the object).
    #[error("duplicate key `{key}`")]
    DuplicateKey {
        /// The key written twice.
        key: String,
    },
    /// An attribute value of another type than the policy declares.
    #[error("attribute `{name}` is declared `{expected}`, got {found}")]
    WrongAttributeType {
        /// The attribute's name.
        name: String,
        /// The declared type: `bool`, `int`, `string` or `set`.
        expected: &'static str,
        /// What was given, in words: `a string`, `a set` …
        found: &'static str,
    },
    /// A JSON value of the wrong type for its key (`age` given as a string …).
    #[error("expected {expected}, got {found}")]
    Type {
        /// What the key takes, in words: `a whole number`, `a string` …
        expected: &'static str,
        /// What was given, in words.
        found: &'static str,
    },
    /// A key the subject JSON does not have, with the closest one.

    #[error("unknown field `{name}`{}", suggestion.map_or_else(String::new, |s| format!(", did you mean `{s}`?")))]
    UnknownField {
        /// The key as given.
        name: String,
        /// The closest known key; `None` when nothing is close.
        suggestion: Option<&'static str>,
    },
    /// A required key is missing (`purpose` in a consent record …).
    #[error("missing")]
    Missing,
    /// Text that is not JSON (the parser's message).
    #[error("malformed JSON: {0}")]
    Syntax(String),
}

pub(crate) fn error(field: impl Into<String>, problem: SubjectProblem) -> SubjectError {
    SubjectError {
        field: field.into(),
        problem,
    }
}

/// An attribute value as given by the caller, before it is typed against the declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrInput<'a> {
    /// For a `bool` attribute.
    Bool(bool),
    /// For an `int` attribute.
    Int(i64),
    /// For a `string` attribute, or one of an enumeration's values.
    Str(&'a str),
    /// For a `set` attribute: the members' names.
    Set(&'a [&'a str]),
}

impl AttrInput<'_> {
    pub(super) fn describe(self) -> &'static str {
        match self {
            AttrInput::Bool(_) => "a bool",
            AttrInput::Int(_) => "an int",
            AttrInput::Str(_) => "a string",
            AttrInput::Set(_) => "a set",
        }
    }
}

/// Builds a [`Subject`] by name, checking each value against the policy.
///
/// ```
/// # use lawful::eval::SubjectBuilder;
/// # let policy = lawful::compile_str("shop.lawful", r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     field orders.email: user.contact.email
/// #     purpose marketing.direct { uses user.contact.email basis consent in DE }
/// # "#)?.policy;
/// let now = "2025-01-01T00:00:00Z".parse()?;
/// let subject = SubjectBuilder::new(&policy, now)
///     .region("DE")?
///     .age(34)?
///     .consent("marketing.direct", "2024-01-01T00:00:00Z".parse()?)?
///     .build();
/// assert!(policy.decide_use_by_name("marketing.direct", "orders.email", &subject, None)?.allowed());
/// let err = SubjectBuilder::new(&policy, now).age(-1).unwrap_err();
/// assert_eq!(err.to_string(), "age: age must be a whole number from 0 to 150, got -1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SubjectBuilder<'p> {
    policy: &'p Policy,
    now: Timestamp,
    subject: Subject,
}

impl<'p> SubjectBuilder<'p> {
    /// `now` bounds every timestamp: none may lie after it.
    pub fn new(policy: &'p Policy, now: Timestamp) -> Self {
        SubjectBuilder {
            policy,
            now,
            subject: Subject {
                attributes: vec![None; policy.attributes.len()],
                ..Subject::new(policy)
            },
        }
    }

    /// The subject built so far, unchecked: prefer [`SubjectBuilder::try_build`], which
    /// refuses contradictory consent records.
    pub fn build(self) -> Subject {
        self.subject
    }

    /// The subject, once its consent records are checked against each other: two records
    /// of one purpose must not be open at the same time (one must be withdrawn no later
    /// than the other is given), and a withdrawn record must say when it was given. A
    /// contradiction is an error naming the record (`consents[1]`), never a decision.
    pub fn try_build(self) -> Result<Subject, SubjectError> {
        check_consents(self.policy, &self.subject.consents)?;
        check_target_consents(self.policy, &self.subject.target_consents)?;
        Ok(self.subject)
    }

    /// The region of residence, by name; an unknown region is an error.
    #[inline]
    pub fn region(mut self, name: &str) -> Result<Self, SubjectError> {
        let region = self.policy.region(name).map_err(|e| unknown("region", e))?;
        self.subject.region = Some(region);
        Ok(self)
    }

    /// Age in whole years, 0 to [`MAX_AGE`].
    #[inline]
    pub fn age(mut self, age: i64) -> Result<Self, SubjectError> {
        let valid = u16::try_from(age).ok().filter(|a| i64::from(*a) <= MAX_AGE);
        let Some(age) = valid else {
            return Err(error("age", SubjectProblem::AgeOutOfRange(age.to_string())));
        };
        self.subject.age = Some(age);
        Ok(self)
    }

    /// The subject kind, by name (default: the policy's default kind).
    pub fn kind(mut self, name: &str) -> Result<Self, SubjectError> {
        let kind = self
            .policy
            .subject_kind(name)
            .map_err(|e| unknown("kind", e))?;
        self.subject.kind = Some(kind);
        Ok(self)
    }

    /// A consent given at `given_at` and not withdrawn.
    #[inline]
    pub fn consent(self, purpose: &str, given_at: Timestamp) -> Result<Self, SubjectError> {
        self.consent_record(purpose, Some(given_at), None, false)
    }

    /// An explicit consent (GDPR Art. 9(2)(a)).
    pub fn explicit_consent(
        self,
        purpose: &str,
        given_at: Timestamp,
    ) -> Result<Self, SubjectError> {
        self.consent_record(purpose, Some(given_at), None, true)
    }

    /// The consent to `purpose` was withdrawn at `at`: completes the latest record for the
    /// purpose that has no withdrawal yet and was not given after `at`; with no such
    /// consent it is an error (`withdrawal_without_consent`).
    pub fn withdrawn(mut self, purpose: &str, at: Timestamp) -> Result<Self, SubjectError> {
        let id = self.policy.purpose(purpose);
        let open = id.as_ref().ok().and_then(|id| {
            self.subject.consents.iter().rposition(|c| {
                c.purpose == *id && c.withdrawn_at.is_none() && c.given_at.is_none_or(|g| g <= at)
            })
        });
        match open {
            Some(index) => {
                self.check_time(|| format!("consents[{index}].withdrawn_at"), at)?;
                if let Some(record) = self.subject.consents.get_mut(index) {
                    record.withdrawn_at = Some(at);
                }
                Ok(self)
            }
            // A withdrawal with no consent to withdraw: a contradiction, not a record.
            None => {
                let field = format!("consents[{}]", self.subject.consents.len());
                match id {
                    Ok(_) => Err(error(
                        field,
                        SubjectProblem::WithdrawalWithoutConsent {
                            purpose: purpose.to_owned(),
                        },
                    )),
                    Err(e) => Err(unknown(format!("{field}.purpose"), e)),
                }
            }
        }
    }

    /// A consent record as stored by a consent-management platform. A withdrawal before
    /// the giving is an error naming the record (`consents[2]`).
    #[inline]
    pub fn consent_record(
        mut self,
        purpose: &str,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
        explicit: bool,
    ) -> Result<Self, SubjectError> {
        // Paths in the subject document are written out only for an error.
        let index = self.subject.consents.len();
        let at = || format!("consents[{index}]");
        let purpose = self
            .policy
            .purpose(purpose)
            .map_err(|e| unknown(format!("{}.purpose", at()), e))?;
        self.check_record_times(&at, given_at, withdrawn_at)?;
        self.subject.consents.push(ConsentRecord {
            purpose,
            given_at,
            withdrawn_at,
            explicit,
        });
        Ok(self)
    }

    /// A consent to disclosure to `recipient` (a recipient that `requires consent`), as a
    /// consent-management platform stores it. A withdrawal before the giving is an error
    /// naming the record (`recipient_consents[0]`).
    pub fn recipient_consent_record(
        self,
        recipient: &str,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
        explicit: bool,
    ) -> Result<Self, SubjectError> {
        let index =
            self.count_targets(|t| matches!(t, crate::subject::ConsentTarget::Recipient(_)));
        let at = move || format!("recipient_consents[{index}]");
        let id = self
            .policy
            .recipient(recipient)
            .map_err(|e| unknown(format!("{}.recipient", at()), e))?;
        self.target_record(
            &at,
            crate::subject::ConsentTarget::Recipient(id),
            given_at,
            withdrawn_at,
            explicit,
        )
    }

    /// A consent to a transfer of the subject's data to region `to` (and the regions within
    /// it), for transfer permissions that `requires consent`.
    pub fn transfer_consent_record(
        self,
        to: &str,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
        explicit: bool,
    ) -> Result<Self, SubjectError> {
        let index = self.count_targets(|t| matches!(t, crate::subject::ConsentTarget::Transfer(_)));
        let at = move || format!("transfer_consents[{index}]");
        let id = self
            .policy
            .region(to)
            .map_err(|e| unknown(format!("{}.to", at()), e))?;
        self.target_record(
            &at,
            crate::subject::ConsentTarget::Transfer(id),
            given_at,
            withdrawn_at,
            explicit,
        )
    }

    fn count_targets(&self, which: impl Fn(crate::subject::ConsentTarget) -> bool) -> usize {
        self.subject
            .target_consents
            .iter()
            .filter(|c| which(c.target))
            .count()
    }

    /// The times of a consent record named `at()`: neither in the future, and no withdrawal
    /// before the giving.
    fn check_record_times(
        &self,
        at: &dyn Fn() -> String,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
    ) -> Result<(), SubjectError> {
        if let Some(given) = given_at {
            self.check_time(|| format!("{}.given_at", at()), given)?;
        }
        if let Some(withdrawn) = withdrawn_at {
            self.check_time(|| format!("{}.withdrawn_at", at()), withdrawn)?;
        }
        if let (Some(given_at), Some(withdrawn_at)) = (given_at, withdrawn_at) {
            if withdrawn_at < given_at {
                return Err(error(
                    at(),
                    SubjectProblem::WithdrawnBeforeGiven {
                        given_at,
                        withdrawn_at,
                    },
                ));
            }
        }
        Ok(())
    }

    fn target_record(
        mut self,
        at: &dyn Fn() -> String,
        target: crate::subject::ConsentTarget,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
        explicit: bool,
    ) -> Result<Self, SubjectError> {
        self.check_record_times(at, given_at, withdrawn_at)?;
        self.subject
            .target_consents
            .push(crate::subject::TargetConsent {
                target,
                given_at,
                withdrawn_at,
                explicit,
            });
        Ok(self)
    }

    /// An objection (GDPR Art. 21) to the purpose and its descendants.
    #[inline]
    pub fn objection(mut self, purpose: &str) -> Result<Self, SubjectError> {
        let index = self.subject.objections.len();
        let purpose = self
            .policy
            .purpose(purpose)
            .map_err(|e| unknown(format!("objections[{index}]"), e))?;
        self.subject.objections.push(purpose);
        Ok(self)
    }

    /// An opt-out: `sale`, `sharing`, `targeted_advertising`, `profiling`, `marketing`.
    pub fn opt_out(self, kind: &str) -> Result<Self, SubjectError> {
        let index = self.subject.opt_outs.count_ones();
        let kind = opt_out_kind(kind).map_err(|e| unknown(format!("opt_outs[{index}]"), e))?;
        Ok(self.opt_out_kind(kind))
    }

    /// An opt-out as a timed event: of `kind`, made at `at`, revoked at `revoked_at`,
    /// limited to `channel` and/or `campaign` (a `marketing` opt-out only). A revocation
    /// before the opt-out, or without one, is an error naming the record (`opt_outs[1]`).
    pub fn opt_out_record(
        self,
        kind: &str,
        channel: Option<&str>,
        campaign: Option<&str>,
        at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
    ) -> Result<Self, SubjectError> {
        let index = self.subject.opt_out_records.len();
        let field = format!("opt_outs[{index}]");
        self.opt_out_record_at(field, kind, channel, campaign, at, revoked_at)
    }

    /// [`SubjectBuilder::opt_out_record`], its errors naming `field`.
    pub(crate) fn opt_out_record_at(
        mut self,
        field: String,
        kind: &str,
        channel: Option<&str>,
        campaign: Option<&str>,
        at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
    ) -> Result<Self, SubjectError> {
        let kind = opt_out_kind(kind).map_err(|e| unknown(format!("{field}.kind"), e))?;
        let channel = channel
            .map(|c| super::names::channel(c).map_err(|e| unknown(format!("{field}.channel"), e)))
            .transpose()?;
        if (channel.is_some() || campaign.is_some()) && kind != OptOutKind::Marketing {
            return Err(error(
                field,
                SubjectProblem::LimitedOptOut { kind: kind.name() },
            ));
        }
        if let Some(at) = at {
            self.check_time(|| format!("{field}.at"), at)?;
        }
        if let Some(revoked) = revoked_at {
            self.check_time(|| format!("{field}.revoked_at"), revoked)?;
        }
        match (at, revoked_at) {
            (None, Some(_)) => {
                return Err(error(
                    field,
                    SubjectProblem::RevocationWithoutOptOut { kind: kind.name() },
                ))
            }
            (Some(at), Some(revoked_at)) if revoked_at < at => {
                return Err(error(
                    field,
                    SubjectProblem::RevokedBeforeMade { at, revoked_at },
                ))
            }
            _ => {}
        }
        self.subject.add_opt_out(crate::subject::OptOutRecord {
            kind,
            channel,
            campaign: campaign.map(crate::model::Campaign::new),
            at,
            revoked_at,
        });
        Ok(self)
    }

    /// [`SubjectBuilder::opt_out`] with a kind already resolved.
    pub fn opt_out_kind(mut self, kind: OptOutKind) -> Self {
        self.subject.opt_out(kind);
        self
    }

    /// A Global Privacy Control signal (an opt-out of sale and sharing).
    pub fn gpc(mut self, on: bool) -> Self {
        self.subject.gpc = on;
        self
    }

    /// Processing restricted (GDPR Art. 18).
    pub fn restricted(mut self, on: bool) -> Self {
        self.subject.restricted = on;
        self
    }

    /// Erasure requested (GDPR Art. 17).
    pub fn erasure_requested(mut self, on: bool) -> Self {
        self.subject.erasure_requested = on;
        self
    }

    /// The account was deleted (treated like an erasure request).
    pub fn account_deleted(mut self, on: bool) -> Self {
        self.subject.account_deleted = on;
        self
    }

    /// Verified consent of a parent or guardian.
    pub fn parental_consent(mut self, on: bool) -> Self {
        self.subject.parental_consent = on;
        self
    }

    /// A custom attribute, typed against its declaration. Strings the policy never
    /// mentions are kept as "equal to no literal".
    #[inline]
    pub fn attribute(mut self, name: &str, value: AttrInput<'_>) -> Result<Self, SubjectError> {
        let at = || format!("attributes.{name}");
        let id = self.policy.attribute(name).map_err(|e| unknown(at(), e))?;
        let declared = self
            .policy
            .attributes
            .get(id.index())
            .map_or(AttributeType::Bool, |a| a.ty);
        let symbol = |s: &str| self.policy.index.symbols.get(s);
        let typed = match (declared, value) {
            (AttributeType::Bool, AttrInput::Bool(b)) => AttrValue::Bool(b),
            (AttributeType::Int, AttrInput::Int(i)) => AttrValue::Int(i),
            (AttributeType::String, AttrInput::Str(s)) => AttrValue::Str(symbol(s)),
            (AttributeType::Set, AttrInput::Set(items)) => {
                AttrValue::Set(items.iter().filter_map(|s| symbol(s)).collect())
            }
            (expected, found) => {
                return Err(error(
                    at(),
                    SubjectProblem::WrongAttributeType {
                        name: name.to_owned(),
                        expected: expected.name(),
                        found: found.describe(),
                    },
                ))
            }
        };
        if let Some(slot) = self.subject.attributes.get_mut(id.index()) {
            *slot = Some(typed);
        }
        Ok(self)
    }

    /// `at` not after now; the error names `field()`.
    fn check_time(
        &self,
        field: impl FnOnce() -> String,
        at: Timestamp,
    ) -> Result<(), SubjectError> {
        if at > self.now {
            return Err(error(
                field(),
                SubjectProblem::InFuture { at, now: self.now },
            ));
        }
        Ok(())
    }
}

/// Consent records of one purpose may follow each other, never overlap; a withdrawal needs
/// a giving. Records are sorted by purpose and giving (a hostile document may hold
/// thousands), so only neighbours need comparing: `O(n log n)`.
fn check_consents(policy: &Policy, consents: &[ConsentRecord]) -> Result<(), SubjectError> {
    if let Some(j) = consents
        .iter()
        .position(|c| c.given_at.is_none() && c.withdrawn_at.is_some())
    {
        let purpose = consents
            .get(j)
            .and_then(|c| policy.purposes.get(c.purpose.index()))
            .map_or_else(String::new, |p| p.info.name.clone());
        return Err(error(
            format!("consents[{j}].given_at"),
            SubjectProblem::WithdrawalWithoutConsent { purpose },
        ));
    }
    let mut order: Vec<usize> = (0..consents.len()).collect();
    order.sort_by_key(|&i| consents.get(i).map(|c| (c.purpose, c.given_at, i)));
    // The first conflict in document order is reported, naming the later record.
    let mut first: Option<(usize, usize)> = None;
    for pair in order.windows(2) {
        let [a, b] = pair else { continue };
        let (Some(x), Some(y)) = (consents.get(*a), consents.get(*b)) else {
            continue;
        };
        let follows = matches!((x.withdrawn_at, y.given_at), (Some(w), Some(g)) if w <= g);
        if x.purpose == y.purpose && !follows {
            let (earlier, later) = (*a.min(b), *a.max(b));
            if first.is_none_or(|(_, l)| later < l) {
                first = Some((earlier, later));
            }
        }
    }
    match first {
        Some((other, later)) => Err(error(
            format!("consents[{later}]"),
            SubjectProblem::OverlappingConsents { other },
        )),
        None => Ok(()),
    }
}

/// [`check_consents`] for consents to recipients and transfers: a withdrawn record says when
/// it was given, and two records of one target are never open at once. Records are named
/// as in the subject document (`recipient_consents[1]`, `transfer_consents[0]`).
fn check_target_consents(
    policy: &Policy,
    consents: &[crate::subject::TargetConsent],
) -> Result<(), SubjectError> {
    use crate::subject::ConsentTarget;
    // The record's name in its own list.
    let field = |i: usize| -> String {
        let Some(record) = consents.get(i) else {
            return String::new();
        };
        let recipient = matches!(record.target, ConsentTarget::Recipient(_));
        let n = consents
            .get(..i)
            .unwrap_or(&[])
            .iter()
            .filter(|c| matches!(c.target, ConsentTarget::Recipient(_)) == recipient)
            .count();
        let list = if recipient {
            "recipient_consents"
        } else {
            "transfer_consents"
        };
        format!("{list}[{n}]")
    };
    if let Some(j) = consents
        .iter()
        .position(|c| c.given_at.is_none() && c.withdrawn_at.is_some())
    {
        let name = match consents.get(j).map(|c| c.target) {
            Some(ConsentTarget::Recipient(q)) => policy.recipient_name(q).to_owned(),
            Some(ConsentTarget::Transfer(r)) => format!("transfer {}", policy.region_name(r)),
            None => String::new(),
        };
        return Err(error(
            format!("{}.given_at", field(j)),
            SubjectProblem::WithdrawalWithoutConsent { purpose: name },
        ));
    }
    let mut order: Vec<usize> = (0..consents.len()).collect();
    order.sort_by_key(|&i| consents.get(i).map(|c| (c.target, c.given_at, i)));
    let mut first: Option<(usize, usize)> = None;
    for pair in order.windows(2) {
        let [a, b] = pair else { continue };
        let (Some(x), Some(y)) = (consents.get(*a), consents.get(*b)) else {
            continue;
        };
        let follows = matches!((x.withdrawn_at, y.given_at), (Some(w), Some(g)) if w <= g);
        if x.target == y.target && !follows {
            let (earlier, later) = (*a.min(b), *a.max(b));
            if first.is_none_or(|(_, l)| later < l) {
                first = Some((earlier, later));
            }
        }
    }
    match first {
        Some((other, later)) => Err(error(
            field(later),
            SubjectProblem::OverlappingTargetConsents {
                other: field(other),
            },
        )),
        None => Ok(()),
    }
}

fn unknown(field: impl Into<String>, e: NameError) -> SubjectError {
    error(field, SubjectProblem::UnknownName(e))
}

/// The fields of a subject document.
const SUBJECT_FIELDS: &[&str] = &[
    "region",
    "age",
    "kind",
    "consents",
    "objections",
    "opt_outs",
    "gpc",
    "restricted",
    "erasure_requested",
    "account_deleted",
    "parental_consent",
    "attributes",
    "recipient_consents",
    "transfer_consents",
];

/// The fields of a `recipient_consents` record (`transfer_consents` name `to` instead).
const RECIPIENT_CONSENT_FIELDS: &[&str] = &["recipient", "given_at", "withdrawn_at", "explicit"];
const TRANSFER_CONSENT_FIELDS: &[&str] = &["to", "given_at", "withdrawn_at", "explicit"];

const CONSENT_FIELDS: &[&str] = &["purpose", "given_at", "withdrawn_at", "explicit"];

impl Subject {
    /// Read a subject document:
    ///
    /// ```json
    /// {"region": "DE", "age": 34, "kind": "user",
    ///  "consents": [{"purpose": "marketing", "given_at": "2024-01-01T00:00:00Z",
    ///                "withdrawn_at": null, "explicit": false}],
    ///  "objections": ["analytics"], "opt_outs": ["sale"], "gpc": false,
    ///  "restricted": false, "erasure_requested": false, "account_deleted": false,
    ///  "parental_consent": false, "attributes": {"verified": true},
    ///  "recipient_consents": [{"recipient": "partners", "given_at": "2024-01-01", "explicit": true}],
    ///  "transfer_consents": [{"to": "US", "given_at": "2024-01-01"}]}
    /// ```
    /// Consents to a recipient or a transfer (for those that `requires consent`) have lists
    /// of their own, so they cannot be mistaken for purpose consents. Every field is optional; `null` means "not given". Timestamps are RFC 3339 instants
    /// with an offset or plain dates (midnight UTC) — see [`parse_time_str`] — and may not
    /// lie after `now`. A [`Value`] cannot hold a repeated key: read text with
    /// [`Subject::from_json_str`], which rejects one.
    pub fn from_json(
        policy: &Policy,
        value: &Value,
        now: Timestamp,
    ) -> Result<Subject, SubjectError> {
        let object = expect_object("", value)?;
        check_fields("", object, SUBJECT_FIELDS)?;
        // Each key's value in its place in `SUBJECT_FIELDS`, from one pass over the object
        // (not a search of the object per field).
        let mut given: [Option<&Value>; SUBJECT_FIELDS.len()] = [None; SUBJECT_FIELDS.len()];
        for (key, value) in object.iter().filter(|(_, v)| !v.is_null()) {
            if let Some(place) = SUBJECT_FIELDS
                .iter()
                .position(|known| known == key)
                .and_then(|i| given.get_mut(i))
            {
                *place = Some(value);
            }
        }
        let mut builder = SubjectBuilder::new(policy, now);
        // A fixed order, so the first error reported does not depend on key order.
        for (&key, value) in SUBJECT_FIELDS.iter().zip(given) {
            if let Some(value) = value {
                builder = read_field(builder, key, value)?;
            }
        }
        builder.try_build()
    }

    /// [`Subject::from_json`] from text. A key written twice in one object — `{"age": 10,
    /// "age": 34}`, at any depth — is an error naming the object and the key
    /// (`consents[0]: duplicate key `given_at``), never "the last one wins".
    pub fn from_json_str(
        policy: &Policy,
        text: &str,
        now: Timestamp,
    ) -> Result<Subject, SubjectError> {
        // Well-formed documents of the common shapes are read without a `Value` tree; the
        // rest, and every error, are the general reader's.
        match super::subject_document::subject(policy, text, now) {
            Some(subject) => Ok(subject),
            None => read_general(policy, text, now),
        }
    }
}

/// The general reader of a subject document's text: a `Value` tree (a key written twice
/// refused), then [`Subject::from_json`].
pub(crate) fn read_general(
    policy: &Policy,
    text: &str,
    now: Timestamp,
) -> Result<Subject, SubjectError> {
    let value = json_without_duplicates(text)?;
    Subject::from_json(policy, &value, now)
}

/// Parse JSON text, refusing a key written twice in any object (serde_json would keep the
/// last silently). The error names the object, as [`SubjectError::field`] does.
pub(crate) fn json_without_duplicates(text: &str) -> Result<Value, SubjectError> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Unique {
        path: Path::Root,
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    parsed.map_err(|e| match duplicate.take() {
        Some((field, key)) => error(field, SubjectProblem::DuplicateKey { key }),
        None => error("", SubjectProblem::Syntax(e.to_string())),
    })
}

/// Where a value sits in a document, rendered as [`SubjectError::field`] is:
/// `consents[0].given_at`. Lives on the stack; rendered only for an error.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => write!(f, "{key}"),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Reads one JSON value at `path`; a repeated key is recorded in `duplicate` (object path,
/// key) and fails the parse. serde_json's recursion limit still bounds the depth.
#[derive(Clone, Copy)]
struct Unique<'a> {
    path: Path<'a>,
    duplicate: &'a Cell<Option<(String, String)>>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::from(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Unique {
            path: Path::Index(&self.path, items.len()),
            duplicate: self.duplicate,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let message = format!("duplicate key `{key}`");
                self.duplicate.set(Some((self.path.to_string(), key)));
                return Err(A::Error::custom(message));
            }
            let value = map.next_value_seed(Unique {
                path: Path::Key(&self.path, &key),
                duplicate: self.duplicate,
            })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn read_field<'p>(
    builder: SubjectBuilder<'p>,
    key: &str,
    value: &Value,
) -> Result<SubjectBuilder<'p>, SubjectError> {
    match key {
        "region" => builder.region(expect_str(key, value)?),
        "kind" => builder.kind(expect_str(key, value)?),
        "age" => {
            let age = match value {
                Value::Number(n) => n
                    .as_i64()
                    .ok_or_else(|| error(key, SubjectProblem::AgeOutOfRange(n.to_string())))?,
                other => return Err(type_error(key, "a whole number", other)),
            };
            builder.age(age)
        }
        "consents" => {
            let mut builder = builder;
            let list = Path::Key(&Path::Root, key);
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                builder = read_consent(builder, Path::Index(&list, i), item)?;
            }
            Ok(builder)
        }
        "recipient_consents" | "transfer_consents" => {
            let mut builder = builder;
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                builder = read_target_consent(builder, key, i, item)?;
            }
            Ok(builder)
        }
        "objections" => {
            let mut builder = builder;
            let list = Path::Key(&Path::Root, key);
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                builder = builder.objection(expect_str(Path::Index(&list, i), item)?)?;
            }
            Ok(builder)
        }
        "opt_outs" => {
            let mut builder = builder;
            let list = Path::Key(&Path::Root, key);
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                let at = Path::Index(&list, i);
                builder = match item {
                    // The old shape: a kind, in force since forever.
                    Value::String(kind) => builder
                        .opt_out_kind(opt_out_kind(kind).map_err(|e| unknown(at.to_string(), e))?),
                    _ => read_opt_out(builder, at, item)?,
                };
            }
            Ok(builder)
        }
        "gpc" => Ok(builder.gpc(expect_bool(key, value)?)),
        "restricted" => Ok(builder.restricted(expect_bool(key, value)?)),
        "erasure_requested" => Ok(builder.erasure_requested(expect_bool(key, value)?)),
        "account_deleted" => Ok(builder.account_deleted(expect_bool(key, value)?)),
        "parental_consent" => Ok(builder.parental_consent(expect_bool(key, value)?)),
        "attributes" => {
            let mut builder = builder;
            let attributes = Path::Key(&Path::Root, key);
            for (name, item) in expect_object(key, value)? {
                let at = Path::Key(&attributes, name);
                builder = match item {
                    Value::Null => builder,
                    Value::Bool(b) => builder.attribute(name, AttrInput::Bool(*b))?,
                    Value::Number(n) => {
                        let i = n
                            .as_i64()
                            .ok_or_else(|| type_error(at, "a whole number", item))?;
                        builder.attribute(name, AttrInput::Int(i))?
                    }
                    Value::String(s) => builder.attribute(name, AttrInput::Str(s))?,
                    Value::Array(items) => {
                        let strings = items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| expect_str(Path::Index(&at, i), v))
                            .collect::<Result<Vec<_>, _>>()?;
                        builder.attribute(name, AttrInput::Set(&strings))?
                    }
                    Value::Object(_) => {
                        return Err(type_error(at, "a bool, number, string or array", item))
                    }
                };
            }
            Ok(builder)
        }
        _ => Ok(builder),
    }
}

/// A `recipient_consents[i]` or `transfer_consents[i]` record: a consent to a recipient (by
/// name) or to a transfer (`to`: a region), never to a purpose.
fn read_target_consent<'p>(
    builder: SubjectBuilder<'p>,
    list: &str,
    index: usize,
    value: &Value,
) -> Result<SubjectBuilder<'p>, SubjectError> {
    let list_path = Path::Key(&Path::Root, list);
    let at = Path::Index(&list_path, index);
    let object = expect_object(at, value)?;
    let (name_key, fields) = if list == "recipient_consents" {
        ("recipient", RECIPIENT_CONSENT_FIELDS)
    } else {
        ("to", TRANSFER_CONSENT_FIELDS)
    };
    check_fields(at, object, fields)?;
    let name = match object.get(name_key) {
        Some(v) => expect_str(Path::Key(&at, name_key), v)?,
        None => {
            return Err(error(
                Path::Key(&at, name_key).to_string(),
                SubjectProblem::Missing,
            ))
        }
    };
    let time = |key: &str| -> Result<Option<Timestamp>, SubjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parse_time(Path::Key(&at, key), v).map(Some),
        }
    };
    let given_at = time("given_at")?;
    let withdrawn_at = time("withdrawn_at")?;
    let explicit = match object.get("explicit") {
        None | Some(Value::Null) => false,
        Some(v) => expect_bool(Path::Key(&at, "explicit"), v)?,
    };
    if name_key == "recipient" {
        builder.recipient_consent_record(name, given_at, withdrawn_at, explicit)
    } else {
        builder.transfer_consent_record(name, given_at, withdrawn_at, explicit)
    }
}

fn read_consent<'p>(
    builder: SubjectBuilder<'p>,
    at: Path<'_>,
    value: &Value,
) -> Result<SubjectBuilder<'p>, SubjectError> {
    let object = expect_object(at, value)?;
    check_fields(at, object, CONSENT_FIELDS)?;
    let purpose = match object.get("purpose") {
        Some(v) => expect_str(Path::Key(&at, "purpose"), v)?,
        None => {
            return Err(error(
                Path::Key(&at, "purpose").to_string(),
                SubjectProblem::Missing,
            ))
        }
    };
    let time = |key: &str| -> Result<Option<Timestamp>, SubjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parse_time(Path::Key(&at, key), v).map(Some),
        }
    };
    let given_at = time("given_at")?;
    let withdrawn_at = time("withdrawn_at")?;
    let explicit = match object.get("explicit") {
        None | Some(Value::Null) => false,
        Some(v) => expect_bool(Path::Key(&at, "explicit"), v)?,
    };
    // A record with neither time is a consent given at an unknown time.
    builder.consent_record(purpose, given_at, withdrawn_at, explicit)
}

/// `{"kind": "marketing", "channel": "email", "campaign": "spring-sale", "at": …,
/// "revoked_at": …}`: a timed opt-out (every key but `kind` optional).
fn read_opt_out<'p>(
    builder: SubjectBuilder<'p>,
    at: Path<'_>,
    value: &Value,
) -> Result<SubjectBuilder<'p>, SubjectError> {
    let object = expect_object(at, value)?;
    check_fields(at, object, OPT_OUT_FIELDS)?;
    let kind = match object.get("kind") {
        Some(v) => expect_str(Path::Key(&at, "kind"), v)?,
        None => {
            return Err(error(
                Path::Key(&at, "kind").to_string(),
                SubjectProblem::Missing,
            ))
        }
    };
    let text = |key: &str| -> Result<Option<&str>, SubjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => expect_str(Path::Key(&at, key), v).map(Some),
        }
    };
    let time = |key: &str| -> Result<Option<Timestamp>, SubjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parse_time(Path::Key(&at, key), v).map(Some),
        }
    };
    let (channel, campaign) = (text("channel")?, text("campaign")?);
    let (made, revoked) = (time("at")?, time("revoked_at")?);
    builder.opt_out_record_at(at.to_string(), kind, channel, campaign, made, revoked)
}

/// The keys of a timed opt-out in a subject document.
pub(crate) const OPT_OUT_FIELDS: &[&str] = &["kind", "channel", "campaign", "at", "revoked_at"];

/// A timestamp member of a JSON document: a string read by [`parse_time_str`].
pub fn parse_time(
    field: impl fmt::Display + Copy,
    value: &Value,
) -> Result<Timestamp, SubjectError> {
    parse_time_str(field, expect_str(field, value)?)
}

/// The one reader of timestamps given as text (subject documents, `lawful` flags, batch
/// lines). Accepts exactly
///
/// - an RFC 3339 instant with an offset: `2024-01-01T12:00:00Z`, `2024-01-01T13:00:00+01:00`,
///   `2024-01-01T12:00:00.5Z` (`T` and `Z` in either case, seconds required, up to nine
///   fractional digits);
/// - a plain date, `2024-01-01`, meaning midnight UTC.
///
/// Anything else — a local time without an offset (`2024-01-01T12:00:00`,
/// `2024-01-01 12:00:00`), a zone annotation (`…[Europe/Berlin]`), an offset without its
/// colon, a date that does not exist — is an error naming `field`, never a guess at
/// midnight.
///
/// ```
/// # use lawful::eval::parse_time_str;
/// assert_eq!(parse_time_str("at", "2024-01-01T13:00:00+01:00")?.to_string(), "2024-01-01T12:00:00Z");
/// assert_eq!(parse_time_str("at", "2024-01-01")?.to_string(), "2024-01-01T00:00:00Z");
/// let e = parse_time_str("consents[0].given_at", "2024-01-01T12:00:00").unwrap_err();
/// assert!(e.to_string().starts_with("consents[0].given_at: not a timestamp: `2024-01-01T12:00:00`: \
///     expected an RFC 3339 timestamp with an offset, or a date"));
/// # Ok::<(), lawful::eval::SubjectError>(())
/// ```
pub fn parse_time_str(field: impl fmt::Display, text: &str) -> Result<Timestamp, SubjectError> {
    strict_time(text).ok_or_else(|| {
        error(
            field.to_string(),
            SubjectProblem::BadTimestamp {
                text: text.to_owned(),
            },
        )
    })
}

/// [`parse_time_str`]'s forms, checked byte by byte before jiff (whose parser also takes
/// time zone annotations, missing seconds and more) reads the instant.
fn strict_time(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let byte = |at: usize, expected: &[u8]| b.get(at).is_some_and(|c| expected.contains(c));
    let date = digits(0, 4) && byte(4, b"-") && digits(5, 7) && byte(7, b"-") && digits(8, 10);
    if !date {
        return None;
    }
    if b.len() == 10 {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    let time = byte(10, b"Tt")
        && digits(11, 13)
        && byte(13, b":")
        && digits(14, 16)
        && byte(16, b":")
        && digits(17, 19);
    if !time {
        return None;
    }
    let mut at = 19;
    if byte(at, b".") {
        let fraction = b
            .get(at + 1..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=9).contains(&fraction) {
            return None;
        }
        at += 1 + fraction;
    }
    let offset = match b.get(at..)? {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', _, _, b':', _, _] => digits(at + 1, at + 3) && digits(at + 4, at + 6),
        _ => false,
    };
    if !offset {
        return None;
    }
    text.parse::<Timestamp>().ok()
}

fn check_fields(
    at: impl fmt::Display,
    object: &Map<String, Value>,
    known: &'static [&'static str],
) -> Result<(), SubjectError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(error(
            at.to_string(),
            SubjectProblem::UnknownField {
                name: key.clone(),
                suggestion: suggest(key, known.iter().copied()),
            },
        )),
        None => Ok(()),
    }
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn type_error(
    field: impl fmt::Display,
    expected: &'static str,
    found: &Value,
) -> SubjectError {
    error(
        field.to_string(),
        SubjectProblem::Type {
            expected,
            found: json_type(found),
        },
    )
}

pub(crate) fn expect_str(field: impl fmt::Display, value: &Value) -> Result<&str, SubjectError> {
    value
        .as_str()
        .ok_or_else(|| type_error(field, "a string", value))
}

pub(crate) fn expect_bool(field: impl fmt::Display, value: &Value) -> Result<bool, SubjectError> {
    value
        .as_bool()
        .ok_or_else(|| type_error(field, "true or false", value))
}

pub(crate) fn expect_array(
    field: impl fmt::Display,
    value: &Value,
) -> Result<&Vec<Value>, SubjectError> {
    value
        .as_array()
        .ok_or_else(|| type_error(field, "an array", value))
}

pub(crate) fn expect_object(
    field: impl fmt::Display,
    value: &Value,
) -> Result<&Map<String, Value>, SubjectError> {
    value
        .as_object()
        .ok_or_else(|| type_error(field, "an object", value))
}
