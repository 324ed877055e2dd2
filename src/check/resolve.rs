//! Resolving references: category and purpose hierarchies, selectors, recipients and
//! conditions.

use super::{CheckError, Checker, NameKind};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{
    self, CmpOp, CondKind, Decl, LiteralKind, RecipientSelKind, SelectorKind, SubjectTest,
};

impl Checker {
    /// Ancestors, inherited flags and descendant sets of categories and purposes; field
    /// categories.
    pub(super) fn build_categories(&mut self, files: &[ast::File]) {
        let count = self.categories.len();
        // Direct flags first.
        for file in files {
            for item in &file.items {
                let Decl::Category(c) = &item.decl else {
                    continue;
                };
                let Some(id) = self.categories.get(&c.path.text) else {
                    continue;
                };
                for flag in &c.flags {
                    match self.flags.get(&flag.text) {
                        Some(f) => {
                            if let Some(cat) = self.categories.item_mut(id) {
                                cat.flags.insert(f as usize);
                            }
                        }
                        None => {
                            let names: Vec<String> =
                                self.flags.names().map(str::to_owned).collect();
                            self.unknown(
                                NameKind::Flag,
                                &flag.text,
                                flag.span,
                                names.iter().map(String::as_str),
                            );
                        }
                    }
                }
            }
        }
        // Parents always precede children in the table (ancestors are created first), so
        // one forward pass inherits flags and builds ancestor lists (bounded by
        // MAX_PATH_SEGMENTS).
        for i in 0..count {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let parent = self.categories.item(id).and_then(|c| c.parent);
            let (ancestors, parent_flags) =
                parent.and_then(|p| self.categories.item(p.0)).map_or_else(
                    || (vec![CategoryId(id)], IdSet::default()),
                    |p| (lineage(CategoryId(id), &p.ancestors), p.flags.clone()),
                );
            if let Some(c) = self.categories.item_mut(id) {
                c.ancestors = ancestors;
                c.flags.union_with(&parent_flags);
            }
        }
        let parents: Vec<Option<u32>> = self
            .categories
            .items
            .iter()
            .map(|c| c.parent.map(|p| p.0))
            .collect();
        self.category_tree = super::tree::Subtrees::new(&parents);
        self.category_subtree_sets.clear();
        let mut special = IdSet::new(count);
        for (i, c) in self.categories.items.iter().enumerate() {
            if c.flags.contains(FLAG_SPECIAL.index()) {
                special.insert(i);
            }
        }
        self.special_categories = special;
        let purpose_count = self.purposes.len();
        for i in 0..purpose_count {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let ancestors = self
                .purposes
                .item(id)
                .and_then(|p| p.parent)
                .and_then(|parent| self.purposes.item(parent.0))
                .map_or_else(
                    || vec![PurposeId(id)],
                    |p| lineage(PurposeId(id), &p.ancestors),
                );
            if let Some(p) = self.purposes.item_mut(id) {
                p.ancestors = ancestors;
            }
        }
        let parents: Vec<Option<u32>> = self
            .purposes
            .items
            .iter()
            .map(|p| p.parent.map(|p| p.0))
            .collect();
        self.purpose_tree = super::tree::Subtrees::new(&parents);
        // Fields.
        for file in files {
            for item in &file.items {
                let Decl::Field(f) = &item.decl else { continue };
                if self.categories.get(&f.path.text).is_some() {
                    self.error(
                        CheckError::AmbiguousName {
                            name: f.path.text.clone(),
                        },
                        f.path.span,
                        "also a category",
                    );
                }
                let category = self.category_name(&f.category);
                if let (Some(field), Some(category)) = (self.fields.get(&f.path.text), category) {
                    if let Some(field) = self.fields.item_mut(field) {
                        if field.info.span == f.path.span {
                            field.category = category;
                        }
                    }
                }
            }
        }
    }

    /// A category by exact name, reporting an unknown one.
    pub(super) fn category_name(&mut self, name: &ast::Name) -> Option<CategoryId> {
        self.category_at(&name.text, name.span)
    }

    /// A category by exact name written at `span` (a selector's path), reporting an
    /// unknown one.
    fn category_at(&mut self, name: &str, span: Span) -> Option<CategoryId> {
        match self.categories.get(name) {
            Some(id) => Some(CategoryId(id)),
            None => {
                let names: Vec<String> = self.categories.names().map(str::to_owned).collect();
                self.unknown(
                    NameKind::Category,
                    name,
                    span,
                    names.iter().map(String::as_str),
                );
                None
            }
        }
    }

    pub(super) fn purpose_name(&mut self, name: &ast::Name) -> Option<PurposeId> {
        self.purpose_at(&name.text, name.span)
    }

    /// A purpose by exact name written at `span`, reporting an unknown one.
    pub(super) fn purpose_at(&mut self, name: &str, span: Span) -> Option<PurposeId> {
        match self.purposes.get(name) {
            Some(id) => Some(PurposeId(id)),
            None => {
                let names: Vec<String> = self.purposes.names().map(str::to_owned).collect();
                self.unknown(
                    NameKind::Purpose,
                    name,
                    span,
                    names.iter().map(String::as_str),
                );
                None
            }
        }
    }

    /// Categories a selector list covers (descendants included).
    pub(super) fn category_selectors(&mut self, selectors: &[ast::Selector]) -> IdSet {
        let count = self.categories.len();
        let mut set = IdSet::new(count);
        for selector in selectors {
            match &selector.kind {
                SelectorKind::All => return IdSet::full(count),
                SelectorKind::Path { path, .. } => {
                    if let Some(id) = self.category_at(path, selector.span) {
                        self.add_category_subtree(id.index(), &mut set);
                    }
                }
                SelectorKind::Flag(flag) => match self.flags.get(flag) {
                    Some(f) => {
                        for (i, c) in self.categories.items.iter().enumerate() {
                            if c.flags.contains(f as usize) {
                                set.insert(i);
                            }
                        }
                    }
                    None => {
                        let names: Vec<String> = self.flags.names().map(str::to_owned).collect();
                        self.unknown(
                            NameKind::Flag,
                            flag,
                            selector.span,
                            names.iter().map(String::as_str),
                        );
                    }
                },
            }
        }
        set
    }

    /// Add a category and its descendants to `set` (sized for every category). A large
    /// subtree (`uses contact` over hundreds of categories, written again in purpose after
    /// purpose) is made into a set the first time and merged word by word after that; a
    /// small one is added member by member. At most [`SUBTREE_SETS`] sets are kept, so
    /// the memory stays linear in the number of categories.
    fn add_category_subtree(&mut self, node: usize, set: &mut IdSet) {
        let count = self.categories.len();
        let members = self.category_tree.subtree(node);
        let large = members.len() >= (count / 64).max(64);
        if !large {
            self.category_tree.add_subtree(node, set);
            return;
        }
        if let Some(whole) = self.category_subtree_sets.get(&node) {
            set.union_with(whole);
            return;
        }
        if self.category_subtree_sets.len() >= SUBTREE_SETS {
            self.category_tree.add_subtree(node, set);
            return;
        }
        let mut whole = IdSet::new(count);
        self.category_tree.add_subtree(node, &mut whole);
        set.union_with(&whole);
        self.category_subtree_sets.insert(node, whole);
    }

    /// Purposes a selector list covers (descendants included).
    pub(super) fn purpose_selectors(&mut self, selectors: &[ast::Selector]) -> IdSet {
        let count = self.purposes.len();
        let mut set = IdSet::new(count);
        for selector in selectors {
            match &selector.kind {
                SelectorKind::All => return IdSet::full(count),
                SelectorKind::Path { path, .. } => {
                    if let Some(id) = self.purpose_at(path, selector.span) {
                        self.purpose_tree.add_subtree(id.index(), &mut set);
                    }
                }
                SelectorKind::Flag(flag) => self.error(
                    CheckError::InvalidSelector {
                        text: format!("#{flag}"),
                        what: "purposes",
                        help: "`#flag` selects categories only; name purposes by path",
                    },
                    selector.span,
                    "a category flag",
                ),
            }
        }
        set
    }

    pub(super) fn recipient_selectors(&mut self, selectors: &[ast::RecipientSel]) -> IdSet {
        // (Kinds named by the selectors: `recipient_selector_kinds`.)
        let count = self.recipients.len();
        let mut set = IdSet::new(count);
        for selector in selectors {
            match &selector.kind {
                RecipientSelKind::Any => return IdSet::full(count),
                RecipientSelKind::Named(name) => match self.recipients.get(name) {
                    Some(id) => set.insert(id as usize),
                    None => {
                        let names: Vec<String> =
                            self.recipients.names().map(str::to_owned).collect();
                        self.unknown(
                            NameKind::Recipient,
                            name,
                            selector.span,
                            names.iter().map(String::as_str),
                        );
                    }
                },
                RecipientSelKind::Kind(kind) => match RecipientKind::parse(&kind.text) {
                    Some(kind) => {
                        for (i, r) in self.recipients.items.iter().enumerate() {
                            if r.kind == kind {
                                set.insert(i);
                            }
                        }
                    }
                    None => self.unknown(
                        NameKind::RecipientKind,
                        &kind.text,
                        kind.span,
                        RecipientKind::names(),
                    ),
                },
            }
        }
        set
    }

    /// Compile a condition. Depth is bounded by the parser's nesting limit.
    pub(super) fn condition(&mut self, cond: &ast::Condition) -> Cond {
        match &cond.kind {
            CondKind::True => Cond::True,
            CondKind::False => Cond::False,
            CondKind::Not(inner) => Cond::Not(Box::new(self.condition(inner))),
            CondKind::And(parts) => Cond::And(parts.iter().map(|p| self.condition(p)).collect()),
            CondKind::Or(parts) => Cond::Or(parts.iter().map(|p| self.condition(p)).collect()),
            CondKind::Subject { field, test } => self.subject_condition(field, test),
            CondKind::SetMember { value, attribute } => {
                let Some((id, ty)) = self.attribute(attribute) else {
                    return Cond::False;
                };
                if ty != AttributeType::Set {
                    self.type_mismatch(
                        &format!("subject.{}", attribute.text),
                        "a set attribute",
                        &format!("a {} attribute", ty.name()),
                        attribute.span,
                    );
                    return Cond::False;
                }
                let symbol = self.intern_symbol(&value.value);
                Cond::Is(Predicate::SetContains(id, symbol))
            }
            CondKind::Predicate { name, arg } => self.predicate(name, arg.as_ref()),
            CondKind::Known(inner) => Cond::Known(Box::new(self.condition(inner))),
            CondKind::Circumstance(name) => match self.circumstances.get(&name.text) {
                Some(id) => Cond::Is(Predicate::Circumstance(CircumstanceId(id))),
                None => {
                    let names: Vec<String> =
                        self.circumstances.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::Circumstance,
                        &name.text,
                        name.span,
                        names.iter().map(String::as_str),
                    );
                    Cond::False
                }
            },
        }
    }

    /// Compile a condition that may read circumstances only (a transfer's or a
    /// localisation's): anything about a subject is `condition_reads_subject`.
    pub(super) fn situation_condition(
        &mut self,
        cond: &ast::Condition,
        place: &'static str,
    ) -> Cond {
        let compiled = self.condition(cond);
        if !reads_only_circumstances(&compiled) {
            self.error(
                CheckError::ConditionReadsSubject { place },
                cond.span,
                "reads the subject",
            );
        }
        compiled
    }

    fn type_mismatch(
        &mut self,
        what: &str,
        expected: &str,
        found: &str,
        span: crate::source::Span,
    ) {
        self.error(
            CheckError::TypeMismatch {
                what: what.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            },
            span,
            "wrong type",
        );
    }

    fn attribute(&mut self, name: &ast::Name) -> Option<(AttributeId, AttributeType)> {
        match self.attributes.get(&name.text) {
            Some(id) => self.attributes.item(id).map(|a| (AttributeId(id), a.ty)),
            None => {
                let mut names: Vec<String> = self.attributes.names().map(str::to_owned).collect();
                names.extend(["child", "adult", "age", "region", "kind"].map(str::to_owned));
                self.unknown(
                    NameKind::Attribute,
                    &name.text,
                    name.span,
                    names.iter().map(String::as_str),
                );
                None
            }
        }
    }

    fn invalid_condition(&mut self, message: String, help: &str, span: crate::source::Span) {
        self.error(
            CheckError::InvalidCondition {
                message,
                help: help.to_owned(),
            },
            span,
            "here",
        );
    }

    fn subject_condition(&mut self, field: &ast::Name, test: &SubjectTest) -> Cond {
        let span = field.span;
        match (field.text.as_str(), test) {
            ("child", SubjectTest::Bare) => Cond::Is(Predicate::Child),
            ("adult", SubjectTest::Bare) => Cond::Is(Predicate::Adult),
            ("age", SubjectTest::Compare(op, lit)) => match lit.kind {
                LiteralKind::Int(n) => Cond::Is(Predicate::Age(compiled_op(*op), n)),
                _ => {
                    self.type_mismatch(
                        "subject.age",
                        "a number",
                        literal_type(&lit.kind),
                        lit.span,
                    );
                    Cond::False
                }
            },
            ("region", SubjectTest::InRegions(regions)) => {
                Cond::Is(Predicate::RegionIn(self.region_scope(regions)))
            }
            ("kind", SubjectTest::Compare(op @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
                let LiteralKind::Ident(kind) = &lit.kind else {
                    self.type_mismatch(
                        "subject.kind",
                        "a subject kind",
                        literal_type(&lit.kind),
                        lit.span,
                    );
                    return Cond::False;
                };
                let Some(id) = self.subject_kinds.get(kind) else {
                    let names: Vec<String> =
                        self.subject_kinds.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::SubjectKind,
                        kind,
                        lit.span,
                        names.iter().map(String::as_str),
                    );
                    return Cond::False;
                };
                let is = Cond::Is(Predicate::KindIs(SubjectKindId(id)));
                if *op == CmpOp::Eq {
                    is
                } else {
                    Cond::Not(Box::new(is))
                }
            }
            ("child" | "adult", _) => {
                self.invalid_condition(
                    format!("`subject.{}` takes no comparison", field.text),
                    "write `subject.child` or `not subject.child`",
                    span,
                );
                Cond::False
            }
            ("age", _) => {
                self.invalid_condition(
                    "`subject.age` needs a comparison".to_owned(),
                    "write e.g. `subject.age < 16`",
                    span,
                );
                Cond::False
            }
            ("region", _) => {
                self.invalid_condition(
                    "`subject.region` needs `in`".to_owned(),
                    "write e.g. `subject.region in EU`",
                    span,
                );
                Cond::False
            }
            ("kind", _) => {
                self.invalid_condition(
                    "`subject.kind` needs `==` or `!=`".to_owned(),
                    "write e.g. `subject.kind == family_member`",
                    span,
                );
                Cond::False
            }
            (_, test) => {
                let Some((id, ty)) = self.attribute(field) else {
                    return Cond::False;
                };
                match (ty, test) {
                    (AttributeType::Bool, SubjectTest::Bare) => Cond::Is(Predicate::AttrTrue(id)),
                    (_, SubjectTest::Compare(op, lit)) => {
                        let value = match (ty, &lit.kind) {
                            (AttributeType::Bool, LiteralKind::Bool(b)) => AttrValue::Bool(*b),
                            (AttributeType::Int, LiteralKind::Int(n)) => AttrValue::Int(*n),
                            (AttributeType::String, LiteralKind::Str(s)) => {
                                AttrValue::Str(Some(self.intern_symbol(s)))
                            }
                            _ => {
                                self.type_mismatch(
                                    &format!("subject.{}", field.text),
                                    type_article(ty),
                                    literal_type(&lit.kind),
                                    lit.span,
                                );
                                return Cond::False;
                            }
                        };
                        let ordered = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
                        if ordered && ty != AttributeType::Int {
                            self.invalid_condition(
                                format!("`{}` attributes cannot be ordered", ty.name()),
                                "use `==` or `!=`",
                                span,
                            );
                            return Cond::False;
                        }
                        Cond::Is(Predicate::AttrCmp(id, compiled_op(*op), value))
                    }
                    (_, SubjectTest::InRegions(_)) => {
                        self.invalid_condition(
                            format!("`subject.{}` is not a region", field.text),
                            "only `subject.region` takes `in`",
                            span,
                        );
                        Cond::False
                    }
                    (ty, SubjectTest::Bare) => {
                        self.type_mismatch(
                            &format!("subject.{}", field.text),
                            "a bool attribute (or a comparison)",
                            &format!("a {} attribute", ty.name()),
                            span,
                        );
                        Cond::False
                    }
                }
            }
        }
    }

    fn predicate(&mut self, name: &ast::Name, arg: Option<&ast::Selector>) -> Cond {
        const NAMES: &[&str] = &[
            "consent",
            "explicit_consent",
            "objected",
            "opted_out",
            "gpc",
            "restricted",
            "erased",
            "parental_consent",
        ];
        let purpose_arg = |this: &mut Self| -> Option<PurposeId> {
            match arg.map(|a| &a.kind) {
                Some(SelectorKind::Path { path, .. }) => {
                    let span = arg.map(|a| a.span).unwrap_or(name.span);
                    this.purpose_at(path, span)
                }
                _ => {
                    this.invalid_condition(
                        format!("`{}` needs a purpose", name.text),
                        &format!("write `{}(marketing.direct)`", name.text),
                        name.span,
                    );
                    None
                }
            }
        };
        let no_arg = |this: &mut Self, p: Predicate| -> Cond {
            if let Some(a) = arg {
                this.invalid_condition(
                    format!("`{}` takes no argument", name.text),
                    &format!("write `{}`", name.text),
                    a.span,
                );
            }
            Cond::Is(p)
        };
        match name.text.as_str() {
            "consent" => purpose_arg(self).map_or(Cond::False, |p| Cond::Is(Predicate::Consent(p))),
            "explicit_consent" => {
                purpose_arg(self).map_or(Cond::False, |p| Cond::Is(Predicate::ExplicitConsent(p)))
            }
            "objected" => {
                purpose_arg(self).map_or(Cond::False, |p| Cond::Is(Predicate::Objected(p)))
            }
            "opted_out" => {
                let kind = match arg.map(|a| &a.kind) {
                    Some(SelectorKind::Path { path, .. }) => OptOutKind::parse(path),
                    _ => None,
                };
                match kind {
                    Some(kind) => Cond::Is(Predicate::OptedOut(kind)),
                    None => {
                        let text = arg.map_or(String::new(), |a| match &a.kind {
                            SelectorKind::Path { path, .. } => path.clone(),
                            _ => String::new(),
                        });
                        let span = arg.map_or(name.span, |a| a.span);
                        self.unknown(NameKind::OptOutKind, &text, span, OptOutKind::names());
                        Cond::False
                    }
                }
            }
            "gpc" => no_arg(self, Predicate::Gpc),
            "restricted" => no_arg(self, Predicate::Restricted),
            "erased" => no_arg(self, Predicate::Erased),
            "parental_consent" => no_arg(self, Predicate::ParentalConsent),
            other if self.circumstances.get(other).is_some() => {
                self.invalid_condition(
                    format!("`{other}` is a circumstance, not a fact about the subject"),
                    &format!("write `circumstance.{other}`"),
                    name.span,
                );
                Cond::False
            }
            other => {
                self.unknown(NameKind::Predicate, other, name.span, NAMES.iter().copied());
                Cond::False
            }
        }
    }
}

/// How many large category subtrees `add_category_subtree` keeps as sets.
const SUBTREE_SETS: usize = 64;

/// `node` and then its parent's lineage (`a.b.c`, `a.b`, `a`), in one allocation.
fn lineage<I: Copy>(node: I, parent: &[I]) -> Vec<I> {
    let mut ancestors = Vec::with_capacity(parent.len() + 1);
    ancestors.push(node);
    ancestors.extend_from_slice(parent);
    ancestors
}

/// Whether `cond` reads nothing but circumstances.
fn reads_only_circumstances(cond: &Cond) -> bool {
    match cond {
        Cond::True | Cond::False => true,
        Cond::Not(inner) | Cond::Known(inner) => reads_only_circumstances(inner),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().all(reads_only_circumstances),
        Cond::Is(predicate) => matches!(predicate, Predicate::Circumstance(_) | Predicate::Never),
    }
}

fn type_article(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::Bool => "a bool",
        AttributeType::Int => "a number",
        AttributeType::String => "a string",
        AttributeType::Set => "a set",
    }
}

fn literal_type(kind: &LiteralKind) -> &'static str {
    match kind {
        LiteralKind::Bool(_) => "a bool",
        LiteralKind::Int(_) => "a number",
        LiteralKind::Str(_) => "a string",
        LiteralKind::Ident(_) => "a name",
    }
}

/// The model's comparison for the one written in the source.
fn compiled_op(op: CmpOp) -> crate::model::CmpOp {
    match op {
        CmpOp::Eq => crate::model::CmpOp::Eq,
        CmpOp::Ne => crate::model::CmpOp::Ne,
        CmpOp::Lt => crate::model::CmpOp::Lt,
        CmpOp::Le => crate::model::CmpOp::Le,
        CmpOp::Gt => crate::model::CmpOp::Gt,
        CmpOp::Ge => crate::model::CmpOp::Ge,
    }
}

/// The recipient kinds a selector list names: `kind K` its bit, `*` every kind (a name
/// names no kind). Unknown kinds are reported by `recipient_selectors`.
pub(super) fn recipient_selector_kinds(selectors: &[ast::RecipientSel]) -> u32 {
    selectors
        .iter()
        .fold(0, |bits, selector| match &selector.kind {
            RecipientSelKind::Any => RecipientKind::EVERY,
            RecipientSelKind::Named(_) => bits,
            RecipientSelKind::Kind(kind) => {
                bits | RecipientKind::parse(&kind.text).map_or(0, RecipientKind::bit)
            }
        })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    /// Every purpose's `uses` is the categories named by its selectors or below them, whether
    /// a subtree is added member by member, merged from a set made the first time, or added
    /// member by member again once [`super::SUBTREE_SETS`] sets are kept: 30 groups of 2
    /// subgroups of 63 categories (3,870 in all) make 90 subtrees of at least 64.
    #[test]
    fn selected_subtrees_are_the_categories_under_them_however_they_are_added() {
        let mut text = String::from("region EU \"EU\"\n");
        for g in 0..30 {
            for s in 0..2 {
                for c in 0..63 {
                    let _ = writeln!(text, "category g{g}.s{s}.c{c}");
                }
            }
        }
        let mut expected: Vec<(String, Vec<String>)> = Vec::new();
        // Two passes, so each large subtree is selected again after the sets are full.
        for round in 0..2 {
            for g in 0..30 {
                let selectors = match round {
                    0 => vec![format!("g{g}.s0"), format!("g{g}"), format!("g{g}.s1.c5")],
                    _ => vec![
                        format!("g{g}.s1"),
                        format!("g{g}.s0.c0"),
                        format!("g{g}.s0"),
                    ],
                };
                let name = format!("p{round}x{g}");
                let _ = writeln!(
                    text,
                    "purpose {name} {{ uses {} basis consent in EU }}",
                    selectors.join(", ")
                );
                expected.push((name, selectors));
            }
        }
        let (loaded, diagnostics) = crate::load::load_str("subtrees.lawful", &text);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let (policy, diagnostics) = crate::check::check(loaded);
        let policy = policy.unwrap_or_else(|| panic!("{diagnostics:?}"));
        assert_eq!(policy.categories().len(), 30 + 60 + 3780);
        for (name, selectors) in expected {
            let purpose = policy
                .purposes()
                .iter()
                .find(|p| p.info.name == name)
                .unwrap_or_else(|| panic!("no purpose {name}"));
            let want: Vec<usize> = policy
                .categories()
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    selectors.iter().any(|s| {
                        c.info.name == *s
                            || c.info
                                .name
                                .strip_prefix(s.as_str())
                                .is_some_and(|rest| rest.starts_with('.'))
                    })
                })
                .map(|(i, _)| i)
                .collect();
            let got: Vec<usize> = purpose.uses.iter().collect();
            assert_eq!(got, want, "{name} uses {selectors:?}");
        }
    }
}
