//! A large file is cut into pieces of whole items that are parsed at the same time, one
//! thread each; the items, in order, are the file's.
//!
//! A cut goes only before a line whose first column opens a declaration with a reserved word
//! (`category`, `purpose`, `deny`, …). No part of any declaration can go on with a reserved
//! word (optional parts open with a symbol, a string, a name — never reserved — or a keyword
//! that is not reserved), so the item before a cut ends before it in the whole file exactly
//! as it does at the end of its piece, and each piece parses as it would in place. A cut inside
//! a bracket leaves that bracket unclosed in its piece, which then fails. Whenever any piece
//! fails, the whole file is parsed again in one go, so an error is always the one the whole
//! file gives. `every_cut_gives_the_whole_files_tree_or_fails` (below) and the property
//! `pieces_cut_anywhere_parse_as_the_whole_file` (tests/parser_props.rs) check all of this.

use std::sync::OnceLock;

use super::ast::File;
use super::error::SyntaxError;
use super::parser;
use crate::source::{SourceId, Span};

/// Below this a file is parsed in one go: a thread costs more than it saves.
const LEAST_PIECE: usize = 128 * 1024;

/// Never more threads than this, however many cores.
const MOST_PIECES: usize = 8;

/// The reserved words that open a declaration, each followed by the space after it.
const OPENERS: &[&[u8]] = &[
    b"category ",
    b"field ",
    b"purpose ",
    b"deny ",
    b"retain ",
    b"recipient ",
    b"transfer ",
    b"assert ",
    b"test ",
    b"region ",
    b"group ",
    b"fact ",
    b"flag ",
    b"attribute ",
    b"event ",
    b"circumstance ",
    b"subject ",
    b"vocabulary ",
    b"localize ",
    b"rights ",
    b"children ",
];

type Result<T> = std::result::Result<T, (SyntaxError, Span)>;

/// Parse a file, in pieces when it is large enough and the machine has cores to spare.
pub fn parse(source: SourceId, text: &str, stack: usize) -> Result<File> {
    let pieces = (text.len() / LEAST_PIECE).min(cores()).min(MOST_PIECES);
    parse_in(source, text, pieces, stack)
}

/// Parse a file in about `pieces` pieces (one, or none, is the whole file in one go).
fn parse_in(source: SourceId, text: &str, pieces: usize, stack: usize) -> Result<File> {
    let cuts = cuts(text, pieces);
    if cuts.is_empty() {
        return parser::parse_file(source, text);
    }
    match parse_at(source, text, &cuts, stack) {
        Some(file) => Ok(file),
        None => parser::parse_file(source, text),
    }
}

/// The file's tree from its pieces cut at `cuts` (ascending), or `None` when a piece fails or
/// a thread cannot be had.
pub(super) fn parse_at(source: SourceId, text: &str, cuts: &[usize], stack: usize) -> Option<File> {
    let mut starts = Vec::with_capacity(cuts.len() + 1);
    starts.push(0);
    starts.extend_from_slice(cuts);
    let mut ends = cuts.to_vec();
    ends.push(text.len());
    std::thread::scope(|scope| {
        let mut rest = Vec::with_capacity(cuts.len());
        for (&start, &end) in starts.iter().zip(&ends).skip(1) {
            let piece = text.get(start..end)?;
            let thread = std::thread::Builder::new()
                .name("lawful-parse".to_owned())
                .stack_size(stack)
                .spawn_scoped(scope, move || {
                    parser::parse_items(source, piece, start).ok()
                });
            rest.push(thread.ok()?);
        }
        let mut file = parser::parse_file(source, text.get(..*cuts.first()?)?).ok()?;
        for thread in rest {
            file.items.extend(thread.join().ok()??);
        }
        Some(file)
    })
}

/// Where to cut `text` into about `pieces` pieces of similar size: before a line that opens
/// a declaration, or before the doc comments, citations and attributes above it, which are
/// part of its item. Fewer cuts when there are no such lines.
pub(super) fn cuts(text: &str, pieces: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut cuts: Vec<usize> = Vec::new();
    for k in 1..pieces {
        let mut from = text.len() * k / pieces;
        let cut = loop {
            let Some((opener, cut)) = next_cut(bytes, from) else {
                return cuts;
            };
            if cuts.last().map_or(cut > 0, |&last| cut > last) {
                break cut;
            }
            from = opener;
        };
        cuts.push(cut);
    }
    cuts
}

/// The first line after `from` that opens a declaration, and where its item starts.
fn next_cut(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut line = from;
    loop {
        let newline = bytes.get(line..)?.iter().position(|&b| b == b'\n')?;
        line += newline + 1;
        let rest = bytes.get(line..)?;
        if OPENERS.iter().any(|opener| rest.starts_with(opener)) {
            return Some((line, item_start(bytes, line)));
        }
    }
}

/// Where the item whose declaration opens the line at `line` starts: above it, the doc
/// comments, citations and attributes that are part of it, and any blank lines and plain
/// comments among them.
fn item_start(bytes: &[u8], line: usize) -> usize {
    let mut start = line;
    while start > 0 {
        let above_end = start - 1;
        let above_start = bytes
            .get(..above_end)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |i| i + 1);
        let above = bytes
            .get(above_start..above_end)
            .unwrap_or_default()
            .trim_ascii();
        let attached = above.is_empty()
            || (above.starts_with(b"//") && !above.starts_with(b"//!"))
            || above.starts_with(b"#[");
        if !attached {
            break;
        }
        start = above_start;
    }
    start
}

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cuts_go_before_a_declaration_and_the_doc_comment_above_it() {
        let text = "policy \"P\" {}\ncategory a\n/// doc\n\n// note\ncategory b\n  category c\ncategory d\n";
        let at = |s: &str| text.find(s).unwrap_or(usize::MAX);
        let bytes = text.as_bytes();
        assert_eq!(
            next_cut(bytes, 0),
            Some((at("category a"), at("category a")))
        );
        let below_doc = Some((at("category b"), at("/// doc")));
        assert_eq!(next_cut(bytes, at("category a")), below_doc);
        assert_eq!(next_cut(bytes, at("/// doc")), below_doc);
        let last = Some((at("category d"), at("category d")));
        assert_eq!(next_cut(bytes, at("category b")), last);
        assert_eq!(next_cut(bytes, at("category d")), None);
        assert_eq!(cuts(text, 2), vec![at("/// doc")]);
    }

    /// The cuts chosen for a real policy parse apart into the whole file's tree.
    #[test]
    fn a_seed_policy_in_four_pieces_is_the_whole_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let cuts = cuts(&text, 4);
        assert!(cuts.len() >= 2, "{cuts:?}");
        let whole = parser::parse_file(SourceId(0), &text).map(|f| format!("{f:?}"));
        let pieces = parse_at(SourceId(0), &text, &cuts, 1 << 22).map(|f| format!("{f:?}"));
        assert!(whole.is_ok() && whole.ok() == pieces, "the pieces differ");
    }

    /// A large file in pieces: the whole file's tree, or the whole file's first error.
    #[test]
    fn a_large_file_in_pieces_is_the_whole_file_errors_included() {
        let mut text = String::from("policy \"P\" {}\nregion EU\n");
        for i in 0..3000 {
            text.push_str(&format!("/// Category {i}.\ncategory c{i} \"C {i}\"\n"));
            text.push_str(&format!("field f{i}: c{i}\n"));
        }
        let whole = |text: &str| parser::parse_file(SourceId(0), text).map(|f| format!("{f:?}"));
        let pieces = |text: &str| parse_in(SourceId(0), text, 4, 1 << 22).map(|f| format!("{f:?}"));
        assert_eq!(cuts(&text, 4).len(), 3);
        assert!(whole(&text).is_ok() && whole(&text) == pieces(&text));
        // Two errors, in the second and the last piece: the first is reported, as in one go.
        for (at, bad) in [(0.4, "field f: \n"), (0.9, "category {\n")] {
            let line = text.floor_char_boundary((text.len() as f64 * at) as usize);
            let line = text[line..].find('\n').map_or(line, |i| line + i + 1);
            text.insert_str(line, bad);
        }
        let (Err(one_go), Err(in_pieces)) = (whole(&text), pieces(&text)) else {
            panic!("the broken file parsed");
        };
        assert_eq!(one_go, in_pieces);
        assert!(one_go.1.start as usize > text.len() / 3, "{one_go:?}");
    }

    /// For every line start of every policy the repository holds, as a cut: both pieces
    /// parse and give the whole file's tree, spans included, or one of them fails.
    #[test]
    fn every_cut_gives_the_whole_files_tree_or_fails() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [
            "policies",
            "tests/valid",
            "tests/diagnostics",
            "tests/differential",
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "lawful") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "{files:?}");
        let (mut agreed, mut failed) = (0, 0);
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let whole = parser::parse_file(SourceId(0), &text).map(|f| format!("{f:?}"));
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&i| i > 0 && i < text.len())
                .collect();
            // Large files: a spread of their lines, to keep the test quick unoptimised.
            let step = (starts.len() / 40).max(1);
            for &cut in starts.iter().step_by(step) {
                match parse_at(SourceId(0), &text, &[cut], 1 << 22) {
                    Some(pieces) => {
                        let same = whole.as_ref().ok() == Some(&format!("{pieces:?}"));
                        assert!(same, "{} cut at byte {cut}", path.display());
                        agreed += 1;
                    }
                    None => failed += 1,
                }
            }
        }
        // Most cuts fall inside a declaration; enough must not for the test to mean something.
        assert!(
            agreed > 200 && failed > 200,
            "{agreed} agreed, {failed} failed"
        );
    }
}
