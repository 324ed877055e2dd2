//! Differential tests of the prover and the diff against the evaluator (STYLE.md rule 11):
//! random small policies, generated as *text* (`support/policy_gen.rs`) and compiled by the
//! real parser and checker, are asked many sampled questions about many sampled subjects,
//! each decided by the evaluator, and
//!
//! 1. an assertion `verify::prove_all` proves is broken by no sampled allowed decision;
//! 2. a refuted assertion's counterexample, decided afresh, is allowed and breaks it;
//! 3. `diff::diff(old, new)` of a policy and a one-declaration mutation of it: with no
//!    widening, nothing the sample denies on `old` is allowed on `new` (with no narrowing,
//!    the reverse); with no change at all, both sides decide the sample alike (and with the
//!    same basis or safeguard); and `diff(p, p)` is empty;
//! 4. a question `denied_whatever_the_subject` is denied for every sampled subject.
//!
//! Subjects are JSON documents read by `Subject::from_json`, so the same subject means
//! the same on both sides of a diff; questions are asked by name. A failure prints the
//! policy text (shrunk by proptest), the assertion, the subject and the question.
//! `cargo test --test differential` (add `--features proptest` to also sample subjects from
//! `lawful::proptest::subjects`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/policy_gen.rs"]
mod policy_gen;

use lawful::eval::{DataRef, Decision, Query};
use lawful::model::{CategoryId, Policy, PurposeId, RecipientId, RegionId};
use lawful::verify::{self, describe_subject, Outcome, Question};
use lawful::Subject;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use policy_gen::{Spec, AGE_CONSTANTS, N_CONSTANTS, TAGS, TIERS};

// ---------------------------------------------------------------- compiling

/// Load and check (without proving, so assertions that fail can be inspected).
fn compile(text: &str) -> Result<Policy, Vec<String>> {
    let (loaded, loading) = lawful::load::load_str("generated.lawful", text);
    let (policy, diagnostics) = lawful::check::check(loaded);
    let errors: Vec<String> = loading
        .errors()
        .chain(diagnostics.errors())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------- deterministic draws

/// SplitMix64: many subjects and questions from one proptest-drawn seed.
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

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

// ---------------------------------------------------------------- names of a policy

/// The names questions and subjects are made of, read from a compiled policy.
#[derive(Debug, Clone)]
struct Names {
    places: Vec<String>,
    purposes: Vec<String>,
    /// Categories (implied ancestors included) and fields.
    data: Vec<String>,
    categories: Vec<String>,
    recipients: Vec<String>,
}

impl Names {
    fn of(policy: &Policy) -> Names {
        let places = (0..policy.regions().len())
            .filter(|&r| !policy.regions()[r].is_group)
            .map(|r| policy.region_name(RegionId(r as u32)).to_owned())
            .collect();
        let purposes = (0..policy.purposes().len())
            .map(|p| policy.purpose_name(PurposeId(p as u32)).to_owned())
            .collect();
        let categories: Vec<String> = (0..policy.categories().len())
            .map(|c| policy.category_name(CategoryId(c as u32)).to_owned())
            .collect();
        let mut data = categories.clone();
        data.extend(policy.fields().iter().map(|f| f.info.name.clone()));
        let recipients = (0..policy.recipients().len())
            .map(|r| policy.recipient_name(RecipientId(r as u32)).to_owned())
            .collect();
        Names {
            places,
            purposes,
            data,
            categories,
            recipients,
        }
    }
}

// ---------------------------------------------------------------- subjects

const NOW: &str = "2025-01-01T00:00:00Z";
/// Consent times: given, withdrawn after it, given again after that.
const GIVEN: &str = "2024-01-01";
const WITHDRAWN: &str = "2024-06-01";
const REGIVEN: &str = "2024-09-01";
/// When data was collected: before every consent, between a consent and its withdrawal,
/// after a withdrawal.
const COLLECTED: [&str; 3] = [
    "2023-06-01T00:00:00Z",
    "2024-03-01T00:00:00Z",
    "2024-07-01T00:00:00Z",
];
/// Ages around every threshold the generator writes; 200 is invalid (skipped).
const AGES: [i64; 16] = [
    0, 1, 2, 5, 12, 13, 14, 15, 16, 17, 18, 19, 30, 149, 150, 200,
];
const OPT_OUT_KINDS: [&str; 6] = [
    "sale",
    "sharing",
    "targeted_advertising",
    "profiling",
    "marketing",
    "limit_sensitive",
];

/// A subject document over `names`' purposes: ages near thresholds, consents in every
/// state, objections, opt-outs, flags and attributes around the generator's literals.
fn subject_json(names: &Names, d: &mut Draw) -> Value {
    let mut s = serde_json::Map::new();
    if d.chance(92) {
        s.insert("region".into(), json!(d.pick(&names.places)));
    }
    if d.chance(80) {
        s.insert("age".into(), json!(d.pick(&AGES)));
    }
    match d.below(3) {
        0 => {}
        1 => {
            s.insert("kind".into(), json!("user"));
        }
        _ => {
            s.insert("kind".into(), json!("guest"));
        }
    }
    let mut consents = Vec::new();
    for purpose in &names.purposes {
        if !d.chance(45) {
            continue;
        }
        let explicit = d.chance(50);
        let (given, withdrawn) = match d.below(4) {
            0 | 1 => (Some(GIVEN), None),
            2 => (Some(GIVEN), Some(WITHDRAWN)),
            _ => (Some(REGIVEN), Some(WITHDRAWN)),
        };
        consents.push(json!({
            "purpose": purpose, "given_at": given, "withdrawn_at": withdrawn, "explicit": explicit
        }));
    }
    s.insert("consents".into(), Value::Array(consents));
    // Consents to recipients and to transfers (read where a recipient or a transfer
    // permission `requires consent`).
    let mut to_recipients = Vec::new();
    for recipient in &names.recipients {
        if d.chance(40) {
            let withdrawn = d.chance(25).then_some(WITHDRAWN);
            to_recipients.push(json!({
                "recipient": recipient, "given_at": GIVEN, "withdrawn_at": withdrawn,
                "explicit": d.chance(50)
            }));
        }
    }
    s.insert("recipient_consents".into(), Value::Array(to_recipients));
    let to_places: Vec<Value> = names
        .places
        .iter()
        .filter(|_| d.chance(30))
        .map(|place| json!({"to": place, "given_at": GIVEN}))
        .collect();
    s.insert("transfer_consents".into(), Value::Array(to_places));
    let objections: Vec<&String> = names.purposes.iter().filter(|_| d.chance(12)).collect();
    s.insert("objections".into(), json!(objections));
    if d.chance(30) {
        let kinds: Vec<&str> = OPT_OUT_KINDS
            .iter()
            .copied()
            .filter(|_| d.chance(40))
            .collect();
        s.insert("opt_outs".into(), json!(kinds));
    }
    // Timed opt-outs: made after some collections, perhaps revoked, an unsubscribe perhaps
    // for one channel or campaign.
    if d.chance(30) {
        let mut list: Vec<Value> = s
            .get("opt_outs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let kind = OPT_OUT_KINDS[d.below(OPT_OUT_KINDS.len())];
        let mut record = json!({"kind": kind, "at": WITHDRAWN});
        if kind == "marketing" {
            match d.below(3) {
                0 => record["channel"] = json!(policy_gen::CHANNELS[d.below(4)]),
                1 => record["campaign"] = json!("spring-sale"),
                _ => {}
            }
        }
        if d.chance(50) {
            record["revoked_at"] = json!(REGIVEN);
        }
        list.push(record);
        s.insert("opt_outs".into(), Value::Array(list));
    }
    for (flag, percent) in [
        ("gpc", 15),
        ("restricted", 10),
        ("erasure_requested", 8),
        ("account_deleted", 4),
        ("parental_consent", 40),
    ] {
        if d.chance(percent) {
            s.insert(flag.into(), json!(true));
        }
    }
    let mut attributes = serde_json::Map::new();
    if d.chance(75) {
        attributes.insert("verified".into(), json!(d.chance(50)));
    }
    if d.chance(75) {
        let near: Vec<i64> = N_CONSTANTS
            .iter()
            .flat_map(|n| [n - 1, *n, n + 1])
            .collect();
        attributes.insert("n".into(), json!(d.pick(&near)));
    }
    if d.chance(75) {
        let tiers: Vec<&str> = TIERS.iter().copied().chain(["bronze"]).collect();
        attributes.insert("tier".into(), json!(d.pick(&tiers)));
    }
    if d.chance(75) {
        let tags: Vec<&str> = TAGS
            .iter()
            .copied()
            .chain(["s3"])
            .filter(|_| d.chance(50))
            .collect();
        attributes.insert("tags".into(), json!(tags));
    }
    s.insert("attributes".into(), Value::Object(attributes));
    Value::Object(s)
}

/// `count` subject documents: every age of [`AGES`] and [`AGE_CONSTANTS`] on an otherwise
/// random subject, then random ones.
fn subject_documents(names: &Names, seed: u64, count: usize) -> Vec<Value> {
    let d = &mut Draw(seed);
    let mut ages: Vec<Option<i64>> = AGES.iter().map(|a| Some(*a)).collect();
    ages.extend(
        AGE_CONSTANTS
            .iter()
            .flat_map(|a| [a - 1, *a, a + 1])
            .map(Some),
    );
    ages.push(None);
    (0..count)
        .map(|i| {
            let mut doc = subject_json(names, d);
            if let Some(age) = ages.get(i) {
                let object = doc.as_object_mut().unwrap();
                match age {
                    Some(age) => object.insert("age".into(), json!(age)),
                    None => object.remove("age"),
                };
            }
            doc
        })
        .collect()
}

fn now() -> jiff::Timestamp {
    NOW.parse().unwrap()
}

/// More subjects from `lawful::proptest::subjects` (with the `proptest` feature).
#[cfg(feature = "proptest")]
fn library_subjects(policy: &Policy, seed: u64, count: usize) -> Vec<Subject> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        proptest::test_runner::Config::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &bytes,
        ),
    );
    let strategy = lawful::proptest::subjects(policy);
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[cfg(not(feature = "proptest"))]
fn library_subjects(_: &Policy, _: u64, _: usize) -> Vec<Subject> {
    Vec::new()
}

// ---------------------------------------------------------------- questions by name

#[derive(Debug, Clone)]
enum Asked {
    /// A use, or with a recipient a disclosure.
    Decide {
        purpose: String,
        data: String,
        region: Option<String>,
        collected: Option<&'static str>,
        recipient: Option<String>,
        /// A combination: the other data.
        combine: Option<String>,
        circumstances: Vec<&'static str>,
    },
    Transfer {
        category: String,
        from: String,
        to: String,
        circumstances: Vec<&'static str>,
    },
}

impl Asked {
    /// The question in `policy`'s ids; `None` when a name is not declared there.
    fn resolve(&self, policy: &Policy) -> Option<Question> {
        match self {
            Asked::Decide {
                purpose,
                data,
                region,
                collected,
                recipient,
                combine,
                circumstances,
            } => {
                let data_ref = |data: &str| match policy.field(data) {
                    Ok(f) => Some(DataRef::Field(f)),
                    Err(_) => policy.category(data).ok().map(DataRef::Category),
                };
                let data = match policy.field(data) {
                    Ok(f) => DataRef::Field(f),
                    Err(_) => DataRef::Category(policy.category(data).ok()?),
                };
                let mut query = Query::new(policy, policy.purpose(purpose).ok()?, data);
                if let Some(region) = region {
                    query = query.in_region(policy.region(region).ok()?);
                }
                if let Some(at) = collected {
                    query = query.collected_at(at.parse().unwrap());
                }
                if let Some(recipient) = recipient {
                    query = query.to_recipient(policy.recipient(recipient).ok()?);
                }
                if let Some(other) = combine {
                    query = query.combined_with(data_ref(other)?);
                }
                query = query.with_circumstances(
                    policy
                        .circumstances_named(circumstances.iter().copied())
                        .ok()?,
                );
                Some(Question::Decide(query))
            }
            Asked::Transfer {
                category,
                from,
                to,
                circumstances,
            } => Some(Question::Transfer {
                category: policy.category(category).ok()?,
                from: policy.region(from).ok()?,
                to: policy.region(to).ok()?,
                circumstances: policy
                    .circumstances_named(circumstances.iter().copied())
                    .ok()?,
            }),
        }
    }
}

/// Each generated circumstance with even odds (asked by name: the same on both sides).
fn some_circumstances(d: &mut Draw) -> Vec<&'static str> {
    policy_gen::CIRCUMSTANCES
        .iter()
        .copied()
        .filter(|_| d.chance(50))
        .collect()
}

/// Every use (each purpose, datum, place, and the subject's own region), every disclosure
/// to every recipient, every transfer between places; some with a collection time.
fn all_questions(names: &Names, d: &mut Draw) -> Vec<Asked> {
    let mut out = Vec::new();
    let mut regions: Vec<Option<String>> = names.places.iter().cloned().map(Some).collect();
    regions.push(None);
    let mut recipients: Vec<Option<String>> = names.recipients.iter().cloned().map(Some).collect();
    recipients.push(None);
    for purpose in &names.purposes {
        for data in &names.data {
            for region in &regions {
                for recipient in &recipients {
                    let collected = d.chance(25).then(|| d.pick(&COLLECTED));
                    out.push(Asked::Decide {
                        purpose: purpose.clone(),
                        data: data.clone(),
                        region: region.clone(),
                        collected,
                        recipient: recipient.clone(),
                        combine: None,
                        circumstances: some_circumstances(d),
                    });
                    // Sometimes the combination of the datum with another.
                    if recipient.is_none() && d.chance(30) {
                        out.push(Asked::Decide {
                            purpose: purpose.clone(),
                            data: data.clone(),
                            region: region.clone(),
                            collected,
                            recipient: None,
                            combine: Some(d.pick(&names.data)),
                            circumstances: some_circumstances(d),
                        });
                    }
                }
            }
        }
    }
    for category in &names.categories {
        for from in &names.places {
            for to in &names.places {
                out.push(Asked::Transfer {
                    category: category.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    circumstances: some_circumstances(d),
                });
            }
        }
    }
    out
}

/// The subjects that differ from `doc` in one fact: age, region, kind, one purpose's
/// consent, one objection, one opt-out, one flag, one attribute.
fn neighbours(names: &Names, doc: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let base = doc.as_object().cloned().unwrap_or_default();
    let mut with = |key: &str, value: Option<Value>| {
        let mut s = base.clone();
        match value {
            Some(v) => s.insert(key.to_owned(), v),
            None => s.remove(key),
        };
        out.push(Value::Object(s));
    };
    with("age", None);
    for age in AGES {
        with("age", Some(json!(age)));
    }
    with("region", None);
    for place in &names.places {
        with("region", Some(json!(place)));
    }
    with("kind", None);
    with("kind", Some(json!("user")));
    with("kind", Some(json!("guest")));
    let consents: Vec<Value> = base
        .get("consents")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for purpose in &names.purposes {
        let others: Vec<Value> = consents
            .iter()
            .filter(|c| c["purpose"] != json!(purpose))
            .cloned()
            .collect();
        let states = [
            None,
            Some((GIVEN, None, false)),
            Some((GIVEN, None, true)),
            Some((GIVEN, Some(WITHDRAWN), false)),
            Some((REGIVEN, Some(WITHDRAWN), true)),
        ];
        for state in states {
            let mut list = others.clone();
            if let Some((given, withdrawn, explicit)) = state {
                list.push(json!({
                    "purpose": purpose, "given_at": given, "withdrawn_at": withdrawn,
                    "explicit": explicit
                }));
            }
            with("consents", Some(Value::Array(list)));
        }
    }
    let toggle = |list: Option<&Value>, item: &str| -> Value {
        let mut items: Vec<Value> = list.and_then(Value::as_array).cloned().unwrap_or_default();
        match items.iter().position(|v| v == item) {
            Some(i) => {
                items.remove(i);
            }
            None => items.push(json!(item)),
        }
        Value::Array(items)
    };
    for purpose in &names.purposes {
        with("objections", Some(toggle(base.get("objections"), purpose)));
    }
    for kind in OPT_OUT_KINDS {
        with("opt_outs", Some(toggle(base.get("opt_outs"), kind)));
    }
    for flag in [
        "gpc",
        "restricted",
        "erasure_requested",
        "account_deleted",
        "parental_consent",
    ] {
        let on = base.get(flag).and_then(Value::as_bool).unwrap_or(false);
        with(flag, Some(json!(!on)));
    }
    let attributes = base
        .get("attributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut values: Vec<(&str, Option<Value>)> = vec![
        ("verified", None),
        ("verified", Some(json!(true))),
        ("verified", Some(json!(false))),
        ("n", None),
        ("tier", None),
        ("tier", Some(json!("bronze"))),
        ("tags", None),
        ("tags", Some(json!(["s3"]))),
        ("tags", Some(json!(TAGS))),
    ];
    for n in N_CONSTANTS {
        values.extend([n - 1, *n, n + 1].map(|v| ("n", Some(json!(v)))));
    }
    values.extend(TIERS.iter().map(|t| ("tier", Some(json!(t)))));
    values.extend(TAGS.iter().map(|t| ("tags", Some(json!([t])))));
    for (name, value) in values {
        let mut a = attributes.clone();
        match value {
            Some(v) => a.insert(name.to_owned(), v),
            None => a.remove(name),
        };
        with("attributes", Some(Value::Object(a)));
    }
    out
}

/// One policy's view of a sampled case.
struct Side<'a> {
    policy: &'a Policy,
    question: Question,
    subject: Option<&'a Subject>,
    decision: Decision,
}

impl Side<'_> {
    fn describe(&self) -> String {
        describe_case(self.policy, self.subject, &self.question, &self.decision)
    }
}

fn describe_case(policy: &Policy, subject: Option<&Subject>, q: &Question, d: &Decision) -> String {
    format!(
        "{}\n{} → {}: {}",
        subject.map_or_else(|| "no subject".to_owned(), |s| describe_subject(policy, s)),
        q.describe(policy),
        if d.allowed() { "allow" } else { "deny" },
        d.explain(policy)
    )
}

/// Subject documents drawn per policy (plus every age near a threshold).
const SUBJECTS: usize = 48;
/// Subjects each question is asked about.
const PER_QUESTION: usize = 4;
/// Allowed cases whose every one-fact neighbour (and every collection time) is asked too.
const NEIGHBOURHOODS: usize = 32;

type Visit<'v> = dyn FnMut(&[Side<'_>]) -> Result<(), TestCaseError> + 'v;

/// Decide a sample of cases on every policy of `sides` and hand each to `visit`, the same
/// question (by name) about the same subject (the same JSON document) on each side:
///
/// - every transfer between places, about no particular subject;
/// - every use, disclosure and transfer, about [`PER_QUESTION`] subjects from a pool of
///   [`SUBJECTS`] documents (and, for one policy with the `proptest` feature, subjects
///   from `lawful::proptest::subjects`);
/// - around [`NEIGHBOURHOODS`] cases some side allows: the same question about every
///   subject one fact away, and the same subject with every collection time.
///
/// Returns how many cases were visited.
fn walk(sides: &[&Policy], seed: u64, visit: &mut Visit<'_>) -> Result<usize, TestCaseError> {
    let last = sides.last().expect("a policy");
    let names = Names::of(last);
    let d = &mut Draw(seed);
    let questions: Vec<Vec<Question>> = all_questions(&names, d)
        .iter()
        .filter_map(|a| sides.iter().map(|p| a.resolve(p)).collect())
        .collect();
    let now = now();
    let read = |doc: &Value| -> Option<Vec<Subject>> {
        sides
            .iter()
            .map(|p| Subject::from_json(p, doc, now).ok())
            .collect()
    };
    // The pool: (document, its subject on each side).
    let mut pool: Vec<(Option<Value>, Vec<Subject>)> = subject_documents(&names, seed, SUBJECTS)
        .into_iter()
        .filter_map(|doc| read(&doc).map(|subjects| (Some(doc), subjects)))
        .collect();
    if let [policy] = sides {
        pool.extend(
            library_subjects(policy, seed, SUBJECTS / 2)
                .into_iter()
                .map(|s| (None, vec![s])),
        );
    }
    let mut visited = 0;
    let mut ask = |qs: &[Question],
                   subjects: Option<&[Subject]>,
                   visit: &mut Visit<'_>|
     -> Result<bool, TestCaseError> {
        let mut cases = Vec::with_capacity(sides.len());
        for (i, (policy, question)) in sides.iter().zip(qs).enumerate() {
            let subject = subjects.map(|s| &s[i]);
            let Ok(decision) = question.decide(policy, subject) else {
                return Ok(false);
            };
            cases.push(Side {
                policy,
                question: *question,
                subject,
                decision,
            });
        }
        visited += 1;
        visit(&cases)?;
        Ok(cases.iter().any(|c| c.decision.allowed()))
    };
    for qs in &questions {
        if qs[0].is_transfer() {
            ask(qs, None, visit)?;
        }
    }
    let mut allowed: Vec<(usize, usize)> = Vec::new();
    let d = &mut Draw(seed ^ 0xD1FF);
    for (q, qs) in questions.iter().enumerate() {
        for _ in 0..PER_QUESTION.min(pool.len()) {
            let s = d.below(pool.len());
            if ask(qs, Some(&pool[s].1), visit)? && pool[s].0.is_some() {
                allowed.push((q, s));
            }
        }
    }
    for _ in 0..NEIGHBOURHOODS.min(allowed.len()) {
        let (q, s) = allowed.swap_remove(d.below(allowed.len()));
        let qs = &questions[q];
        let Some(doc) = &pool[s].0 else { continue };
        for neighbour in neighbours(&names, doc) {
            if let Some(subjects) = read(&neighbour) {
                ask(qs, Some(&subjects), visit)?;
            }
        }
        if let Question::Decide(_) = qs[0] {
            for at in [None].into_iter().chain(COLLECTED.map(Some)) {
                let timed: Vec<Question> = qs
                    .iter()
                    .map(|q| match q {
                        Question::Decide(query) => {
                            let mut timed = *query;
                            timed.collected_at = at.map(|t| t.parse().unwrap());
                            Question::Decide(timed)
                        }
                        other => *other,
                    })
                    .collect();
                ask(&timed, Some(&pool[s].1), visit)?;
            }
        }
    }
    Ok(visited)
}

// ---------------------------------------------------------------- the properties

/// Properties 1 and 2 on one policy.
fn proofs_agree(text: &str, policy: &Policy, seed: u64) -> Result<(), TestCaseError> {
    let mut proved = Vec::new();
    for proof in verify::prove_all(policy) {
        let assertion = &policy.assertions()[proof.assertion];
        let said = policy.sources().snippet(assertion.span).to_owned();
        match &proof.outcome {
            Outcome::Proved => proved.push((assertion, said)),
            Outcome::Undecided(why) => {
                // Small policies stay far inside the budget: undecided here is a bug.
                return Err(TestCaseError::fail(format!(
                    "`{said}` is undecided: {why}\n\npolicy:\n{text}"
                )));
            }
            Outcome::Failed(c) => {
                // 2. The counterexample, decided afresh, is allowed and breaks the assertion.
                let again = c.question.decide(policy, c.subject.as_ref());
                let Ok(again) = again else {
                    return Err(TestCaseError::fail(format!(
                        "`{said}`: the counterexample cannot be decided: {again:?}\n{}\n\n\
                         policy:\n{text}",
                        c.describe(policy)
                    )));
                };
                let case = describe_case(policy, c.subject.as_ref(), &c.question, &again);
                prop_assert_eq!(
                    &again,
                    &c.decision,
                    "`{}`: the counterexample is decided differently when asked again:\n{}\n\n\
                     policy:\n{}",
                    said,
                    case,
                    text
                );
                prop_assert!(
                    again.allowed(),
                    "`{}`: the counterexample is denied when asked again:\n{}\n\npolicy:\n{}",
                    said,
                    case,
                    text
                );
                prop_assert!(
                    verify::breaks(policy, assertion, &c.question, c.subject.as_ref(), &again),
                    "`{}`: the counterexample does not break it:\n{}\n\npolicy:\n{}",
                    said,
                    case,
                    text
                );
            }
        }
    }
    if proved.is_empty() {
        return Ok(());
    }
    // 1. No sampled allowed decision breaks a proved assertion.
    walk(&[policy], seed, &mut |cases| {
        let [case] = cases else { unreachable!() };
        for (assertion, said) in &proved {
            prop_assert!(
                !verify::breaks(
                    policy,
                    assertion,
                    &case.question,
                    case.subject,
                    &case.decision
                ),
                "`{}` was proved, but this case breaks it:\n{}\n\npolicy:\n{}",
                said,
                case.describe(),
                text
            );
        }
        Ok(())
    })?;
    Ok(())
}

/// Property 4 on one policy.
fn denied_whatever_the_subject_holds(
    text: &str,
    policy: &Policy,
    seed: u64,
) -> Result<(), TestCaseError> {
    let mut memo: Vec<(Question, bool)> = Vec::new();
    walk(&[policy], seed, &mut |cases| {
        let [case] = cases else { unreachable!() };
        if !case.decision.allowed() {
            return Ok(());
        }
        let denied = match memo.iter().find(|(q, _)| *q == case.question) {
            Some((_, denied)) => *denied,
            None => {
                let denied = case.question.denied_whatever_the_subject(policy);
                memo.push((case.question, denied));
                denied
            }
        };
        prop_assert!(
            !denied,
            "`{}` is denied whatever the subject, but this case is allowed:\n{}\n\npolicy:\n{}",
            case.question.describe(policy),
            case.describe(),
            text
        );
        Ok(())
    })?;
    Ok(())
}

/// Property 3 on one pair of policies.
fn diff_agrees(
    old_text: &str,
    new_text: &str,
    old: &Policy,
    new: &Policy,
    seed: u64,
) -> Result<(), TestCaseError> {
    let diff = lawful::diff::diff(old, new);
    let widened = diff.widened() > 0;
    let narrowed = diff.narrowed() > 0;
    let empty = diff.is_empty();
    if widened && narrowed {
        // Both directions changed: the sample can check nothing the diff claims.
        return Ok(());
    }
    let context = || {
        let changes: Vec<String> = diff
            .changes
            .iter()
            .map(|c| format!("{}: {}", c.impact.code(), c.summary))
            .collect();
        format!("diff: {changes:#?}\n\nold policy:\n{old_text}\n\nnew policy:\n{new_text}")
    };
    walk(&[old, new], seed, &mut |cases| {
        let [o, n] = cases else { unreachable!() };
        let case = || format!("old: {}\nnew: {}", o.describe(), n.describe());
        let (was, is) = (o.decision.allowed(), n.decision.allowed());
        if !widened {
            prop_assert!(
                !is || was,
                "the diff reports no widening, but the new policy allows what the old \
                 denies:\n{}\n\n{}",
                case(),
                context()
            );
        }
        if !narrowed {
            prop_assert!(
                !was || is,
                "the diff reports no narrowing, but the new policy denies what the old \
                 allows:\n{}\n\n{}",
                case(),
                context()
            );
        }
        if empty && was && is {
            match o.question {
                Question::Decide(q) if q.recipient.is_none() => prop_assert_eq!(
                    o.decision.basis,
                    n.decision.basis,
                    "the diff is empty, but the basis differs:\n{}\n\n{}",
                    case(),
                    context()
                ),
                Question::Transfer { .. } => prop_assert_eq!(
                    o.decision.safeguard(old),
                    n.decision.safeguard(new),
                    "the diff is empty, but the safeguard differs:\n{}\n\n{}",
                    case(),
                    context()
                ),
                Question::Decide(_) => {}
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn compiled(spec: &Spec) -> Option<(String, Policy)> {
    let text = spec.render();
    compile(&text).ok().map(|p| (text, p))
}

/// `cases` cases, or `PROPTEST_CASES` when set (to hunt longer:
/// `PROPTEST_CASES=5000 cargo test --release --test differential`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Properties 1 and 2: proofs and counterexamples agree with the evaluator.
    #[test]
    fn proofs_agree_with_the_evaluator(spec in policy_gen::spec(), seed in any::<u64>()) {
        let compiled = compiled(&spec);
        prop_assume!(compiled.is_some());
        let (text, policy) = compiled.unwrap();
        proofs_agree(&text, &policy, seed)?;
    }

}

proptest! {
    #![proptest_config(config(96))]

    /// Property 4: a question denied whatever the subject is denied for every sampled
    /// subject.
    #[test]
    fn denied_whatever_the_subject_is_denied_for_every_subject(
        spec in policy_gen::spec(),
        seed in any::<u64>(),
    ) {
        let compiled = compiled(&spec);
        prop_assume!(compiled.is_some());
        let (text, policy) = compiled.unwrap();
        denied_whatever_the_subject_holds(&text, &policy, seed)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Property 3: what the diff says did not change does not change on the sample.
    #[test]
    fn the_diff_agrees_with_the_evaluator(
        spec in policy_gen::spec(),
        mutation in policy_gen::mutation(),
        seed in any::<u64>(),
    ) {
        let old = compiled(&spec);
        prop_assume!(old.is_some());
        let new = compiled(&spec.mutated(&mutation));
        prop_assume!(new.is_some());
        let ((old_text, old), (new_text, new)) = (old.unwrap(), new.unwrap());
        diff_agrees(&old_text, &new_text, &old, &new, seed)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// `diff(p, p)` is empty. Within a budget: a generated policy with many subject facts
    /// can take minutes to scan whole in a debug build, and a scan the budget stops still
    /// reports only real changes, so none may appear in what it decided.
    #[test]
    fn a_policy_does_not_differ_from_itself(spec in policy_gen::spec()) {
        let compiled = compiled(&spec);
        prop_assume!(compiled.is_some());
        let (text, policy) = compiled.unwrap();
        let diff = lawful::diff::diff_within(&policy, &policy, 1_000_000);
        let nothing = diff.changes.is_empty() && diff.statements.is_empty();
        prop_assert!(nothing, "{:#?}\n\npolicy:\n{}", diff.changes, text);
    }
}

#[cfg(feature = "testkit")]
proptest! {
    #![proptest_config(config(96))]

    /// Property 5: folding conditions whose atoms nothing else reads loses no decision: the
    /// folded search reaches every decision (and truth of an assertion's conditions) the
    /// search over every atom combination reaches, first at the same number of atoms set.
    #[test]
    fn folded_conditions_reach_what_every_combination_reaches(spec in policy_gen::spec()) {
        let compiled = compiled(&spec);
        prop_assume!(compiled.is_some());
        let (text, policy) = compiled.unwrap();
        let agreement = lawful::verify::agree::folding_agrees(&policy);
        prop_assert!(agreement.is_ok(), "{}\n\npolicy:\n{}", agreement.unwrap_err(), text);
    }
}

/// Property 5 on the seed policies, and it is not vacuous there: conditions are folded.
#[cfg(feature = "testkit")]
#[test]
fn folded_conditions_agree_on_the_seed_policies() {
    let mut folded = 0;
    for entry in std::fs::read_dir("policies").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "lawful") {
            continue;
        }
        let policy = lawful::compile_file(&path).unwrap().policy;
        let agreement = lawful::verify::agree::folding_agrees(&policy)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(agreement.compared > 0, "{}", path.display());
        folded += agreement.folded;
    }
    assert!(folded > 0, "no seed question folds a condition");
}

/// Found by property 5: a use the closed world denies cites an `assert never use` that
/// forbids it, so the assertion's conditions decide the decision's citation. Its attribute
/// atoms were folded into the basis condition that also reads them (only its truth values
/// searched), and the citation reached with `subject.tier == "gold"` was lost.
#[cfg(feature = "testkit")]
#[test]
fn the_conditions_of_a_cited_assertion_are_not_folded_away() {
    let path = "tests/differential/cited_assertion_reads_folded_atoms.lawful";
    let text = std::fs::read_to_string(path).unwrap();
    let policy = lawful::compile_str_with(path, &text, lawful::CompileOptions::deciding())
        .unwrap()
        .policy;
    let agreement = lawful::verify::agree::folding_agrees(&policy);
    assert!(agreement.is_ok(), "{}", agreement.unwrap_err());
}

/// The generator cannot silently rot: nearly every generated policy compiles.
#[test]
fn generated_policies_mostly_compile() {
    let mut runner = TestRunner::deterministic();
    let strategy = policy_gen::spec();
    // `compile` does refuse what the checker refuses.
    let first = strategy.new_tree(&mut runner).unwrap().current().render();
    for broken in [
        "purpose extra { uses user.unknown  basis consent }",
        "deny extra: use * for * when subject.tier < 5",
    ] {
        let text = format!("{first}{broken}\n");
        assert!(compile(&text).is_err(), "{text}");
    }
    let total = 200;
    let mut failures = Vec::new();
    for _ in 0..total {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let text = spec.render();
        if let Err(errors) = compile(&text) {
            failures.push(format!("{errors:#?}\n{text}"));
        }
    }
    let ok = total - failures.len();
    assert!(
        ok * 100 >= total * 90,
        "only {ok} of {total} generated policies compile; first failure:\n{}",
        failures.first().map_or("", String::as_str)
    );
}

/// And their mutations too.
#[test]
fn mutated_policies_mostly_compile() {
    let mut runner = TestRunner::deterministic();
    let specs = policy_gen::spec();
    let mutations = policy_gen::mutation();
    let total = 200;
    let mut failures = Vec::new();
    for _ in 0..total {
        let spec = specs.new_tree(&mut runner).unwrap().current();
        let mutation = mutations.new_tree(&mut runner).unwrap().current();
        let text = spec.mutated(&mutation).render();
        if let Err(errors) = compile(&text) {
            failures.push(format!("{mutation:?}\n{errors:#?}\n{text}"));
        }
    }
    let ok = total - failures.len();
    assert!(
        ok * 100 >= total * 90,
        "only {ok} of {total} mutated policies compile; first failure:\n{}",
        failures.first().map_or("", String::as_str)
    );
}

/// Property 5 is not vacuous on generated policies: most questions are compared, and many
/// of them fold a condition.
#[cfg(feature = "testkit")]
#[test]
fn generated_policies_fold_conditions() {
    let mut runner = TestRunner::deterministic();
    let strategy = policy_gen::spec();
    let mut total = lawful::verify::agree::Agreement::default();
    for _ in 0..40 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let Ok(policy) = compile(&spec.render()) else {
            continue;
        };
        let agreement = lawful::verify::agree::folding_agrees(&policy).unwrap();
        total.compared += agreement.compared;
        total.folded += agreement.folded;
        total.too_large += agreement.too_large;
    }
    assert!(total.compared > 100 * total.too_large.max(1), "{total:?}");
    assert!(total.folded * 10 > total.compared, "{total:?}");
}
