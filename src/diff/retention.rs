//! Retention: how long each side keeps data, as its evaluator answers.
//!
//! For every category class and region class, for no particular purpose and for each
//! purpose a `retain … for` names, both policies are asked [`Policy::decide_retention`] on
//! the same timelines: each event the applicable rules name happening alone, happening after
//! all the others (long before, so their minimums are over), and all of them happening
//! together, at every date of [`anchors`]. Each answer is read twice: at the
//! event (`must_keep` until when?) and, after a minimum, when it ends (deleted by when?).
//! A change is reported when one side must keep data longer or may keep it longer than the
//! other for some anchor; when it is longer for some anchors and shorter for others (`1
//! month` against `30 days`) it is reported as changed both ways, which widens.
//!
//! The diff does no period arithmetic of its own: dates and deciding rules come from the
//! evaluator. The one shortcut is [`Policy::retention_rules_for`], the evaluator's own list
//! of the rules a retention answer reads: two cells whose lists read the same on both sides
//! are asked once, and a cell whose lists are identical on both sides cannot change.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::analysis::space::to_u32;
use crate::eval::{RetentionDecision, RetentionNote, RetentionQuery, Verdict};
use crate::model::{
    CategoryId, Circumstances, Cond, EventId, Policy, Predicate, PurposeId, RegionId,
    RetentionBound,
};

use super::scan::{Key, RetentionChange, Sample};
use super::universe::{Side, Universe};

/// The dates events are anchored on: the 1st and the 28th to 31st of every month, across a
/// leap cycle (2001–2004), a cycle ending in a century year that is not a leap year
/// (2097–2100) and one ending in one that is (2397–2400). Adding a period to a date depends
/// only on whether the day is one a shorter month lacks (the 29th to 31st clamp), on the
/// lengths of the months and years crossed, and on the leap days on the way; these anchors
/// meet every combination a period of up to a century can.
pub(crate) fn anchors() -> Vec<Timestamp> {
    let mut out = Vec::new();
    for first in [2001i16, 2097, 2397] {
        for year in first..first + 4 {
            for month in 1..=12i8 {
                for day in [1i8, 28, 29, 30, 31] {
                    let at = Date::new(year, month, day)
                        .ok()
                        .and_then(|d| d.to_zoned(TimeZone::UTC).ok())
                        .map(|z| z.timestamp());
                    out.extend(at);
                }
            }
        }
    }
    out
}

/// The rules one side's evaluator reads for a cell, as text. Per rule: its kind (`at least`,
/// `at most agreed`, `exempt` …, with ` deidentified` for a rule about de-identified data),
/// its event, its period, its `when` (by circumstance names; empty when it has none).
type Reads = Vec<(String, String, String, String)>;

/// One change found for a cell, without its purpose (see [`Key::Retention`]).
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub key: Key,
    /// The timeline of the example ("collected on 2001-02-01").
    pub timeline: String,
    /// Both answers on it, in words.
    pub answers: [String; 2],
}

/// One side of a cell: its ids and the rules it reads.
struct Cell<'p> {
    policy: &'p Policy,
    category: CategoryId,
    purpose: Option<PurposeId>,
    region: RegionId,
    /// The circumstances the questions give (a `retain … when` reads them).
    circumstances: Circumstances,
    /// Whether the questions say the data is de-identified.
    deidentified: bool,
    /// The period the questions say the subject agreed to.
    agreed: Option<jiff::Span>,
}

/// What one side answers on one timeline.
#[derive(Debug, Clone)]
struct Answer {
    keep: Keep,
    delete: Delete,
    /// The deciding rules, as "3 years after collected" (event apart).
    keep_rule: Option<(String, String)>,
    delete_rule: Option<(String, String)>,
}

/// Must the data be kept after the events, until when?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    No,
    Until(Timestamp),
    /// Until an event that has not happened: the timeline cannot tell this side's periods.
    Awaiting,
    /// As long as a condition holds, with no fixed end (`at least while`).
    Indefinite,
}

/// From when must it be deleted?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delete {
    By(Timestamp),
    /// No deadline; `yet`: the events of the maximums have not happened.
    Never {
        yet: bool,
    },
    /// Still kept (awaiting an event): not known.
    Unknown,
}

impl Keep {
    /// `None`: not comparable.
    fn rank(self) -> Option<(u8, Option<Timestamp>)> {
        match self {
            Keep::No => Some((0, None)),
            Keep::Until(t) => Some((1, Some(t))),
            Keep::Indefinite => Some((2, None)),
            Keep::Awaiting => None,
        }
    }
}

impl Delete {
    fn rank(self) -> Option<(u8, Option<Timestamp>)> {
        match self {
            Delete::By(t) => Some((0, Some(t))),
            Delete::Never { .. } => Some((1, None)),
            Delete::Unknown => None,
        }
    }
}

/// The retention changes of one cell, `None` when one side cannot ask (a name it lacks).
/// `memo` holds the changes of cells already asked, by the rules both sides read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn cell_changes(
    u: &Universe<'_>,
    category: u32,
    region: u32,
    purpose: Option<u32>,
    anchors: &[Timestamp],
    memo: &mut HashMap<[Reads; 2], Vec<Found>>,
    cases: &mut u64,
    incomplete: &mut bool,
) -> Option<Vec<Found>> {
    let cell = |side: Side| -> Option<Cell<'_>> {
        let policy = u.policy(side);
        Some(Cell {
            policy,
            category: CategoryId(u.categories.id(side, category)?),
            purpose: match purpose {
                Some(p) => Some(PurposeId(u.purposes.id(side, p)?)),
                None => None,
            },
            region: RegionId(u.regions.id(side, region)?),
            circumstances: Circumstances::NONE,
            deidentified: false,
            agreed: None,
        })
    };
    let cells = [cell(Side::Old)?, cell(Side::New)?];
    let reads = cells.each_ref().map(reads);
    let [old_reads, new_reads] = &reads;
    if old_reads == new_reads {
        return Some(Vec::new());
    }
    if let Some(found) = memo.get(&reads) {
        return Some(found.clone());
    }
    // Every combination of the circumstances either side's rules test, by name (a side
    // that does not declare one reads nothing of it).
    let mut names: Vec<&str> = Vec::new();
    // Whether either side has a rule for de-identified data, and the periods that can
    // change an agreed maximum's answer: none agreed, each maximum's period or cap on
    // either side (where the agreed period starts or stops deciding), and the longest.
    let mut deidentified = false;
    let mut agreed: Vec<Option<jiff::Span>> = Vec::new();
    for cell in &cells {
        for rule in cell
            .policy
            .retention_rules_for(cell.category, cell.purpose, cell.region)
        {
            if let Some(when) = &rule.when {
                circumstance_names(cell.policy, when, &mut names);
            }
            deidentified |= rule.deidentified;
            if matches!(rule.bound, RetentionBound::AtMostAgreed { .. }) && agreed.is_empty() {
                agreed.push(None);
                agreed.push(Some(
                    jiff::Span::new().years(crate::check::MAX_PERIOD_YEARS),
                ));
            }
        }
    }
    if !agreed.is_empty() {
        for cell in &cells {
            for rule in cell
                .policy
                .retention_rules_for(cell.category, cell.purpose, cell.region)
                .filter(|r| r.bound.is_maximum())
            {
                agreed.push(Some(rule.period));
            }
        }
    } else {
        agreed.push(None);
    }
    let states: &[bool] = if deidentified {
        &[false, true]
    } else {
        &[false]
    };
    if names.len() > MAX_CIRCUMSTANCES_ASKED {
        // Every combination would be too many questions: ask the first ones, and say the
        // diff is incomplete.
        *incomplete = true;
        names.truncate(MAX_CIRCUMSTANCES_ASKED);
    }
    let mut found: Vec<Found> = Vec::new();
    let [old_cell, new_cell] = cells;
    for subset in 0u64..(1u64 << names.len()) {
        let given: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| subset & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect();
        let with = |cell: &Cell<'_>| -> Circumstances {
            given
                .iter()
                .filter_map(|n| cell.policy.index.circumstances.get(n))
                .collect()
        };
        for &deidentified in states {
            for &agreed in &agreed {
                let cells = [
                    Cell {
                        circumstances: with(&old_cell),
                        deidentified,
                        agreed,
                        ..old_cell
                    },
                    Cell {
                        circumstances: with(&new_cell),
                        deidentified,
                        agreed,
                        ..new_cell
                    },
                ];
                for mut f in ask_both(&cells, &reads, anchors, cases) {
                    if found.iter().any(|g| g.key == f.key) {
                        continue;
                    }
                    if !given.is_empty() {
                        f.timeline = format!("{}, given {}", f.timeline, given.join(", "));
                    }
                    if deidentified {
                        f.timeline = format!("{}, de-identified data", f.timeline);
                    }
                    if let Some(period) = agreed {
                        f.timeline = format!("{}, agreed period {period:#}", f.timeline);
                    }
                    found.push(f);
                }
            }
        }
    }
    memo.insert(reads, found.clone());
    Some(found)
}

/// The most circumstances whose every combination one retention cell is asked with; a cell
/// whose rules test more makes the diff incomplete.
const MAX_CIRCUMSTANCES_ASKED: usize = 12;

/// The circumstances a (circumstance-only) condition tests, by name, in order.
fn circumstance_names<'p>(policy: &'p Policy, cond: &Cond, out: &mut Vec<&'p str>) {
    match cond {
        Cond::True | Cond::False => {}
        Cond::Not(inner) | Cond::Known(inner) => circumstance_names(policy, inner, out),
        Cond::And(parts) | Cond::Or(parts) => {
            for part in parts {
                circumstance_names(policy, part, out);
            }
        }
        Cond::Is(Predicate::Circumstance(id)) => {
            let name = policy.circumstance_name(*id);
            if !out.contains(&name) {
                out.push(name);
            }
        }
        Cond::Is(_) => {}
    }
}

/// A circumstance-only condition as text with names, comparable across policies.
fn situation_text(policy: &Policy, cond: &Cond) -> String {
    let list = |parts: &[Cond], op: &str| -> String {
        let texts: Vec<String> = parts.iter().map(|p| situation_text(policy, p)).collect();
        format!("({})", texts.join(op))
    };
    match cond {
        Cond::True => "true".to_owned(),
        Cond::False => "false".to_owned(),
        Cond::Not(inner) => format!("not {}", situation_text(policy, inner)),
        Cond::Known(inner) => format!("known {}", situation_text(policy, inner)),
        Cond::And(parts) => list(parts, " and "),
        Cond::Or(parts) => list(parts, " or "),
        Cond::Is(Predicate::Circumstance(id)) => policy.circumstance_name(*id).to_owned(),
        Cond::Is(other) => format!("{other:?}"),
    }
}

fn reads(cell: &Cell<'_>) -> Reads {
    let mut out: Reads = cell
        .policy
        .retention_rules_for(cell.category, cell.purpose, cell.region)
        .map(|rule| {
            (
                format!(
                    "{}{}",
                    kind_text(rule.bound),
                    if rule.deidentified {
                        " deidentified"
                    } else {
                        ""
                    }
                ),
                cell.policy.event_name(rule.after).to_owned(),
                rule.period_text.clone(),
                rule.when
                    .as_ref()
                    .map(|c| situation_text(cell.policy, c))
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A rule's kind as the language writes it.
fn kind_text(bound: RetentionBound) -> &'static str {
    match bound {
        RetentionBound::AtLeast => "at least",
        RetentionBound::AtMost => "at most",
        RetentionBound::AtLeastWhile => "at least while",
        RetentionBound::AtMostAgreed { capped: true } => "at most agreed up to",
        RetentionBound::AtMostAgreed { capped: false } => "at most agreed",
        RetentionBound::Exempt => "exempt",
        RetentionBound::Unlimited => "without limit",
    }
}

/// What changes between the two sides along one part (minimum or deadline) of one
/// timeline, over every anchor.
#[derive(Default)]
struct Tally {
    longer: Option<(Timestamp, [Answer; 2])>,
    shorter: Option<(Timestamp, [Answer; 2])>,
    /// The deciding rules seen where it changed, per side.
    rules: [BTreeSet<Option<(String, String)>>; 2],
}

fn ask_both(
    cells: &[Cell<'_>; 2],
    reads: &[Reads; 2],
    anchors: &[Timestamp],
    cases: &mut u64,
) -> Vec<Found> {
    // The events either side reads, by name.
    let names: BTreeSet<&str> = reads
        .iter()
        .flatten()
        .map(|(_, event, _, _)| event.as_str())
        .collect();
    let mut timelines: Vec<Timeline<'_>> = Vec::new();
    for name in &names {
        timelines.push(Timeline::Alone(name));
    }
    if names.len() > 1 {
        for name in &names {
            timelines.push(Timeline::AfterOthers(name));
        }
        timelines.push(Timeline::Together);
    }
    let mut out: Vec<Found> = Vec::new();
    for timeline in timelines {
        // Each side's events on the timeline: (event, at the anchor rather than long before).
        let ids = cells.each_ref().map(|cell| {
            names
                .iter()
                .filter_map(|n| {
                    let at_anchor = match timeline {
                        Timeline::Alone(e) => {
                            if e != *n {
                                return None;
                            }
                            true
                        }
                        Timeline::AfterOthers(e) => e == *n,
                        Timeline::Together => true,
                    };
                    Some((cell.policy.index.events.get(n)?, at_anchor))
                })
                .collect::<Vec<(EventId, bool)>>()
        });
        // [minimum, deadline]
        let mut tallies: [Tally; 2] = Default::default();
        for &anchor in anchors {
            let answers = [0, 1].map(|i| {
                let (cell, ids) = (cells.get(i), ids.get(i));
                cell.zip(ids)
                    .and_then(|(cell, ids)| ask(cell, ids, anchor, cases))
            });
            let [Some(old), Some(new)] = answers else {
                continue;
            };
            let parts = [
                (old.keep.rank(), new.keep.rank()),
                (old.delete.rank(), new.delete.rank()),
            ];
            for (part, (a, b)) in parts.into_iter().enumerate() {
                let (Some(a), Some(b), Some(tally)) = (a, b, tallies.get_mut(part)) else {
                    continue;
                };
                if a == b {
                    continue;
                }
                let rule = |answer: &Answer| {
                    if part == 0 {
                        answer.keep_rule.clone()
                    } else {
                        answer.delete_rule.clone()
                    }
                };
                let [old_rules, new_rules] = &mut tally.rules;
                old_rules.insert(rule(&old));
                new_rules.insert(rule(&new));
                let slot = if b > a {
                    &mut tally.longer
                } else {
                    &mut tally.shorter
                };
                if slot.is_none() {
                    *slot = Some((anchor, [old.clone(), new.clone()]));
                }
            }
        }
        // A deadline moved only because a changed minimum now ends after it (the evaluator
        // never makes deletion due before the minimum ends) is that minimum's change.
        let minimum_changed = tallies
            .first()
            .is_some_and(|t| t.longer.is_some() || t.shorter.is_some());
        for (part, tally) in tallies.into_iter().enumerate() {
            let [old_rules, new_rules] = &tally.rules;
            if part == 1 && minimum_changed && old_rules == new_rules {
                continue;
            }
            let change = match (&tally.longer, &tally.shorter) {
                (Some(_), None) => RetentionChange::Longer,
                (None, Some(_)) => RetentionChange::Shorter,
                (Some(_), Some(_)) => RetentionChange::Both,
                (None, None) => continue,
            };
            let Some((anchor, example)) = tally.longer.clone().or(tally.shorter.clone()) else {
                continue;
            };
            let events: BTreeSet<&str> = old_rules
                .iter()
                .chain(new_rules)
                .flatten()
                .map(|(_, e)| e.as_str())
                .filter(|e| !e.is_empty())
                .collect();
            // A rule with no event (`at least while`) next to dated ones: each in full.
            let undated = old_rules
                .iter()
                .chain(new_rules)
                .flatten()
                .any(|(_, e)| e.is_empty());
            // One event: "at most 2 years" → "at most 3 years" after it; else in full.
            let single = (events.len() == 1 && !undated)
                .then(|| events.first().copied())
                .flatten();
            let text = |rules: &BTreeSet<Option<(String, String)>>| -> Option<String> {
                let texts: Vec<String> = rules
                    .iter()
                    .flatten()
                    .map(|(period, event)| match single {
                        Some(_) => period.clone(),
                        None if event.is_empty() => period.clone(),
                        None => format!("{period} after {event}"),
                    })
                    .collect();
                (!texts.is_empty()).then(|| texts.join(" or "))
            };
            let key = Key::Retention {
                purpose: None,
                event: single.unwrap_or_default().to_owned(),
                at_least: part == 0,
                old: text(old_rules),
                new: text(new_rules),
                change,
            };
            if out.iter().any(|f| f.key == key) {
                continue;
            }
            let when = day(anchor);
            let timeline_text = match timeline {
                Timeline::Alone(event) => format!("{event} on {when}"),
                Timeline::AfterOthers(event) => {
                    let others: Vec<&str> = names.iter().copied().filter(|n| *n != event).collect();
                    format!(
                        "{event} on {when}, {} on {}",
                        others.join(", "),
                        day(LONG_BEFORE)
                    )
                }
                Timeline::Together => format!(
                    "{} on {when}",
                    names.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            };
            out.push(Found {
                key,
                timeline: timeline_text,
                answers: example.each_ref().map(describe),
            });
        }
    }
    out
}

/// The events of a timeline, each happening at the anchor; an event missing has not
/// happened yet.
#[derive(Debug, Clone, Copy)]
enum Timeline<'a> {
    /// Only this event has happened: the others' periods have not started.
    Alone(&'a str),
    /// This event, the others [`LONG_BEFORE`]: their minimums are over.
    AfterOthers(&'a str),
    /// Every event at once.
    Together,
}

/// `1900-01-01`: when the other events of [`Timeline::AfterOthers`] happened.
const LONG_BEFORE: Timestamp = Timestamp::constant(-2_208_988_800, 0);

/// One side's answer on a timeline: at the events, and (after a minimum) when it ends.
fn ask(
    cell: &Cell<'_>,
    events: &[(EventId, bool)],
    at: Timestamp,
    cases: &mut u64,
) -> Option<Answer> {
    let timeline: Vec<(EventId, Timestamp)> = events
        .iter()
        .map(|&(e, at_anchor)| (e, if at_anchor { at } else { LONG_BEFORE }))
        .collect();
    let mut decide = |now: Timestamp| -> Option<RetentionDecision> {
        *cases += 1;
        cell.policy
            .decide_retention(&RetentionQuery {
                purpose: cell.purpose,
                events: &timeline,
                circumstances: cell.circumstances,
                deidentified: cell.deidentified,
                agreed_period: cell.agreed,
                ..RetentionQuery::new(cell.policy, cell.category, cell.region, now)
            })
            .ok()
    };
    let first = decide(at)?;
    let (keep, then) = match (first.verdict, first.date) {
        (Verdict::MustKeep, Some(until)) => (Keep::Until(until), decide(until)?),
        (Verdict::MustKeep, None) if first.note == RetentionNote::KeptWhile => {
            (Keep::Indefinite, first)
        }
        (Verdict::MustKeep, None) => (Keep::Awaiting, first),
        _ => (Keep::No, first),
    };
    let delete = match (then.verdict, then.date) {
        (Verdict::MustKeep, _) => Delete::Unknown,
        (_, Some(date)) => Delete::By(date),
        (_, None) => Delete::Never {
            yet: then.note == RetentionNote::NoDeadlineYet,
        },
    };
    let rule = |decision: &RetentionDecision| -> Option<(String, String)> {
        let rule = cell
            .policy
            .retention
            .iter()
            .find(|r| Some(r.provenance) == decision.rule)?;
        let period = match rule.bound {
            RetentionBound::AtLeast | RetentionBound::AtMost => rule.period_text.clone(),
            // The renderer says "at least" / "at most" before it.
            RetentionBound::AtMostAgreed { capped: true } => {
                format!("the agreed period, up to {}", rule.period_text)
            }
            RetentionBound::AtMostAgreed { capped: false } => "the agreed period".to_owned(),
            // No period, no event to count from.
            RetentionBound::AtLeastWhile => {
                let when = rule.when.as_ref().map(|c| situation_text(cell.policy, c));
                return Some((format!("while {}", when.unwrap_or_default()), String::new()));
            }
            other => return Some((kind_text(other).to_owned(), String::new())),
        };
        Some((period, cell.policy.event_name(rule.after).to_owned()))
    };
    Some(Answer {
        keep,
        delete,
        keep_rule: (keep != Keep::No).then(|| rule(&first)).flatten(),
        delete_rule: matches!(delete, Delete::By(_))
            .then(|| rule(&then))
            .flatten(),
    })
}

/// "must keep until 2002-01-01 (at least 1 year after transaction_completed), then delete
/// by 2004-01-01 (at most 3 years after collected)".
fn describe(answer: &Answer) -> String {
    let why = |rule: &Option<(String, String)>, word: &str| match rule {
        Some((period, event)) if event.is_empty() => format!(" ({word} {period})"),
        Some((period, event)) => format!(" ({word} {period} after {event})"),
        None => String::new(),
    };
    let keep = match answer.keep {
        Keep::No => None,
        Keep::Until(t) => Some(format!(
            "must keep until {}{}",
            day(t),
            why(&answer.keep_rule, "at least")
        )),
        Keep::Awaiting => Some(format!(
            "must keep until an event to come{}",
            why(&answer.keep_rule, "at least")
        )),
        Keep::Indefinite => Some(format!(
            "must keep with no fixed end{}",
            why(&answer.keep_rule, "at least")
        )),
    };
    let delete = match answer.delete {
        Delete::By(t) => Some(format!(
            "delete by {}{}",
            day(t),
            why(&answer.delete_rule, "at most")
        )),
        Delete::Never { yet: true } => Some("no deadline yet".to_owned()),
        Delete::Never { yet: false } => Some("no deadline".to_owned()),
        Delete::Unknown => None,
    };
    match (keep, delete) {
        (Some(k), Some(d)) => format!("{k}, then {d}"),
        (Some(k), None) => k,
        (None, Some(d)) => d,
        (None, None) => "no retention rule".to_owned(),
    }
}

/// "2001-02-01".
fn day(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC).date().to_string()
}

/// The changes of every cell, in `[category class, region class, 0]` cells.
/// Retention changes into `cells`; `true` when every combination of circumstances was asked.
pub(crate) fn scan(u: &Universe<'_>, cells: &mut Vec<super::scan::Cell>, cases: &mut u64) -> bool {
    let mut incomplete = false;
    // Purposes a `retain … for` names: elsewhere a purpose's answers are the general ones.
    let mut named: Vec<u32> = Vec::new();
    for side in Side::BOTH {
        let policy = u.policy(side);
        for rule in &policy.retention {
            for p in rule.purposes.iter().flat_map(|set| set.iter()) {
                if let Some(joint) = u.purposes.joint(side, to_u32(p)) {
                    named.push(joint);
                }
            }
        }
    }
    named.sort_unstable();
    named.dedup();
    let anchors = anchors();
    let mut memo = HashMap::new();
    for (cc, &category) in u.category_reps.iter().enumerate() {
        for &region in &u.region_reps {
            let general = cell_changes(
                u,
                category,
                region,
                None,
                &anchors,
                &mut memo,
                cases,
                &mut incomplete,
            );
            let Some(general) = general else {
                continue;
            };
            let mut found: HashMap<Key, Sample> = HashMap::new();
            for f in &general {
                found
                    .entry(f.key.clone())
                    .or_insert_with(|| Sample::Retention {
                        category,
                        purpose: None,
                        region,
                        timeline: f.timeline.clone(),
                        answers: f.answers.clone(),
                    });
            }
            for &purpose in &named {
                let changes = cell_changes(
                    u,
                    category,
                    region,
                    Some(purpose),
                    &anchors,
                    &mut memo,
                    cases,
                    &mut incomplete,
                );
                for f in changes.into_iter().flatten() {
                    // The same change as for every purpose is reported once, without one.
                    if general.iter().any(|g| g.key == f.key) {
                        continue;
                    }
                    let key = match f.key {
                        Key::Retention {
                            event,
                            at_least,
                            old,
                            new,
                            change,
                            ..
                        } => Key::Retention {
                            purpose: Some(purpose),
                            event,
                            at_least,
                            old,
                            new,
                            change,
                        },
                        other => other,
                    };
                    found.entry(key).or_insert_with(|| Sample::Retention {
                        category,
                        purpose: Some(purpose),
                        region,
                        timeline: f.timeline,
                        answers: f.answers,
                    });
                }
            }
            let dims = [to_u32(cc), u.region_class(region), 0];
            cells.extend(found.into_iter().map(|(key, sample)| super::scan::Cell {
                key,
                dims,
                sample,
            }));
        }
    }
    !incomplete
}
