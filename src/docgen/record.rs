//! The record of processing activities (GDPR Art. 30(1)): one row per declared purpose.

use std::path::Path;

use crate::model::PurposeId;

use super::doc::{Block, Inline, Section, Table, Text};
use super::notice::{
    art9_conditions, bases_text, contacts, data_text, declared_purposes, purpose_anchor,
    recipients_for, retention_for, retention_line,
};
use super::words::{basis_record, recipient_kind_text, safeguard_text, Ctx};

pub(crate) fn sections(ctx: &Ctx<'_>) -> Vec<Section> {
    let mut sections = vec![controller(ctx), activities(ctx)];
    sections.extend(super::duties::record_sections(ctx));
    sections
}

fn controller(ctx: &Ctx<'_>) -> Section {
    let header = &ctx.policy.header;
    let mut section = Section::new("record-controller", "Controller (Art. 30(1)(a))");
    let mut facts = Vec::new();
    if !header.controllers.is_empty() {
        facts.push((
            if header.controllers.len() > 1 {
                "Joint controllers"
            } else {
                "Controller"
            }
            .to_owned(),
            Text::lines(header.controllers.iter().map(|c| Text::plain(c.as_str()))),
        ));
    }
    if !header.contacts.is_empty() {
        facts.push(("Contact".to_owned(), contacts(ctx.policy)));
    }
    let mut version = Vec::new();
    if let Some(v) = &header.version {
        version.push(format!("version {v}"));
    }
    if let Some(d) = header.effective {
        version.push(format!("effective {}", super::date(d)));
    }
    if let Some(d) = header.updated {
        version.push(format!("updated {}", super::date(d)));
    }
    if !version.is_empty() {
        facts.push((
            "Policy".to_owned(),
            Text::plain(super::words::upper_first(&version.join(", "))),
        ));
    }
    section.block(Block::Facts(facts));
    section
}

fn activities(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new(
        "record-activities",
        "Processing activities (Art. 30(1)(b)–(f))",
    );
    section.para(
        "One row per purpose. Transfers list the permitted cross-border flows of the purpose's \
         data; retention lists the periods that apply to it.",
    );
    let rows = declared_purposes(policy)
        .into_iter()
        .map(|id| row(ctx, id))
        .collect();
    section.block(Block::Table(Table {
        head: [
            "Purpose",
            "Legal basis",
            "Data subjects",
            "Personal data",
            "Recipients",
            "Transfers and safeguards",
            "Retention",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        wide: true,
    }));
    section
}

fn row(ctx: &Ctx<'_>, id: PurposeId) -> Vec<Text> {
    let policy = ctx.policy;
    let Some(p) = policy.purposes.get(id.index()) else {
        return Vec::new();
    };
    let (line, _) = policy.sources.line_col(p.info.span);
    let name = policy.sources.name(p.info.span.source);
    let file = Path::new(&name)
        .file_name()
        .map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    let mut purpose = Text::new();
    purpose
        .push(Inline::Link(
            ctx.purpose_title(id),
            format!("#{}", purpose_anchor(policy, id)),
        ))
        .line_break()
        .code(p.info.name.clone())
        .line_break()
        .push(Inline::Em(format!("{file}:{line}")));
    let mut basis = bases_text(ctx, &p.bases, basis_record);
    for art9 in art9_conditions(&p.bases) {
        basis.line_break().text(format!("Art. 9: {art9}"));
    }
    let subjects = match &p.subjects {
        Some(kinds) => Text::plain(
            kinds
                .iter()
                .filter_map(|k| policy.subject_kinds.get(k))
                .map(|k| k.title.clone().unwrap_or_else(|| k.name.clone()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        None if policy.subject_kinds.is_empty() => Text::plain("Users"),
        None => Text::plain("All data subjects"),
    };
    // Art. 30(1)(d) asks for categories of recipients: group them by kind.
    let mut by_kind: Vec<(crate::model::RecipientKind, Vec<String>)> = Vec::new();
    for i in recipients_for(policy, id) {
        let Some(r) = policy.recipients.get(i) else {
            continue;
        };
        let name = r.info.title.clone().unwrap_or_else(|| r.info.name.clone());
        match by_kind.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, names)) => names.push(name),
            None => by_kind.push((r.kind, vec![name])),
        }
    }
    let recipients = Text::lines(by_kind.into_iter().map(|(kind, names)| {
        let mut text = Text::new();
        text.em(format!("{}: ", recipient_kind_text(kind)))
            .text(names.join("; "));
        text
    }));
    let mut transfers: Vec<Text> = policy
        .transfers
        .iter()
        .filter(|t| t.categories.intersects(&p.uses))
        .map(|t| {
            let when = t
                .when
                .as_ref()
                .map(|c| format!(", only where {}", ctx.condition(c)))
                .unwrap_or_default();
            Text::plain(format!(
                "{} → {}: {}{when}",
                ctx.scope_codes(&t.from),
                ctx.scope_codes(&t.to),
                safeguard_text(t.safeguard.map(crate::model::Safeguard::name))
            ))
        })
        .collect();
    transfers.extend(
        policy
            .localizations
            .iter()
            .filter(|l| l.categories.intersects(&p.uses))
            .map(|l| {
                let unless = l
                    .unless
                    .as_ref()
                    .map(|c| format!(", except where {}", ctx.condition(c)))
                    .unwrap_or_default();
                Text::plain(format!(
                    "Localised: stays in {} when collected there{unless}",
                    ctx.scope_codes(&l.within)
                ))
            }),
    );
    if transfers.is_empty() {
        transfers.push(Text::plain("None"));
    }
    let retention: Vec<Text> = retention_for(policy, id, true)
        .into_iter()
        .map(|r| Text::plain(super::words::upper_first(&retention_line(ctx, r, true))))
        .collect();
    vec![
        purpose,
        basis,
        subjects,
        data_text(ctx, &p.uses),
        if recipients.is_empty() {
            Text::plain("None")
        } else {
            recipients
        },
        Text::lines(transfers),
        if retention.is_empty() {
            Text::plain("Not set")
        } else {
            Text::lines(retention)
        },
    ]
}
