//! Writing subjects by name into one reusable [`Subject`]: the by-name hot path (a batch, a
//! server, a binding) resolves each name with the policy's name index and writes into
//! buffers it keeps, so a steady stream of subjects allocates nothing.
//!
//! It validates like [`SubjectBuilder`](super::SubjectBuilder) (same errors, same codes),
//! but error messages are built only on a miss.

use jiff::Timestamp;

use crate::model::{AttrValue, AttributeType, Policy, SymbolId};
use crate::subject::{ConsentRecord, Subject};

use super::names::NameError;
use super::subject_input::{AttrInput, SubjectError, SubjectProblem, MAX_AGE};

/// A [`Subject`] written by name, field by field, and cleared for the next one without
/// giving back its memory.
///
/// ```
/// # use lawful::eval::SubjectWriter;
/// # let policy = lawful::compile_str("shop.lawful", r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     field orders.email: user.contact.email
/// #     purpose marketing.direct { uses user.contact.email basis consent in DE }
/// # "#)?.policy;
/// let now = "2025-01-01T00:00:00Z".parse()?;
/// let mut writer = SubjectWriter::new(&policy, now);
/// for consents in [&["marketing.direct"][..], &[]] {
///     writer.clear().region("DE")?.age(34)?;
///     for purpose in consents {
///         writer.consent(purpose, None)?;
///     }
///     let subject = writer.subject();
///     let decision =
///         policy.decide_use_by_name("marketing.direct", "orders.email", subject, None)?;
///     assert_eq!(decision.allowed(), !consents.is_empty());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SubjectWriter<'p> {
    policy: &'p Policy,
    now: Timestamp,
    subject: Subject,
    /// The members' buffers of `set` attributes, by attribute, kept while a slot is empty.
    spare_sets: Vec<Vec<SymbolId>>,
}

impl<'p> SubjectWriter<'p> {
    /// An empty subject of `policy`; `now` bounds every timestamp (none may lie after it).
    pub fn new(policy: &'p Policy, now: Timestamp) -> Self {
        let attributes = policy.attributes().len();
        SubjectWriter {
            policy,
            now,
            subject: Subject {
                attributes: vec![None; attributes],
                ..Subject::new(policy)
            },
            spare_sets: vec![Vec::new(); attributes],
        }
    }

    /// The subject written so far.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Forget everything written (region, age, consents, attributes …), keeping the memory.
    #[inline(always)]
    pub fn clear(&mut self) -> &mut Self {
        // Field by field, in place: every field is named, so a new one cannot be forgotten.
        let Subject {
            region,
            age,
            kind,
            consents,
            target_consents,
            objections,
            opt_outs,
            opt_out_records,
            gpc,
            restricted,
            erasure_requested,
            account_deleted,
            parental_consent,
            attributes,
            stamp: _,
        } = &mut self.subject;
        *region = None;
        *age = None;
        *kind = None;
        consents.clear();
        target_consents.clear();
        objections.clear();
        *opt_outs = 0;
        opt_out_records.clear();
        *gpc = false;
        *restricted = false;
        *erasure_requested = false;
        *account_deleted = false;
        *parental_consent = false;
        for (slot, spare) in attributes.iter_mut().zip(self.spare_sets.iter_mut()) {
            if let Some(AttrValue::Set(members)) = slot.take() {
                *spare = members;
            }
        }
        self
    }

    /// The region of residence, by name.
    #[inline(always)]
    pub fn region(&mut self, name: &str) -> Result<&mut Self, SubjectError> {
        let region = match self.policy.region(name) {
            Ok(region) => region,
            Err(e) => return Err(unknown_at("region", None, "", e)),
        };
        self.subject.region = Some(region);
        Ok(self)
    }

    /// Age in whole years, 0 to [`MAX_AGE`].
    #[inline(always)]
    pub fn age(&mut self, age: i64) -> Result<&mut Self, SubjectError> {
        let valid = u16::try_from(age).ok().filter(|a| i64::from(*a) <= MAX_AGE);
        let Some(age) = valid else {
            return Err(age_out_of_range(age));
        };
        self.subject.age = Some(age);
        Ok(self)
    }

    /// A consent to `purpose` (and its descendants) given at `given_at` (`None`: at a time
    /// not known) and not withdrawn.
    #[inline(always)]
    pub fn consent(
        &mut self,
        purpose: &str,
        given_at: Option<Timestamp>,
    ) -> Result<&mut Self, SubjectError> {
        let index = self.subject.consents.len();
        let id = match self.policy.purpose(purpose) {
            Ok(id) => id,
            Err(e) => return Err(unknown_at("consents", Some(index), ".purpose", e)),
        };
        if let Some(at) = given_at.filter(|at| *at > self.now) {
            return Err(in_future("consents", index, ".given_at", at, self.now));
        }
        self.subject.consents.push(ConsentRecord {
            purpose: id,
            given_at,
            withdrawn_at: None,
            explicit: false,
        });
        Ok(self)
    }

    /// An objection (GDPR Art. 21) to `purpose` and its descendants.
    #[inline(always)]
    pub fn objection(&mut self, purpose: &str) -> Result<&mut Self, SubjectError> {
        let index = self.subject.objections.len();
        let id = match self.policy.purpose(purpose) {
            Ok(id) => id,
            Err(e) => return Err(unknown_at("objections", Some(index), "", e)),
        };
        self.subject.objections.push(id);
        Ok(self)
    }

    /// An opt-out of `kind` (`sale`, `marketing` …) for every channel and campaign, made at
    /// `at` (`None`: at a time not known, in force since forever).
    pub fn opt_out(
        &mut self,
        kind: &str,
        at: Option<Timestamp>,
    ) -> Result<&mut Self, SubjectError> {
        let index = self.subject.opt_out_records.len();
        let kind = super::names::opt_out_kind(kind)
            .map_err(|e| unknown(format!("opt_outs[{index}].kind"), e))?;
        if let Some(at) = at.filter(|at| *at > self.now) {
            return Err(problem(
                format!("opt_outs[{index}].at"),
                SubjectProblem::InFuture { at, now: self.now },
            ));
        }
        match at {
            None => self.subject.opt_out(kind),
            Some(at) => self.subject.add_opt_out(crate::subject::OptOutRecord {
                at: Some(at),
                ..crate::subject::OptOutRecord::new(kind)
            }),
        }
        Ok(self)
    }

    /// A custom attribute, typed against its declaration; the members of a `set` are
    /// written into a buffer this writer keeps. Strings the policy never mentions are kept
    /// as "equal to no literal" (and left out of sets).
    #[inline(always)]
    pub fn attribute(
        &mut self,
        name: &str,
        value: AttrInput<'_>,
    ) -> Result<&mut Self, SubjectError> {
        let id = match self.policy.attribute(name) {
            Ok(id) => id,
            Err(e) => return Err(unknown_at("attributes.", None, name, e)),
        };
        let declared = self
            .policy
            .attributes()
            .get(id.index())
            .map_or(AttributeType::Bool, |a| a.ty);
        let symbols = &self.policy.index.symbols;
        let typed = match (declared, value) {
            (AttributeType::Bool, AttrInput::Bool(b)) => AttrValue::Bool(b),
            (AttributeType::Int, AttrInput::Int(i)) => AttrValue::Int(i),
            (AttributeType::String, AttrInput::Str(s)) => AttrValue::Str(symbols.get(s)),
            (AttributeType::Set, AttrInput::Set(items)) => {
                let mut members = match self.subject.attributes.get_mut(id.index()) {
                    Some(Some(AttrValue::Set(old))) => std::mem::take(old),
                    _ => self
                        .spare_sets
                        .get_mut(id.index())
                        .map(std::mem::take)
                        .unwrap_or_default(),
                };
                members.clear();
                members.extend(items.iter().filter_map(|s| symbols.get(s)));
                AttrValue::Set(members)
            }
            (expected, found) => return Err(wrong_type(name, expected, found.describe())),
        };
        if let Some(slot) = self.subject.attributes.get_mut(id.index()) {
            *slot = Some(typed);
        }
        Ok(self)
    }
}

// The errors are made out of line (`#[cold]`), so the writer's methods stay small.

#[cold]
#[inline(never)]
fn problem(field: String, problem: SubjectProblem) -> SubjectError {
    SubjectError { field, problem }
}

#[cold]
#[inline(never)]
fn unknown(field: String, e: NameError) -> SubjectError {
    problem(field, SubjectProblem::UnknownName(e))
}

/// An unknown name at `list[index]rest` (`consents[2].purpose`), or at `list` alone.
#[cold]
#[inline(never)]
fn unknown_at(list: &str, index: Option<usize>, rest: &str, e: NameError) -> SubjectError {
    let field = match index {
        Some(index) => format!("{list}[{index}]{rest}"),
        None => format!("{list}{rest}"),
    };
    unknown(field, e)
}

#[cold]
#[inline(never)]
fn in_future(list: &str, index: usize, rest: &str, at: Timestamp, now: Timestamp) -> SubjectError {
    problem(
        format!("{list}[{index}]{rest}"),
        SubjectProblem::InFuture { at, now },
    )
}

#[cold]
#[inline(never)]
fn wrong_type(name: &str, expected: AttributeType, found: &'static str) -> SubjectError {
    problem(
        format!("attributes.{name}"),
        SubjectProblem::WrongAttributeType {
            name: name.to_owned(),
            expected: expected.name(),
            found,
        },
    )
}

#[cold]
#[inline(never)]
fn age_out_of_range(age: i64) -> SubjectError {
    problem(
        "age".to_owned(),
        SubjectProblem::AgeOutOfRange(age.to_string()),
    )
}
