//! Retention as privacy texts state it (docs/language.md, "Retention as privacy texts state
//! it"): per-purpose completion events, a minimum while the law requires it, exemptions and
//! de-identified data, an explicit "no limit", and a period the subject agreed to — through
//! the library, `lawful retention` and `lawful batch`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use assert_cmd::Command;
use jiff::Timestamp;
use lawful::eval::{parse_period_str, QueryError, RetentionNote, RetentionQuery, Verdict};
use lawful::Policy;
use proptest::prelude::*;
mod common;

const POLICY: &str = r#"
policy "Retention texts" { controller "C" }
region DE "Germany"
category user.contact "Contact"
category user.usage "Usage"
category user.backup "Backups"
circumstance required_by_law "A law requires the data to be kept"
event purpose_completed "The purpose is completed" per purpose
event deletion_requested "Deletion requested"
purpose essential.service "Service" {
  uses user.*
  basis contract
}
purpose marketing.direct "Newsletters" {
  uses user.contact
  basis consent
}
purpose operations.backup "Backups" {
  uses user.backup
  basis contract
}
retain user.contact, user.usage at most 0 days after purpose_completed
retain user.* for essential.* at least while circumstance.required_by_law
retain user.usage deidentified exempt
retain user.contact for marketing.* at most agreed up to 3 years after collected
retain user.backup without limit after deletion_requested
retain user.backup for essential.* at most 30 days after deletion_requested
"#;

fn at(text: &str) -> Timestamp {
    lawful::eval::parse_time_str("t", text).unwrap()
}

fn query<'a>(p: &Policy, category: &str, purpose: Option<&str>, now: &str) -> RetentionQuery<'a> {
    let mut q = RetentionQuery::new(
        p,
        p.category(category).unwrap(),
        p.region("DE").unwrap(),
        at(now),
    );
    q.purpose = purpose.map(|name| p.purpose(name).unwrap());
    q
}

#[test]
fn a_per_purpose_event_ends_the_retention_of_its_purpose_and_its_sub_purposes_only() {
    let p = common::compile("retention.lawful", POLICY);
    let completed = p.event("purpose_completed").unwrap();
    let marketing = p.purpose("marketing").unwrap();
    let service = p.purpose("essential.service").unwrap();
    let events = [(completed, marketing, at("2024-01-01"))];
    // Completing `marketing` completes `marketing.direct`.
    let d = p
        .decide_retention(
            &query(&p, "user.contact", Some("marketing.direct"), "2024-02-01")
                .with_purpose_events(&events),
        )
        .unwrap();
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustDelete, Some(at("2024-01-01")))
    );
    // Not the service's: its maximum has not started.
    let d = p
        .decide_retention(
            &query(&p, "user.contact", Some("essential.service"), "2024-02-01")
                .with_purpose_events(&events),
        )
        .unwrap();
    assert_eq!(
        (d.verdict, d.note),
        (Verdict::MayKeep, RetentionNote::NoDeadlineYet)
    );
    // A question about no purpose reads only entries without one.
    let d = p
        .decide_retention(&query(&p, "user.usage", None, "2024-02-01").with_purpose_events(&events))
        .unwrap();
    assert_eq!(d.note, RetentionNote::NoDeadlineYet);
    // Given without a purpose, the event counts for every purpose; the earliest entry wins.
    let plain = [(completed, at("2023-06-01"))];
    let both = [(completed, service, at("2023-09-01"))];
    let d = p
        .decide_retention(
            &query(&p, "user.usage", Some("essential.service"), "2024-02-01")
                .with_events(&plain)
                .with_purpose_events(&both),
        )
        .unwrap();
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustDelete, Some(at("2023-06-01")))
    );
}

#[test]
fn an_event_not_declared_per_purpose_cannot_be_given_for_one() {
    let p = common::compile("retention.lawful", POLICY);
    let deletion = p.event("deletion_requested").unwrap();
    let service = p.purpose("essential.service").unwrap();
    let events = [(deletion, service, at("2024-01-01"))];
    let error = p
        .decide_retention(
            &query(&p, "user.backup", None, "2024-02-01").with_purpose_events(&events),
        )
        .unwrap_err();
    assert_eq!(error, QueryError::EventNotPerPurpose { event: deletion });
    assert_eq!(error.code(), "lawful::eval::event_not_per_purpose");
    // By name: `NAME:PURPOSE`, each part resolved (a typo is an unknown name).
    assert_eq!(
        p.event_for("purpose_completed:essential.service").unwrap(),
        (p.event("purpose_completed").unwrap(), Some(service))
    );
    assert_eq!(p.event_for("deletion_requested").unwrap(), (deletion, None));
    assert!(p.event_for("purpose_completed:essential.servce").is_err());
}

#[test]
fn a_minimum_while_the_law_requires_outlasts_every_maximum() {
    let p = common::compile("retention.lawful", POLICY);
    let completed = p.event("purpose_completed").unwrap();
    let required = p.circumstance("required_by_law").unwrap();
    let events = [(completed, at("2020-01-01"))];
    let q = query(&p, "user.contact", Some("essential.service"), "2030-01-01").with_events(&events);
    let kept = p.decide_retention(&q.given(required)).unwrap();
    assert_eq!(
        (kept.verdict, kept.date, kept.note),
        (Verdict::MustKeep, None, RetentionNote::KeptWhile)
    );
    assert!(
        kept.explain(&p).contains("no fixed end"),
        "{}",
        kept.explain(&p)
    );
    // Without the circumstance the rule says nothing: the maximum applies.
    let d = p.decide_retention(&q).unwrap();
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustDelete, Some(at("2020-01-01")))
    );
    // Only for the purposes it names.
    let q = query(&p, "user.contact", Some("marketing.direct"), "2030-01-01").with_events(&events);
    assert_eq!(
        p.decide_retention(&q.given(required)).unwrap().verdict,
        Verdict::MustDelete
    );
}

#[test]
fn de_identified_data_is_exempt_from_maxima_identified_data_is_not() {
    let p = common::compile("retention.lawful", POLICY);
    let completed = p.event("purpose_completed").unwrap();
    let events = [(completed, at("2024-01-01"))];
    let q = query(&p, "user.usage", None, "2024-06-01").with_events(&events);
    let d = p.decide_retention(&q.with_deidentified(true)).unwrap();
    assert_eq!(
        (d.verdict, d.date, d.note),
        (Verdict::MayKeep, None, RetentionNote::Exempt)
    );
    assert!(d.rule.is_some());
    let d = p.decide_retention(&q).unwrap();
    assert_eq!(d.verdict, Verdict::MustDelete);
    // A minimum still binds exempt data.
    let required = p.circumstance("required_by_law").unwrap();
    let q = query(&p, "user.usage", Some("essential.service"), "2024-06-01")
        .with_events(&events)
        .with_deidentified(true)
        .given(required);
    assert_eq!(p.decide_retention(&q).unwrap().verdict, Verdict::MustKeep);
}

#[test]
fn an_explicit_no_limit_differs_from_a_text_that_states_no_period() {
    let p = common::compile("retention.lawful", POLICY);
    let deletion = p.event("deletion_requested").unwrap();
    let d = p
        .decide_retention(&query(&p, "user.backup", None, "2024-06-01"))
        .unwrap();
    assert_eq!(
        (d.verdict, d.date, d.note),
        (Verdict::MayKeep, None, RetentionNote::NoLimit)
    );
    assert!(d.explain(&p).contains("no time limit"), "{}", d.explain(&p));
    // A maximum that applies still decides.
    let events = [(deletion, at("2024-01-01"))];
    let d = p
        .decide_retention(
            &query(&p, "user.backup", Some("essential.service"), "2024-06-01").with_events(&events),
        )
        .unwrap();
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustDelete, Some(at("2024-01-31")))
    );
    // Elsewhere: the text states no period.
    let d = p
        .decide_retention(&query(
            &p,
            "user.contact",
            Some("essential.service"),
            "2024-06-01",
        ))
        .unwrap();
    assert_eq!(d.note, RetentionNote::NoDeadlineYet);
}

#[test]
fn the_agreed_period_is_bounded_by_the_policy_and_none_agreed_is_none() {
    let p = common::compile("retention.lawful", POLICY);
    let collected = p.event("collected").unwrap();
    let events = [(collected, at("2024-01-01"))];
    let q = query(&p, "user.contact", Some("marketing.direct"), "2024-01-02").with_events(&events);
    let deadline = |q: RetentionQuery<'_>| p.decide_retention(&q).unwrap();
    let none = deadline(q);
    assert_eq!(
        (none.verdict, none.date),
        (Verdict::MustDelete, Some(at("2024-01-01")))
    );
    let two = deadline(q.with_agreed_period(parse_period_str("p", "P2Y").unwrap()));
    assert_eq!(
        (two.verdict, two.date),
        (Verdict::MayKeep, Some(at("2026-01-01")))
    );
    let ten = deadline(q.with_agreed_period(parse_period_str("p", "10 years").unwrap()));
    assert_eq!(ten.date, Some(at("2027-01-01")));
}

#[test]
fn periods_given_with_a_question_are_checked() {
    for bad in ["-P1Y", "P1001Y", "two years", ""] {
        let error = parse_period_str("agreed_period", bad).unwrap_err();
        assert_eq!(error.code(), "lawful::subject::bad_period", "{bad}");
        assert!(
            error.to_string().starts_with("agreed_period: not a period"),
            "{error}"
        );
    }
    assert!(parse_period_str("agreed_period", "P1Y6M").is_ok());
}

proptest! {
    /// Agreeing to a longer period never shortens the deadline, and no agreement extends it
    /// past the policy's cap: the deadline is the event plus the shorter of the two.
    #[test]
    fn the_agreed_deadline_is_the_shorter_of_agreement_and_cap(months in 0i64..120, more in 0i64..24) {
        let p = common::compile("retention.lawful", POLICY);
        let collected = p.event("collected").unwrap();
        let events = [(collected, at("2024-01-31"))];
        let q = query(&p, "user.contact", Some("marketing.direct"), "2024-01-31").with_events(&events);
        let date = |m: i64| {
            p.decide_retention(&q.with_agreed_period(jiff::Span::new().months(m)))
                .unwrap()
                .date
                .unwrap()
        };
        let (a, b) = (date(months), date(months + more));
        prop_assert!(a <= b);
        let cap = at("2027-01-31");
        prop_assert!(b <= cap);
        let expected = at("2024-01-31")
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(jiff::Span::new().months(months.min(36)))
            .unwrap()
            .timestamp();
        prop_assert_eq!(a, expected);
    }
}

fn lawful() -> Command {
    Command::cargo_bin("lawful").unwrap()
}

fn policy_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.lawful"), POLICY).unwrap();
    dir
}

#[test]
fn the_cli_takes_purpose_events_agreed_periods_and_de_identified_data() {
    let dir = policy_file();
    let run = |args: &[&str]| {
        let out = lawful()
            .current_dir(dir.path())
            .args([
                "retention",
                "p.lawful",
                "--region",
                "DE",
                "--format",
                "json",
            ])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, out, _) = run(&[
        "--category",
        "user.contact",
        "--purpose",
        "marketing.direct",
        "--event",
        "purpose_completed:marketing=2024-01-01",
        "--now",
        "2024-02-01",
    ]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains(r#""verdict":"must_delete","date":"2024-01-01""#),
        "{out}"
    );
    let (code, out, _) = run(&[
        "--category",
        "user.contact",
        "--purpose",
        "marketing.direct",
        "--event",
        "collected=2024-01-01",
        "--agreed-period",
        "P1Y",
        "--now",
        "2024-02-01",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(r#""verdict":"may_keep","date":"2025-01-01""#),
        "{out}"
    );
    let (code, out, _) = run(&[
        "--category",
        "user.usage",
        "--deidentified",
        "--now",
        "2024-02-01",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#""note":"exempt""#), "{out}");
    let (code, _, err) = run(&["--category", "user.usage", "--agreed-period=-P1Y"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("lawful::subject::bad_period"), "{err}");
    let (code, _, err) = run(&[
        "--category",
        "user.backup",
        "--event",
        "deletion_requested:essential.service=2024-01-01",
        "--now",
        "2024-02-01",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("lawful::eval::event_not_per_purpose"), "{err}");
}

#[test]
fn batch_lines_take_the_same_members() {
    let dir = policy_file();
    let input = [
        r#"{"kind":"retention","data":"user.contact","purpose":"marketing.direct","region":"DE","events":{"purpose_completed:marketing.direct":"2024-01-01"},"now":"2024-02-01"}"#,
        r#"{"kind":"retention","data":"user.contact","purpose":"marketing.direct","region":"DE","events":{"collected":"2024-01-01"},"agreed_period":"2 years","now":"2024-02-01"}"#,
        r#"{"kind":"retention","data":"user.usage","region":"DE","deidentified":true,"now":"2024-02-01"}"#,
        r#"{"kind":"retention","data":"user.backup","region":"DE","now":"2024-02-01"}"#,
        r#"{"kind":"retention","data":"user.usage","region":"DE","agreed_period":"P2000Y"}"#,
        r#"{"kind":"use","purpose":"essential.service","data":"user.usage","region":"DE","deidentified":true}"#,
    ]
    .join("\n");
    let out = lawful()
        .current_dir(dir.path())
        .args(["batch", "p.lawful"])
        .write_stdin(input)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[0].contains(r#""verdict":"must_delete","date":"2024-01-01""#),
        "{text}"
    );
    assert!(
        lines[1].contains(r#""verdict":"may_keep","date":"2026-01-01""#),
        "{text}"
    );
    assert!(lines[2].contains(r#""note":"exempt""#), "{text}");
    assert!(lines[3].contains(r#""note":"no_limit""#), "{text}");
    assert!(lines[4].contains("lawful::subject::bad_period"), "{text}");
    assert!(
        lines[5].contains("lawful::batch::unexpected_member"),
        "{text}"
    );
    assert!(lines[5].contains("deidentified"), "{text}");
}
