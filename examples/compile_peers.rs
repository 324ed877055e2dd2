//! Compiles a policy for deciding a number of times, for instruction counts: `valgrind
//! --tool=callgrind target/release/examples/compile_peers benches/data/peers-x100.lawful 3`
//! (README, "The peers' scenario"). Prints the wall time of each round.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "benches/data/peers-x100.lawful".to_owned());
    let rounds: usize = args.next().map_or(Ok(3), |n| n.parse())?;
    let parse_only = args.next().is_some_and(|a| a == "parse");
    let text = std::fs::read_to_string(&path)?;
    for _ in 0..rounds {
        let start = Instant::now();
        if parse_only {
            let parsed = lawful::syntax::parse(lawful::source::SourceId(0), &text);
            if parsed.is_err() {
                return Err(format!("{path} does not parse").into());
            }
        } else {
            let compiled =
                lawful::compile_str_with(&path, &text, lawful::CompileOptions::deciding())
                    .map_err(|failed| format!("{path} does not compile: {failed}"))?;
            std::hint::black_box(compiled.policy);
        }
        println!("{:.2} ms", start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}
