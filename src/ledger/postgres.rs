//! The shared backend: a PostgreSQL database, for many application servers on one ledger.
//! One connection per store, behind a mutex (reconnected when the server closed it); every
//! write is one transaction that first takes transaction-scoped advisory locks on the
//! subjects and idempotency keys it touches (in a fixed order, so writers cannot deadlock),
//! so two servers cannot both record an open consent for one purpose, nor one key twice.
//! Every statement takes parameters; none is built from input.

use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;
use postgres::{Client, NoTls};

use super::{
    append_in, Event, Happened, LedgerError, Pending, Recorded, Store, StoredEvent, Transaction,
    SCHEMA_VERSION,
};

/// The schema, one migration per version (as for SQLite).
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE lawful_ledger_events (
        seq BIGSERIAL PRIMARY KEY,
        subject TEXT NOT NULL,
        type TEXT NOT NULL,
        at_s BIGINT NOT NULL,
        at_ns INTEGER NOT NULL,
        key TEXT UNIQUE,
        recorded_at TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        policy_version TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX lawful_ledger_events_subject ON lawful_ledger_events (subject, at_s, at_ns);
    CREATE FUNCTION lawful_ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'the lawful ledger is append-only';
        END IF;
        IF OLD.type <> 'facts' OR NEW.type <> 'facts' OR NEW.seq <> OLD.seq
            OR NEW.subject <> OLD.subject OR NEW.at_s <> OLD.at_s OR NEW.at_ns <> OLD.at_ns
            OR NEW.policy_hash <> OLD.policy_hash THEN
            RAISE EXCEPTION 'the lawful ledger is append-only (only facts may be erased)';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER lawful_ledger_guard BEFORE UPDATE OR DELETE ON lawful_ledger_events
        FOR EACH ROW EXECUTE FUNCTION lawful_ledger_guard();
",
    "
    -- Version 2: each change but facts also as one name and one flag (`Change::lean`), as
    -- for SQLite. Rows written before have NULLs and are read from their JSON.
    ALTER TABLE lawful_ledger_events ADD COLUMN lean_name TEXT, ADD COLUMN lean_flag BOOLEAN;
",
];

/// The advisory lock that serialises migrations (an arbitrary constant: "lawful" in hex).
const MIGRATION_LOCK: i64 = 0x6c61_7766_756c;

pub(crate) struct PostgresStore {
    url: String,
    client: Mutex<Client>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &super::redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

fn storage(e: postgres::Error) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

impl PostgresStore {
    pub(crate) fn connect(url: &str) -> Result<PostgresStore, LedgerError> {
        let mut client = Client::connect(url, NoTls).map_err(storage)?;
        migrate(&mut client)?;
        Ok(PostgresStore {
            url: url.to_owned(),
            client: Mutex::new(client),
        })
    }

    /// The connection, reconnected if the server closed it (a failed reconnection is an
    /// error: the caller fails closed).
    fn client(&self) -> Result<MutexGuard<'_, Client>, LedgerError> {
        let mut client = self
            .client
            .lock()
            .map_err(|_| LedgerError::Storage("a writer panicked holding the ledger".to_owned()))?;
        if client.is_closed() {
            *client = Client::connect(&self.url, NoTls).map_err(storage)?;
        }
        Ok(client)
    }
}

fn migrate(client: &mut Client) -> Result<(), LedgerError> {
    let mut tx = client.transaction().map_err(storage)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(storage)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS lawful_ledger_schema (version INTEGER NOT NULL)")
        .map_err(storage)?;
    let version: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM lawful_ledger_schema",
            &[],
        )
        .map_err(storage)?
        .get(0);
    let version = i64::from(version);
    if version > SCHEMA_VERSION {
        return Err(LedgerError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let from = usize::try_from(version).unwrap_or(0);
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        tx.batch_execute(sql).map_err(storage)?;
        let reached = i32::try_from(step + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO lawful_ledger_schema (version) VALUES ($1)",
            &[&reached],
        )
        .map_err(storage)?;
    }
    tx.commit().map_err(storage)
}

const COLUMNS: &str = "seq, body, recorded_at, policy_hash, policy_version";

fn decode(row: &postgres::Row) -> Result<StoredEvent, LedgerError> {
    let seq: i64 = row.try_get(0).map_err(storage)?;
    let body: String = row.try_get(1).map_err(storage)?;
    let recorded_at: String = row.try_get(2).map_err(storage)?;
    let unreadable = |e: &dyn std::fmt::Display| {
        LedgerError::Storage(format!("event #{seq} cannot be read: {e}"))
    };
    let event = super::event::decode_stored(&body).map_err(|e| unreadable(&e))?;
    Ok(StoredEvent {
        seq,
        event,
        recorded_at: recorded_at.parse().map_err(|e| unreadable(&e))?,
        policy_hash: row.try_get(3).map_err(storage)?,
        policy_version: row.try_get(4).map_err(storage)?,
    })
}

fn select_events(
    client: &mut impl postgres::GenericClient,
    subject: &str,
    as_of: Option<Timestamp>,
) -> Result<Vec<StoredEvent>, LedgerError> {
    let (second, nano) = super::at_columns(as_of);
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM lawful_ledger_events WHERE subject = $1 \
                 AND (at_s < $2 OR (at_s = $2 AND at_ns <= $3)) ORDER BY at_s, at_ns, seq"
            ),
            &[&subject, &second, &nano],
        )
        .map_err(storage)?;
    rows.iter().map(decode).collect()
}

/// What happened to `subject`, each change read by [`Happened::from_row`].
fn select_changes(
    client: &mut impl postgres::GenericClient,
    subject: &str,
    as_of: Option<Timestamp>,
) -> Result<Vec<Happened>, LedgerError> {
    let (second, nano) = super::at_columns(as_of);
    let rows = client
        .query(
            "SELECT seq, type, at_s, at_ns, lean_name, lean_flag, body \
             FROM lawful_ledger_events WHERE subject = $1 \
             AND (at_s < $2 OR (at_s = $2 AND at_ns <= $3)) ORDER BY at_s, at_ns, seq",
            &[&subject, &second, &nano],
        )
        .map_err(storage)?;
    rows.iter()
        .map(|row| {
            Happened::from_row(
                row.try_get(0).map_err(storage)?,
                row.try_get(1).map_err(storage)?,
                (
                    row.try_get(2).map_err(storage)?,
                    row.try_get(3).map_err(storage)?,
                ),
                (
                    row.try_get(4).map_err(storage)?,
                    row.try_get(5).map_err(storage)?,
                ),
                row.try_get(6).map_err(storage)?,
            )
        })
        .collect()
}

struct Tx<'a, 'c>(&'a mut postgres::Transaction<'c>);

impl Transaction for Tx<'_, '_> {
    fn find_key(&mut self, key: &str) -> Result<Option<StoredEvent>, LedgerError> {
        let row = self
            .0
            .query_opt(
                &format!("SELECT {COLUMNS} FROM lawful_ledger_events WHERE key = $1"),
                &[&key],
            )
            .map_err(storage)?;
        row.as_ref().map(decode).transpose()
    }

    fn subject_events(&mut self, subject: &str) -> Result<Vec<StoredEvent>, LedgerError> {
        select_events(self.0, subject, None)
    }

    fn insert(&mut self, p: &Pending) -> Result<i64, LedgerError> {
        let lean = p.event.change.lean();
        let row = self
            .0
            .query_one(
                "INSERT INTO lawful_ledger_events (subject, type, at_s, at_ns, key, recorded_at, \
                 policy_hash, policy_version, body, lean_name, lean_flag) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
                &[
                    &p.event.subject,
                    &p.event.change.type_name(),
                    &p.event.at.as_second(),
                    &p.event.at.subsec_nanosecond(),
                    &p.event.key,
                    &p.recorded_at.to_string(),
                    &p.policy_hash,
                    &p.policy_version,
                    &p.body,
                    &lean.and_then(|(name, _)| name),
                    &lean.map(|(_, flag)| flag),
                ],
            )
            .map_err(storage)?;
        row.try_get(0).map_err(storage)
    }
}

/// The advisory locks a batch takes: one per subject and per key, sorted and without
/// repeats, so concurrent writers take them in the same order.
fn locks(events: &[Pending]) -> Vec<String> {
    let mut names: Vec<String> = events
        .iter()
        .flat_map(|p| {
            let subject = format!("subject:{}", p.event.subject);
            let key = p.event.key.as_ref().map(|k| format!("key:{k}"));
            std::iter::once(subject).chain(key)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

impl Store for PostgresStore {
    fn append(&self, events: &[Pending]) -> Result<Vec<Recorded>, LedgerError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(storage)?;
        for name in locks(events) {
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&name],
            )
            .map_err(storage)?;
        }
        // Dropping `tx` on an error rolls back: nothing of the batch is written.
        let recorded = append_in(&mut Tx(&mut tx), events)?;
        tx.commit().map_err(storage)?;
        Ok(recorded)
    }

    fn events(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        let mut client = self.client()?;
        select_events(&mut *client, subject, as_of)
    }

    fn changes(
        &self,
        subject: &str,
        as_of: Option<Timestamp>,
    ) -> Result<Vec<Happened>, LedgerError> {
        let mut client = self.client()?;
        select_changes(&mut *client, subject, as_of)
    }

    fn erase_facts(
        &self,
        subject: &str,
        erased_body: &dyn Fn(&Event) -> String,
    ) -> Result<usize, LedgerError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(storage)?;
        let name = format!("subject:{subject}");
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&name],
        )
        .map_err(storage)?;
        let facts: Vec<StoredEvent> = select_events(&mut tx, subject, None)?
            .into_iter()
            .filter(|e| matches!(&e.event.change, super::Change::Facts(f) if !f.erased))
            .collect();
        for e in &facts {
            tx.execute(
                "UPDATE lawful_ledger_events SET body = $1 WHERE seq = $2",
                &[&erased_body(&e.event), &e.seq],
            )
            .map_err(storage)?;
        }
        tx.commit().map_err(storage)?;
        Ok(facts.len())
    }

    fn subjects(&self) -> Result<Vec<String>, LedgerError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT DISTINCT subject FROM lawful_ledger_events ORDER BY subject",
                &[],
            )
            .map_err(storage)?;
        rows.iter()
            .map(|row| row.try_get(0).map_err(storage))
            .collect()
    }
}
