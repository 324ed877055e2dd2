//! A subject document read straight into typed fields, for the documents that are well
//! formed: [`Subject::from_json_str`](crate::Subject::from_json_str) tries this first and
//! goes on to the general reader (`subject_input`: a `Value` tree, then field by field)
//! only when it answers `None`. Building and dropping the tree was most of the cost of
//! reading a subject (a request to the server that carries one pays it on every call).
//!
//! The contract is one-sided: `Some(subject)` only where the general reader gives the same
//! subject, and `None` on anything else — any error, and the shapes this reader leaves to it
//! (opt-outs as records, consents to recipients and transfers). Every error a caller sees
//! is therefore the general reader's, and no document is read two ways.
//! `tests/subject_documents.rs` compares the two on generated documents.

use std::borrow::Cow;
use std::fmt;

use jiff::Timestamp;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::model::Policy;
use crate::subject::Subject;

use super::names::opt_out_kind;
use super::subject_input::{parse_time_str, AttrInput, SubjectBuilder};

/// The fields of a subject document (`SUBJECT_FIELDS`), typed. A field given twice, a field
/// not known, or a value of another type fails the read (and the general reader reports it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document<'a> {
    #[serde(borrow)]
    region: Option<Cow<'a, str>>,
    age: Option<i64>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    consents: Option<Vec<Consent<'a>>>,
    #[serde(borrow)]
    objections: Option<Vec<Cow<'a, str>>>,
    /// Only the plain form (a kind); a record (an object) fails the read.
    #[serde(borrow)]
    opt_outs: Option<Vec<Cow<'a, str>>>,
    gpc: Option<bool>,
    restricted: Option<bool>,
    erasure_requested: Option<bool>,
    account_deleted: Option<bool>,
    parental_consent: Option<bool>,
    #[serde(borrow)]
    attributes: Option<Attributes<'a>>,
    /// Left to the general reader when given.
    recipient_consents: Option<IgnoredAny>,
    transfer_consents: Option<IgnoredAny>,
}

/// A consent record (`CONSENT_FIELDS`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Consent<'a> {
    #[serde(borrow)]
    purpose: Cow<'a, str>,
    #[serde(borrow)]
    given_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    withdrawn_at: Option<Cow<'a, str>>,
    explicit: Option<bool>,
}

/// The `attributes` object, in document order; a name given twice fails the read.
struct Attributes<'a>(Vec<(Cow<'a, str>, Option<Attribute<'a>>)>);

/// An attribute's value as the document gives it; `null` is `None` beside it.
enum Attribute<'a> {
    Bool(bool),
    Int(i64),
    Str(Cow<'a, str>),
    Set(Vec<Cow<'a, str>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Names<'a> {
            type Value = Attributes<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(Cow<'a, str>, Option<Attribute<'a>>)> = Vec::new();
                while let Some(name) = map.next_key::<Cow<'a, str>>()? {
                    let value = map.next_value::<Option<Attribute<'a>>>()?;
                    entries.push((name, value));
                }
                // Sorted, not compared pairwise: a hostile document may name thousands.
                let mut names: Vec<&str> = entries.iter().map(|(name, _)| &**name).collect();
                names.sort_unstable();
                if names
                    .windows(2)
                    .any(|pair| matches!(pair, [a, b] if a == b))
                {
                    return Err(de::Error::custom("duplicate attribute"));
                }
                Ok(Attributes(entries))
            }
        }
        deserializer.deserialize_map(Names(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attribute<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Value<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Value<'a> {
            type Value = Attribute<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a bool, a whole number, a string or an array of strings")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
                Ok(Attribute::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
                Ok(Attribute::Int(i))
            }
            fn visit_u64<E: de::Error>(self, u: u64) -> Result<Self::Value, E> {
                i64::try_from(u)
                    .map(Attribute::Int)
                    .map_err(|_| E::custom("out of range"))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Attribute::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Attribute::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Attribute::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = seq.next_element::<Cow<'a, str>>()? {
                    members.push(member);
                }
                Ok(Attribute::Set(members))
            }
        }
        deserializer.deserialize_any(Value(std::marker::PhantomData))
    }
}

/// The subject `text` describes, when it is a well-formed document of the shapes read here
/// and makes a valid subject; `None` otherwise (see the module's contract).
pub(crate) fn subject(policy: &Policy, text: &str, now: Timestamp) -> Option<Subject> {
    let document: Document<'_> = serde_json::from_str(text).ok()?;
    if document.recipient_consents.is_some() || document.transfer_consents.is_some() {
        return None;
    }
    // The general reader's order (`SUBJECT_FIELDS`).
    let mut builder = SubjectBuilder::new(policy, now);
    if let Some(region) = &document.region {
        builder = builder.region(region).ok()?;
    }
    if let Some(age) = document.age {
        builder = builder.age(age).ok()?;
    }
    if let Some(kind) = &document.kind {
        builder = builder.kind(kind).ok()?;
    }
    for consent in document.consents.iter().flatten() {
        let time = |text: &Option<Cow<'_, str>>| match text {
            Some(text) => parse_time_str("", text).ok().map(Some),
            None => Some(None),
        };
        let (given_at, withdrawn_at) = (time(&consent.given_at)?, time(&consent.withdrawn_at)?);
        builder = builder
            .consent_record(
                &consent.purpose,
                given_at,
                withdrawn_at,
                consent.explicit.unwrap_or(false),
            )
            .ok()?;
    }
    for objection in document.objections.iter().flatten() {
        builder = builder.objection(objection).ok()?;
    }
    for kind in document.opt_outs.iter().flatten() {
        builder = builder.opt_out_kind(opt_out_kind(kind).ok()?);
    }
    if let Some(on) = document.gpc {
        builder = builder.gpc(on);
    }
    if let Some(on) = document.restricted {
        builder = builder.restricted(on);
    }
    if let Some(on) = document.erasure_requested {
        builder = builder.erasure_requested(on);
    }
    if let Some(on) = document.account_deleted {
        builder = builder.account_deleted(on);
    }
    if let Some(on) = document.parental_consent {
        builder = builder.parental_consent(on);
    }
    for (name, value) in document.attributes.iter().flat_map(|a| &a.0) {
        builder = match value {
            None => builder,
            Some(Attribute::Bool(b)) => builder.attribute(name, AttrInput::Bool(*b)).ok()?,
            Some(Attribute::Int(i)) => builder.attribute(name, AttrInput::Int(*i)).ok()?,
            Some(Attribute::Str(s)) => builder.attribute(name, AttrInput::Str(s)).ok()?,
            Some(Attribute::Set(members)) => {
                let members: Vec<&str> = members.iter().map(|m| &**m).collect();
                builder.attribute(name, AttrInput::Set(&members)).ok()?
            }
        };
    }
    builder.try_build().ok()
}
