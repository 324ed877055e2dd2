//! pest → AST. The only file that names pest's `Rule` and `Pair`. One lowering function per
//! grammar rule; a tree of an unexpected shape becomes [`SyntaxError::Shape`], never a panic.

use pest::Parser as _;

use super::ast::*;
use super::error::SyntaxError;
use crate::source::{SourceId, Span};

mod fast_path;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/lawful.pest"]
struct Grammar;

type Result<T> = std::result::Result<T, (SyntaxError, Span)>;

/// The pairs of one parse laid out flat, each with the index of its first child and of its
/// next sibling: built once from pest's token queue, so lowering walks plain indices instead
/// of pest's reference-counted `Pair`s (one pair made, and its counts moved, per child visit).
struct Tree<'i> {
    /// The text pest saw.
    text: &'i str,
    nodes: Vec<Flat>,
    source: SourceId,
    /// The file holds `//` somewhere: a pair may end in a comment. Without, only whitespace
    /// can trail a pair, and its span is found without scanning its last line.
    comments: bool,
    /// Where the text pest saw starts in the file (a piece of it, `syntax::pieces`).
    offset: usize,
}

/// One pair: its rule, its byte range in the text pest saw, and its first child and next
/// sibling (0 for none: the root, index 0, is no pair's child or sibling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flat {
    rule: Rule,
    start: u32,
    end: u32,
    first_child: u32,
    next_sibling: u32,
}

impl<'i> Tree<'i> {
    fn new(nodes: Nodes, text: &'i str, source: SourceId, offset: usize) -> Self {
        Tree {
            text,
            nodes: nodes.nodes,
            source,
            comments: text.contains("//"),
            offset,
        }
    }

    fn root(&self) -> Option<Node<'_>> {
        (!self.nodes.is_empty()).then_some(Node { tree: self, idx: 0 })
    }
}

/// An offset into a text no longer than [`super::MAX_FILE_BYTES`].
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A [`Tree`]'s pairs as they are built, in the order they start: from pest's tokens or by
/// the fast path, which mixes the two.
struct Nodes {
    nodes: Vec<Flat>,
    /// The pairs started and not yet ended, each with its last child so far (0: none yet).
    open: Vec<(u32, u32)>,
}

/// How far a [`Nodes`] had got, to go back to.
#[derive(Clone, Copy)]
struct Mark {
    len: usize,
    depth: usize,
    last: Option<(u32, u32)>,
}

impl Nodes {
    /// pest's pairs, as they are.
    fn from_pest(pairs: pest::iterators::Pairs<'_, Rule>) -> Self {
        // Two tokens (start and end) per pair.
        let mut nodes = Nodes::with_capacity(pairs.clone().tokens().len() / 2);
        nodes.append_pest(pairs, 0);
        nodes
    }

    fn with_capacity(pairs: usize) -> Self {
        Nodes {
            nodes: Vec::with_capacity(pairs),
            open: Vec::new(),
        }
    }

    /// A pair of `rule` starts at `pos` (it ends at the next unmatched [`Nodes::end`]).
    fn start(&mut self, rule: Rule, pos: usize) {
        let idx = self.push(rule, pos, pos);
        self.open.push((idx, 0));
    }

    /// The pair started last and not yet ended ends at `pos`.
    fn end(&mut self, pos: usize) {
        if let Some((idx, _)) = self.open.pop() {
            if let Some(node) = self.nodes.get_mut(idx as usize) {
                node.end = to_u32(pos);
            }
        }
    }

    /// A pair without children.
    fn leaf(&mut self, rule: Rule, start: usize, end: usize) {
        self.push(rule, start, end);
    }

    fn push(&mut self, rule: Rule, start: usize, end: usize) -> u32 {
        let idx = to_u32(self.nodes.len());
        self.nodes.push(Flat {
            rule,
            start: to_u32(start),
            end: to_u32(end),
            first_child: 0,
            next_sibling: 0,
        });
        if let Some((parent, last)) = self.open.last_mut() {
            let before = if *last == 0 { *parent } else { *last };
            if let Some(before) = self.nodes.get_mut(before as usize) {
                if *last == 0 {
                    before.first_child = idx;
                } else {
                    before.next_sibling = idx;
                }
            }
            *last = idx;
        }
        idx
    }

    fn mark(&self) -> Mark {
        Mark {
            len: self.nodes.len(),
            depth: self.open.len(),
            last: self.open.last().copied(),
        }
    }

    /// Back to `mark`: the pairs pushed since are gone, and so is the link to the first.
    fn reset(&mut self, mark: Mark) {
        self.nodes.truncate(mark.len);
        self.open.truncate(mark.depth);
        if let (Some(open), Some((parent, last))) = (self.open.last_mut(), mark.last) {
            *open = (parent, last);
            let before = if last == 0 { parent } else { last };
            if let Some(before) = self.nodes.get_mut(before as usize) {
                if last == 0 {
                    before.first_child = 0;
                } else {
                    before.next_sibling = 0;
                }
            }
        }
    }

    /// pest's pairs of a text that starts at `offset` in ours; where the last of them ends.
    fn append_pest(&mut self, pairs: pest::iterators::Pairs<'_, Rule>, offset: usize) -> usize {
        use pest::Token;
        let mut end = offset;
        for token in pairs.tokens() {
            match token {
                Token::Start { rule, pos } => self.start(rule, offset + pos.pos()),
                Token::End { pos, .. } => {
                    end = offset + pos.pos();
                    self.end(end);
                }
            }
        }
        end
    }
}

/// A pair of a parse: a place in its [`Tree`].
#[derive(Clone, Copy)]
struct Node<'t> {
    tree: &'t Tree<'t>,
    idx: u32,
}

impl<'t> Node<'t> {
    fn flat(&self) -> Flat {
        // Indices come from the tree itself; the fallback is never taken.
        self.tree
            .nodes
            .get(self.idx as usize)
            .copied()
            .unwrap_or(Flat {
                rule: Rule::EOI,
                start: 0,
                end: 0,
                first_child: 0,
                next_sibling: 0,
            })
    }

    fn rule(&self) -> Rule {
        self.flat().rule
    }

    fn source(&self) -> SourceId {
        self.tree.source
    }

    /// The pair's span without trailing whitespace or comments: pest keeps the implicit
    /// skip before an optional part that then matched nothing.
    fn span(&self) -> Span {
        let offset = self.tree.offset;
        Span::new(
            self.tree.source,
            offset + self.flat().start as usize,
            offset + self.trimmed_end(),
        )
    }

    fn text(&self) -> &'t str {
        let flat = self.flat();
        self.tree
            .text
            .get(flat.start as usize..flat.end as usize)
            .unwrap_or("")
    }

    fn children(&self) -> Children<'t> {
        Children {
            tree: self.tree,
            next: self.flat().first_child,
        }
    }

    fn all(&self, rule: Rule) -> impl Iterator<Item = Node<'t>> {
        self.children().filter(move |n| n.rule() == rule)
    }

    fn opt(&self, rule: Rule) -> Option<Node<'t>> {
        self.children().find(|n| n.rule() == rule)
    }

    fn has(&self, rule: Rule) -> bool {
        self.opt(rule).is_some()
    }

    fn one(&self, rule: Rule) -> Result<Node<'t>> {
        self.opt(rule).ok_or_else(|| self.shape())
    }

    fn nth(&self, rule: Rule, n: usize) -> Result<Node<'t>> {
        self.all(rule).nth(n).ok_or_else(|| self.shape())
    }

    /// The first child that is not a keyword.
    fn first_meaningful(&self) -> Result<Node<'t>> {
        self.children()
            .find(|n| !is_keyword(n.rule()))
            .ok_or_else(|| self.shape())
    }

    fn shape(&self) -> (SyntaxError, Span) {
        (
            SyntaxError::Shape {
                rule: format!("{:?}", self.rule()),
            },
            self.span(),
        )
    }

    fn name(&self) -> Name {
        Name {
            text: self.text().to_owned(),
            span: self.span(),
        }
    }

    /// Where the pair really ends (in the text pest saw): after its last child's real end
    /// plus any literal tokens (`}`), but before trailing whitespace and comments. Follows the
    /// chain of last children, which is as deep as the grammar nests (bounded by the depth
    /// guard).
    fn trimmed_end(&self) -> usize {
        let flat = self.flat();
        let (start, end) = (flat.start as usize, flat.end as usize);
        let comments = self.tree.comments;
        // The commonest case first, on one byte: in a file without `//`, a pair whose last
        // byte is ASCII and no whitespace (`char::is_whitespace`) ends on a token.
        if !comments && start < end {
            if let Some(&last) = self.tree.text.as_bytes().get(end - 1) {
                if last.is_ascii() && !matches!(last, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') {
                    return end;
                }
            }
        }
        // Most pairs end on a token: then nothing trails and the chain of last children need
        // not be walked (walking it for every node made lowering quadratic in the nesting
        // depth).
        let text = self.text();
        if !may_end_in_skipped(text, comments) {
            return end;
        }
        // Only whitespace trails when no `//` is left on the last line once it is trimmed (a
        // comment runs to the end of its line). A pair without children is a token and keeps
        // its own end.
        let trimmed = text.trim_end();
        if !may_end_in_skipped(trimmed, comments) {
            if flat.first_child == 0 {
                return end;
            }
            return start + trimmed.len();
        }
        let Some(last) = self.children().last() else {
            return end;
        };
        let child_end = last.trimmed_end().min(end);
        let tail = text.get(child_end.saturating_sub(start)..).unwrap_or("");
        child_end + trim_skipped(tail).len()
    }
}

/// The children of a [`Node`], in order.
struct Children<'t> {
    tree: &'t Tree<'t>,
    next: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        if self.next == 0 {
            return None;
        }
        let node = Node {
            tree: self.tree,
            idx: self.next,
        };
        self.next = node.flat().next_sibling;
        Some(node)
    }
}

/// Whether `text` may end in whitespace or a `//` comment: it ends in a whitespace character,
/// or its last line holds `//` (perhaps inside a string: then the slow path decides). In a
/// file without `//` (`comments` false) no line need be scanned.
fn may_end_in_skipped(text: &str, comments: bool) -> bool {
    if text.ends_with(|c: char| c.is_whitespace()) {
        return true;
    }
    if !comments {
        return false;
    }
    let bytes = text.as_bytes();
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    // `contains` on bytes is a fast scan; most lines hold no `/` at all.
    bytes
        .get(line_start..)
        .is_some_and(|line| line.contains(&b'/') && line.windows(2).any(|w| w == b"//"))
}

/// `tail` (text after a pair's last child, so holding no strings) without trailing
/// whitespace and `//` comments.
fn trim_skipped(mut tail: &str) -> &str {
    loop {
        tail = tail.trim_end();
        let line_start = tail.rfind('\n').map_or(0, |i| i + 1);
        match tail.get(line_start..).and_then(|line| line.find("//")) {
            Some(comment) => tail = tail.get(..line_start + comment).unwrap_or(""),
            None => return tail,
        }
    }
}

/// `kw_*` rules: keywords, ignored by lowering unless they carry meaning.
fn is_keyword(rule: Rule) -> bool {
    // Named by their rule names; computed once, not per node.
    static KEYWORDS: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let table = KEYWORDS.get_or_init(|| {
        let mut table = vec![false; Rule::all_rules().len()];
        for &rule in Rule::all_rules() {
            if let Some(slot) = table.get_mut(rule as usize) {
                *slot = format!("{rule:?}").starts_with("kw_");
            }
        }
        table
    });
    table.get(rule as usize).copied().unwrap_or(false)
}

/// Parse one file. Errors carry the span they point at.
pub fn parse_file(source: SourceId, text: &str) -> Result<File> {
    let tree = tree(source, text, Rule::file, 0)?;
    file(root(&tree, Rule::file)?)
}

/// Parse the items of a piece of a file that starts at `offset` in it and after its first
/// piece (`syntax::pieces`). Spans are the file's.
pub fn parse_items(source: SourceId, piece: &str, offset: usize) -> Result<Vec<Item>> {
    let tree = tree(source, piece, Rule::items, offset)?;
    let root = root(&tree, Rule::items)?;
    root.all(Rule::item).map(|node| item(&node)).collect()
}

fn tree(source: SourceId, text: &str, rule: Rule, offset: usize) -> Result<Tree<'_>> {
    if let Some((nodes, _)) = fast_path::nodes(text, rule) {
        return Ok(Tree::new(nodes, text, source, offset));
    }
    pest_tree(source, text, rule, offset)
}

/// Whether the fast path builds pest's tree for `text`, parsed as a file and as a piece:
/// `Ok(Some(n))` when both parse it alike (`n`: the file's items the fast path left to pest),
/// `Ok(None)` when neither parses it, else what differs.
#[cfg(any(test, feature = "testkit"))]
pub fn fast_path_agrees(text: &str) -> std::result::Result<Option<usize>, String> {
    let mut by_pest = None;
    for rule in [Rule::file, Rule::items] {
        let fast = fast_path::nodes(text, rule);
        let pest = Grammar::parse(rule, text)
            .ok()
            .map(|pairs| Nodes::from_pest(pairs).nodes);
        match (fast, pest) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(format!("{rule:?}: pest refuses what the fast path took"))
            }
            (None, Some(_)) => {
                return Err(format!("{rule:?}: the fast path refuses what pest parses"))
            }
            (Some((fast, items)), Some(pest)) => {
                if let Some(at) = (0..fast.nodes.len().max(pest.len()))
                    .find(|&i| fast.nodes.get(i) != pest.get(i))
                {
                    return Err(format!(
                        "{rule:?}: pair {at} differs: fast path {:?}, pest {:?}",
                        fast.nodes.get(at),
                        pest.get(at)
                    ));
                }
                if rule == Rule::file {
                    by_pest = Some(items);
                }
            }
        }
    }
    Ok(by_pest)
}

/// The tree pest builds for `text`, or its error.
fn pest_tree(source: SourceId, text: &str, rule: Rule, offset: usize) -> Result<Tree<'_>> {
    let pairs = Grammar::parse(rule, text).map_err(|e| {
        let (error, span) = pest_error(source, text, &e);
        let span = Span::new(
            source,
            offset + span.start as usize,
            offset + span.end as usize,
        );
        (error, span)
    })?;
    Ok(Tree::new(Nodes::from_pest(pairs), text, source, offset))
}

fn root<'t>(tree: &'t Tree<'t>, rule: Rule) -> Result<Node<'t>> {
    tree.root().ok_or((
        SyntaxError::Shape {
            rule: format!("{rule:?}"),
        },
        Span::new(tree.source, tree.offset, tree.offset),
    ))
}

fn pest_error(
    source: SourceId,
    text: &str,
    error: &pest::error::Error<Rule>,
) -> (SyntaxError, Span) {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // Point at the whole offending word, or at the end of input.
    let rest = text.get(pos..).unwrap_or("");
    let word_len = rest
        .char_indices()
        .find(|(i, c)| *i > 0 && !(c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '-'))
        .map_or(rest.len(), |(i, _)| i);
    let word_len = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        word_len
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let found = match rest.get(..word_len) {
        None | Some("") => "end of file".to_owned(),
        Some(w) => format!("`{}`", truncate(w, 40)),
    };
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            human_list(&names)
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    (
        SyntaxError::Unexpected { found, expected },
        Span::new(source, pos, pos + word_len),
    )
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

fn human_list(names: &[&str]) -> String {
    match names {
        [] => "something else".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] if init.len() < 8 => format!("{} or {last}", init.join(", ")),
        _ => {
            let head: Vec<&str> = names.iter().take(8).copied().collect();
            format!("one of {}, …", head.join(", "))
        }
    }
}

/// How a grammar rule is named in "expected …" messages.
fn rule_name(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => "end of file",
        ident | ident_raw => "a name",
        path => "a dotted name",
        region_code | region_item | region_list => "a region code",
        string | string_body => "a string",
        int => "a number",
        date => "a date",
        duration => "a duration",
        lint_name => "a lint name",
        selector | selector_list => "a selector",
        recipient_item | recipient_selector | recipient_list => "a recipient",
        condition | and_expr | not_expr | atom | predicate | subject_test | set_member
        | when_clause => "a condition",
        circumstance_ref => "`circumstance.…`",
        circumstance_decl | kw_circumstance => "`circumstance`",
        kw_known => "`known`",
        kw_overrides | objection_override => "`overrides objection`",
        kw_objection => "`objection`",
        kw_given | given_clause => "`given`",
        region_scope => "`in`",
        basis_modifier => "a basis modifier (`in`, `when`, `art9(…)`, `overrides objection`)",
        rule_modifier => "`in`, `when` or `except`",
        except_clause | except_for | except_to => "`except`",
        art9_clause => "`art9(…)`",
        basis_alternatives | basis_name => "a legal basis",
        action | use_action | disclose_action | sell_action | share_action | transfer_action => {
            "`use`, `disclose`, `sell`, `share` or `transfer`"
        }
        query | use_query | disclose_query | transfer_query => "`use`, `disclose` or `transfer`",
        query_option => "`in`, `collected`, `given` or `campaign`",
        campaign_clause => "`campaign \"NAME\"`",
        opt_out_detail => "`at`, `revoked`, `channel` or `campaign`",
        channel_entry => "`channel`",
        expect_detail => "`basis` or `with`",
        expect_rule => "`by`",
        kind_target => "`kind`",
        vocabulary_decl => "`vocabulary purpose`",
        other_purposes_decl => "`purpose other`",
        threshold_max | kw_max => "`max(…)`",
        threshold_term => "an age or a regime fact",
        kw_other => "`other`",
        outcome => "`allow` or `deny`",
        retention_bound => "`least` or `most`",
        retention_verdict => "`must_keep`, `may_keep` or `must_delete`",
        retention_event => "an event and its date",
        retain_period | retain_fixed | retain_while | retain_agreed | retain_exempt
        | retain_unlimited => "`at least`, `at most`, `exempt` or `without limit`",
        retain_deidentified | kw_deidentified => "`deidentified`",
        retention_option => "`agreed PERIOD` or `deidentified`",
        event_per_purpose => "`per purpose`",
        children_treatment => "`deny`, `allow` or `require parental_consent`",
        std_module => "`std::…`",
        rights_entry | right_entry | response_entry => "a right or `respond within …`",
        test_subject => "`subject`",
        subject_ref => "`subject.…`",
        cmp_op => "a comparison",
        literal | attr_value => "a value",
        item | doc_comment | cite_comment | outer_attr => "a declaration",
        inner_attr => "`#![allow(…)]`",
        kw_policy => "`policy`",
        kw_controller => "`controller`",
        kw_contact => "`contact`",
        kw_version => "`version`",
        kw_effective => "`effective`",
        kw_updated => "`updated`",
        kw_use => "`use`",
        kw_region => "`region`",
        kw_group => "`group`",
        kw_fact => "`fact`",
        kw_flag => "`flag`",
        kw_category => "`category`",
        kw_field => "`field`",
        kw_subject => "`subject`",
        kw_kind => "`kind`",
        kw_attribute => "`attribute`",
        kw_event => "`event`",
        kw_children => "`children`",
        kw_under => "`under`",
        kw_unknown => "`unknown`",
        kw_age => "`age`",
        kw_is => "`is`",
        kw_default => "`default`",
        kw_require => "`require`",
        kw_purpose => "`purpose`",
        kw_uses => "`uses`",
        kw_subjects => "`subjects`",
        kw_basis => "`basis`",
        kw_art9 => "`art9`",
        kw_direct_marketing => "`direct_marketing`",
        kw_survives => "`survives`",
        kw_withdrawal => "`withdrawal`",
        kw_taints => "`taints`",
        kw_channel => "`channel`",
        kw_campaign => "`campaign`",
        kw_revoked => "`revoked`",
        kw_prior => "`prior`",
        kw_data => "`data`",
        kw_recipient => "`recipient`",
        kw_located => "`located`",
        kw_local => "`local`",
        kw_purposes => "`purposes`",
        kw_categories => "`categories`",
        kw_sale => "`sale`",
        kw_sharing => "`sharing`",
        kw_transfer => "`transfer`",
        kw_localize => "`localize`",
        kw_from => "`from`",
        kw_to => "`to`",
        kw_with => "`with`",
        kw_retain => "`retain`",
        kw_at => "`at`",
        kw_least => "`least`",
        kw_most => "`most`",
        kw_after => "`after`",
        kw_for => "`for`",
        kw_in => "`in`",
        kw_when => "`when`",
        kw_except => "`except`",
        kw_deny => "`deny`",
        kw_allow => "`allow`",
        kw_disclose => "`disclose`",
        kw_sell => "`sell`",
        kw_share => "`share`",
        kw_assert => "`assert`",
        kw_never => "`never`",
        kw_always => "`always`",
        kw_only => "`only`",
        kw_may => "`may`",
        kw_requires => "`requires`",
        kw_test => "`test`",
        kw_expect => "`expect`",
        kw_explicit => "`explicit`",
        kw_consent => "`consent`",
        kw_withdrawn => "`withdrawn`",
        kw_objected => "`objected`",
        kw_opted_out => "`opted_out`",
        kw_set => "`set`",
        kw_collected => "`collected`",
        kw_retention => "`retention`",
        kw_events => "`events`",
        kw_now => "`now`",
        kw_until => "`until`",
        kw_since => "`since`",
        kw_not => "`not`",
        kw_rights => "`rights`",
        kw_respond => "`respond`",
        kw_within => "`within`",
        kw_extendable => "`extendable`",
        kw_by => "`by`",
        kw_vocabulary => "`vocabulary`",
        rights_decl => "`rights`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_true => "`true`",
        kw_false => "`false`",
        policy_header => "`policy`",
        use_decl => "`use`",
        region_decl => "`region`",
        group_decl => "`group`",
        fact_decl => "`fact`",
        flag_decl => "`flag`",
        category_decl => "`category`",
        field_decl => "`field`",
        subject_kind_decl => "`subject kind`",
        attribute_decl => "`attribute`",
        event_decl => "`event`",
        children_decl => "`children`",
        purpose_decl => "`purpose`",
        recipient_decl => "`recipient`",
        transfer_decl => "`transfer`",
        localize_decl => "`localize`",
        retain_decl => "`retain`",
        deny_decl => "`deny`",
        assert_decl => "`assert`",
        test_decl => "`test`",
        header_entry => {
            "a header entry (`controller`, `contact`, `version`, `effective`, `updated`)"
        }
        children_entry => "`under`, `unknown age` or `default`",
        purpose_entry => "a purpose entry (`uses`, `basis`, `subjects`, `survives`, `channel`, …)",
        recipient_entry => "`purposes`, `categories`, `sale`, `sharing`, `when`, `duty` or `never`",
        security_decl => "`security`",
        source_decl | kw_source => "`source`",
        kw_provides => "`provides`",
        security_entry => "a security measure (`encryption \"…\"`)",
        right_terms => "`free`, `only for basis …` or `via \"…\"`",
        kw_security => "`security`",
        kw_duty => "`duty`",
        kw_free => "`free`",
        kw_via => "`via`",
        subject_entry => "a subject entry (`region`, `age`, `consent`, …)",
        expectation => "`expect`",
        _ => "something else",
    }
}

// ------------------------------------------------------------------------ literals

fn string(node: &Node) -> Result<StrLit> {
    let body = node.one(Rule::string_body)?;
    let raw = body.text();
    let mut value = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => value.push('"'),
            Some((_, '\\')) => value.push('\\'),
            Some((_, 'n')) => value.push('\n'),
            Some((_, 't')) => value.push('\t'),
            Some((j, other)) => {
                let start = body.span().start as usize + i;
                let end = body.span().start as usize + j + other.len_utf8();
                return Err((
                    SyntaxError::InvalidEscape {
                        text: format!("\\{other}"),
                    },
                    Span::new(node.source(), start, end),
                ));
            }
            None => return Err(node.shape()),
        }
    }
    Ok(StrLit {
        value,
        span: node.span(),
    })
}

fn opt_string(node: &Node) -> Result<Option<StrLit>> {
    node.opt(Rule::string).map(|s| string(&s)).transpose()
}

fn int(node: &Node) -> Result<IntLit> {
    let value = node.text().parse::<i64>().map_err(|_| {
        (
            SyntaxError::InvalidNumber {
                text: truncate(node.text(), 40),
            },
            node.span(),
        )
    })?;
    Ok(IntLit {
        value,
        span: node.span(),
    })
}

fn date(node: &Node) -> Result<DateLit> {
    let text = node.text();
    let parsed = if text.contains('T') {
        text.parse::<jiff::Timestamp>().map_err(|e| e.to_string())
    } else {
        text.parse::<jiff::civil::Date>()
            .map_err(|e| e.to_string())
            .and_then(|d| {
                d.to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .map_err(|e| e.to_string())
            })
    };
    let value = parsed.map_err(|reason| {
        (
            SyntaxError::InvalidDate {
                text: text.to_owned(),
                reason,
            },
            node.span(),
        )
    })?;
    Ok(DateLit {
        value,
        span: node.span(),
    })
}

fn duration(node: &Node) -> Result<DurationLit> {
    let text = node.text();
    let value = text.parse::<jiff::Span>().map_err(|e| {
        (
            SyntaxError::InvalidDuration {
                text: text.to_owned(),
                reason: e.to_string(),
            },
            node.span(),
        )
    })?;
    Ok(DurationLit {
        value,
        text: text.to_owned(),
        span: node.span(),
    })
}

// ------------------------------------------------------------------------ file and items

fn file(node: Node) -> Result<File> {
    let mut docs = Vec::new();
    let mut allows = Vec::new();
    let mut items = Vec::new();
    for child in node.children() {
        match child.rule() {
            Rule::inner_doc => docs.push(doc_line(child.text(), "//!")),
            Rule::inner_attr => allows.extend(child.all(Rule::lint_name).map(|n| n.name())),
            Rule::item => items.push(item(&child)?),
            _ => {}
        }
    }
    Ok(File {
        source: node.source(),
        docs: join_docs(docs),
        allows,
        items,
    })
}

fn doc_line(text: &str, marker: &str) -> String {
    let rest = text.strip_prefix(marker).unwrap_or(text);
    rest.strip_prefix(' ').unwrap_or(rest).trim_end().to_owned()
}

fn join_docs(lines: Vec<String>) -> Option<String> {
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn item(node: &Node) -> Result<Item> {
    let mut docs = Vec::new();
    let mut cites = Vec::new();
    let mut allows = Vec::new();
    let mut decl = None;
    for child in node.children() {
        match child.rule() {
            Rule::doc_comment => docs.push(doc_line(child.text(), "///")),
            Rule::cite_comment => cites.push(doc_line(child.text(), "//>")),
            Rule::outer_attr => allows.extend(child.all(Rule::lint_name).map(|n| n.name())),
            _ => decl = Some(declaration(&child)?),
        }
    }
    Ok(Item {
        docs: join_docs(docs),
        cite: join_docs(cites),
        allows,
        decl: decl.ok_or_else(|| node.shape())?,
        span: node.span(),
    })
}

fn declaration(node: &Node) -> Result<Decl> {
    Ok(match node.rule() {
        Rule::policy_header => Decl::Policy(policy_header(node)?),
        Rule::use_decl => Decl::Use(use_decl(node)?),
        Rule::region_decl => Decl::Region(RegionDecl {
            code: node.one(Rule::region_code)?.name(),
            title: opt_string(node)?,
            parents: opt_region_scope(node)?.unwrap_or_default(),
        }),
        Rule::group_decl => Decl::Group(GroupDecl {
            code: node.one(Rule::region_code)?.name(),
            title: opt_string(node)?,
            members: region_list(&node.nth(Rule::region_list, 0)?),
            except: node
                .all(Rule::region_list)
                .nth(1)
                .map(|n| region_list(&n))
                .unwrap_or_default(),
        }),
        Rule::fact_decl => Decl::Fact(FactDecl {
            name: node.one(Rule::ident)?.name(),
            value: int(&node.one(Rule::int)?)?,
            scope: opt_region_scope(node)?.unwrap_or_default(),
        }),
        Rule::flag_decl => Decl::Flag(FlagDecl {
            name: node.one(Rule::ident)?.name(),
            title: opt_string(node)?,
        }),
        Rule::category_decl => Decl::Category(CategoryDecl {
            path: node.one(Rule::path)?.name(),
            title: opt_string(node)?,
            flags: node.all(Rule::ident).map(|n| n.name()).collect(),
        }),
        Rule::field_decl => Decl::Field(FieldDecl {
            path: node.nth(Rule::path, 0)?.name(),
            category: node.nth(Rule::path, 1)?.name(),
            title: opt_string(node)?,
        }),
        Rule::subject_kind_decl => Decl::SubjectKind(SubjectKindDecl {
            name: node.one(Rule::ident)?.name(),
            title: opt_string(node)?,
        }),
        Rule::attribute_decl => Decl::Attribute(AttributeDecl {
            name: node.nth(Rule::ident, 0)?.name(),
            ty: node.nth(Rule::ident, 1)?.name(),
        }),
        Rule::vocabulary_decl => Decl::Vocabulary(VocabularyDecl {
            path: node.one(Rule::path)?.name(),
            title: opt_string(node)?,
        }),
        Rule::event_decl => Decl::Event(EventDecl {
            name: node.one(Rule::ident)?.name(),
            title: opt_string(node)?,
            per_purpose: node.opt(Rule::event_per_purpose).map(|n| n.span()),
        }),
        Rule::children_decl => Decl::Children(children_decl(node)?),
        Rule::purpose_decl => Decl::Purpose(purpose_decl(node)?),
        Rule::other_purposes_decl => Decl::OtherPurposes(other_purposes_decl(node)?),
        Rule::recipient_decl => Decl::Recipient(recipient_decl(node)?),
        Rule::security_decl => Decl::Security(security_decl(node)?),
        Rule::source_decl => Decl::Source(SourceDecl {
            name: node.one(Rule::ident)?.name(),
            title: opt_string(node)?,
            data: selector_list(&node.nth(Rule::selector_list, 0)?)?,
            purposes: match node.all(Rule::selector_list).nth(1) {
                Some(list) => selector_list(&list)?,
                None => Vec::new(),
            },
            scope: opt_region_scope(node)?.unwrap_or_default(),
        }),
        Rule::transfer_decl => Decl::Transfer(TransferDecl {
            data: selector_list(&node.one(Rule::selector_list)?)?,
            from: region_list(&node.nth(Rule::region_list, 0)?),
            to: region_list(&node.nth(Rule::region_list, 1)?),
            safeguard: node.opt(Rule::ident).map(|n| n.name()),
            consent: node
                .opt(Rule::consent_requirement)
                .map(|c| consent_requirement(&c)),
            when: node
                .opt(Rule::when_clause)
                .map(|w| when_clause(&w))
                .transpose()?,
        }),
        Rule::localize_decl => Decl::Localize(LocalizeDecl {
            data: selector_list(&node.one(Rule::selector_list)?)?,
            regions: region_scope(&node.one(Rule::region_scope)?)?,
            unless: node
                .opt(Rule::when_clause)
                .map(|w| when_clause(&w))
                .transpose()?,
        }),
        Rule::retain_decl => Decl::Retain(retain_decl(node)?),
        Rule::deny_decl => Decl::Deny(deny_decl(node)?),
        Rule::assert_decl => Decl::Assert(assert_decl(node)?),
        Rule::test_decl => Decl::Test(test_decl(node)?),
        Rule::rights_decl => Decl::Rights(rights_decl(node)?),
        Rule::circumstance_decl => Decl::Circumstance(CircumstanceDecl {
            name: node.one(Rule::ident)?.name(),
            title: opt_string(node)?,
        }),
        _ => return Err(node.shape()),
    })
}

fn policy_header(node: &Node) -> Result<PolicyHeader> {
    let mut header = PolicyHeader {
        name: Some(string(&node.one(Rule::string)?)?),
        ..PolicyHeader::default()
    };
    for entry in node.all(Rule::header_entry) {
        let keyword = entry.children().next().ok_or_else(|| entry.shape())?;
        match keyword.rule() {
            Rule::kw_controller => header.controllers.push(string(&entry.one(Rule::string)?)?),
            Rule::kw_contact => header.contacts.push(string(&entry.one(Rule::string)?)?),
            Rule::kw_version => set_once(
                &mut header.version,
                string(&entry.one(Rule::string)?)?,
                "version",
                &entry,
            )?,
            Rule::kw_effective => set_once(
                &mut header.effective,
                date(&entry.one(Rule::date)?)?,
                "effective",
                &entry,
            )?,
            Rule::kw_updated => set_once(
                &mut header.updated,
                date(&entry.one(Rule::date)?)?,
                "updated",
                &entry,
            )?,
            _ => return Err(entry.shape()),
        }
    }
    Ok(header)
}

fn set_once<T>(slot: &mut Option<T>, value: T, clause: &'static str, node: &Node) -> Result<()> {
    if slot.is_some() {
        return Err((SyntaxError::DuplicateClause { clause }, node.span()));
    }
    *slot = Some(value);
    Ok(())
}

fn use_decl(node: &Node) -> Result<UseDecl> {
    let target = if let Some(module) = node.opt(Rule::std_module) {
        UseTarget::Std(module.name())
    } else {
        UseTarget::File(string(&node.one(Rule::string)?)?)
    };
    Ok(UseDecl { target })
}

// ------------------------------------------------------------------------ regions, selectors

fn region_list(node: &Node) -> Vec<RegionRef> {
    node.all(Rule::region_item)
        .map(|item| match item.opt(Rule::region_code) {
            Some(code) => RegionRef::Code(code.name()),
            None => RegionRef::Anywhere(item.span()),
        })
        .collect()
}

fn region_scope(node: &Node) -> Result<Vec<RegionRef>> {
    Ok(region_list(&node.one(Rule::region_list)?))
}

fn opt_region_scope(node: &Node) -> Result<Option<Vec<RegionRef>>> {
    node.opt(Rule::region_scope)
        .map(|s| region_scope(&s))
        .transpose()
}

fn selector(node: &Node) -> Selector {
    let text = node.text();
    let kind = if text == "*" {
        SelectorKind::All
    } else if let Some(flag) = text.strip_prefix('#') {
        SelectorKind::Flag(flag.to_owned())
    } else if let Some(path) = text.strip_suffix(".*") {
        SelectorKind::Path {
            path: path.to_owned(),
            star: true,
        }
    } else {
        SelectorKind::Path {
            path: text.to_owned(),
            star: false,
        }
    };
    Selector {
        kind,
        span: node.span(),
    }
}

fn selector_list(node: &Node) -> Result<Vec<Selector>> {
    Ok(node.all(Rule::selector).map(|n| selector(&n)).collect())
}

fn recipient_list(node: &Node) -> Result<Vec<RecipientSel>> {
    node.all(Rule::recipient_selector)
        .map(|sel| {
            let kind = if let Some(kind) = sel.opt(Rule::ident) {
                RecipientSelKind::Kind(kind.name())
            } else {
                let item = sel.one(Rule::recipient_item)?;
                match item.text() {
                    "*" => RecipientSelKind::Any,
                    name => RecipientSelKind::Named(name.to_owned()),
                }
            };
            Ok(RecipientSel {
                kind,
                span: sel.span(),
            })
        })
        .collect()
}

// ------------------------------------------------------------------------ children, purposes

fn children_treatment(node: &Node) -> Result<ChildrenTreatment> {
    let kind = if node.has(Rule::kw_deny) {
        TreatmentKind::Deny
    } else if node.has(Rule::kw_allow) {
        TreatmentKind::Allow
    } else {
        TreatmentKind::Require(node.one(Rule::ident)?.name())
    };
    Ok(ChildrenTreatment {
        kind,
        span: node.span(),
    })
}

/// An age (`13`) or a regime fact (`digital_consent_age`), the one child of `node`.
fn threshold_term(node: &Node) -> Result<Threshold> {
    Ok(match node.opt(Rule::int) {
        Some(n) => Threshold::Age(int(&n)?),
        None => Threshold::Fact(node.one(Rule::ident)?.name()),
    })
}

fn children_decl(node: &Node) -> Result<ChildrenDecl> {
    let mut decl = ChildrenDecl::default();
    for entry in node.all(Rule::children_entry) {
        let inner = entry.first_meaningful()?;
        match inner.rule() {
            Rule::children_threshold => {
                let threshold = match inner.opt(Rule::threshold_max) {
                    Some(max) => Threshold::Max(
                        max.all(Rule::threshold_term)
                            .map(|term| threshold_term(&term))
                            .collect::<Result<Vec<_>>>()?,
                    ),
                    None => threshold_term(&inner)?,
                };
                decl.thresholds.push(ChildThreshold {
                    threshold,
                    scope: opt_region_scope(&inner)?.unwrap_or_default(),
                    span: inner.span(),
                });
            }
            Rule::children_unknown_age => {
                let value = inner.one(Rule::ident)?.name();
                set_once(&mut decl.unknown_age, value, "unknown age", &inner)?;
            }
            Rule::children_default => {
                let treatment = children_treatment(&inner.one(Rule::children_treatment)?)?;
                set_once(&mut decl.default, treatment, "default", &inner)?;
            }
            _ => return Err(inner.shape()),
        }
    }
    Ok(decl)
}

/// `purpose other [for PURPOSES] "Title" { … }`.
fn other_purposes_decl(node: &Node) -> Result<OtherPurposesDecl> {
    let covers = match node.opt(Rule::selector_list) {
        Some(list) => selector_list(&list)?,
        None => Vec::new(),
    };
    let body = purpose_body(node, node.one(Rule::kw_other)?.name())?;
    Ok(OtherPurposesDecl { covers, body })
}

fn purpose_decl(node: &Node) -> Result<PurposeDecl> {
    purpose_body(node, node.one(Rule::path)?.name())
}

/// A purpose's title and `{ … }` entries, under `path`.
fn purpose_body(node: &Node, path: Name) -> Result<PurposeDecl> {
    let mut decl = PurposeDecl {
        path,
        title: opt_string(node)?,
        uses: Vec::new(),
        subjects: Vec::new(),
        bases: Vec::new(),
        direct_marketing: None,
        survives: Vec::new(),
        children: None,
        taints_prior_data: None,
        channels: Vec::new(),
    };
    for entry in node.all(Rule::purpose_entry) {
        let inner = entry.first_meaningful()?;
        match inner.rule() {
            Rule::uses_entry => decl
                .uses
                .extend(selector_list(&inner.one(Rule::selector_list)?)?),
            Rule::subjects_entry => decl
                .subjects
                .extend(inner.all(Rule::ident).map(|n| n.name())),
            Rule::basis_entry => decl.bases.push(basis_entry(&inner)?),
            Rule::direct_marketing_entry => set_once(
                &mut decl.direct_marketing,
                inner.span(),
                "direct_marketing",
                &inner,
            )?,
            Rule::survives_entry => decl
                .survives
                .extend(inner.all(Rule::ident).map(|n| n.name())),
            Rule::purpose_children_entry => {
                let treatment = children_treatment(&inner.one(Rule::children_treatment)?)?;
                set_once(&mut decl.children, treatment, "children", &inner)?;
            }
            Rule::taint_entry => set_once(
                &mut decl.taints_prior_data,
                inner.span(),
                "withdrawal taints prior data",
                &inner,
            )?,
            Rule::channel_entry => decl
                .channels
                .extend(inner.all(Rule::ident).map(|n| n.name())),
            _ => return Err(inner.shape()),
        }
    }
    Ok(decl)
}

fn basis_entry(node: &Node) -> Result<BasisDecl> {
    let alternatives = node
        .one(Rule::basis_alternatives)?
        .all(Rule::basis_name)
        .map(|b| {
            Ok(BasisName {
                name: b.nth(Rule::ident, 0)?.name(),
                arg: b.all(Rule::ident).nth(1).map(|n| n.name()),
                span: b.span(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut decl = BasisDecl {
        alternatives,
        scope: None,
        when: None,
        art9: None,
        objection_override: None,
        span: node.span(),
    };
    for modifier in node.all(Rule::basis_modifier) {
        let inner = modifier.first_meaningful()?;
        match inner.rule() {
            Rule::region_scope => set_once(&mut decl.scope, region_scope(&inner)?, "in", &inner)?,
            Rule::when_clause => set_once(&mut decl.when, when_clause(&inner)?, "when", &inner)?,
            Rule::art9_clause => set_once(
                &mut decl.art9,
                inner.one(Rule::ident)?.name(),
                "art9",
                &inner,
            )?,
            Rule::objection_override => set_once(
                &mut decl.objection_override,
                when_clause(&inner.one(Rule::when_clause)?)?,
                "overrides objection",
                &inner,
            )?,
            _ => return Err(inner.shape()),
        }
    }
    Ok(decl)
}

fn recipient_decl(node: &Node) -> Result<RecipientDecl> {
    let mut decl = RecipientDecl {
        name: node.nth(Rule::ident, 0)?.name(),
        title: opt_string(node)?,
        kind: node.nth(Rule::ident, 1)?.name(),
        located: node
            .opt(Rule::region_list)
            .map(|n| region_list(&n))
            .unwrap_or_default(),
        located_local: node.has(Rule::kw_local),
        purposes: Vec::new(),
        categories: Vec::new(),
        sale: None,
        sharing: None,
        conditions: Vec::new(),
        consent: None,
        duties: Vec::new(),
        limits: Vec::new(),
    };
    for entry in node.all(Rule::recipient_entry) {
        let first = entry.children().next().ok_or_else(|| entry.shape())?;
        match first.rule() {
            Rule::kw_purposes => decl
                .purposes
                .extend(selector_list(&entry.one(Rule::selector_list)?)?),
            Rule::kw_categories => decl
                .categories
                .extend(selector_list(&entry.one(Rule::selector_list)?)?),
            Rule::kw_sale => set_once(&mut decl.sale, first.span(), "sale", &entry)?,
            Rule::kw_sharing => set_once(&mut decl.sharing, first.span(), "sharing", &entry)?,
            Rule::when_clause => decl.conditions.push(when_clause(&first)?),
            Rule::consent_requirement => set_once(
                &mut decl.consent,
                consent_requirement(&first),
                "requires consent",
                &entry,
            )?,
            Rule::recipient_duty => decl.duties.push(string(&first.one(Rule::string)?)?),
            Rule::recipient_limit => decl.limits.push(RecipientLimit {
                purposes: selector_list(&first.one(Rule::selector_list)?)?,
                text: opt_string(&first)?,
                span: first.span(),
            }),
            _ => return Err(entry.shape()),
        }
    }
    Ok(decl)
}

fn consent_requirement(node: &Node) -> ConsentRequirement {
    ConsentRequirement {
        explicit: node.has(Rule::kw_explicit),
        span: node.span(),
    }
}

fn consent_target(node: &Node) -> Result<ConsentTarget> {
    Ok(match node.opt(Rule::region_code) {
        Some(region) => ConsentTarget::Transfer(region.name()),
        None => ConsentTarget::Recipient(node.one(Rule::ident)?.name()),
    })
}

fn retain_decl(node: &Node) -> Result<RetainDecl> {
    Ok(RetainDecl {
        data: selector_list(&node.nth(Rule::selector_list, 0)?)?,
        purposes: match node.all(Rule::selector_list).nth(1) {
            Some(list) => selector_list(&list)?,
            None => Vec::new(),
        },
        deidentified: node.opt(Rule::retain_deidentified).map(|n| n.span()),
        period: retain_period(&node.one(Rule::retain_period)?.first_meaningful()?)?,
        scope: opt_region_scope(node)?,
        when: node
            .opt(Rule::when_clause)
            .map(|w| when_clause(&w))
            .transpose()?,
    })
}

fn retain_period(node: &Node) -> Result<RetainPeriod> {
    Ok(match node.rule() {
        Rule::retain_fixed => RetainPeriod::Fixed {
            bound: if node.one(Rule::retention_bound)?.has(Rule::kw_least) {
                RetentionBound::AtLeast
            } else {
                RetentionBound::AtMost
            },
            duration: duration(&node.one(Rule::duration)?)?,
            after: node.one(Rule::ident)?.name(),
        },
        Rule::retain_while => RetainPeriod::While {
            condition: condition(&node.one(Rule::condition)?)?,
            span: node.one(Rule::kw_while)?.span(),
        },
        Rule::retain_agreed => RetainPeriod::Agreed {
            cap: node.opt(Rule::duration).map(|d| duration(&d)).transpose()?,
            after: node.one(Rule::ident)?.name(),
        },
        Rule::retain_exempt => RetainPeriod::Exempt { span: node.span() },
        Rule::retain_unlimited => RetainPeriod::Unlimited {
            after: node.opt(Rule::ident).map(|n| n.name()),
            span: node.span(),
        },
        _ => return Err(node.shape()),
    })
}

/// The `///` doc comment and `//>` citation of an entry of a block.
fn entry_docs(entry: &Node) -> (Option<String>, Option<String>) {
    let lines = |rule, marker| -> Option<String> {
        join_docs(
            entry
                .all(rule)
                .map(|d| doc_line(d.text(), marker))
                .collect(),
        )
    };
    (
        lines(Rule::doc_comment, "///"),
        lines(Rule::cite_comment, "//>"),
    )
}

fn security_decl(node: &Node) -> Result<SecurityDecl> {
    let mut decl = SecurityDecl::default();
    for entry in node.all(Rule::security_entry) {
        let (docs, cite) = entry_docs(&entry);
        decl.measures.push(SecurityMeasure {
            docs,
            cite,
            name: entry.one(Rule::ident)?.name(),
            description: string(&entry.one(Rule::string)?)?,
            data: entry
                .opt(Rule::selector_list)
                .map(|l| selector_list(&l))
                .transpose()?
                .unwrap_or_default(),
            recipients: entry
                .opt(Rule::recipient_list)
                .map(|l| recipient_list(&l))
                .transpose()?
                .unwrap_or_default(),
            span: entry.span(),
        });
    }
    Ok(decl)
}

fn rights_decl(node: &Node) -> Result<RightsDecl> {
    let mut decl = RightsDecl::default();
    for entry in node.all(Rule::rights_entry) {
        let (docs, cite) = entry_docs(&entry);
        if let Some(response) = entry.opt(Rule::response_entry) {
            let within = duration(&response.nth(Rule::duration, 0)?)?;
            let extension = response
                .all(Rule::duration)
                .nth(1)
                .map(|d| duration(&d))
                .transpose()?;
            decl.responses.push(ResponseEntry {
                docs,
                cite,
                within,
                extension,
                scope: opt_region_scope(&response)?.unwrap_or_default(),
                span: response.span(),
            });
        } else {
            let right = entry.one(Rule::right_entry)?;
            let name = right.one(Rule::basis_name)?;
            if let Some(second) = right.all(Rule::region_scope).nth(1) {
                return Err((SyntaxError::DuplicateClause { clause: "in" }, second.span()));
            }
            let mut free = None;
            let mut only_for = Vec::new();
            let mut via = None;
            for terms in right.all(Rule::right_terms) {
                if let Some(kw) = terms.opt(Rule::kw_free) {
                    set_once(&mut free, kw.span(), "free", &terms)?;
                }
                if let Some(only) = terms.opt(Rule::right_only_for) {
                    for b in only.all(Rule::basis_name) {
                        only_for.push(BasisName {
                            name: b.nth(Rule::ident, 0)?.name(),
                            arg: b.all(Rule::ident).nth(1).map(|n| n.name()),
                            span: b.span(),
                        });
                    }
                }
                if let Some(v) = terms.opt(Rule::right_via) {
                    set_once(&mut via, string(&v.one(Rule::string)?)?, "via", &terms)?;
                }
            }
            decl.rights.push(RightEntry {
                docs,
                cite,
                free,
                only_for,
                via,
                name: name.nth(Rule::ident, 0)?.name(),
                arg: name.all(Rule::ident).nth(1).map(|n| n.name()),
                scope: opt_region_scope(&right)?.unwrap_or_default(),
                span: right.span(),
            });
        }
    }
    Ok(decl)
}

// ------------------------------------------------------------------------ rules, assertions

fn action(node: &Node) -> Result<Action> {
    let inner = node.first_meaningful()?;
    let nth_selectors = |n| -> Result<Vec<Selector>> {
        match inner.all(Rule::selector_list).nth(n) {
            Some(list) => selector_list(&list),
            None => Ok(Vec::new()),
        }
    };
    Ok(match inner.rule() {
        Rule::use_action => Action::Use {
            data: nth_selectors(0)?,
            purposes: nth_selectors(1)?,
        },
        Rule::disclose_action => Action::Disclose {
            data: nth_selectors(0)?,
            recipients: recipient_list(&inner.one(Rule::recipient_list)?)?,
            purposes: nth_selectors(1)?,
        },
        Rule::sell_action => Action::Sell {
            data: nth_selectors(0)?,
        },
        Rule::share_action => Action::Share {
            data: nth_selectors(0)?,
        },
        Rule::transfer_action => Action::Transfer {
            data: nth_selectors(0)?,
            from: region_list(&inner.nth(Rule::region_list, 0)?),
            to: region_list(&inner.nth(Rule::region_list, 1)?),
        },
        Rule::combine_action => Action::Combine {
            data: nth_selectors(0)?,
            with: nth_selectors(1)?,
            except: match inner.opt(Rule::combine_except) {
                Some(except) => selector_list(&except.one(Rule::selector_list)?)?,
                None => Vec::new(),
            },
            purposes: nth_selectors(2)?,
        },
        _ => return Err(inner.shape()),
    })
}

fn rule_scope(node: &Node) -> Result<RuleScope> {
    let mut scope = RuleScope::default();
    for modifier in node.all(Rule::rule_modifier) {
        let inner = modifier.first_meaningful()?;
        match inner.rule() {
            Rule::region_scope => {
                set_once(&mut scope.regions, region_scope(&inner)?, "in", &inner)?
            }
            Rule::when_clause => set_once(&mut scope.when, when_clause(&inner)?, "when", &inner)?,
            Rule::except_clause => scope.excepts.push(except_clause(&inner)?),
            _ => return Err(inner.shape()),
        }
    }
    Ok(scope)
}

fn except_clause(node: &Node) -> Result<Except> {
    let inner = node.first_meaningful()?;
    let kind = match inner.rule() {
        Rule::when_clause => ExceptKind::When(when_clause(&inner)?),
        Rule::except_for => ExceptKind::For(selector_list(&inner.one(Rule::selector_list)?)?),
        Rule::region_scope => ExceptKind::In(region_scope(&inner)?),
        Rule::except_to => match inner.opt(Rule::region_list) {
            Some(list) => ExceptKind::ToRegions(region_list(&list)),
            None => ExceptKind::ToRecipients(recipient_list(&inner.one(Rule::recipient_list)?)?),
        },
        _ => return Err(inner.shape()),
    };
    Ok(Except {
        kind,
        span: node.span(),
    })
}

fn deny_decl(node: &Node) -> Result<DenyDecl> {
    let action_node = node.one(Rule::action)?;
    Ok(DenyDecl {
        name: node.one(Rule::ident)?.name(),
        action: action(&action_node)?,
        action_span: action_node.span(),
        scope: rule_scope(node)?,
    })
}

fn assert_decl(node: &Node) -> Result<AssertDecl> {
    let inner = node.first_meaningful()?;
    let kind = match inner.rule() {
        Rule::assert_never => AssertKind::Never {
            action: action(&inner.one(Rule::action)?)?,
            scope: rule_scope(&inner)?,
        },
        Rule::assert_only => AssertKind::Only {
            purposes: selector_list(&inner.nth(Rule::selector_list, 0)?)?,
            data: selector_list(&inner.nth(Rule::selector_list, 1)?)?,
        },
        Rule::assert_requires => AssertKind::Requires {
            purpose: inner.one(Rule::path)?.name(),
            basis: inner.one(Rule::ident)?.name(),
            scope: opt_region_scope(&inner)?,
        },
        _ => return Err(inner.shape()),
    };
    Ok(AssertDecl { kind })
}

// ------------------------------------------------------------------------ conditions

fn when_clause(node: &Node) -> Result<Condition> {
    condition(&node.one(Rule::condition)?)
}

fn condition(node: &Node) -> Result<Condition> {
    joined(node, Rule::and_expr, and_expr, CondKind::Or)
}

fn and_expr(node: &Node) -> Result<Condition> {
    joined(node, Rule::not_expr, not_expr, CondKind::And)
}

/// `a or b or …` / `a and b and …`: the parts of `rule` lowered by `lower`; one part is that
/// part itself (most conditions have one: no list is allocated for it).
fn joined(
    node: &Node,
    rule: Rule,
    lower: fn(&Node) -> Result<Condition>,
    join: fn(Vec<Condition>) -> CondKind,
) -> Result<Condition> {
    let mut parts = node.all(rule);
    let first = lower(&parts.next().ok_or_else(|| node.shape())?)?;
    let Some(second) = parts.next() else {
        return Ok(first);
    };
    let mut all = vec![first, lower(&second)?];
    for part in parts {
        all.push(lower(&part)?);
    }
    Ok(Condition {
        kind: join(all),
        span: node.span(),
    })
}

fn not_expr(node: &Node) -> Result<Condition> {
    let mut children = node.children();
    let first = children.next().ok_or_else(|| node.shape())?;
    // Most atoms have no prefix: then the atom is the first child, and no list is made.
    if first.rule() == Rule::atom {
        return atom(&first);
    }
    let atom_node = node.one(Rule::atom)?;
    let mut cond = atom(&atom_node)?;
    // The prefixes apply innermost first: `not known x` is `not (known x)`. `not not x` is
    // `x` and `known known x` is `known x`; no recursion.
    let prefixes: Vec<Node> = std::iter::once(first)
        .chain(children)
        .filter(|c| matches!(c.rule(), Rule::kw_not | Rule::kw_known))
        .collect();
    let mut pending_not = false;
    for prefix in prefixes.iter().rev() {
        let span = Span {
            start: prefix.span().start,
            ..atom_node.span()
        };
        if prefix.rule() == Rule::kw_not {
            pending_not = !pending_not;
            continue;
        }
        if pending_not {
            cond = Condition {
                kind: CondKind::Not(Box::new(cond)),
                span,
            };
            pending_not = false;
        }
        if !matches!(cond.kind, CondKind::Known(_)) {
            cond = Condition {
                kind: CondKind::Known(Box::new(cond)),
                span,
            };
        }
    }
    if pending_not {
        cond = Condition {
            kind: CondKind::Not(Box::new(cond)),
            span: node.span(),
        };
    }
    Ok(cond)
}

fn atom(node: &Node) -> Result<Condition> {
    let inner = node.children().next().ok_or_else(|| node.shape())?;
    let kind = match inner.rule() {
        Rule::condition => return condition(&inner),
        Rule::kw_true => CondKind::True,
        Rule::kw_false => CondKind::False,
        Rule::subject_test => {
            let field = subject_field(&inner.one(Rule::subject_ref)?);
            let test = if let Some(op) = inner.opt(Rule::cmp_op) {
                SubjectTest::Compare(cmp_op(&op)?, literal(&inner.one(Rule::literal)?)?)
            } else if let Some(scope) = inner.opt(Rule::region_scope) {
                SubjectTest::InRegions(region_scope(&scope)?)
            } else {
                SubjectTest::Bare
            };
            CondKind::Subject { field, test }
        }
        Rule::set_member => CondKind::SetMember {
            value: string(&inner.one(Rule::string)?)?,
            attribute: subject_field(&inner.one(Rule::subject_ref)?),
        },
        Rule::circumstance_ref => CondKind::Circumstance(Name {
            text: inner.text().trim_start_matches("circumstance.").to_owned(),
            span: inner.span(),
        }),
        Rule::predicate => CondKind::Predicate {
            name: inner.one(Rule::ident)?.name(),
            arg: inner.opt(Rule::selector).map(|s| selector(&s)),
        },
        _ => return Err(inner.shape()),
    };
    Ok(Condition {
        kind,
        span: node.span(),
    })
}

/// `subject.verified` → the name `verified`, spanned on the whole reference.
fn subject_field(node: &Node) -> Name {
    Name {
        text: node.text().trim_start_matches("subject.").to_owned(),
        span: node.span(),
    }
}

fn cmp_op(node: &Node) -> Result<CmpOp> {
    Ok(match node.text() {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return Err(node.shape()),
    })
}

fn literal_kind(node: &Node) -> Result<LiteralKind> {
    let inner = node.children().next().ok_or_else(|| node.shape())?;
    Ok(match inner.rule() {
        Rule::kw_true => LiteralKind::Bool(true),
        Rule::kw_false => LiteralKind::Bool(false),
        Rule::int => LiteralKind::Int(int(&inner)?.value),
        Rule::string => LiteralKind::Str(string(&inner)?.value),
        Rule::ident => LiteralKind::Ident(inner.text().to_owned()),
        _ => return Err(inner.shape()),
    })
}

fn literal(node: &Node) -> Result<Literal> {
    Ok(Literal {
        kind: literal_kind(node)?,
        span: node.span(),
    })
}

// ------------------------------------------------------------------------ tests

fn test_decl(node: &Node) -> Result<TestDecl> {
    Ok(TestDecl {
        name: string(&node.one(Rule::string)?)?,
        subject: node
            .opt(Rule::test_subject)
            .map(|s| test_subject(&s))
            .transpose()?,
        expectations: node
            .all(Rule::expectation)
            .map(|e| expectation(&e))
            .collect::<Result<_>>()?,
    })
}

fn test_subject(node: &Node) -> Result<SubjectSpec> {
    let entries = node
        .all(Rule::subject_entry)
        .map(|e| subject_entry(&e))
        .collect::<Result<_>>()?;
    Ok(SubjectSpec {
        entries,
        span: node.span(),
    })
}

fn subject_entry(node: &Node) -> Result<SubjectEntry> {
    let first = node.children().next().ok_or_else(|| node.shape())?;
    let kind = match first.rule() {
        Rule::kw_region => SubjectEntryKind::Region(node.one(Rule::region_code)?.name()),
        Rule::kw_age => SubjectEntryKind::Age(int(&node.one(Rule::int)?)?),
        Rule::kw_kind => SubjectEntryKind::Kind(node.one(Rule::ident)?.name()),
        Rule::kw_explicit | Rule::kw_consent if node.has(Rule::consent_target) => {
            SubjectEntryKind::TargetConsent {
                explicit: first.rule() == Rule::kw_explicit,
                target: consent_target(&node.one(Rule::consent_target)?)?,
                at: node.opt(Rule::date).map(|d| date(&d)).transpose()?,
            }
        }
        Rule::kw_withdrawn if node.has(Rule::consent_target) => SubjectEntryKind::TargetWithdrawn {
            target: consent_target(&node.one(Rule::consent_target)?)?,
            at: date(&node.one(Rule::date)?)?,
        },
        Rule::kw_explicit | Rule::kw_consent => SubjectEntryKind::Consent {
            explicit: first.rule() == Rule::kw_explicit,
            purpose: node.one(Rule::path)?.name(),
            at: node.opt(Rule::date).map(|d| date(&d)).transpose()?,
        },
        Rule::kw_withdrawn => SubjectEntryKind::Withdrawn {
            purpose: node.one(Rule::path)?.name(),
            at: date(&node.one(Rule::date)?)?,
        },
        Rule::kw_objected => {
            SubjectEntryKind::Objected(node.all(Rule::path).map(|n| n.name()).collect())
        }
        Rule::kw_opted_out if node.has(Rule::opt_out_detail) => opted_out_record(node)?,
        Rule::kw_opted_out => {
            SubjectEntryKind::OptedOut(node.all(Rule::ident).map(|n| n.name()).collect())
        }
        Rule::kw_set => {
            let value_node = node.one(Rule::attr_value)?;
            let value = match value_node.opt(Rule::literal) {
                Some(lit) => AttrValueKind::Scalar(literal_kind(&lit)?),
                None => AttrValueKind::Set(
                    value_node
                        .all(Rule::string)
                        .map(|s| string(&s).map(|s| s.value))
                        .collect::<Result<_>>()?,
                ),
            };
            SubjectEntryKind::Set {
                attribute: node.one(Rule::ident)?.name(),
                value,
            }
        }
        Rule::ident => SubjectEntryKind::Flag(first.name()),
        _ => return Err(node.shape()),
    };
    Ok(SubjectEntry {
        kind,
        span: node.span(),
    })
}

/// `opted_out KIND at DATE revoked DATE channel C campaign "NAME"` in a test subject.
fn opted_out_record(node: &Node) -> Result<SubjectEntryKind> {
    let (mut at, mut revoked, mut channel, mut campaign) = (None, None, None, None);
    for detail in node.all(Rule::opt_out_detail) {
        let first = detail.children().next().ok_or_else(|| detail.shape())?;
        match first.rule() {
            Rule::kw_at => set_once(&mut at, date(&detail.one(Rule::date)?)?, "at", &detail)?,
            Rule::kw_revoked => set_once(
                &mut revoked,
                date(&detail.one(Rule::date)?)?,
                "revoked",
                &detail,
            )?,
            Rule::kw_channel => set_once(
                &mut channel,
                detail.one(Rule::ident)?.name(),
                "channel",
                &detail,
            )?,
            Rule::kw_campaign => set_once(
                &mut campaign,
                string(&detail.one(Rule::string)?)?,
                "campaign",
                &detail,
            )?,
            _ => return Err(detail.shape()),
        }
    }
    Ok(SubjectEntryKind::OptedOutRecord {
        kind: node.one(Rule::ident)?.name(),
        at,
        revoked,
        channel,
        campaign,
    })
}

fn expectation(node: &Node) -> Result<Expectation> {
    let inner = node.first_meaningful()?;
    let kind = match inner.rule() {
        Rule::expect_decision => {
            let outcome = inner.one(Rule::outcome)?;
            ExpectationKind::Decision {
                outcome: if outcome.has(Rule::kw_allow) {
                    Outcome::Allow
                } else {
                    Outcome::Deny
                },
                reason: inner.opt(Rule::ident).map(|n| n.name()),
                query: query(&inner.one(Rule::query)?)?,
                detail: inner
                    .opt(Rule::expect_detail)
                    .map(|d| {
                        Ok(match d.opt(Rule::basis_name) {
                            Some(basis) => {
                                // `opt_out( sale )` is `opt_out(sale)`.
                                let mut name = basis.name();
                                name.text.retain(|c| !c.is_whitespace());
                                ExpectDetail::Basis(name)
                            }
                            None => ExpectDetail::Safeguard(d.one(Rule::ident)?.name()),
                        })
                    })
                    .transpose()?,
                rule: inner
                    .opt(Rule::expect_rule)
                    .map(|r| r.one(Rule::ident).map(|n| n.name()))
                    .transpose()?,
            }
        }
        Rule::expect_retention => {
            let verdict = inner.one(Rule::retention_verdict)?;
            let region = single_region(&inner.one(Rule::region_scope)?)?;
            ExpectationKind::Retention {
                data: selector(&inner.one(Rule::selector)?),
                purpose: inner.opt(Rule::path).map(|n| n.name()),
                region,
                events: inner
                    .all(Rule::retention_event)
                    .filter(|e| !e.has(Rule::path))
                    .map(|e| Ok((e.one(Rule::ident)?.name(), date(&e.one(Rule::date)?)?)))
                    .collect::<Result<_>>()?,
                purpose_events: inner
                    .all(Rule::retention_event)
                    .filter(|e| e.has(Rule::path))
                    .map(|e| {
                        Ok((
                            e.one(Rule::ident)?.name(),
                            e.one(Rule::path)?.name(),
                            date(&e.one(Rule::date)?)?,
                        ))
                    })
                    .collect::<Result<_>>()?,
                agreed: inner
                    .all(Rule::retention_option)
                    .filter_map(|o| o.opt(Rule::duration))
                    .last()
                    .map(|d| duration(&d))
                    .transpose()?,
                deidentified: inner
                    .all(Rule::retention_option)
                    .any(|o| o.has(Rule::kw_deidentified)),
                now: date(&inner.one(Rule::date)?)?,
                given: inner
                    .opt(Rule::given_clause)
                    .map(|g| g.all(Rule::ident).map(|n| n.name()).collect())
                    .unwrap_or_default(),
                verdict: RetentionVerdict {
                    name: verdict.nth(Rule::ident, 0)?.name(),
                    date: verdict.opt(Rule::date).map(|d| date(&d)).transpose()?,
                    note: {
                        let note = verdict.all(Rule::ident).nth(1).map(|n| n.name());
                        note
                    },
                },
            }
        }
        _ => return Err(inner.shape()),
    };
    Ok(Expectation {
        kind,
        span: node.span(),
    })
}

fn single_region(scope: &Node) -> Result<Name> {
    match region_scope(scope)?.as_slice() {
        [RegionRef::Code(name)] => Ok(name.clone()),
        _ => Err((SyntaxError::RegionList, scope.span())),
    }
}

fn query(node: &Node) -> Result<Query> {
    let inner = node.first_meaningful()?;
    let kind = match inner.rule() {
        Rule::use_query => QueryKind::Use {
            data: inner.nth(Rule::path, 0)?.name(),
            purpose: inner.nth(Rule::path, 1)?.name(),
        },
        Rule::disclose_query => match inner.opt(Rule::kind_target) {
            Some(kind) => QueryKind::DiscloseKind {
                data: inner.nth(Rule::path, 0)?.name(),
                kind: kind.one(Rule::ident)?.name(),
                purpose: inner.nth(Rule::path, 1)?.name(),
            },
            None => QueryKind::Disclose {
                data: inner.nth(Rule::path, 0)?.name(),
                recipient: inner.one(Rule::ident)?.name(),
                purpose: inner.nth(Rule::path, 1)?.name(),
            },
        },
        Rule::transfer_query => QueryKind::Transfer {
            data: selector(&inner.one(Rule::selector)?),
            from: inner.nth(Rule::region_code, 0)?.name(),
            to: inner.nth(Rule::region_code, 1)?.name(),
        },
        Rule::combine_query => QueryKind::Combine {
            data: inner.nth(Rule::path, 0)?.name(),
            with: inner.nth(Rule::path, 1)?.name(),
            purpose: inner.nth(Rule::path, 2)?.name(),
        },
        _ => return Err(inner.shape()),
    };
    let mut region = None;
    let mut collected = None;
    let mut given: Option<Vec<Name>> = None;
    let mut campaign = None;
    let given_list =
        |clause: &Node| -> Vec<Name> { clause.all(Rule::ident).map(|n| n.name()).collect() };
    if let Some(clause) = inner.opt(Rule::given_clause) {
        given = Some(given_list(&clause));
    }
    for option in inner.all(Rule::query_option) {
        if let Some(scope) = option.opt(Rule::region_scope) {
            set_once(&mut region, single_region(&scope)?, "in", &option)?;
        } else if let Some(clause) = option.opt(Rule::given_clause) {
            set_once(&mut given, given_list(&clause), "given", &option)?;
        } else if let Some(clause) = option.opt(Rule::campaign_clause) {
            let name = string(&clause.one(Rule::string)?)?;
            set_once(&mut campaign, name, "campaign", &option)?;
        } else {
            set_once(
                &mut collected,
                date(&option.one(Rule::date)?)?,
                "collected",
                &option,
            )?;
        }
    }
    Ok(Query {
        kind,
        region,
        collected,
        given: given.unwrap_or_default(),
        campaign,
        span: node.span(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pest::iterators::Pair;

    /// `node` holds what pest's `pair` holds: the rule, the range and the same children in
    /// the same order.
    fn same_tree(pair: Pair<'_, Rule>, node: Node<'_>) {
        let flat = node.flat();
        assert_eq!(pair.as_rule(), flat.rule);
        assert_eq!(pair.as_span().start(), flat.start as usize);
        assert_eq!(pair.as_span().end(), flat.end as usize);
        assert_eq!(pair.as_str(), node.text());
        let pest_children: Vec<_> = pair.into_inner().collect();
        let children: Vec<_> = node.children().collect();
        assert_eq!(pest_children.len(), children.len(), "{:?}", flat.rule);
        for (pair, node) in pest_children.into_iter().zip(children) {
            same_tree(pair, node);
        }
    }

    /// The flat tree lowering reads is pest's tree, pair for pair, for every seed policy and
    /// for a piece of one (parsed from `items`, at an offset).
    #[test]
    fn the_flat_tree_is_pests_tree() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("lawful") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (rule, piece) in [(Rule::file, text.as_str()), (Rule::items, "field a: b\n")] {
                let Ok(mut pairs) = Grammar::parse(rule, piece) else {
                    panic!("{} does not parse", path.display());
                };
                let tree = Tree::new(Nodes::from_pest(pairs.clone()), piece, SourceId(0), 7);
                let root = tree.root().expect("a root");
                same_tree(pairs.next().expect("one pair"), root);
                assert_eq!(tree.nodes.len() * 2, pairs_tokens(piece, rule));
            }
            seen += 1;
        }
        assert!(seen >= 3, "only {seen} seed policies under {dir}");
    }

    /// How many tokens pest's parse of `text` has (two per pair).
    fn pairs_tokens(text: &str, rule: Rule) -> usize {
        Grammar::parse(rule, text).map_or(0, |pairs| pairs.tokens().len())
    }

    /// Spans in a piece are the file's: the piece's offset is added, trailing whitespace is
    /// not part of a pair.
    #[test]
    fn spans_in_a_piece_are_the_files() {
        let piece = "field a: b   \n";
        let tree = super::tree(SourceId(0), piece, Rule::items, 100).expect("parses");
        let root = root(&tree, Rule::items).expect("a root");
        let item = root.one(Rule::item).expect("an item");
        assert_eq!(item.span(), Span::new(SourceId(0), 100, 110));
        let field = item.children().next().expect("the declaration");
        assert_eq!(field.rule(), Rule::field_decl);
        let paths: Vec<_> = field.all(Rule::path).map(|p| p.text()).collect();
        assert_eq!(paths, ["a", "b"]);
    }
}
