//! Print a synthetic policy of a given scale, for timing `lawful check` on large inputs:
//! `cargo run --release --example synth -- 10000 > /tmp/synth.lawful`.

fn main() {
    let scale = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    print!("{}", lawful::synth::policy(scale));
}
