//! Hostile input: whatever the bytes, compiling gives a diagnostic (or succeeds) — never a
//! panic, a stack overflow or a hang. Every test runs on the default test thread, whose
//! stack is small (2 MiB): unbounded recursion would overflow it and fail the test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lawful::{Compiled, Failed};

/// Far above what any of these inputs needs in a debug build; a hang fails instead of
/// blocking the suite forever.
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn compile(name: &str, text: &str) -> Result<Compiled, Failed> {
    let start = Instant::now();
    let result = lawful::compile_str(name, text);
    let elapsed = start.elapsed();
    assert!(
        elapsed < TIME_LIMIT,
        "{name}: compiling {} bytes took {elapsed:?}",
        text.len()
    );
    result
}

/// Compiles without errors or warnings.
fn assert_clean(name: &str, text: &str) {
    match compile(name, text) {
        Ok(compiled) => assert!(
            compiled.warnings.is_empty(),
            "{name}: unexpected warnings {:?}",
            compiled
                .warnings
                .items
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
        ),
        Err(failed) => panic!("{name}: {failed}"),
    }
}

/// Fails with exactly these error codes, each on a span inside its file.
fn assert_fails_with(name: &str, text: &str, codes: &[&str]) -> Failed {
    let failed = match compile(name, text) {
        Ok(_) => panic!("{name}: compiled, expected {codes:?}"),
        Err(failed) => failed,
    };
    assert_spans_valid(name, &failed);
    let produced: Vec<&str> = failed.diagnostics.errors().map(|d| d.code).collect();
    assert_eq!(produced, codes, "{name}: {failed}");
    failed
}

fn assert_spans_valid(name: &str, failed: &Failed) {
    for d in &failed.diagnostics.items {
        let file = failed
            .sources
            .get(d.span.source)
            .expect("the span's file is loaded");
        let (start, end) = (d.span.start as usize, d.span.end as usize);
        assert!(
            start <= end && end <= file.text.len(),
            "{name}: span {start}..{end} out of the file"
        );
        assert!(
            file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
            "{name}: span {start}..{end}"
        );
    }
}

/// A file under cargo's scratch directory for integration tests.
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), so a failure reproduces.
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect()
}

/// A minimal valid policy to embed hostile parts in.
const BASE: &str = "category user.email \"Email\"\n\
                    purpose service \"Service\" {\n  uses user.email\n  basis contract\n}\n\
                    retain user.email at most 1 year after account_closed\n";

#[test]
fn empty_file() {
    assert_clean("empty.lawful", "");
}

#[test]
fn whitespace_only() {
    assert_clean("whitespace.lawful", " \t\r\n\u{FEFF}\n\n   \t");
    assert_clean("comments.lawful", "// nothing\n//// still nothing\n");
}

#[test]
fn binary_garbage() {
    for seed in 0..32 {
        let bytes = garbage(4096, seed);
        let text = String::from_utf8_lossy(&bytes);
        // Every line end other than LF and CRLF and every bidirectional control is named
        // (all in one run); text without one fails with the grammar's first error.
        let forbidden = text
            .char_indices()
            .filter(|&(i, c)| {
                matches!(
                    c,
                    '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{200E}'
                        | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                ) || (c == '\r' && text.get(i + 1..).is_none_or(|r| !r.starts_with('\n')))
            })
            .count();
        let failed = compile("garbage.lawful", &text).expect_err("garbage must not compile");
        assert_spans_valid("garbage.lawful", &failed);
        let codes: Vec<&str> = failed.diagnostics.errors().map(|d| d.code).collect();
        if forbidden == 0 {
            assert_eq!(codes, ["lawful::syntax::unexpected"], "{failed}");
        } else {
            assert_eq!(codes.len(), forbidden, "{failed}");
            assert!(codes
                .iter()
                .all(|c| c.starts_with("lawful::syntax::forbidden_")));
        }
    }
    // VT, FF and a lone CR among the C0 controls.
    let controls: String = (0u8..32).map(char::from).collect();
    assert_fails_with(
        "controls.lawful",
        &controls,
        &["lawful::syntax::forbidden_line_separator"; 3],
    );
    let controls: String = (0u8..32)
        .filter(|b| !matches!(b, 0x0B..=0x0D))
        .map(char::from)
        .collect();
    assert_fails_with(
        "controls.lawful",
        &controls,
        &["lawful::syntax::unexpected"],
    );
    assert_fails_with(
        "nul.lawful",
        "category user\0email",
        &["lawful::syntax::unexpected"],
    );
}

#[test]
fn invalid_utf8_file_is_a_diagnostic() {
    let garbage_path = temp_file("hostile_invalid_utf8.lawful", &garbage(1024, 7));
    let mut latin1 = b"category user.address \"Adresse \xe0 Z\xfcrich\"\n".to_vec();
    latin1.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3]);
    let latin1_path = temp_file("hostile_latin1.lawful", &latin1);
    for path in [garbage_path, latin1_path] {
        let failed = lawful::compile_file(&path).expect_err("invalid UTF-8 must not compile");
        assert_spans_valid("invalid UTF-8", &failed);
        let codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["lawful::load::invalid_utf8"], "{}", path.display());
    }
}

#[test]
fn a_file_that_does_not_exist_is_a_diagnostic() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_no_such_file.lawful");
    let failed = lawful::compile_file(&path).expect_err("a missing file must not compile");
    let codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["lawful::load::missing_import"]);
}

/// Over 10 MB: 10,000 categories (each implying a parent, so 20,000 in the hierarchy),
/// each documented by a 1 KB doc comment.
#[test]
fn ten_megabytes() {
    let padding = format!("/// {}\n", "padding ".repeat(130));
    let mut text = String::from(BASE);
    for i in 0..10_000 {
        text.push_str(&padding);
        text.push_str(&format!("category big{i}.x \"Category {i}\"\n"));
    }
    assert!(text.len() >= 10_000_000, "only {} bytes", text.len());
    assert_clean("ten_megabytes.lawful", &text);
}

/// 100,000 categories: the hierarchy tables are linear in the number of categories.
#[test]
fn a_hundred_thousand_categories() {
    let mut text = String::from(BASE);
    for i in 0..100_000 {
        text.push_str(&format!("category wide.c{i} \"Category {i}\"\n"));
    }
    assert_clean("wide.lawful", &text);
}

#[test]
fn a_file_over_the_size_limit() {
    let text = " ".repeat(lawful::syntax::MAX_FILE_BYTES + 1);
    assert_fails_with("too_large.lawful", &text, &["lawful::syntax::too_large"]);
}

#[test]
fn nesting_at_the_limit_compiles() {
    let depth = lawful::syntax::MAX_DEPTH;
    let cond = format!("{}true{}", "(".repeat(depth), ")".repeat(depth));
    assert_clean(
        "at_limit.lawful",
        &format!("{BASE}deny deep: use * for service when {cond}\n"),
    );
}

#[test]
fn a_hundred_thousand_nested_parentheses() {
    let n = 100_000;
    let cond = format!("{}true{}", "(".repeat(n), ")".repeat(n));
    let text = format!("{BASE}deny deep: use * for service when {cond}\n");
    let failed = assert_fails_with("parens.lawful", &text, &["lawful::syntax::too_deep"]);
    let d = &failed.diagnostics.items[0];
    assert_eq!(failed.sources.snippet(d.span), "(");
    // The first bracket past the limit.
    let first = text.find('(').unwrap();
    assert_eq!(d.span.start as usize, first + lawful::syntax::MAX_DEPTH);
}

#[test]
fn a_hundred_thousand_unclosed_parentheses() {
    let text = format!(
        "{BASE}deny deep: use * for service when {}",
        "(".repeat(100_000)
    );
    assert_fails_with("unclosed.lawful", &text, &["lawful::syntax::too_deep"]);
}

#[test]
fn a_hundred_thousand_nested_braces() {
    let n = 100_000;
    let text = format!("policy \"P\" {}{}\n", "{".repeat(n), "}".repeat(n));
    assert_fails_with("braces.lawful", &text, &["lawful::syntax::too_deep"]);
    let mixed: String = "({[".repeat(n / 3);
    assert_fails_with("mixed.lawful", &mixed, &["lawful::syntax::too_deep"]);
}

#[test]
fn brackets_in_strings_and_comments_do_not_count() {
    let n = 100_000;
    let text = format!(
        "// {}\ncategory user.x \"{}\"\n{BASE}",
        "(".repeat(n),
        "{".repeat(n)
    );
    assert_clean("quoted_brackets.lawful", &text);
}

#[test]
fn a_million_character_identifier() {
    let name = "a".repeat(1_000_000);
    // Declared: fine.
    assert_clean("long_name.lawful", &format!("category {name} \"Long\"\n"));
    // Referred to and unknown: an error with a suggestion search over short candidates.
    let text = format!("{BASE}retain {name} at most 1 year after collected\n");
    assert_fails_with(
        "long_reference.lawful",
        &text,
        &["lawful::check::unknown_category"],
    );
}

#[test]
fn a_path_of_two_hundred_thousand_segments_in_a_reference() {
    let path = format!("user{}", ".x".repeat(200_000));
    let text = format!("{BASE}retain {path} at most 1 year after collected\n");
    assert_fails_with(
        "long_path.lawful",
        &text,
        &["lawful::check::unknown_category"],
    );
}

/// Dotted names are capped at `MAX_PATH_SEGMENTS` (32) so ancestor lists stay small: a path
/// declared with 200,000 segments is one clean error, found quickly.
#[test]
fn a_deep_declared_path() {
    let path = format!("user{}", ".x".repeat(200_000));
    let text = format!("category {path} \"Deep\"\n");
    assert_fails_with(
        "deep_declared.lawful",
        &text,
        &["lawful::check::name_too_deep"],
    );
    let ok = format!("category user{} \"Deep\"\n", ".x".repeat(30));
    assert_clean("deep_ok.lawful", &ok);
}

#[test]
fn a_one_megabyte_string() {
    let title = "é".repeat(500_000);
    assert_clean(
        "long_string.lawful",
        &format!("category user.x \"{title}\"\n"),
    );
    let escapes = "\\\"\\\\".repeat(250_000);
    assert_clean(
        "escapes.lawful",
        &format!("category user.x \"{escapes}\"\n"),
    );
    let unterminated = format!("category user.x \"{}", "x".repeat(1_000_000));
    assert_fails_with(
        "unterminated.lawful",
        &unterminated,
        &["lawful::syntax::unexpected"],
    );
}

#[test]
fn a_hundred_thousand_nots() {
    // Even: `not not … gpc` is `gpc`; odd: its negation. Neither recurses.
    for n in [100_000, 100_001] {
        let nots = "not ".repeat(n);
        let text = format!("{BASE}deny many_nots: use * for service when {nots}gpc\n");
        assert_clean("nots.lawful", &text);
    }
}

/// Long flat `or` / `and` chains are lists, not nested trees.
#[test]
fn fifty_thousand_terms() {
    let ors = vec!["gpc"; 50_000].join(" or ");
    let ands = vec!["(restricted or erased)"; 10_000].join(" and ");
    let text =
        format!("{BASE}deny ors: use * for service when {ors}\ndeny ands: sell * when {ands}\n");
    assert_clean("terms.lawful", &text);
}

#[test]
fn a_hundred_thousand_selectors() {
    let list = vec!["user.email"; 100_000].join(", ");
    assert_clean(
        "selectors.lawful",
        &format!("{BASE}deny many: sell {list}\n"),
    );
}

/// A batch line over the limit is one error line, whether it ends or not, and the stream
/// goes on after it.
#[test]
fn a_batch_line_over_the_limit_is_an_error_line() {
    let text = format!("{BASE}region DE \"Germany\"\n");
    let policy = compile("batch.lawful", &text).unwrap().policy;
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let long = " ".repeat(lawful::batch::MAX_LINE_BYTES + 1);
    let good = "{\"purpose\":\"service\",\"data\":\"user.email\",\"region\":\"DE\"}";
    for input in [
        format!("{long}\n{good}\n"),
        format!("{good}\n{long}"),
        format!("{good}\n{long}{long}\n{good}"),
    ] {
        let mut batch = lawful::batch::Batch::new(&policy, now);
        let mut out = Vec::new();
        let stats = batch
            .run(std::io::BufReader::new(input.as_bytes()), &mut out)
            .unwrap();
        let out = String::from_utf8(out).unwrap();
        let too_long = out
            .lines()
            .filter(|l| l.contains("lawful::batch::line_too_long"))
            .count();
        assert_eq!((too_long, stats.errors), (1, 1), "{out}");
        assert_eq!(out.lines().count(), stats.queries);
    }
}
