//! Running a policy's `test` blocks (`lawful test`): every expectation is decided with the
//! evaluator and compared with what the test says. Nothing is printed here; the CLI
//! renders the [`TestReport`].

use jiff::Timestamp;

use crate::eval::{format_time, Decision, Query, RetentionDecision, RetentionQuery, TransferQuery};
use crate::model::tests::{CompiledTest, Expected, TestQuery};
use crate::model::{Basis, Circumstances, Policy};
use crate::source::Span;
use crate::subject::Subject;

/// The result of running every test of a policy. Counts are of expectations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestReport {
    /// Number of `test` blocks.
    pub tests: usize,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that did not hold.
    pub failed: usize,
    /// Each expectation that did not hold, in the order of the policy's tests.
    pub failures: Vec<TestFailure>,
}

impl TestReport {
    /// Whether every expectation held.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    /// The test's name.
    pub test: String,
    /// The `test` block.
    pub test_span: Span,
    /// The `expect` line.
    pub span: Span,
    /// What the test expects.
    pub expected: Outcome,
    /// What the evaluator decided.
    pub actual: Outcome,
    /// The parts that differ: `outcome`, `reason`, `basis`, `safeguard`, `rule`, `verdict`,
    /// `date`.
    pub mismatched: Vec<&'static str>,
    /// The evaluator's sentence for what it decided (or the error it hit).
    pub explanation: String,
}

/// An outcome as written in a test, or as decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `allow` | `deny` for decisions; `must_keep` | `may_keep` | `must_delete` for
    /// retention; `error` when the question could not be answered.
    pub outcome: String,
    /// The reason code (`consent_missing` …); `None` when the test does not say.
    pub reason: Option<String>,
    /// The basis as written in policies (`consent`); `None` when not said or none.
    pub basis: Option<String>,
    /// The transfer safeguard (`scc` …); `None` when not said or none.
    pub safeguard: Option<String>,
    /// The deny rule (or declaration) cited (`by RULE`); `None` when not said or none.
    pub rule: Option<String>,
    /// Retention date (`2026-01-01`).
    pub date: Option<String>,
}

/// Run every expectation of every test in `policy`.
pub fn run_tests(policy: &Policy) -> TestReport {
    let mut report = TestReport {
        tests: policy.tests.len(),
        ..TestReport::default()
    };
    for test in &policy.tests {
        run_test(policy, test, &mut report);
    }
    report
}

fn run_test(policy: &Policy, test: &CompiledTest, report: &mut TestReport) {
    for expectation in &test.expectations {
        match check(policy, &test.subject, &expectation.expected) {
            None => report.passed += 1,
            Some(mismatch) => {
                report.failed += 1;
                report.failures.push(TestFailure {
                    test: test.name.clone(),
                    test_span: test.span,
                    span: expectation.span,
                    expected: mismatch.expected,
                    actual: mismatch.actual,
                    mismatched: mismatch.parts,
                    explanation: mismatch.explanation,
                });
            }
        }
    }
}

struct Mismatch {
    expected: Outcome,
    actual: Outcome,
    parts: Vec<&'static str>,
    explanation: String,
}

/// `None` when the expectation holds.
fn check(policy: &Policy, subject: &Subject, expected: &Expected) -> Option<Mismatch> {
    match expected {
        Expected::Decision {
            allow,
            reason,
            query,
            basis,
            safeguard,
            circumstances,
            campaign,
            rule,
        } => {
            let written = Outcome {
                outcome: outcome_word(*allow).to_owned(),
                reason: reason.clone(),
                basis: basis.clone(),
                safeguard: safeguard.clone(),
                rule: rule.clone(),
                date: None,
            };
            let decision = match decide(policy, subject, query, *circumstances, *campaign) {
                Ok(d) => d,
                Err(error) => return Some(error_mismatch(written, error)),
            };
            let actual = Outcome {
                outcome: outcome_word(decision.allowed()).to_owned(),
                reason: Some(decision.reason.code().to_owned()),
                basis: decision.basis.map(|b| b.name()),
                safeguard: decision.safeguard(policy).map(str::to_owned),
                rule: rule
                    .as_ref()
                    .and_then(|_| decision.rule_ref(policy))
                    .map(|r| r.name.to_owned()),
                date: None,
            };
            let mut parts = Vec::new();
            if *allow != decision.allowed() {
                parts.push("outcome");
            }
            if reason
                .as_deref()
                .is_some_and(|r| r != decision.reason.code())
            {
                parts.push("reason");
            }
            if basis
                .as_deref()
                .is_some_and(|b| !basis_matches(b, decision.basis))
            {
                parts.push("basis");
            }
            if safeguard
                .as_deref()
                .is_some_and(|s| Some(s) != decision.safeguard(policy))
            {
                parts.push("safeguard");
            }
            if rule.as_deref().is_some_and(|r| {
                decision
                    .rule
                    .and_then(|id| policy.provenance(id))
                    .is_none_or(|p| p.name != r)
            }) {
                parts.push("rule");
            }
            mismatch(written, actual, parts, || decision.explain(policy))
        }
        Expected::Retention {
            category,
            purpose,
            region,
            events,
            now,
            circumstances,
            verdict,
            date,
            purpose_events,
            agreed,
            deidentified,
            note,
        } => {
            let written = Outcome {
                outcome: verdict.clone(),
                reason: note.clone(),
                date: date.map(format_time),
                ..Outcome::default()
            };
            let query = RetentionQuery {
                purpose: *purpose,
                agreed_period: *agreed,
                ..RetentionQuery::new(policy, *category, *region, *now)
            }
            .with_events(events)
            .with_purpose_events(purpose_events)
            .with_deidentified(*deidentified)
            .with_circumstances(*circumstances);
            let decision: RetentionDecision = match policy.decide_retention(&query) {
                Ok(d) => d,
                Err(error) => return Some(error_mismatch(written, error.to_string())),
            };
            let actual = Outcome {
                outcome: decision.verdict.code().to_owned(),
                reason: note.as_ref().map(|_| decision.note.code().to_owned()),
                date: decision.date.map(format_time),
                ..Outcome::default()
            };
            let mut parts = Vec::new();
            if verdict != decision.verdict.code() {
                parts.push("verdict");
            }
            if note.as_deref().is_some_and(|n| n != decision.note.code()) {
                parts.push("note");
            }
            if let Some(expected_date) = date {
                if !decision.date.is_some_and(|d| same_time(*expected_date, d)) {
                    parts.push("date");
                }
            }
            mismatch(written, actual, parts, || decision.explain(policy))
        }
    }
}

fn mismatch(
    expected: Outcome,
    actual: Outcome,
    parts: Vec<&'static str>,
    explain: impl FnOnce() -> String,
) -> Option<Mismatch> {
    if parts.is_empty() {
        return None;
    }
    Some(Mismatch {
        expected,
        actual,
        parts,
        explanation: explain(),
    })
}

fn error_mismatch(expected: Outcome, error: String) -> Mismatch {
    Mismatch {
        expected,
        actual: Outcome {
            outcome: "error".to_owned(),
            ..Outcome::default()
        },
        parts: vec!["outcome"],
        explanation: error,
    }
}

fn outcome_word(allow: bool) -> &'static str {
    if allow {
        "allow"
    } else {
        "deny"
    }
}

/// Equal, or the written date (midnight UTC) is the decided instant's UTC date.
fn same_time(written: Timestamp, decided: Timestamp) -> bool {
    if written == decided {
        return true;
    }
    let utc = jiff::tz::TimeZone::UTC;
    let written = written.to_zoned(utc.clone());
    written.time() == jiff::civil::Time::midnight()
        && written.date() == decided.to_zoned(utc).date()
}

fn decide(
    policy: &Policy,
    subject: &Subject,
    query: &TestQuery,
    circumstances: Circumstances,
    campaign: Option<crate::model::Campaign>,
) -> Result<Decision, String> {
    let ask = |purpose, data, region, collected_at, recipient| Query {
        purpose,
        data,
        region,
        collected_at,
        recipient,
        combine: None,
        circumstances,
        campaign,
        stamp: policy.stamp(),
    };
    let result = match *query {
        TestQuery::Use {
            data,
            purpose,
            region,
            collected,
        } => policy.decide_use(&ask(purpose, data, region, collected, None), subject),
        TestQuery::Disclose {
            data,
            recipient,
            purpose,
            region,
            collected,
        } => {
            let query = ask(purpose, data, region, collected, Some(recipient));
            policy.decide_disclosure(recipient, &query, subject)
        }
        TestQuery::DiscloseKind {
            data,
            kind,
            purpose,
            region,
            collected,
        } => {
            let query = ask(purpose, data, region, collected, None);
            policy.decide_disclosure_to_kind(kind, &query, subject)
        }
        TestQuery::Combine {
            data,
            with,
            purpose,
            region,
            collected,
        } => {
            let query = ask(purpose, data, region, collected, None).combined_with(with);
            policy.decide_combination(&query, subject)
        }
        TestQuery::Transfer { category, from, to } => policy.decide_transfer_for(
            subject,
            &TransferQuery::new(policy, category, from, to).with_circumstances(circumstances),
        ),
    };
    result.map_err(|e| e.to_string())
}

/// `opt_out` (no kind) matches any opt-out basis; anything else must match exactly.
fn basis_matches(written: &str, decided: Option<Basis>) -> bool {
    decided.is_some_and(|b| {
        if written.contains('(') {
            b.name() == written
        } else {
            b.simple_name() == written
        }
    })
}
