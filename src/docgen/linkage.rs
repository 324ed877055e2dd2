//! The notice's "What we keep apart" section: each no-linkage promise (`deny … : combine A
//! with B`) in the reader's words, with the sentence of the policy text it encodes.

use crate::model::{PurposeId, RuleAction};

use super::doc::{Block, Section, Text};
use super::words::{Ctx, Scope};

/// The section, when the policy makes any no-linkage promise.
pub(crate) fn kept_apart(ctx: &Ctx<'_>) -> Option<Section> {
    let policy = ctx.policy;
    let mut items = Vec::new();
    for rule in &policy.rules {
        let RuleAction::Combine { with, purposes } = &rule.action else {
            continue;
        };
        let mut line = String::from("We do not combine ");
        // (Only the second side can be "everything else".)
        let none = crate::model::IdSet::new(policy.categories.len());
        line.push_str(&data_words(ctx, &rule.categories, &none));
        line.push_str(" with ");
        line.push_str(&data_words(ctx, with, &rule.categories));
        if purposes.count() < policy.purposes.len() {
            let names: Vec<String> = purposes
                .iter()
                .map(|p| PurposeId(crate::analysis::space::to_u32(p)))
                .filter(|p| {
                    policy.purposes.get(p.index()).is_some_and(|declared| {
                        declared.declared
                            && declared
                                .parent
                                .is_none_or(|parent| !purposes.contains(parent.index()))
                    })
                })
                .map(|p| ctx.purpose_title(p))
                .collect();
            if !names.is_empty() {
                line.push_str(" for ");
                line.push_str(&super::words::or_list(&names));
            }
        }
        if !matches!(ctx.scope(&rule.regions), Scope::Everywhere) {
            line.push(' ');
            line.push_str(&ctx.where_text(&rule.regions));
        }
        if rule.when.is_some() {
            line.push_str(", in the circumstances the policy states");
        }
        if !rule.excepts.is_empty() {
            line.push_str(", save for the exceptions it states");
        }
        line.push('.');
        let mut item = Text::plain(line);
        // The sentence of the policy text the promise encodes.
        if let Some(docs) = &rule.info.docs {
            item.line_break().em(docs.replace('\n', " "));
        }
        items.push(item);
    }
    if items.is_empty() {
        return None;
    }
    let mut section = Section::new("kept-apart", "What we keep apart");
    section.para("We promise not to bring these kinds of data together about you:");
    section.block(Block::List(items));
    Some(section)
}

/// "“Email” and “Name”"; "any personal data" for everything, and "any other personal data"
/// for everything but what the other side names (`with user.* except user.log`).
fn data_words(ctx: &Ctx<'_>, set: &crate::model::IdSet, other: &crate::model::IdSet) -> String {
    if ctx.all_categories(set) {
        return "any personal data".to_owned();
    }
    if !other.is_empty() {
        // `with user.* except user.log`: everything of one subtree but the other side.
        let mut union = set.clone();
        union.union_with(other);
        if ctx.all_categories(&union) {
            return "any other personal data".to_owned();
        }
        if let [whole] = ctx.category_summary(&union).as_slice() {
            return format!("any other “{}”", ctx.category_title(*whole));
        }
    }
    let titles: Vec<String> = ctx
        .category_summary(set)
        .iter()
        .map(|c| format!("“{}”", ctx.category_title(*c)))
        .collect();
    super::words::and_list(&titles)
}
