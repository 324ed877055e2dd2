//! Building a [`Subject`] from names (or JSON), validating everything against the policy:
//! names exist, attribute values have the declared type, ages are plausible and no
//! timestamp lies in the future. Errors name the field they are about.

use std::fmt;

use jiff::Timestamp;
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
    pub fn code(&self) -> &'static str {
        match &self.problem {
            SubjectProblem::UnknownName(e) => e.code(),
            SubjectProblem::AgeOutOfRange(_) => "lawful::subject::age_out_of_range",
            SubjectProblem::InFuture { .. } => "lawful::subject::timestamp_in_future",
            SubjectProblem::BadTimestamp { .. } => "lawful::subject::bad_timestamp",
            SubjectProblem::WrongAttributeType { .. } => "lawful::subject::attribute_type",
            SubjectProblem::Type { .. } => "lawful::subject::json_type",
            SubjectProblem::UnknownField { .. } => "lawful::subject::unknown_field",
            SubjectProblem::Missing => "lawful::subject::missing_field",
            SubjectProblem::Syntax(_) => "lawful::subject::json_syntax",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectProblem {
    #[error("{0}")]
    UnknownName(NameError),
    #[error("age must be a whole number from 0 to {MAX_AGE}, got {0}")]
    AgeOutOfRange(String),
    #[error("{at} is in the future (now is {now})")]
    InFuture { at: Timestamp, now: Timestamp },
    #[error("not a timestamp: `{text}` (write e.g. `2024-01-01T00:00:00Z` or `2024-01-01`)")]
    BadTimestamp { text: String },
    #[error("attribute `{name}` is declared `{expected}`, got {found}")]
    WrongAttributeType {
        name: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("expected {expected}, got {found}")]
    Type {
        expected: &'static str,
        found: &'static str,
    },
    #[error("unknown field `{name}`{}", suggestion.map_or_else(String::new, |s| format!(", did you mean `{s}`?")))]
    UnknownField {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("missing")]
    Missing,
    #[error("malformed JSON: {0}")]
    Syntax(String),
}

fn error(field: impl Into<String>, problem: SubjectProblem) -> SubjectError {
    SubjectError {
        field: field.into(),
        problem,
    }
}

/// An attribute value as given by the caller, before it is typed against the declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrInput<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
    Set(&'a [&'a str]),
}

impl AttrInput<'_> {
    fn describe(self) -> &'static str {
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

    pub fn build(self) -> Subject {
        self.subject
    }

    pub fn region(mut self, name: &str) -> Result<Self, SubjectError> {
        let region = self.policy.region(name).map_err(|e| unknown("region", e))?;
        self.subject.region = Some(region);
        Ok(self)
    }

    /// Age in whole years, 0 to [`MAX_AGE`].
    pub fn age(mut self, age: i64) -> Result<Self, SubjectError> {
        let valid = u16::try_from(age).ok().filter(|a| i64::from(*a) <= MAX_AGE);
        let Some(age) = valid else {
            return Err(error("age", SubjectProblem::AgeOutOfRange(age.to_string())));
        };
        self.subject.age = Some(age);
        Ok(self)
    }

    pub fn kind(mut self, name: &str) -> Result<Self, SubjectError> {
        let kind = self
            .policy
            .subject_kind(name)
            .map_err(|e| unknown("kind", e))?;
        self.subject.kind = Some(kind);
        Ok(self)
    }

    /// A consent given at `given_at` and not withdrawn.
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
    /// purpose that has no withdrawal yet, or records a withdrawal alone.
    pub fn withdrawn(mut self, purpose: &str, at: Timestamp) -> Result<Self, SubjectError> {
        let id = self.policy.purpose(purpose);
        let open = id.as_ref().ok().and_then(|id| {
            self.subject
                .consents
                .iter()
                .rposition(|c| c.purpose == *id && c.withdrawn_at.is_none())
        });
        match open {
            Some(index) => {
                self.check_time(format!("consents[{index}].withdrawn_at"), at)?;
                if let Some(record) = self.subject.consents.get_mut(index) {
                    record.withdrawn_at = Some(at);
                }
                Ok(self)
            }
            None => self.consent_record(purpose, None, Some(at), false),
        }
    }

    /// A consent record as stored by a consent-management platform.
    pub fn consent_record(
        mut self,
        purpose: &str,
        given_at: Option<Timestamp>,
        withdrawn_at: Option<Timestamp>,
        explicit: bool,
    ) -> Result<Self, SubjectError> {
        let at = format!("consents[{}]", self.subject.consents.len());
        let purpose = self
            .policy
            .purpose(purpose)
            .map_err(|e| unknown(format!("{at}.purpose"), e))?;
        if let Some(given) = given_at {
            self.check_time(format!("{at}.given_at"), given)?;
        }
        if let Some(withdrawn) = withdrawn_at {
            self.check_time(format!("{at}.withdrawn_at"), withdrawn)?;
        }
        self.subject.consents.push(ConsentRecord {
            purpose,
            given_at,
            withdrawn_at,
            explicit,
        });
        Ok(self)
    }

    /// An objection (GDPR Art. 21) to the purpose and its descendants.
    pub fn objection(mut self, purpose: &str) -> Result<Self, SubjectError> {
        let at = format!("objections[{}]", self.subject.objections.len());
        let purpose = self.policy.purpose(purpose).map_err(|e| unknown(at, e))?;
        self.subject.objections.push(purpose);
        Ok(self)
    }

    /// An opt-out: `sale`, `sharing`, `targeted_advertising`, `profiling`, `marketing`.
    pub fn opt_out(self, kind: &str) -> Result<Self, SubjectError> {
        let at = format!("opt_outs[{}]", self.subject.opt_outs.count_ones());
        let kind = opt_out_kind(kind).map_err(|e| unknown(at, e))?;
        Ok(self.opt_out_kind(kind))
    }

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

    pub fn erasure_requested(mut self, on: bool) -> Self {
        self.subject.erasure_requested = on;
        self
    }

    pub fn account_deleted(mut self, on: bool) -> Self {
        self.subject.account_deleted = on;
        self
    }

    pub fn parental_consent(mut self, on: bool) -> Self {
        self.subject.parental_consent = on;
        self
    }

    /// A custom attribute, typed against its declaration. Strings the policy never
    /// mentions are kept as "equal to no literal".
    pub fn attribute(mut self, name: &str, value: AttrInput<'_>) -> Result<Self, SubjectError> {
        let at = format!("attributes.{name}");
        let id = self
            .policy
            .attribute(name)
            .map_err(|e| unknown(at.clone(), e))?;
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
                    at,
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

    fn check_time(&self, field: String, at: Timestamp) -> Result<(), SubjectError> {
        if at > self.now {
            return Err(error(field, SubjectProblem::InFuture { at, now: self.now }));
        }
        Ok(())
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
];

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
    ///  "parental_consent": false, "attributes": {"verified": true}}
    /// ```
    /// Every field is optional; `null` means "not given". Timestamps are RFC 3339 or plain
    /// dates (midnight UTC) and may not lie after `now`.
    pub fn from_json(
        policy: &Policy,
        value: &Value,
        now: Timestamp,
    ) -> Result<Subject, SubjectError> {
        let object = expect_object("", value)?;
        check_fields("", object, SUBJECT_FIELDS)?;
        let mut builder = SubjectBuilder::new(policy, now);
        // A fixed order, so the first error reported does not depend on key order.
        for &key in SUBJECT_FIELDS {
            let Some(value) = object.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            builder = read_field(builder, key, value)?;
        }
        Ok(builder.build())
    }

    /// [`Subject::from_json`] from text.
    pub fn from_json_str(
        policy: &Policy,
        text: &str,
        now: Timestamp,
    ) -> Result<Subject, SubjectError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| error("", SubjectProblem::Syntax(e.to_string())))?;
        Subject::from_json(policy, &value, now)
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
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                builder = read_consent(builder, &format!("consents[{i}]"), item)?;
            }
            Ok(builder)
        }
        "objections" => {
            let mut builder = builder;
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                builder = builder.objection(expect_str(&format!("objections[{i}]"), item)?)?;
            }
            Ok(builder)
        }
        "opt_outs" => {
            let mut builder = builder;
            for (i, item) in expect_array(key, value)?.iter().enumerate() {
                let at = format!("opt_outs[{i}]");
                let kind = opt_out_kind(expect_str(&at, item)?).map_err(|e| unknown(at, e))?;
                builder = builder.opt_out_kind(kind);
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
            for (name, item) in expect_object(key, value)? {
                let at = format!("attributes.{name}");
                builder = match item {
                    Value::Null => builder,
                    Value::Bool(b) => builder.attribute(name, AttrInput::Bool(*b))?,
                    Value::Number(n) => {
                        let i = n
                            .as_i64()
                            .ok_or_else(|| type_error(&at, "a whole number", item))?;
                        builder.attribute(name, AttrInput::Int(i))?
                    }
                    Value::String(s) => builder.attribute(name, AttrInput::Str(s))?,
                    Value::Array(items) => {
                        let strings = items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| expect_str(&format!("{at}[{i}]"), v))
                            .collect::<Result<Vec<_>, _>>()?;
                        builder.attribute(name, AttrInput::Set(&strings))?
                    }
                    Value::Object(_) => {
                        return Err(type_error(&at, "a bool, number, string or array", item))
                    }
                };
            }
            Ok(builder)
        }
        _ => Ok(builder),
    }
}

fn read_consent<'p>(
    builder: SubjectBuilder<'p>,
    at: &str,
    value: &Value,
) -> Result<SubjectBuilder<'p>, SubjectError> {
    let object = expect_object(at, value)?;
    check_fields(at, object, CONSENT_FIELDS)?;
    let purpose = match object.get("purpose") {
        Some(v) => expect_str(&format!("{at}.purpose"), v)?,
        None => return Err(error(format!("{at}.purpose"), SubjectProblem::Missing)),
    };
    let time = |key: &str| -> Result<Option<Timestamp>, SubjectError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parse_time(&format!("{at}.{key}"), v).map(Some),
        }
    };
    let given_at = time("given_at")?;
    let withdrawn_at = time("withdrawn_at")?;
    let explicit = match object.get("explicit") {
        None | Some(Value::Null) => false,
        Some(v) => expect_bool(&format!("{at}.explicit"), v)?,
    };
    // A record with neither time is a consent given at an unknown time.
    builder.consent_record(purpose, given_at, withdrawn_at, explicit)
}

/// RFC 3339 (`2024-01-01T00:00:00Z`) or a date (`2024-01-01`, midnight UTC).
pub fn parse_time(field: &str, value: &Value) -> Result<Timestamp, SubjectError> {
    let text = expect_str(field, value)?;
    text.parse::<Timestamp>()
        .ok()
        .or_else(|| {
            let date = text.parse::<jiff::civil::Date>().ok()?;
            date.to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp())
        })
        .ok_or_else(|| {
            error(
                field,
                SubjectProblem::BadTimestamp {
                    text: text.to_owned(),
                },
            )
        })
}

fn check_fields(
    at: &str,
    object: &Map<String, Value>,
    known: &'static [&'static str],
) -> Result<(), SubjectError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(error(
            at,
            SubjectProblem::UnknownField {
                name: key.clone(),
                suggestion: suggest(key, known.iter().copied()),
            },
        )),
        None => Ok(()),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn type_error(field: &str, expected: &'static str, found: &Value) -> SubjectError {
    error(
        field,
        SubjectProblem::Type {
            expected,
            found: json_type(found),
        },
    )
}

fn expect_str<'v>(field: &str, value: &'v Value) -> Result<&'v str, SubjectError> {
    value
        .as_str()
        .ok_or_else(|| type_error(field, "a string", value))
}

fn expect_bool(field: &str, value: &Value) -> Result<bool, SubjectError> {
    value
        .as_bool()
        .ok_or_else(|| type_error(field, "true or false", value))
}

fn expect_array<'v>(field: &str, value: &'v Value) -> Result<&'v Vec<Value>, SubjectError> {
    value
        .as_array()
        .ok_or_else(|| type_error(field, "an array", value))
}

fn expect_object<'v>(
    field: &str,
    value: &'v Value,
) -> Result<&'v Map<String, Value>, SubjectError> {
    value
        .as_object()
        .ok_or_else(|| type_error(field, "an object", value))
}
