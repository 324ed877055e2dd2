//! The by-name path allocates at most once per decision: on the peers' scenario
//! (benches/data/peers-x1.*), each question — its subject written by name into a reused
//! `SubjectWriter`, its purpose, field and region resolved by name — is decided under a
//! counting allocator. The subjects written equal those read from the questions' JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::System;

use lawful::eval::{AttrInput, SubjectWriter};
use lawful::{CompileOptions, Subject};
use serde_json::Value;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The counters are global: this file holds a single test so nothing else runs meanwhile.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One question by name, its timestamps read.
struct Question {
    purpose: String,
    data: String,
    region: String,
    subject_region: String,
    age: i64,
    consents: Vec<(String, jiff::Timestamp)>,
    objections: Vec<String>,
    optouts: Vec<String>,
    json: Value,
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn question(line: &str) -> Question {
    let v: Value = serde_json::from_str(line).unwrap();
    let s = &v["subject"];
    Question {
        purpose: v["purpose"].as_str().unwrap().to_owned(),
        data: v["data"].as_str().unwrap().to_owned(),
        region: v["region"].as_str().unwrap().to_owned(),
        subject_region: s["region"].as_str().unwrap().to_owned(),
        age: s["age"].as_i64().unwrap(),
        consents: s["consents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let purpose = c["purpose"].as_str().unwrap().to_owned();
                (purpose, c["given_at"].as_str().unwrap().parse().unwrap())
            })
            .collect(),
        objections: strings(&s["objections"]),
        optouts: strings(&s["attributes"]["optouts"]),
        json: s.clone(),
    }
}

fn write(writer: &mut SubjectWriter<'_>, q: &Question, optouts: &[&str]) {
    writer
        .clear()
        .region(&q.subject_region)
        .unwrap()
        .age(q.age)
        .unwrap();
    for (purpose, at) in &q.consents {
        writer.consent(purpose, Some(*at)).unwrap();
    }
    for purpose in &q.objections {
        writer.objection(purpose).unwrap();
    }
    writer
        .attribute("optouts", AttrInput::Set(optouts))
        .unwrap();
}

fn allocations_during(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.allocations + change.reallocations
}

#[test]
fn by_name_decisions_allocate_at_most_once() {
    let text = std::fs::read_to_string("benches/data/peers-x1.lawful").unwrap();
    let policy = lawful::compile_str_with("peers-x1.lawful", &text, CompileOptions::deciding())
        .unwrap()
        .policy;
    let lines = std::fs::read_to_string("benches/data/peers-x1.queries.jsonl").unwrap();
    let questions: Vec<Question> = lines.lines().take(1000).map(question).collect();
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut writer = SubjectWriter::new(&policy, now);
    let mut allowed = 0usize;
    let mut most = 0usize;
    for q in &questions {
        let optouts: Vec<&str> = q.optouts.iter().map(String::as_str).collect();
        // The writer writes what the JSON says.
        write(&mut writer, q, &optouts);
        let expected = Subject::from_json_str(&policy, &q.json.to_string(), now).unwrap();
        assert_eq!(writer.subject(), &expected, "{}", q.json);
        let count = allocations_during(|| {
            write(&mut writer, q, &optouts);
            let decision = policy
                .decide_use_by_name(&q.purpose, &q.data, writer.subject(), Some(&q.region))
                .unwrap();
            allowed += usize::from(decision.allowed());
        });
        most = most.max(count);
    }
    assert!(most <= 1, "a by-name decision allocated {most} times");
    // Not all one answer: the questions are about half allowed.
    assert!(allowed > 300 && allowed < 700, "{allowed} of 1000 allowed");
}
