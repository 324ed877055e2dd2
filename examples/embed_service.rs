//! Embedding `lawful` in a service: compile the policy once at start-up, prepare the
//! handles the endpoint needs, then decide on every request and log the decision as one
//! JSON line. `cargo run --example embed_service`

use lawful::eval::{JsonRenderer, Query};
use lawful::Subject;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Start-up: compile once (a policy with errors never starts the service) …
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    let policy = lawful::compile_file(path)?.policy;
    // … and resolve the names the newsletter endpoint uses: a typo fails here, not later.
    let newsletter = Query::new(
        &policy,
        policy.purpose("marketing.communications.newsletter")?,
        policy.field("account.email")?,
    );
    let mut log = JsonRenderer::new(&policy);
    let mut line = Vec::new();

    // Requests: the subject as the consent-management platform stores it.
    let requests = [
        r#"{"region": "DE", "kind": "user", "consents": [{"purpose": "marketing", "given_at": "2024-05-01"}]}"#,
        r#"{"region": "FR", "kind": "user"}"#,
        r#"{"region": "US-NY", "kind": "user", "opt_outs": ["marketing"]}"#,
    ];
    for request in requests {
        let subject = Subject::from_json_str(&policy, request, jiff::Timestamp::now())?;
        // The hot path: no string hashing, no allocation.
        let decision = policy.decide(&newsletter, &subject)?;
        if decision.allowed() {
            // … send the newsletter …
        }
        line.clear();
        log.write_decision(&decision, &mut line);
        println!("{}", String::from_utf8_lossy(&line));
    }
    Ok(())
}
