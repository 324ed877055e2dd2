//! The evaluator's laws, on generated policies (`lawful::synth` and small random policies)
//! and generated subjects:
//!
//! - withdrawing a consent, objecting or opting out never turns a denial into an allow
//!   (on policies whose conditions do not read those facts);
//! - a deny rule always wins;
//! - a purpose never uses a category it does not declare;
//! - by name and by prepared handle give the same decision;
//! - decisions are deterministic (and never panic);
//! - the check-time proof agrees with brute force: an assertion the prover proves is broken
//!   by no sampled case, and a counterexample it reports does break it.
//!
//! Subjects and questions are drawn from a seed with a small deterministic generator, so one
//! proptest input carries a policy and many cases. Case counts are kept modest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;

use lawful::eval::{DataRef, Decision, Query, TransferQuery};
use lawful::model::tests::{AssertionKind, CompiledAssertion};
use lawful::model::{
    AttrValue, AttributeType, CategoryId, FieldId, OptOutKind, Policy, PurposeId, RecipientId,
    RegionId, SubjectKindId,
};
use lawful::subject::{ConsentRecord, Subject};
use lawful::verify::{self, Outcome, Question};
use proptest::prelude::*;

// ---------------------------------------------------------------- deterministic draws

/// SplitMix64: cases drawn from one seed.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())])
        }
    }
}

const DAY: i64 = 86_400;
const T0: i64 = 1_700_000_000;

fn at(days: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(T0 + days * DAY).unwrap()
}

fn places(policy: &Policy) -> Vec<RegionId> {
    (0..policy.regions().len())
        .filter(|&r| !policy.regions()[r].is_group)
        .map(|r| RegionId(r as u32))
        .collect()
}

/// A subject: ages near common thresholds, a few consents in every state, rare flags.
fn subject(policy: &Policy, d: &mut Draw) -> Subject {
    let places = places(policy);
    let purposes: Vec<PurposeId> = (0..policy.purposes().len() as u32).map(PurposeId).collect();
    let mut s = Subject::new(policy);
    s.attributes = vec![None; policy.attributes().len()];
    s.region = if d.chance(90) { d.pick(&places) } else { None };
    s.age = match d.below(4) {
        0 => None,
        1 => Some(d.below(151) as u16),
        _ => Some(10 + d.below(10) as u16),
    };
    if !policy.subject_kinds().is_empty() && d.chance(50) {
        s.kind = Some(SubjectKindId(d.below(policy.subject_kinds().len()) as u32));
    }
    for _ in 0..d.below(4) {
        let Some(purpose) = d.pick(&purposes) else {
            break;
        };
        let given = d.below(100) as i64;
        let withdrawn = d.chance(40).then(|| d.below(100) as i64);
        s.consents.push(ConsentRecord {
            purpose,
            given_at: Some(at(given)),
            withdrawn_at: withdrawn.map(at),
            explicit: d.chance(50),
        });
    }
    if d.chance(20) {
        if let Some(p) = d.pick(&purposes) {
            s.objections.push(p);
        }
    }
    if d.chance(30) {
        s.opt_outs = (d.next() & 0b1_1111) as u8;
    }
    s.gpc = d.chance(15);
    s.restricted = d.chance(10);
    s.erasure_requested = d.chance(8);
    s.account_deleted = d.chance(4);
    s.parental_consent = d.chance(40);
    for (i, attribute) in policy.attributes().iter().enumerate() {
        if d.chance(30) {
            continue;
        }
        let symbols = policy.symbols().len() as u32;
        s.attributes[i] = Some(match attribute.ty {
            AttributeType::Bool => AttrValue::Bool(d.chance(50)),
            AttributeType::Int => AttrValue::Int(d.below(12) as i64 - 1),
            AttributeType::String => AttrValue::Str(
                (symbols > 0 && d.chance(80))
                    .then(|| lawful::model::SymbolId(d.below(symbols as usize) as u32)),
            ),
            AttributeType::Set => AttrValue::Set(
                (0..symbols)
                    .filter(|_| d.chance(40))
                    .map(lawful::model::SymbolId)
                    .collect(),
            ),
        });
    }
    s
}

/// Some of the policy's declared circumstances, each with even odds.
fn circumstances(policy: &Policy, d: &mut Draw) -> lawful::model::Circumstances {
    (0..policy.circumstances().len())
        .filter(|_| d.chance(50))
        .map(|i| lawful::model::CircumstanceId(i as u32))
        .collect()
}

/// A question, mostly about data a purpose (and a recipient) declares.
fn question(policy: &Policy, d: &mut Draw) -> Question {
    let places = places(policy);
    let region = d.pick(&places).unwrap_or(RegionId(0));
    let purposes = policy.purposes().len();
    if d.chance(15) || purposes == 0 {
        return Question::Transfer {
            category: CategoryId(d.below(policy.categories().len()) as u32),
            from: region,
            to: d.pick(&places).unwrap_or(RegionId(0)),
            circumstances: circumstances(policy, d),
        };
    }
    let purpose = PurposeId(d.below(purposes) as u32);
    let uses: Vec<usize> = policy.purposes()[purpose.index()].uses.iter().collect();
    let category = match d.pick(&uses) {
        Some(c) if d.chance(85) => c,
        _ => d.below(policy.categories().len()),
    };
    let fields: Vec<usize> = (0..policy.fields().len())
        .filter(|&f| policy.fields()[f].category.index() == category)
        .collect();
    let data = match d.pick(&fields) {
        Some(f) if d.chance(50) => DataRef::Field(FieldId(f as u32)),
        _ => DataRef::Category(CategoryId(category as u32)),
    };
    let mut query = Query::new(policy, purpose, data)
        .in_region(region)
        .with_circumstances(circumstances(policy, d));
    if d.chance(30) {
        query = query.collected_at(at(d.below(100) as i64));
    }
    if d.chance(40) && !policy.recipients().is_empty() {
        let declared: Vec<usize> = (0..policy.recipients().len())
            .filter(|&r| policy.recipients()[r].purposes.contains(purpose.index()))
            .collect();
        let r = match d.pick(&declared) {
            Some(r) if d.chance(80) => r,
            _ => d.below(policy.recipients().len()),
        };
        query = query.to_recipient(RecipientId(r as u32));
    }
    Question::Decide(query)
}

fn decide(policy: &Policy, question: &Question, subject: &Subject) -> Decision {
    question
        .decide(policy, Some(subject))
        .unwrap_or_else(|e| panic!("{e}: {}", question.describe(policy)))
}

// ---------------------------------------------------------------- random small policies

/// A condition over the subject; `monotone` leaves out consent, objection and opt-out facts.
fn cond(d: &mut Draw, depth: u32, monotone: bool) -> String {
    if depth > 0 && d.chance(35) {
        let a = cond(d, depth - 1, monotone);
        let b = cond(d, depth - 1, monotone);
        return match d.below(3) {
            0 => format!("({a} and {b})"),
            1 => format!("({a} or {b})"),
            _ => format!("not {a}"),
        };
    }
    let n = 12 + d.below(6);
    let atoms = if monotone { 12 } else { 17 };
    match d.below(atoms) {
        0 => "subject.child".to_owned(),
        1 => "subject.adult".to_owned(),
        2 => format!("subject.age < {n}"),
        3 => format!("subject.age >= {n}"),
        4 => "subject.kind == guest".to_owned(),
        5 => "subject.vip".to_owned(),
        6 => format!("subject.level > {}", d.below(5)),
        7 => "subject.region in G".to_owned(),
        8 => "parental_consent".to_owned(),
        9 => "subject.tier == \"gold\"".to_owned(),
        10 => "restricted".to_owned(),
        11 => "erased".to_owned(),
        12 => format!("consent({})", PURPOSES[d.below(PURPOSES.len())]),
        13 => format!("explicit_consent({})", PURPOSES[d.below(PURPOSES.len())]),
        14 => format!("objected({})", PURPOSES[d.below(PURPOSES.len())]),
        15 => "opted_out(sale)".to_owned(),
        _ => "gpc".to_owned(),
    }
}

const PURPOSES: [&str; 5] = ["mk", "mk.email", "svc", "an", "mk.email.promo"];
const CATEGORIES: [&str; 4] = ["d.a", "d.a.b", "d.c", "d.s"];
const REGIONS: [&str; 6] = ["A", "B", "C", "D", "G", "H"];
const KINDS: [&str; 4] = ["partner", "ad_network", "processor", "affiliate"];

fn subset(d: &mut Draw, items: &[&str]) -> String {
    let mut chosen: Vec<&str> = items.iter().copied().filter(|_| d.chance(40)).collect();
    if chosen.is_empty() {
        chosen.push(items[d.below(items.len())]);
    }
    chosen.join(", ")
}

fn scope(d: &mut Draw) -> String {
    match d.below(4) {
        0 => " in G".to_owned(),
        1 => format!(" in {}", REGIONS[d.below(4)]),
        _ => String::new(),
    }
}

fn when(d: &mut Draw, monotone: bool, percent: u64) -> String {
    if d.chance(percent) {
        format!(" when {}", cond(d, 2, monotone))
    } else {
        String::new()
    }
}

fn action(d: &mut Draw) -> String {
    match d.below(6) {
        0 | 1 => format!(
            "use {} for {}",
            subset(d, &CATEGORIES),
            subset(d, &PURPOSES)
        ),
        2 => format!(
            "disclose {} to kind {}",
            subset(d, &CATEGORIES),
            KINDS[d.below(4)]
        ),
        3 => format!("sell {}", subset(d, &CATEGORIES)),
        4 => format!("share {}", subset(d, &CATEGORIES)),
        _ => format!(
            "transfer {} from {} to {}",
            subset(d, &CATEGORIES),
            REGIONS[d.below(6)],
            REGIONS[d.below(6)]
        ),
    }
}

fn exceptions(d: &mut Draw, monotone: bool) -> String {
    let mut out = String::new();
    for _ in 0..d.below(3) {
        match d.below(4) {
            0 => write!(out, "\n  except when {}", cond(d, 1, monotone)).unwrap(),
            1 => write!(out, "\n  except for {}", PURPOSES[d.below(5)]).unwrap(),
            2 => write!(out, "\n  except in {}", REGIONS[d.below(6)]).unwrap(),
            _ => write!(out, "\n  except to {}", REGIONS[d.below(6)]).unwrap(),
        }
    }
    out
}

/// A small random policy (as text) with random assertions.
fn random_policy(seed: u64, monotone: bool) -> String {
    let d = &mut Draw(seed);
    let mut out = String::from(
        "#![allow(unused-category, unused-field, unused-recipient, empty-purpose, \
         purpose-without-retention, basis-gap, shadowed-rule, unreachable-purpose, \
         useless-exception)]\n\
         policy \"Random\" { controller \"R\" }\n\
         region A \"A\"\nregion B \"B\"\nregion C \"C\"\nregion D \"D\"\n\
         group G \"G\" = A, B\ngroup H \"H\" = C\n\
         subject kind user\nsubject kind guest\n\
         attribute vip: bool\nattribute level: int\nattribute tier: string\n\
         category d.a\ncategory d.a.b\ncategory d.c\ncategory d.s special sensitive\n\
         field t.a: d.a\nfield t.s: d.s\n",
    );
    let unknown = if d.chance(50) { "child" } else { "adult" };
    let default = ["deny", "allow", "require parental_consent"][d.below(3)];
    writeln!(
        out,
        "children {{\n  under {} in G\n  under {} in C\n  unknown age is {unknown}\n  default {default}\n}}",
        13 + d.below(4),
        12 + d.below(6)
    )
    .unwrap();
    for purpose in PURPOSES {
        writeln!(out, "purpose {purpose} {{").unwrap();
        writeln!(out, "  uses {}", subset(d, &CATEGORIES)).unwrap();
        for _ in 0..1 + d.below(2) {
            let basis = match d.below(7) {
                0 => "consent".to_owned(),
                1 => "explicit_consent".to_owned(),
                2 => "contract".to_owned(),
                3 => "legitimate_interest".to_owned(),
                4 => "consent or legitimate_interest".to_owned(),
                5 => format!(
                    "opt_out({})",
                    ["sale", "sharing", "targeted_advertising", "marketing"][d.below(4)]
                ),
                _ => "legal_obligation".to_owned(),
            };
            // Special data needs an Art. 9 condition on every basis but explicit consent.
            let art9 = if basis == "explicit_consent" {
                ""
            } else {
                " art9(health_care)"
            };
            writeln!(
                out,
                "  basis {basis}{art9}{}{}",
                scope(d),
                when(d, monotone, 25)
            )
            .unwrap();
        }
        if d.chance(30) {
            writeln!(out, "  direct_marketing").unwrap();
        }
        if d.chance(20) {
            writeln!(out, "  survives restriction, erasure").unwrap();
        }
        if d.chance(30) {
            let t = ["deny", "allow", "require parental_consent"][d.below(3)];
            writeln!(out, "  children {t}").unwrap();
        }
        if d.chance(30) {
            writeln!(out, "  subjects user").unwrap();
        }
        if d.chance(40) {
            writeln!(out, "  withdrawal taints prior data").unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    for r in 0..d.below(3) {
        let located = if d.chance(70) {
            format!(" located {}", REGIONS[d.below(4)])
        } else {
            String::new()
        };
        writeln!(out, "recipient r{r} kind {}{located} {{", KINDS[d.below(4)]).unwrap();
        writeln!(out, "  purposes {}", subset(d, &PURPOSES)).unwrap();
        writeln!(out, "  categories {}", subset(d, &CATEGORIES)).unwrap();
        if d.chance(40) {
            writeln!(out, "  sale").unwrap();
        }
        if d.chance(40) {
            writeln!(out, "  sharing").unwrap();
        }
        if d.chance(30) {
            writeln!(out, "  when {}", cond(d, 1, monotone)).unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    for _ in 0..d.below(3) {
        writeln!(
            out,
            "transfer {} from {} to {} with scc",
            subset(d, &CATEGORIES),
            REGIONS[d.below(6)],
            REGIONS[d.below(6)]
        )
        .unwrap();
    }
    if d.chance(30) {
        writeln!(
            out,
            "localize {} in {}",
            subset(d, &CATEGORIES),
            REGIONS[d.below(6)]
        )
        .unwrap();
    }
    for i in 0..d.below(4) {
        let act = action(d);
        writeln!(
            out,
            "deny rule{i}: {act}{}{}{}",
            scope(d),
            when(d, monotone, 40),
            exceptions(d, monotone)
        )
        .unwrap();
    }
    for _ in 0..1 + d.below(3) {
        let assertion = match d.below(4) {
            0 | 1 => format!(
                "never {}{}{}{}",
                action(d),
                scope(d),
                when(d, monotone, 40),
                exceptions(d, monotone)
            ),
            2 => format!(
                "only {} may use {}",
                subset(d, &PURPOSES),
                subset(d, &CATEGORIES)
            ),
            _ => format!(
                "{} requires {}{}",
                PURPOSES[d.below(5)],
                [
                    "consent",
                    "explicit_consent",
                    "opt_out",
                    "contract",
                    "legitimate_interest"
                ][d.below(5)],
                scope(d)
            ),
        };
        writeln!(out, "assert {assertion}").unwrap();
    }
    out
}

/// Check (without proving) a policy text; `None` when it does not check.
fn checked(text: &str) -> Option<Policy> {
    let (loaded, load) = lawful::load::load_str("random.lawful", text);
    if load.has_errors() {
        return None;
    }
    lawful::check::check(loaded).0
}

// ---------------------------------------------------------------- the laws

/// Withdraw a consent, object, or opt out (or send GPC).
fn restrict(policy: &Policy, s: &Subject, d: &mut Draw) -> Subject {
    let mut t = s.clone();
    match d.below(4) {
        0 => {
            let active: Vec<usize> = (0..t.consents.len())
                .filter(|&i| t.consents[i].is_active())
                .collect();
            if let Some(i) = d.pick(&active) {
                let given = t.consents[i].given_at.unwrap_or(at(0));
                t.consents[i].withdrawn_at = Some(given + jiff::SignedDuration::from_secs(DAY));
            }
        }
        1 => t
            .objections
            .push(PurposeId(d.below(policy.purposes().len().max(1)) as u32)),
        2 => t.opt_out(OptOutKind::ALL[d.below(5)]),
        _ => t.gpc = true,
    }
    t
}

/// The laws that hold on every policy, for `cases` drawn cases.
fn every_policy_laws(policy: &Policy, seed: u64, cases: usize, monotone: bool) {
    let d = &mut Draw(seed);
    let rules: Vec<CompiledAssertion> = policy
        .rules()
        .iter()
        .map(|r| CompiledAssertion {
            kind: AssertionKind::Never(Box::new(r.clone())),
            docs: None,
            span: r.info.span,
        })
        .collect();
    for _ in 0..cases {
        let s = subject(policy, d);
        let q = question(policy, d);
        let decision = decide(policy, &q, &s);
        let describe = || {
            format!(
                "{}\n{}",
                verify::describe_subject(policy, &s),
                q.describe(policy)
            )
        };

        // Deterministic.
        assert_eq!(decision, decide(policy, &q, &s.clone()), "{}", describe());

        // A deny rule always wins: no allowed case lies in a rule's shape.
        for rule in &rules {
            assert!(
                !verify::breaks(policy, rule, &q, Some(&s), &decision),
                "rule at {:?} did not win: {}",
                rule.span,
                describe()
            );
        }

        if let Question::Decide(query) = q {
            // Closed world.
            if decision.allowed() {
                let category = match query.data {
                    DataRef::Category(c) => c,
                    DataRef::Field(f) => policy.fields()[f.index()].category,
                };
                let purpose = &policy.purposes()[query.purpose.index()];
                assert!(purpose.uses.contains(category.index()), "{}", describe());
            }
            // By name = by handle.
            let data = match query.data {
                DataRef::Category(c) => policy.category_name(c).to_owned(),
                DataRef::Field(f) => policy.fields()[f.index()].info.name.clone(),
            };
            let region = query.region.map(|r| policy.region_name(r).to_owned());
            let mut plain = query;
            plain.collected_at = None;
            // The by-name API gives no circumstance.
            plain.circumstances = lawful::model::Circumstances::NONE;
            let by_name = match query.recipient {
                None => policy.decide_use_by_name(
                    policy.purpose_name(query.purpose),
                    &data,
                    &s,
                    region.as_deref(),
                ),
                Some(r) => policy.decide_disclosure_by_name(
                    policy.recipient_name(r),
                    policy.purpose_name(query.purpose),
                    &data,
                    &s,
                    region.as_deref(),
                ),
            };
            assert_eq!(
                by_name.ok(),
                Some(decide(policy, &Question::Decide(plain), &s))
            );
        } else if let Question::Transfer {
            category, from, to, ..
        } = q
        {
            // The by-name API gives no circumstance.
            let by_name = policy.decide_transfer_by_name(
                policy.category_name(category),
                policy.region_name(from),
                policy.region_name(to),
            );
            assert_eq!(
                by_name.ok(),
                policy
                    .decide_transfer(&TransferQuery::new(policy, category, from, to))
                    .ok()
            );
        }

        // Monotone: restricting the subject never turns a denial into an allow.
        if monotone && !decision.allowed() {
            let t = restrict(policy, &s, d);
            let after = decide(policy, &q, &t);
            assert!(
                !after.allowed(),
                "{}\nbecame allowed after\n{}",
                describe(),
                verify::describe_subject(policy, &t)
            );
        }
    }
}

/// The proof agrees with brute force: a proved assertion is broken by no sampled case; a
/// reported counterexample breaks it.
fn proof_agrees(policy: &Policy, seed: u64, cases: usize) {
    let d = &mut Draw(seed ^ 0x5EED);
    for proof in verify::prove_all(policy) {
        let assertion = &policy.assertions()[proof.assertion];
        let text = policy.sources().snippet(assertion.span).to_owned();
        match proof.outcome {
            Outcome::Undecided(why) => panic!("{text}: undecided: {why}"),
            Outcome::Failed(c) => {
                let again = c.question.decide(policy, c.subject.as_ref()).unwrap();
                assert_eq!(again, c.decision, "{text}");
                assert!(
                    verify::breaks(policy, assertion, &c.question, c.subject.as_ref(), &again),
                    "{text}: the counterexample does not break it:\n{}",
                    c.describe(policy)
                );
            }
            Outcome::Proved => {
                for _ in 0..cases {
                    let s = subject(policy, d);
                    let q = question(policy, d);
                    let decision = decide(policy, &q, &s);
                    assert!(
                        !verify::breaks(policy, assertion, &q, Some(&s), &decision),
                        "{text} was proved, but this case breaks it:\n{}\n{}\n→ {}",
                        verify::describe_subject(policy, &s),
                        q.describe(policy),
                        decision.explain(policy)
                    );
                    if let Question::Transfer {
                        category,
                        from,
                        to,
                        circumstances,
                    } = q
                    {
                        let bare = policy
                            .decide_transfer(
                                &TransferQuery::new(policy, category, from, to)
                                    .with_circumstances(circumstances),
                            )
                            .unwrap();
                        assert!(
                            !verify::breaks(policy, assertion, &q, None, &bare),
                            "{text}"
                        );
                    }
                }
            }
        }
    }
}

#[cfg(feature = "testkit")]
fn synthetic(scale: usize) -> &'static Policy {
    use std::sync::OnceLock;
    static POLICIES: OnceLock<Vec<(usize, Policy)>> = OnceLock::new();
    let all = POLICIES.get_or_init(|| {
        [3, 24]
            .into_iter()
            .map(|n| {
                let text = lawful::synth::policy(n);
                (n, checked(&text).expect("synthetic policies check"))
            })
            .collect()
    });
    &all.iter().find(|(n, _)| *n == scale).unwrap().1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[cfg(feature = "testkit")]
    #[test]
    fn laws_hold_on_synthetic_policies(seed in any::<u64>(), large in any::<bool>()) {
        let policy = synthetic(if large { 24 } else { 3 });
        every_policy_laws(policy, seed, 60, true);
    }

    #[test]
    fn laws_hold_on_random_policies(policy_seed in any::<u64>(), seed in any::<u64>(), monotone in any::<bool>()) {
        let text = random_policy(policy_seed, monotone);
        let policy = checked(&text);
        prop_assume!(policy.is_some());
        let policy = policy.unwrap();
        every_policy_laws(&policy, seed, 80, monotone);
    }

    #[test]
    fn proofs_agree_with_brute_force(policy_seed in any::<u64>(), seed in any::<u64>()) {
        let text = random_policy(policy_seed, false);
        let policy = checked(&text);
        prop_assume!(policy.is_some());
        proof_agrees(&policy.unwrap(), seed, 300);
    }
}

#[test]
fn random_policies_mostly_check() {
    let ok = (0..100u64)
        .filter(|&seed| checked(&random_policy(seed, seed % 2 == 0)).is_some())
        .count();
    assert!(ok >= 90, "only {ok} of 100 random policies check");
}

#[test]
fn proofs_agree_on_the_seed_policies() {
    for name in ["anker", "minipower", "ampower", "jiana", "minopio"] {
        let path = format!("{}/policies/{name}.lawful", env!("CARGO_MANIFEST_DIR"));
        let (loaded, _) = lawful::load::load_path(std::path::Path::new(&path));
        let policy = lawful::check::check(loaded).0.unwrap();
        proof_agrees(&policy, 7, 2_000);
    }
}
