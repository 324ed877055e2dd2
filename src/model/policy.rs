//! The compiled policy's tables.

use std::hash::Hasher;

use super::condition::{Cond, OptOutKind};
use super::ids::*;
use super::tests::{CompiledAssertion, CompiledTest};
use super::{Basis, ChildTreatment, IdSet, RecipientKind, UnknownAge};
use crate::source::{SourceMap, Span};

/// Documentation and location of a declaration: read by explanations and tools, never by
/// the evaluator's decision logic.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub name: String,
    pub title: Option<String>,
    pub docs: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Header {
    pub name: Option<String>,
    pub controllers: Vec<String>,
    pub contacts: Vec<String>,
    pub version: Option<String>,
    pub effective: Option<jiff::Timestamp>,
    pub updated: Option<jiff::Timestamp>,
    pub docs: Option<String>,
}

/// A name → id index, used at the API edge to prepare handles and by the by-name API on
/// every call. An open-addressing table whose names sit back to back in one string, so a
/// lookup hashes once ([`NameHasher`]) and compares against nearby bytes instead of
/// chasing a heap pointer per key.
#[derive(Clone)]
pub struct NameIndex<I> {
    /// Linear probing; the length is zero or a power of two at least twice `len`.
    slots: Vec<Option<Slot<I>>>,
    /// Every name, back to back.
    text: String,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Slot<I> {
    hash: u64,
    start: u32,
    end: u32,
    id: I,
}

/// The names and their ids, sorted by name: the table's layout depends on the order the
/// names were added in, which says nothing about the policy.
impl<I: Copy + std::fmt::Debug> std::fmt::Debug for NameIndex<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut entries: Vec<(&str, I)> = self
            .slots
            .iter()
            .flatten()
            .map(|slot| (self.name_of(slot), slot.id))
            .collect();
        entries.sort_unstable_by_key(|&(name, _)| name);
        f.debug_map().entries(entries).finish()
    }
}

impl<I> Default for NameIndex<I> {
    fn default() -> Self {
        NameIndex {
            slots: Vec::new(),
            text: String::new(),
            len: 0,
        }
    }
}

/// Up to eight bytes as one word, from at most three reads.
#[inline]
fn small_word(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32;
    }
    match (bytes.first(), bytes.get(len / 2), bytes.last()) {
        (Some(&a), Some(&b), Some(&c)) => u64::from(a) | u64::from(b) << 8 | u64::from(c) << 16,
        _ => 0,
    }
}

fn name_hash(name: &str) -> u64 {
    let mut hasher = NameHasher::default();
    hasher.write(name.as_bytes());
    hasher.finish()
}

/// One folded multiply per 8-byte word: a few nanoseconds for a short name,
/// where SipHash takes tens. Not keyed, which is safe here: the keys are the policy's own
/// names, so a caller choosing what to look up cannot lengthen the probe sequences.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameHasher {
    hash: u64,
}

impl NameHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    /// A folded multiply (the 128-bit product's halves xored, as in wyhash and foldhash):
    /// every input bit reaches every output bit, so names differing only in their last
    /// characters (`purpose1234`, `purpose1235`) do not crowd one corner of the table.
    #[inline]
    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word) * u128::from(Self::SEED);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for NameHasher {
    /// Eight bytes at a time; the last word overlaps the one before it (or, for a name
    /// shorter than eight bytes, is gathered from two or three reads), so there is no
    /// byte-by-byte tail. The length is mixed in last.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while rest.len() > 8 {
            let Some((word, tail)) = rest.split_first_chunk::<8>() else {
                break;
            };
            self.add(u64::from_le_bytes(*word));
            rest = tail;
        }
        let last = match bytes.last_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => small_word(rest),
        };
        self.add(last);
        self.add(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

impl<I: Copy> NameIndex<I> {
    /// Add a name (a name added again gets the new id).
    pub fn insert(&mut self, name: &str, id: I) {
        let hash = name_hash(name);
        if let Some(at) = self.position(name, hash) {
            if let Some(Some(slot)) = self.slots.get_mut(at) {
                slot.id = id;
            }
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let (Ok(start), Ok(end)) = (
            u32::try_from(self.text.len()),
            u32::try_from(self.text.len() + name.len()),
        ) else {
            return;
        };
        self.text.push_str(name);
        self.place(Slot {
            hash,
            start,
            end,
            id,
        });
        self.len += 1;
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<I> {
        let at = self.position(name, name_hash(name))?;
        self.slots.get(at)?.as_ref().map(|slot| slot.id)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().flatten().map(|slot| self.name_of(slot))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn bytes_of(&self, slot: &Slot<I>) -> Option<&[u8]> {
        self.text
            .as_bytes()
            .get(slot.start as usize..slot.end as usize)
    }

    fn name_of(&self, slot: &Slot<I>) -> &str {
        self.text
            .get(slot.start as usize..slot.end as usize)
            .unwrap_or("")
    }

    /// The slot holding `name`, by linear probing from its hash.
    #[inline]
    fn position(&self, name: &str, hash: u64) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots.get(i)?.as_ref()?;
            if slot.hash == hash && self.bytes_of(slot) == Some(name.as_bytes()) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Put a slot into the first free place of its probe sequence (there always is one).
    fn place(&mut self, new: Slot<I>) {
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return;
        };
        let mut i = new.hash as usize & mask;
        while let Some(Some(_)) = self.slots.get(i) {
            i = (i + 1) & mask;
        }
        if let Some(free) = self.slots.get_mut(i) {
            *free = Some(new);
        }
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![None; capacity]);
        for slot in old.into_iter().flatten() {
            self.place(slot);
        }
    }
}

#[cfg(test)]
impl<I: Copy> NameIndex<I> {
    /// The mean number of slots a lookup of a present name inspects.
    fn mean_probe_length(&self) -> f64 {
        let mask = self.slots.len().saturating_sub(1);
        let total: usize = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let home = slot.as_ref()?.hash as usize & mask;
                Some(i.wrapping_sub(home) & mask)
            })
            .map(|distance| distance + 1)
            .sum();
        total as f64 / self.len.max(1) as f64
    }
}

#[cfg(test)]
mod name_index_tests {
    #![allow(clippy::unwrap_used)]

    use super::NameIndex;

    /// Names that differ only in their last characters, as generated or numbered names
    /// do, spread over the table: a lookup inspects about one slot.
    #[test]
    fn similar_names_do_not_cluster() {
        for names in [
            (0..5000)
                .map(|i| format!("area{}.purpose{i}", i % 20))
                .collect::<Vec<_>>(),
            (0..5000).map(|i| format!("table{i}.column")).collect(),
            (0..5000).map(|i| format!("{i}")).collect(),
            (0..5000)
                .map(|i| format!("data.group{}.item{i}.detail", i % 50))
                .collect(),
        ] {
            let mut index = NameIndex::default();
            for (i, name) in names.iter().enumerate() {
                index.insert(name, i);
            }
            let mean = index.mean_probe_length();
            assert!(mean < 1.6, "{}…: {mean:.2} slots per lookup", names[0]);
        }
    }

    #[test]
    fn names_map_to_ids() {
        let mut index = NameIndex::default();
        assert_eq!(index.get("x"), None);
        let names: Vec<String> = (0..1000).map(|i| format!("purpose.p{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            index.insert(name, i);
        }
        index.insert("purpose.p7", 7000);
        assert_eq!(index.len(), 1000);
        for (i, name) in names.iter().enumerate() {
            let want = if i == 7 { 7000 } else { i };
            assert_eq!(index.get(name), Some(want), "{name}");
        }
        assert_eq!(index.get("purpose.p1000"), None);
        assert_eq!(index.get(""), None);
        let mut listed: Vec<&str> = index.names().collect();
        listed.sort_unstable();
        assert_eq!(listed.len(), 1000);
        assert!(listed.binary_search(&"purpose.p999").is_ok());
    }
}

#[derive(Debug, Clone)]
pub struct Region {
    pub info: Info,
    pub is_group: bool,
    /// Every region this one lies within, itself included.
    pub within: IdSet,
    /// Every region lying within this one, itself included.
    pub inside: IdSet,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub info: Info,
    pub parent: Option<CategoryId>,
    /// Declared explicitly (not only implied by a dotted descendant).
    pub declared: bool,
    /// Self and ancestors, nearest first.
    pub ancestors: Vec<CategoryId>,
    /// Flags, inherited ones included.
    pub flags: IdSet,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub info: Info,
    pub category: CategoryId,
}

/// One `basis` declaration of a purpose.
#[derive(Debug, Clone)]
pub struct BasisDecl {
    /// Tried in order; the first that holds is reported.
    pub alternatives: Vec<Basis>,
    /// Regions it applies in (every region when the declaration has no `in`).
    pub scope: IdSet,
    pub when: Option<Cond>,
    pub art9: Option<String>,
    pub provenance: ProvenanceId,
}

#[derive(Debug, Clone)]
pub struct Purpose {
    pub info: Info,
    pub parent: Option<PurposeId>,
    pub declared: bool,
    /// Self and ancestors, nearest first.
    pub ancestors: Vec<PurposeId>,
    /// Categories it may use (selectors expanded to every covered category).
    pub uses: IdSet,
    pub bases: Vec<BasisDecl>,
    /// Subject kinds it may process; `None` = all.
    pub subjects: Option<IdSet>,
    pub direct_marketing: bool,
    pub survives_restriction: bool,
    pub survives_erasure: bool,
    /// `None`: the policy's children default applies.
    pub children: Option<ChildTreatment>,
    pub taints_prior_data: bool,
    /// The `purpose` declaration; `None` for a purpose only implied by a dotted name.
    pub provenance: Option<ProvenanceId>,
}

#[derive(Debug, Clone)]
pub struct Recipient {
    pub info: Info,
    pub kind: RecipientKind,
    /// Where it sits. Empty when the policy does not say: a disclosure of data that must stay
    /// in its region is then denied (fail closed).
    pub located: Vec<RegionId>,
    /// `located local`: in the subject's own region (a disclosure is no transfer).
    pub located_local: bool,
    pub purposes: IdSet,
    pub categories: IdSet,
    pub sale: bool,
    pub sharing: bool,
    pub conditions: Vec<Cond>,
    pub provenance: ProvenanceId,
}

/// What a `deny` rule forbids.
#[derive(Debug, Clone)]
pub enum RuleAction {
    Use { purposes: IdSet },
    Disclose { recipients: IdSet, purposes: IdSet },
    Sell,
    Share,
    Transfer { from: IdSet, to: IdSet },
}

#[derive(Debug, Clone)]
pub struct Except {
    /// The exception applies when all its parts hold.
    pub when: Option<Cond>,
    pub purposes: Option<IdSet>,
    pub regions: Option<IdSet>,
    pub to_regions: Option<IdSet>,
    pub recipients: Option<IdSet>,
}

#[derive(Debug, Clone)]
pub struct DenyRule {
    pub info: Info,
    pub action: RuleAction,
    pub categories: IdSet,
    /// Query regions it applies in.
    pub regions: IdSet,
    pub when: Option<Cond>,
    pub excepts: Vec<Except>,
    pub provenance: ProvenanceId,
}

#[derive(Debug, Clone)]
pub struct TransferRule {
    pub categories: IdSet,
    pub from: IdSet,
    pub to: IdSet,
    pub safeguard: Option<String>,
    pub provenance: ProvenanceId,
}

#[derive(Debug, Clone)]
pub struct Localization {
    pub categories: IdSet,
    /// Data collected inside `within` must stay inside it.
    pub within: IdSet,
    pub provenance: ProvenanceId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionBound {
    AtLeast,
    AtMost,
}

#[derive(Debug, Clone)]
pub struct RetentionRule {
    pub categories: IdSet,
    /// `None`: applies whatever the purpose.
    pub purposes: Option<IdSet>,
    pub regions: IdSet,
    pub bound: RetentionBound,
    pub period: jiff::Span,
    pub period_text: String,
    pub after: EventId,
    pub provenance: ProvenanceId,
}

/// Age thresholds and what happens to children (docs/semantics.md, step 7).
#[derive(Debug, Clone)]
pub struct Children {
    /// Age below which a subject is a child, per region (most specific declaration wins).
    pub threshold: Vec<Option<u8>>,
    /// The declaration that set each region's threshold.
    pub threshold_provenance: Vec<Option<ProvenanceId>>,
    pub unknown_age: UnknownAge,
    pub default: ChildTreatment,
}

/// What kind of declaration decided something, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceKind {
    Purpose,
    Basis,
    Deny,
    Recipient,
    Transfer,
    Localize,
    Retain,
    Children,
}

#[derive(Debug, Clone)]
pub struct Provenance {
    pub kind: ProvenanceKind,
    /// The rule's name, or for unnamed declarations a short description.
    pub name: String,
    pub docs: Option<String>,
    pub span: Span,
}

/// A checked, compiled policy. Immutable; share it with `Arc` across threads.
///
/// Its parts are read through accessors: no code outside the crate can change a compiled
/// policy (a changed copy would still carry the original's stamp, and decide as if it had
/// been checked). This does not compile:
///
/// ```compile_fail
/// let text = "policy \"P\" { controller \"C\" }\nregion DE \"Germany\"";
/// let mut policy = lawful::compile_str("p.lawful", text).unwrap().policy;
/// policy.rules.clear();
/// ```
///
/// and reading is through methods:
///
/// ```
/// let text = "policy \"P\" { controller \"C\" }\nregion DE \"Germany\"";
/// let policy = lawful::compile_str("p.lawful", text).unwrap().policy;
/// assert_eq!(policy.regions().len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) header: Header,
    pub(crate) sources: SourceMap,
    pub(crate) regions: Vec<Region>,
    pub(crate) categories: Vec<Category>,
    pub(crate) fields: Vec<Field>,
    pub(crate) purposes: Vec<Purpose>,
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) subject_kinds: Vec<Info>,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) events: Vec<Info>,
    pub(crate) flags: Vec<Info>,
    pub(crate) symbols: Vec<String>,
    pub(crate) rules: Vec<DenyRule>,
    pub(crate) transfers: Vec<TransferRule>,
    pub(crate) localizations: Vec<Localization>,
    pub(crate) retention: Vec<RetentionRule>,
    pub(crate) children: Children,
    pub(crate) provenance: Vec<Provenance>,
    pub(crate) rights: Vec<Right>,
    pub(crate) responses: Vec<ResponseTime>,
    pub(crate) tests: Vec<CompiledTest>,
    pub(crate) assertions: Vec<CompiledAssertion>,
    pub(crate) index: Indexes,
    /// Which compilation this is; handles made for the policy carry it.
    pub(crate) stamp: super::PolicyStamp,
}

/// Read-only access to the compiled parts.
impl Policy {
    /// The `policy { … }` header: name, controllers, version, effective date, contact.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The texts the policy was compiled from, for rendering diagnostics and spans.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Every region, by [`RegionId`](super::RegionId).
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Every data category, by [`CategoryId`](super::CategoryId).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Every field, by [`FieldId`](super::FieldId).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Every purpose (declared or implied by a hierarchy), by [`PurposeId`](super::PurposeId).
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }

    /// Every recipient, by [`RecipientId`](super::RecipientId).
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// Every subject kind, by [`SubjectKindId`](super::SubjectKindId).
    pub fn subject_kinds(&self) -> &[Info] {
        &self.subject_kinds
    }

    /// Every declared subject attribute, by [`AttributeId`](super::AttributeId).
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Every retention event, by [`EventId`](super::EventId).
    pub fn events(&self) -> &[Info] {
        &self.events
    }

    /// Every category flag (`special`, `sensitive`, …).
    pub fn flags(&self) -> &[Info] {
        &self.flags
    }

    /// The interned strings conditions compare with.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// The `deny` rules, in declaration order.
    pub fn rules(&self) -> &[DenyRule] {
        &self.rules
    }

    /// The `transfer` permissions.
    pub fn transfers(&self) -> &[TransferRule] {
        &self.transfers
    }

    /// The `localize` rules.
    pub fn localizations(&self) -> &[Localization] {
        &self.localizations
    }

    /// The `retain` rules.
    pub fn retention(&self) -> &[RetentionRule] {
        &self.retention
    }

    /// The children rules: thresholds per region, unknown age, defaults.
    pub fn children(&self) -> &Children {
        &self.children
    }

    /// Where each declaration that can decide came from (see [`Policy::provenance`]).
    pub fn provenances(&self) -> &[Provenance] {
        &self.provenance
    }

    /// The data-subject rights the policy declares.
    pub fn rights(&self) -> &[Right] {
        &self.rights
    }

    /// Response times for rights requests.
    pub fn responses(&self) -> &[ResponseTime] {
        &self.responses
    }

    /// The policy's `test` blocks, compiled.
    pub fn tests(&self) -> &[CompiledTest] {
        &self.tests
    }

    /// The policy's `assert` statements, compiled.
    pub fn assertions(&self) -> &[CompiledAssertion] {
        &self.assertions
    }

    /// The lookup tables built once for the evaluator (read-only).
    pub fn index(&self) -> &Indexes {
        &self.index
    }
}

/// Data-subject rights a policy grants (read by notices, not by decisions).
pub const RIGHTS: &[&str] = &[
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdraw_consent",
    "opt_out",
    "automated_decision",
    "complaint",
    "know",
    "delete",
    "correct",
    "limit_sensitive",
    "non_discrimination",
    "appeal",
    "deceased_user",
    "account_deletion",
    "explanation",
];

/// A right the policy grants, and where.
#[derive(Debug, Clone)]
pub struct Right {
    pub info: Info,
    /// One of [`RIGHTS`].
    pub name: &'static str,
    /// For `opt_out(kind)`.
    pub opt_out: Option<OptOutKind>,
    pub regions: IdSet,
}

/// How fast requests are answered, and by how much that may be extended.
#[derive(Debug, Clone)]
pub struct ResponseTime {
    pub info: Info,
    pub within: jiff::Span,
    pub within_text: String,
    pub extension: Option<(jiff::Span, String)>,
    pub regions: IdSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    Bool,
    Int,
    String,
    Set,
}

impl AttributeType {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => AttributeType::Bool,
            "int" => AttributeType::Int,
            "string" => AttributeType::String,
            "set" => AttributeType::Set,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AttributeType::Bool => "bool",
            AttributeType::Int => "int",
            AttributeType::String => "string",
            AttributeType::Set => "set",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub info: Info,
    pub ty: AttributeType,
}

/// Lookup structures: by-name indexes for the API edge and per-id rule lists for the
/// evaluator, so the cost of a decision does not grow with the number of rules.
#[derive(Debug, Clone, Default)]
pub struct Indexes {
    pub regions: NameIndex<RegionId>,
    pub categories: NameIndex<CategoryId>,
    pub fields: NameIndex<FieldId>,
    pub purposes: NameIndex<PurposeId>,
    pub recipients: NameIndex<RecipientId>,
    pub subject_kinds: NameIndex<SubjectKindId>,
    pub attributes: NameIndex<AttributeId>,
    pub events: NameIndex<EventId>,
    pub symbols: NameIndex<SymbolId>,
    /// Deny rules by purpose × category and by kind of disclosure × category: what the
    /// evaluator walks.
    pub rule_lookup: super::RuleLookup,
    /// Localisation rules covering each category.
    pub localizations_by_category: Vec<Vec<u32>>,
    /// Retention rules covering each category.
    pub retention_by_category: Vec<Vec<u32>>,
    /// For purpose `p` and region `r`, `basis_choice[p * regions + r]` is the range of
    /// `basis_lists` naming the basis declarations (indexes into `Purpose::bases`) at the
    /// most specific scope containing `r`, in declaration order.
    pub basis_choice: Vec<BasisChoice>,
    pub basis_lists: Vec<u32>,
    /// The subject kind queried when a subject gives none (`user`, if declared).
    pub default_subject_kind: Option<SubjectKindId>,
    /// Dense copies of what each decision reads; built last, from the tables above.
    pub decision: super::DecisionTables,
}

/// A range of [`Indexes::basis_lists`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasisChoice {
    pub start: u32,
    pub len: u32,
}

impl Policy {
    /// This policy's identity: unique per compilation in the process, shared by clones.
    /// Handles ([`Query`](crate::eval::Query), [`Subject`](crate::Subject) …) made for the
    /// policy carry it, and deciding with a handle whose stamp differs is an error
    /// ([`QueryError::OtherPolicy`](crate::eval::QueryError::OtherPolicy)).
    pub fn stamp(&self) -> super::PolicyStamp {
        self.stamp
    }

    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    pub fn provenance(&self, id: ProvenanceId) -> Option<&Provenance> {
        self.provenance.get(id.index())
    }

    pub fn purpose_info(&self, id: PurposeId) -> Option<&Purpose> {
        self.purposes.get(id.index())
    }

    pub fn category_info(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(id.index())
    }

    pub fn region_name(&self, id: RegionId) -> &str {
        self.regions
            .get(id.index())
            .map_or("?", |r| r.info.name.as_str())
    }

    pub fn purpose_name(&self, id: PurposeId) -> &str {
        self.purposes
            .get(id.index())
            .map_or("?", |p| p.info.name.as_str())
    }

    pub fn category_name(&self, id: CategoryId) -> &str {
        self.categories
            .get(id.index())
            .map_or("?", |c| c.info.name.as_str())
    }

    pub fn recipient_name(&self, id: RecipientId) -> &str {
        self.recipients
            .get(id.index())
            .map_or("?", |r| r.info.name.as_str())
    }

    pub fn event_name(&self, id: EventId) -> &str {
        self.events.get(id.index()).map_or("?", |e| e.name.as_str())
    }

    /// Whether a subject of this opt-out mask has opted out of `kind`.
    pub fn opted_out(mask: u8, gpc: bool, kind: OptOutKind) -> bool {
        mask & kind.bit() != 0 || (gpc && OptOutKind::GPC_MASK & kind.bit() != 0)
    }
}
