//! Regressions for proofs that were once wrong: every case here was reported "proven"
//! while the evaluator allowed a counterexample. Each test asks both: the prover must
//! refute the assertion, and the counterexample it prints must be one the evaluator allows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::verify::{self, Outcome};
use lawful::Policy;

/// Compile without proving, so a policy whose assertion fails can be inspected.
fn checked(text: &str) -> Policy {
    let (loaded, loading) = lawful::load::load_str("p.lawful", text);
    let (policy, diagnostics) = lawful::check::check(loaded);
    let errors: Vec<String> = loading
        .errors()
        .chain(diagnostics.errors())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "does not check: {errors:#?}");
    policy.unwrap_or_else(|| panic!("does not check: {errors:#?}"))
}

/// The single assertion of `policy` is refuted, and its counterexample is allowed when the
/// evaluator is asked again from scratch.
fn refuted(policy: &Policy) -> String {
    let proofs = verify::prove_all(policy);
    assert_eq!(proofs.len(), 1);
    let Outcome::Failed(counterexample) = &proofs[0].outcome else {
        panic!("the assertion was reported as {:?}", proofs[0].outcome);
    };
    let decision = counterexample
        .question
        .decide(policy, counterexample.subject.as_ref())
        .expect("the counterexample can be decided");
    assert!(decision.allowed(), "the counterexample is not allowed");
    counterexample.describe(policy)
}

const HEADER: &str = r#"
#![allow(purpose-without-retention)]
policy "P" { controller "C" }
region DE "Germany"
category user.contact.email
field user.email: user.contact.email
"#;

/// A set attribute tested against `n` strings, the purpose allowed only for the last.
fn many_strings(n: usize) -> String {
    // The other strings are tested too (by a rule that never decides these questions).
    let others: String = (1..n)
        .map(|i| format!("\"s{i}\" in subject.tags and "))
        .collect();
    format!(
        "{HEADER}attribute tags: set\n\
         deny quiet: use * for p when {others}false\n\
         purpose p {{ uses user.contact.email  basis contract when \"s{n}\" in subject.tags }}\n\
         assert never use * for p\n"
    )
}

#[test]
fn a_set_attribute_tested_against_many_strings_is_searched_whole() {
    for n in [1, 16, 17, 24] {
        let text = many_strings(n);
        let described = refuted(&checked(&text));
        assert!(described.contains(&format!("\"s{n}\"")), "{n}: {described}");
    }
}

#[test]
fn an_age_constant_above_any_age_still_reads_the_age() {
    for limit in ["151", "200", "1000"] {
        let text = format!(
            "{HEADER}purpose p {{ uses user.contact.email  basis contract when subject.age < {limit} }}\n\
             assert never use user.contact.email for p\n"
        );
        let described = refuted(&checked(&text));
        assert!(described.contains("age"), "{limit}: {described}");
    }
}

#[test]
fn an_age_constant_below_any_age_still_reads_the_age() {
    let text = format!(
        "{HEADER}purpose p {{ uses user.contact.email  basis contract when subject.age >= 0 }}\n\
         assert never use user.contact.email for p\n"
    );
    let described = refuted(&checked(&text));
    assert!(described.contains("age"), "{described}");
}

/// The diff searches the same subject atoms: a widening that needs the 17th tested string
/// of a set is found.
#[test]
fn the_diff_sees_a_widening_behind_many_tested_strings() {
    for n in [2, 17] {
        let new = many_strings(n).replace("assert never use * for p\n", "");
        let old = format!(
            "{HEADER}attribute tags: set\n\
             purpose p {{ uses user.contact.email  basis contract when false }}\n"
        );
        let (old, new) = (checked(&old), checked(&new));
        let diff = lawful::diff::diff(&old, &new);
        assert!(diff.widened() > 0, "{n}: the widening was missed");
    }
}

/// The same for an age constant outside the ages a subject can state.
#[test]
fn the_diff_sees_a_widening_behind_an_age_constant_above_any_age() {
    let old =
        format!("{HEADER}purpose p {{ uses user.contact.email  basis contract when false }}\n");
    let new = format!(
        "{HEADER}purpose p {{ uses user.contact.email  basis contract when subject.age < 151 }}\n"
    );
    let diff = lawful::diff::diff(&checked(&old), &checked(&new));
    assert!(diff.widened() > 0);
}

/// `n` boolean attributes, `subject.a0 … subject.a{n-1}` joined by `joiner`.
fn attributes(n: usize, joiner: &str) -> (String, String) {
    let declared: String = (0..n).map(|i| format!("attribute a{i}: bool\n")).collect();
    let condition: Vec<String> = (0..n).map(|i| format!("subject.a{i}")).collect();
    (declared, condition.join(joiner))
}

/// Independent atoms of one condition add up, they do not multiply: 64 boolean attributes
/// in one `when` (3^64 subjects) are refuted within a budget of 10,000 cases, by the
/// smallest counterexample (every attribute true).
#[test]
fn independent_atoms_of_one_condition_are_searched_in_linear_cases() {
    for n in [16, 64] {
        let (declared, all) = attributes(n, " and ");
        let text = format!(
            "{HEADER}{declared}\
             purpose p {{ uses user.contact.email  basis contract }}\n\
             deny all_set: use * for p when not ({all})\n\
             assert never use * for p\n"
        );
        let strict = lawful::CompileOptions {
            prover_budget: 10_000,
            ..lawful::CompileOptions::default()
        };
        let failed = lawful::compile_str_with("p.lawful", &text, strict).unwrap_err();
        let codes: Vec<&str> = failed.diagnostics.errors().map(|d| d.code).collect();
        assert_eq!(codes, ["lawful::check::assertion_failed"], "{n}");
        let rendered = format!("{:?}", failed.diagnostics.errors().next().unwrap());
        for i in 0..n {
            assert!(
                rendered.contains(&format!("set a{i} = true ")),
                "{n}: {rendered}"
            );
        }
        assert!(
            rendered.contains(&format!("with {n} facts set")),
            "{rendered}"
        );
    }
}

/// An assertion that restates a rule's condition reads its atoms only through that
/// condition: 64 attributes in it are proved within a budget of 10,000 cases.
#[test]
fn an_assertion_restating_a_rule_is_proved_in_linear_cases() {
    for n in [16, 64] {
        let (declared, all) = attributes(n, " and ");
        let text = format!(
            "{HEADER}{declared}\
             purpose p {{ uses user.contact.email  basis contract }}\n\
             deny all_set: use * for p when not ({all})\n\
             assert never use * for p when not ({all})\n"
        );
        let strict = lawful::CompileOptions {
            prover_budget: 10_000,
            ..lawful::CompileOptions::default()
        };
        let compiled = lawful::compile_str_with("p.lawful", &text, strict).unwrap();
        assert!(compiled.assertions_proven, "{n}");
        assert!(
            compiled.proofs.iter().all(|p| p.holds() && !p.vacuous()),
            "{n}"
        );
    }
}

/// The same attributes read by the rule and, differently combined, by the assertion are
/// one entangled set: 3^16 subjects. With a small budget the assertion is neither proven nor refuted — an
/// error, never a proof — and the policy still compiles for deciding.
#[test]
fn a_proof_cut_short_by_the_budget_is_undecided_not_proven() {
    let (declared, all) = attributes(16, " and ");
    let (_, any) = attributes(16, " or ");
    let text = format!(
        "{HEADER}{declared}\
         purpose p {{ uses user.contact.email  basis contract }}\n\
         deny all_set: use * for p when not ({all})\n\
         assert never use * for p when {any}\n"
    );
    let strict = lawful::CompileOptions {
        prover_budget: 10_000,
        ..lawful::CompileOptions::default()
    };
    let failed = lawful::compile_str_with("p.lawful", &text, strict).unwrap_err();
    let codes: Vec<&str> = failed.diagnostics.errors().map(|d| d.code).collect();
    assert_eq!(codes, ["lawful::check::assertion_undecided"]);
    let message = &failed.diagnostics.errors().next().unwrap().message;
    assert!(message.contains("budget of 10000 cases"), "{message}");

    let deciding = lawful::compile_str_with("p.lawful", &text, lawful::CompileOptions::deciding());
    assert!(!deciding.unwrap().assertions_proven);
}

/// An assertion about something no purpose declares holds without a single case, and
/// the proof says so.
#[test]
fn an_assertion_that_decides_nothing_is_reported_vacuous() {
    let text = format!(
        "{HEADER}category user.health.weight special\n\
         purpose p {{ uses user.contact.email  basis contract }}\n\
         deny young: use * for p when subject.age < 16\n\
         assert never use user.health.* for p\n\
         assert never use user.contact.email for p when subject.age < 16\n"
    );
    let compiled = lawful::compile_str("p.lawful", &text).unwrap();
    let vacuous: Vec<bool> = compiled.proofs.iter().map(|p| p.vacuous()).collect();
    assert_eq!(vacuous, [true, false]);
    assert!(compiled.proofs.iter().all(|p| p.holds()));
}

/// A diff cut short by its budget says so: not "no changes", and the command line exits 5.
#[test]
fn a_diff_cut_short_by_its_budget_is_incomplete() {
    let text = many_strings(6).replace("assert never use * for p\n", "");
    let policy = checked(&text);
    let whole = lawful::diff::diff(&policy, &policy);
    assert!(whole.complete && whole.is_empty(), "{} cases", whole.cases);
    let cut = lawful::diff::diff_within(&policy, &policy, 10);
    assert!(!cut.complete);
    assert!(
        !cut.is_empty(),
        "an incomplete diff must not read as `no changes`"
    );

    let dir = std::env::temp_dir().join(format!("lawful-diff-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.lawful");
    std::fs::write(&path, &text).unwrap();
    let out = assert_cmd::Command::cargo_bin("lawful")
        .unwrap()
        .args(["diff", "--case-budget", "10"])
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stdout).contains("INCOMPLETE"));
    let out = assert_cmd::Command::cargo_bin("lawful")
        .unwrap()
        .arg("diff")
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What README promises about the budget and the proof summary stays true.
#[test]
fn the_readme_states_the_default_budget_and_check_reports_its_proofs() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let budget = lawful::verify::DEFAULT_BUDGET;
    assert_eq!(budget, 20_000_000, "README says 20,000,000: update both");
    assert!(readme.contains("default 20,000,000 decisions per"));

    let out = assert_cmd::Command::cargo_bin("lawful")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "policies/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("assertion(s) of the policies that compiled, deciding")
            && stderr.contains("hold by the closed world alone"),
        "{stderr}"
    );
}
