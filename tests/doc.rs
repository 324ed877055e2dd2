//! `lawful doc`: the notice and Art. 30 record of every seed policy (Markdown snapshots),
//! the HTML of one, and the command's behaviour.
//!
//! The snapshots change whenever a seed policy changes: review the new text and accept it
//! with `INSTA_UPDATE=always cargo test --test doc` (or `cargo insta review`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SEEDS: &[&str] = &["ampower", "anker", "jiana", "minipower", "minopio"];

fn policy(path: &Path) -> lawful::Policy {
    match lawful::compile_file(path) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{} does not compile: {failed}", path.display()),
    }
}

fn seed(name: &str) -> PathBuf {
    PathBuf::from(format!("policies/{name}.lawful"))
}

#[test]
fn markdown_of_every_seed_policy() {
    for name in SEEDS {
        let markdown = lawful::docgen::markdown(&policy(&seed(name)));
        insta::assert_snapshot!(format!("{name}_markdown"), markdown);
    }
}

#[test]
fn html_of_one_seed_policy() {
    let html = lawful::docgen::html(&policy(&seed("minopio")));
    insta::assert_snapshot!("minopio_html", html);
}

#[test]
fn every_seed_document_has_each_part_of_a_notice_and_a_record_row_per_purpose() {
    for name in SEEDS {
        let policy = policy(&seed(name));
        let markdown = lawful::docgen::markdown(&policy);
        for heading in [
            "### Who we are",
            "### What we collect",
            "### Why we use it, and on which legal basis",
            "### Who receives your data",
            "### Where your data goes",
            "### How long we keep it",
            "### Your rights",
            "### Children",
            "## Record of processing activities (GDPR Art. 30)",
        ] {
            assert!(markdown.contains(heading), "{name}: no `{heading}`");
        }
        let declared = policy.purposes().iter().filter(|p| p.declared).count();
        let record = markdown
            .split("<a id=\"record-activities\"></a>")
            .nth(1)
            .unwrap_or("");
        let rows = record.lines().filter(|l| l.starts_with("| [")).count();
        assert_eq!(
            rows, declared,
            "{name}: one record row per declared purpose"
        );
    }
}

/// Text from the policy reaches the HTML escaped; nothing is loaded from elsewhere.
#[test]
fn html_is_self_contained_and_escaped() {
    let text = r#"#![allow(unused-category, purpose-without-retention, basis-gap, unused-field)]
        policy "Shop <b>&</b> \"Co\"" { controller "<script>alert(1)</script>" contact "dpo@shop.example" }
        region DE "Germany"
        /// Uses `<img src=x onerror=alert(1)>`.
        category user.email "E-mail <address>"
        purpose service "Service & support" { uses user.email basis contract in DE }
    "#;
    let policy = lawful::compile_str("shop.lawful", text).unwrap().policy;
    let html = lawful::docgen::html(&policy);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<nav class=\"toc\""));
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(!html.contains("<img"), "an img tag got through");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Shop &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;"));
    assert!(html.contains("E-mail &lt;address&gt;"));
    for external in ["http://", "https://", " src=\"", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the HTML refers to something outside: `{external}`"
        );
    }
    assert!(html.contains("href=\"mailto:dpo@shop.example\""));
    let markdown = lawful::docgen::markdown(&policy);
    assert!(markdown.contains("\\<script\\>"), "markdown escapes markup");
}

fn lawful() -> Command {
    Command::cargo_bin("lawful").unwrap()
}

#[test]
fn doc_writes_markdown_to_stdout_and_html_to_a_file() {
    let output = lawful()
        .args(["doc", "policies/minopio.lawful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("# Minopio Privacy Policy\n"), "{stdout}");

    let out = std::env::temp_dir().join(format!("lawful-doc-{}.html", std::process::id()));
    lawful()
        .args([
            "doc",
            "policies/minopio.lawful",
            "--format",
            "html",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let html = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(html.contains("<title>Minopio Privacy Policy</title>"));
}

#[test]
fn doc_of_a_policy_with_errors_exits_1_and_usage_errors_exit_2() {
    let dir = std::env::temp_dir().join(format!("lawful-doc-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.lawful");
    std::fs::write(&bad, "purpose p { uses nothing.here basis consent }\n").unwrap();
    let output = lawful().arg("doc").arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no document generated"));
    lawful()
        .args(["doc", "policies/minopio.lawful", "--format", "pdf"])
        .assert()
        .code(2);
    lawful().arg("doc").assert().code(2);
    lawful()
        .args(["doc", "policies/minopio.lawful", "--out"])
        .arg(dir.join("no/such/dir/out.md"))
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// The notice's rights against the evaluator (differential).

use lawful::docgen::rights::{granted, rights, RightKind};
use lawful::eval::{Query, Reason, SubjectBuilder};
use lawful::model::{Basis, OptOutKind, PurposeId, RegionId};
use lawful::Policy;

/// Whether the evaluator, asked by name, grants `right` for `purpose` in `region`: for some
/// category the purpose uses and some adult subject (with or without consent, an objection,
/// every other opt-out), the use is allowed on the basis the right is about, and denied for
/// the right's reason once the subject exercises it.
fn evaluator_grants(
    policy: &Policy,
    purpose: PurposeId,
    region: RegionId,
    right: RightKind,
) -> bool {
    let name = policy.purpose_name(purpose).to_owned();
    let region_name = policy.region_name(region).to_owned();
    let info = policy.purpose_info(purpose).unwrap();
    let kinds: Vec<Option<String>> = match &info.subjects {
        Some(set) => set
            .iter()
            .map(|k| Some(policy.subject_kinds()[k].name.clone()))
            .collect(),
        None => vec![None],
    };
    let t0: jiff::Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    let t1: jiff::Timestamp = "2021-01-01T00:00:00Z".parse().unwrap();
    let now: jiff::Timestamp = "2022-01-01T00:00:00Z".parse().unwrap();
    for category in info.uses.iter() {
        let category_name = policy.category_name(lawful::model::CategoryId(category as u32));
        let query = Query::new(
            policy,
            purpose,
            lawful::eval::DataRef::Category(policy.category(category_name).unwrap()),
        )
        .in_region(region);
        for kind in &kinds {
            for (consented, objected, opted_out) in [
                (true, false, false),
                (false, false, false),
                (true, true, false),
                (false, true, false),
                (true, false, true),
                (false, false, true),
                (true, true, true),
                (false, true, true),
            ] {
                let subject = |exercised: bool| {
                    let mut b = SubjectBuilder::new(policy, now)
                        .region(&region_name)
                        .unwrap()
                        .age(30)
                        .unwrap();
                    if let Some(kind) = kind {
                        b = b.kind(kind).unwrap();
                    }
                    if consented {
                        b = b.explicit_consent(&name, t0).unwrap();
                    }
                    if objected {
                        b = b.objection(&name).unwrap();
                    }
                    for k in OptOutKind::ALL {
                        let this = matches!(right, RightKind::OptOut(r) if r == k);
                        if (opted_out && !this) || (exercised && this) {
                            b = b.opt_out_kind(k);
                        }
                    }
                    match right {
                        RightKind::WithdrawConsent if exercised => {
                            b = b.withdrawn(&name, t1).unwrap()
                        }
                        RightKind::Object | RightKind::ObjectToDirectMarketing if exercised => {
                            b = b.objection(&name).unwrap()
                        }
                        _ => {}
                    }
                    b.build()
                };
                let precondition = match right {
                    RightKind::WithdrawConsent => consented,
                    RightKind::Object | RightKind::ObjectToDirectMarketing => !objected,
                    _ => true,
                };
                if !precondition {
                    continue;
                }
                let before = policy.decide_use(&query, &subject(false)).unwrap();
                let after = policy.decide_use(&query, &subject(true)).unwrap();
                if !before.allowed() || after.allowed() {
                    continue;
                }
                // Allowed on the basis the right is about, denied once it is exercised
                // (for the right's reason, or by a deny rule that reads it) — or, whatever the
                // basis, stopped by a condition that reads the choice: a basis `when not
                // objected(P)` that no longer holds, a deny rule `when opted_out(K)`.
                let by_condition =
                    matches!(after.reason, Reason::NoLegalBasis | Reason::DeniedByRule);
                let fits = match right {
                    RightKind::WithdrawConsent => {
                        matches!(before.basis, Some(Basis::Consent | Basis::ExplicitConsent))
                            || by_condition
                    }
                    RightKind::Object => {
                        before.basis == Some(Basis::LegitimateInterest) || by_condition
                    }
                    RightKind::ObjectToDirectMarketing => after.reason == Reason::Objected,
                    // On its opt-out basis, or stopped by the opt-out whatever the basis (an
                    // unsubscribe from direct marketing, the limit on sensitive data).
                    RightKind::OptOut(k) => {
                        before.basis == Some(Basis::OptOut(k))
                            || (after.reason == Reason::OptedOut && after.detail.opt_out == Some(k))
                            || by_condition
                    }
                    RightKind::Declared(_) => false,
                };
                if fits {
                    return true;
                }
            }
        }
    }
    false
}

/// Hand-written policies: the most specific scope, alternatives in both orders, direct
/// marketing, opt-outs, a deny rule, subject kinds.
const HAND_WRITTEN: &[&str] = &[
    "purpose fraud { uses user.email basis legitimate_interest in EU basis contract in DE }",
    "purpose a { uses user.email basis contract or legitimate_interest }
     purpose b { uses user.email basis legitimate_interest or consent in EU basis consent in FR }
     purpose c { uses user.email basis consent or legitimate_interest }
     purpose d { uses user.email basis public_task }",
    "purpose mail { uses user.email basis consent in EU basis opt_out(marketing) in US
       basis legitimate_interest in FR direct_marketing }
     purpose ads { uses user.email, user.health basis explicit_consent in EU
       basis opt_out(targeted_advertising) or opt_out(sale) in US }",
    "deny no_kids: use * for news when subject.age < 50
     purpose news { uses user.email basis consent }
     purpose claims { uses user.email, user.health basis explicit_consent in DE
       basis legitimate_interest art9(legal_claims) }
     deny no_health: use user.health for claims",
    "subject kind user
     subject kind staff
     purpose staff_only { uses user.email subjects staff basis legitimate_interest or consent }",
    // Choices read by conditions, whatever the basis (minopio's `contract when not
    // objected(P)`; a deny rule that reads an opt-out; a basis that needs consent).
    "purpose service { uses user.email basis contract when not objected(service) }
     purpose sibling { uses user.email basis contract when not objected(service) }
     purpose shop { uses user.email basis contract }
     deny no_sale_use: use * for shop when opted_out(sale)
     purpose club { uses user.email basis contract when consent(club) }",
];

fn hand_written(body: &str) -> Policy {
    let text = format!(
        "#![allow(unused-category, purpose-without-retention, basis-gap, special-category-without-art9)]\n\
         region DE \"Germany\"\nregion FR \"France\"\ngroup EU \"European Union\" = DE, FR\n\
         region US \"United States\"\ncategory user.email\ncategory user.health special\n{body}\n"
    );
    match lawful::compile_str("hand.lawful", &text) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{body}: {failed}"),
    }
}

/// Every right the notice lists for a purpose in a region is one the evaluator grants
/// there, and (on the subjects above) every right the evaluator grants is listed.
fn check_rights_against_the_evaluator(label: &str, policy: &Policy) -> usize {
    let listed = granted(policy);
    let mut checked = 0;
    for g in &listed {
        for r in g.regions.iter() {
            let region = RegionId(r as u32);
            assert!(
                evaluator_grants(policy, g.purpose, region, g.kind),
                "{label}: the notice lists {:?} for `{}` in {}, the evaluator does not grant it",
                g.kind,
                policy.purpose_name(g.purpose),
                policy.region_name(region)
            );
            checked += 1;
        }
    }
    // The entries the notice renders: a derived-only entry holds for each of its purposes
    // in each of its regions; a declared one reaches only purposes granted somewhere in it.
    for entry in rights(policy).iter().filter(|e| e.derived) {
        for p in &entry.purposes {
            let holds = |r: usize| {
                listed
                    .iter()
                    .any(|g| g.purpose == *p && g.kind == entry.kind && g.regions.contains(r))
            };
            if entry.declared {
                assert!(entry.regions.iter().any(holds), "{label}: {:?}", entry.kind);
            } else {
                assert!(entry.regions.iter().all(holds), "{label}: {:?}", entry.kind);
            }
        }
    }
    // The converse, on the policy's own purposes; on a large region table (the standard
    // library's), on every seventh region and the usual ones.
    let usual = [
        "DE", "FR", "EU", "US", "US-CA", "CN", "GB", "UK", "JP", "BR",
    ];
    let sampled = |r: usize| {
        policy.regions().len() <= 20
            || r % 7 == 0
            || usual.contains(&policy.region_name(RegionId(r as u32)))
    };
    let mut kinds = vec![
        RightKind::WithdrawConsent,
        RightKind::Object,
        RightKind::ObjectToDirectMarketing,
    ];
    kinds.extend(OptOutKind::ALL.map(RightKind::OptOut));
    for (p, purpose) in policy.purposes().iter().enumerate() {
        if !purpose.declared {
            continue;
        }
        let id = PurposeId(p as u32);
        for r in (0..policy.regions().len()).filter(|&r| sampled(r)) {
            let region = RegionId(r as u32);
            if policy.basis_declarations(id, region).next().is_none() {
                continue;
            }
            for &kind in &kinds {
                let is_listed = listed
                    .iter()
                    .any(|g| g.purpose == id && g.kind == kind && g.regions.contains(r));
                let dm = purpose.direct_marketing;
                // An objection to a direct-marketing purpose is listed as the absolute one.
                // The limit on sensitive data is offered where the `rights` block grants it.
                let limit_declared = policy.rights().iter().any(|right| {
                    (right.name == "limit_sensitive"
                        || right.opt_out == Some(OptOutKind::LimitSensitive))
                        && right.regions.contains(r)
                });
                let applies = match kind {
                    RightKind::Object => !dm,
                    RightKind::ObjectToDirectMarketing => dm,
                    RightKind::OptOut(OptOutKind::LimitSensitive) => {
                        limit_declared
                            || policy.basis_declarations(id, region).any(|d| {
                                d.alternatives
                                    .contains(&Basis::OptOut(OptOutKind::LimitSensitive))
                            })
                    }
                    _ => true,
                };
                if applies && !is_listed {
                    assert!(
                        !evaluator_grants(policy, id, region, kind),
                        "{label}: the evaluator grants {kind:?} for `{}` in {}, the notice does not list it",
                        policy.purpose_name(id),
                        policy.region_name(region)
                    );
                }
            }
        }
    }
    checked
}

#[test]
fn every_right_the_notice_lists_is_one_the_evaluator_grants() {
    let mut total = 0;
    for name in SEEDS {
        total += check_rights_against_the_evaluator(name, &policy(&seed(name)));
    }
    #[cfg(feature = "testkit")]
    {
        let synthetic = lawful::synth::policy(12);
        let synthetic = lawful::compile_str("synthetic.lawful", &synthetic)
            .unwrap()
            .policy;
        total += check_rights_against_the_evaluator("synthetic", &synthetic);
    }
    for body in HAND_WRITTEN {
        total += check_rights_against_the_evaluator(body, &hand_written(body));
    }
    assert!(
        total > 100,
        "only {total} (purpose, region, right) cases checked"
    );
}

/// The regression: legitimate interest in the EU, contract in Germany. The evaluator
/// decides Germany with the contract, so the notice offers Germans no objection.
#[test]
fn the_notice_offers_no_objection_where_the_evaluator_decides_with_a_contract() {
    let policy = hand_written(HAND_WRITTEN[0]);
    let fraud = policy.purpose("fraud").unwrap();
    let de = policy.region("DE").unwrap();
    let fr = policy.region("FR").unwrap();
    let eu = policy.region("EU").unwrap();
    let listed = granted(&policy);
    let objection = |r: RegionId| {
        listed.iter().any(|g| {
            g.purpose == fraud && g.kind == RightKind::Object && g.regions.contains(r.index())
        })
    };
    assert!(!objection(de), "Germany is offered an objection");
    assert!(
        objection(fr) && objection(eu),
        "the EU is not offered an objection"
    );
    assert!(!evaluator_grants(&policy, fraud, de, RightKind::Object));
    assert!(evaluator_grants(&policy, fraud, fr, RightKind::Object));
    let markdown = lawful::docgen::markdown(&policy);
    let line = markdown
        .lines()
        .find(|l| l.contains("**Object to processing based on our legitimate interests**"))
        .unwrap_or_else(|| panic!("no objection in\n{markdown}"));
    assert!(line.contains("— in France"), "{line}");
    assert!(!line.contains("Germany"), "{line}");
}
