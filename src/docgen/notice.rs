//! The privacy notice: what is collected, why and on which basis, who receives it, where it
//! goes, how long it is kept, the reader's rights, and children.

use crate::model::{
    BasisDecl, CategoryId, CircumstanceId, IdSet, Policy, PurposeId, RegionId, RetentionRule,
    UnknownAge,
};

use super::doc::{Block, Inline, Section, Table, Text};
use super::rights::{
    objection_exceptions, on_legitimate_interest, rights_from, RightEntry, RightKind,
};
use super::words::{
    art9_text, basis_text, child_treatment_text, duration_text, or_list, recipient_kind_text,
    safeguard_text, upper_first, Ctx, Scope,
};

/// Examples listed per category before "and N more".
const MAX_EXAMPLES: usize = 8;

pub(crate) fn sections(ctx: &Ctx<'_>) -> Vec<Section> {
    let mut sections = vec![who_we_are(ctx), what_we_collect(ctx)];
    sections.extend(super::duties::notice_sources(ctx));
    sections.push(why_we_use_it(ctx));
    sections.extend(super::other::section(ctx));
    sections.extend(super::linkage::kept_apart(ctx));
    sections.extend([recipients(ctx), transfers(ctx), retention(ctx)]);
    sections.extend(super::duties::notice_security(ctx));
    sections.extend([your_rights(ctx), children(ctx)]);
    sections
}

/// Declared purposes, in declaration order.
pub(crate) fn declared_purposes(policy: &Policy) -> Vec<PurposeId> {
    policy
        .purposes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.declared)
        .map(|(i, _)| PurposeId(u32::try_from(i).unwrap_or(u32::MAX)))
        .collect()
}

fn mailto(contact: &str) -> Inline {
    if contact.contains('@') && !contact.contains(' ') {
        Inline::Link(contact.to_owned(), format!("mailto:{contact}"))
    } else {
        Inline::Plain(contact.to_owned())
    }
}

/// The contacts of the policy, linked.
pub(crate) fn contacts(policy: &Policy) -> Text {
    let mut text = Text::new();
    for (i, contact) in policy.header.contacts.iter().enumerate() {
        if i > 0 {
            text.text(if i + 1 == policy.header.contacts.len() {
                " or "
            } else {
                ", "
            });
        }
        text.push(mailto(contact));
    }
    text
}

fn who_we_are(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let header = &policy.header;
    let mut section = Section::new("who-we-are", "Who we are");
    match header.controllers.as_slice() {
        [] => {}
        [one] => {
            section.para(format!(
                "{one} is responsible for the processing described here (the controller)."
            ));
        }
        many => {
            section.para("The following companies are jointly responsible for the processing described here (the controllers):");
            section.block(Block::List(
                many.iter().map(|c| Text::plain(c.as_str())).collect(),
            ));
        }
    }
    if !header.contacts.is_empty() {
        let mut text = Text::plain("You can reach us about this notice and your data at ");
        text.append(contacts(policy)).text(".");
        section.para(text);
    }
    let kinds: Vec<Text> = policy
        .subject_kinds
        .iter()
        .map(|k| {
            let mut text = Text::new();
            text.strong(
                k.title
                    .clone()
                    .unwrap_or_else(|| super::words::humanize(&k.name)),
            );
            if let Some(docs) = &k.docs {
                text.text(" — ").text(docs.replace('\n', " "));
            }
            text
        })
        .collect();
    if !kinds.is_empty() {
        section.para("This notice concerns the following people:");
        section.block(Block::List(kinds));
    }
    section
}

/// The categories the policy's purposes name (purposes that may use everything are left
/// out, unless every purpose does).
pub(crate) fn collected(ctx: &Ctx<'_>) -> IdSet {
    let policy = ctx.policy;
    let mut set = IdSet::new(policy.categories.len());
    let mut any = false;
    for p in policy.purposes.iter().filter(|p| p.declared) {
        if !ctx.all_categories(&p.uses) {
            set.union_with(&p.uses);
            any = true;
        }
    }
    if !any {
        for p in &policy.purposes {
            set.union_with(&p.uses);
        }
    }
    set
}

fn what_we_collect(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("what-we-collect", "What we collect");
    let set = collected(ctx);
    let summary = ctx.category_summary(&set);
    if summary.is_empty() {
        section.para("This policy declares no processing of personal data.");
        return section;
    }
    section.para(
        "We process the following categories of personal data. Where we store an item \
         under its own name, it is listed as an example.",
    );
    let mut rows = Vec::new();
    for id in summary {
        let mut data = Text::new();
        data.strong(ctx.category_title(id))
            .line_break()
            .code(ctx.category_name(id));
        let mut details = Text::new();
        let parts: Vec<String> = children_in(ctx, id, &set)
            .iter()
            .map(|c| ctx.category_title(*c))
            .collect();
        if !parts.is_empty() {
            details.text(format!("Includes: {}", capped(&parts, "; ")));
        } else if let Some(docs) = policy
            .categories
            .get(id.index())
            .and_then(|c| c.info.docs.as_deref())
        {
            details.text(docs.replace('\n', " "));
        }
        let examples = field_examples(ctx, id);
        if !examples.is_empty() {
            if !details.is_empty() {
                details.line_break();
            }
            details.em("Stored as: ").text(capped(&examples, "; "));
        }
        rows.push(vec![data, details, flag_tags(ctx, id)]);
    }
    section.block(Block::Table(Table {
        head: vec!["Data".into(), "Details".into(), "Notes".into()],
        rows,
        wide: false,
    }));
    if policy
        .purposes
        .iter()
        .any(|p| p.declared && ctx.all_categories(&p.uses))
    {
        section.block(Block::Small(Text::plain(
            "Some purposes (such as legal claims) may involve any personal data we hold; they are \
             marked “all personal data” below.",
        )));
    }
    section
}

fn capped(items: &[String], separator: &str) -> String {
    let shown: Vec<String> = items.iter().take(MAX_EXAMPLES).cloned().collect();
    let mut text = shown.join(separator);
    if items.len() > MAX_EXAMPLES {
        text.push_str(&format!(
            "{separator}and {} more",
            items.len() - MAX_EXAMPLES
        ));
    }
    text
}

/// The direct children of `id` that are in `set`.
fn children_in(ctx: &Ctx<'_>, id: CategoryId, set: &IdSet) -> Vec<CategoryId> {
    ctx.policy
        .categories
        .iter()
        .enumerate()
        .filter(|(i, c)| c.parent == Some(id) && set.contains(*i))
        .map(|(i, _)| CategoryId(u32::try_from(i).unwrap_or(u32::MAX)))
        .collect()
}

/// Titles of the fields stored under `id` or below it.
fn field_examples(ctx: &Ctx<'_>, id: CategoryId) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for field in &ctx.policy.fields {
        let under = ctx
            .policy
            .categories
            .get(field.category.index())
            .is_some_and(|c| c.ancestors.contains(&id));
        if under {
            let title = field
                .info
                .title
                .clone()
                .unwrap_or_else(|| field.info.name.clone());
            if !out.contains(&title) {
                out.push(title);
            }
        }
    }
    out
}

pub(crate) fn flag_tags(ctx: &Ctx<'_>, id: CategoryId) -> Text {
    let (special, sensitive) = ctx.category_flags(id);
    let mut text = Text::new();
    if special {
        text.tag("Special category (GDPR Art. 9)");
    }
    if sensitive {
        if special {
            text.text(" ");
        }
        text.tag("Sensitive (US state law)");
    }
    text
}

/// "All personal data" or the titles of the categories.
pub(crate) fn data_text(ctx: &Ctx<'_>, set: &IdSet) -> Text {
    if ctx.all_categories(set) {
        return Text::plain("All personal data");
    }
    let titles: Vec<String> = ctx
        .category_summary(set)
        .iter()
        .map(|c| ctx.category_title(*c))
        .collect();
    if titles.is_empty() {
        return Text::plain("None");
    }
    Text::plain(titles.join("; "))
}

/// Basis declarations grouped by scope, widest first: (scope, declarations).
pub(crate) fn basis_groups(decls: &[BasisDecl]) -> Vec<(&IdSet, Vec<&BasisDecl>)> {
    let mut groups: Vec<(&IdSet, Vec<&BasisDecl>)> = Vec::new();
    for decl in decls {
        match groups.iter_mut().find(|(scope, _)| **scope == decl.scope) {
            Some((_, list)) => list.push(decl),
            None => groups.push((&decl.scope, vec![decl])),
        }
    }
    groups.sort_by_key(|(scope, _)| std::cmp::Reverse(scope.count()));
    groups
}

/// A label for a basis group: "In the European Union", "Everywhere", "Elsewhere".
pub(crate) fn scope_label(ctx: &Ctx<'_>, scope: &IdSet, groups: usize) -> String {
    match ctx.scope(scope) {
        Scope::Everywhere if groups > 1 => "Elsewhere".to_owned(),
        _ => upper_first(&ctx.where_text(scope)),
    }
}

fn basis_line(
    ctx: &Ctx<'_>,
    decls: &[&BasisDecl],
    words: fn(crate::model::Basis) -> String,
) -> String {
    let parts: Vec<String> = decls
        .iter()
        .map(|decl| {
            let names: Vec<String> = decl.alternatives.iter().map(|b| words(*b)).collect();
            let mut text = or_list(&names);
            if let Some(when) = &decl.when {
                text.push_str(&format!(" (when {})", ctx.condition(when)));
            }
            text
        })
        .collect();
    parts.join("; otherwise ")
}

/// The legal bases of a purpose, one line per scope.
pub(crate) fn bases_text(
    ctx: &Ctx<'_>,
    decls: &[BasisDecl],
    words: fn(crate::model::Basis) -> String,
) -> Text {
    if decls.is_empty() {
        return Text::plain("None declared: the purpose is not carried out");
    }
    let groups = basis_groups(decls);
    let count = groups.len();
    let lines = groups.into_iter().map(|(scope, list)| {
        let line = basis_line(ctx, &list, words);
        let mut text = Text::new();
        if count > 1 || ctx.scope(scope) != Scope::Everywhere {
            text.em(format!("{}: ", scope_label(ctx, scope, count)));
        }
        text.text(if count == 1 && ctx.scope(scope) == Scope::Everywhere {
            upper_first(&line)
        } else {
            line
        });
        text
    });
    Text::lines(lines)
}

/// Art. 9(2) conditions named by a purpose's bases.
pub(crate) fn art9_conditions(decls: &[BasisDecl]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for decl in decls {
        if let Some(art9) = &decl.art9 {
            let text = art9_text(art9);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// Recipients that may receive data for `purpose`.
pub(crate) fn recipients_for(policy: &Policy, purpose: PurposeId) -> Vec<usize> {
    policy
        .recipients
        .iter()
        .enumerate()
        .filter(|(_, r)| r.purposes.contains(purpose.index()))
        .map(|(i, _)| i)
        .collect()
}

/// A recipient of every category for every purpose (group companies, processors …):
/// listed once, not under each purpose.
fn is_general_recipient(ctx: &Ctx<'_>, index: usize) -> bool {
    ctx.policy.recipients.get(index).is_some_and(|r| {
        r.purposes.count() >= ctx.policy.purposes.len() && ctx.all_categories(&r.categories)
    })
}

/// Retention rules about `purpose`'s data: those naming the purpose, and (when `general`)
/// those for any purpose.
pub(crate) fn retention_for(
    policy: &Policy,
    purpose: PurposeId,
    general: bool,
) -> Vec<&RetentionRule> {
    let Some(p) = policy.purposes.get(purpose.index()) else {
        return Vec::new();
    };
    policy
        .retention
        .iter()
        .filter(|r| r.categories.intersects(&p.uses))
        .filter(|r| match &r.purposes {
            Some(set) => set.contains(purpose.index()),
            None => general,
        })
        .collect()
}

fn why_we_use_it(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("why-we-use-it", "Why we use it, and on which legal basis");
    section.para(
        "We use personal data only for the purposes below, each on the legal basis shown. \
         Where the basis differs by region, the most specific region that applies to you decides.",
    );
    // Families: the top-level purpose of each declared purpose, in order of first appearance.
    let mut families: Vec<(PurposeId, Vec<PurposeId>)> = Vec::new();
    for id in declared_purposes(policy) {
        let Some(p) = policy.purposes.get(id.index()) else {
            continue;
        };
        let family = p.ancestors.last().copied().unwrap_or(id);
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, members)) => members.push(id),
            None => families.push((family, vec![id])),
        }
    }
    let mut used_ids: Vec<String> = Vec::new();
    for (family, members) in families {
        let title = ctx.purpose_title(family);
        let mut sub = Section::new(
            unique(
                &mut used_ids,
                &format!("purposes-{}", ctx.policy.purpose_name(family)),
            ),
            title,
        );
        for id in members {
            sub.sections.push(purpose_section(ctx, id, &mut used_ids));
        }
        section.sections.push(sub);
    }
    section
}

fn unique(used: &mut Vec<String>, id: &str) -> String {
    let base = super::doc::slug(id);
    let mut candidate = base.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// The anchor of a purpose's section.
pub(crate) fn purpose_anchor(policy: &Policy, id: PurposeId) -> String {
    format!("purpose-{}", super::doc::slug(policy.purpose_name(id)))
}

fn purpose_section(ctx: &Ctx<'_>, id: PurposeId, used: &mut Vec<String>) -> Section {
    let policy = ctx.policy;
    let title = ctx.purpose_title(id);
    let anchor = purpose_anchor(policy, id);
    used.push(anchor.clone());
    let mut section = Section::new(anchor, title);
    section.in_toc = false;
    let Some(p) = policy.purposes.get(id.index()) else {
        return section;
    };
    if let Some(docs) = &p.info.docs {
        section.para(docs.replace('\n', " "));
    }
    let mut facts: Vec<(String, Text)> = Vec::new();
    facts.push(("Data used".into(), data_text(ctx, &p.uses)));
    facts.push(("Legal basis".into(), bases_text(ctx, &p.bases, basis_text)));
    let art9 = art9_conditions(&p.bases);
    if !art9.is_empty() {
        facts.push((
            "Special categories".into(),
            Text::plain(upper_first(&or_list(&art9))),
        ));
    }
    if let Some(kinds) = &p.subjects {
        let names: Vec<String> = kinds
            .iter()
            .filter_map(|k| policy.subject_kinds.get(k))
            .map(|k| {
                k.title
                    .clone()
                    .unwrap_or_else(|| super::words::humanize(&k.name))
            })
            .collect();
        facts.push(("People concerned".into(), Text::plain(names.join("; "))));
    }
    let recipients = recipients_for(policy, id);
    let (general, specific): (Vec<usize>, Vec<usize>) = recipients
        .iter()
        .partition(|&&i| is_general_recipient(ctx, i));
    if !recipients.is_empty() {
        let links = specific.iter().filter_map(|&i| {
            let r = policy.recipients.get(i)?;
            let name = r.info.title.clone().unwrap_or_else(|| r.info.name.clone());
            Some(Text(vec![Inline::Link(
                name,
                "#who-receives-it".to_owned(),
            )]))
        });
        let mut text = Text::join(links, "; ");
        if !general.is_empty() {
            if !text.is_empty() {
                text.text("; and ");
            }
            text.push(Inline::Link(
                "the recipients of all our data".to_owned(),
                "#who-receives-it".to_owned(),
            ));
        }
        facts.push(("Shared with".into(), text));
    }
    let kept: Vec<String> = retention_for(policy, id, false)
        .iter()
        .map(|r| retention_line(ctx, r, false))
        .collect();
    if !kept.is_empty() {
        facts.push((
            "How long".into(),
            Text::plain(upper_first(&kept.join("; "))),
        ));
    }
    let choices = purpose_choices(ctx, id);
    if !choices.is_empty() {
        facts.push(("Your choices".into(), Text::plain(choices.join(" "))));
    }
    if let Some(children) = p.children {
        facts.push((
            "Children".into(),
            Text::plain(upper_first(child_treatment_text(children)) + "."),
        ));
    }
    section.block(Block::Facts(facts));
    section
}

/// What the reader can do about one purpose, as sentences: the rights the evaluator grants
/// for it, each with the regions where it does when that is not everywhere the purpose has a
/// legal basis.
fn purpose_choices(ctx: &Ctx<'_>, id: PurposeId) -> Vec<String> {
    let policy = ctx.policy;
    let Some(p) = policy.purposes.get(id.index()) else {
        return Vec::new();
    };
    let mut based = IdSet::new(policy.regions.len());
    for r in 0..policy.regions.len() {
        let region = crate::model::RegionId(u32::try_from(r).unwrap_or(u32::MAX));
        if policy.basis_declarations(id, region).next().is_some() {
            based.insert(r);
        }
    }
    // "In China, where …" when the right holds in fewer regions than the purpose runs in.
    let lead = |regions: &IdSet, rest: &str| -> String {
        if *regions == based {
            upper_first(rest)
        } else {
            format!("{}, {rest}", upper_first(&ctx.where_text(regions)))
        }
    };
    let mut out = Vec::new();
    let mut opt_outs: Vec<(&IdSet, Vec<String>)> = Vec::new();
    for g in ctx.granted.iter().filter(|g| g.purpose == id) {
        match g.kind {
            RightKind::WithdrawConsent => out.push(lead(
                &g.regions,
                "where we rely on your consent, you can withdraw it at any time.",
            )),
            RightKind::ObjectToDirectMarketing => out.push(lead(
                &g.regions,
                "you can object to this direct marketing at any time, and we will stop.",
            )),
            RightKind::Object if on_legitimate_interest(policy, id, &g.regions) => out.push(
                lead(
                    &g.regions,
                    "where we rely on our legitimate interests, you can object.",
                ),
            ),
            // An objection the basis itself yields to (`contract when not objected(P)`).
            RightKind::Object => out.push(lead(
                &g.regions,
                "you can object to this processing, and we will stop.",
            )),
            // Granted whatever the basis: an unsubscribe from direct marketing, and the limit
            // on sensitive data.
            RightKind::OptOut(crate::model::OptOutKind::Marketing) if p.direct_marketing => {
                out.push(lead(
                    &g.regions,
                    "you can unsubscribe from this direct marketing at any time, and we will stop.",
                ))
            }
            RightKind::OptOut(crate::model::OptOutKind::LimitSensitive) => out.push(lead(
                &g.regions,
                "you can limit our use of your sensitive personal information for this, and we will stop.",
            )),
            RightKind::OptOut(kind) => {
                let text = super::words::opt_out_text(kind).to_owned();
                match opt_outs.iter_mut().find(|(r, _)| **r == g.regions) {
                    Some((_, kinds)) => kinds.push(text),
                    None => opt_outs.push((&g.regions, vec![text])),
                }
            }
            RightKind::Declared(_) => {}
        }
    }
    for (regions, kinds) in opt_outs {
        out.push(lead(
            regions,
            &format!(
                "where the opt-out model applies, you can opt out of {}.",
                or_list(&kinds)
            ),
        ));
    }
    if p.taints_prior_data {
        out.push("After you withdraw or opt out, we no longer use the data collected before for this purpose.".to_owned());
    }
    let channels: Vec<String> = crate::model::Channel::ALL
        .into_iter()
        .filter(|c| p.channels & c.bit() != 0)
        .map(|c| super::words::channel_text(c).to_owned())
        .collect();
    if !channels.is_empty() {
        out.push(format!(
            "We contact you for this by {}; you can unsubscribe from each channel, and from each campaign, on its own.",
            super::words::and_list(&channels)
        ));
    }
    if p.survives_limit_sensitive {
        out.push(
            "This continues even after you limit the use of your sensitive personal information."
                .to_owned(),
        );
    }
    match (p.survives_restriction, p.survives_erasure) {
        (true, true) => out.push("This continues, where the law requires, even after you ask us to restrict processing or erase your data.".to_owned()),
        (true, false) => out.push("This continues, where the law requires, even after you ask us to restrict processing.".to_owned()),
        (false, true) => out.push("This continues, where the law requires, even after you ask us to erase your data.".to_owned()),
        (false, false) => {}
    }
    out
}

fn recipients(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("who-receives-it", "Who receives your data");
    if policy.recipients.is_empty() {
        section.para("We do not disclose personal data to anyone.");
        return section;
    }
    section.para("We disclose personal data only to the recipients below, only for the purposes shown and only the data shown.");
    let all_purposes = IdSet::full(policy.purposes.len());
    let mut rows = Vec::new();
    for r in &policy.recipients {
        let mut name = Text::new();
        name.strong(r.info.title.clone().unwrap_or_else(|| r.info.name.clone()));
        let located = if r.located.is_empty() {
            Text::plain("—")
        } else {
            Text::plain(ctx.region_list(&r.located))
        };
        let purposes = if r.purposes.count() >= all_purposes.count() {
            Text::plain("All purposes")
        } else {
            let titles: Vec<String> = ctx
                .purpose_summary(&r.purposes)
                .iter()
                .map(|p| ctx.purpose_title(*p))
                .collect();
            Text::plain(titles.join("; "))
        };
        let mut notes = Text::new();
        if r.sale {
            notes.tag("Sale (CCPA)");
        }
        if r.sharing {
            if r.sale {
                notes.text(" ");
            }
            notes.tag("Sharing for targeted ads");
        }
        for cond in &r.conditions {
            if !notes.is_empty() {
                notes.line_break();
            }
            notes.text(format!("Only when {}", ctx.condition(cond)));
        }
        if let Some(explicit) = r.consent {
            if !notes.is_empty() {
                notes.line_break();
            }
            notes.text(consent_text(explicit, "disclosure to them"));
        }
        super::duties::recipient_notes(ctx, r, &mut notes);
        rows.push(vec![
            name,
            Text::plain(recipient_kind_text(r.kind)),
            located,
            purposes,
            data_text(ctx, &r.categories),
            notes,
        ]);
    }
    section.block(Block::Table(Table {
        head: ["Recipient", "Type", "Located in", "For", "Data", "Notes"]
            .map(String::from)
            .to_vec(),
        rows,
        wide: true,
    }));
    let documented: Vec<Text> = policy
        .recipients
        .iter()
        .filter_map(|r| {
            let docs = r.info.docs.as_ref()?;
            let mut text = Text::new();
            text.strong(r.info.title.clone().unwrap_or_else(|| r.info.name.clone()))
                .text(": ")
                .text(docs.replace('\n', " "));
            Some(text)
        })
        .collect();
    if !documented.is_empty() {
        section.block(Block::List(documented));
    }
    section
}

fn transfers(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("international-transfers", "Where your data goes");
    if policy.transfers.is_empty() && policy.localizations.is_empty() {
        section.para(
            "We do not transfer personal data across borders: it stays in the region where it \
             was collected.",
        );
        return section;
    }
    let mut items = Vec::new();
    for t in &policy.transfers {
        let mut text = Text::new();
        text.strong(format!(
            "From {} to {}",
            ctx.place_text(&t.from),
            ctx.place_text(&t.to)
        ))
        .text(": ")
        .append(lower(data_text(ctx, &t.categories)))
        .text(" — ")
        .text(safeguard_text(
            t.safeguard.map(crate::model::Safeguard::name),
        ));
        if let Some(when) = &t.when {
            text.text(format!(", only where {}", ctx.condition(when)));
        }
        if let Some(explicit) = t.consent {
            text.text(", ")
                .text(lower_first(&consent_text(explicit, "the transfer")));
        }
        text.text(".");
        items.push(text);
    }
    if !items.is_empty() {
        section.para("Personal data may be transferred as follows, with the safeguard shown:");
        section.block(Block::List(items));
        section.para("Any other transfer across borders is not made.");
    }
    for l in &policy.localizations {
        let mut text = Text::new();
        text.append(data_text(ctx, &l.categories)).text(format!(
            " collected {} is stored and processed only there",
            ctx.where_text(&l.within)
        ));
        match &l.unless {
            Some(unless) => text.text(format!(", except where {}.", ctx.condition(unless))),
            None => text.text("."),
        };
        section.para(text);
    }
    section
}

/// "Only with your explicit consent to the transfer (you can withdraw it at any time)".
fn consent_text(explicit: bool, to: &str) -> String {
    let explicit = if explicit { "explicit " } else { "" };
    format!("Only with your {explicit}consent to {to} (you can withdraw it at any time)")
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

fn lower(text: Text) -> Text {
    Text(
        text.0
            .into_iter()
            .map(|i| match i {
                Inline::Plain(s) if s == "All personal data" => {
                    Inline::Plain("all personal data".into())
                }
                other => other,
            })
            .collect(),
    )
}

/// "kept for at least 3 years after …" with its region when not everywhere.
pub(crate) fn retention_line(ctx: &Ctx<'_>, rule: &RetentionRule, with_data: bool) -> String {
    let mut text = ctx.retention_sentence(rule);
    if with_data {
        text = format!(
            "{}: {text}",
            ctx.category_summary(&rule.categories)
                .iter()
                .map(|c| ctx.category_title(*c))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if ctx.scope(&rule.regions) != Scope::Everywhere {
        text.push_str(&format!(" ({})", ctx.where_text(&rule.regions)));
    }
    text
}

fn retention(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("retention", "How long we keep it");
    if policy.retention.is_empty() {
        section.para("The policy sets no retention periods.");
        return section;
    }
    section.para("We keep personal data only as long as the rules below allow; a minimum is kept even if you ask for deletion, where the law requires it.");
    let rows = policy
        .retention
        .iter()
        .map(|r| {
            let purposes = match &r.purposes {
                None => Text::plain("Any purpose"),
                Some(set) => {
                    let titles: Vec<String> = ctx
                        .purpose_summary(set)
                        .iter()
                        .map(|p| ctx.purpose_title(*p))
                        .collect();
                    Text::plain(titles.join("; "))
                }
            };
            vec![
                data_text(ctx, &r.categories),
                purposes,
                Text::plain(upper_first(&ctx.scope_text(&r.regions))),
                Text::plain(upper_first(&ctx.retention_sentence(r))),
            ]
        })
        .collect();
    section.block(Block::Table(Table {
        head: ["Data", "Purpose", "Where", "Rule"]
            .map(String::from)
            .to_vec(),
        rows,
        wide: false,
    }));
    section
}

fn your_rights(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let mut section = Section::new("your-rights", "Your rights");
    let entries = rights_from(policy, &ctx.granted);
    if entries.is_empty() {
        section.para("The policy states no rights beyond those the law gives you.");
    } else {
        section.para("You have the following rights. Some depend on where you live and on the legal basis we rely on.");
        section.block(Block::List(
            entries.iter().map(|e| right_item(ctx, e)).collect(),
        ));
    }
    // Objections the evaluator lets a purpose override (GDPR Art. 21(1)), as it decides them.
    for g in ctx.granted.iter().filter(|g| g.kind == RightKind::Object) {
        let mut exceptions: Vec<CircumstanceId> = Vec::new();
        for r in g.regions.iter() {
            let region = RegionId(u32::try_from(r).unwrap_or(u32::MAX));
            for c in objection_exceptions(policy, g.purpose, region) {
                if !exceptions.contains(&c) {
                    exceptions.push(c);
                }
            }
        }
        if !exceptions.is_empty() {
            let names: Vec<String> = exceptions
                .iter()
                .map(|c| ctx.circumstance_title(*c))
                .collect();
            section.para(format!(
                "If you object to {}, we honour your objection except where {} \
                 (compelling legitimate grounds, GDPR Art. 21(1)).",
                ctx.purpose_title(g.purpose),
                names.join(" or ")
            ));
        }
    }
    // Limits of restriction and erasure not already told with a declared right.
    let told = |f: fn(&crate::model::Purpose) -> bool| {
        entries.iter().any(|e| {
            e.survivors
                .iter()
                .any(|p| policy.purposes.get(p.index()).is_some_and(f))
        })
    };
    for (what, survives) in [
        (
            "restrict processing",
            (|p: &crate::model::Purpose| p.survives_restriction) as fn(&_) -> bool,
        ),
        ("erase your data", |p: &crate::model::Purpose| {
            p.survives_erasure
        }),
    ] {
        let survivors: Vec<String> = declared_purposes(policy)
            .into_iter()
            .filter(|id| policy.purposes.get(id.index()).is_some_and(survives))
            .map(|id| ctx.purpose_title(id))
            .collect();
        if !survivors.is_empty() && !told(survives) {
            section.para(format!(
                "If you ask us to {what}, we still continue where the law requires: {}.",
                survivors.join("; ")
            ));
        }
    }
    if ctx.granted.iter().any(|g| {
        matches!(
            g.kind,
            RightKind::OptOut(
                crate::model::OptOutKind::Sale
                    | crate::model::OptOutKind::Sharing
                    | crate::model::OptOutKind::TargetedAdvertising
            )
        )
    }) {
        section.para(
            "We treat a Global Privacy Control (GPC) signal from your browser as a request to opt \
             out of the sale and sharing of your personal information and of targeted advertising.",
        );
    }
    if !policy.responses.is_empty() {
        let items = policy
            .responses
            .iter()
            .map(|r| {
                let mut text = Text::new();
                text.text(format!(
                    "{}: within {}",
                    upper_first(&ctx.where_text(&r.regions)),
                    duration_text(&r.within, &r.within_text)
                ));
                if let Some((span, written)) = &r.extension {
                    text.text(format!(
                        ", which we may extend by {} where necessary (we will tell you why)",
                        duration_text(span, written)
                    ));
                }
                text.text(".");
                text
            })
            .collect();
        section.para("We answer your requests:");
        section.block(Block::List(items));
    }
    if !policy.header.contacts.is_empty() {
        let mut text = Text::plain("To exercise your rights, contact us at ");
        text.append(contacts(policy)).text(".");
        section.para(text);
    }
    section
}

fn right_item(ctx: &Ctx<'_>, entry: &RightEntry) -> Text {
    let mut text = Text::new();
    text.strong(entry.text.clone());
    if ctx.scope(&entry.regions) != Scope::Everywhere {
        text.text(format!(" — {}", ctx.where_text(&entry.regions)));
    }
    text.text(".");
    if entry.derived && !entry.purposes.is_empty() {
        let titles: Vec<String> = entry
            .purposes
            .iter()
            .map(|p| ctx.purpose_title(*p))
            .collect();
        text.text(format!(" Applies to: {}.", titles.join("; ")));
    }
    if !entry.survivors.is_empty() {
        let titles: Vec<String> = entry
            .survivors
            .iter()
            .map(|p| ctx.purpose_title(*p))
            .collect();
        text.text(format!(
            " Even then, we continue where the law requires: {}.",
            titles.join("; ")
        ));
    }
    for term in &entry.terms {
        text.text(format!(" {term}"));
    }
    if let Some(docs) = &entry.docs {
        text.line_break().em(docs.replace('\n', " "));
    }
    text
}

fn children(ctx: &Ctx<'_>) -> Section {
    let policy = ctx.policy;
    let children = &policy.children;
    let mut section = Section::new("children", "Children");
    // Regions by the declaration that set their threshold.
    let mut groups: Vec<(Option<crate::model::ProvenanceId>, IdSet, u8, u8)> = Vec::new();
    for (region, threshold) in children.threshold.iter().enumerate() {
        let Some(age) = threshold else {
            continue;
        };
        let provenance = children.threshold_provenance.get(region).copied().flatten();
        match groups.iter_mut().find(|(p, _, _, _)| *p == provenance) {
            Some((_, set, low, high)) => {
                set.insert(region);
                *low = (*low).min(*age);
                *high = (*high).max(*age);
            }
            None => {
                let mut set = IdSet::new(policy.regions.len());
                set.insert(region);
                groups.push((provenance, set, *age, *age));
            }
        }
    }
    if groups.is_empty() {
        section.para("The policy sets no age below which someone is treated as a child.");
    } else {
        section.para("You are treated as a child if you are younger than:");
        let items = groups
            .iter()
            .map(|(_, set, low, high)| {
                let age = if low == high {
                    format!("{low}")
                } else {
                    format!("{low} to {high}, depending on the country,")
                };
                Text::plain(format!("{age} {}", ctx.where_text(set)))
            })
            .collect();
        section.block(Block::List(items));
        section.para(match children.unknown_age {
            UnknownAge::Child => "If we do not know your age, we treat you as a child.",
            UnknownAge::Adult => "If we do not know your age, we treat you as an adult.",
        });
        section.para(format!(
            "Unless a purpose says otherwise, {}.",
            super::words::child_default_text(children.default)
        ));
    }
    let overrides: Vec<Text> = declared_purposes(policy)
        .into_iter()
        .filter_map(|id| {
            let p = policy.purposes.get(id.index())?;
            let treatment = p.children?;
            let mut text = Text::new();
            text.push(Inline::Link(
                ctx.purpose_title(id),
                format!("#{}", purpose_anchor(policy, id)),
            ))
            .text(format!(": {}.", child_treatment_text(treatment)));
            Some(text)
        })
        .collect();
    if !overrides.is_empty() && !groups.is_empty() {
        section.para("For these purposes:");
        section.block(Block::List(overrides));
    }
    let docs: Vec<String> = groups
        .iter()
        .filter_map(|(p, _, _, _)| {
            p.and_then(|p| policy.provenance(p))
                .and_then(|p| p.docs.clone())
        })
        .collect();
    if let Some(first) = docs.first() {
        section.block(Block::Small(Text::plain(first.replace('\n', " "))));
    }
    section
}
