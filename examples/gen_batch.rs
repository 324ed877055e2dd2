//! Write a deterministic JSON Lines stream of batch queries over `policies/anker.lawful`,
//! for measuring `lawful batch` end to end (see README.md, "Batch"):
//!
//! ```sh
//! cargo run --release --example gen_batch -- 2000000 > /tmp/queries.jsonl
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() {
    let lines = std::env::args()
        .nth(1)
        .map_or(2_000_000, |n| n.parse().expect("the number of lines"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    let policy = lawful::compile_file(path).unwrap().policy;
    let subjects = lawful::batch::sample::ANKER_SUBJECTS;
    lawful::batch::sample::write(&policy, &subjects, lines, std::io::stdout().lock()).unwrap();
}
