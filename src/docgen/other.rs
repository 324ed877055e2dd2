//! The notice's own section for "other purposes with your consent" (`purpose other`): the
//! purposes the notice does not list that we may still carry out, each only with the
//! reader's consent to it, and only over the data the clause names.

use crate::model::{IdSet, OtherPurposes, Purpose};

use super::doc::{Block, Section, Table, Text};
use super::notice::{bases_text, data_text};
use super::words::{basis_text, purpose_family_title, Ctx};

/// Covered purposes named in the section before "and N more".
const MAX_NAMED: usize = 12;

/// The section, when the policy has `purpose other` clauses.
pub(crate) fn section(ctx: &Ctx<'_>) -> Option<Section> {
    let clauses = ctx.policy.other_purposes();
    if clauses.is_empty() {
        return None;
    }
    let mut section = Section::new("other-purposes", "Other purposes, with your consent");
    section.para(
        "We may also use personal data for purposes this notice does not list, but only after \
         you consent to that specific purpose, and only the data shown here. Consent to another \
         purpose, or to a broader one, does not count: we ask for each purpose separately, and \
         you can withdraw your consent at any time.",
    );
    let mut rows = Vec::new();
    for clause in clauses {
        let mut what = Text::new();
        what.strong(
            clause
                .info
                .title
                .clone()
                .unwrap_or_else(|| "Other purposes".to_owned()),
        );
        if let Some(docs) = &clause.info.docs {
            what.line_break().text(docs.replace('\n', " "));
        }
        what.line_break().em(covered_text(ctx, clause));
        rows.push(vec![
            what,
            data_text(ctx, &clause.uses),
            bases_text(ctx, &clause.bases, basis_text),
        ]);
    }
    section.block(Block::Table(Table {
        head: vec!["Purposes".into(), "Data".into(), "Legal basis".into()],
        rows,
        wide: false,
    }));
    Some(section)
}

/// "Which purposes": the highest covered purposes, by their family titles.
fn covered_text(ctx: &Ctx<'_>, clause: &OtherPurposes) -> String {
    let names = highest(ctx, &clause.covers);
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_NAMED)
        .map(|p| {
            // The vocabulary's own title names a purpose the notice does not list.
            p.info
                .title
                .clone()
                .unwrap_or_else(|| purpose_family_title(&p.info.name))
        })
        .collect();
    if names.len() > MAX_NAMED {
        shown.push(format!("and {} more", names.len() - MAX_NAMED));
    }
    let scope = if clause.limited {
        "Only purposes of these kinds"
    } else {
        "Any purpose of the standard vocabulary this notice does not list"
    };
    format!("{scope}: {}", shown.join("; "))
}

/// Covered purposes whose parent is not covered.
fn highest<'p>(ctx: &Ctx<'p>, covers: &IdSet) -> Vec<&'p Purpose> {
    let purposes = ctx.policy.purposes();
    covers
        .iter()
        .filter_map(|i| purposes.get(i))
        .filter(|p| {
            p.parent
                .is_none_or(|parent| !covers.contains(parent.index()))
        })
        .collect()
}
