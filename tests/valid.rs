//! The valid corpus: every `tests/valid/*.lawful` compiles without errors or warnings, the
//! files together use every construct of docs/language.md, `lawful check tests/valid` exits
//! 0 and `lawful test tests/valid` passes. `tests/valid/vocabulary/` holds a library the
//! corpus imports by relative path.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const DIR: &str = "tests/valid";

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("cannot read `{DIR}` (run from the package root): {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "lawful"))
        .collect();
    files.sort();
    files
}

fn compile(path: &Path) -> lawful::Compiled {
    match lawful::compile_file(path) {
        Ok(compiled) => compiled,
        Err(failed) => panic!("{} does not compile: {failed}", path.display()),
    }
}

#[test]
fn every_valid_policy_compiles_without_diagnostics() {
    let files = corpus();
    assert!(
        files.len() >= 8,
        "the valid corpus has only {} files",
        files.len()
    );
    for path in &files {
        let compiled = compile(path);
        let warnings: Vec<String> = compiled
            .warnings
            .items
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            warnings.is_empty(),
            "{} has warnings: {warnings:#?}",
            path.display()
        );
    }
}

/// Each construct of the language reference, as text that must occur somewhere in the
/// corpus, so that editing a file cannot silently drop one.
#[test]
fn the_corpus_uses_every_construct() {
    const CONSTRUCTS: &[&str] = &[
        // file structure
        "//!",
        "///",
        "#![allow(",
        "#[allow(",
        "policy \"",
        "controller \"",
        "contact \"",
        "version \"",
        "effective 20",
        "updated 20",
        "use std::regions",
        "use std::regimes",
        "use std::fides",
        "use std::circumstances",
        "use \"vocabulary/common.lawful\"",
        // regions, facts
        "region XE-N \"Exampleland North\" in XE",
        "region QQ\n",
        "group NORTH",
        "= * except",
        "fact digital_consent_age = 16 in",
        "fact digital_consent_age = 13\n",
        // flags, categories, fields, subjects, events
        "flag biometric_like \"",
        "flag internal\n",
        "special sensitive",
        "biometric_like sensitive",
        "field accounts.email: user.account.email \"",
        "field devices.scale_reading:",
        "subject kind user \"",
        "subject kind employee\n",
        ": bool",
        ": int",
        ": string",
        ": set",
        "event warranty_expired \"",
        "event offboarded\n",
        // circumstances, knowledge, objection overrides
        "circumstance court_order \"",
        "when circumstance.",
        "except when circumstance.",
        "when known subject.",
        "overrides objection when circumstance.",
        " given business_transfer_in_progress, court_order",
        // children
        "under 13 in",
        "under digital_consent_age in",
        "unknown age is adult",
        "unknown age is child",
        "default deny",
        "default allow",
        "default require parental_consent",
        // purposes
        "uses ",
        "subjects user",
        "basis consent in EU, UK",
        " or legitimate_interest",
        " when subject.",
        "direct_marketing",
        "survives restriction, erasure",
        "children require parental_consent",
        "children deny",
        "children allow",
        "withdrawal taints prior data",
        // every basis, opt-out kind and Art. 9 condition
        "basis consent",
        "basis explicit_consent",
        "basis contract",
        "basis legal_obligation",
        "basis vital_interest",
        "basis public_task",
        "basis legitimate_interest",
        "opt_out(sale)",
        "opt_out(sharing)",
        "opt_out(targeted_advertising)",
        "opt_out(profiling)",
        "opt_out(marketing)",
        "art9(explicit_consent)",
        "art9(employment)",
        "art9(vital_interest)",
        "art9(nonprofit)",
        "art9(manifestly_public)",
        "art9(legal_claims)",
        "art9(substantial_public_interest)",
        "art9(health_care)",
        "art9(public_health)",
        "art9(archiving)",
        // recipients
        "kind processor located US {",
        "located US, GB",
        "kind affiliate",
        "kind partner",
        "kind ad_network",
        "kind authority",
        "kind acquirer",
        "kind other_users",
        "kind joint_controller",
        "  purposes ",
        "  categories ",
        "  sale\n",
        "  sharing\n",
        "  when not subject.child",
        // transfers, localisation
        "from EEA to EEA",
        "with scc",
        "with adequacy",
        "with bcr",
        "with consent",
        "with contract",
        "with certification",
        "with security_assessment",
        "with standard_contract",
        "with none",
        "localize ",
        // retention
        "\" per purpose\n",
        "at least while circumstance.",
        " deidentified exempt",
        " deidentified at most",
        "at most agreed up to 3 years after",
        "without limit after last_activity",
        "without limit when circumstance.",
        "events { purpose_completed for ",
        " agreed 2 years ",
        " deidentified may_keep exempt",
        "must_keep kept_while",
        "may_keep no_limit",
        "at least 3 years after",
        "at least P10Y",
        "at most 2 months",
        "at most P1Y after",
        "1 year 6 months",
        "P1Y6M",
        "12 weeks",
        "P30D",
        "30 days",
        "for marketing.*",
        "after collected",
        "after transaction_completed",
        "after account_closed",
        "after consent_withdrawn",
        "after claim_filed",
        "after limitation_period_end",
        "after contract_ended",
        "after last_activity",
        "after warranty_expired",
        // selectors
        "uses *",
        "user.name.*",
        "#sensitive",
        "#biometric_like",
        // rules
        "deny no_sale: sell *",
        "share #sensitive",
        "use * for marketing.advertising.*",
        "disclose * to kind ad_network",
        "transfer user.* from CN to *",
        "except when ",
        "except for ",
        "except in ",
        "except to CN",
        "except to aws",
        "except to kind authority",
        "to aws, ad_partner, kind partner for",
        "when subject.age < 16 in US",
        // conditions
        "subject.child",
        "subject.adult",
        "subject.age <",
        "subject.age <=",
        "subject.age >",
        "subject.age >=",
        "subject.age ==",
        "subject.age !=",
        "subject.region in",
        "subject.kind ==",
        "subject.kind !=",
        "consent(marketing.direct)",
        "explicit_consent(marketing.direct)",
        "objected(marketing.direct)",
        "opted_out(targeted_advertising)",
        "gpc",
        "restricted",
        "erased",
        "parental_consent",
        "subject.verified ==",
        "subject.tier ==",
        "\" in subject.roles",
        "true",
        "false",
        "not not",
        " and ",
        " or ",
        "((",
        // assertions
        "assert never use",
        "assert never disclose",
        "assert never sell",
        "assert never transfer",
        "assert always deny",
        "assert only",
        " requires consent in EU",
        // tests
        "test \"",
        "subject {",
        "region DE\n",
        "age 34",
        "kind user\n",
        "consent marketing.direct at",
        "explicit consent",
        "consent analytics\n",
        "withdrawn ",
        "objected analytics, marketing.direct",
        "opted_out sale, targeted_advertising",
        "erasure_requested",
        "account_deleted",
        "set verified = true",
        "set household_size = 4",
        "set tier = \"premium\"",
        "set roles = [\"beta\", \"admin\"]",
        "set roles = []",
        "expect allow use",
        "expect deny consent_withdrawn use",
        "basis contract\n",
        "collected 2024-02-01",
        "expect allow disclose",
        "expect deny disclose",
        "expect allow transfer",
        "transfer orders.email",
        "retention orders.email",
        "with scc\n",
        "expect deny transfer",
        "expect retention",
        "events {",
        "must_keep until",
        "may_keep until",
        "must_delete since",
        "may_keep\n",
        "T10:00:00Z",
        "basis opt_out\n",
        "basis opt_out(profiling)\n",
        // data subject rights
        "rights {",
        "  access in",
        "  rectification",
        "  erasure in",
        "  restriction in",
        "  portability",
        "  objection",
        "  withdraw_consent",
        "  automated_decision",
        "  opt_out(sale) in",
        "  opt_out(marketing)\n",
        "  know",
        "  delete",
        "  correct",
        "  limit_sensitive",
        "  non_discrimination",
        "  appeal",
        "  deceased_user",
        "  account_deletion",
        "  explanation",
        "  complaint",
        "respond within 1 month extendable by 2 months in",
        "extendable by P45D",
        "respond within 15 days in",
        // citations, sources, security, recipients' terms, terms of rights
        "//> §",
        "source reseller \"",
        " provides ",
        "security {",
        "\" for user.*",
        "\" to host",
        "  duty \"",
        "  never for improvement \"",
        " free via \"",
        "only for basis consent, contract",
        "  objection free\n",
    ];
    let mut text = String::new();
    for path in corpus() {
        text.push_str(&std::fs::read_to_string(path).unwrap());
        text.push('\n');
    }
    let missing: Vec<&&str> = CONSTRUCTS.iter().filter(|c| !text.contains(**c)).collect();
    assert!(missing.is_empty(), "no valid policy uses {missing:?}");
}

#[test]
fn the_model_keeps_headers_and_docs() {
    let policy = compile(Path::new("tests/valid/header_and_imports.lawful")).policy;
    assert_eq!(
        policy.header().name.as_deref(),
        Some("Example Shop Privacy Notice")
    );
    assert_eq!(
        policy.header().controllers,
        ["Example Shop Ltd", "Example Shop Inc"]
    );
    assert_eq!(policy.header().version.as_deref(), Some("2024-12-13"));
    assert!(policy.header().effective.is_some() && policy.header().updated.is_some());
    let file_docs = policy.header().docs.as_deref().unwrap_or_default();
    assert!(
        file_docs.contains("several lines"),
        "file docs: {file_docs:?}"
    );

    let policy = compile(Path::new("tests/valid/docs_and_allows.lawful")).policy;
    let service = policy
        .purposes()
        .iter()
        .find(|p| p.info.name == "service")
        .unwrap();
    assert_eq!(
        service.info.docs.as_deref(),
        Some("A purpose, with a basis only in the EU (no retention: silenced file-wide).")
    );
    assert_eq!(service.info.title.as_deref(), Some("Service"));
}

/// The corpus's `test` blocks hold: their expectations are the language's semantics.
#[test]
fn cli_test_passes_the_valid_corpus() {
    Command::cargo_bin("lawful")
        .unwrap()
        .args(["test", DIR])
        .assert()
        .code(0);
}

#[test]
fn cli_check_accepts_the_valid_corpus() {
    Command::cargo_bin("lawful")
        .unwrap()
        .args(["check", DIR])
        .assert()
        .code(0);
}
