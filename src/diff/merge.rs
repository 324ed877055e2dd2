//! From changed cells to changes: merge the cells of one key into as few rectangles of
//! (categories × regions, × recipients or destinations) as the cells allow, and say each in
//! privacy terms with its simplest example.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::eval::Reason;
use crate::eval::{describe_subject, Question};
use crate::model::{Basis, Policy};

use super::describe::{list, Describer, Regions};
use super::scan::{Absent, Cell, Key, Outcome, RetentionChange, Sample, Seen, Via, Why};
use super::universe::{Side, Universe};
use super::{Change, ChangeKind, Example, ExampleSide, Impact, SideOutcome};

/// Sets of dimension values: `[d0, d1, d2]` as in [`Cell::dims`].
type Sets = [BTreeSet<u32>; 3];

pub(crate) fn merge(u: &Universe<'_>, cells: Vec<Cell>) -> Vec<Change> {
    let describer = Describer::new(u);
    // Per key, the cheapest sample per dims.
    let mut by_key: HashMap<Key, BTreeMap<[u32; 3], Sample>> = HashMap::new();
    for cell in cells {
        let dims = if matches!(cell.key, Key::RuleChanged { .. }) {
            [0; 3]
        } else {
            cell.dims
        };
        let samples = by_key.entry(cell.key).or_default();
        let rank = |s: &Sample| (s.cost(), sample_rank(u, s));
        match samples.get(&dims) {
            Some(existing) if rank(existing) <= rank(&cell.sample) => {}
            _ => {
                samples.insert(dims, cell.sample);
            }
        }
    }
    let mut changes = Vec::new();
    for (key, samples) in by_key {
        for sets in rectangles(samples.keys()) {
            let sample = samples
                .iter()
                .filter(|(dims, _)| sets.iter().zip(dims.iter()).all(|(set, d)| set.contains(d)))
                .min_by_key(|(_, s)| (s.cost(), sample_rank(u, s)))
                .map(|(_, s)| s);
            let Some(sample) = sample else {
                continue;
            };
            changes.push(describe(u, &describer, &key, &sets, sample));
        }
    }
    changes.sort_by(|a, b| {
        (a.impact, family(a.kind), &a.summary).cmp(&(b.impact, family(b.kind), &b.summary))
    });
    changes
}

type Rank = (bool, bool, usize, u32);

/// How much an example is preferred for where it is asked (see `Universe::region_rank`):
/// the query region (a transfer's origin), then a transfer's destination.
fn sample_rank(u: &Universe<'_>, sample: &Sample) -> (Rank, Rank) {
    let worst = (true, true, usize::MAX, u32::MAX);
    let rank = |side: Side, id: Option<crate::model::RegionId>| {
        id.and_then(|r| u.regions.joint(side, r.0))
            .map_or(worst, |r| u.region_rank(r))
    };
    match sample {
        Sample::Retention { region, .. } => (u.region_rank(*region), worst),
        Sample::Decided(seen) => Side::BOTH
            .into_iter()
            .rev()
            .find_map(|side| {
                Some(match seen.questions.get(index(side)).copied().flatten()? {
                    Question::Decide(q) => (rank(side, q.region), worst),
                    Question::Transfer { from, to, .. } => {
                        (rank(side, Some(from)), rank(side, Some(to)))
                    }
                })
            })
            .unwrap_or((worst, worst)),
    }
}

/// Uses first, then disclosures, transfers, retention, rules.
fn family(kind: ChangeKind) -> u8 {
    use ChangeKind::*;
    match kind {
        PurposeAdded | PurposeRemoved | UseAllowed | UseDenied | BasisWeakened
        | BasisStrengthened | BasisChanged => 0,
        RecipientAdded
        | RecipientRemoved
        | DisclosureAllowed
        | DisclosureDenied
        | SaleAdded
        | SaleRemoved
        | SharingAdded
        | SharingRemoved
        | DisclosureTransferAdded
        | DisclosureTransferRemoved
        | DisclosureSafeguardChanged => 1,
        TransferAllowed | TransferDenied | TransferSafeguardChanged => 2,
        RetentionExtended
        | RetentionShortened
        | RetentionChanged
        | MinimumRetentionChanged
        | RetentionLimitRemoved
        | RetentionLimitAdded
        | MinimumRetentionAdded
        | MinimumRetentionExtended
        | MinimumRetentionShortened
        | MinimumRetentionRemoved => 3,
        RuleRenamed | RuleReplaced => 4,
        CombinationAllowed | CombinationDenied => 5,
    }
}

/// Factor cells into products: group by (d1, d2) collecting d0, then by (d0s, d2)
/// collecting d1, then by (d0s, d1s) collecting d2.
fn rectangles<'a>(dims: impl Iterator<Item = &'a [u32; 3]>) -> Vec<Sets> {
    let mut first: BTreeMap<(u32, u32), BTreeSet<u32>> = BTreeMap::new();
    for &[a, b, c] in dims {
        first.entry((b, c)).or_default().insert(a);
    }
    let mut second: BTreeMap<(BTreeSet<u32>, u32), BTreeSet<u32>> = BTreeMap::new();
    for ((b, c), a) in first {
        second.entry((a, c)).or_default().insert(b);
    }
    let mut third: BTreeMap<(BTreeSet<u32>, BTreeSet<u32>), BTreeSet<u32>> = BTreeMap::new();
    for ((a, c), b) in second {
        third.entry((a, b)).or_default().insert(c);
    }
    third.into_iter().map(|((a, b), c)| [a, b, c]).collect()
}

/// How much say the subject has under a basis: the less, the weaker.
fn strength(basis: Basis) -> u8 {
    match basis {
        // Nothing is allowed under it.
        Basis::Unstated => 5,
        Basis::ExplicitConsent => 4,
        Basis::Consent => 3,
        Basis::OptOut(_) | Basis::LegitimateInterest => 2,
        Basis::Contract | Basis::LegalObligation | Basis::VitalInterest | Basis::PublicTask => 1,
    }
}

fn impact(kind: ChangeKind) -> Impact {
    use ChangeKind::*;
    match kind {
        PurposeAdded
        | UseAllowed
        | BasisWeakened
        | RecipientAdded
        | DisclosureAllowed
        | SaleAdded
        | SharingAdded
        | DisclosureTransferAdded
        | TransferAllowed
        | RetentionExtended
        | RetentionLimitRemoved
        | MinimumRetentionAdded
        | MinimumRetentionExtended
        // Longer for some dates: needs review like any widening.
        | RetentionChanged
        | MinimumRetentionChanged
        | CombinationAllowed => Impact::Widened,
        PurposeRemoved
        | UseDenied
        | BasisStrengthened
        | RecipientRemoved
        | DisclosureDenied
        | SaleRemoved
        | SharingRemoved
        | DisclosureTransferRemoved
        | TransferDenied
        | RetentionShortened
        | RetentionLimitAdded
        | MinimumRetentionShortened
        | MinimumRetentionRemoved
        | CombinationDenied => Impact::Narrowed,
        BasisChanged
        | DisclosureSafeguardChanged
        | TransferSafeguardChanged
        | RuleRenamed
        | RuleReplaced => Impact::Neutral,
    }
}

/// The part of a sentence that says for whom (or why), from the denying side's reason.
/// `allowed`: the change allows what this reason denied before.
fn qualifier(why: &Why, allowed: bool) -> String {
    let (before, now) = match why {
        Why::Consent { explicit: false } => (" for subjects without consent", None),
        Why::Consent { explicit: true } => (" for subjects without explicit consent", None),
        Why::OptedOut(kind) => {
            return format!(" for subjects who opted out of `{}`", kind.name());
        }
        Why::Kind(kind) => return format!(" for subjects of kind `{kind}`"),
        Why::Rule(rule) => {
            return if allowed {
                format!(" (previously denied by `{rule}`)")
            } else {
                format!(" (denied by `{rule}`)")
            };
        }
        Why::Reason(Reason::Objected) => (" for subjects who objected", None),
        Why::Reason(Reason::Restricted) => (" for subjects whose processing is restricted", None),
        Why::Reason(Reason::Erased) => (" for subjects who asked for erasure", None),
        Why::Reason(Reason::Child) => (" for children", None),
        Why::Reason(Reason::ParentalConsentMissing) => {
            (" for children without parental consent", None)
        }
        Why::Reason(Reason::NotDeclared) => ("", Some(" (no longer declared)")),
        Why::Reason(Reason::NoLegalBasis) => ("", Some(" (no legal basis there any more)")),
        Why::Reason(Reason::RecipientNotDeclared) => {
            ("", Some(" (the recipient is no longer declared for it)"))
        }
        Why::Reason(Reason::RecipientCondition) => (
            " (the recipient's conditions now hold)",
            Some(" (the recipient's conditions do not hold)"),
        ),
        Why::Reason(Reason::Localized) => (" (no longer localised)", Some(" (localised)")),
        Why::Reason(Reason::TransferForbidden) => (
            " (the transfer is now permitted)",
            Some(" (no transfer rule permits it)"),
        ),
        Why::Reason(Reason::SafeguardUnstated) => (
            " (a safeguard is now stated)",
            Some(" (the policy names no safeguard for it)"),
        ),
        Why::Absent(Absent::Category) => (" (a new category)", Some(" (the category is removed)")),
        Why::Absent(Absent::Region) => (" (a new region)", Some(" (the region is removed)")),
        Why::Absent(Absent::Subject) => (
            " for subjects the old policy cannot describe",
            Some(" for subjects the new policy cannot describe"),
        ),
        Why::Use => (
            ", with the newly allowed use",
            Some(", as the use is no longer allowed"),
        ),
        Why::Absent(Absent::Purpose | Absent::Recipient) | Why::Reason(_) => ("", None),
    };
    if allowed {
        before.to_owned()
    } else {
        now.unwrap_or(before).to_owned()
    }
}

/// The texts a sentence is made of, for one rectangle of one key.
struct Parts {
    categories: String,
    category_names: Vec<String>,
    fields: Vec<String>,
    regions: Regions,
    recipients: Vec<String>,
    to: Option<Regions>,
}

fn parts(
    u: &Universe<'_>,
    d: &Describer<'_, '_>,
    key: &Key,
    sets: &Sets,
    field: Option<u32>,
) -> Parts {
    let [a, b, c] = sets;
    let empty = BTreeSet::new();
    let (categories, regions, recipients, to) = match key {
        Key::DisclosureAllowed { .. }
        | Key::DisclosureDenied { .. }
        | Key::Sale { .. }
        | Key::Sharing { .. }
        | Key::DisclosureTransfer { .. } => (b, c, a, None),
        Key::TransferAllowed { .. }
        | Key::TransferDenied { .. }
        | Key::TransferSafeguard { .. } => (c, b, &empty, Some(a)),
        Key::RuleChanged { .. } | Key::OfField { .. } => (&empty, &empty, &empty, None),
        Key::UseAllowed { .. }
        | Key::UseDenied { .. }
        | Key::Basis { .. }
        | Key::Retention { .. }
        | Key::CombinationAllowed { .. }
        | Key::CombinationDenied { .. } => (a, b, &empty, None),
    };
    let (text, category_names, fields) = match field {
        None => {
            let (text, names) = d.categories(&d.category_members(categories));
            (text, names, Vec::new())
        }
        Some(f) => {
            let name = u.fields.name(f);
            let category = |side: Side| {
                let policy = u.policy(side);
                u.fields
                    .id(side, f)
                    .and_then(|id| policy.fields.get(id as usize))
                    .map_or("?", |field| policy.category_name(field.category))
            };
            let text = format!(
                "field `{name}` (now `{}`, was `{}`)",
                category(Side::New),
                category(Side::Old)
            );
            (text, Vec::new(), vec![name.to_owned()])
        }
    };
    Parts {
        categories: text,
        category_names,
        fields,
        regions: d.regions(&d.region_members(regions)),
        recipients: recipients
            .iter()
            .map(|&q| u.recipients.name(q).to_owned())
            .collect(),
        to: to.map(|t| d.regions(&d.region_members(t))),
    }
}

fn describe(
    u: &Universe<'_>,
    d: &Describer<'_, '_>,
    key: &Key,
    sets: &Sets,
    sample: &Sample,
) -> Change {
    match key {
        Key::OfField { field, key } => describe_data(u, d, key, sets, sample, Some(*field)),
        other => describe_data(u, d, other, sets, sample, None),
    }
}

/// A change about categories, or (`field`) about a remapped field.
fn describe_data(
    u: &Universe<'_>,
    d: &Describer<'_, '_>,
    key: &Key,
    sets: &Sets,
    sample: &Sample,
    field: Option<u32>,
) -> Change {
    let p = parts(u, d, key, sets, field);
    let purpose_name = |purpose: u32| u.purposes.name(purpose).to_owned();
    let recipients = recipient_list(u, &p.recipients, false);
    let cats = &p.categories;
    let regions = &p.regions.in_text;
    let (kind, summary, purpose) = match key {
        // Not nested: a field's change wraps a category change once.
        Key::OfField { key, .. } => return describe_data(u, d, key, sets, sample, field),
        Key::UseAllowed {
            purpose,
            why,
            basis,
        } => {
            let basis =
                basis.map_or_else(String::new, |b| format!(" (on the basis of {})", b.name()));
            let name = purpose_name(*purpose);
            if *why == Why::Absent(Absent::Purpose) {
                (
                    ChangeKind::PurposeAdded,
                    format!("new purpose `{name}` may use {cats} {regions}{basis}"),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::UseAllowed,
                    format!(
                        "newly allows `{name}` on {cats} {regions}{}{basis}",
                        qualifier(why, true)
                    ),
                    Some(*purpose),
                )
            }
        }
        Key::UseDenied { purpose, why } => {
            let name = purpose_name(*purpose);
            if *why == Why::Absent(Absent::Purpose) {
                (
                    ChangeKind::PurposeRemoved,
                    format!("purpose `{name}` is removed: it no longer uses {cats} {regions}"),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::UseDenied,
                    format!(
                        "no longer allows `{name}` on {cats} {regions}{}",
                        qualifier(why, false)
                    ),
                    Some(*purpose),
                )
            }
        }
        Key::Basis { purpose, old, new } => {
            let kind = match strength(*new).cmp(&strength(*old)) {
                std::cmp::Ordering::Less => ChangeKind::BasisWeakened,
                std::cmp::Ordering::Greater => ChangeKind::BasisStrengthened,
                std::cmp::Ordering::Equal => ChangeKind::BasisChanged,
            };
            let name = purpose_name(*purpose);
            let all_uses = purpose_uses(u, *purpose);
            let scope = if p.category_names == all_uses {
                String::new()
            } else {
                format!(" for {cats}")
            };
            (
                kind,
                format!(
                    "legal basis of `{name}`{scope} {regions} changed from {} to {}",
                    old.name(),
                    new.name()
                ),
                Some(*purpose),
            )
        }
        Key::DisclosureAllowed { purpose, why } => {
            let name = purpose_name(*purpose);
            if *why == Why::Absent(Absent::Recipient) {
                let with_kind = recipient_list(u, &p.recipients, true);
                (
                    ChangeKind::RecipientAdded,
                    format!("new recipient {with_kind} receives {cats} for `{name}` {regions}"),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::DisclosureAllowed,
                    format!(
                        "newly discloses {cats} to {recipients} for `{name}` {regions}{}",
                        qualifier(why, true)
                    ),
                    Some(*purpose),
                )
            }
        }
        Key::DisclosureDenied { purpose, why } => {
            let name = purpose_name(*purpose);
            if *why == Why::Absent(Absent::Recipient) {
                (
                    ChangeKind::RecipientRemoved,
                    format!(
                        "recipient {recipients} is removed: it no longer receives {cats} for \
                         `{name}` {regions}"
                    ),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::DisclosureDenied,
                    format!(
                        "no longer discloses {cats} to {recipients} for `{name}` {regions}{}",
                        qualifier(why, false)
                    ),
                    Some(*purpose),
                )
            }
        }
        Key::Sale { purpose, on } => {
            let name = purpose_name(*purpose);
            if *on {
                (
                    ChangeKind::SaleAdded,
                    format!("now sells {cats} to {recipients} for `{name}` {regions}"),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::SaleRemoved,
                    format!("no longer sells {cats} to {recipients} for `{name}` {regions}"),
                    Some(*purpose),
                )
            }
        }
        Key::Sharing { purpose, on } => {
            let name = purpose_name(*purpose);
            if *on {
                (
                    ChangeKind::SharingAdded,
                    format!(
                        "now shares {cats} with {recipients} for cross-context advertising \
                         (`{name}`) {regions}"
                    ),
                    Some(*purpose),
                )
            } else {
                (
                    ChangeKind::SharingRemoved,
                    format!(
                        "no longer shares {cats} with {recipients} for cross-context \
                         advertising (`{name}`) {regions}"
                    ),
                    Some(*purpose),
                )
            }
        }
        Key::DisclosureTransfer { purpose, old, new } => {
            let name = purpose_name(*purpose);
            let lead = format!("disclosing {cats} to {recipients} for `{name}` {regions}");
            let (kind, text) = disclosure_transfer(&lead, old, new);
            (kind, text, Some(*purpose))
        }
        Key::TransferAllowed { safeguard, why } => {
            let to = p.to.as_ref().map_or("?", |t| t.bare.as_str());
            let with = safeguard
                .as_ref()
                .map_or_else(String::new, |s| format!(" with `{s}`"));
            (
                ChangeKind::TransferAllowed,
                format!(
                    "new transfer of {cats} from {} to {to}{with}{}",
                    p.regions.bare,
                    // That no rule permitted it before goes without saying.
                    match why {
                        Why::Reason(Reason::TransferForbidden) => String::new(),
                        other => qualifier(other, true),
                    }
                ),
                None,
            )
        }
        Key::TransferDenied { why } => {
            let to = p.to.as_ref().map_or("?", |t| t.bare.as_str());
            (
                ChangeKind::TransferDenied,
                format!(
                    "no longer transfers {cats} from {} to {to}{}",
                    p.regions.bare,
                    qualifier(why, false)
                ),
                None,
            )
        }
        Key::TransferSafeguard { old, new } => {
            let to = p.to.as_ref().map_or("?", |t| t.bare.as_str());
            (
                ChangeKind::TransferSafeguardChanged,
                format!(
                    "the safeguard for transfers of {cats} from {} to {to} changed from {} to {}",
                    p.regions.bare,
                    safeguard_name(old.as_deref()),
                    safeguard_name(new.as_deref())
                ),
                None,
            )
        }
        Key::Retention {
            purpose,
            event,
            at_least,
            old,
            new,
            change,
        } => {
            let whose = match purpose {
                Some(purpose) => format!("{cats} for `{}` {regions}", purpose_name(*purpose)),
                None => format!("{cats} {regions}"),
            };
            let (kind, text) = retention(&whose, event, *at_least, old, new, *change);
            (kind, text, *purpose)
        }
        Key::CombinationAllowed { purpose, with, why } => (
            ChangeKind::CombinationAllowed,
            format!(
                "newly allows `{}` to combine {cats} with `{}` {regions}{}",
                purpose_name(*purpose),
                u.categories.name(*with),
                qualifier(why, true)
            ),
            Some(*purpose),
        ),
        Key::CombinationDenied { purpose, with, why } => (
            ChangeKind::CombinationDenied,
            format!(
                "no longer allows `{}` to combine {cats} with `{}` {regions}{}",
                purpose_name(*purpose),
                u.categories.name(*with),
                qualifier(why, false)
            ),
            Some(*purpose),
        ),
        Key::RuleChanged { old, new } => {
            let renamed = !rule_exists(u.new, old) && !rule_exists(u.old, new);
            if renamed {
                (
                    ChangeKind::RuleRenamed,
                    format!("deny rule `{old}` is renamed `{new}`"),
                    None,
                )
            } else {
                (
                    ChangeKind::RuleReplaced,
                    format!("what `{old}` denied, `{new}` now denies"),
                    None,
                )
            }
        }
    };
    let (regions, to_regions) = match key {
        Key::RuleChanged { .. } => (Vec::new(), Vec::new()),
        _ => (
            p.regions.names.clone(),
            p.to.as_ref().map(|t| t.names.clone()).unwrap_or_default(),
        ),
    };
    Change {
        impact: impact(kind),
        kind,
        summary,
        purpose: purpose.map(purpose_name),
        recipients: p.recipients,
        categories: p.category_names,
        fields: p.fields,
        regions,
        to_regions,
        example: example(u, sample),
    }
}

fn rule_exists(policy: &Policy, name: &str) -> bool {
    policy.rules.iter().any(|r| r.info.name == name)
}

/// Every category a purpose uses on either side, by name.
fn purpose_uses(u: &Universe<'_>, purpose: u32) -> Vec<String> {
    let mut out = BTreeSet::new();
    for side in Side::BOTH {
        let policy = u.policy(side);
        let Some(p) = u
            .purposes
            .id(side, purpose)
            .and_then(|id| policy.purposes.get(id as usize))
        else {
            continue;
        };
        for c in p.uses.iter() {
            if let Some(joint) = u.categories.joint(side, crate::analysis::space::to_u32(c)) {
                out.insert(joint);
            }
        }
    }
    out.into_iter()
        .map(|c| u.categories.name(c).to_owned())
        .collect()
}

/// "`a`, `b`"; with kinds: "`a` (partner)".
fn recipient_list(u: &Universe<'_>, names: &[String], kinds: bool) -> String {
    let items: Vec<String> = names
        .iter()
        .map(|name| {
            let kind = kinds
                .then(|| {
                    Side::BOTH.into_iter().rev().find_map(|side| {
                        let policy = u.policy(side);
                        let id = u.recipients.lookup(name)?;
                        let q = u.recipients.id(side, id)?;
                        policy.recipients.get(q as usize).map(|r| r.kind.name())
                    })
                })
                .flatten();
            match kind {
                Some(kind) => format!("`{name}` ({kind})"),
                None => format!("`{name}`"),
            }
        })
        .collect();
    list(&items)
}

fn safeguard_name(safeguard: Option<&str>) -> String {
    safeguard.map_or_else(|| "none".to_owned(), |s| format!("`{s}`"))
}

fn via_text(via: &(String, Option<String>)) -> String {
    match &via.1 {
        Some(s) => format!("`{}` with `{s}`", via.0),
        None => format!("`{}`", via.0),
    }
}

fn disclosure_transfer(lead: &str, old: &Via, new: &Via) -> (ChangeKind, String) {
    match (old, new) {
        (None, Some(n)) => (
            ChangeKind::DisclosureTransferAdded,
            format!("{lead} now transfers it to {}", via_text(n)),
        ),
        (Some(o), None) => (
            ChangeKind::DisclosureTransferRemoved,
            format!("{lead} no longer transfers it to {}", via_text(o)),
        ),
        (Some(o), Some(n)) if o.0 != n.0 => (
            ChangeKind::DisclosureTransferAdded,
            format!(
                "{lead} now transfers it to {} instead of {}",
                via_text(n),
                via_text(o)
            ),
        ),
        (Some(o), Some(n)) => (
            ChangeKind::DisclosureSafeguardChanged,
            format!(
                "{lead}: the safeguard for the transfer to `{}` changed from {} to {}",
                o.0,
                safeguard_name(o.1.as_deref()),
                safeguard_name(n.1.as_deref())
            ),
        ),
        (None, None) => (
            ChangeKind::DisclosureSafeguardChanged,
            format!("{lead}: the transfer changed"),
        ),
    }
}

fn retention(
    whose: &str,
    event: &str,
    at_least: bool,
    old: &Option<String>,
    new: &Option<String>,
    change: RetentionChange,
) -> (ChangeKind, String) {
    // "after collected" when every deciding rule runs from one event; else each says its own.
    let after = if event.is_empty() {
        String::new()
    } else {
        format!(" after {event}")
    };
    let verb = match change {
        RetentionChange::Longer => "extended",
        RetentionChange::Shorter => "shortened",
        RetentionChange::Both => "changed",
    };
    let both = if change == RetentionChange::Both {
        " (longer for some dates, shorter for others)"
    } else {
        ""
    };
    match (at_least, old, new) {
        (false, Some(o), Some(n)) => {
            let kind = match change {
                RetentionChange::Longer => ChangeKind::RetentionExtended,
                RetentionChange::Shorter => ChangeKind::RetentionShortened,
                RetentionChange::Both => ChangeKind::RetentionChanged,
            };
            (
                kind,
                format!("retention of {whose} {verb} from at most {o} to at most {n}{after}{both}"),
            )
        }
        (false, Some(o), None) => (
            ChangeKind::RetentionLimitRemoved,
            format!("retention of {whose} is no longer limited (was at most {o}{after})"),
        ),
        (false, None, Some(n)) => (
            ChangeKind::RetentionLimitAdded,
            format!("retention of {whose} is now limited to at most {n}{after}"),
        ),
        (true, Some(o), Some(n)) => {
            let kind = match change {
                RetentionChange::Longer => ChangeKind::MinimumRetentionExtended,
                RetentionChange::Shorter => ChangeKind::MinimumRetentionShortened,
                RetentionChange::Both => ChangeKind::MinimumRetentionChanged,
            };
            (
                kind,
                format!(
                    "minimum retention of {whose} {verb} from at least {o} to at least {n}\
                     {after}{both}"
                ),
            )
        }
        (true, None, Some(n)) => (
            ChangeKind::MinimumRetentionAdded,
            format!("retention of {whose} now has a minimum: at least {n}{after}"),
        ),
        (true, Some(o), None) => (
            ChangeKind::MinimumRetentionRemoved,
            format!("minimum retention of {whose} (at least {o}{after}) is removed"),
        ),
        // No deciding rule on either side, yet a different answer: cannot happen with the
        // evaluator's rules, but named by its direction rather than dropped.
        (_, None, None) => (
            match change {
                RetentionChange::Longer => ChangeKind::RetentionExtended,
                RetentionChange::Shorter => ChangeKind::RetentionShortened,
                RetentionChange::Both => ChangeKind::RetentionChanged,
            },
            format!("retention of {whose} {verb}{after}{both}"),
        ),
    }
}

fn example(u: &Universe<'_>, sample: &Sample) -> Example {
    match sample {
        Sample::Decided(seen) => {
            let Seen {
                subjects,
                questions,
                outcomes,
                ..
            } = &**seen;
            // Described in the new policy's terms where it can ask the question.
            let subject = Side::BOTH.into_iter().rev().find_map(|side| {
                let i = index(side);
                let subject = subjects.get(i)?.as_ref()?;
                Some(describe_subject(u.policy(side), subject))
            });
            let question = Side::BOTH
                .into_iter()
                .rev()
                .find_map(|side| {
                    let q = questions.get(index(side)).copied().flatten()?;
                    Some(q.describe(u.policy(side)))
                })
                .unwrap_or_default();
            let sides = Side::BOTH.map(|side| {
                let outcome = outcomes
                    .get(index(side))
                    .copied()
                    .unwrap_or(Outcome::Absent(Absent::Subject));
                example_side(u, side, &outcome, questions)
            });
            let [old, new] = sides;
            Example {
                subject,
                question,
                old,
                new,
            }
        }
        Sample::Retention {
            category,
            purpose,
            region,
            timeline,
            answers,
        } => {
            let mut question = format!("retention of {}", u.categories.name(*category));
            if let Some(p) = purpose {
                question.push_str(&format!(" for {}", u.purposes.name(*p)));
            }
            question.push_str(&format!(" in {}, {timeline}", u.regions.name(*region)));
            let side = |text: &String| ExampleSide {
                outcome: SideOutcome::Retain,
                reason: None,
                basis: None,
                safeguard: None,
                rule: None,
                obligations: Vec::new(),
                explanation: text.clone(),
            };
            let [old, new] = answers;
            Example {
                subject: None,
                question,
                old: side(old),
                new: side(new),
            }
        }
    }
}

fn index(side: Side) -> usize {
    match side {
        Side::Old => 0,
        Side::New => 1,
    }
}

fn example_side(
    u: &Universe<'_>,
    side: Side,
    outcome: &Outcome,
    questions: &[Option<Question>; 2],
) -> ExampleSide {
    let policy = u.policy(side);
    match outcome {
        Outcome::Decided(d) => ExampleSide {
            outcome: if d.allowed() {
                SideOutcome::Allow
            } else {
                SideOutcome::Deny
            },
            reason: Some(d.reason.code().to_owned()),
            basis: d.basis.map(Basis::name),
            safeguard: d.safeguard(policy).map(str::to_owned),
            rule: d.rule_ref(policy).map(|r| r.name.to_owned()),
            obligations: d.obligations.iter().map(|o| o.describe(policy)).collect(),
            explanation: d.explain(policy),
        },
        Outcome::Absent(absent) => {
            let which = if side == Side::Old { "old" } else { "new" };
            // The other side asked the question: name what this side lacks from it.
            let other = match side {
                Side::Old => Side::New,
                Side::New => Side::Old,
            };
            let asked = questions.get(index(other)).copied().flatten();
            let name = asked
                .map(|q| absent_name(u.policy(other), &q, *absent))
                .unwrap_or_default();
            ExampleSide {
                outcome: SideOutcome::Absent,
                reason: None,
                basis: None,
                safeguard: None,
                rule: None,
                obligations: Vec::new(),
                explanation: format!("the {which} policy does not declare {name}"),
            }
        }
    }
}

fn absent_name(policy: &Policy, question: &Question, absent: Absent) -> String {
    match (absent, question) {
        (Absent::Purpose, Question::Decide(q)) => {
            format!("the purpose `{}`", policy.purpose_name(q.purpose))
        }
        (Absent::Recipient, Question::Decide(q)) => format!(
            "the recipient `{}`",
            q.recipient.map_or("?", |r| policy.recipient_name(r))
        ),
        (Absent::Category, Question::Decide(q)) => format!(
            "the category `{}`",
            crate::analysis::atoms::category_of(policy, q).map_or("?", |c| policy.category_name(c))
        ),
        (Absent::Category, Question::Transfer { category, .. }) => {
            format!("the category `{}`", policy.category_name(*category))
        }
        (Absent::Region, Question::Decide(q)) => format!(
            "the region `{}`",
            q.region.map_or("?", |r| policy.region_name(r))
        ),
        (Absent::Region, Question::Transfer { from, to, .. }) => format!(
            "the region `{}` or `{}`",
            policy.region_name(*from),
            policy.region_name(*to)
        ),
        (Absent::Subject, _) => "the subject's kind or region".to_owned(),
        (Absent::Purpose | Absent::Recipient, Question::Transfer { .. }) => "it".to_owned(),
    }
}
