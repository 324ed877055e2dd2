//! Changes to what a policy states beside its decisions: security measures, response times
//! and the terms of rights, recipients' duties and limits. These decide nothing (a limit's
//! effect on disclosures is already a decision change), so they are compared as statements,
//! matched by name (a measure, a right, a recipient) or by place (a response time).

use serde::Serialize;

use crate::model::{Policy, ResponseTime, Right};

use super::Impact;

/// What kind of statement changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// A security measure is stated that was not (narrowed: more protection).
    SecurityMeasureAdded,
    /// A security measure is no longer stated (widened: review).
    SecurityMeasureRemoved,
    /// A security measure's description or scope changed (neutral).
    SecurityMeasureChanged,
    /// Requests are answered later, or may be extended longer (widened).
    ResponseTimeExtended,
    /// Requests are answered sooner (narrowed).
    ResponseTimeShortened,
    /// A response time is stated that was not, or no longer is.
    ResponseTimeChanged,
    /// A right is granted that was not (narrowed).
    RightAdded,
    /// A right is no longer granted (widened).
    RightRemoved,
    /// The terms of a right changed (`free`, `only for basis …`, `via …`, its regions).
    RightTermsChanged,
    /// A recipient's duty is stated that was not (narrowed).
    RecipientDutyAdded,
    /// A recipient's duty is no longer stated (widened).
    RecipientDutyRemoved,
    /// A recipient's `never for` limit is stated that was not (narrowed).
    RecipientLimitAdded,
    /// A recipient's `never for` limit is no longer stated (widened).
    RecipientLimitRemoved,
    /// A source of data obtained from others is declared that was not (widened: more data).
    DataSourceAdded,
    /// A source of data is no longer declared (narrowed).
    DataSourceRemoved,
    /// What a source provides, for which purposes or where, changed (neutral).
    DataSourceChanged,
}

/// One changed statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementChange {
    /// Whether it protects less (widened), more (narrowed), or neither.
    pub impact: Impact,
    /// What changed.
    pub kind: StatementKind,
    /// One sentence.
    pub summary: String,
}

/// Every changed statement, widened first.
pub(super) fn compare(old: &Policy, new: &Policy) -> Vec<StatementChange> {
    let mut out = Vec::new();
    security(old, new, &mut out);
    responses(old, new, &mut out);
    rights(old, new, &mut out);
    recipients(old, new, &mut out);
    sources(old, new, &mut out);
    out.sort_by(|a, b| (a.impact, a.kind, &a.summary).cmp(&(b.impact, b.kind, &b.summary)));
    out
}

fn push(out: &mut Vec<StatementChange>, impact: Impact, kind: StatementKind, summary: String) {
    out.push(StatementChange {
        impact,
        kind,
        summary,
    });
}

fn security(old: &Policy, new: &Policy, out: &mut Vec<StatementChange>) {
    let described = |p: &Policy, m: &crate::model::SecurityMeasure| {
        let data = m.categories.as_ref().map(|set| {
            set.iter()
                .filter_map(|c| p.categories().get(c))
                .map(|c| c.info.name.clone())
                .collect::<Vec<_>>()
        });
        let recipients: Vec<String> = m
            .recipients
            .iter()
            .map(|r| p.recipient_name(*r).to_owned())
            .collect();
        (m.info.title.clone(), data, recipients)
    };
    for m in old.security_measures() {
        let name = &m.info.name;
        match new.security_measures().iter().find(|n| n.info.name == *name) {
            None => push(
                out,
                Impact::Widened,
                StatementKind::SecurityMeasureRemoved,
                format!("no longer states the security measure `{name}`"),
            ),
            Some(n) if described(old, m) != described(new, n) => push(
                out,
                Impact::Neutral,
                StatementKind::SecurityMeasureChanged,
                format!(
                    "the security measure `{name}` now reads \u{201c}{}\u{201d} (was \u{201c}{}\u{201d})",
                    n.info.title.as_deref().unwrap_or_default(),
                    m.info.title.as_deref().unwrap_or_default()
                ),
            ),
            Some(_) => {}
        }
    }
    for n in new.security_measures() {
        let name = &n.info.name;
        if !old.security_measures().iter().any(|m| m.info.name == *name) {
            push(
                out,
                Impact::Narrowed,
                StatementKind::SecurityMeasureAdded,
                format!("states the security measure `{name}`"),
            );
        }
    }
}

/// The regions of a declaration by name, so two policies' ids compare.
fn region_names(p: &Policy, set: &crate::model::IdSet) -> Vec<String> {
    let mut names: Vec<String> = set
        .iter()
        .filter_map(|r| p.regions().get(r))
        .map(|r| r.info.name.clone())
        .collect();
    names.sort_unstable();
    names
}

fn responses(old: &Policy, new: &Policy, out: &mut Vec<StatementChange>) {
    // A fixed month end, so `1 month` and `30 days` compare as a calendar does.
    let anchor = jiff::civil::date(2024, 1, 31);
    let total = |r: &ResponseTime| -> (jiff::Span, jiff::Span) {
        let ext = r.extension.as_ref().map_or(jiff::Span::new(), |(s, _)| *s);
        (
            r.within,
            r.within.checked_add((ext, anchor)).unwrap_or(r.within),
        )
    };
    let text = |r: &ResponseTime| match &r.extension {
        Some((_, e)) => format!("{} (extendable by {e})", r.within_text),
        None => r.within_text.clone(),
    };
    for o in old.responses() {
        let regions = region_names(old, &o.regions);
        let place = if regions.len() == old.regions().len() {
            "everywhere".to_owned()
        } else {
            format!("in {}", regions.join(", "))
        };
        let Some(n) = new
            .responses()
            .iter()
            .find(|n| region_names(new, &n.regions) == regions)
        else {
            push(
                out,
                Impact::Widened,
                StatementKind::ResponseTimeChanged,
                format!("no longer states a response time {place} (was {})", text(o)),
            );
            continue;
        };
        if text(o) == text(n) {
            continue;
        }
        let (ow, ot) = total(o);
        let (nw, nt) = total(n);
        let cmp = |a: jiff::Span, b: jiff::Span| a.compare((b, anchor)).ok();
        let longer = [cmp(nw, ow), cmp(nt, ot)];
        let (impact, kind) = if longer.contains(&Some(std::cmp::Ordering::Greater)) {
            (Impact::Widened, StatementKind::ResponseTimeExtended)
        } else if longer.contains(&Some(std::cmp::Ordering::Less)) {
            (Impact::Narrowed, StatementKind::ResponseTimeShortened)
        } else {
            (Impact::Neutral, StatementKind::ResponseTimeChanged)
        };
        push(
            out,
            impact,
            kind,
            format!(
                "requests are answered {place} within {} (was {})",
                text(n),
                text(o)
            ),
        );
    }
    for n in new.responses() {
        let regions = region_names(new, &n.regions);
        if !old
            .responses()
            .iter()
            .any(|o| region_names(old, &o.regions) == regions)
        {
            push(
                out,
                Impact::Narrowed,
                StatementKind::ResponseTimeChanged,
                format!("states a response time: within {}", text(n)),
            );
        }
    }
}

fn rights(old: &Policy, new: &Policy, out: &mut Vec<StatementChange>) {
    let terms = |p: &Policy, r: &Right| {
        let bases: Vec<String> = r.only_for.iter().map(|b| b.name()).collect();
        (region_names(p, &r.regions), r.free, bases, r.via.clone())
    };
    for o in old.rights() {
        let name = &o.info.name;
        match new.rights().iter().find(|n| n.info.name == *name) {
            None => push(
                out,
                Impact::Widened,
                StatementKind::RightRemoved,
                format!("no longer grants the right `{name}`"),
            ),
            Some(n) if terms(old, o) != terms(new, n) => {
                // Losing `free`, or gaining an `only for` restriction, gives the subject less;
                // the reverse more; anything else (`via`, regions) neither.
                let less = (o.free && !n.free) || (o.only_for.is_empty() && !n.only_for.is_empty());
                let more = (!o.free && n.free) || (!o.only_for.is_empty() && n.only_for.is_empty());
                let impact = match (less, more) {
                    (true, false) => Impact::Widened,
                    (false, true) => Impact::Narrowed,
                    _ => Impact::Neutral,
                };
                push(
                    out,
                    impact,
                    StatementKind::RightTermsChanged,
                    format!("the terms of the right `{name}` changed"),
                );
            }
            Some(_) => {}
        }
    }
    for n in new.rights() {
        let name = &n.info.name;
        if !old.rights().iter().any(|o| o.info.name == *name) {
            push(
                out,
                Impact::Narrowed,
                StatementKind::RightAdded,
                format!("grants the right `{name}`"),
            );
        }
    }
}

fn recipients(old: &Policy, new: &Policy, out: &mut Vec<StatementChange>) {
    for o in old.recipients() {
        let name = &o.info.name;
        let Some(n) = new.recipients().iter().find(|n| n.info.name == *name) else {
            continue; // A removed recipient is a decision change.
        };
        let limits = |r: &crate::model::Recipient| -> Vec<String> {
            r.terms
                .limits
                .iter()
                .map(|l| l.text.clone().unwrap_or_default())
                .collect()
        };
        for duty in o
            .terms
            .duties
            .iter()
            .filter(|d| !n.terms.duties.contains(d))
        {
            push(
                out,
                Impact::Widened,
                StatementKind::RecipientDutyRemoved,
                format!("`{name}` is no longer bound to \u{201c}{duty}\u{201d}"),
            );
        }
        for duty in n
            .terms
            .duties
            .iter()
            .filter(|d| !o.terms.duties.contains(d))
        {
            push(
                out,
                Impact::Narrowed,
                StatementKind::RecipientDutyAdded,
                format!("`{name}` is bound to \u{201c}{duty}\u{201d}"),
            );
        }
        let (ol, nl) = (limits(o), limits(n));
        for limit in ol.iter().filter(|l| !nl.contains(l)) {
            push(
                out,
                Impact::Widened,
                StatementKind::RecipientLimitRemoved,
                format!("`{name}` is no longer limited: \u{201c}{limit}\u{201d}"),
            );
        }
        for limit in nl.iter().filter(|l| !ol.contains(l)) {
            push(
                out,
                Impact::Narrowed,
                StatementKind::RecipientLimitAdded,
                format!("`{name}` is limited: \u{201c}{limit}\u{201d}"),
            );
        }
    }
}

fn sources(old: &Policy, new: &Policy, out: &mut Vec<StatementChange>) {
    let names = |p: &Policy, set: &crate::model::IdSet, purposes: bool| -> Vec<String> {
        let mut names: Vec<String> = if purposes {
            set.iter()
                .filter_map(|i| p.purposes().get(i))
                .map(|x| x.info.name.clone())
                .collect()
        } else {
            set.iter()
                .filter_map(|i| p.categories().get(i))
                .map(|x| x.info.name.clone())
                .collect()
        };
        names.sort_unstable();
        names
    };
    let described = |p: &Policy, s: &crate::model::DataSource| {
        (
            names(p, &s.categories, false),
            s.purposes.as_ref().map(|set| names(p, set, true)),
            region_names(p, &s.regions),
        )
    };
    for o in old.data_sources() {
        let name = &o.info.name;
        match new.data_sources().iter().find(|n| n.info.name == *name) {
            None => push(
                out,
                Impact::Narrowed,
                StatementKind::DataSourceRemoved,
                format!("no longer receives data from the source `{name}`"),
            ),
            Some(n) if described(old, o) != described(new, n) => push(
                out,
                Impact::Neutral,
                StatementKind::DataSourceChanged,
                format!("what the source `{name}` provides changed"),
            ),
            Some(_) => {}
        }
    }
    for n in new.data_sources() {
        let name = &n.info.name;
        if !old.data_sources().iter().any(|o| o.info.name == *name) {
            push(
                out,
                Impact::Widened,
                StatementKind::DataSourceAdded,
                format!("receives data from the source `{name}`"),
            );
        }
    }
}
