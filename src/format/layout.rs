//! The canonical layout, decided from the token stream alone (never from the input's
//! whitespace, except that blank lines and comments stay where the author put them):
//!
//! - one declaration per line, at column 0; `{ … }` bodies one entry per line (a test's
//!   `subject { … }` too), indented by two spaces per level; an empty body is `{}`;
//! - one space between tokens, none inside `( )`, `[ ]` and before `,` `:` `)` `]`, none
//!   between a name and its `(` (`opt_out(sale)`, `consent(x)`), one after `not`/`and`/`or`/
//!   `when`; `events { … }` of a retention expectation stays on its line;
//! - at most one blank line where the author had at least one, none after `{` or before `}`;
//! - a rule with several `except` clauses puts each on a continuation line, and so does a
//!   rule too long for one line; a retention expectation too long for one line puts its
//!   events and `now`, and its verdict, on continuation lines;
//! - a line still longer than [`WIDTH`] breaks where it may: after a comma, after a comma
//!   list, before `when`, before `or`/`and` of a condition. A list continues under its first
//!   item when that is near the line's start (`uses a, b,` / `     c`), four spaces in
//!   otherwise; a list after `=` that does not fit starts on a line of its own. Other
//!   continuation lines are indented four spaces;
//! - comments stay where they were: a comment on its own line stays on its own line, a
//!   trailing comment stays after the code it followed (aligned with the trailing comments
//!   of adjacent lines); doc comments are always on their own line.

use super::lexer::{Kind, Token};
use super::out::Out;

/// The line width the layout aims for (the seed policies' own); lines without a break
/// opportunity may be longer.
pub const WIDTH: usize = 96;
const INDENT: usize = 2;
const CONTINUATION: usize = 4;
/// A list whose first item starts at most this far from its line's indent is continued
/// under its first item; one further right continues four spaces in.
const ALIGN_LIMIT: usize = 12;

/// Keywords that start a declaration.
const DECLARATIONS: &[&str] = &[
    "policy",
    "use",
    "region",
    "group",
    "fact",
    "flag",
    "category",
    "field",
    "subject",
    "attribute",
    "event",
    "children",
    "purpose",
    "recipient",
    "transfer",
    "localize",
    "retain",
    "deny",
    "assert",
    "test",
    "rights",
    "circumstance",
    "vocabulary",
    "security",
    "source",
];

/// The kind of a `{ … }` body, named by the keyword that opens its construct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Header,
    Children,
    Purpose,
    Recipient,
    Test,
    Subject,
    Rights,
    Security,
    Other,
}

impl Block {
    fn of(construct: &[Token<'_>]) -> Block {
        let first = construct.iter().find(|t| !t.is_comment()).map(|t| t.text);
        match first {
            Some("policy") => Block::Header,
            Some("children") => Block::Children,
            Some("purpose") => Block::Purpose,
            Some("recipient") => Block::Recipient,
            Some("test") => Block::Test,
            Some("subject") => Block::Subject,
            Some("rights") => Block::Rights,
            Some("security") => Block::Security,
            _ => Block::Other,
        }
    }

    /// Whether the word at `k` starts a new entry of this body.
    fn starts_entry(self, body: &[Token<'_>], k: usize) -> bool {
        let Some(token) = body.get(k).filter(|t| t.kind == Kind::Word) else {
            return false;
        };
        let prev = previous(body, k);
        if prev.is_some_and(|p| p.kind == Kind::Punct && !matches!(p.text, "{" | "}" | ")" | "]")) {
            return false;
        }
        let word = token.text;
        match self {
            Block::Header => {
                matches!(
                    word,
                    "controller" | "contact" | "version" | "effective" | "updated"
                )
            }
            Block::Children => matches!(word, "under" | "unknown" | "default"),
            Block::Purpose => matches!(
                word,
                "uses"
                    | "subjects"
                    | "basis"
                    | "direct_marketing"
                    | "survives"
                    | "children"
                    | "withdrawal"
                    | "channel"
            ),
            Block::Recipient => {
                matches!(
                    word,
                    "purposes"
                        | "categories"
                        | "sale"
                        | "sharing"
                        | "when"
                        | "requires"
                        | "duty"
                        | "never"
                )
            }
            Block::Test => matches!(word, "subject" | "expect"),
            Block::Subject => {
                const TAKES_ARGUMENT: &[&str] = &[
                    "region",
                    "age",
                    "kind",
                    "explicit",
                    "consent",
                    "withdrawn",
                    "objected",
                    "opted_out",
                    "set",
                    "at",
                    // `consent to acme`, `consent to transfer US`
                    "to",
                    "transfer",
                    "revoked",
                    "channel",
                    "campaign",
                ];
                // `opted_out marketing at DATE revoked DATE channel email campaign "x"`.
                !matches!(word, "at" | "revoked" | "channel" | "campaign")
                    && !prev
                        .is_some_and(|p| p.kind == Kind::Word && TAKES_ARGUMENT.contains(&p.text))
            }
            Block::Rights => {
                !matches!(
                    word,
                    "in" | "within"
                        | "extendable"
                        | "by"
                        | "free"
                        | "only"
                        | "for"
                        | "basis"
                        | "via"
                ) && !prev.is_some_and(|p| {
                    p.kind == Kind::Word
                        && matches!(
                            p.text,
                            "in" | "within" | "by" | "respond" | "only" | "for" | "basis"
                        )
                })
            }
            // A measure's name is the only word followed by its description.
            Block::Security => body.get(k + 1).is_some_and(|t| t.kind == Kind::Str),
            Block::Other => false,
        }
    }
}

/// The previous token that is not a comment.
fn previous<'t, 'a>(tokens: &'t [Token<'a>], k: usize) -> Option<&'t Token<'a>> {
    tokens.get(..k)?.iter().rev().find(|t| !t.is_comment())
}

/// The index after the last token of the top-level construct starting at `start`: an
/// attribute, or a declaration up to the next thing that starts an item.
fn item_end(tokens: &[Token<'_>], start: usize) -> usize {
    let is_attr = |t: &Token<'_>| t.is_punct("#[") || t.is_punct("#![");
    if tokens.get(start).is_some_and(is_attr) {
        return tokens
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, t)| t.is_punct("]"))
            .map_or(tokens.len(), |(k, _)| k + 1);
    }
    let starts_item = |k: usize| -> bool {
        let Some(t) = tokens.get(k) else {
            return true;
        };
        if matches!(t.kind, Kind::DocComment | Kind::InnerDoc) || is_attr(t) {
            return true;
        }
        if t.kind != Kind::Word || !DECLARATIONS.contains(&t.text) {
            return false;
        }
        let prev = previous(tokens, k).map_or("", |p| p.text);
        match t.text {
            "use" | "transfer" => !matches!(prev, ":" | "never" | "deny" | "may"),
            "deny" => prev != "always",
            // `vocabulary purpose`, `event … per purpose`.
            "purpose" => !matches!(prev, "vocabulary" | "per"),
            // Not reserved words: they start a declaration only in its own shape.
            "security" => tokens.get(k + 1).is_some_and(|t| t.is_punct("{")),
            "source" => tokens
                .get(k + 2..k + 4)
                .is_some_and(|next| next.iter().any(|t| t.text == "provides")),
            _ => true,
        }
    };
    split_end(tokens, start, starts_item)
}

/// Scan from `start + 1` for the first token at brace depth 0 for which `starts` holds; a
/// doc comment, and a comment on its own line before such a token (or before the end), end
/// the scan too.
fn split_end(tokens: &[Token<'_>], start: usize, starts: impl Fn(usize) -> bool) -> usize {
    let mut depth = 0usize;
    let mut k = start + 1;
    while let Some(t) = tokens.get(k) {
        if depth == 0 {
            if t.kind == Kind::DocComment {
                return k;
            }
            if t.kind == Kind::Comment && t.first_on_line {
                let next = (k..tokens.len())
                    .find(|&j| tokens.get(j).is_some_and(|t| !t.is_comment()))
                    .unwrap_or(tokens.len());
                if next == tokens.len() || starts(next) {
                    return k;
                }
            } else if t.kind != Kind::Comment && starts(k) {
                return k;
            }
        }
        if t.is_punct("{") {
            depth += 1;
        } else if t.is_punct("}") {
            depth = depth.saturating_sub(1);
        }
        k += 1;
    }
    tokens.len()
}

/// Lay out a whole file.
pub(crate) fn file(tokens: &[Token<'_>]) -> String {
    let mut out = Out::default();
    sequence(tokens, 0, None, &mut out);
    out.finish()
}

/// Items of the file (`block == None`) or entries of a body, one after another.
fn sequence(tokens: &[Token<'_>], indent: usize, block: Option<Block>, out: &mut Out) {
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        let blank = t.newlines_before >= 2;
        if t.is_comment() {
            if t.first_on_line || t.kind != Kind::Comment {
                out.comment_line(indent, t.text, blank);
            } else {
                out.trailing_comment(t.text);
            }
            i += 1;
            continue;
        }
        let end = match block {
            None => item_end(tokens, i),
            Some(block) => split_end(tokens, i, |k| block.starts_entry(tokens, k)),
        };
        construct(tokens.get(i..end).unwrap_or(&[]), indent, blank, out);
        i = end.max(i + 1);
    }
}

/// A declaration or entry: its line, or its header line, body and closing line.
fn construct(tokens: &[Token<'_>], indent: usize, blank: bool, out: &mut Out) {
    let open = tokens.iter().enumerate().position(|(k, t)| {
        t.is_punct("{") && !previous(tokens, k).is_some_and(|p| p.is_word("events"))
    });
    let Some(open) = open else {
        logical(tokens, indent, blank, out);
        return;
    };
    let close = matching_close(tokens, open);
    let body = tokens.get(open + 1..close).unwrap_or(&[]);
    if body.is_empty() {
        logical(tokens, indent, blank, out);
        return;
    }
    logical(tokens.get(..=open).unwrap_or(&[]), indent, blank, out);
    sequence(body, indent + INDENT, Some(Block::of(tokens)), out);
    logical(tokens.get(close..).unwrap_or(&[]), indent, false, out);
}

fn matching_close(tokens: &[Token<'_>], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        if t.is_punct("{") {
            depth += 1;
        } else if t.is_punct("}") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return k;
            }
        }
    }
    tokens.len()
}

/// Whether `t` is separated from the token before it by a space.
fn spaced(prev: Option<&Token<'_>>, t: &Token<'_>) -> bool {
    let Some(prev) = prev else {
        return false;
    };
    if t.kind == Kind::Punct && matches!(t.text, "," | ")" | "]" | ":") {
        return false;
    }
    if prev.kind == Kind::Punct && matches!(prev.text, "(" | "[" | "#[" | "#![") {
        return false;
    }
    if t.is_punct("(") {
        return prev.kind != Kind::Word || matches!(prev.text, "not" | "and" | "or" | "when");
    }
    !(prev.is_punct("{") && t.is_punct("}"))
}

fn width(tokens: &[Token<'_>]) -> usize {
    let mut total = 0;
    let mut prev: Option<&Token<'_>> = None;
    for t in tokens.iter().filter(|t| !t.is_comment()) {
        total += usize::from(spaced(prev, t)) + t.printed().chars().count();
        prev = Some(t);
    }
    total
}

/// Nesting depth of `( [ {` before each token.
fn depths(tokens: &[Token<'_>]) -> Vec<usize> {
    let mut depth = 0usize;
    tokens
        .iter()
        .map(|t| {
            if t.kind == Kind::Punct && matches!(t.text, ")" | "]" | "}") {
                depth = depth.saturating_sub(1);
            }
            let here = depth;
            if t.kind == Kind::Punct && matches!(t.text, "(" | "[" | "{" | "#[" | "#![") {
                depth += 1;
            }
            here
        })
        .collect()
}

/// Where a line breaks no matter how the rest fits: before each `except` of a rule with
/// several, or of a rule too long for one line; before the events, the `now` and the
/// verdict of a retention expectation too long for one line.
fn clause_breaks(tokens: &[Token<'_>], indent: usize) -> Vec<bool> {
    let depth = depths(tokens);
    let at_top = |k: usize, word: &str| {
        depth.get(k) == Some(&0) && tokens.get(k).is_some_and(|t| t.is_word(word))
    };
    let mut breaks = vec![false; tokens.len()];
    let words: Vec<&str> = tokens
        .iter()
        .filter(|t| !t.is_comment())
        .take(2)
        .map(|t| t.text)
        .collect();
    let too_long = |from: usize, to: usize| {
        let indent = indent + CONTINUATION * usize::from(from > 0);
        indent + width(tokens.get(from..to).unwrap_or(&[])) > WIDTH
    };
    match words.as_slice() {
        ["expect", "retention", ..] if too_long(0, tokens.len()) => {
            let events = (0..tokens.len()).find(|&k| at_top(k, "events"));
            let now = (0..tokens.len()).find(|&k| at_top(k, "now"));
            if let Some(events) = events {
                set(&mut breaks, events);
            }
            if let Some(now) = now {
                let verdict = (now + 1..tokens.len())
                    .filter(|&k| tokens.get(k).is_some_and(|t| !t.is_comment()))
                    .nth(1);
                if let Some(verdict) = verdict {
                    set(&mut breaks, verdict);
                }
                if events.is_none_or(|e| too_long(e, verdict.unwrap_or(tokens.len()))) {
                    set(&mut breaks, now);
                }
            }
        }
        ["deny", ..] | ["assert", "never" | "always", ..] => {
            let excepts: Vec<usize> = (1..tokens.len()).filter(|&k| at_top(k, "except")).collect();
            if excepts.len() > 1 || too_long(0, tokens.len()) {
                for k in excepts {
                    set(&mut breaks, k);
                }
            }
        }
        _ => {}
    }
    breaks
}

fn set(breaks: &mut [bool], k: usize) {
    if let Some(slot) = breaks.get_mut(k) {
        *slot = true;
    }
}

/// Where a too-long line may break, before the token: after a comma, after a comma list,
/// before `given`, before `when` (not `except when`), and before `or`/`and` of a `when` condition (outside
/// parentheses).
fn opportunities(tokens: &[Token<'_>]) -> Vec<bool> {
    let depth = depths(tokens);
    let mut in_condition = false;
    let mut list_ends = vec![false; tokens.len()];
    let mut k = 0;
    while k < tokens.len() {
        let len = list_len(tokens, k);
        if len > 0 {
            set(&mut list_ends, k + len);
        }
        k += len.max(1);
    }
    tokens
        .iter()
        .enumerate()
        .map(|(k, t)| {
            if list_ends.get(k) == Some(&true) && t.kind == Kind::Word {
                return true;
            }
            // The keyword that introduces a list goes to the next line with the list
            // (`… "description"` / `to a, b`), not left alone at the end of this one.
            if t.kind == Kind::Word && k > 0 && list_len(tokens, k + 1) > 0 {
                return true;
            }
            let prev = previous(tokens, k);
            if prev.is_some_and(|p| p.is_punct(",")) {
                return true;
            }
            if depth.get(k) != Some(&0) || t.kind != Kind::Word {
                return false;
            }
            match t.text {
                "when" => {
                    in_condition = true;
                    k > 0 && !prev.is_some_and(|p| p.is_word("except"))
                }
                "or" | "and" => in_condition,
                // `given …` of an expectation (circumstances): never inside a condition.
                "given" => {
                    in_condition = false;
                    true
                }
                "except" | "in" => {
                    in_condition = false;
                    false
                }
                _ => false,
            }
        })
        .collect()
}

/// The tokens of the comma list whose first item is at `k`, or 0 when `k` starts no list:
/// items are one token, or `kind NAME`.
fn list_len(tokens: &[Token<'_>], k: usize) -> usize {
    let skip_comments = |mut j: usize| {
        while tokens.get(j).is_some_and(Token::is_comment) {
            j += 1;
        }
        j
    };
    let item = |j: usize| -> usize {
        match tokens.get(j) {
            Some(t) if t.is_word("kind") => skip_comments(j + 1) + 1 - j,
            Some(t) if matches!(t.kind, Kind::Word | Kind::Str) => 1,
            _ => 0,
        }
    };
    let mut j = k;
    let mut items = 0;
    loop {
        let n = item(j);
        if n == 0 {
            break;
        }
        items += 1;
        j += n;
        let comma = skip_comments(j);
        if tokens.get(comma).is_some_and(|t| t.is_punct(",")) {
            j = skip_comments(comma + 1);
        } else {
            break;
        }
    }
    if items >= 2 {
        j - k
    } else {
        0
    }
}

/// One logical line (a declaration or entry without a multi-line body), broken as the
/// module docs describe.
fn logical(tokens: &[Token<'_>], indent: usize, blank: bool, out: &mut Out) {
    let breaks = clause_breaks(tokens, indent);
    let opportunities = opportunities(tokens);
    let continuation = indent + CONTINUATION;
    out.new_line(indent, blank);
    let mut line_indent = indent;
    // The column a list continues at, and the index its tokens end at.
    let mut list: Option<(usize, usize)> = None;
    let mut after_comment = false;
    for (k, t) in tokens.iter().enumerate() {
        let prev = previous(tokens, k);
        if list.is_some_and(|(_, end)| k >= end) {
            list = None;
        }
        let in_list = prev.is_some_and(|p| p.is_punct(","));
        let resume = match list {
            Some((col, _)) if in_list => col,
            _ => continuation.max(line_indent),
        };
        if t.is_comment() {
            if !t.first_on_line && t.kind == Kind::Comment {
                out.trailing_comment(t.text);
            } else if out.has_code() || after_comment {
                out.comment_line(resume, t.text, false);
            } else {
                out.comment_line(line_indent, t.text, false);
            }
            after_comment = true;
            continue;
        }
        let space = spaced(prev, t);
        if breaks.get(k) == Some(&true) {
            out.new_line(continuation, false);
            line_indent = continuation;
            list = None;
        } else if after_comment {
            out.new_line(resume, false);
            line_indent = resume;
        } else if opportunities.get(k) == Some(&true) && out.has_code() {
            let chunk = chunk_width(tokens, k, &breaks, &opportunities);
            if out.col() + usize::from(space) + chunk > WIDTH {
                out.new_line(resume, false);
                line_indent = resume;
            }
        }
        after_comment = false;
        if list.is_none() && !in_list {
            let len = list_len(tokens, k);
            if len > 0 {
                let start = out.col() + usize::from(space && out.has_code());
                let all = width(tokens.get(k..k + len).unwrap_or(&[]));
                let far = start.saturating_sub(line_indent);
                let after_equals = prev.is_some_and(|p| p.is_punct("="));
                let col = if far <= ALIGN_LIMIT {
                    start
                } else {
                    let first = width(tokens.get(k..=k).unwrap_or(&[]));
                    let fits = start + if after_equals { all } else { first } <= WIDTH;
                    if !fits && out.has_code() {
                        out.new_line(continuation.max(line_indent), false);
                        line_indent = continuation.max(line_indent);
                    }
                    continuation.max(line_indent)
                };
                list = Some((col, k + len));
            }
        }
        out.push(&t.printed(), space);
    }
}

/// Width of the tokens from `k` up to the next break or break opportunity (or a comment, or
/// the end), with the space before `k`.
fn chunk_width(tokens: &[Token<'_>], k: usize, breaks: &[bool], opportunities: &[bool]) -> usize {
    let mut end = k;
    for (j, t) in tokens.iter().enumerate().skip(k) {
        let stop = j > k && (breaks.get(j) == Some(&true) || opportunities.get(j) == Some(&true));
        if t.is_comment() || stop {
            break;
        }
        end = j + 1;
    }
    width(tokens.get(k..end).unwrap_or(&[]))
}
