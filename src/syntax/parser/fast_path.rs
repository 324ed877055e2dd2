//! The grammar's commonest declarations compiled by hand: fields, categories, and purposes
//! with their `uses` and `basis` entries and conditions — nearly all of a large policy. This
//! builds the very tree pest builds (the same pairs, ranges and order, trailing skips
//! included) at a small part of pest's cost per byte. Any other item, and any item this does
//! not see through, is parsed by pest from where it starts (`Rule::item`); when pest fails on
//! an item, [`nodes`] gives up and the caller parses the whole text with pest, so every
//! syntax error is pest's.
//!
//! **Invariant:** whenever [`nodes`] gives a tree, pest gives the same one for the same text.
//! Each function below is its grammar rule written out: a sequence skips whitespace and
//! comments between its parts, and `e*` is `e (skip e)*` with the last skip given back, as
//! pest's generated code does. A decision taken here — an optional part absent, a repetition
//! ended, an alternative chosen — is taken only where the rule cannot match otherwise
//! (`test_*` functions look at the next token only); anywhere else the item is given up
//! ([`GiveUp`]) and left to pest. `the_fast_path_builds_pests_tree` (below) checks every
//! policy in the repository and damaged copies of them, and the property
//! `the_fast_path_agrees_with_pest` (tests/parser_props.rs) generated and nonsense text.

use pest::Parser as _;

use super::{Grammar, Nodes, Rule};

/// This path leaves the item to pest.
pub(super) struct GiveUp;

type Step = Result<(), GiveUp>;

/// The nodes of `text` parsed from `root` (`Rule::file` or `Rule::items`) and how many of its
/// items pest parsed, or `None` when the text does not parse (pest says why).
pub(super) fn nodes(text: &str, root: Rule) -> Option<(Nodes, usize)> {
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        nodes: Nodes::with_capacity(text.len() / 8),
        items_by_pest: 0,
    };
    scan.root(root)?;
    Some((scan.nodes, scan.items_by_pest))
}

/// What separates the items of a list: `,` or a keyword pair (`or`, `and`).
#[derive(Clone, Copy)]
enum Separator {
    Comma,
    Keyword(Rule, &'static [u8]),
}

struct Scan<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    nodes: Nodes,
    items_by_pest: usize,
}

const OR: Separator = Separator::Keyword(Rule::kw_or, b"or");

/// The words `reserved` (in the grammar) keeps from starting an identifier.
fn is_reserved(word: &[u8]) -> bool {
    matches!(
        word,
        b"category"
            | b"combine"
            | b"children"
            | b"circumstance"
            | b"attribute"
            | b"assert"
            | b"deny"
            | b"disclose"
            | b"field"
            | b"fact"
            | b"flag"
            | b"event"
            | b"expect"
            | b"group"
            | b"localize"
            | b"purpose"
            | b"policy"
            | b"region"
            | b"retain"
            | b"recipient"
            | b"rights"
            | b"subject"
            | b"sell"
            | b"share"
            | b"transfer"
            | b"test"
            | b"use"
            | b"vocabulary"
    )
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

impl Scan<'_> {
    // ------------------------------------------------------------------ bytes and tokens

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn at(&self, b: u8) -> bool {
        self.byte(self.pos) == Some(b)
    }

    fn starts(&self, s: &[u8]) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s))
    }

    /// How many identifier characters follow `from`.
    fn word_len(&self, from: usize) -> usize {
        self.bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|&&b| is_ident_char(b)).count()
        })
    }

    /// `word` and no identifier character after it: a `kw_*` rule (`word_end`).
    fn keyword(&self, word: &[u8]) -> bool {
        self.starts(word) && !self.byte(self.pos + word.len()).is_some_and(is_ident_char)
    }

    /// Where whitespace and `//` comments from `from` end (`WHITESPACE*`).
    fn skipped(&self, mut at: usize) -> usize {
        loop {
            match self.byte(at) {
                Some(b' ' | b'\n' | b'\t') => at += 1,
                Some(b'\r') if self.byte(at + 1) == Some(b'\n') => at += 2,
                Some(b'/') => match self.line_comment_len(at) {
                    Some(len) => at += len,
                    None => return at,
                },
                Some(0xEF) if self.bytes.get(at..at + 3) == Some("\u{FEFF}".as_bytes()) => {
                    at += 3;
                }
                _ => return at,
            }
        }
    }

    fn skip(&mut self) {
        self.pos = self.skipped(self.pos);
    }

    /// `line_comment`: `//` but not `///` (a doc comment; `////` is a comment), `//!` nor `//>`.
    fn line_comment_len(&self, at: usize) -> Option<usize> {
        let rest = self.bytes.get(at..)?;
        if !rest.starts_with(b"//") {
            return None;
        }
        match rest.get(2) {
            Some(b'/') if rest.get(3) != Some(&b'/') => return None,
            Some(b'!' | b'>') => return None,
            _ => {}
        }
        Some(line_len(rest))
    }

    /// An identifier at the position (`ident`): its length, or `None` for none or a reserved word.
    fn ident_len(&self) -> Option<usize> {
        if !self.byte(self.pos).is_some_and(is_ident_start) {
            return None;
        }
        let len = self.word_len(self.pos);
        let word = self.bytes.get(self.pos..self.pos + len)?;
        (!is_reserved(word)).then_some(len)
    }

    /// A dotted name at the position (`path`): its length.
    fn path_len(&self) -> Option<usize> {
        let mut end = self.pos + self.ident_len()?;
        while self.byte(end) == Some(b'.') && self.byte(end + 1).is_some_and(is_ident_start) {
            end += 1 + self.word_len(end + 1);
        }
        Some(end - self.pos)
    }

    /// A pair of `len` bytes without children, at the position.
    fn token(&mut self, rule: Rule, len: usize) {
        self.nodes.leaf(rule, self.pos, self.pos + len);
        self.pos += len;
    }

    fn literal(&mut self, s: &[u8]) -> Step {
        if !self.starts(s) {
            return Err(GiveUp);
        }
        self.pos += s.len();
        Ok(())
    }

    fn kw(&mut self, rule: Rule, word: &[u8]) -> Step {
        if !self.keyword(word) {
            return Err(GiveUp);
        }
        self.token(rule, word.len());
        Ok(())
    }

    fn ident(&mut self) -> Step {
        let len = self.ident_len().ok_or(GiveUp)?;
        self.token(Rule::ident, len);
        Ok(())
    }

    fn path(&mut self) -> Step {
        let len = self.path_len().ok_or(GiveUp)?;
        self.token(Rule::path, len);
        Ok(())
    }

    /// A token running to the end of its line (`doc_comment`, `inner_doc`, …).
    fn line_token(&mut self, rule: Rule) {
        let len = self.bytes.get(self.pos..).map_or(0, line_len);
        self.token(rule, len);
    }

    /// A pair of `rule` around what `body` reads.
    fn pair(&mut self, rule: Rule, body: impl FnOnce(&mut Self) -> Step) -> Step {
        self.nodes.start(rule, self.pos);
        body(self)?;
        self.nodes.end(self.pos);
        Ok(())
    }

    /// `rule = { item ~ (separator ~ item)* }`.
    fn list(&mut self, rule: Rule, separator: Separator, item: impl Fn(&mut Self) -> Step) -> Step {
        self.pair(rule, |s| {
            item(s)?;
            s.skip();
            s.repeat(
                |s| {
                    Ok(match separator {
                        Separator::Comma => s.at(b','),
                        Separator::Keyword(_, word) => s.keyword(word),
                    })
                },
                |s| {
                    match separator {
                        Separator::Comma => s.literal(b",")?,
                        Separator::Keyword(rule, word) => s.kw(rule, word)?,
                    }
                    s.skip();
                    item(s)
                },
            )
        })
    }

    /// `e*` in a sequence (whose skip before it has run): `e (skip e)*`, the skip before an
    /// `e` that does not follow given back. `starts` says from the next token alone whether
    /// an `e` follows.
    fn repeat(
        &mut self,
        starts: impl Fn(&Self) -> Result<bool, GiveUp>,
        mut element: impl FnMut(&mut Self) -> Step,
    ) -> Step {
        if !starts(self)? {
            return Ok(());
        }
        element(self)?;
        loop {
            let before = self.pos;
            self.skip();
            if !starts(self)? {
                self.pos = before;
                return Ok(());
            }
            element(self)?;
        }
    }

    // ------------------------------------------------------------------ file and items

    /// `file = { SOI ~ (inner_doc | inner_attr)* ~ item* ~ EOI }`, `items = { SOI ~ item* ~ EOI }`.
    fn root(&mut self, root: Rule) -> Option<()> {
        self.nodes.start(root, 0);
        self.skip();
        if root == Rule::file {
            self.repeat(
                |s| Ok(s.starts(b"//!") || s.starts(b"#![")),
                |s| {
                    if s.starts(b"//!") {
                        s.line_token(Rule::inner_doc);
                        Ok(())
                    } else {
                        s.attribute(Rule::inner_attr, b"#![")
                    }
                },
            )
            .ok()?;
            self.skip();
        }
        // `item*`, then `EOI`: an item that fails where the text goes on fails the parse.
        loop {
            self.skip();
            if self.pos == self.bytes.len() {
                break;
            }
            self.item()?;
        }
        self.nodes.leaf(Rule::EOI, self.pos, self.pos);
        self.nodes.end(self.pos);
        Some(())
    }

    /// One item, here or by pest.
    fn item(&mut self) -> Option<()> {
        let start = self.pos;
        let mark = self.nodes.mark();
        if self.item_here().is_ok() {
            return Some(());
        }
        self.nodes.reset(mark);
        let pairs = Grammar::parse(Rule::item, self.text.get(start..)?).ok()?;
        self.pos = self.nodes.append_pest(pairs, start);
        self.items_by_pest += 1;
        Some(())
    }

    /// `item = { (&"/" ~ (doc_comment | cite_comment))* ~ (&"#" ~ outer_attr)* ~ declaration }`
    fn item_here(&mut self) -> Step {
        self.pair(Rule::item, |s| {
            s.repeat(
                |s| Ok(s.at(b'/')),
                |s| {
                    s.skip();
                    if s.starts(b"///") && s.byte(s.pos + 3) != Some(b'/') {
                        s.line_token(Rule::doc_comment);
                    } else if s.starts(b"//>") {
                        s.line_token(Rule::cite_comment);
                    } else {
                        return Err(GiveUp);
                    }
                    Ok(())
                },
            )?;
            s.skip();
            s.repeat(
                |s| Ok(s.at(b'#')),
                |s| {
                    s.skip();
                    s.attribute(Rule::outer_attr, b"#[")
                },
            )?;
            s.skip();
            if s.keyword(b"field") {
                s.field_decl()
            } else if s.keyword(b"category") {
                s.category_decl()
            } else if s.keyword(b"purpose") {
                s.purpose_decl()
            } else {
                Err(GiveUp)
            }
        })
    }

    /// `inner_attr` and `outer_attr`: `OPEN ~ kw_allow ~ "(" ~ lint_name ~ ("," ~ lint_name)*
    /// ~ ","? ~ ")" ~ "]"`.
    fn attribute(&mut self, rule: Rule, open: &[u8]) -> Step {
        self.pair(rule, |s| {
            s.literal(open)?;
            s.skip();
            s.kw(Rule::kw_allow, b"allow")?;
            s.skip();
            s.literal(b"(")?;
            s.skip();
            s.lint_name()?;
            s.skip();
            // A comma followed by no name is the trailing `","?`, not the repetition's.
            s.repeat(
                |s| {
                    Ok(s.at(b',')
                        && s.byte(s.skipped(s.pos + 1))
                            .is_some_and(|b| b.is_ascii_lowercase()))
                },
                |s| {
                    s.literal(b",")?;
                    s.skip();
                    s.lint_name()
                },
            )?;
            s.skip();
            if s.at(b',') {
                s.pos += 1;
            }
            s.skip();
            s.literal(b")")?;
            s.skip();
            s.literal(b"]")
        })
    }

    /// `lint_name = @{ ASCII_ALPHA_LOWER ~ (ASCII_ALPHA_LOWER | ASCII_DIGIT | "-" | "_")* }`
    fn lint_name(&mut self) -> Step {
        if !self.byte(self.pos).is_some_and(|b| b.is_ascii_lowercase()) {
            return Err(GiveUp);
        }
        let len = self.bytes.get(self.pos..).map_or(0, |rest| {
            rest.iter()
                .take_while(|&&b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                })
                .count()
        });
        self.token(Rule::lint_name, len);
        Ok(())
    }

    /// `string = ${ "\"" ~ string_body ~ "\"" }`, the body up to a quote or a line end, a
    /// backslash escaping the character after it (not a line end).
    fn string(&mut self) -> Step {
        self.pair(Rule::string, |s| {
            s.literal(b"\"")?;
            let body = s.pos;
            loop {
                match s.byte(s.pos) {
                    None | Some(b'"' | b'\r' | b'\n') => break,
                    Some(b'\\') => match s.byte(s.pos + 1) {
                        None | Some(b'\r' | b'\n') => break,
                        Some(_) => s.pos += 2,
                    },
                    Some(_) => s.pos += 1,
                }
            }
            s.nodes.leaf(Rule::string_body, body, s.pos);
            s.literal(b"\"")
        })
    }

    /// `string?` where a sequence allows it.
    fn opt_string(&mut self) -> Step {
        if self.at(b'"') {
            self.string()?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ declarations

    /// `field_decl = { kw_field ~ path ~ ":" ~ path ~ string? }`
    fn field_decl(&mut self) -> Step {
        self.pair(Rule::field_decl, |s| {
            s.kw(Rule::kw_field, b"field")?;
            s.skip();
            s.path()?;
            s.skip();
            s.literal(b":")?;
            s.skip();
            s.path()?;
            s.skip();
            s.opt_string()
        })
    }

    /// `category_decl = { kw_category ~ path ~ string? ~ category_flag* }`, a flag being an
    /// `ident` (the lookaheads for `security {` and `source … provides` are pest's).
    fn category_decl(&mut self) -> Step {
        self.pair(Rule::category_decl, |s| {
            s.kw(Rule::kw_category, b"category")?;
            s.skip();
            s.path()?;
            s.skip();
            s.opt_string()?;
            s.skip();
            s.repeat(
                |s| {
                    if s.ident_len().is_none() {
                        Ok(false)
                    } else if s.keyword(b"security") || s.keyword(b"source") {
                        Err(GiveUp)
                    } else {
                        Ok(true)
                    }
                },
                Self::ident,
            )
        })
    }

    /// `purpose_decl = { kw_purpose ~ path ~ string? ~ "{" ~ purpose_entry* ~ "}" }`, with
    /// `uses` and `basis` entries (`purpose other …` is pest's).
    fn purpose_decl(&mut self) -> Step {
        self.pair(Rule::purpose_decl, |s| {
            s.kw(Rule::kw_purpose, b"purpose")?;
            s.skip();
            if s.keyword(b"other") {
                return Err(GiveUp);
            }
            s.path()?;
            s.skip();
            s.opt_string()?;
            s.skip();
            s.literal(b"{")?;
            s.skip();
            s.repeat(
                |s| {
                    if s.keyword(b"basis") || s.keyword(b"uses") {
                        Ok(true)
                    } else if s.at(b'}') {
                        Ok(false)
                    } else {
                        Err(GiveUp)
                    }
                },
                |s| {
                    s.pair(Rule::purpose_entry, |s| {
                        if s.keyword(b"basis") {
                            s.basis_entry()
                        } else {
                            s.uses_entry()
                        }
                    })
                },
            )?;
            s.skip();
            s.literal(b"}")
        })
    }

    /// `uses_entry = { kw_uses ~ selector_list }`
    fn uses_entry(&mut self) -> Step {
        self.pair(Rule::uses_entry, |s| {
            s.kw(Rule::kw_uses, b"uses")?;
            s.skip();
            s.selector_list()
        })
    }

    /// `selector_list = { selector ~ ("," ~ selector)* }`
    fn selector_list(&mut self) -> Step {
        self.list(Rule::selector_list, Separator::Comma, Self::selector)
    }

    /// `selector = @{ path ~ ".*"? | "*" | "#" ~ ident_raw }`
    fn selector(&mut self) -> Step {
        let len = if let Some(path) = self.path_len() {
            let star = self
                .bytes
                .get(self.pos + path..)
                .is_some_and(|rest| rest.starts_with(b".*"));
            path + if star { 2 } else { 0 }
        } else if self.at(b'*') {
            1
        } else if self.at(b'#') && self.byte(self.pos + 1).is_some_and(is_ident_start) {
            1 + self.word_len(self.pos + 1)
        } else {
            return Err(GiveUp);
        };
        self.token(Rule::selector, len);
        Ok(())
    }

    /// `basis_entry = { kw_basis ~ basis_alternatives ~ basis_modifier* }`, the modifiers
    /// being regions and `when` (`art9(…)` and `overrides objection` are pest's).
    fn basis_entry(&mut self) -> Step {
        self.pair(Rule::basis_entry, |s| {
            s.kw(Rule::kw_basis, b"basis")?;
            s.skip();
            // `basis_alternatives = { basis_name ~ (kw_or ~ basis_name)* }`
            s.list(Rule::basis_alternatives, OR, Self::basis_name)?;
            s.skip();
            s.repeat(
                |s| {
                    if s.keyword(b"in") || s.keyword(b"when") {
                        Ok(true)
                    } else if s.keyword(b"art9") || s.keyword(b"overrides") {
                        Err(GiveUp)
                    } else {
                        Ok(false)
                    }
                },
                |s| {
                    s.pair(Rule::basis_modifier, |s| {
                        if s.keyword(b"in") {
                            s.region_scope()
                        } else {
                            s.when_clause()
                        }
                    })
                },
            )
        })
    }

    /// `basis_name = ${ ident ~ ("(" ~ basis_space* ~ ident ~ basis_space* ~ ")")? }`
    fn basis_name(&mut self) -> Step {
        self.pair(Rule::basis_name, |s| {
            s.ident()?;
            if s.at(b'(') {
                s.pos += 1;
                s.spaces();
                s.ident()?;
                s.spaces();
                s.literal(b")")?;
            }
            Ok(())
        })
    }

    /// `basis_space*`: spaces and tabs.
    fn spaces(&mut self) {
        while matches!(self.byte(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// `region_scope = { kw_in ~ region_list }`
    fn region_scope(&mut self) -> Step {
        self.pair(Rule::region_scope, |s| {
            s.kw(Rule::kw_in, b"in")?;
            s.skip();
            // `region_list = { region_item ~ ("," ~ region_item)* }`
            s.list(Rule::region_list, Separator::Comma, Self::region_item)
        })
    }

    /// `region_item = { "*" | region_code }`, `region_code = @{ ASCII_ALPHA_UPPER ~
    /// ('A'..'Z' | '0'..'9' | "_" | 'a'..'z')* ~ ("-" ~ ASCII_ALPHANUMERIC+)? }`
    fn region_item(&mut self) -> Step {
        self.pair(Rule::region_item, |s| {
            if s.at(b'*') {
                s.pos += 1;
                return Ok(());
            }
            if !s.byte(s.pos).is_some_and(|b| b.is_ascii_uppercase()) {
                return Err(GiveUp);
            }
            let mut end = s.pos + s.word_len(s.pos);
            if s.byte(end) == Some(b'-')
                && s.byte(end + 1).is_some_and(|b| b.is_ascii_alphanumeric())
            {
                end += 1;
                while s.byte(end).is_some_and(|b| b.is_ascii_alphanumeric()) {
                    end += 1;
                }
            }
            s.token(Rule::region_code, end - s.pos);
            Ok(())
        })
    }

    // ------------------------------------------------------------------ conditions

    /// `when_clause = { kw_when ~ condition }`
    fn when_clause(&mut self) -> Step {
        self.pair(Rule::when_clause, |s| {
            s.kw(Rule::kw_when, b"when")?;
            s.skip();
            s.condition()
        })
    }

    /// `condition = { and_expr ~ (kw_or ~ and_expr)* }`
    fn condition(&mut self) -> Step {
        self.list(Rule::condition, OR, Self::and_expr)
    }

    /// `and_expr = { not_expr ~ (kw_and ~ not_expr)* }`
    fn and_expr(&mut self) -> Step {
        self.list(
            Rule::and_expr,
            Separator::Keyword(Rule::kw_and, b"and"),
            Self::not_expr,
        )
    }

    /// `not_expr = { (kw_not | kw_known)* ~ atom }`
    fn not_expr(&mut self) -> Step {
        self.pair(Rule::not_expr, |s| {
            s.repeat(
                |s| Ok(s.keyword(b"not") || s.keyword(b"known")),
                |s| {
                    if s.keyword(b"not") {
                        s.kw(Rule::kw_not, b"not")
                    } else {
                        s.kw(Rule::kw_known, b"known")
                    }
                },
            )?;
            s.skip();
            s.atom()
        })
    }

    /// `atom = { "(" ~ condition ~ ")" | subject_test | kw_true | kw_false | predicate |
    /// set_member | circumstance_ref }`: each alternative told by its first token, in
    /// pest's order (`true` is no predicate; `subject` and `circumstance` are reserved).
    fn atom(&mut self) -> Step {
        self.pair(Rule::atom, |s| {
            if s.at(b'(') {
                s.pos += 1;
                s.skip();
                s.condition()?;
                s.skip();
                s.literal(b")")
            } else if s.at_reference(b"subject.") {
                s.subject_test()
            } else if s.keyword(b"true") {
                s.kw(Rule::kw_true, b"true")
            } else if s.keyword(b"false") {
                s.kw(Rule::kw_false, b"false")
            } else if s.ident_len().is_some() {
                s.predicate()
            } else if s.at(b'"') {
                s.set_member()
            } else if s.at_reference(b"circumstance.") {
                s.reference(Rule::circumstance_ref, b"circumstance.")
            } else {
                Err(GiveUp)
            }
        })
    }

    /// `prefix ~ ident_raw` follows (`subject.age`, `circumstance.x`).
    fn at_reference(&self, prefix: &[u8]) -> bool {
        self.starts(prefix)
            && self
                .byte(self.pos + prefix.len())
                .is_some_and(is_ident_start)
    }

    /// `subject_ref` or `circumstance_ref`: `prefix ~ ident_raw`, atomic.
    fn reference(&mut self, rule: Rule, prefix: &[u8]) -> Step {
        if !self.at_reference(prefix) {
            return Err(GiveUp);
        }
        let len = prefix.len() + self.word_len(self.pos + prefix.len());
        self.token(rule, len);
        Ok(())
    }

    /// `subject_test = { subject_ref ~ (cmp_op ~ literal | region_scope)? }`
    fn subject_test(&mut self) -> Step {
        self.pair(Rule::subject_test, |s| {
            s.reference(Rule::subject_ref, b"subject.")?;
            s.skip();
            if let Some(len) = s.cmp_op_len() {
                s.token(Rule::cmp_op, len);
                s.skip();
                s.literal_value()
            } else if s.keyword(b"in") {
                s.region_scope()
            } else {
                Ok(())
            }
        })
    }

    /// `cmp_op = @{ "==" | "!=" | "<=" | ">=" | "<" | ">" }`
    fn cmp_op_len(&self) -> Option<usize> {
        let two = self.bytes.get(self.pos..self.pos + 2);
        if matches!(two, Some(b"==" | b"!=" | b"<=" | b">=")) {
            Some(2)
        } else if matches!(self.byte(self.pos), Some(b'<' | b'>')) {
            Some(1)
        } else {
            None
        }
    }

    /// `literal = { kw_true | kw_false | int | string | ident }`
    fn literal_value(&mut self) -> Step {
        self.pair(Rule::literal, |s| {
            if s.keyword(b"true") {
                s.kw(Rule::kw_true, b"true")
            } else if s.keyword(b"false") {
                s.kw(Rule::kw_false, b"false")
            } else if s
                .byte(s.pos)
                .is_some_and(|b| b.is_ascii_digit() || b == b'-')
            {
                // `int = @{ "-"? ~ ASCII_DIGIT+ }`
                let sign = usize::from(s.at(b'-'));
                let digits = s.bytes.get(s.pos + sign..).map_or(0, |rest| {
                    rest.iter().take_while(|b| b.is_ascii_digit()).count()
                });
                if digits == 0 {
                    return Err(GiveUp);
                }
                s.token(Rule::int, sign + digits);
                Ok(())
            } else if s.at(b'"') {
                s.string()
            } else {
                s.ident()
            }
        })
    }

    /// `predicate = { ident ~ ("(" ~ selector ~ ")")? }`
    fn predicate(&mut self) -> Step {
        self.pair(Rule::predicate, |s| {
            s.ident()?;
            s.skip();
            if s.at(b'(') {
                s.pos += 1;
                s.skip();
                s.selector()?;
                s.skip();
                s.literal(b")")?;
            }
            Ok(())
        })
    }

    /// `set_member = { string ~ kw_in ~ subject_ref }`
    fn set_member(&mut self) -> Step {
        self.pair(Rule::set_member, |s| {
            s.string()?;
            s.skip();
            s.kw(Rule::kw_in, b"in")?;
            s.skip();
            s.reference(Rule::subject_ref, b"subject.")
        })
    }
}

/// Bytes up to a line end (`(!line_end ~ ANY)*`; CR or LF).
fn line_len(rest: &[u8]) -> usize {
    rest.iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::{Path, PathBuf};

    use super::super::fast_path_agrees;

    /// Every `.lawful` file of the repository (policies, tests, benchmarks, examples, std).
    fn lawful_files() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs: Vec<PathBuf> = ["policies", "tests", "benches", "examples", "std"]
            .iter()
            .map(|d| root.join(d))
            .collect();
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "lawful") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn agrees(what: &str, text: &str) -> Option<usize> {
        fast_path_agrees(text).unwrap_or_else(|e| panic!("{what}: {e}\n---\n{text}"))
    }

    /// The reserved words here are the grammar's `reserved` rule's, no more and no fewer.
    #[test]
    fn reserved_words_are_the_grammars() {
        let grammar = include_str!("../../../grammar/lawful.pest");
        let rule = grammar
            .split("\nreserved   = _{")
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .expect("the `reserved` rule");
        let words: Vec<&str> = rule
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(words.len(), 28, "{words:?}");
        for word in &words {
            assert!(
                super::is_reserved(word.as_bytes()),
                "{word} is reserved in the grammar"
            );
        }
        for word in [
            "categories",
            "purposes",
            "subjects",
            "uses",
            "security",
            "source",
            "other",
        ] {
            assert!(
                !super::is_reserved(word.as_bytes()),
                "{word} is not reserved"
            );
        }
    }

    /// Tokens spliced into policies: near misses of what the fast path reads.
    const NOISE: &[&str] = &[
        "",
        " ",
        "\n",
        "// c\n",
        "/// d\n",
        "//> e\n",
        "//! f\n",
        "////\n",
        "\r\n",
        "\u{FEFF}",
        "\"",
        "\"s\"",
        "\\",
        "(",
        ")",
        "{",
        "}",
        ",",
        ":",
        ".",
        ".*",
        "*",
        "#",
        "#f",
        "#[",
        "#[allow(x)]",
        "-",
        "1",
        "-1",
        "==",
        "=",
        "<",
        "!",
        "a",
        "A",
        "US-CA",
        "_",
        "é",
        "field",
        "category",
        "purpose",
        "basis",
        "uses",
        "in",
        "when",
        "or",
        "and",
        "not",
        "known",
        "true",
        "false",
        "other",
        "security",
        "source",
        "art9",
        "overrides",
        "subject",
        "subject.",
        "subject.age",
        "circumstance.",
        "circumstance.x",
        "consent(a)",
        "subjects",
        "children",
        "deny",
    ];

    /// The fast path builds pest's very tree for every policy in the repository (or refuses
    /// what pest refuses), and for copies of the smaller ones cut short, with a character
    /// taken out or a token put in at positions spread over the text. On the peers scenario
    /// it leaves only the few items it does not know to pest.
    #[test]
    fn the_fast_path_builds_pests_tree() {
        let files = lawful_files();
        assert!(files.len() > 100, "only {} policy files", files.len());
        let mut taken = 0;
        let mut damaged = 0;
        for path in &files {
            let what = path.display().to_string();
            let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
            let by_pest = agrees(&what, &text);
            if by_pest.is_some() {
                taken += 1;
            }
            if what.ends_with("peers-x100.lawful") {
                // The header, three regions, an attribute and two deny rules.
                assert_eq!(by_pest, Some(7), "{what}");
            }
            if text.len() > 40_000 {
                continue;
            }
            let bounds: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let step = (bounds.len() / 12).max(1);
            for (k, &at) in bounds.iter().step_by(step).enumerate() {
                let next = bounds.iter().find(|&&b| b > at).copied().unwrap_or(at);
                let noise = NOISE[(k * 7 + text.len()) % NOISE.len()];
                for copy in [
                    text[..at].to_owned(),
                    format!("{}{}", &text[..at], &text[next..]),
                    format!("{}{noise}{}", &text[..at], &text[at..]),
                    format!("{}{noise} {}", &text[..at], &text[next..]),
                ] {
                    agrees(&format!("{what} damaged at {at}"), &copy);
                    damaged += 1;
                }
            }
        }
        assert!(taken > 100, "the fast path took only {taken} files");
        assert!(damaged > 5_000, "only {damaged} damaged copies");
    }
}
