//! Sharing one policy across threads, and reloading it while they keep deciding: readers
//! `load()` the current policy per request; a new policy is swapped in only once it has
//! compiled, so a policy that fails to check never reaches them.
//! `cargo run --example threads`

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use lawful::eval::SharedPolicy;
use lawful::Subject;

const POLICY: &str = r#"
    policy "Shop" { controller "Shop GmbH" }
    use std::regions
    category user.contact.email
    purpose support "Answer support requests" { uses user.contact.email basis contract }
    purpose marketing.direct "Newsletters" { uses user.contact.email basis consent }
"#;

/// Ask, by name: names stay valid across reloads, while a prepared handle belongs to the
/// policy it was made for (with a reloaded one it is an error, `QueryError::OtherPolicy`).
fn allowed(shared: &SharedPolicy, purpose: &str) -> bool {
    let policy = shared.load();
    let subject = Subject::from_json_str(&policy, r#"{"region": "DE"}"#, jiff::Timestamp::now());
    subject
        .ok()
        .and_then(|s| {
            policy
                .decide_use_by_name(purpose, "user.contact.email", &s, None)
                .ok()
        })
        .is_some_and(|d| d.allowed())
}

/// Compile and swap in; on failure keep serving the current policy.
fn reload(shared: &SharedPolicy, text: &str) {
    match lawful::compile_str("shop.lawful", text) {
        Ok(compiled) => {
            shared.store(compiled.policy);
            println!("reloaded");
        }
        Err(failed) => println!("kept the current policy: {failed}"),
    }
}

fn main() -> Result<(), lawful::Failed> {
    let shared = SharedPolicy::new(lawful::compile_str("shop.lawful", POLICY)?.policy);
    let decided = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    // Every reader sees a policy that checked: `support` is always allowed.
                    assert!(allowed(&shared, "support"));
                    decided.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_millis(50));
        println!(
            "marketing allowed: {}",
            allowed(&shared, "marketing.direct")
        );

        // A new version: marketing on legitimate interest. It checks, so it goes in.
        reload(
            &shared,
            &POLICY.replace("basis consent", "basis legitimate_interest"),
        );
        println!(
            "marketing allowed: {}",
            allowed(&shared, "marketing.direct")
        );

        // A broken edit (`uses` an undeclared category): it never goes in.
        reload(
            &shared,
            &POLICY.replace(
                "uses user.contact.email basis contract",
                "uses user.contact.mail basis contract",
            ),
        );
        println!(
            "marketing allowed: {}",
            allowed(&shared, "marketing.direct")
        );

        std::thread::sleep(Duration::from_millis(50));
        done.store(true, Ordering::Relaxed);
    });
    println!(
        "{} decisions on 4 threads, none on a broken policy",
        decided.into_inner()
    );
    Ok(())
}
