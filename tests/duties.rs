//! What a policy states beside its decisions: `//>` citations (in explanations and the record,
//! never in the notice), `security { … }` measures, a recipient's `duty` and `never for` terms
//! (a limit decides disclosures), the terms of rights (`free`, `only for basis …`, `via …`),
//! and the changes `lawful diff` reports for them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use assert_cmd::Command;
use lawful::eval::Reason;
use lawful::model::{Basis, ProvenanceKind, RecipientKind};
mod common;

const POLICY: &str = r#"
policy "Cam" { controller "Cam Inc." contact "privacy@cam.example" }
use std::regions
use std::fides
field clips.snapshot: user.content.private "Camera snapshot"
//> §2 "We use your snapshots to run the service."
purpose essential.service "Running the service" {
  uses user.content.private
  basis contract
}
/// Improving our detection models.
//> §3 "With your consent, we train our detection models on snapshots."
purpose train_ai_system "Training our detection models" {
  uses user.content.private
  basis consent
}
/// Cloud hosting.
//> §6 "Our processor may not train models on your data and acts only on our instructions."
recipient cloud "Cloud host" kind processor {
  purposes *
  categories *
  duty "acts only on our documented instructions"
  never for train_ai_system "may not train models on your data"
}
security {
  //> §9 "We encrypt snapshots in transit and at rest."
  encryption "TLS in transit, AES-256 at rest" for user.content.*
  access_control "Need-to-know access for staff" to cloud
}
rights {
  //> §7 "You can see your data in the app, free of charge."
  access free via "the app's privacy settings"
  portability only for basis consent, contract in EU
  respond within 1 month extendable by 2 months
}
retain user.* at most 1 year after collected
test "the processor may not train models" {
  subject { region DE  consent train_ai_system }
  expect allow use clips.snapshot for train_ai_system basis consent
  expect deny recipient_not_declared disclose clips.snapshot to cloud for train_ai_system by cloud
  expect deny recipient_not_declared
      disclose clips.snapshot to kind processor for train_ai_system by cloud
  expect allow disclose clips.snapshot to cloud for essential.service
}
"#;

#[test]
fn a_disclosure_for_a_purpose_the_recipient_may_not_pursue_is_denied_citing_the_limit() {
    let policy = common::compile("cam.lawful", POLICY);
    let consenting = common::subject(
        &policy,
        r#"{"region": "DE", "consents": [{"purpose": "train_ai_system"}]}"#,
    );
    // The use itself is allowed: only the disclosure to `cloud` is limited.
    let used = policy
        .decide_use_by_name("train_ai_system", "clips.snapshot", &consenting, None)
        .unwrap();
    assert!(used.allowed(), "{}", used.explain(&policy));

    let denied = policy
        .decide_disclosure_by_name(
            "cloud",
            "train_ai_system",
            "clips.snapshot",
            &consenting,
            None,
        )
        .unwrap();
    assert_eq!(denied.reason, Reason::RecipientNotDeclared);
    let cited = denied.rule.and_then(|id| policy.provenance(id)).unwrap();
    assert_eq!(cited.kind, ProvenanceKind::RecipientLimit);
    assert_eq!(
        cited.docs.as_deref(),
        Some("may not train models on your data")
    );
    let explanation = denied.explain(&policy);
    assert!(
        explanation.contains("the limit on the recipient `cloud` forbids it")
            && explanation.contains("may not train models on your data"),
        "{explanation}"
    );
    // The JSON names the limit and the source it cites.
    let json = denied.to_json(&policy);
    let rule = json.rule.unwrap();
    assert_eq!(rule.name, "cloud");
    assert_eq!(
        rule.citation.as_deref(),
        Some(
            "§6 \"Our processor may not train models on your data and acts only on our \
             instructions.\""
        )
    );

    // By kind: the only processor may not, so no processor may.
    let by_kind = policy
        .decide_disclosure_to_kind_by_name(
            "processor",
            "train_ai_system",
            "clips.snapshot",
            &consenting,
            None,
        )
        .unwrap();
    assert!(!by_kind.allowed());
    assert_eq!(by_kind.rule, denied.rule);

    // Every other purpose of `purposes *` still goes to `cloud`.
    let allowed = policy
        .decide_disclosure_by_name(
            "cloud",
            "essential.service",
            "clips.snapshot",
            &consenting,
            None,
        )
        .unwrap();
    assert!(allowed.allowed(), "{}", allowed.explain(&policy));
    assert_eq!(policy.recipients()[0].kind, RecipientKind::Processor);
}

#[test]
fn a_purpose_the_policy_does_not_declare_is_denied_citing_the_limit_too() {
    // Without the purpose declared, the use is denied by the closed world: the recipient's
    // limit is the better explanation of the disclosure's denial.
    let text = POLICY.replace(
        "purpose train_ai_system \"Training our detection models\" {\n  uses user.content.private\n  basis consent\n}",
        "",
    );
    let text = text.replace(
        "  expect allow use clips.snapshot for train_ai_system basis consent\n",
        "",
    );
    let text = text.replace("consent train_ai_system", "");
    let text = text.replace(
        "expect deny recipient_not_declared disclose clips.snapshot to cloud",
        "expect deny not_declared disclose clips.snapshot to cloud",
    );
    let text = text.replace(
        "expect deny recipient_not_declared\n      disclose clips.snapshot to kind",
        "expect deny not_declared\n      disclose clips.snapshot to kind",
    );
    let policy = common::compile("cam.lawful", &text);
    let anyone = common::subject(&policy, r#"{"region": "DE"}"#);
    let denied = policy
        .decide_disclosure_by_name("cloud", "train_ai_system", "clips.snapshot", &anyone, None)
        .unwrap();
    assert_eq!(denied.reason, Reason::NotDeclared);
    let cited = denied.rule.and_then(|id| policy.provenance(id)).unwrap();
    assert_eq!(cited.kind, ProvenanceKind::RecipientLimit);
    let report = lawful::testing::run_tests(&policy);
    assert!(report.ok() && report.passed == 3, "{report:?}");
}

#[test]
fn the_policy_tests_pass() {
    let policy = common::compile("cam.lawful", POLICY);
    let report = lawful::testing::run_tests(&policy);
    assert!(report.ok() && report.passed == 4, "{report:?}");
}

#[test]
fn citations_are_in_the_record_and_explanations_never_in_the_notice() {
    let policy = common::compile("cam.lawful", POLICY);
    let doc = lawful::docgen::markdown(&policy);
    let (notice, record) = doc.split_once("## Record of processing").unwrap();
    for cite in ["§2 ", "§3 ", "§6 ", "§7 ", "§9 "] {
        assert!(
            !notice.contains(cite),
            "{cite} leaks into the notice:\n{notice}"
        );
        assert!(
            record.contains(cite),
            "{cite} missing from the record:\n{record}"
        );
    }
    // The doc comments are the notice's text.
    assert!(notice.contains("Improving our detection models."));
    assert!(notice.contains("Cloud hosting."));
    // A basis line cites its purpose's source.
    let purpose = &policy.purposes()[policy
        .purposes()
        .iter()
        .position(|p| p.info.name == "essential.service")
        .unwrap()];
    assert_eq!(
        policy.citation(purpose.info.span),
        Some("§2 \"We use your snapshots to run the service.\"")
    );
    let allowed = policy
        .decide_use_by_name(
            "essential.service",
            "clips.snapshot",
            &common::subject(&policy, r#"{"region": "DE"}"#),
            None,
        )
        .unwrap();
    assert_eq!(
        allowed.to_json(&policy).rule.unwrap().citation.as_deref(),
        Some("§2 \"We use your snapshots to run the service.\"")
    );
}

#[test]
fn the_notice_and_record_state_measures_terms_and_duties() {
    let policy = common::compile("cam.lawful", POLICY);
    let measures = policy.security_measures();
    assert_eq!(measures.len(), 2);
    assert_eq!(measures[1].recipients.len(), 1);
    let right = &policy.rights()[1];
    assert_eq!(right.only_for, vec![Basis::Consent, Basis::Contract]);
    let doc = lawful::docgen::markdown(&policy);
    let (notice, record) = doc.split_once("## Record of processing").unwrap();
    for text in [
        "### How we protect your data",
        "**Encryption**: TLS in transit, AES-256 at rest",
        "binding Cloud host",
        "Must: acts only on our documented instructions",
        "May not train models on your data",
        "Free of charge. How: the app's privacy settings.",
        "Only for data we process on the basis of your consent or the performance of our \
         contract with you.",
        "within 1 month, which we may extend by 2 months",
    ] {
        assert!(
            notice.contains(text),
            "{text:?} missing from the notice:\n{notice}"
        );
    }
    for text in [
        "Technical and organisational security measures (Art. 30(1)(g), 32)",
        "Recipients' obligations and limits (Art. 28(3))",
        "Never for `train_ai_system`: may not train models on your data",
        "Within 1 month, extendable by 2 months",
    ] {
        assert!(
            record.contains(text),
            "{text:?} missing from the record:\n{record}"
        );
    }
    // The limit is out of the recipient's purposes, so the notice does not list it there.
    assert!(!notice.contains("| All purposes |"));
}

#[test]
fn diff_reports_changed_measures_deadlines_terms_and_duties() {
    let old = common::compile("cam.lawful", POLICY);
    let new = common::compile(
        "cam.lawful",
        &POLICY
            .replace(
                "respond within 1 month extendable by 2 months",
                "respond within 2 months",
            )
            .replace(
                "  access_control \"Need-to-know access for staff\" to cloud\n",
                "",
            )
            .replace("  duty \"acts only on our documented instructions\"\n", "")
            .replace("access free via", "access via"),
    );
    let diff = lawful::diff::diff(&old, &new);
    let kinds: Vec<&str> = diff
        .statements
        .iter()
        .map(|s| {
            serde_json::to_value(s.kind)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .map(|s| Box::leak(s.into_boxed_str()) as &str)
        .collect();
    assert_eq!(
        kinds,
        [
            "security_measure_removed",
            "response_time_extended",
            "right_terms_changed",
            "recipient_duty_removed"
        ]
    );
    assert_eq!(diff.widened(), 4);
    assert!(diff.changes.is_empty(), "{:?}", diff.changes);
    let human = diff.render_human("old", "new");
    assert!(
        human.contains("+ requests are answered everywhere within 2 months"),
        "{human}"
    );
    // And back: a measure, a duty and `free` added are narrowed; the response time is now
    // extendable beyond the old maximum, so it is widened.
    let back = lawful::diff::diff(&new, &old);
    assert_eq!(
        (back.narrowed(), back.widened()),
        (3, 1),
        "{:?}",
        back.statements
    );
    // Removing the limit changes decisions too: the disclosure is now allowed.
    let unlimited = common::compile("cam.lawful", &POLICY.replace(
        "  never for train_ai_system \"may not train models on your data\"\n",
        "",
    ).replace(
        "  expect deny recipient_not_declared disclose clips.snapshot to cloud for train_ai_system by cloud\n  expect deny recipient_not_declared\n      disclose clips.snapshot to kind processor for train_ai_system by cloud\n",
        "",
    ));
    let diff = lawful::diff::diff(&old, &unlimited);
    assert!(diff
        .statements
        .iter()
        .any(|s| s.summary.contains("no longer limited")));
    assert!(diff
        .changes
        .iter()
        .any(|c| c.recipients == ["cloud"] && c.purpose.as_deref() == Some("train_ai_system")));
}

#[test]
fn fmt_keeps_every_new_construct() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cam.lawful");
    let squashed: String = POLICY
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                format!("\n{l}\n")
            } else {
                format!(" {}", l.trim())
            }
        })
        .collect();
    std::fs::write(&path, &squashed).unwrap();
    Command::cargo_bin("lawful")
        .unwrap()
        .args(["fmt", path.to_str().unwrap()])
        .assert()
        .success();
    let formatted = std::fs::read_to_string(&path).unwrap();
    let again = common::compile("cam.lawful", &formatted);
    assert_eq!(again.security_measures().len(), 2);
    assert_eq!(
        again.citations().count(),
        common::compile("cam.lawful", POLICY).citations().count()
    );
    for line in [
        "  duty \"acts only on our documented instructions\"",
        "  never for train_ai_system \"may not train models on your data\"",
        "  access free via \"the app's privacy settings\"",
        "  portability only for basis consent, contract in EU",
        "  encryption \"TLS in transit, AES-256 at rest\" for user.content.*",
        "//> §6 \"Our processor may not train models on your data and acts only on our instructions.\"",
    ] {
        assert!(formatted.contains(line), "{line:?} not kept:\n{formatted}");
    }
    Command::cargo_bin("lawful")
        .unwrap()
        .args(["fmt", "--check", path.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn a_source_of_data_is_stated_in_the_notice_and_record_and_diffed() {
    let with_source = POLICY.replace(
        "security {",
        "//> §1 \"We receive snapshots your installer took.\"\n\
         source installer \"Your installer\" provides user.content.private for essential.service in EU\n\
         security {",
    );
    let policy = common::compile("cam.lawful", &with_source);
    assert_eq!(policy.data_sources().len(), 1);
    let doc = lawful::docgen::markdown(&policy);
    let (notice, record) = doc.split_once("## Record of processing").unwrap();
    assert!(
        notice.contains("### Data we receive from others"),
        "{notice}"
    );
    assert!(
        notice.contains("**Your installer**: ") && notice.contains("for Running the service"),
        "{notice}"
    );
    assert!(!notice.contains("§1 "));
    assert!(record.contains("(Art. 14(2)(f))") && record.contains("§1 \"We receive"));
    let added = lawful::diff::diff(&common::compile("cam.lawful", POLICY), &policy);
    assert_eq!(added.statements.len(), 1, "{:?}", added.statements);
    assert_eq!(
        added.statements[0].summary,
        "receives data from the source `installer`"
    );
    assert_eq!(added.widened(), 1);
    let changed = lawful::diff::diff(
        &policy,
        &common::compile(
            "cam.lawful",
            &with_source.replace("for essential.service in EU", "for essential.service"),
        ),
    );
    assert_eq!(changed.neutral(), 1, "{:?}", changed.statements);
}
