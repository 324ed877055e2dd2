//! What the policy states beside its decisions: security measures (GDPR Art. 30(1)(g), Art.
//! 32), recipients' obligations and limits (Art. 28(3)), the terms of rights, and — in the
//! record only — the source each declaration cites (`//>`). Citations never reach the notice.

use std::path::Path;

use crate::model::{Basis, Policy, Recipient, SecurityMeasure};
use crate::source::Span;

use super::doc::{Block, Section, Table, Text};
use super::notice::data_text;
use super::words::{basis_text, or_list, Ctx};

/// "Data we receive from others" (GDPR Art. 14(2)(f)), for the notice.
pub(crate) fn notice_sources(ctx: &Ctx<'_>) -> Option<Section> {
    let sources = ctx.policy.data_sources();
    if sources.is_empty() {
        return None;
    }
    let mut section = Section::new("sources", "Data we receive from others");
    section.para("Some personal data does not come from you but from the sources below:");
    section.block(Block::List(
        sources.iter().map(|s| source_text(ctx, s)).collect(),
    ));
    Some(section)
}

fn source_text(ctx: &Ctx<'_>, source: &crate::model::DataSource) -> Text {
    let mut text = Text::new();
    text.strong(
        source
            .info
            .title
            .clone()
            .unwrap_or_else(|| source.info.name.clone()),
    )
    .text(": ")
    .append(data_text(ctx, &source.categories));
    if let Some(purposes) = &source.purposes {
        let titles: Vec<String> = ctx
            .purpose_summary(purposes)
            .iter()
            .map(|p| ctx.purpose_title(*p))
            .collect();
        text.text(format!(", for {}", titles.join("; ")));
    }
    text.text(format!(", {}.", ctx.where_text(&source.regions)));
    if let Some(docs) = &source.info.docs {
        text.line_break().em(docs.replace('\n', " "));
    }
    text
}

/// "How we protect your data": the security measures, for the notice.
pub(crate) fn notice_security(ctx: &Ctx<'_>) -> Option<Section> {
    let measures = ctx.policy.security_measures();
    if measures.is_empty() {
        return None;
    }
    let mut section = Section::new("security", "How we protect your data");
    section.para("We protect personal data with the following measures:");
    section.block(Block::List(
        measures
            .iter()
            .map(|m| measure_text(ctx, m, false))
            .collect(),
    ));
    Some(section)
}

fn measure_text(ctx: &Ctx<'_>, measure: &SecurityMeasure, record: bool) -> Text {
    let mut text = Text::new();
    text.strong(super::words::upper_first(&super::words::humanize(
        &measure.info.name,
    )))
    .text(": ")
    .text(measure.info.title.clone().unwrap_or_default());
    if let Some(set) = &measure.categories {
        text.text(" — for: ").append(data_text(ctx, set));
    }
    if !measure.recipients.is_empty() {
        let names: Vec<String> = measure
            .recipients
            .iter()
            .filter_map(|r| ctx.policy.recipients.get(r.index()))
            .map(recipient_title)
            .collect();
        text.text(format!(" — binding {}", names.join("; ")));
    }
    if let Some(docs) = &measure.info.docs {
        text.line_break().em(docs.replace('\n', " "));
    }
    if record {
        cite_line(ctx.policy, measure.info.span, &mut text);
    }
    text
}

fn recipient_title(r: &Recipient) -> String {
    r.info.title.clone().unwrap_or_else(|| r.info.name.clone())
}

/// A recipient's obligations and limits, as notes for the notice's recipient table.
pub(crate) fn recipient_notes(ctx: &Ctx<'_>, r: &Recipient, notes: &mut Text) {
    for duty in &r.terms.duties {
        if !notes.is_empty() {
            notes.line_break();
        }
        notes.text(format!("Must: {duty}"));
    }
    for limit in &r.terms.limits {
        if !notes.is_empty() {
            notes.line_break();
        }
        let titles: Vec<String> = ctx
            .purpose_summary(&limit.purposes)
            .iter()
            .map(|p| ctx.purpose_title(*p))
            .collect();
        match &limit.text {
            Some(text) => notes.text(super::words::upper_first(text)),
            None => notes.text(format!("May not use it for: {}", titles.join("; "))),
        };
    }
}

/// The terms of a right, as sentences: "Free of charge." …
pub(crate) fn right_terms(free: bool, only_for: &[Basis], via: Option<&str>) -> Vec<String> {
    let mut terms = Vec::new();
    if free {
        terms.push("Free of charge.".to_owned());
    }
    if !only_for.is_empty() {
        let bases: Vec<String> = only_for.iter().map(|b| basis_text(*b)).collect();
        terms.push(format!(
            "Only for data we process on the basis of {}.",
            or_list(&bases)
        ));
    }
    if let Some(via) = via {
        terms.push(format!("How: {via}."));
    }
    terms
}

/// The record's sections: security measures, recipients' obligations, rights and response
/// times, and the sources cited.
pub(crate) fn record_sections(ctx: &Ctx<'_>) -> Vec<Section> {
    let policy = ctx.policy;
    let mut sections = Vec::new();
    if !policy.data_sources().is_empty() {
        let mut section = Section::new(
            "record-sources-of-data",
            "Personal data not obtained from the data subject (Art. 14(2)(f))",
        );
        section.block(Block::List(
            policy
                .data_sources()
                .iter()
                .map(|s| {
                    let mut text = source_text(ctx, s);
                    text.line_break().code(s.info.name.clone());
                    cite_line(policy, s.info.span, &mut text);
                    text
                })
                .collect(),
        ));
        sections.push(section);
    }
    let mut security = Section::new(
        "record-security",
        "Technical and organisational security measures (Art. 30(1)(g), 32)",
    );
    if policy.security_measures().is_empty() {
        security.para("Not stated in the policy.");
    } else {
        security.block(Block::List(
            policy
                .security_measures()
                .iter()
                .map(|m| measure_text(ctx, m, true))
                .collect(),
        ));
    }
    sections.push(security);

    let bound: Vec<&Recipient> = policy
        .recipients
        .iter()
        .filter(|r| !r.terms.duties.is_empty() || !r.terms.limits.is_empty())
        .collect();
    if !bound.is_empty() {
        let mut section = Section::new(
            "record-recipient-terms",
            "Recipients' obligations and limits (Art. 28(3))",
        );
        let rows = bound
            .into_iter()
            .map(|r| {
                let mut name = Text::new();
                name.text(recipient_title(r))
                    .line_break()
                    .code(r.info.name.clone());
                let duties = Text::lines(r.terms.duties.iter().map(|d| Text::plain(d.as_str())));
                let limits = Text::lines(r.terms.limits.iter().map(|l| {
                    let mut text = Text::new();
                    let names: Vec<String> = ctx
                        .purpose_summary(&l.purposes)
                        .iter()
                        .filter_map(|p| policy.purposes.get(p.index()))
                        .map(|p| p.info.name.clone())
                        .collect();
                    text.text("Never for ").code(names.join(", "));
                    if let Some(t) = &l.text {
                        text.text(format!(": {t}"));
                    }
                    text
                }));
                let mut cites = Text::new();
                cite_line(policy, r.info.span, &mut cites);
                vec![name, duties, limits, cites]
            })
            .collect();
        section.block(Block::Table(Table {
            head: ["Recipient", "Must", "May not", "Source"]
                .map(String::from)
                .to_vec(),
            rows,
            wide: true,
        }));
        sections.push(section);
    }

    if !policy.rights().is_empty() || !policy.responses().is_empty() {
        let mut section = Section::new("record-rights", "Data subjects' rights and response times");
        let mut rows: Vec<Vec<Text>> = policy
            .rights()
            .iter()
            .map(|r| {
                let mut terms = right_terms(r.free, &r.only_for, r.via.as_deref()).join(" ");
                if terms.is_empty() {
                    terms = "—".to_owned();
                }
                let mut cites = Text::new();
                cite_line(policy, r.info.span, &mut cites);
                let mut name = Text::new();
                name.code(r.info.name.clone());
                vec![
                    name,
                    Text::plain(super::words::upper_first(&ctx.where_text(&r.regions))),
                    Text::plain(terms),
                    cites,
                ]
            })
            .collect();
        rows.extend(policy.responses().iter().map(|r| {
            let mut name = Text::new();
            name.code("respond");
            let mut terms = format!("Within {}", r.within_text);
            if let Some((_, extension)) = &r.extension {
                terms.push_str(&format!(", extendable by {extension}"));
            }
            let mut cites = Text::new();
            cite_line(policy, r.info.span, &mut cites);
            vec![
                name,
                Text::plain(super::words::upper_first(&ctx.where_text(&r.regions))),
                Text::plain(terms),
                cites,
            ]
        }));
        section.block(Block::Table(Table {
            head: ["Right", "Where", "Terms", "Source"]
                .map(String::from)
                .to_vec(),
            rows,
            wide: false,
        }));
        sections.push(section);
    }

    let cited: Vec<(Span, &str)> = policy.citations().collect();
    if !cited.is_empty() {
        let mut section = Section::new("record-sources", "Sources cited by the policy");
        section.para(
            "Each declaration with the text of the source it encodes (its citation), for review \
             against the published policy.",
        );
        let rows = cited
            .into_iter()
            .map(|(span, text)| {
                let mut place = Text::new();
                place
                    .code(declaration_line(policy, span))
                    .line_break()
                    .em(location(policy, span));
                vec![place, Text::plain(text.replace('\n', " "))]
            })
            .collect();
        section.block(Block::Table(Table {
            head: ["Declaration", "Source"].map(String::from).to_vec(),
            rows,
            wide: true,
        }));
        sections.push(section);
    }
    sections
}

/// `Source: …` after a record entry, when its declaration cites one.
fn cite_line(policy: &Policy, span: Span, text: &mut Text) {
    if let Some(cite) = policy.citation(span) {
        if !text.is_empty() {
            text.line_break();
        }
        text.em(format!("Source: {}", cite.replace('\n', " ")));
    }
}

/// `file.lawful:12`.
fn location(policy: &Policy, span: Span) -> String {
    let (line, _) = policy.sources.line_col(span);
    let name = policy.sources.name(span.source);
    let file = Path::new(&name)
        .file_name()
        .map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    format!("{file}:{line}")
}

/// The first line of a cited declaration that is not a comment (`purpose x "…" {`).
fn declaration_line(policy: &Policy, span: Span) -> String {
    let text = policy.sources.snippet(span);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("#["))
        .unwrap_or_default();
    let line = line.trim_end_matches('{').trim_end();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", line.get(..cut).unwrap_or(line)),
        None => line.to_owned(),
    }
}
