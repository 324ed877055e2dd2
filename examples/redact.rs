//! Redacting a record before it goes to the marketing pipeline: the field mask says which
//! of the record's fields the purpose may use for this subject; the others are removed.
//! `cargo run --example redact`

use lawful::eval::MaskQuery;
use lawful::Subject;
use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    let policy = lawful::compile_file(path)?.policy;
    let purpose = policy.purpose("marketing.communications.newsletter")?;

    // A customer record, keyed by the policy's field names.
    let record = json!({
        "account.email": "ada@example.com",
        "account.name": "Ada Lovelace",
        "account.date_of_birth": "1815-12-10",
        "session.ip": "203.0.113.7",
        "orders.purchases": ["soundcore Liberty 4"],
        "newsletter.engagement": {"opened": 12, "clicked": 3},
    });
    let Value::Object(fields) = &record else {
        return Ok(());
    };
    // Resolve the record's fields once (an unknown field is an error, never passed on).
    let ids = fields
        .keys()
        .map(|name| policy.field(name))
        .collect::<Result<Vec<_>, _>>()?;
    let mask = MaskQuery::new(&policy, purpose, &ids);
    let mut allowed = vec![false; ids.len()];

    let now = jiff::Timestamp::now();
    for subject in [
        r#"{"region": "DE", "kind": "user", "consents": [{"purpose": "marketing.communications", "given_at": "2024-05-01"}]}"#,
        r#"{"region": "DE", "kind": "user"}"#,
    ] {
        let subject = Subject::from_json_str(&policy, subject, now)?;
        policy.field_mask(&mask, &subject, &mut allowed)?;
        let redacted: serde_json::Map<String, Value> = fields
            .iter()
            .zip(&allowed)
            .filter(|(_, &ok)| ok)
            .map(|((name, value), _)| (name.clone(), value.clone()))
            .collect();
        println!("{}", Value::Object(redacted));
    }
    Ok(())
}
