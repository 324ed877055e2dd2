//! The peers' scenario at ×100 (`benches/data/peers-x100.lawful`, 1 MB): large enough that
//! compiling parses it in pieces on several threads (on a machine with more than one core)
//! and frees its syntax trees on another. The same text with every line indented by one
//! space leaves no line to cut before, so it is parsed in one go: both must answer each of
//! the scenario's 4,096 questions alike, the column of the deciding rule aside (one further
//! right).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lawful::batch::Batch;
use lawful::Policy;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data");

fn compile(text: &str) -> Policy {
    lawful::compile_str_with(
        "peers-x100.lawful",
        text,
        lawful::CompileOptions::deciding(),
    )
    .unwrap_or_else(|failed| panic!("{failed}"))
    .policy
}

fn answers(policy: &Policy, questions: &str) -> Vec<Value> {
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut out = Vec::new();
    Batch::new(policy, now)
        .run(questions.as_bytes(), &mut out)
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_large_policy_parsed_in_pieces_answers_as_parsed_in_one_go() {
    let text = std::fs::read_to_string(format!("{DIR}/peers-x100.lawful")).unwrap();
    let questions = std::fs::read_to_string(format!("{DIR}/peers-x100.queries.jsonl")).unwrap();
    assert!(text.len() > 512 * 1024);
    let indented: String = text.lines().map(|line| format!(" {line}\n")).collect();

    let in_pieces = compile(&text);
    let in_one_go = compile(&indented);
    assert_eq!(in_pieces.purposes().len(), in_one_go.purposes().len());

    let (mut left, right) = (
        answers(&in_pieces, &questions),
        answers(&in_one_go, &questions),
    );
    assert_eq!(left.len(), 4096);
    let mut allowed = 0;
    for answer in &mut left {
        if let Some(column) = answer.pointer_mut("/rule/column") {
            *column = Value::from(column.as_u64().unwrap() + 1);
        }
        allowed += usize::from(answer["outcome"] == "allow");
    }
    assert_eq!(left, right);
    // Both kinds of answer are there to compare.
    assert!(allowed > 500 && allowed < 3600, "{allowed} allowed");
}
