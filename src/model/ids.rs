//! Dense ids. Every name in a policy becomes a `u32` index into its table at compile time;
//! the evaluator never sees a string.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the policy's table of this kind.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// Ids are assigned by the checker from table lengths, which fit in `u32`
            /// (files are capped at 64 MiB, so a table can't reach 2^32 entries).
            #[inline]
            #[allow(dead_code)] // generated for every id type; not all are built from indexes
            pub(crate) fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
        }
    )*};
}

id_type! {
    /// A region or region group (`DE`, `EU`).
    RegionId,
    /// A data category (`user.contact.email`).
    CategoryId,
    /// A field of a record (`orders.email`).
    FieldId,
    /// A purpose (`marketing.direct`), declared or implied by a dotted name.
    PurposeId,
    /// A recipient of disclosures.
    RecipientId,
    /// A kind of data subject (`customer`, `employee` …).
    SubjectKindId,
    /// A subject attribute the policy declares.
    AttributeId,
    /// An event retention periods run from (`collected` …).
    EventId,
    /// A category flag (`special`, `sensitive`, or one the policy declares).
    FlagId,
    /// A circumstance: a declared fact about the situation of a question
    /// (`legal_claims_brought`), given per question.
    CircumstanceId,
    /// A `deny` rule.
    RuleId,
    /// Where a decision's deciding rule came from (a basis declaration, a deny rule, a
    /// recipient, a transfer or retention rule …); see [`crate::model::Provenance`].
    ProvenanceId,
    /// An interned string value of a subject attribute (`"gold"`).
    SymbolId,
}

/// The data item a question names: a concrete field or a category (also
/// `lawful::eval::DataRef`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRef {
    /// A field of a record (`orders.email`); decided by its category.
    Field(FieldId),
    /// A data category (`user.contact.email`).
    Category(CategoryId),
}
