//! Prepared handles: names resolved to ids once, at the API edge, with "did you mean" on a
//! miss. The hot path never sees a string.

use std::fmt;

use crate::diagnostic::suggest;
use crate::model::DataRef;
use crate::model::{
    AttributeId, CategoryId, CircumstanceId, Circumstances, EventId, FieldId, NameIndex,
    OptOutKind, Policy, PurposeId, RecipientId, RecipientKind, RegionId, SubjectKindId,
};

/// What kind of name was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A purpose (`marketing.direct`).
    Purpose,
    /// A field (`orders.email`).
    Field,
    /// A data category (`user.contact.email`).
    Category,
    /// A field or a category.
    Data,
    /// A region (`DE`, or a group such as `EU`).
    Region,
    /// A recipient.
    Recipient,
    /// A kind of data subject (`customer`, `employee` …).
    SubjectKind,
    /// A subject attribute the policy declares.
    Attribute,
    /// An event retention periods run from (`collected`, `consent_withdrawn` …).
    Event,
    /// An opt-out kind (`sale`, `sharing` …).
    OptOut,
    /// A circumstance the policy declares (`legal_claims_brought` …).
    Circumstance,
    /// A kind of recipient (`processor`, `data_broker` …).
    RecipientKind,
    /// A direct-marketing channel (`email`, `sms`, `push`, `phone`).
    Channel,
}

impl NameKind {
    /// The kind in words, as error messages say it: `purpose`, `field or category` …
    pub fn describe(self) -> &'static str {
        match self {
            NameKind::Purpose => "purpose",
            NameKind::Field => "field",
            NameKind::Category => "category",
            NameKind::Data => "field or category",
            NameKind::Region => "region",
            NameKind::Recipient => "recipient",
            NameKind::SubjectKind => "subject kind",
            NameKind::Attribute => "attribute",
            NameKind::Event => "event",
            NameKind::OptOut => "opt-out",
            NameKind::Circumstance => "circumstance",
            NameKind::RecipientKind => "recipient kind",
            NameKind::Channel => "channel",
        }
    }

    /// Stable code, e.g. `lawful::eval::unknown_purpose`.
    pub fn code(self) -> &'static str {
        match self {
            NameKind::Purpose => "lawful::eval::unknown_purpose",
            NameKind::Field => "lawful::eval::unknown_field",
            NameKind::Category => "lawful::eval::unknown_category",
            NameKind::Data => "lawful::eval::unknown_data",
            NameKind::Region => "lawful::eval::unknown_region",
            NameKind::Recipient => "lawful::eval::unknown_recipient",
            NameKind::SubjectKind => "lawful::eval::unknown_subject_kind",
            NameKind::Attribute => "lawful::eval::unknown_attribute",
            NameKind::Event => "lawful::eval::unknown_event",
            NameKind::OptOut => "lawful::eval::unknown_opt_out",
            NameKind::Circumstance => "lawful::eval::unknown_circumstance",
            NameKind::RecipientKind => "lawful::eval::unknown_recipient_kind",
            NameKind::Channel => "lawful::eval::unknown_channel",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A name the policy does not declare: `unknown purpose `marketng`, did you mean `marketing`?`
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}`{}", self.suggestion.as_ref().map_or_else(String::new, |s| format!(", did you mean `{s}`?")))]
pub struct NameError {
    /// What was looked up.
    pub kind: NameKind,
    /// The name as given.
    pub name: String,
    /// The closest declared name (one differing only in case first); `None` when nothing
    /// is close.
    pub suggestion: Option<String>,
}

impl NameError {
    /// Stable code, by kind: `lawful::eval::unknown_purpose` …
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    fn new<'a>(kind: NameKind, name: &str, candidates: impl Iterator<Item = &'a str>) -> Self {
        // Only on a miss, so collecting is fine. A region written in the wrong case (`de`)
        // is the likeliest slip.
        let mut candidates: Vec<&str> = candidates.collect();
        candidates.sort_unstable();
        let suggestion = candidates
            .iter()
            .copied()
            .find(|c| c.eq_ignore_ascii_case(name))
            .or_else(|| suggest(name, candidates.iter().copied()));
        NameError {
            kind,
            name: name.to_owned(),
            suggestion: suggestion.map(str::to_owned),
        }
    }
}

/// A name's id; the error (with its suggestion) is made out of line, so the hit path stays
/// a small function.
#[inline]
fn lookup<I: Copy>(index: &NameIndex<I>, kind: NameKind, name: &str) -> Result<I, NameError> {
    match index.get(name) {
        Some(id) => Ok(id),
        None => Err(missing(index, kind, name)),
    }
}

#[cold]
#[inline(never)]
fn missing<I: Copy>(index: &NameIndex<I>, kind: NameKind, name: &str) -> NameError {
    NameError::new(kind, name, index.names())
}

impl Policy {
    /// The id of the purpose named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    #[inline]
    pub fn purpose(&self, name: &str) -> Result<PurposeId, NameError> {
        lookup(&self.index.purposes, NameKind::Purpose, name)
    }

    /// The id of the field named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    #[inline]
    pub fn field(&self, name: &str) -> Result<FieldId, NameError> {
        lookup(&self.index.fields, NameKind::Field, name)
    }

    /// The id of the category named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    pub fn category(&self, name: &str) -> Result<CategoryId, NameError> {
        lookup(&self.index.categories, NameKind::Category, name)
    }

    /// A field, else a category, of that name.
    #[inline(always)]
    pub fn data(&self, name: &str) -> Result<DataRef, NameError> {
        if let Some(field) = self.index.fields.get(name) {
            return Ok(DataRef::Field(field));
        }
        if let Some(category) = self.index.categories.get(name) {
            return Ok(DataRef::Category(category));
        }
        Err(self.missing_data(name))
    }

    #[cold]
    #[inline(never)]
    fn missing_data(&self, name: &str) -> NameError {
        let candidates = self
            .index
            .fields
            .names()
            .chain(self.index.categories.names());
        NameError::new(NameKind::Data, name, candidates)
    }

    /// The id of the region (or region group) named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    #[inline]
    pub fn region(&self, name: &str) -> Result<RegionId, NameError> {
        match self.index.regions.get(name) {
            Some(id) => Ok(id),
            None => Err(self.missing_region(name)),
        }
    }

    #[cold]
    #[inline(never)]
    fn missing_region(&self, name: &str) -> NameError {
        let mut e = missing(&self.index.regions, NameKind::Region, name);
        if e.suggestion.is_none() {
            // `Germany` for `DE`: a region named by its title.
            e.suggestion = self
                .regions
                .iter()
                .find(|r| {
                    r.info
                        .title
                        .as_deref()
                        .is_some_and(|t| t.eq_ignore_ascii_case(name.trim()))
                })
                .map(|r| r.info.name.clone());
        }
        e
    }

    /// The id of the recipient named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    pub fn recipient(&self, name: &str) -> Result<RecipientId, NameError> {
        lookup(&self.index.recipients, NameKind::Recipient, name)
    }

    /// The id of the subject kind named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    pub fn subject_kind(&self, name: &str) -> Result<SubjectKindId, NameError> {
        lookup(&self.index.subject_kinds, NameKind::SubjectKind, name)
    }

    /// The id of the subject attribute named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    #[inline]
    pub fn attribute(&self, name: &str) -> Result<AttributeId, NameError> {
        lookup(&self.index.attributes, NameKind::Attribute, name)
    }

    /// The id of the event named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    pub fn event(&self, name: &str) -> Result<EventId, NameError> {
        lookup(&self.index.events, NameKind::Event, name)
    }

    /// The id of the circumstance named `name`; a [`NameError`] with a suggestion when the
    /// policy declares none.
    pub fn circumstance(&self, name: &str) -> Result<CircumstanceId, NameError> {
        lookup(&self.index.circumstances, NameKind::Circumstance, name)
    }

    /// The circumstances named, all declared by this policy (the first unknown name is the
    /// error, with a suggestion).
    pub fn circumstances_named<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Circumstances, NameError> {
        names
            .into_iter()
            .try_fold(Circumstances::NONE, |set, name| {
                self.circumstance(name).map(|id| set.with(id))
            })
    }
}

/// A recipient kind by name (`processor`, `data_broker` …, [`RecipientKind::ALL`]).
pub fn recipient_kind(name: &str) -> Result<RecipientKind, NameError> {
    RecipientKind::parse(name).ok_or_else(|| {
        NameError::new(
            NameKind::RecipientKind,
            name,
            RecipientKind::ALL.iter().map(|(n, _)| *n),
        )
    })
}

/// `email`, `sms`, `push`, `phone`.
pub fn channel(name: &str) -> Result<crate::model::Channel, NameError> {
    use crate::model::Channel;
    Channel::parse(name).ok_or_else(|| {
        NameError::new(
            NameKind::Channel,
            name,
            Channel::ALL.iter().map(|c| c.name()),
        )
    })
}

/// `sale`, `sharing`, `targeted_advertising`, `profiling`, `marketing`, `limit_sensitive`.
pub fn opt_out_kind(name: &str) -> Result<OptOutKind, NameError> {
    OptOutKind::parse(name).ok_or_else(|| {
        NameError::new(
            NameKind::OptOut,
            name,
            OptOutKind::ALL.iter().map(|k| k.name()),
        )
    })
}
