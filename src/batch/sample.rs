//! A deterministic stream of batch queries over a policy, for `benches/batch.rs` and
//! `examples/gen_batch.rs`: not part of the API.

use std::io::{self, Write};

use crate::model::Policy;

/// Five subjects for `policies/anker.lawful` (and any policy with these regions and purposes).
pub const ANKER_SUBJECTS: [&str; 5] = [
    r#"{"region":"DE","age":34,"consents":[{"purpose":"marketing","given_at":"2024-01-01"},{"purpose":"analytics","given_at":"2024-01-01"}]}"#,
    r#"{"region":"US-CA","age":30,"gpc":true,"opt_outs":["sale"]}"#,
    r#"{"region":"FR","age":15,"objections":["marketing"]}"#,
    r#"{"region":"GB","restricted":true}"#,
    r#"{"region":"CN","age":40,"kind":"family_member"}"#,
];

/// Write `lines` query lines to `out`, each with a numeric `id`: a declared purpose, three
/// times in four a field of a category it uses (else any field), one line in eight a
/// disclosure to a random recipient, about one of `subjects` (raw JSON, one line each).
/// The same arguments always give the same stream.
pub fn write(policy: &Policy, subjects: &[&str], lines: usize, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n.max(1) as u64).unwrap_or(0)
    };
    let declared: Vec<_> = policy
        .purposes
        .iter()
        .filter(|p| p.provenance.is_some())
        .collect();
    // The fields each declared purpose may use.
    let usable: Vec<Vec<&str>> = declared
        .iter()
        .map(|p| {
            policy
                .fields
                .iter()
                .filter(|f| p.uses.contains(f.category.index()))
                .map(|f| f.info.name.as_str())
                .collect()
        })
        .collect();
    for id in 0..lines {
        let which = next(declared.len());
        let (Some(purpose), Some(usable)) = (declared.get(which), usable.get(which)) else {
            break;
        };
        let data = match usable.len() {
            n if id % 4 != 0 && n > 0 => usable.get(next(n)).copied(),
            _ => policy
                .fields
                .get(next(policy.fields.len()))
                .map(|f| f.info.name.as_str()),
        };
        let subject = subjects.get(next(subjects.len())).copied().unwrap_or("{}");
        let recipient = if id % 8 == 0 {
            policy.recipients.get(next(policy.recipients.len()))
        } else {
            None
        };
        let data = serde_json::to_string(data.unwrap_or(""))?;
        let purpose = serde_json::to_string(&purpose.info.name)?;
        match recipient {
            Some(r) => {
                let recipient = serde_json::to_string(&r.info.name)?;
                writeln!(
                    out,
                    r#"{{"id":{id},"kind":"disclose","purpose":{purpose},"data":{data},"recipient":{recipient},"subject":{subject}}}"#
                )?;
            }
            None => writeln!(
                out,
                r#"{{"id":{id},"kind":"use","purpose":{purpose},"data":{data},"subject":{subject}}}"#
            )?,
        }
    }
    out.flush()
}
