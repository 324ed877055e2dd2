//! The ledger behind `lawful serve --ledger`: the subject a `"user": "ID"` question names,
//! and the subject endpoints —
//!
//! - `POST /v1/subjects/{id}/events`: events as JSON Lines (or one JSON object), each
//!   checked against the serving policy; all are recorded in one transaction or none is
//!   (a refusal names the line, the field and the code). An event without `subject` is
//!   about `{id}`; one about another subject is refused.
//! - `GET /v1/subjects/{id}[?as_of=T]`: the subject document as of now (or `T`), checked
//!   against the serving policy.
//! - `GET /v1/subjects/{id}/proof?purpose=P[&as_of=T]`: the records that make the answer
//!   about consent to `P` what it is.
//!
//! The ledger's storage calls block (SQLite, or a PostgreSQL round trip), so the endpoints
//! run them on tokio's blocking pool.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::batch::{UserError, Users};
use crate::ledger::{Event, Ledger, LedgerError};
use crate::model::Policy;
use crate::subject::Subject;

use super::api::{body, json, refuse, POLICY_HEADER};
use super::App;

/// Subjects named by id, read from the ledger (its per-handle cache makes a repeated
/// subject a map lookup; a write through this server drops the subject from it).
#[derive(Debug, Clone)]
pub struct LedgerUsers(pub Arc<Ledger>);

impl Users for LedgerUsers {
    fn subject(&self, policy: &Policy, user: &str, _now: Timestamp) -> Result<Subject, UserError> {
        self.0
            .current(policy, user)
            .map(|subject| Subject::clone(&subject))
            .map_err(|e| UserError {
                message: e.to_string(),
                code: e.code(),
            })
    }
}

/// A refusal: 400 for what the client sent, 503 for the store.
fn refused(error: &LedgerError, line: Option<usize>, policy: &str) -> Response {
    #[derive(Serialize)]
    struct Refusal<'a> {
        error: String,
        code: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
    }
    let status = if error.code().starts_with("lawful::ledger::storage")
        || error.code().starts_with("lawful::ledger::unavailable")
    {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = Refusal {
        error: error.to_string(),
        code: error.code(),
        field: error.field().filter(|f| !f.is_empty()),
        line,
    };
    with_policy(
        json(status, serde_json::to_vec(&body).unwrap_or_default()),
        policy,
    )
}

fn with_policy(mut response: Response, policy: &str) -> Response {
    if let Ok(hash) = axum::http::HeaderValue::from_str(policy) {
        response.headers_mut().insert(POLICY_HEADER, hash);
    }
    response
}

/// 404 when no ledger is configured.
fn no_ledger() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "lawful::serve::no_ledger",
        "no ledger is configured: start the server with `--ledger PATH|postgres://…`",
        None,
    )
}

/// `?as_of=T`, an RFC 3339 instant or a date.
fn as_of(query: &BTreeMap<String, String>) -> Result<Option<Timestamp>, Response> {
    let Some(text) = query.get("as_of") else {
        return Ok(None);
    };
    crate::eval::parse_time_str("as_of", text)
        .map(Some)
        .map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                "lawful::serve::as_of",
                &e.to_string(),
                None,
            )
        })
}

/// Run a ledger call off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "lawful::serve::ledger_task",
            &format!("the ledger call did not finish: {e}"),
            None,
        )
    })
}

#[derive(Serialize)]
struct RecordedLine {
    seq: i64,
    duplicate: bool,
}

/// `POST /v1/subjects/{id}/events`.
pub async fn record(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let Some(ledger) = app.ledger() else {
        return no_ledger();
    };
    let text = match body(&app, request).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let version = app.version();
    let answer = blocking(
        move || -> Result<Vec<RecordedLine>, Box<(LedgerError, Option<usize>)>> {
            let policy = &version.policy;
            let now = Timestamp::now();
            let text = String::from_utf8_lossy(&text);
            let mut events = Vec::new();
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let line_number = Some(index + 1);
                let event = about(&id, line)
                    .and_then(|line| Event::from_json_str(policy, &line, now))
                    .map_err(|e| Box::new((e, line_number)))?;
                events.push(event);
            }
            let recorded = ledger
                .record_at(policy, &events, now)
                .map_err(|e| Box::new((e, None)))?;
            Ok(recorded
                .into_iter()
                .map(|r| RecordedLine {
                    seq: r.seq,
                    duplicate: r.duplicate,
                })
                .collect())
        },
    )
    .await;
    let hash = app.version().hash.clone();
    match answer {
        Err(response) => response,
        Ok(Err(refusal)) => {
            let (error, line) = *refusal;
            app.metrics.error(error.code());
            refused(&error, line, &hash)
        }
        Ok(Ok(recorded)) => {
            let body = serde_json::json!({ "recorded": recorded });
            with_policy(
                json(
                    StatusCode::OK,
                    serde_json::to_vec(&body).unwrap_or_default(),
                ),
                &hash,
            )
        }
    }
}

/// The event on `line` with its subject set to `id` when it names none; an event about
/// another subject is refused.
fn about(id: &str, line: &str) -> Result<String, LedgerError> {
    let bad = |field: &str, message: String, code| LedgerError::BadEvent {
        field: field.to_owned(),
        message,
        code,
    };
    let mut value: Value = serde_json::from_str(line)
        .map_err(|e| bad("", format!("not JSON: {e}"), "lawful::serve::event_json"))?;
    let Some(object) = value.as_object_mut() else {
        return Err(bad(
            "",
            "an event is a JSON object".to_owned(),
            "lawful::serve::event_json",
        ));
    };
    match object.get("subject") {
        None => {
            object.insert("subject".to_owned(), Value::String(id.to_owned()));
        }
        Some(Value::String(named)) if named == id => {}
        Some(other) => {
            return Err(bad(
                "subject",
                format!("this event is about {other}, not about `{id}` (the path's subject)"),
                "lawful::serve::other_subject",
            ))
        }
    }
    Ok(value.to_string())
}

/// `GET /v1/subjects/{id}`.
pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(ledger) = app.ledger() else {
        return no_ledger();
    };
    let at = match as_of(&query) {
        Ok(at) => at,
        Err(response) => return response,
    };
    let version = app.version();
    let hash = version.hash.clone();
    let answer = blocking(move || {
        let document = ledger.document(&id, at)?;
        ledger.materialize(&version.policy, &id, at)?;
        Ok::<_, LedgerError>(document)
    })
    .await;
    match answer {
        Err(response) => response,
        Ok(Err(error)) => refused(&error, None, &hash),
        Ok(Ok(document)) => with_policy(
            json(
                StatusCode::OK,
                serde_json::to_vec(&document).unwrap_or_default(),
            ),
            &hash,
        ),
    }
}

/// `GET /v1/subjects/{id}/proof?purpose=P`.
pub async fn proof(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(ledger) = app.ledger() else {
        return no_ledger();
    };
    let Some(purpose) = query.get("purpose").cloned() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "lawful::serve::purpose",
            "`purpose`: which purpose's consent to prove (`?purpose=P`)",
            None,
        );
    };
    let at = match as_of(&query) {
        Ok(at) => at,
        Err(response) => return response,
    };
    let version = app.version();
    let hash = version.hash.clone();
    let answer = blocking(move || ledger.proof(&version.policy, &id, &purpose, at)).await;
    match answer {
        Err(response) => response,
        Ok(Err(error)) => refused(&error, None, &hash),
        Ok(Ok(proof)) => with_policy(
            json(
                StatusCode::OK,
                serde_json::to_vec(&proof).unwrap_or_default(),
            ),
            &hash,
        ),
    }
}
