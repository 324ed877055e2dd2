//! One ledger event: what happened to a subject, when, through which channel. Read from
//! JSON (one line of `lawful ledger record`) and validated against a compiled policy before
//! anything is written; every error names the field, with the closest name for a typo.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::eval::{
    expect_bool, expect_object, expect_str, json_without_duplicates, opt_out_kind, parse_time_str,
    subject_error, type_error, SubjectError, SubjectProblem,
};
use crate::model::Policy;
use crate::subject::Subject;

use super::LedgerError;

/// The longest subject id, idempotency key, source or proof reference, in bytes.
pub const MAX_TEXT_BYTES: usize = 256;

/// Something that happened to a data subject, as recorded in the ledger. Events are never
/// changed once written: a withdrawal is a new event, not an edit of the consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The application's id for the subject (`u42`); opaque to the ledger.
    pub subject: String,
    /// When it happened (not when it was recorded); never after the time of recording.
    pub at: Timestamp,
    /// Idempotency key: a retried write with the same key and the same event records once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The channel or service it came through (`signup-form`, `cookie-banner` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A reference to the evidence kept elsewhere (a form id, a ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

/// What an event changes. The JSON `type` names the variant (`consent_given` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// Consent to a purpose (and its descendants) — or, with `recipient`, to disclosure to
    /// that recipient, or, with `transfer_to`, to a transfer of the subject's data to that
    /// region — was given. A consent is to exactly one of the three.
    ConsentGiven {
        /// The purpose, by name; empty for a consent to a recipient or a transfer.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        purpose: String,
        /// Explicit consent (GDPR Art. 9(2)(a), Art. 49(1)(a)).
        #[serde(default)]
        explicit: bool,
        /// The recipient consented to (a recipient that `requires consent`), by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recipient: Option<String>,
        /// The region a transfer is consented to (for a transfer that `requires consent`),
        /// by name: the region and every region within it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transfer_to: Option<String>,
    },
    /// The consent to a purpose (or, with `recipient`, to a recipient; with `transfer_to`,
    /// to a transfer) was withdrawn.
    ConsentWithdrawn {
        /// The purpose, by name; empty for a consent to a recipient or a transfer.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        purpose: String,
        /// The recipient, by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recipient: Option<String>,
        /// The region of the transfer, by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transfer_to: Option<String>,
    },
    /// An objection (GDPR Art. 21) to a purpose and its descendants.
    ObjectionMade {
        /// The purpose, by name.
        purpose: String,
    },
    /// An objection was lifted.
    ObjectionLifted {
        /// The purpose, by name.
        purpose: String,
    },
    /// An opt-out (`sale`, `sharing`, `targeted_advertising`, `profiling`, `marketing`,
    /// `limit_sensitive`); a `marketing` one perhaps for one channel or campaign only.
    OptOutMade {
        /// The opt-out kind.
        kind: String,
        /// `email`, `sms`, `push`, `phone`: only direct marketing through this channel.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        /// Only this direct-marketing campaign.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        campaign: Option<String>,
    },
    /// An opt-out was revoked (the subject opted back in): the one of the same kind,
    /// channel and campaign.
    OptOutRevoked {
        /// The opt-out kind.
        kind: String,
        /// The channel of the opt-out revoked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        /// The campaign of the opt-out revoked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        campaign: Option<String>,
    },
    /// A Global Privacy Control signal was seen (`on`) or stopped being sent.
    GpcSignal {
        /// Whether the signal is present.
        on: bool,
    },
    /// Processing was restricted (GDPR Art. 18).
    RestrictionStarted,
    /// The restriction ended.
    RestrictionEnded,
    /// Erasure was requested (GDPR Art. 17).
    ErasureRequested,
    /// The account was deleted.
    AccountDeleted,
    /// A parent or guardian consented (verified).
    ParentalConsentGiven,
    /// Facts the subject declared or the application established; each one given replaces
    /// the earlier value of that fact.
    Facts(Facts),
}

/// Declared facts. A fact not given keeps its earlier value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Region of residence, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Age in whole years when the event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u16>,
    /// Date of birth; the age is computed from it at the instant asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<jiff::civil::Date>,
    /// Subject kind, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Declared attributes, by name, as JSON values (`true`, `3`, `"gold"`, `["a","b"]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Value>,
    /// The facts were removed by `erase`; only the event's existence remains.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

/// Every event type, as written in JSON.
pub const TYPES: &[&str] = &[
    "consent_given",
    "consent_withdrawn",
    "objection_made",
    "objection_lifted",
    "opt_out_made",
    "opt_out_revoked",
    "gpc_signal",
    "restriction_started",
    "restriction_ended",
    "erasure_requested",
    "account_deleted",
    "parental_consent_given",
    "facts",
];

const COMMON: &[&str] = &["subject", "type", "at", "key", "source", "proof"];

impl Change {
    /// The JSON `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Change::ConsentGiven { .. } => "consent_given",
            Change::ConsentWithdrawn { .. } => "consent_withdrawn",
            Change::ObjectionMade { .. } => "objection_made",
            Change::ObjectionLifted { .. } => "objection_lifted",
            Change::OptOutMade { .. } => "opt_out_made",
            Change::OptOutRevoked { .. } => "opt_out_revoked",
            Change::GpcSignal { .. } => "gpc_signal",
            Change::RestrictionStarted => "restriction_started",
            Change::RestrictionEnded => "restriction_ended",
            Change::ErasureRequested => "erasure_requested",
            Change::AccountDeleted => "account_deleted",
            Change::ParentalConsentGiven => "parental_consent_given",
            Change::Facts(_) => "facts",
        }
    }

    /// The change as one name and one flag beside its `type`: the two columns a backend
    /// keeps so a decision reads events without their JSON. Every change but facts fits;
    /// [`Change::from_lean`] reads it back whole. (No `..` in the patterns: a field added
    /// to a change must be placed here, or the change made not to fit.)
    #[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres", test))]
    pub(crate) fn lean(&self) -> Option<(Option<&str>, bool)> {
        match self {
            Change::ConsentGiven {
                purpose,
                explicit,
                recipient: None,
                transfer_to: None,
            } => Some((Some(purpose), *explicit)),
            // A consent to a recipient or a transfer does not fit: it is read from its JSON.
            Change::ConsentGiven {
                recipient: Some(_), ..
            }
            | Change::ConsentWithdrawn {
                recipient: Some(_), ..
            }
            | Change::ConsentGiven {
                transfer_to: Some(_),
                ..
            }
            | Change::ConsentWithdrawn {
                transfer_to: Some(_),
                ..
            } => None,
            Change::ConsentWithdrawn {
                purpose,
                recipient: None,
                transfer_to: None,
            }
            | Change::ObjectionMade { purpose }
            | Change::ObjectionLifted { purpose }
            | Change::OptOutMade {
                kind: purpose,
                channel: None,
                campaign: None,
            }
            | Change::OptOutRevoked {
                kind: purpose,
                channel: None,
                campaign: None,
            } => Some((Some(purpose), false)),
            // An opt-out limited to a channel or a campaign is read from its JSON.
            Change::OptOutMade { .. } | Change::OptOutRevoked { .. } => None,
            Change::GpcSignal { on } => Some((None, *on)),
            Change::RestrictionStarted
            | Change::RestrictionEnded
            | Change::ErasureRequested
            | Change::AccountDeleted
            | Change::ParentalConsentGiven => Some((None, false)),
            Change::Facts(_) => None,
        }
    }

    /// The change of `type` `ty` from its [`Change::lean`] columns; `None` when they do not
    /// make one (the event must then be read from its JSON).
    #[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres", test))]
    pub(crate) fn from_lean(ty: &str, name: Option<String>, flag: bool) -> Option<Change> {
        Some(match (ty, name) {
            ("consent_given", Some(purpose)) => Change::ConsentGiven {
                purpose,
                explicit: flag,
                recipient: None,
                transfer_to: None,
            },
            ("consent_withdrawn", Some(purpose)) => Change::ConsentWithdrawn {
                purpose,
                recipient: None,
                transfer_to: None,
            },
            ("objection_made", Some(purpose)) => Change::ObjectionMade { purpose },
            ("objection_lifted", Some(purpose)) => Change::ObjectionLifted { purpose },
            ("opt_out_made", Some(kind)) => Change::OptOutMade {
                kind,
                channel: None,
                campaign: None,
            },
            ("opt_out_revoked", Some(kind)) => Change::OptOutRevoked {
                kind,
                channel: None,
                campaign: None,
            },
            ("gpc_signal", None) => Change::GpcSignal { on: flag },
            ("restriction_started", None) => Change::RestrictionStarted,
            ("restriction_ended", None) => Change::RestrictionEnded,
            ("erasure_requested", None) => Change::ErasureRequested,
            ("account_deleted", None) => Change::AccountDeleted,
            ("parental_consent_given", None) => Change::ParentalConsentGiven,
            _ => return None,
        })
    }

    /// The purpose a consent or objection event is about (`None` for a consent to a
    /// recipient or a transfer).
    pub fn purpose(&self) -> Option<&str> {
        match self {
            Change::ConsentGiven {
                recipient: Some(_), ..
            }
            | Change::ConsentWithdrawn {
                recipient: Some(_), ..
            }
            | Change::ConsentGiven {
                transfer_to: Some(_),
                ..
            }
            | Change::ConsentWithdrawn {
                transfer_to: Some(_),
                ..
            } => None,
            Change::ConsentGiven { purpose, .. }
            | Change::ConsentWithdrawn { purpose, .. }
            | Change::ObjectionMade { purpose }
            | Change::ObjectionLifted { purpose } => Some(purpose),
            _ => None,
        }
    }
}

fn problem(field: &str, problem: SubjectProblem) -> SubjectError {
    subject_error(field, problem)
}

/// A text member: a string of at most [`MAX_TEXT_BYTES`] bytes, not empty.
fn text(object: &Map<String, Value>, field: &str) -> Result<Option<String>, SubjectError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let s = expect_str(field, value)?;
            if s.is_empty() || s.len() > MAX_TEXT_BYTES {
                return Err(problem(
                    field,
                    SubjectProblem::Type {
                        expected: "a string of 1 to 256 bytes",
                        found: if s.is_empty() {
                            "an empty string"
                        } else {
                            "a longer string"
                        },
                    },
                ));
            }
            Ok(Some(s.to_owned()))
        }
    }
}

fn required(object: &Map<String, Value>, field: &str) -> Result<String, SubjectError> {
    text(object, field)?.ok_or_else(|| problem(field, SubjectProblem::Missing))
}

impl Event {
    /// Read one event from JSON text (a key written twice is an error) and validate it
    /// against `policy`: see [`Event::validate`]. `now` is the time of recording: the
    /// event's `at` defaults to it and may not lie after it.
    pub fn from_json_str(
        policy: &Policy,
        text: &str,
        now: Timestamp,
    ) -> Result<Event, LedgerError> {
        let value = json_without_duplicates(text)?;
        let event = Event::from_json_value(&value, now)?;
        event.validate(policy, now)?;
        Ok(event)
    }

    /// Read an event's shape from JSON, without the policy: the fields exist, have their
    /// types, and the timestamps parse. [`Event::validate`] checks the names.
    pub fn from_json_value(value: &Value, now: Timestamp) -> Result<Event, LedgerError> {
        let object = expect_object("", value)?;
        let ty = required(object, "type")?;
        let Some(&ty) = TYPES.iter().find(|t| **t == ty) else {
            let hint = suggest(&ty, TYPES.iter().copied())
                .map_or_else(String::new, |s| format!(", did you mean `{s}`?"));
            return Err(LedgerError::BadEvent {
                field: "type".to_owned(),
                message: format!("unknown event type `{ty}`{hint}"),
                code: "lawful::ledger::unknown_type",
            });
        };
        let own: &[&str] = match ty {
            "consent_given" => &["purpose", "recipient", "transfer_to", "explicit"],
            "consent_withdrawn" => &["purpose", "recipient", "transfer_to"],
            "objection_made" | "objection_lifted" => &["purpose"],
            "opt_out_made" | "opt_out_revoked" => &["kind", "channel", "campaign"],
            "gpc_signal" => &["on"],
            "facts" => &["region", "age", "birth_date", "kind", "attributes"],
            _ => &[],
        };
        let known: Vec<&'static str> = COMMON.iter().chain(own).copied().collect();
        if let Some(key) = object.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(problem(
                key,
                SubjectProblem::UnknownField {
                    name: key.clone(),
                    suggestion: suggest(key, known.iter().copied()),
                },
            )
            .into());
        }
        let subject = required(object, "subject")?;
        let at = match object.get("at") {
            None | Some(Value::Null) => now,
            Some(v) => parse_time_str("at", expect_str("at", v)?)?,
        };
        let flag = |field: &str, default: bool| -> Result<bool, SubjectError> {
            match object.get(field) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => expect_bool(field, v),
            }
        };
        // A consent names a purpose, a recipient (`recipient`) or a transfer
        // (`transfer_to`): exactly one.
        type ConsentTo = (String, Option<String>, Option<String>);
        let consent_to = || -> Result<ConsentTo, LedgerError> {
            let recipient = text(object, "recipient")?;
            let transfer_to = text(object, "transfer_to")?;
            let second = match (&recipient, &transfer_to) {
                (Some(_), Some(_)) => Some("transfer_to"),
                (Some(_), None) if object.contains_key("purpose") => Some("recipient"),
                (None, Some(_)) if object.contains_key("purpose") => Some("transfer_to"),
                _ => None,
            };
            if let Some(field) = second {
                return Err(LedgerError::BadEvent {
                    field: field.to_owned(),
                    message: "a consent is to one purpose, one recipient or one transfer: \
                              give only one of `purpose`, `recipient` and `transfer_to`"
                        .to_owned(),
                    code: "lawful::ledger::consent_to_two",
                });
            }
            match (recipient, transfer_to) {
                (None, None) => Ok((required(object, "purpose")?, None, None)),
                (recipient, transfer_to) => Ok((String::new(), recipient, transfer_to)),
            }
        };
        let change = match ty {
            "consent_given" => {
                let (purpose, recipient, transfer_to) = consent_to()?;
                Change::ConsentGiven {
                    purpose,
                    explicit: flag("explicit", false)?,
                    recipient,
                    transfer_to,
                }
            }
            "consent_withdrawn" => {
                let (purpose, recipient, transfer_to) = consent_to()?;
                Change::ConsentWithdrawn {
                    purpose,
                    recipient,
                    transfer_to,
                }
            }
            "objection_made" => Change::ObjectionMade {
                purpose: required(object, "purpose")?,
            },
            "objection_lifted" => Change::ObjectionLifted {
                purpose: required(object, "purpose")?,
            },
            "opt_out_made" => Change::OptOutMade {
                kind: required(object, "kind")?,
                channel: text(object, "channel")?,
                campaign: text(object, "campaign")?,
            },
            "opt_out_revoked" => Change::OptOutRevoked {
                kind: required(object, "kind")?,
                channel: text(object, "channel")?,
                campaign: text(object, "campaign")?,
            },
            "gpc_signal" => Change::GpcSignal {
                on: flag("on", true)?,
            },
            "restriction_started" => Change::RestrictionStarted,
            "restriction_ended" => Change::RestrictionEnded,
            "erasure_requested" => Change::ErasureRequested,
            "account_deleted" => Change::AccountDeleted,
            "parental_consent_given" => Change::ParentalConsentGiven,
            _ => Change::Facts(facts(object)?),
        };
        Ok(Event {
            subject,
            at,
            key: text(object, "key")?,
            source: text(object, "source")?,
            proof: text(object, "proof")?,
            change,
        })
    }

    /// Check the event against `policy` as of `now`: the purpose, opt-out kind, region,
    /// kind and attributes exist (an unknown name is an error with the closest declared
    /// one), attribute values have their declared types, the age is plausible, and no
    /// timestamp lies after `now`. The subject document's own checks do the work, so an
    /// event is refused exactly when the same fact in `--subject` would be.
    pub fn validate(&self, policy: &Policy, now: Timestamp) -> Result<(), LedgerError> {
        if self.at > now {
            return Err(problem("at", SubjectProblem::InFuture { at: self.at, now }).into());
        }
        for (field, value) in [
            ("subject", Some(&self.subject)),
            ("key", self.key.as_ref()),
            ("source", self.source.as_ref()),
            ("proof", self.proof.as_ref()),
        ] {
            if value.is_some_and(|v| v.is_empty() || v.len() > MAX_TEXT_BYTES) {
                return Err(problem(
                    field,
                    SubjectProblem::Type {
                        expected: "a string of 1 to 256 bytes",
                        found: "another length",
                    },
                )
                .into());
            }
        }
        match &self.change {
            Change::ConsentGiven {
                recipient: Some(recipient),
                ..
            }
            | Change::ConsentWithdrawn {
                recipient: Some(recipient),
                ..
            } => policy
                .recipient(recipient)
                .map(|_| ())
                .map_err(|e| problem("recipient", SubjectProblem::UnknownName(e)).into()),
            Change::ConsentGiven {
                transfer_to: Some(region),
                ..
            }
            | Change::ConsentWithdrawn {
                transfer_to: Some(region),
                ..
            } => policy
                .region(region)
                .map(|_| ())
                .map_err(|e| problem("transfer_to", SubjectProblem::UnknownName(e)).into()),
            Change::ConsentGiven { purpose, .. }
            | Change::ConsentWithdrawn { purpose, .. }
            | Change::ObjectionMade { purpose }
            | Change::ObjectionLifted { purpose } => policy
                .purpose(purpose)
                .map(|_| ())
                .map_err(|e| problem("purpose", SubjectProblem::UnknownName(e)).into()),
            Change::OptOutMade {
                kind,
                channel,
                campaign,
            }
            | Change::OptOutRevoked {
                kind,
                channel,
                campaign,
            } => {
                let kind = opt_out_kind(kind)
                    .map_err(|e| problem("kind", SubjectProblem::UnknownName(e)))?;
                if let Some(channel) = channel {
                    crate::eval::channel(channel)
                        .map_err(|e| problem("channel", SubjectProblem::UnknownName(e)))?;
                }
                if (channel.is_some() || campaign.is_some())
                    && kind != crate::model::OptOutKind::Marketing
                {
                    return Err(problem(
                        "kind",
                        SubjectProblem::LimitedOptOut { kind: kind.name() },
                    )
                    .into());
                }
                Ok(())
            }
            Change::Facts(facts) => {
                if facts.erased {
                    return Err(LedgerError::BadEvent {
                        field: "erased".to_owned(),
                        message: "erased facts cannot be recorded".to_owned(),
                        code: "lawful::ledger::erased_facts",
                    });
                }
                if let Some(born) = facts.birth_date {
                    let at_date = self.at.to_zoned(jiff::tz::TimeZone::UTC).date();
                    if born > at_date {
                        let born_at = born
                            .to_zoned(jiff::tz::TimeZone::UTC)
                            .map_or(self.at, |z| z.timestamp());
                        return Err(problem(
                            "birth_date",
                            SubjectProblem::InFuture {
                                at: born_at,
                                now: self.at,
                            },
                        )
                        .into());
                    }
                }
                let age = facts.age_at(self.at);
                Subject::from_json(policy, &facts.document(age), now)
                    .map(|_| ())
                    .map_err(LedgerError::from)
            }
            _ => Ok(()),
        }
    }

    /// The event as one JSON object, in the shape [`Event::from_json_str`] reads.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Facts {
    /// The age at `at`: from the birth date when given (whole years, in UTC), else the age
    /// as declared.
    pub fn age_at(&self, at: Timestamp) -> Option<i64> {
        match self.birth_date {
            Some(born) => {
                let today = at.to_zoned(jiff::tz::TimeZone::UTC).date();
                let mut years = i64::from(today.year()) - i64::from(born.year());
                if (today.month(), today.day()) < (born.month(), born.day()) {
                    years -= 1;
                }
                Some(years)
            }
            None => self.age.map(i64::from),
        }
    }

    /// The facts as a subject document (the `--subject` shape) with the age given.
    pub(crate) fn document(&self, age: Option<i64>) -> Value {
        let mut doc = Map::new();
        if let Some(region) = &self.region {
            doc.insert("region".into(), Value::from(region.as_str()));
        }
        if let Some(age) = age {
            doc.insert("age".into(), Value::from(age));
        }
        if let Some(kind) = &self.kind {
            doc.insert("kind".into(), Value::from(kind.as_str()));
        }
        if !self.attributes.is_empty() {
            let attributes: Map<String, Value> = self
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            doc.insert("attributes".into(), Value::Object(attributes));
        }
        Value::Object(doc)
    }
}

fn facts(object: &Map<String, Value>) -> Result<Facts, LedgerError> {
    let mut facts = Facts {
        region: text(object, "region")?,
        kind: text(object, "kind")?,
        ..Facts::default()
    };
    match object.get("age") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => {
            let age = n
                .as_i64()
                .and_then(|a| u16::try_from(a).ok())
                .filter(|a| i64::from(*a) <= crate::eval::MAX_AGE)
                .ok_or_else(|| problem("age", SubjectProblem::AgeOutOfRange(n.to_string())))?;
            facts.age = Some(age);
        }
        Some(other) => return Err(type_error("age", "a whole number", other).into()),
    }
    if let Some(v) = object.get("birth_date").filter(|v| !v.is_null()) {
        let text = expect_str("birth_date", v)?;
        let date = text
            .parse::<jiff::civil::Date>()
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| {
                problem(
                    "birth_date",
                    SubjectProblem::BadTimestamp {
                        text: text.to_owned(),
                    },
                )
            })?;
        facts.birth_date = Some(date);
    }
    if facts.age.is_some() && facts.birth_date.is_some() {
        return Err(LedgerError::BadEvent {
            field: "birth_date".to_owned(),
            message: "give `age` or `birth_date`, not both".to_owned(),
            code: "lawful::ledger::age_and_birth_date",
        });
    }
    if let Some(v) = object.get("attributes").filter(|v| !v.is_null()) {
        for (name, value) in expect_object("attributes", v)? {
            facts.attributes.insert(name.clone(), value.clone());
        }
    }
    let empty = facts.region.is_none()
        && facts.kind.is_none()
        && facts.age.is_none()
        && facts.birth_date.is_none()
        && facts.attributes.is_empty();
    if empty {
        return Err(LedgerError::BadEvent {
            field: String::new(),
            message: "a `facts` event gives at least one of `region`, `age`, `birth_date`, \
                      `kind`, `attributes`"
                .to_owned(),
            code: "lawful::ledger::no_facts",
        });
    }
    Ok(facts)
}

/// An event's stored JSON read without serde's `flatten` and internal tagging (which buffer
/// every value before reading it): every member in one plain struct, then the change picked
/// by `type`. The hot path of a cache miss reads 50 of these.
#[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres", test))]
#[derive(Deserialize)]
struct Stored {
    subject: String,
    at: Timestamp,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    proof: Option<String>,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    recipient: Option<String>,
    #[serde(default)]
    transfer_to: Option<String>,
    #[serde(default)]
    explicit: bool,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    campaign: Option<String>,
    #[serde(default)]
    on: Option<bool>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    age: Option<u16>,
    #[serde(default)]
    birth_date: Option<jiff::civil::Date>,
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
    #[serde(default)]
    erased: bool,
}

/// Read an event as the ledger stored it (its [`Event`] serialisation).
#[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres", test))]
pub(crate) fn decode_stored(body: &str) -> Result<Event, String> {
    let s: Stored = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let purpose = |p: Option<String>| p.ok_or_else(|| format!("a `{}` without a purpose", s.ty));
    let change = match s.ty.as_str() {
        "consent_given" if s.recipient.is_some() || s.transfer_to.is_some() => {
            Change::ConsentGiven {
                purpose: String::new(),
                explicit: s.explicit,
                recipient: s.recipient,
                transfer_to: s.transfer_to,
            }
        }
        "consent_given" => Change::ConsentGiven {
            purpose: purpose(s.purpose)?,
            explicit: s.explicit,
            recipient: None,
            transfer_to: None,
        },
        "consent_withdrawn" if s.recipient.is_some() || s.transfer_to.is_some() => {
            Change::ConsentWithdrawn {
                purpose: String::new(),
                recipient: s.recipient,
                transfer_to: s.transfer_to,
            }
        }
        "consent_withdrawn" => Change::ConsentWithdrawn {
            purpose: purpose(s.purpose)?,
            recipient: None,
            transfer_to: None,
        },
        "objection_made" => Change::ObjectionMade {
            purpose: purpose(s.purpose)?,
        },
        "objection_lifted" => Change::ObjectionLifted {
            purpose: purpose(s.purpose)?,
        },
        "opt_out_made" | "opt_out_revoked" => {
            let kind = s
                .kind
                .ok_or_else(|| format!("a `{}` without a kind", s.ty))?;
            let (channel, campaign) = (s.channel, s.campaign);
            if s.ty == "opt_out_made" {
                Change::OptOutMade {
                    kind,
                    channel,
                    campaign,
                }
            } else {
                Change::OptOutRevoked {
                    kind,
                    channel,
                    campaign,
                }
            }
        }
        "gpc_signal" => Change::GpcSignal {
            on: s.on.unwrap_or(true),
        },
        "restriction_started" => Change::RestrictionStarted,
        "restriction_ended" => Change::RestrictionEnded,
        "erasure_requested" => Change::ErasureRequested,
        "account_deleted" => Change::AccountDeleted,
        "parental_consent_given" => Change::ParentalConsentGiven,
        "facts" => Change::Facts(Facts {
            region: s.region,
            age: s.age,
            birth_date: s.birth_date,
            kind: s.kind,
            attributes: s.attributes,
            erased: s.erased,
        }),
        other => return Err(format!("unknown event type `{other}`")),
    };
    Ok(Event {
        subject: s.subject,
        at: s.at,
        key: s.key,
        source: s.source,
        proof: s.proof,
        change,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// One change of every type (facts three ways, explicit and GPC both ways).
    fn every_change() -> Vec<Change> {
        vec![
            Change::ConsentGiven {
                purpose: "marketing".into(),
                explicit: true,
                recipient: None,
                transfer_to: None,
            },
            Change::ConsentGiven {
                purpose: "marketing".into(),
                explicit: false,
                recipient: None,
                transfer_to: None,
            },
            Change::ConsentWithdrawn {
                purpose: "marketing".into(),
                recipient: None,
                transfer_to: None,
            },
            Change::ConsentGiven {
                purpose: String::new(),
                explicit: false,
                recipient: Some("partners".into()),
                transfer_to: None,
            },
            Change::ConsentWithdrawn {
                purpose: String::new(),
                recipient: Some("partners".into()),
                transfer_to: None,
            },
            Change::ConsentGiven {
                purpose: String::new(),
                explicit: true,
                recipient: None,
                transfer_to: Some("US".into()),
            },
            Change::ConsentWithdrawn {
                purpose: String::new(),
                recipient: None,
                transfer_to: Some("US".into()),
            },
            Change::ObjectionMade {
                purpose: "a.b".into(),
            },
            Change::ObjectionLifted {
                purpose: "a.b".into(),
            },
            Change::OptOutMade {
                kind: "sale".into(),
                channel: None,
                campaign: None,
            },
            Change::OptOutRevoked {
                kind: "marketing".into(),
                channel: Some("email".into()),
                campaign: Some("spring-sale".into()),
            },
            Change::OptOutMade {
                kind: "marketing".into(),
                channel: None,
                campaign: Some("spring-sale".into()),
            },
            Change::OptOutRevoked {
                kind: "sale".into(),
                channel: None,
                campaign: None,
            },
            Change::GpcSignal { on: true },
            Change::GpcSignal { on: false },
            Change::RestrictionStarted,
            Change::RestrictionEnded,
            Change::ErasureRequested,
            Change::AccountDeleted,
            Change::ParentalConsentGiven,
            Change::Facts(Facts {
                region: Some("DE".into()),
                birth_date: Some("2000-02-29".parse().unwrap()),
                kind: Some("guest".into()),
                attributes: [("roles".to_owned(), serde_json::json!(["a", "b"]))].into(),
                ..Facts::default()
            }),
            Change::Facts(Facts {
                age: Some(15),
                ..Facts::default()
            }),
            Change::Facts(Facts {
                erased: true,
                ..Facts::default()
            }),
        ]
    }

    /// Every change but facts reads back whole from its lean columns, and those of one
    /// type never read as another.
    #[test]
    fn lean_columns_read_back_whole() {
        let mut types = std::collections::BTreeSet::new();
        for change in every_change() {
            let Some((name, flag)) = change.lean() else {
                // Facts, consents to a recipient or a transfer and limited opt-outs are read
                // from their JSON.
                let to_recipient = matches!(
                    change,
                    Change::ConsentGiven {
                        recipient: Some(_),
                        ..
                    } | Change::ConsentWithdrawn {
                        recipient: Some(_),
                        ..
                    } | Change::ConsentGiven {
                        transfer_to: Some(_),
                        ..
                    } | Change::ConsentWithdrawn {
                        transfer_to: Some(_),
                        ..
                    }
                );
                let limited = matches!(
                    change,
                    Change::OptOutMade { ref channel, ref campaign, .. }
                    | Change::OptOutRevoked { ref channel, ref campaign, .. }
                        if channel.is_some() || campaign.is_some()
                );
                assert!(
                    change.type_name() == "facts" || to_recipient || limited,
                    "{change:?}"
                );
                continue;
            };
            let back = Change::from_lean(change.type_name(), name.map(str::to_owned), flag);
            assert_eq!(back.as_ref(), Some(&change));
            types.insert(change.type_name());
            // A name where the type has none, or none where it has one, is not read.
            let other = match name {
                Some(_) => None,
                None => Some("x".to_owned()),
            };
            assert_eq!(Change::from_lean(change.type_name(), other, flag), None);
        }
        // Every type but facts is covered; facts never fit.
        assert_eq!(types.len(), TYPES.len() - 1);
        assert_eq!(Change::from_lean("facts", None, false), None);
    }

    /// Every event type reads back from its stored JSON as it was written.
    #[test]
    fn stored_events_read_back_whole() {
        let at: Timestamp = "2024-05-01T12:30:00.123456789Z".parse().unwrap();
        let changes = every_change();
        assert_eq!(changes.len(), TYPES.len() + 10);
        for change in changes {
            let event = Event {
                subject: "u1".into(),
                at,
                key: Some("k".into()),
                source: Some("app".into()),
                proof: None,
                change,
            };
            let body = serde_json::to_string(&event).unwrap();
            assert_eq!(decode_stored(&body).unwrap(), event, "{body}");
            let back: Event = serde_json::from_str(&body).unwrap();
            assert_eq!(back, event);
        }
    }
}
