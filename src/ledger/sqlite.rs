//! The embedded backend: one SQLite file in WAL mode (readers never block the writer),
//! `synchronous = NORMAL` (a committed write survives the writer's crash; see
//! `docs/ledger.md` for power loss), writers serialised by `BEGIN IMMEDIATE` and a busy
//! timeout, so threads and processes may share the file. One connection per store, behind
//! a mutex. Every statement takes parameters; none is built from input.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{
    append_in, Event, Happened, LedgerError, Pending, Recorded, Store, StoredEvent, Transaction,
    SCHEMA_VERSION,
};

/// The schema, one migration per version: migration `i` takes the ledger from version `i`
/// to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE lawful_ledger_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        subject TEXT NOT NULL,
        type TEXT NOT NULL,
        at_s INTEGER NOT NULL,
        at_ns INTEGER NOT NULL,
        key TEXT UNIQUE,
        recorded_at TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        policy_version TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX lawful_ledger_events_subject
        ON lawful_ledger_events (subject, at_s, at_ns);
    CREATE TRIGGER lawful_ledger_no_delete BEFORE DELETE ON lawful_ledger_events
    BEGIN
        SELECT RAISE(ABORT, 'the lawful ledger is append-only');
    END;
    CREATE TRIGGER lawful_ledger_no_update BEFORE UPDATE ON lawful_ledger_events
    WHEN OLD.type <> 'facts' OR NEW.type <> 'facts' OR NEW.seq <> OLD.seq
        OR NEW.subject <> OLD.subject OR NEW.at_s <> OLD.at_s OR NEW.at_ns <> OLD.at_ns
        OR NEW.policy_hash <> OLD.policy_hash
    BEGIN
        SELECT RAISE(ABORT, 'the lawful ledger is append-only (only facts may be erased)');
    END;
",
    "
    -- Version 2: each change but facts also as one name and one flag (`Change::lean`), so
    -- a decision reads events without their JSON. Rows written before have NULLs and are
    -- read from their JSON.
    ALTER TABLE lawful_ledger_events ADD COLUMN lean_name TEXT;
    ALTER TABLE lawful_ledger_events ADD COLUMN lean_flag INTEGER;
",
];

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) struct SqliteStore {
    connection: Mutex<Connection>,
}

fn storage(e: rusqlite::Error) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

impl SqliteStore {
    pub(crate) fn open(path: &Path) -> Result<SqliteStore, LedgerError> {
        let location = path.display().to_string();
        let not_a_ledger = |detail: String| LedgerError::NotALedger {
            location: location.clone(),
            detail,
        };
        // Processes opening one file at once contend for it while it is switched to WAL mode
        // and its schema made, and SQLite may then answer "database is locked" without waiting
        // (seen: `tests/cli_ledger.rs`, four processes on a new file under load). Opening is
        // idempotent, so it is tried again until the busy timeout has passed.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        loop {
            let connection = Connection::open(path).map_err(storage)?;
            match SqliteStore::setup(connection, true) {
                Ok(store) => return Ok(store),
                Err(SetupError::Busy(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(SetupError::Busy(detail)) => return Err(LedgerError::Storage(detail)),
                Err(SetupError::NotADatabase(detail)) => return Err(not_a_ledger(detail)),
                Err(SetupError::Ledger(e)) => return Err(e),
            }
        }
    }

    pub(crate) fn in_memory() -> Result<SqliteStore, LedgerError> {
        let connection = Connection::open_in_memory().map_err(storage)?;
        SqliteStore::setup(connection, false).map_err(|e| match e {
            SetupError::NotADatabase(detail) | SetupError::Busy(detail) => {
                LedgerError::Storage(detail)
            }
            SetupError::Ledger(e) => e,
        })
    }

    fn setup(mut connection: Connection, wal: bool) -> Result<SqliteStore, SetupError> {
        connection.busy_timeout(BUSY_TIMEOUT).map_err(setup_error)?;
        if wal {
            // The first statement that reads the file: a corrupt or foreign file fails here.
            let mode: String = connection
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(setup_error)?;
            if !mode.eq_ignore_ascii_case("wal") {
                // The mode stays as it was while another connection holds the file.
                return Err(SetupError::Busy(format!(
                    "cannot switch to WAL mode (journal mode is `{mode}`)"
                )));
            }
        }
        connection
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(setup_error)?;
        migrate(&mut connection)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, LedgerError> {
        self.connection
            .lock()
            .map_err(|_| LedgerError::Storage("a writer panicked holding the ledger".to_owned()))
    }
}

enum SetupError {
    NotADatabase(String),
    /// Another connection holds the file: worth trying again.
    Busy(String),
    Ledger(LedgerError),
}

fn setup_error(e: rusqlite::Error) -> SetupError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            SetupError::NotADatabase(e.to_string())
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            SetupError::Busy(e.to_string())
        }
        _ => SetupError::Ledger(storage(e)),
    }
}

/// Create the schema, or bring it up to [`SCHEMA_VERSION`], in one transaction. A database
/// with other tables and no ledger schema is another program's: refused, never altered.
fn migrate(connection: &mut Connection) -> Result<(), SetupError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(setup_error)?;
    let has_schema: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
             AND name = 'lawful_ledger_schema')",
            [],
            |row| row.get(0),
        )
        .map_err(setup_error)?;
    let version: i64 = if has_schema {
        tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM lawful_ledger_schema",
            [],
            |row| row.get(0),
        )
        .map_err(setup_error)?
    } else {
        let tables: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%'",
                [],
                |row| row.get(0),
            )
            .map_err(setup_error)?;
        if tables > 0 {
            return Err(SetupError::NotADatabase(format!(
                "it is a SQLite database with {tables} table(s) of another program"
            )));
        }
        tx.execute_batch("CREATE TABLE lawful_ledger_schema (version INTEGER NOT NULL)")
            .map_err(setup_error)?;
        0
    };
    if version > SCHEMA_VERSION {
        return Err(SetupError::Ledger(LedgerError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        }));
    }
    let from = usize::try_from(version).unwrap_or(0);
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        tx.execute_batch(sql).map_err(setup_error)?;
        let reached = i64::try_from(step + 1).unwrap_or(SCHEMA_VERSION);
        tx.execute(
            "INSERT INTO lawful_ledger_schema (version) VALUES (?1)",
            params![reached],
        )
        .map_err(setup_error)?;
    }
    tx.commit().map_err(setup_error)
}

const COLUMNS: &str = "seq, body, recorded_at, policy_hash, policy_version";

fn row_event(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, String, String, Option<String>)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode(
    (seq, body, recorded_at, policy_hash, policy_version): (
        i64,
        String,
        String,
        String,
        Option<String>,
    ),
) -> Result<StoredEvent, LedgerError> {
    let event = super::event::decode_stored(&body)
        .map_err(|e| LedgerError::Storage(format!("event #{seq} cannot be read: {e}")))?;
    let recorded_at = recorded_at
        .parse::<Timestamp>()
        .map_err(|e| LedgerError::Storage(format!("event #{seq} cannot be read: {e}")))?;
    Ok(StoredEvent {
        seq,
        event,
        recorded_at,
        policy_hash,
        policy_version,
    })
}

struct Tx<'a>(&'a rusqlite::Transaction<'a>);

impl Transaction for Tx<'_> {
    fn find_key(&mut self, key: &str) -> Result<Option<StoredEvent>, LedgerError> {
        let mut statement = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM lawful_ledger_events WHERE key = ?1"
            ))
            .map_err(storage)?;
        let row = statement
            .query_row(params![key], row_event)
            .optional()
            .map_err(storage)?;
        row.map(decode).transpose()
    }

    fn subject_events(&mut self, subject: &str) -> Result<Vec<StoredEvent>, LedgerError> {
        select_events(self.0, subject, None)
    }

    fn insert(&mut self, p: &Pending) -> Result<i64, LedgerError> {
        let mut statement = self
            .0
            .prepare_cached(
                "INSERT INTO lawful_ledger_events (subject, type, at_s, at_ns, key, recorded_at, \
                 policy_hash, policy_version, body, lean_name, lean_flag) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(storage)?;
        let lean = p.event.change.lean();
        statement
            .execute(params![
                p.event.subject,
                p.event.change.type_name(),
                p.event.at.as_second(),
                p.event.at.subsec_nanosecond(),
                p.event.key,
                p.recorded_at.to_string(),
                p.policy_hash,
                p.policy_version,
                p.body,
                lean.and_then(|(name, _)| name),
                lean.map(|(_, flag)| flag),
            ])
            .map_err(storage)?;
        Ok(self.0.last_insert_rowid())
    }
}

fn select_events(
    connection: &Connection,
    subject: &str,
    as_of: Option<Timestamp>,
) -> Result<Vec<StoredEvent>, LedgerError> {
    let (second, nano) = super::at_columns(as_of);
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM lawful_ledger_events WHERE subject = ?1 \
             AND (at_s < ?2 OR (at_s = ?2 AND at_ns <= ?3)) ORDER BY at_s, at_ns, seq"
        ))
        .map_err(storage)?;
    let rows = statement
        .query_map(params![subject, second, nano], row_event)
        .map_err(storage)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(decode(row.map_err(storage)?)?);
    }
    Ok(out)
}

/// What happened to `subject`, each change read by [`Happened::from_row`].
fn select_changes(
    connection: &Connection,
    subject: &str,
    as_of: Option<Timestamp>,
) -> Result<Vec<Happened>, LedgerError> {
    let (second, nano) = super::at_columns(as_of);
    let mut statement = connection
        .prepare_cached(
            "SELECT seq, type, at_s, at_ns, lean_name, lean_flag, body \
             FROM lawful_ledger_events WHERE subject = ?1 \
             AND (at_s < ?2 OR (at_s = ?2 AND at_ns <= ?3)) ORDER BY at_s, at_ns, seq",
        )
        .map_err(storage)?;
    let mut rows = statement
        .query(params![subject, second, nano])
        .map_err(storage)?;
    // A subject has tens of events: growing from empty would reallocate four times.
    let mut out = Vec::with_capacity(64);
    while let Some(row) = rows.next().map_err(storage)? {
        let text = |i: usize| {
            row.get_ref(i)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(storage)
        };
        out.push(Happened::from_row(
            row.get(0).map_err(storage)?,
            text(1)?,
            (row.get(2).map_err(storage)?, row.get(3).map_err(storage)?),
            (row.get(4).map_err(storage)?, row.get(5).map_err(storage)?),
            text(6)?,
        )?);
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn append(&self, events: &[Pending]) -> Result<Vec<Recorded>, LedgerError> {
        let mut connection = self.lock()?;
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        // Dropping `tx` on an error rolls back: nothing of the batch is written.
        let recorded = append_in(&mut Tx(&tx), events)?;
        tx.commit().map_err(storage)?;
        Ok(recorded)
    }

    fn events(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        let connection = self.lock()?;
        select_events(&connection, subject, as_of)
    }

    fn changes(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<Happened>, LedgerError> {
        let connection = self.lock()?;
        select_changes(&connection, subject, as_of)
    }

    fn erase_facts(
        &self,
        subject: &str,
        erased_body: &dyn Fn(&Event) -> String,
    ) -> Result<usize, LedgerError> {
        let mut connection = self.lock()?;
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let facts: Vec<StoredEvent> = select_events(&tx, subject, None)?
            .into_iter()
            .filter(|e| matches!(&e.event.change, super::Change::Facts(f) if !f.erased))
            .collect();
        for e in &facts {
            tx.execute(
                "UPDATE lawful_ledger_events SET body = ?1 WHERE seq = ?2",
                params![erased_body(&e.event), e.seq],
            )
            .map_err(storage)?;
        }
        tx.commit().map_err(storage)?;
        Ok(facts.len())
    }

    fn subjects(&self) -> Result<Vec<String>, LedgerError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare("SELECT DISTINCT subject FROM lawful_ledger_events ORDER BY subject")
            .map_err(storage)?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ledger::{Change, Facts};

    fn pending(subject: &str, hour: i64, change: Change) -> Pending {
        let at = Timestamp::from_second(1_704_067_200 + hour * 3600).unwrap();
        let event = Event {
            subject: subject.to_owned(),
            at,
            key: None,
            source: None,
            proof: None,
            change,
        };
        Pending {
            body: serde_json::to_string(&event).unwrap(),
            event,
            recorded_at: at,
            policy_hash: "sha256:0".to_owned(),
            policy_version: None,
        }
    }

    fn history() -> Vec<Pending> {
        let changes = [
            Change::Facts(Facts {
                region: Some("DE".to_owned()),
                ..Facts::default()
            }),
            Change::ConsentGiven {
                purpose: "marketing".to_owned(),
                explicit: true,
                recipient: None,
                transfer_to: None,
            },
            Change::OptOutMade {
                kind: "sale".to_owned(),
                channel: None,
                campaign: None,
            },
            Change::OptOutMade {
                kind: "marketing".to_owned(),
                channel: Some("email".to_owned()),
                campaign: None,
            },
            Change::GpcSignal { on: false },
            Change::ConsentWithdrawn {
                purpose: "marketing".to_owned(),
                recipient: None,
                transfer_to: None,
            },
            Change::RestrictionStarted,
        ];
        changes
            .into_iter()
            .enumerate()
            .map(|(i, c)| pending("u1", i as i64, c))
            .collect()
    }

    /// What a decision reads of each event is exactly the whole event's time and change:
    /// from the lean columns for rows written now, from the JSON for rows written by a
    /// version 1 ledger, which opening migrates without touching them.
    #[test]
    fn changes_read_whole_from_lean_columns_and_from_rows_written_before_them() {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(MIGRATIONS[0])
            .and_then(|()| {
                connection.execute_batch(
                    "CREATE TABLE lawful_ledger_schema (version INTEGER NOT NULL);
                     INSERT INTO lawful_ledger_schema (version) VALUES (1);",
                )
            })
            .unwrap();
        let old = history();
        for p in &old {
            // A version 1 row: no lean columns.
            connection
                .execute(
                    "INSERT INTO lawful_ledger_events (subject, type, at_s, at_ns, key, \
                     recorded_at, policy_hash, policy_version, body) \
                     VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, NULL, ?7)",
                    params![
                        p.event.subject,
                        p.event.change.type_name(),
                        p.event.at.as_second(),
                        p.event.at.subsec_nanosecond(),
                        p.recorded_at.to_string(),
                        p.policy_hash,
                        p.body
                    ],
                )
                .unwrap();
        }
        let store = SqliteStore::setup(connection, false).ok().unwrap();
        let new: Vec<Pending> = history()
            .into_iter()
            .map(|mut p| {
                p.event.subject = "u2".to_owned();
                p.body = serde_json::to_string(&p.event).unwrap();
                p
            })
            .collect();
        store.append(&new).unwrap();
        {
            let connection = store.lock().unwrap();
            let lean: i64 = connection
                .query_row(
                    "SELECT COUNT(*) FROM lawful_ledger_events WHERE lean_flag IS NOT NULL",
                    [],
                    |row| row.get(0),
                )
                .unwrap();
            // Every new row but the facts and the limited opt-out has its lean columns; no
            // old row has them.
            assert_eq!(lean, 5);
        }
        for subject in ["u1", "u2"] {
            let whole: Vec<Happened> = store
                .events(subject, None)
                .unwrap()
                .into_iter()
                .map(Happened::from)
                .collect();
            assert_eq!(whole.len(), 7);
            assert_eq!(store.changes(subject, None).unwrap(), whole);
            let as_of = whole[2].at;
            assert_eq!(store.changes(subject, Some(as_of)).unwrap(), whole[..3]);
        }
    }
}
