//! The prover: every assertion form proves on a policy that keeps it and fails, with its
//! smallest counterexample, on one that breaks it; the prover's lints fire where they should
//! and `#[allow]` silences them; the seed policies' assertions prove.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::diagnostic::Diagnostic;
use lawful::verify::{self, Outcome};
use lawful::Policy;

/// A small shop: two EU countries, the US, a health category, two subject kinds.
const BASE: &str = r#"
#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
region DE "Germany"
region FR "France"
region US "United States"
region CN "China"
group EU "European Union" = DE, FR

subject kind user
subject kind family_member
attribute verified: bool

category user.contact.email
category user.health.weight special sensitive
category user.device.id
field orders.email: user.contact.email
field scale.weight: user.health.weight

children {
  under 16 in EU
  under 13 in US
  unknown age is adult
  default deny
}

purpose essential.service "Running the shop" {
  uses user.contact.email, user.device.id
  basis contract
  children allow
}
purpose health.tracking "Weight tracking" {
  uses user.health.weight
  basis explicit_consent
  children require parental_consent
}
purpose marketing.direct "Newsletters" {
  uses user.contact.email
  basis consent in EU
  basis opt_out(marketing) in US
  direct_marketing
}
purpose marketing.ads "Ads" {
  uses user.device.id
  basis consent in EU
  basis opt_out(targeted_advertising) in US
}
recipient ad_partner "Ad partner" kind ad_network located US {
  purposes marketing.ads
  categories user.device.id
  sale
  sharing
}
transfer user.* from EU to US with scc
"#;

/// Compile without proving (so a policy whose assertions fail can still be inspected).
fn checked(extra: &str) -> Policy {
    let text = format!("{BASE}{extra}");
    let (loaded, _) = lawful::load::load_str("shop.lawful", &text);
    let (policy, diagnostics) = lawful::check::check(loaded);
    let errors: Vec<String> = diagnostics.errors().map(|d| d.message.clone()).collect();
    policy.unwrap_or_else(|| panic!("does not check: {errors:#?}\n{extra}"))
}

/// Each assertion of `extra` with its counterexample (`None` when it proves).
fn proofs(extra: &str) -> Vec<Option<String>> {
    let policy = checked(extra);
    verify::prove_all(&policy)
        .into_iter()
        .map(|proof| match proof.outcome {
            Outcome::Proved => None,
            Outcome::Failed(c) => Some(c.describe(&policy)),
            Outcome::Undecided(why) => panic!("undecided: {why}"),
        })
        .collect()
}

fn proves(extra: &str) {
    let results = proofs(extra);
    assert!(!results.is_empty(), "no assertion in {extra}");
    for result in results {
        assert_eq!(result, None, "{extra}");
    }
}

fn fails_with(extra: &str, counterexample: &str) {
    let results = proofs(extra);
    assert_eq!(results.len(), 1, "{extra}");
    assert_eq!(results[0].as_deref(), Some(counterexample), "{extra}");
}

/// Every diagnostic of a full compile, errors and warnings, as `code: message`.
fn diagnostics(extra: &str) -> Vec<Diagnostic> {
    let text = format!("{BASE}{extra}");
    match lawful::compile_str("shop.lawful", &text) {
        Ok(compiled) => compiled.warnings.items,
        Err(failed) => failed.diagnostics.items,
    }
}

fn codes(extra: &str) -> Vec<&'static str> {
    diagnostics(extra).iter().map(|d| d.code).collect()
}

#[test]
fn the_base_policy_is_clean() {
    assert_eq!(codes(""), Vec::<&str>::new());
}

// ---------------------------------------------------------------- a broken policy

/// The deliberately broken policy: a marketing purpose that also reads health data.
const BROKEN: &str = r#"
purpose marketing.profiling "Profiling" {
  uses user.contact.email, user.health.weight
  basis explicit_consent
}
assert never use user.health.* for marketing.*
"#;

#[test]
fn a_broken_policy_fails_its_assertion_with_the_smallest_counterexample() {
    fails_with(
        BROKEN,
        "subject { region DE  explicit consent marketing.profiling at 2024-01-01 }\n\
         use user.health.weight for marketing.profiling in DE → allow: `marketing.profiling` \
         may use `user.health.weight` in `DE` on the basis of explicit_consent (the subject \
         gave explicit consent).",
    );
}

#[test]
fn a_failed_assertion_is_a_check_error_with_the_counterexample_in_a_note() {
    let all = diagnostics(BROKEN);
    let errors: Vec<&Diagnostic> = all.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{all:#?}");
    let error = errors[0];
    assert_eq!(error.code, "lawful::check::assertion_failed");
    assert_eq!(
        error.message,
        "assertion `never use user.health.* for marketing.*` does not hold"
    );
    assert!(error.help.as_deref().unwrap_or("").contains("deny"));
    let text = format!("{BASE}{BROKEN}");
    let underlined = &text[error.span.start as usize..error.span.end as usize];
    assert_eq!(underlined, "assert never use user.health.* for marketing.*");
    assert_eq!(error.related.len(), 1);
    assert_eq!(
        error.related[0].message,
        "counterexample: subject { region DE  explicit consent marketing.profiling at 2024-01-01 \
         }  use user.health.weight for marketing.profiling in DE is allowed: \
         `marketing.profiling` may use `user.health.weight` in `DE` on the basis of \
         explicit_consent (the subject gave explicit consent)."
    );
    // The note points at the declaration that allowed it: the purpose's basis.
    let noted = &text[error.related[0].span.start as usize..error.related[0].span.end as usize];
    assert!(noted.contains("explicit_consent"), "{noted:?}");
    // And `compile_str` refuses the policy.
    assert!(lawful::compile_str("shop.lawful", &text).is_err());
}

#[test]
fn fixing_the_policy_makes_the_assertion_prove() {
    proves(&format!(
        "{BROKEN}\ndeny no_health_marketing: use user.health.* for marketing.*\n"
    ));
}

// ---------------------------------------------------------------- never use

#[test]
fn never_use_with_a_condition_on_the_subject() {
    // Children of the EU are denied by the children block; US children under 13 too.
    proves("assert never use * for marketing.* when subject.child");
    // A 14-year-old in the US is no child there (threshold 13) but is under 16.
    fails_with(
        "assert never use * for marketing.* when subject.age < 16",
        "subject { region US  age 15 }\n\
         use user.contact.email for marketing.direct in US → allow: `marketing.direct` may use \
         `user.contact.email` in `US` on the basis of opt_out(marketing) (the subject has not \
         opted out).",
    );
    // `in` narrows the assertion to the EU, where consent is needed and children are denied.
    proves("assert never use * for marketing.* in EU when subject.age < 16");
    // An exception: verified subjects are out of scope; in the EU ads need consent.
    fails_with(
        "assert never use user.device.* for marketing.ads in EU except when subject.verified",
        "subject { region DE  consent marketing.ads at 2024-01-01 }\n\
         use user.device.id for marketing.ads in DE → allow: `marketing.ads` may use \
         `user.device.id` in `DE` on the basis of consent (the subject consented).",
    );
    // An exception exempts only where it is known to hold: `verified` not given leaves the
    // subject in scope.
    fails_with(
        "assert never use user.device.* for marketing.ads in EU\n\
           except when not subject.verified",
        "subject { region DE  consent marketing.ads at 2024-01-01 }\n\
         use user.device.id for marketing.ads in DE → allow: `marketing.ads` may use \
         `user.device.id` in `DE` on the basis of consent (the subject consented).",
    );
}

#[test]
fn always_deny_is_never() {
    proves("assert always deny use user.health.* for marketing.*");
    fails_with(
        "assert always deny use * for marketing.ads when not consent(marketing.ads)",
        "subject { region US }\n\
         use user.device.id for marketing.ads in US → allow: `marketing.ads` may use \
         `user.device.id` in `US` on the basis of opt_out(targeted_advertising) (the subject has \
         not opted out).",
    );
}

#[test]
fn unknown_facts_do_not_put_a_subject_in_scope() {
    // Age unknown: `subject.age < 16` is not known to hold, so the assertion does not speak
    // about that subject (a deny rule with the same condition would apply: fail closed).
    proves(
        "deny no_young_ads: use * for marketing.ads when subject.age < 16\n\
         assert never use * for marketing.ads when subject.age < 16",
    );
}

// ---------------------------------------------------------------- disclose / sell / share

#[test]
fn never_sell_or_share() {
    fails_with(
        "assert never sell *",
        "subject { region US }\n\
         disclose user.device.id to ad_partner for marketing.ads in US → allow: `user.device.id` \
         may be disclosed to `ad_partner` for `marketing.ads` in `US` on the basis of \
         opt_out(targeted_advertising) (the subject has not opted out).",
    );
    proves("deny no_sale: sell *\nassert never sell *\nassert never share *");
    proves("assert never sell user.health.*");
    proves("deny gpc: share * when gpc\nassert never share * when gpc");
    // Opting out of the sale stops the disclosure (the partner buys), of profiling not.
    proves("assert never share * when opted_out(sale)");
    fails_with(
        "assert never share * when opted_out(profiling)",
        "subject { region US  opted_out profiling }\n\
         disclose user.device.id to ad_partner for marketing.ads in US → allow: `user.device.id` \
         may be disclosed to `ad_partner` for `marketing.ads` in `US` on the basis of \
         opt_out(targeted_advertising) (the subject has not opted out).",
    );
}

#[test]
fn never_disclose_to_a_kind() {
    proves(
        "deny no_kids_ads: disclose * to kind ad_network when subject.age < 16\n\
         assert never disclose * to kind ad_network when subject.age < 16",
    );
    fails_with(
        "assert never disclose * to kind ad_network when subject.age < 16",
        "subject { region US  age 15 }\n\
         disclose user.device.id to ad_partner for marketing.ads in US → allow: `user.device.id` \
         may be disclosed to `ad_partner` for `marketing.ads` in `US` on the basis of \
         opt_out(targeted_advertising) (the subject has not opted out).",
    );
}

// ---------------------------------------------------------------- transfer

#[test]
fn never_transfer() {
    fails_with(
        "assert never transfer user.* from EU to US",
        "no subject\ntransfer user from DE to US → allow: `user` collected in `DE` may go to \
         `US` with the safeguard `scc`.",
    );
    proves(
        "deny no_export: transfer user.health.* from EU to *\n\
           except to EU\n\
         assert never transfer user.health.* from EU to US",
    );
    // A disclosure to a recipient located in the destination is a transfer too.
    proves("assert never transfer user.* from US to EU");
}

// ---------------------------------------------------------------- only / requires

#[test]
fn only_may_use() {
    proves("assert only health.tracking may use user.health.*");
    fails_with(
        "assert only essential.service may use user.contact.email",
        "subject { region US }\n\
         use user.contact.email for marketing.direct in US → allow: `marketing.direct` may use \
         `user.contact.email` in `US` on the basis of opt_out(marketing) (the subject has not \
         opted out).",
    );
}

#[test]
fn requires_a_basis() {
    proves("assert marketing.direct requires consent in EU");
    proves("assert health.tracking requires explicit_consent");
    proves("assert marketing.direct requires opt_out in US");
    fails_with(
        "assert marketing.direct requires consent",
        "subject { region US }\n\
         use user.contact.email for marketing.direct in US → allow: `marketing.direct` may use \
         `user.contact.email` in `US` on the basis of opt_out(marketing) (the subject has not \
         opted out).",
    );
    // An alternative basis breaks "requires consent" once consent is withdrawn.
    fails_with(
        "purpose marketing.survey \"Surveys\" {\n\
           uses user.contact.email\n\
           basis consent or legitimate_interest when subject.verified\n\
         }\n\
         assert marketing.survey requires consent",
        "subject { region DE  set verified = true }\n\
         use user.contact.email for marketing.survey in DE → allow: `marketing.survey` may use \
         `user.contact.email` in `DE` on the basis of legitimate_interest (a legitimate interest \
         the subject has not objected to).",
    );
}

// ---------------------------------------------------------------- lints

#[test]
fn shadowed_rules() {
    let all = diagnostics(
        "deny no_ads: use * for marketing.ads\n\
         deny no_ad_ids: use user.device.* for marketing.ads\n\
         deny no_health_ads: use user.health.* for marketing.ads\n",
    );
    let lints: Vec<(&str, &str)> = all.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(
        lints,
        vec![
            (
                "lawful::lint::unreachable-purpose",
                "no subject can ever be allowed to use data for purpose `marketing.ads`"
            ),
            (
                "lawful::lint::shadowed-rule",
                "deny rule `no_ad_ids` never decides anything"
            ),
            (
                "lawful::lint::shadowed-rule",
                "deny rule `no_health_ads` never decides anything"
            ),
        ]
    );
}

#[test]
fn unreachable_purpose_and_silencing() {
    let extra =
        "purpose research \"Research\" {\n  uses user.device.id\n  basis consent when false\n}\n";
    assert_eq!(codes(extra), vec!["lawful::lint::unreachable-purpose"]);
    let silenced = format!("#[allow(unreachable-purpose)]\n{extra}");
    assert_eq!(codes(&silenced), Vec::<&str>::new());
}

#[test]
fn useless_exceptions() {
    // Children are denied by the children block anyway: the exception lets nothing through.
    let extra = "deny kids: use * for marketing.direct when subject.child\n  except when parental_consent\n";
    let all = diagnostics(extra);
    assert_eq!(
        all.iter().map(|d| d.code).collect::<Vec<_>>(),
        vec!["lawful::lint::useless-exception"]
    );
    let text = format!("{BASE}{extra}");
    let d = &all[0];
    assert_eq!(
        &text[d.span.start as usize..d.span.end as usize],
        "except when parental_consent"
    );
    assert_eq!(
        d.message,
        "this exception of deny rule `kids` never allows anything"
    );
    // Where children may be processed, the same exception matters.
    assert_eq!(
        codes("deny kids: use * for essential.service when subject.child\n  except when parental_consent\n"),
        Vec::<&str>::new()
    );
    let silenced = format!("#[allow(useless-exception)]\n{extra}");
    assert_eq!(codes(&silenced), Vec::<&str>::new());
}

// ---------------------------------------------------------------- seed policies

/// Seed-policy assertions known not to hold, with their counterexample (reported to the
/// policy's owners; when a policy is fixed its entry must go).
/// Seed assertions the prover refutes, with their counterexamples. Empty: the one it found
/// (MiniPower's ad-tracking opt-out not stopping US partner cookies) was fixed in the policy.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[];

#[test]
fn seed_policy_assertions_prove() {
    let mut problems = Vec::new();
    for name in ["anker", "minipower", "ampower", "jiana", "minopio"] {
        let path = format!("{}/policies/{name}.lawful", env!("CARGO_MANIFEST_DIR"));
        let (loaded, _) = lawful::load::load_path(std::path::Path::new(&path));
        let (policy, _) = lawful::check::check(loaded);
        let policy = policy.unwrap_or_else(|| panic!("{name} does not check"));
        assert!(!policy.assertions().is_empty(), "{name} has no assertions");
        for proof in verify::prove_all(&policy) {
            let assertion = &policy.assertions()[proof.assertion];
            let text = policy.sources().snippet(assertion.span);
            let text = text.lines().last().unwrap_or("").trim();
            let known = KNOWN_FAILURES
                .iter()
                .find(|(n, a, _)| *n == name && *a == text);
            match (&proof.outcome, known) {
                (Outcome::Proved, None) => {}
                (Outcome::Failed(c), Some((_, _, expected))) => {
                    let got = c.describe(&policy);
                    if got != *expected {
                        problems.push(format!("{name}: `{text}`: counterexample changed:\n{got}"));
                    }
                }
                (Outcome::Failed(c), None) => problems.push(format!(
                    "{name}: `{text}` does not hold:\n{}",
                    c.describe(&policy)
                )),
                (Outcome::Proved, Some(_)) => problems.push(format!(
                    "{name}: `{text}` proves now: drop it from KNOWN_FAILURES"
                )),
                (Outcome::Undecided(why), _) => {
                    problems.push(format!("{name}: `{text}` is undecided: {why}"))
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

// ---------------------------------------------------------------- circumstances, known

/// A circumstance is an atom of the question: an assertion must hold whichever are given,
/// and a counterexample names the ones it needs.
#[test]
fn an_assertion_holds_in_every_combination_of_circumstances() {
    let extra = r#"
circumstance legal_claims_brought "Legal claims have been brought"
circumstance required_by_law
purpose legal.claims "Legal claims" {
  uses user.contact.email
  basis legitimate_interest overrides objection when circumstance.legal_claims_brought
}
assert never use * for legal.claims when objected(legal.claims)
"#;
    fails_with(
        extra,
        "subject { region DE  objected legal.claims }\n\
         use user.contact.email for legal.claims in DE given legal_claims_brought → allow: \
         `legal.claims` may use `user.contact.email` in `DE` on the basis of \
         legitimate_interest (a legitimate interest that overrides the subject's objection in \
         these circumstances (GDPR Art. 21(1))).",
    );
    proves(&extra.replace(
        "when objected(legal.claims)",
        "when objected(legal.claims) and not circumstance.legal_claims_brought",
    ));
}

/// `known` reads the same facts as its condition: unknown age is one of the age atoms.
#[test]
fn known_conditions_are_proved_over_known_and_unknown_ages() {
    let rule = r#"
deny no_known_teen_ads: use * for marketing.ads when known subject.age < 18
"#;
    // The rule says nothing of unknown ages: an unknown-age subject may get ads, which an
    // assertion over everyone not known to be an adult catches.
    fails_with(
        &format!("{rule}assert never use * for marketing.ads when not known subject.age >= 18"),
        "subject { region US }\n\
         use user.device.id for marketing.ads in US → allow: `marketing.ads` may use \
         `user.device.id` in `US` on the basis of opt_out(targeted_advertising) (the subject \
         has not opted out).",
    );
    proves(&format!(
        "{rule}assert never use * for marketing.ads when known subject.age < 18"
    ));
}
