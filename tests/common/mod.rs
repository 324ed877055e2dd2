//! What the behaviour tests share: a policy compiled from its text and a subject read from
//! JSON at a fixed instant. Each test file is a crate of its own and uses some of it.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use lawful::{Policy, Subject};

/// The instant subjects are read at: after every consent date the tests write.
pub fn now() -> jiff::Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// The policy `text` compiles to, or a panic that lists its diagnostics.
pub fn compile(name: &str, text: &str) -> Policy {
    match lawful::compile_str(name, text) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{name} does not compile: {:#?}", failed.diagnostics),
    }
}

/// The subject a JSON document describes, read at [`now`].
pub fn subject(policy: &Policy, json: &str) -> Subject {
    Subject::from_json_str(policy, json, now()).unwrap_or_else(|e| panic!("{json}: {e}"))
}
