//! The ledger's shared suite: every case runs on SQLite (a temporary file) and on
//! PostgreSQL (a fresh database on the server named by `LAWFUL_TEST_POSTGRES_URL`, which
//! `scripts/with-postgres` starts). Without that variable the PostgreSQL cases print that
//! they were skipped — unless `LAWFUL_REQUIRE_POSTGRES=1`, which makes its absence a failure.
#![cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::Timestamp;
use lawful::ledger::{Event, Ledger, LedgerError};
use lawful::Policy;

/// One ledger to test, and how to open more handles on the same storage.
struct Fixture {
    location: String,
    ledger: Ledger,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn reopen(&self) -> Ledger {
        Ledger::open(&self.location).unwrap()
    }

    /// Run SQL on the storage directly, around the library (as another program would).
    fn raw(&self, sql: &str) -> Result<(), String> {
        #[cfg(feature = "ledger-postgres")]
        if self.location.starts_with("postgres") {
            let mut client =
                ::postgres::Client::connect(&self.location, ::postgres::NoTls).unwrap();
            return client.batch_execute(sql).map_err(|e| format!("{e:?}"));
        }
        #[cfg(feature = "ledger-sqlite")]
        {
            let c = rusqlite::Connection::open(&self.location).unwrap();
            c.execute_batch(sql).map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "ledger-sqlite"))]
        unreachable!("{sql}")
    }
}

fn policy() -> Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ledger/shop.lawful");
    lawful::compile_file_with(path, lawful::CompileOptions::deciding())
        .unwrap()
        .policy
}

fn t(text: &str) -> Timestamp {
    lawful::eval::parse_time_str("t", text).unwrap()
}

/// The test clock: every event is recorded as of this instant.
fn now() -> Timestamp {
    t("2025-06-01T00:00:00Z")
}

fn event(policy: &Policy, json: &str) -> Event {
    Event::from_json_str(policy, json, now()).unwrap()
}

fn record(
    f: &Fixture,
    policy: &Policy,
    json: &str,
) -> Result<lawful::ledger::Recorded, LedgerError> {
    let e = Event::from_json_str(policy, json, now())?;
    f.ledger
        .record_at(policy, std::slice::from_ref(&e), now())
        .map(|r| r[0])
}

fn allowed(policy: &Policy, f: &Fixture, user: &str, purpose: &str, as_of: &str) -> bool {
    let subject = f.ledger.materialize(policy, user, Some(t(as_of))).unwrap();
    policy
        .decide_use_by_name(purpose, "orders.email", &subject, None)
        .unwrap()
        .allowed()
}

fn count(f: &Fixture, user: &str) -> usize {
    f.ledger.events(user, None).unwrap().len()
}

#[cfg(feature = "ledger-sqlite")]
fn sqlite() -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("lawful.db").display().to_string();
    Some(Fixture {
        ledger: Ledger::open(&location).unwrap(),
        location,
        _dir: Some(dir),
    })
}

/// A fresh database on the test server for each case, so cases do not see each other.
#[cfg(feature = "ledger-postgres")]
fn postgres() -> Option<Fixture> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("LAWFUL_TEST_POSTGRES_URL") else {
        if std::env::var("LAWFUL_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("LAWFUL_REQUIRE_POSTGRES=1 but LAWFUL_TEST_POSTGRES_URL is not set (run under scripts/with-postgres)");
        }
        eprintln!("skipped: LAWFUL_TEST_POSTGRES_URL is not set (run under scripts/with-postgres)");
        return None;
    };
    let name = format!(
        "lawful_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    // A name made of digits and underscores: an identifier cannot be a parameter.
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url.as_str(), String::new()),
    };
    let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
    let location = format!("{root}/{name}{query}");
    Some(Fixture {
        ledger: Ledger::open(&location).unwrap(),
        location,
        _dir: None,
    })
}

macro_rules! suite {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[test]
                fn $case() {
                    if let Some(fixture) = super::$backend() {
                        super::$case(&fixture);
                    }
                }
            )*
        }
    };
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        #[cfg(feature = "ledger-sqlite")]
        suite!(sqlite: $($case),*);
        #[cfg(feature = "ledger-postgres")]
        suite!(postgres: $($case),*);
    };
}

cases!(
    consent_then_withdrawal_decides_at_every_instant,
    consent_covers_descendants_and_proof_names_it,
    invalid_events_write_nothing,
    idempotency_key_records_once,
    contradictions_are_refused_and_nothing_is_written,
    a_batch_is_all_or_nothing,
    opt_outs_keep_their_time,
    facts_latest_value_wins,
    erase_blanks_facts_and_keeps_consents,
    export_has_everything_and_receipts,
    unknown_user_is_a_subject_with_no_events,
    reopened_ledger_keeps_everything,
    concurrent_writers_lose_nothing,
    the_cache_never_serves_a_withdrawn_consent,
    the_store_is_append_only,
    a_newer_schema_is_refused,
    every_event_type_reads_back_for_decisions,
);

fn consent_then_withdrawal_decides_at_every_instant(f: &Fixture) {
    let p = policy();
    let purpose = "marketing.communications";
    record(
        f,
        &p,
        r#"{"subject":"u1","type":"facts","region":"DE","at":"2024-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    record(f, &p, r#"{"subject":"u1","type":"consent_given","purpose":"marketing.communications","at":"2024-03-01T00:00:00Z","source":"signup-form"}"#).unwrap();
    record(f, &p, r#"{"subject":"u1","type":"consent_withdrawn","purpose":"marketing.communications","at":"2024-05-01T00:00:00Z","source":"unsubscribe-link"}"#).unwrap();
    assert!(
        !allowed(&p, f, "u1", purpose, "2024-02-01T00:00:00Z"),
        "before the consent"
    );
    assert!(
        allowed(&p, f, "u1", purpose, "2024-03-01T00:00:00Z"),
        "at the consent"
    );
    assert!(
        allowed(&p, f, "u1", purpose, "2024-04-30T23:59:59Z"),
        "while it is open"
    );
    assert!(
        !allowed(&p, f, "u1", purpose, "2024-05-01T00:00:00Z"),
        "at the withdrawal"
    );
    assert!(
        !allowed(&p, f, "u1", purpose, "2025-01-01T00:00:00Z"),
        "after it"
    );
    // Given again after the withdrawal: a second record, in force again.
    record(f, &p, r#"{"subject":"u1","type":"consent_given","purpose":"marketing.communications","at":"2024-07-01T00:00:00Z"}"#).unwrap();
    assert!(allowed(&p, f, "u1", purpose, "2025-01-01T00:00:00Z"));
    let subject = f
        .ledger
        .materialize(&p, "u1", Some(t("2025-01-01T00:00:00Z")))
        .unwrap();
    assert_eq!(subject.consents.len(), 2);
    assert_eq!(
        subject.consents[0].withdrawn_at,
        Some(t("2024-05-01T00:00:00Z"))
    );
    assert!(subject.consents[1].is_active());
    // The materialised subject is exactly the one its document resolves to.
    let doc = f
        .ledger
        .document("u1", Some(t("2025-01-01T00:00:00Z")))
        .unwrap();
    assert_eq!(
        lawful::Subject::from_json(&p, &doc, t("2025-01-01T00:00:00Z")).unwrap(),
        subject
    );
}

fn consent_covers_descendants_and_proof_names_it(f: &Fixture) {
    let p = policy();
    record(
        f,
        &p,
        r#"{"subject":"u2","type":"facts","region":"DE","at":"2024-01-01"}"#,
    )
    .unwrap();
    let given = record(f, &p, r#"{"subject":"u2","type":"consent_given","purpose":"marketing","at":"2024-02-01","source":"banner","proof":"form-7"}"#).unwrap();
    assert!(allowed(
        &p,
        f,
        "u2",
        "marketing.communications.newsletter",
        "2024-03-01T00:00:00Z"
    ));
    let proof = f
        .ledger
        .proof(
            &p,
            "u2",
            "marketing.communications.newsletter",
            Some(t("2024-03-01T00:00:00Z")),
        )
        .unwrap();
    assert_eq!(proof.consent, "given");
    assert_eq!(proof.in_force, Some(given.seq));
    let consent = proof.records.iter().find(|r| r.seq == given.seq).unwrap();
    assert_eq!(consent.event.source.as_deref(), Some("banner"));
    assert_eq!(consent.event.proof.as_deref(), Some("form-7"));
    assert_eq!(consent.policy_version.as_deref(), Some("2025-01"));
    assert_eq!(consent.policy_hash, lawful::ledger::policy_hash(&p));
    // The facts event is not part of a consent proof; an unknown purpose is an error.
    assert!(proof
        .records
        .iter()
        .all(|r| r.event.change.type_name() != "facts"));
    let e = f
        .ledger
        .proof(&p, "u2", "marketing.comms", None)
        .unwrap_err();
    assert_eq!(e.code(), "lawful::eval::unknown_purpose");
}

fn invalid_events_write_nothing(f: &Fixture) {
    let p = policy();
    let cases = [
        (
            r#"{"subject":"u3","type":"consent_given","purpose":"marketing.comunications"}"#,
            "purpose",
            "lawful::eval::unknown_purpose",
            Some("did you mean `marketing.communications`"),
        ),
        (
            r#"{"subject":"u3","type":"facts","region":"FR"}"#,
            "region",
            "lawful::eval::unknown_region",
            None,
        ),
        (
            r#"{"subject":"u3","type":"facts","kind":"gest"}"#,
            "kind",
            "lawful::eval::unknown_subject_kind",
            Some("did you mean `guest`"),
        ),
        (
            r#"{"subject":"u3","type":"facts","attributes":{"verifed":true}}"#,
            "attributes.verifed",
            "lawful::eval::unknown_attribute",
            Some("did you mean `verified`"),
        ),
        (
            r#"{"subject":"u3","type":"facts","attributes":{"verified":"yes"}}"#,
            "attributes.verified",
            "lawful::subject::attribute_type",
            None,
        ),
        (
            r#"{"subject":"u3","type":"consent_given","purpose":"marketing","at":"2030-01-01T00:00:00Z"}"#,
            "at",
            "lawful::subject::timestamp_in_future",
            None,
        ),
        (
            r#"{"subject":"u3","type":"opt_out_made","kind":"targeted_advertisment"}"#,
            "kind",
            "lawful::eval::unknown_opt_out",
            Some("did you mean `targeted_advertising`"),
        ),
        (
            r#"{"subject":"u3","type":"consent_givn","purpose":"marketing"}"#,
            "type",
            "lawful::ledger::unknown_type",
            Some("did you mean `consent_given`"),
        ),
        (
            r#"{"subject":"u3","type":"consent_given","purpose":"marketing","explict":true}"#,
            "explict",
            "lawful::subject::unknown_field",
            Some("did you mean `explicit`"),
        ),
        (
            r#"{"subject":"u3","type":"consent_given","transfer_to":"US"}"#,
            "transfer_to",
            "lawful::eval::unknown_region",
            None,
        ),
        (
            r#"{"subject":"u3","type":"consent_given","recipient":"couriers","transfer_to":"CA"}"#,
            "transfer_to",
            "lawful::ledger::consent_to_two",
            Some("only one of `purpose`, `recipient` and `transfer_to`"),
        ),
        (
            r#"{"subject":"u3","type":"consent_withdrawn","purpose":"marketing","recipient":"couriers"}"#,
            "recipient",
            "lawful::ledger::consent_to_two",
            None,
        ),
        (
            r#"{"subject":"u3","type":"facts","age":151}"#,
            "age",
            "lawful::subject::age_out_of_range",
            None,
        ),
        (
            r#"{"type":"restriction_started"}"#,
            "subject",
            "lawful::subject::missing_field",
            None,
        ),
    ];
    for (json, field, code, hint) in cases {
        let e = record(f, &p, json).unwrap_err();
        assert_eq!(e.code(), code, "{json}: {e}");
        assert_eq!(e.field(), Some(field), "{json}: {e}");
        if let Some(hint) = hint {
            assert!(e.to_string().contains(hint), "{json}: {e}");
        }
    }
    assert_eq!(count(f, "u3"), 0);
    assert!(f.ledger.subjects().unwrap().is_empty());
}

fn idempotency_key_records_once(f: &Fixture) {
    let p = policy();
    let line = r#"{"subject":"u4","type":"consent_given","purpose":"marketing","at":"2024-01-01","key":"req-881"}"#;
    let first = record(f, &p, line).unwrap();
    let again = record(f, &p, line).unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(first.seq, again.seq);
    // A retry that let `at` default to the time of recording is the same request.
    let retry = record(
        f,
        &p,
        r#"{"subject":"u4","type":"consent_given","purpose":"marketing","key":"req-881"}"#,
    )
    .unwrap();
    assert_eq!((retry.seq, retry.duplicate), (first.seq, true));
    assert_eq!(count(f, "u4"), 1);
    // Another event under the same key is an error, and writes nothing.
    let e = record(
        f,
        &p,
        r#"{"subject":"u4","type":"objection_made","purpose":"marketing","key":"req-881"}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::key_reused");
    assert_eq!(count(f, "u4"), 1);
}

fn contradictions_are_refused_and_nothing_is_written(f: &Fixture) {
    let p = policy();
    let e = record(
        f,
        &p,
        r#"{"subject":"u5","type":"consent_withdrawn","purpose":"marketing","at":"2024-01-01"}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::contradiction", "{e}");
    record(
        f,
        &p,
        r#"{"subject":"u5","type":"consent_given","purpose":"marketing","at":"2024-02-01"}"#,
    )
    .unwrap();
    let e = record(
        f,
        &p,
        r#"{"subject":"u5","type":"consent_given","purpose":"marketing","at":"2024-03-01"}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::contradiction");
    assert!(e.to_string().contains("still open"), "{e}");
    // A withdrawal dated before the consent it would end is a withdrawal before any consent.
    let e = record(
        f,
        &p,
        r#"{"subject":"u5","type":"consent_withdrawn","purpose":"marketing","at":"2024-01-15"}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::contradiction");
    for json in [
        r#"{"subject":"u5","type":"objection_lifted","purpose":"marketing"}"#,
        r#"{"subject":"u5","type":"opt_out_revoked","kind":"sale"}"#,
        r#"{"subject":"u5","type":"restriction_ended"}"#,
    ] {
        assert_eq!(
            record(f, &p, json).unwrap_err().code(),
            "lawful::ledger::contradiction"
        );
    }
    assert_eq!(count(f, "u5"), 1);
}

fn a_batch_is_all_or_nothing(f: &Fixture) {
    let p = policy();
    let good = event(
        &p,
        r#"{"subject":"u6","type":"consent_given","purpose":"marketing","at":"2024-01-01"}"#,
    );
    let other = event(
        &p,
        r#"{"subject":"u7","type":"gpc_signal","at":"2024-01-01"}"#,
    );
    let twice = event(
        &p,
        r#"{"subject":"u6","type":"consent_given","purpose":"marketing","at":"2024-02-01"}"#,
    );
    let e = f
        .ledger
        .record_at(&p, &[good.clone(), other.clone(), twice], now())
        .unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::contradiction");
    assert_eq!((count(f, "u6"), count(f, "u7")), (0, 0));
    let recorded = f.ledger.record_at(&p, &[good, other], now()).unwrap();
    assert_eq!(recorded.len(), 2);
    assert!(recorded[0].seq < recorded[1].seq);
}

fn opt_outs_keep_their_time(f: &Fixture) {
    let p = policy();
    record(
        f,
        &p,
        r#"{"subject":"u8","type":"facts","region":"CA","at":"2024-01-01"}"#,
    )
    .unwrap();
    let made = record(f, &p, r#"{"subject":"u8","type":"opt_out_made","kind":"marketing","at":"2024-03-01","source":"email-footer"}"#).unwrap();
    let revoked = record(
        f,
        &p,
        r#"{"subject":"u8","type":"opt_out_revoked","kind":"marketing","at":"2024-06-01"}"#,
    )
    .unwrap();
    let purpose = "marketing.communications";
    assert!(
        allowed(&p, f, "u8", purpose, "2024-02-01T00:00:00Z"),
        "the opt-out model allows before an opt-out"
    );
    assert!(
        !allowed(&p, f, "u8", purpose, "2024-04-01T00:00:00Z"),
        "opted out"
    );
    assert!(
        allowed(&p, f, "u8", purpose, "2024-07-01T00:00:00Z"),
        "opted back in"
    );
    let events = f.ledger.events("u8", None).unwrap();
    let times: Vec<(i64, Timestamp)> = events.iter().map(|e| (e.seq, e.event.at)).collect();
    assert!(times.contains(&(made.seq, t("2024-03-01"))));
    assert!(times.contains(&(revoked.seq, t("2024-06-01"))));
    // GPC is its own signal: it opts out of sale, which personalization's CA basis needs.
    record(
        f,
        &p,
        r#"{"subject":"u8","type":"gpc_signal","at":"2024-08-01"}"#,
    )
    .unwrap();
    let subject = f
        .ledger
        .materialize(&p, "u8", Some(t("2024-09-01")))
        .unwrap();
    assert!(subject.gpc);
    assert_eq!(subject.opt_outs, 0);
    let d = p
        .decide_use_by_name("personalization", "orders.history", &subject, None)
        .unwrap();
    assert!(!d.allowed());
}

fn facts_latest_value_wins(f: &Fixture) {
    let p = policy();
    record(f, &p, r#"{"subject":"u9","type":"facts","region":"DE","age":15,"kind":"guest","attributes":{"verified":false,"tier":"gold"},"at":"2024-01-01"}"#).unwrap();
    record(f, &p, r#"{"subject":"u9","type":"facts","region":"CA","attributes":{"verified":true,"roles":["admin","staff"]},"at":"2024-02-01"}"#).unwrap();
    let early = f.ledger.document("u9", Some(t("2024-01-15"))).unwrap();
    assert_eq!(early["region"], "DE");
    assert_eq!(early["attributes"]["verified"], false);
    let doc = f.ledger.document("u9", Some(t("2024-03-01"))).unwrap();
    assert_eq!(doc["region"], "CA");
    assert_eq!(doc["age"], 15);
    assert_eq!(doc["kind"], "guest");
    assert_eq!(doc["attributes"]["verified"], true);
    assert_eq!(doc["attributes"]["tier"], "gold");
    assert_eq!(
        doc["attributes"]["roles"],
        serde_json::json!(["admin", "staff"])
    );
    // A birth date gives the age at the instant asked about.
    record(
        f,
        &p,
        r#"{"subject":"u9","type":"facts","birth_date":"2008-06-15","at":"2024-03-01"}"#,
    )
    .unwrap();
    assert_eq!(
        f.ledger.document("u9", Some(t("2024-06-14"))).unwrap()["age"],
        15
    );
    assert_eq!(
        f.ledger.document("u9", Some(t("2024-06-15"))).unwrap()["age"],
        16
    );
    let subject = f
        .ledger
        .materialize(&p, "u9", Some(t("2024-06-15")))
        .unwrap();
    assert_eq!(subject.age, Some(16));
    assert_eq!(subject.region, Some(p.region("CA").unwrap()));
}

fn erase_blanks_facts_and_keeps_consents(f: &Fixture) {
    let p = policy();
    record(f, &p, r#"{"subject":"u10","type":"facts","region":"DE","age":40,"attributes":{"tier":"gold"},"at":"2024-01-01"}"#).unwrap();
    let consent = record(f, &p, r#"{"subject":"u10","type":"consent_given","purpose":"marketing","at":"2024-01-02","source":"signup-form"}"#).unwrap();
    record(
        f,
        &p,
        r#"{"subject":"u10","type":"erasure_requested","at":"2024-02-01"}"#,
    )
    .unwrap();
    assert_eq!(f.ledger.erase("u10").unwrap(), 1);
    assert_eq!(
        f.ledger.erase("u10").unwrap(),
        0,
        "erasing twice blanks nothing more"
    );
    let doc = f.ledger.document("u10", None).unwrap();
    assert!(doc.get("region").is_none() && doc.get("age").is_none());
    assert_eq!(doc["attributes"], serde_json::json!({}));
    assert_eq!(doc["erasure_requested"], true);
    let events = f.ledger.events("u10", None).unwrap();
    assert_eq!(
        events.len(),
        3,
        "the events stay; only the facts' content goes"
    );
    let kept = events.iter().find(|e| e.seq == consent.seq).unwrap();
    assert_eq!(kept.event.source.as_deref(), Some("signup-form"));
    let export = serde_json::to_string(&f.ledger.export("u10").unwrap()).unwrap();
    assert!(!export.contains("gold"), "{export}");
}

fn export_has_everything_and_receipts(f: &Fixture) {
    let p = policy();
    record(f, &p, r#"{"subject":"u11","type":"consent_given","purpose":"marketing","explicit":true,"at":"2024-01-01","source":"app","proof":"screen-3"}"#).unwrap();
    record(
        f,
        &p,
        r#"{"subject":"u11","type":"consent_withdrawn","purpose":"marketing","at":"2024-02-01"}"#,
    )
    .unwrap();
    record(f, &p, r#"{"subject":"u11","type":"objection_made","purpose":"personalization","at":"2024-03-01"}"#).unwrap();
    let export = f.ledger.export("u11").unwrap();
    assert_eq!(export.events.len(), 3);
    assert_eq!(
        export.current["objections"],
        serde_json::json!(["personalization"])
    );
    assert_eq!(export.consent_receipts.len(), 1);
    let receipt = &export.consent_receipts[0];
    assert_eq!(receipt["pii_principal_id"], "u11");
    assert_eq!(receipt["consent_status"], "withdrawn");
    assert_eq!(receipt["purposes"][0]["lawful_basis"], "explicit_consent");
    assert_eq!(receipt["collection_method"], "app");
    assert_eq!(receipt["evidence"], "screen-3");
    assert_eq!(receipt["notice"]["policy_version"], "2025-01");
}

fn unknown_user_is_a_subject_with_no_events(f: &Fixture) {
    let p = policy();
    let subject = f.ledger.materialize(&p, "nobody", None).unwrap();
    assert_eq!(
        subject,
        lawful::eval::SubjectBuilder::new(&p, now()).build()
    );
    let d = p
        .decide_use_by_name(
            "marketing.communications",
            "orders.email",
            &subject,
            Some("DE"),
        )
        .unwrap();
    assert!(!d.allowed());
}

fn reopened_ledger_keeps_everything(f: &Fixture) {
    let p = policy();
    record(
        f,
        &p,
        r#"{"subject":"u12","type":"restriction_started","at":"2024-01-01"}"#,
    )
    .unwrap();
    let again = f.reopen();
    assert_eq!(again.events("u12", None).unwrap().len(), 1);
    assert!(again.materialize(&p, "u12", None).unwrap().restricted);
    assert_eq!(again.subjects().unwrap(), vec!["u12".to_owned()]);
}

fn concurrent_writers_lose_nothing(f: &Fixture) {
    const WRITERS: usize = 4;
    const EACH: usize = 25;
    let p = std::sync::Arc::new(policy());
    let shared = std::sync::Arc::new(f.reopen());
    std::thread::scope(|scope| {
        for w in 0..WRITERS {
            let p = p.clone();
            // Half the writers share one handle, half open their own.
            let ledger = if w % 2 == 0 { None } else { Some(f.reopen()) };
            let shared = shared.clone();
            scope.spawn(move || {
                let ledger = ledger.as_ref().unwrap_or(&shared);
                for i in 0..EACH {
                    let json = format!(
                        r#"{{"subject":"c{}","type":"gpc_signal","on":{},"at":"2024-01-01","key":"w{w}-{i}"}}"#,
                        i % 3,
                        i % 2 == 0
                    );
                    let e = Event::from_json_str(&p, &json, now()).unwrap();
                    ledger.record_at(&p, &[e], now()).unwrap();
                }
            });
        }
    });
    let total: usize = (0..3).map(|s| count(f, &format!("c{s}"))).sum();
    assert_eq!(total, WRITERS * EACH);
}

fn the_cache_never_serves_a_withdrawn_consent(f: &Fixture) {
    let p = policy();
    record(f, &p, r#"{"subject":"u13","type":"facts","region":"DE","birth_date":"2000-02-29","at":"2024-01-01"}"#).unwrap();
    record(
        f,
        &p,
        r#"{"subject":"u13","type":"consent_given","purpose":"marketing","at":"2024-01-02"}"#,
    )
    .unwrap();
    let decide = |subject: &lawful::Subject| {
        p.decide_use_by_name("marketing.communications", "orders.email", subject, None)
            .unwrap()
            .allowed()
    };
    let first = f.ledger.current(&p, "u13").unwrap();
    assert!(decide(&first));
    let again = f.ledger.current(&p, "u13").unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "served from the cache"
    );
    assert_eq!(*first, f.ledger.materialize(&p, "u13", None).unwrap());
    record(
        f,
        &p,
        r#"{"subject":"u13","type":"consent_withdrawn","purpose":"marketing","at":"2024-02-01"}"#,
    )
    .unwrap();
    assert!(
        !decide(&f.ledger.current(&p, "u13").unwrap()),
        "no stale allow after a withdrawal"
    );
    // A refused write still drops the subject (and changes nothing).
    assert!(record(f, &p, r#"{"subject":"u13","type":"restriction_ended"}"#).is_err());
    assert!(!decide(&f.ledger.current(&p, "u13").unwrap()));
    // Erasure drops it too: the region goes, so the subject has none.
    f.ledger.erase("u13").unwrap();
    assert_eq!(f.ledger.current(&p, "u13").unwrap().region, None);
}

fn the_store_is_append_only(f: &Fixture) {
    let p = policy();
    record(
        f,
        &p,
        r#"{"subject":"u14","type":"consent_given","purpose":"marketing","at":"2024-01-01"}"#,
    )
    .unwrap();
    record(
        f,
        &p,
        r#"{"subject":"u14","type":"facts","region":"DE","at":"2024-01-01"}"#,
    )
    .unwrap();
    let e = f.raw("DELETE FROM lawful_ledger_events").unwrap_err();
    assert!(e.contains("append-only"), "{e}");
    let e = f
        .raw("UPDATE lawful_ledger_events SET at_s = 0 WHERE type = 'consent_given'")
        .unwrap_err();
    assert!(e.contains("append-only"), "{e}");
    let e = f
        .raw("UPDATE lawful_ledger_events SET body = '{}' WHERE type = 'consent_given'")
        .unwrap_err();
    assert!(e.contains("append-only"), "{e}");
    assert_eq!(count(f, "u14"), 2);
}

fn a_newer_schema_is_refused(f: &Fixture) {
    f.raw("INSERT INTO lawful_ledger_schema (version) VALUES (99)")
        .unwrap();
    let e = Ledger::open(&f.location).unwrap_err();
    assert_eq!(e.code(), "lawful::ledger::schema_too_new");
    assert!(e.to_string().contains("version 99"), "{e}");
}

/// The server drops the connection (a restart, a failover): the next read is an error or the
/// right answer — never a subject read from nothing — and the handle reconnects after.
#[cfg(feature = "ledger-postgres")]
#[test]
fn postgres_connection_lost_fails_closed_then_reconnects() {
    let Some(f) = postgres() else { return };
    let p = policy();
    record(
        &f,
        &p,
        r#"{"subject":"u15","type":"facts","region":"DE","at":"2024-01-01"}"#,
    )
    .unwrap();
    record(
        &f,
        &p,
        r#"{"subject":"u15","type":"consent_given","purpose":"marketing","at":"2024-01-02"}"#,
    )
    .unwrap();
    let expected = f.ledger.materialize(&p, "u15", None).unwrap();
    f.raw(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .unwrap();
    match f.ledger.materialize(&p, "u15", None) {
        Ok(subject) => assert_eq!(subject, expected),
        Err(e) => {
            eprintln!("first read after the drop: {e}");
            assert_eq!(e.code(), "lawful::ledger::storage", "{e}");
        }
    }
    assert_eq!(f.ledger.materialize(&p, "u15", None).unwrap(), expected);
}

/// A decision reads events through the backend's lean read (`Store::changes`); the subject
/// document through whole events. With every event type in the history, at every instant
/// the two resolve to the same subject.
fn every_event_type_reads_back_for_decisions(f: &Fixture) {
    let p = policy();
    let lines = [
        r#"{"subject":"u7","type":"facts","region":"CA","age":40,"kind":"guest","attributes":{"verified":true},"at":"2024-01-01"}"#,
        r#"{"subject":"u7","type":"consent_given","purpose":"marketing.communications","explicit":true,"at":"2024-01-02"}"#,
        r#"{"subject":"u7","type":"consent_given","recipient":"couriers","at":"2024-01-02T06:00:00Z"}"#,
        r#"{"subject":"u7","type":"consent_given","transfer_to":"CA","explicit":true,"at":"2024-01-02T12:00:00Z"}"#,
        r#"{"subject":"u7","type":"objection_made","purpose":"personalization","at":"2024-01-03"}"#,
        r#"{"subject":"u7","type":"opt_out_made","kind":"sale","at":"2024-01-04"}"#,
        r#"{"subject":"u7","type":"opt_out_made","kind":"marketing","channel":"email","at":"2024-01-04T12:00:00Z"}"#,
        r#"{"subject":"u7","type":"gpc_signal","on":true,"at":"2024-01-05"}"#,
        r#"{"subject":"u7","type":"restriction_started","at":"2024-01-06"}"#,
        r#"{"subject":"u7","type":"parental_consent_given","at":"2024-01-07"}"#,
        r#"{"subject":"u7","type":"consent_withdrawn","purpose":"marketing.communications","at":"2024-01-08"}"#,
        r#"{"subject":"u7","type":"consent_withdrawn","recipient":"couriers","at":"2024-01-08T06:00:00Z"}"#,
        r#"{"subject":"u7","type":"consent_withdrawn","transfer_to":"CA","at":"2024-01-08T12:00:00Z"}"#,
        r#"{"subject":"u7","type":"objection_lifted","purpose":"personalization","at":"2024-01-09"}"#,
        r#"{"subject":"u7","type":"opt_out_revoked","kind":"sale","at":"2024-01-10"}"#,
        r#"{"subject":"u7","type":"gpc_signal","on":false,"at":"2024-01-11"}"#,
        r#"{"subject":"u7","type":"restriction_ended","at":"2024-01-12"}"#,
        r#"{"subject":"u7","type":"erasure_requested","at":"2024-01-13"}"#,
        r#"{"subject":"u7","type":"account_deleted","at":"2024-01-14"}"#,
    ];
    for line in lines {
        record(f, &p, line).unwrap();
    }
    for day in 1..=15 {
        let at = t(&format!("2024-01-{day:02}"));
        let document = f.ledger.document("u7", Some(at)).unwrap();
        assert_eq!(
            f.ledger.materialize(&p, "u7", Some(at)).unwrap(),
            lawful::Subject::from_json(&p, &document, at).unwrap(),
            "as of {at}: {document}"
        );
    }
}
