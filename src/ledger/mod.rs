//! The subject ledger: "for user Z" made literal. An append-only log of what happened to
//! each data subject — consents given and withdrawn, objections, opt-outs, GPC, restriction,
//! erasure, declared facts — from which the [`Subject`] the evaluator reads is folded, as of
//! now or any past instant.
//!
//! - Every event is validated against the compiled policy before it is written (unknown
//!   names with the closest declared one, wrong attribute types, timestamps in the future);
//!   a refused event writes nothing.
//! - Events are never updated in place. The one exception is [`Ledger::erase`], which
//!   blanks the declared facts of a subject (GDPR Art. 17) and keeps the consent records
//!   that prove what was allowed (Art. 7(1), 17(3)(e)); see `docs/ledger.md`.
//! - A contradictory history (a consent given twice without a withdrawal between, a
//!   withdrawal with no consent in force) is refused on write and is an error on read: never
//!   a silent allow.
//! - Each event records the content hash and the version of the policy in force when it
//!   was written ([`policy_hash`]).
//!
//! Storage sits behind [`Store`]: SQLite (feature `ledger-sqlite`, one file, WAL mode) and
//! PostgreSQL (feature `ledger-postgres`). [`Ledger`] is `Send + Sync`: each backend keeps one
//! connection behind a mutex, so share a handle between threads, or open one per thread for
//! parallel writes.
//!
//! ```
//! # #[cfg(feature = "ledger-sqlite")] {
//! use lawful::ledger::{Event, Ledger};
//! let policy = lawful::compile_str("shop.lawful", r#"
//!     policy "Shop" { controller "Shop GmbH" }
//!     region DE "Germany"
//!     category user.contact.email
//!     field orders.email: user.contact.email
//!     purpose marketing.direct { uses user.contact.email basis consent in DE }
//! "#)?.policy;
//! let ledger = Ledger::sqlite_in_memory()?;
//! let now = jiff::Timestamp::now();
//! let line = r#"{"subject": "u42", "type": "consent_given", "purpose": "marketing.direct",
//!                "at": "2024-05-01T00:00:00Z", "source": "signup-form"}"#;
//! ledger.record(&policy, &Event::from_json_str(&policy, line, now)?)?;
//! let facts = r#"{"subject": "u42", "type": "facts", "region": "DE", "at": "2024-05-01"}"#;
//! ledger.record(&policy, &Event::from_json_str(&policy, facts, now)?)?;
//! let subject = ledger.materialize(&policy, "u42", None)?;
//! assert!(policy.decide_use_by_name("marketing.direct", "orders.email", &subject, None)?.allowed());
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod event;
mod fold;
#[cfg(feature = "ledger-postgres")]
mod postgres;
mod record;
#[cfg(feature = "ledger-sqlite")]
mod sqlite;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::eval::SubjectError;
use crate::model::{Policy, PolicyStamp};
use crate::subject::Subject;

pub use event::{Change, Event, Facts, MAX_TEXT_BYTES, TYPES};
pub use record::{ConsentProof, Export};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// Why the ledger refused or failed. Every variant has a stable [`code`](LedgerError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// An event that does not fit the policy, or a malformed field; nothing was written.
    #[error("{0}")]
    Invalid(SubjectError),
    /// An event of a shape the ledger does not take (unknown type, both `age` and
    /// `birth_date` …); nothing was written.
    #[error("{}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
    BadEvent {
        /// The field at fault (empty for the event as a whole).
        field: String,
        /// What is wrong.
        message: String,
        /// Stable code.
        code: &'static str,
    },
    /// The idempotency key was used before for a different event.
    #[error("key `{key}` was already used by event #{seq} for a different event")]
    KeyReused {
        /// The key.
        key: String,
        /// The event recorded under it.
        seq: i64,
    },
    /// The subject's history would contradict itself (or does, in a ledger written by
    /// other means).
    #[error("subject `{subject}`, event #{seq}: {message}")]
    Contradiction {
        /// The subject.
        subject: String,
        /// The event at fault (for a refused write, the sequence number it would have had).
        seq: i64,
        /// What contradicts what.
        message: String,
    },
    /// The subject's recorded state does not fit this policy (a name it no longer declares).
    #[error("subject `{subject}` as recorded does not fit this policy: {error}")]
    Stale {
        /// The subject.
        subject: String,
        /// What does not fit.
        error: SubjectError,
    },
    /// A purpose named in a question that the policy does not declare.
    #[error("{0}")]
    Name(crate::eval::NameError),
    /// The database failed or cannot be reached: every decision that needs it is an error.
    #[error("ledger storage: {0}")]
    Storage(String),
    /// The file or database is not a lawful ledger (corrupt, or another program's).
    #[error("`{location}` is not a lawful ledger: {detail}")]
    NotALedger {
        /// The file or URL (without its password).
        location: String,
        /// What was found.
        detail: String,
    },
    /// The ledger was written by a newer `lawful` with a schema this one does not know.
    #[error("the ledger's schema is version {found}; this lawful reads up to {supported}")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
}

impl LedgerError {
    /// Stable code: `lawful::ledger::…`, or the subject document's code for an invalid
    /// field (`lawful::eval::unknown_purpose`, `lawful::subject::timestamp_in_future` …).
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Invalid(e) | LedgerError::Stale { error: e, .. } => e.code(),
            LedgerError::BadEvent { code, .. } => code,
            LedgerError::KeyReused { .. } => "lawful::ledger::key_reused",
            LedgerError::Contradiction { .. } => "lawful::ledger::contradiction",
            LedgerError::Name(e) => e.code(),
            LedgerError::Storage(_) => "lawful::ledger::storage",
            LedgerError::NotALedger { .. } => "lawful::ledger::not_a_ledger",
            LedgerError::SchemaTooNew { .. } => "lawful::ledger::schema_too_new",
        }
    }

    /// The field at fault, for an event that was refused (`purpose`, `attributes.tier` …).
    pub fn field(&self) -> Option<&str> {
        match self {
            LedgerError::Invalid(e) => Some(&e.field),
            LedgerError::BadEvent { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<SubjectError> for LedgerError {
    fn from(e: SubjectError) -> Self {
        LedgerError::Invalid(e)
    }
}

/// An event as stored: its sequence number, when it was recorded, and the policy in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    /// Sequence number: unique in the ledger, increasing in the order of recording.
    pub seq: i64,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// When the ledger recorded it.
    pub recorded_at: Timestamp,
    /// The content hash of the policy it was validated against ([`policy_hash`]).
    pub policy_hash: String,
    /// That policy's `version`, as written in its header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
}

/// What a decision reads of one event: when it happened, where it stands in the order of
/// recording, and what changed — not who recorded it, from where, or under which policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happened {
    /// The event's sequence number.
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// What changed.
    pub change: Change,
}

impl Happened {
    /// One stored row: the change from its lean columns ([`Change::lean`]) where they make
    /// one, else from its JSON `body` (facts, and rows written before schema version 2).
    #[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres"))]
    pub(crate) fn from_row(
        seq: i64,
        ty: &str,
        (at_second, at_nanosecond): (i64, i32),
        (name, flag): (Option<String>, Option<bool>),
        body: &str,
    ) -> Result<Happened, LedgerError> {
        let unreadable =
            |e: String| LedgerError::Storage(format!("event #{seq} cannot be read: {e}"));
        if let Some(change) = flag.and_then(|flag| Change::from_lean(ty, name, flag)) {
            let at =
                Timestamp::new(at_second, at_nanosecond).map_err(|e| unreadable(e.to_string()))?;
            return Ok(Happened { seq, at, change });
        }
        let event = event::decode_stored(body).map_err(unreadable)?;
        Ok(Happened {
            seq,
            at: event.at,
            change: event.change,
        })
    }
}

impl From<StoredEvent> for Happened {
    fn from(stored: StoredEvent) -> Happened {
        Happened {
            seq: stored.seq,
            at: stored.event.at,
            change: stored.event.change,
        }
    }
}

/// The outcome of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// The event's sequence number.
    pub seq: i64,
    /// The write repeated an earlier one with the same key: nothing new was recorded and
    /// `seq` is the earlier event's.
    pub duplicate: bool,
}

/// An event about to be written, with what the ledger adds.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The event, validated.
    pub event: Event,
    /// Its JSON, as stored.
    pub body: String,
    /// The time of recording.
    pub recorded_at: Timestamp,
    /// [`policy_hash`] of the policy in force.
    pub policy_hash: String,
    /// That policy's version.
    pub policy_version: Option<String>,
}

/// The operations a backend performs inside one write transaction; [`append_in`] is the
/// one write algorithm, shared by every backend.
pub trait Transaction {
    /// The event recorded under idempotency key `key`, if any.
    fn find_key(&mut self, key: &str) -> Result<Option<StoredEvent>, LedgerError>;
    /// Every event of `subject`, in any order.
    fn subject_events(&mut self, subject: &str) -> Result<Vec<StoredEvent>, LedgerError>;
    /// Write one event; returns its sequence number.
    fn insert(&mut self, pending: &Pending) -> Result<i64, LedgerError>;
}

/// A ledger backend. Implementations keep the events, never change them (but for
/// [`Store::erase_facts`]), and run [`append_in`] in one transaction per batch.
pub trait Store: Send + Sync + fmt::Debug {
    /// Write `events` atomically: all of them or, on any error, none.
    fn append(&self, events: &[Pending]) -> Result<Vec<Recorded>, LedgerError>;
    /// The events of `subject` that happened at or before `as_of` (all when `None`), in any
    /// order.
    fn events(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<StoredEvent>, LedgerError>;
    /// What happened to `subject` at or before `as_of` (everything when `None`), in any
    /// order: the part of each event a decision reads. A cache miss on the decision path
    /// reads this, so a backend may answer it without reading whole events; by default it
    /// reads them.
    fn changes(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<Happened>, LedgerError> {
        Ok(self
            .events(subject, as_of)?
            .into_iter()
            .map(Happened::from)
            .collect())
    }
    /// Blank the declared facts of `subject` (the `facts` events keep their time and
    /// sequence number, not their content); returns how many were blanked.
    fn erase_facts(
        &self,
        subject: &str,
        erased_body: &dyn Fn(&Event) -> String,
    ) -> Result<usize, LedgerError>;
    /// Every subject id with at least one event, sorted.
    fn subjects(&self) -> Result<Vec<String>, LedgerError>;
}

/// The write algorithm, run by a backend inside its transaction: for each event, a repeated
/// idempotency key returns the earlier record (or is [`LedgerError::KeyReused`]); the rest
/// are inserted; then each subject touched is folded whole, and a contradiction fails the
/// batch (the backend then rolls back).
pub fn append_in(
    tx: &mut dyn Transaction,
    events: &[Pending],
) -> Result<Vec<Recorded>, LedgerError> {
    let mut out = Vec::with_capacity(events.len());
    let mut histories: BTreeMap<String, Vec<StoredEvent>> = BTreeMap::new();
    for pending in events {
        if let Some(key) = &pending.event.key {
            if let Some(earlier) = tx.find_key(key)? {
                if same_request(&earlier.event, &pending.event) {
                    out.push(Recorded {
                        seq: earlier.seq,
                        duplicate: true,
                    });
                    continue;
                }
                return Err(LedgerError::KeyReused {
                    key: key.clone(),
                    seq: earlier.seq,
                });
            }
        }
        let subject = &pending.event.subject;
        if !histories.contains_key(subject) {
            let history = tx.subject_events(subject)?;
            histories.insert(subject.clone(), history);
        }
        let seq = tx.insert(pending)?;
        if let Some(history) = histories.get_mut(subject) {
            history.push(StoredEvent {
                seq,
                event: pending.event.clone(),
                recorded_at: pending.recorded_at,
                policy_hash: pending.policy_hash.clone(),
                policy_version: pending.policy_version.clone(),
            });
        }
        out.push(Recorded {
            seq,
            duplicate: false,
        });
    }
    for history in histories.values() {
        fold::fold(history, Timestamp::MAX)?;
    }
    Ok(out)
}

/// A retry of the same request: the same subject, change, source and proof (its `at` may
/// differ when the client let it default to the time of recording).
fn same_request(a: &Event, b: &Event) -> bool {
    a.subject == b.subject && a.change == b.change && a.source == b.source && a.proof == b.proof
}

/// The content hash of a policy: `sha256:` and the hex SHA-256 of the texts of every file
/// it was compiled from, in load order, each preceded by its length. Recorded with every
/// event, so a consent can be traced to the exact policy text in force.
pub fn policy_hash(policy: &Policy) -> String {
    let mut hasher = Sha256::new();
    let sources = policy.sources();
    let mut id = 0u32;
    while let Some(file) = sources.get(crate::source::SourceId(id)) {
        hasher.update((file.text.len() as u64).to_le_bytes());
        hasher.update(file.text.as_bytes());
        id = id.saturating_add(1);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A subject ledger: events in, subjects out. `Send + Sync`; see the module docs.
#[derive(Debug)]
pub struct Ledger {
    store: Box<dyn Store>,
    location: String,
    cache: Mutex<Cache>,
}

/// The subjects [`Ledger::current`] folded, by id, for the policy with `stamp`. Every write
/// through the handle bumps `generation` and drops the subjects it touches; a fold that
/// started before a write is not kept.
#[derive(Debug, Default)]
struct Cache {
    stamp: Option<PolicyStamp>,
    generation: u64,
    subjects: HashMap<String, Cached>,
}

#[derive(Debug)]
struct Cached {
    subject: Arc<Subject>,
    /// When the subject's age next changes (a birthday); `None`: never by itself.
    until: Option<Timestamp>,
}

/// The most subjects one handle caches; past it the cache starts afresh.
pub const MAX_CACHED_SUBJECTS: usize = 100_000;

impl Ledger {
    /// A ledger over any [`Store`].
    pub fn from_store(store: Box<dyn Store>, location: impl Into<String>) -> Ledger {
        Ledger {
            store,
            location: location.into(),
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Open the ledger at `location`: a `postgres://` or `postgresql://` URL (feature
    /// `ledger-postgres`), anything else a SQLite file path (feature `ledger-sqlite`),
    /// created when missing. The schema is created or migrated on opening.
    pub fn open(location: &str) -> Result<Ledger, LedgerError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            #[cfg(feature = "ledger-postgres")]
            return Ledger::postgres(location);
            #[cfg(not(feature = "ledger-postgres"))]
            return Err(LedgerError::Storage(
                "this build has no PostgreSQL backend (feature `ledger-postgres`)".to_owned(),
            ));
        }
        #[cfg(feature = "ledger-sqlite")]
        return Ledger::sqlite(location);
        #[cfg(not(feature = "ledger-sqlite"))]
        return Err(LedgerError::Storage(
            "this build has no SQLite backend (feature `ledger-sqlite`)".to_owned(),
        ));
    }

    /// A SQLite ledger in the file at `path` (created when missing), in WAL mode.
    #[cfg(feature = "ledger-sqlite")]
    pub fn sqlite(path: impl AsRef<std::path::Path>) -> Result<Ledger, LedgerError> {
        let path = path.as_ref();
        let store = sqlite::SqliteStore::open(path)?;
        Ok(Ledger::from_store(
            Box::new(store),
            path.display().to_string(),
        ))
    }

    /// A SQLite ledger in memory (for tests and examples): gone when dropped.
    #[cfg(feature = "ledger-sqlite")]
    pub fn sqlite_in_memory() -> Result<Ledger, LedgerError> {
        let store = sqlite::SqliteStore::in_memory()?;
        Ok(Ledger::from_store(Box::new(store), ":memory:"))
    }

    /// A PostgreSQL ledger (`postgres://user@host:port/db`); its tables are created in the
    /// connection's schema when missing.
    #[cfg(feature = "ledger-postgres")]
    pub fn postgres(url: &str) -> Result<Ledger, LedgerError> {
        let store = postgres::PostgresStore::connect(url)?;
        Ok(Ledger::from_store(Box::new(store), redact_url(url)))
    }

    /// Where the ledger lives (a path, or a URL without its password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Validate `event` against `policy` and record it; see [`Ledger::record_all`].
    pub fn record(&self, policy: &Policy, event: &Event) -> Result<Recorded, LedgerError> {
        let recorded = self.record_all(policy, std::slice::from_ref(event))?;
        recorded
            .into_iter()
            .next()
            .ok_or_else(|| LedgerError::Storage("the store recorded nothing".to_owned()))
    }

    /// Validate every event against `policy` as of now and record them in one transaction:
    /// all or none. An event repeating an earlier one's idempotency key is not recorded
    /// again ([`Recorded::duplicate`]).
    pub fn record_all(
        &self,
        policy: &Policy,
        events: &[Event],
    ) -> Result<Vec<Recorded>, LedgerError> {
        self.record_at(policy, events, Timestamp::now())
    }

    /// [`Ledger::record_all`] with the time of recording given: no event may lie after
    /// `now`.
    pub fn record_at(
        &self,
        policy: &Policy,
        events: &[Event],
        now: Timestamp,
    ) -> Result<Vec<Recorded>, LedgerError> {
        let hash = policy_hash(policy);
        let version = policy.header().version.clone();
        let mut pending = Vec::with_capacity(events.len());
        for event in events {
            event.validate(policy, now)?;
            let body = serde_json::to_string(event)
                .map_err(|e| LedgerError::Storage(format!("cannot encode the event: {e}")))?;
            pending.push(Pending {
                event: event.clone(),
                body,
                recorded_at: now,
                policy_hash: hash.clone(),
                policy_version: version.clone(),
            });
        }
        let result = self.store.append(&pending);
        // Whatever the outcome (a failed commit may still have landed), no cached subject
        // the batch touches is used again.
        self.forget(events.iter().map(|e| e.subject.as_str()));
        result
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // A panic while holding the lock cannot leave the cache inconsistent in a way that
        // matters: it is emptied.
        self.cache.lock().unwrap_or_else(|poisoned| {
            let mut cache = poisoned.into_inner();
            cache.subjects.clear();
            cache.generation = cache.generation.wrapping_add(1);
            cache
        })
    }

    fn forget<'a>(&self, subjects: impl Iterator<Item = &'a str>) {
        let mut cache = self.cache();
        cache.generation = cache.generation.wrapping_add(1);
        for subject in subjects {
            cache.subjects.remove(subject);
        }
    }

    /// The subject as of now, folded once and then kept by this handle until a write
    /// through it touches the subject (or the subject's age changes on a birthday): the
    /// decision path for a server. Writes made through other handles or processes are seen
    /// only after the subject is dropped from the cache: see `docs/ledger.md`.
    pub fn current(&self, policy: &Policy, subject: &str) -> Result<Arc<Subject>, LedgerError> {
        let generation = {
            let mut cache = self.cache();
            if cache.stamp != Some(policy.stamp()) {
                cache.stamp = Some(policy.stamp());
                cache.subjects.clear();
            }
            if let Some(hit) = cache.subjects.get(subject) {
                // The clock is read only for a subject whose age changes on a birthday.
                if hit.until.is_none_or(|until| Timestamp::now() < until) {
                    return Ok(hit.subject.clone());
                }
            }
            cache.generation
        };
        let now = Timestamp::now();
        let changes = self.store.changes(subject, Some(now))?;
        let state = fold::fold_changes(subject, &changes, now)?;
        let until = state.stable_until(now);
        let resolved = Arc::new(state.resolve(policy, subject, now)?);
        let mut cache = self.cache();
        if cache.generation == generation && cache.stamp == Some(policy.stamp()) {
            if cache.subjects.len() >= MAX_CACHED_SUBJECTS {
                cache.subjects.clear();
            }
            cache.subjects.insert(
                subject.to_owned(),
                Cached {
                    subject: resolved.clone(),
                    until,
                },
            );
        }
        Ok(resolved)
    }

    /// The events of `subject` that happened at or before `as_of` (all when `None`), in the
    /// order they happened (by time, then by sequence number).
    pub fn events(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        let mut events = self.store.events(subject, as_of)?;
        fold::in_order(&mut events);
        Ok(events)
    }

    /// The subject document (the JSON `--subject` reads) of `subject` as of `as_of` (now
    /// when `None`). A subject with no events is a subject who said nothing.
    pub fn document(&self, subject: &str, as_of: Option<Timestamp>) -> Result<Value, LedgerError> {
        let as_of = as_of.unwrap_or_else(Timestamp::now);
        let events = self.store.events(subject, Some(as_of))?;
        Ok(fold::fold(&events, as_of)?.document(as_of))
    }

    /// The [`Subject`] the evaluator reads, folded from `subject`'s events as of `as_of`
    /// (now when `None`): exactly what its subject document resolves to against `policy`.
    pub fn materialize(
        &self,
        policy: &Policy,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Subject, LedgerError> {
        let as_of = as_of.unwrap_or_else(Timestamp::now);
        let changes = self.store.changes(subject, Some(as_of))?;
        fold::fold_changes(subject, &changes, as_of)?.resolve(policy, subject, as_of)
    }

    /// The records that make the answer about consent to `purpose` what it is as of
    /// `as_of`: see [`ConsentProof`].
    pub fn proof(
        &self,
        policy: &Policy,
        subject: &str,
        purpose: &str,
        as_of: Option<Timestamp>,
    ) -> Result<ConsentProof, LedgerError> {
        let as_of = as_of.unwrap_or_else(Timestamp::now);
        let events = self.events(subject, Some(as_of))?;
        record::proof(policy, subject, purpose, events, as_of)
    }

    /// Everything the ledger holds about `subject` (GDPR Art. 15 and 20): see [`Export`].
    pub fn export(&self, subject: &str) -> Result<Export, LedgerError> {
        let events = self.events(subject, None)?;
        record::export(subject, events)
    }

    /// Erase `subject`'s declared facts (region, age, birth date, kind, attributes),
    /// keeping every consent, objection, opt-out and rights event as the proof the law
    /// requires; returns how many `facts` events were blanked.
    pub fn erase(&self, subject: &str) -> Result<usize, LedgerError> {
        let _forget = Forget(self, subject);
        self.store.erase_facts(subject, &|event| {
            let blank = Event {
                change: Change::Facts(Facts {
                    erased: true,
                    ..Facts::default()
                }),
                ..event.clone()
            };
            serde_json::to_string(&blank).unwrap_or_default()
        })
    }

    /// The `consent_given` events of `subject` in force as of `as_of` (now when `None`),
    /// in the order they happened: what to ask again when the policy widens a purpose.
    pub fn open_consents(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        let as_of = as_of.unwrap_or_else(Timestamp::now);
        let events = self.events(subject, Some(as_of))?;
        let state = fold::fold(&events, as_of)?;
        let open: Vec<i64> = state.open_consents().collect();
        Ok(events
            .into_iter()
            .filter(|e| open.contains(&e.seq))
            .collect())
    }

    /// Every subject with at least one event, sorted.
    pub fn subjects(&self) -> Result<Vec<String>, LedgerError> {
        self.store.subjects()
    }
}

/// Drops a subject from the cache when dropped (after the write it guards).
struct Forget<'a>(&'a Ledger, &'a str);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.forget(std::iter::once(self.1));
    }
}

/// `as_of` as the `(at_s, at_ns)` columns compare it: no bound when `None`.
#[cfg(any(feature = "ledger-sqlite", feature = "ledger-postgres"))]
fn at_columns(as_of: Option<Timestamp>) -> (i64, i32) {
    as_of.map_or((i64::MAX, i32::MAX), |t| {
        (t.as_second(), t.subsec_nanosecond())
    })
}

/// Fold `events` of `subject` as of `as_of` and resolve them against `policy`.
pub fn materialize_events(
    policy: &Policy,
    subject: &str,
    events: &[StoredEvent],
    as_of: Timestamp,
) -> Result<Subject, LedgerError> {
    fold::fold(events, as_of)?.resolve(policy, subject, as_of)
}

/// `url` without its password, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}
