//! A `SubjectBuilder` allocates only for what it stores: on the peers' scenario
//! (benches/data/peers-x1.*), each question's subject is built by name under a counting
//! allocator, and the count is bounded by the lists the subject holds — the attribute table,
//! then each list (consents, objections, a set's members) once and once more per four
//! members it grows by. Paths such as `consents[2].given_at` are written out only for an
//! error; written out for every record (two strings per consent), the count fails the bound.
//! The subjects built equal those read from the questions' JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::System;

use lawful::eval::{AttrInput, SubjectBuilder};
use lawful::{CompileOptions, Subject};
use serde_json::Value;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The counters are global: this file holds a single test so nothing else runs meanwhile.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// The most allocations a list of `n` members may take: one, then one more per four.
fn list(n: usize) -> usize {
    n.min(1) + n / 4
}

#[test]
fn building_a_subject_allocates_only_for_what_it_holds() {
    let text = std::fs::read_to_string("benches/data/peers-x1.lawful").unwrap();
    let policy = lawful::compile_str_with("peers-x1.lawful", &text, CompileOptions::deciding())
        .unwrap()
        .policy;
    let now: jiff::Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let lines = std::fs::read_to_string("benches/data/peers-x1.queries.jsonl").unwrap();
    let mut with_consents = 0;
    for line in lines.lines().take(1000) {
        let question: Value = serde_json::from_str(line).unwrap();
        let s = &question["subject"];
        let region = s["region"].as_str().unwrap();
        let age = s["age"].as_i64().unwrap();
        let consents: Vec<(&str, jiff::Timestamp)> = s["consents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let at = c["given_at"].as_str().unwrap().parse().unwrap();
                (c["purpose"].as_str().unwrap(), at)
            })
            .collect();
        let objections = strings(&s["objections"]);
        let optouts = strings(&s["attributes"]["optouts"]);
        let optouts: Vec<&str> = optouts.iter().map(String::as_str).collect();

        let counting = Region::new(GLOBAL);
        let mut builder = SubjectBuilder::new(&policy, now)
            .region(region)
            .unwrap()
            .age(age)
            .unwrap();
        for &(purpose, at) in &consents {
            builder = builder.consent(purpose, at).unwrap();
        }
        for objection in &objections {
            builder = builder.objection(objection).unwrap();
        }
        let subject = builder
            .attribute("optouts", AttrInput::Set(&optouts))
            .unwrap()
            .build();
        let change = counting.change();

        let expected = Subject::from_json_str(&policy, &s.to_string(), now).unwrap();
        assert_eq!(subject, expected, "{s}");
        let most = 1 + list(consents.len()) + list(objections.len()) + list(optouts.len());
        let count = change.allocations + change.reallocations;
        assert!(
            count <= most,
            "building {s} allocated {count} times, more than the {most} its lists need"
        );
        with_consents += usize::from(!consents.is_empty());
    }
    // The bound was put to the test: most subjects consent to something.
    assert!(with_consents > 500, "{with_consents} of 1000 with consents");
}
