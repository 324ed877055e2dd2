//! Hostile text: characters that make a policy read differently by lawful and by the person
//! looking at it (line terminators, bidirectional controls), periods the calendar cannot
//! answer, and inputs sized to find quadratic work. Sizes are chosen so the old quadratic
//! code took many seconds in a release build; the tests assert results, never times.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jiff::Timestamp;
use lawful::eval::{QueryError, RetentionQuery, Verdict};
use lawful::{Compiled, Failed, Policy, Subject};

const HEAD: &str = "policy \"T\" { controller \"T GmbH\" }\nuse std::regions\n\
category user.contact.email\n\
purpose ads { uses user.contact.email basis opt_out(sale) }\n\
recipient broker kind partner { purposes ads categories user.* sale }\n";

fn compile(name: &str, text: &str) -> Result<Compiled, Failed> {
    lawful::compile_str(name, text)
}

fn policy(name: &str, text: &str) -> Policy {
    match compile(name, text) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{name}: {failed}"),
    }
}

/// The errors as (code, line, column, the text under the span).
fn errors(name: &str, text: &str) -> Vec<(&'static str, usize, usize, String)> {
    let failed = match compile(name, text) {
        Ok(_) => panic!("{name}: compiled, expected errors"),
        Err(failed) => failed,
    };
    failed
        .diagnostics
        .errors()
        .map(|d| {
            let (line, col) = failed.sources.line_col(d.span);
            let under = failed.sources.snippet(d.span).to_owned();
            (d.code, line, col, under)
        })
        .collect()
}

/// Is selling the email to the broker allowed for a Californian?
fn sale_allowed(policy: &Policy) -> bool {
    let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let subject = Subject::from_json_str(policy, r#"{"region":"US-CA","age":34}"#, now).unwrap();
    policy
        .decide_disclosure_by_name("broker", "ads", "user.contact.email", &subject, None)
        .unwrap()
        .allowed()
}

// ---- class 1: line terminators and bidirectional controls ---------------------------------

#[test]
fn a_rule_after_a_lone_cr_is_an_error_not_a_comment() {
    // An editor shows `deny no_sale` on its own line; the sale must never silently stay allowed.
    let visible = format!("{HEAD}// sales reviewed\ndeny no_sale: sell *\n");
    assert!(!sale_allowed(&policy("visible.lawful", &visible)));
    let hidden = format!("{HEAD}// sales reviewed\rdeny no_sale: sell *\n");
    let found = errors("hidden.lawful", &hidden);
    assert_eq!(
        found,
        [(
            "lawful::syntax::forbidden_line_separator",
            6,
            18,
            "\r".to_owned()
        )]
    );
    // Without the rule the sale is allowed: the test above asks about a real difference.
    assert!(sale_allowed(&policy("none.lawful", HEAD)));
}

#[test]
fn every_forbidden_character_is_an_error_at_its_line_and_column() {
    let separators = ["\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"];
    let bidi = [
        "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}",
        "\u{2068}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}",
    ];
    let cases = separators
        .iter()
        .map(|c| (*c, "lawful::syntax::forbidden_line_separator"))
        .chain(
            bidi.iter()
                .map(|c| (*c, "lawful::syntax::forbidden_bidi_control")),
        );
    for (c, code) in cases {
        // In a comment, in a string, between tokens; lines before it end in CRLF and LF.
        let text = format!(
            "{HEAD}// note{c}x\r\nflag f \"a{c}b\"\n\r\nflag {c}g\n",
            HEAD = HEAD.replace('\n', "\r\n")
        );
        let found = errors("forbidden.lawful", &text);
        let expected = vec![
            (code, 6, 8, c.to_owned()),
            (code, 7, 10, c.to_owned()),
            (code, 9, 6, c.to_owned()),
        ];
        assert_eq!(found, expected, "{c:?}");
    }
}

#[test]
fn a_crlf_policy_decides_and_formats_as_its_lf_twin() {
    let lf = format!(
        "{HEAD}// a comment\n/// documented\ndeny no_sale: sell * // trailing\n\
         retain user.* at most 2 years after account_closed\n"
    );
    let crlf = lf.replace('\n', "\r\n");
    let (a, b) = (policy("lf.lawful", &lf), policy("crlf.lawful", &crlf));
    assert_eq!(sale_allowed(&a), sale_allowed(&b));
    assert!(!sale_allowed(&b));
    // The same rule at the same line and column in both.
    let rule = |p: &Policy, text: &str| {
        let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let subject = Subject::from_json_str(p, r#"{"region":"US-CA"}"#, now).unwrap();
        let d = p
            .decide_disclosure_by_name("broker", "ads", "user.contact.email", &subject, None)
            .unwrap();
        let json = serde_json::to_value(d.to_json(p)).unwrap();
        let rule = json["rule"].clone();
        assert!(text.contains("deny no_sale"), "{text}");
        (
            rule["line"].clone(),
            rule["column"].clone(),
            rule["id"].clone(),
        )
    };
    assert_eq!(rule(&a, &lf), rule(&b, &crlf));
    // `lawful fmt` writes LF line ends: a CRLF file formats to the LF file's layout.
    let formatted = lawful::format::format_source(&crlf).unwrap();
    assert!(!formatted.contains('\r'), "{formatted:?}");
    assert_eq!(formatted, lawful::format::format_source(&lf).unwrap());
    // A lone CR is refused by fmt as by the compiler.
    let hidden = format!("{HEAD}// x\rdeny no_sale: sell *\n");
    let err = lawful::format::format_source(&hidden).unwrap_err();
    assert_eq!(
        lawful::diagnostic::DiagnosticKind::code(&err),
        "lawful::syntax::forbidden_line_separator"
    );
}

// ---- class 2: periods beyond the calendar --------------------------------------------------

#[test]
fn a_period_beyond_the_calendar_is_a_check_error() {
    let retain =
        |period: &str| format!("{HEAD}retain user.* at most {period} after account_closed\n");
    for period in ["8000 years", "1001 years", "P366000D", "12001 months"] {
        let found = errors("long.lawful", &retain(period));
        assert_eq!(
            found,
            [(
                "lawful::check::duration_out_of_range",
                6,
                23,
                period.to_owned()
            )],
            "{period}"
        );
    }
    for period in ["100 years", "1000 years", "P365000D"] {
        policy("fine.lawful", &retain(period));
    }
    let minimum = format!("{HEAD}retain user.* at least 9000 years after account_closed\n");
    assert_eq!(
        errors("min.lawful", &minimum)
            .iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        ["lawful::check::duration_out_of_range"]
    );
    let respond =
        format!("{HEAD}rights {{ access respond within 5000 years extendable by 2 months }}\n");
    let found = errors("respond.lawful", &respond);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "lawful::check::duration_out_of_range");
    assert_eq!(found[0].3, "5000 years");
}

#[test]
fn a_period_from_an_event_late_in_the_calendar_is_an_explicit_error() {
    let p = policy(
        "late.lawful",
        &format!("{HEAD}retain user.* at most 1000 years after account_closed\n"),
    );
    let category = p.category("user.contact.email").unwrap();
    let closed = p.event("account_closed").unwrap();
    let region = p.region("DE").unwrap();
    let ask = |event: &str| {
        let events = [(closed, event.parse::<Timestamp>().unwrap())];
        let query = RetentionQuery::new(
            &p,
            category,
            region,
            "2025-01-01T00:00:00Z".parse().unwrap(),
        );
        p.decide_retention(&query.with_events(&events))
    };
    // The end of the year 8998 plus the longest period stays inside the calendar.
    let d = ask("8998-12-31T23:59:59Z").unwrap();
    assert_eq!(d.verdict, Verdict::MayKeep);
    assert!(d.date.is_some());
    // Later events overflow: an error, never "no deadline yet".
    let err = ask("9500-06-01T00:00:00Z").unwrap_err();
    assert!(matches!(err, QueryError::DateOutOfRange { .. }), "{err:?}");
    assert_eq!(err.code(), "lawful::eval::date_out_of_range");
}

// ---- class 3: hostile sizes ----------------------------------------------------------------

/// 20,000 warnings: each position is a binary search in the file's line index (the old
/// rescan of the text per diagnostic took 87 s for 40,000 in a release build), and miette
/// is handed only the lines around each span.
#[test]
fn many_warnings_have_exact_positions() {
    let n = 20_000;
    let mut text = String::from("policy \"T\" { controller \"T\" }\r\n");
    for i in 0..n {
        text.push_str(&format!("category w.c{i}\r\n"));
    }
    let compiled = compile("warn.lawful", &text).unwrap();
    let warnings = &compiled.warnings.items;
    assert_eq!(warnings.len(), n);
    let sources = &compiled.policy.sources();
    for (k, d) in warnings.iter().enumerate() {
        assert_eq!(sources.line_col(d.span), (k + 2, 10), "{}", d.message);
    }
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_links(false);
    for d in warnings.iter().rev().take(3) {
        let mut out = String::new();
        handler.render_report(&mut out, &d.render(sources)).unwrap();
        let (line, _) = sources.line_col(d.span);
        assert!(out.contains(&format!("[warn.lawful:{line}:10]")), "{out}");
        assert!(out.contains(sources.snippet(d.span)), "{out}");
    }
}

/// Region closures are a bit set over all regions per region: past the limit the checker
/// says so instead of taking quadratic memory (100,000 groups took 2.5 GB before).
#[test]
fn too_many_regions_is_an_error() {
    let mut text = String::from("region DE\nregion FR\n");
    for i in 0..lawful::check::MAX_REGIONS + 10 {
        text.push_str(&format!("group G{i} = DE, FR\n"));
    }
    let found = errors("groups.lawful", &text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "lawful::check::too_many_regions");
    // The first region over the limit (two regions, then the groups).
    assert_eq!(found[0].1, lawful::check::MAX_REGIONS + 1);
    // At the limit, it compiles.
    let mut text = String::from("region DE\nregion FR\n");
    for i in 0..1_000 {
        text.push_str(&format!("group G{i} = DE, FR\n"));
    }
    compile("groups.lawful", &text).unwrap();
}

/// A directory of `n` files `f0 … f{n-1}`, each importing the next; `back` makes each also
/// import `f0` (a cycle through every prefix of the chain).
fn chain(name: &str, n: usize, back: bool) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let mut text = String::new();
        if i + 1 < n {
            text.push_str(&format!("use \"f{}.lawful\"\n", i + 1));
        }
        if back && i > 0 {
            text.push_str("use \"f0.lawful\"\n");
        }
        text.push_str(&format!("category c{i}.x\n"));
        std::fs::write(dir.join(format!("f{i}.lawful")), text).unwrap();
    }
    dir.join("f0.lawful")
}

/// Imports are followed with an explicit stack: a 20,000-deep chain compiles on the 2 MiB
/// test thread (the recursive loader stopped at pest's stack limit near 18,000 files in a
/// release build, far sooner in a debug one).
#[test]
fn a_deep_import_chain_compiles() {
    let root = chain("hostile_chain", 20_000, false);
    let compiled = lawful::compile_file(&root).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(compiled.policy.sources().files().count(), 20_000);
}

/// Every file of a deep chain imports the root: one cycle per file, each named by its ends,
/// so the messages stay short instead of listing the whole chain each time.
#[test]
fn cycles_through_a_deep_chain_are_reported_briefly() {
    let n = 3_000;
    let root = chain("hostile_cycles", n, true);
    let failed = lawful::compile_file(&root).unwrap_err();
    let cycles: Vec<_> = failed
        .diagnostics
        .errors()
        .filter(|d| d.code == "lawful::load::import_cycle")
        .collect();
    assert_eq!(cycles.len(), n - 1);
    assert!(cycles.iter().all(|d| d.message.len() < 1_000));
    // The deepest file closes the longest cycle, reported first.
    let longest = cycles.first().unwrap();
    assert!(
        longest
            .message
            .contains(&format!("… {} more files …", n - 8)),
        "{}",
        longest.message
    );
}
