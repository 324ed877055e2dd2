//! The endpoints. Questions are the lines `lawful batch` reads and answers are the lines it
//! writes (the batch engine answers them: [`Batch::answer_one`]), so a question and its
//! answer have one shape on the command line, in a batch and over HTTP. Every answer
//! carries the content hash of the policy that decided it (`lawful-policy` header) and,
//! for a decision, its id (`lawful-decision-id`, also the key of its decision log line).
//!
//! A question that cannot be answered is a 400 with `{"error": …, "code": …}` — the same
//! message (did-you-mean included) and stable code as the CLI and the batch error lines;
//! never a 500, never an allow.

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use futures_util::StreamExt as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::batch::{Answered, Batch, Expect, Kind, LineError, Observed};
use crate::model::Policy;
use crate::subject::Subject;

use super::auth::Scope;
use super::log::Record;
use super::version::Version;
use super::App;

/// The header naming the deciding policy's content hash.
pub const POLICY_HEADER: &str = "lawful-policy";
/// The header carrying a decision's id.
pub const DECISION_HEADER: &str = "lawful-decision-id";

/// Every route, with authentication (when tokens are configured) and the per-request
/// timeout on the single-question endpoints.
pub fn router(app: Arc<App>) -> Router {
    let single = Router::new()
        .route("/v1/decide", post(decide))
        .route("/v1/transfer", post(transfer))
        .route("/v1/retention", post(retention))
        .route("/v1/mask", post(mask))
        .route("/v1/data/lawful/decide", post(opa_decide))
        .route("/v1/data/lawful/allow", post(opa_allow))
        .route("/v1/policy", get(policy))
        .route("/v1/subjects/{id}/events", post(super::subjects::record))
        .route("/v1/subjects/{id}", get(super::subjects::show))
        .route("/v1/subjects/{id}/proof", get(super::subjects::proof))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(Arc::clone(&app), deadline));
    let guarded = single
        .route("/v1/batch", post(batch))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), authorize));
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .merge(guarded)
        .with_state(app)
}

/// Which endpoint answered: labels metrics and log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Decide,
    Transfer,
    Retention,
    Mask,
    Batch,
    OpaDecide,
    OpaAllow,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Decide => "decide",
            Endpoint::Transfer => "transfer",
            Endpoint::Retention => "retention",
            Endpoint::Mask => "mask",
            Endpoint::Batch => "batch",
            Endpoint::OpaDecide => "opa_decide",
            Endpoint::OpaAllow => "opa_allow",
        }
    }

    fn expect(self) -> Expect {
        match self {
            Endpoint::Decide => Expect::UseOrDisclose,
            Endpoint::Transfer => Expect::Only(Kind::Transfer),
            Endpoint::Retention => Expect::Only(Kind::Retention),
            _ => Expect::Any,
        }
    }
}

/// A refusal's body.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    code: &'a str,
}

/// A JSON error answer.
pub(super) fn refuse(
    status: StatusCode,
    code: &str,
    message: &str,
    policy: Option<&str>,
) -> Response {
    let body = serde_json::to_vec(&ErrorBody {
        error: message,
        code,
    })
    .unwrap_or_default();
    let mut response = json(status, body);
    if let Some(hash) = policy.and_then(|h| HeaderValue::from_str(h).ok()) {
        response.headers_mut().insert(POLICY_HEADER, hash);
    }
    response
}

/// A question refused: counted, and answered 400.
fn refuse_line(app: &App, error: &LineError, policy: &str) -> Response {
    app.metrics.error(error.code());
    refuse(
        StatusCode::BAD_REQUEST,
        error.code(),
        &error.to_string(),
        Some(policy),
    )
}

pub(super) fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A decision's answer, with its policy and id.
fn decided(body: Vec<u8>, version: &Version, id: &str) -> Response {
    let mut response = json(StatusCode::OK, body);
    let headers = response.headers_mut();
    if let Ok(hash) = HeaderValue::from_str(&version.hash) {
        headers.insert(POLICY_HEADER, hash);
    }
    if let Ok(id) = HeaderValue::from_str(id) {
        headers.insert(DECISION_HEADER, id);
    }
    response
}

/// The request body, up to the configured limit.
pub(super) async fn body(app: &App, request: Request) -> Result<Bytes, Response> {
    axum::body::to_bytes(request.into_body(), app.max_body)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                app.metrics.error("lawful::serve::body_too_large");
                refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "lawful::serve::body_too_large",
                    &format!(
                        "the request body is larger than {} bytes, the limit",
                        app.max_body
                    ),
                    None,
                )
            } else {
                app.metrics.error("lawful::serve::body");
                refuse(
                    StatusCode::BAD_REQUEST,
                    "lawful::serve::body",
                    &format!("cannot read the request body: {e}"),
                    None,
                )
            }
        })
}

/// A new batch engine for one request.
fn engine<'v>(app: &'v App, policy: &'v Policy, now: Timestamp) -> Batch<'v> {
    let batch = Batch::new(policy, now);
    match app.users() {
        Some(users) => batch.with_users(users),
        None => batch,
    }
}

async fn decide(State(app): State<Arc<App>>, request: Request) -> Response {
    single(&app, request, Endpoint::Decide).await
}

async fn transfer(State(app): State<Arc<App>>, request: Request) -> Response {
    single(&app, request, Endpoint::Transfer).await
}

async fn retention(State(app): State<Arc<App>>, request: Request) -> Response {
    single(&app, request, Endpoint::Retention).await
}

/// One question: the body is one batch line, the answer one batch answer.
async fn single(app: &App, request: Request, endpoint: Endpoint) -> Response {
    let start = Instant::now();
    let question = match body(app, request).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let version = app.current();
    let mut out = Vec::with_capacity(512);
    let answered = engine(app, &version.policy, Timestamp::now()).answer_one(
        &question,
        endpoint.expect(),
        &mut out,
    );
    match answered {
        Ok(answered) => finish(app, &version, endpoint, &question, out, answered, start),
        Err(e) => refuse_line(app, &e, &version.hash),
    }
}

/// Count, log and send a decision.
fn finish(
    app: &App,
    version: &Version,
    endpoint: Endpoint,
    question: &[u8],
    answer: Vec<u8>,
    answered: Answered,
    start: Instant,
) -> Response {
    let took = start.elapsed();
    app.metrics.latency(took);
    app.metrics
        .decisions(endpoint.name(), answered.outcome, answered.reason, 1);
    let (n, id) = app.next_decision();
    app.log(n, || Record {
        id: id.clone(),
        time: Timestamp::now(),
        policy: Arc::clone(&version.hash),
        endpoint: endpoint.name(),
        question: question.to_vec(),
        answer: answer.clone(),
        outcome: answered.outcome,
        reason: answered.reason,
        latency: Some(took),
    });
    decided(answer, version, &id)
}

/// `POST /v1/mask`: which of these fields may this purpose use?
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaskQuestion<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    purpose: String,
    fields: Vec<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(borrow, default)]
    subject: Option<&'a RawValue>,
    #[serde(default)]
    user: Option<String>,
}

/// `{"id": …, "allowed": [fields], "denied": [fields]}`, each in the order asked.
#[derive(Serialize)]
struct MaskAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    allowed: Vec<&'a str>,
    denied: Vec<&'a str>,
}

async fn mask(State(app): State<Arc<App>>, request: Request) -> Response {
    let start = Instant::now();
    let question = match body(&app, request).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let version = app.current();
    match answer_mask(&app, &version.policy, &question) {
        Ok((answer, allowed)) => {
            let answered = Answered {
                kind: Kind::Use,
                outcome: "mask",
                reason: if allowed {
                    "some_allowed"
                } else {
                    "none_allowed"
                },
            };
            finish(
                &app,
                &version,
                Endpoint::Mask,
                &question,
                answer,
                answered,
                start,
            )
        }
        Err(e) => refuse_line(&app, &e, &version.hash),
    }
}

/// The mask's answer, and whether any field is allowed.
fn answer_mask(app: &App, policy: &Policy, text: &[u8]) -> Result<(Vec<u8>, bool), LineError> {
    let now = Timestamp::now();
    let question: MaskQuestion<'_> =
        serde_json::from_slice(text).map_err(|e| LineError::Malformed(e.to_string()))?;
    let purpose = policy.purpose(&question.purpose)?;
    let mut fields = Vec::with_capacity(question.fields.len());
    for (i, name) in question.fields.iter().enumerate() {
        match policy.field(name) {
            Ok(field) => fields.push(field),
            Err(error) => {
                return Err(LineError::NameAt {
                    at: format!("fields[{i}]"),
                    error,
                })
            }
        }
    }
    let mut query = crate::eval::MaskQuery::new(policy, purpose, &fields);
    if let Some(region) = &question.region {
        query = query.in_region(policy.region(region)?);
    }
    let subject = subject(app, policy, question.subject, question.user.as_deref(), now)?;
    let mut allowed = vec![false; fields.len()];
    policy.field_mask(&query, &subject, &mut allowed)?;
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for (name, allowed) in question.fields.iter().zip(&allowed) {
        if *allowed {
            yes.push(name.as_str());
        } else {
            no.push(name.as_str());
        }
    }
    let any = !yes.is_empty();
    let mut out = serde_json::to_vec(&MaskAnswer {
        id: question.id,
        allowed: yes,
        denied: no,
    })
    .map_err(|e| LineError::Malformed(e.to_string()))?;
    out.push(b'\n');
    Ok((out, any))
}

/// The subject of a question: inline, named (from [`App::users`]), or one that says
/// nothing — the same rules as a batch line.
fn subject(
    app: &App,
    policy: &Policy,
    inline: Option<&RawValue>,
    user: Option<&str>,
    now: Timestamp,
) -> Result<Subject, LineError> {
    match (inline, user) {
        (Some(_), Some(_)) => Err(LineError::SubjectAndUser),
        (None, Some(user)) => match app.users() {
            Some(users) => users
                .subject(policy, user, now)
                .map_err(|error| LineError::User {
                    user: user.to_owned(),
                    error,
                }),
            None => Err(LineError::NoLedger),
        },
        (Some(raw), None) => {
            Subject::from_json_str(policy, raw.get(), now).map_err(LineError::Subject)
        }
        (None, None) => Ok(Subject {
            attributes: vec![None; policy.attributes().len()],
            ..Subject::new(policy)
        }),
    }
}

/// An OPA REST request: `{"input": …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpaRequest<'a> {
    #[serde(borrow)]
    input: &'a RawValue,
}

async fn opa_decide(State(app): State<Arc<App>>, request: Request) -> Response {
    opa(&app, request, Endpoint::OpaDecide).await
}

async fn opa_allow(State(app): State<Arc<App>>, request: Request) -> Response {
    opa(&app, request, Endpoint::OpaAllow).await
}

/// `POST /v1/data/lawful/decide` → `{"result": <answer>, "decision_id": …}`;
/// `POST /v1/data/lawful/allow` → `{"result": true|false, "decision_id": …}`.
async fn opa(app: &App, request: Request, endpoint: Endpoint) -> Response {
    let start = Instant::now();
    let body = match body(app, request).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let version = app.current();
    let input = match serde_json::from_slice::<OpaRequest<'_>>(&body) {
        Ok(request) => request.input.get().as_bytes(),
        Err(e) => {
            let error = LineError::Malformed(format!("an OPA request is `{{\"input\": …}}`: {e}"));
            return refuse_line(app, &error, &version.hash);
        }
    };
    let mut answer = Vec::with_capacity(512);
    let answered = match engine(app, &version.policy, Timestamp::now()).answer_one(
        input,
        endpoint.expect(),
        &mut answer,
    ) {
        Ok(answered) if endpoint == Endpoint::OpaAllow && answered.kind == Kind::Retention => {
            let error = LineError::WrongKind {
                kind: Kind::Retention,
                expected: "`use`, `disclose` and `transfer` questions",
            };
            return refuse_line(app, &error, &version.hash);
        }
        Ok(answered) => answered,
        Err(e) => return refuse_line(app, &e, &version.hash),
    };
    let took = start.elapsed();
    app.metrics.latency(took);
    app.metrics
        .decisions(endpoint.name(), answered.outcome, answered.reason, 1);
    let (n, id) = app.next_decision();
    let mut out = Vec::with_capacity(answer.len() + 64);
    out.extend_from_slice(b"{\"result\":");
    match endpoint {
        Endpoint::OpaAllow => out.extend_from_slice(if answered.outcome == "allow" {
            b"true"
        } else {
            b"false"
        }),
        _ => out.extend_from_slice(answer.trim_ascii_end()),
    }
    out.extend_from_slice(b",\"decision_id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\"}\n");
    app.log(n, || Record {
        id: id.clone(),
        time: Timestamp::now(),
        policy: Arc::clone(&version.hash),
        endpoint: endpoint.name(),
        question: input.to_vec(),
        answer: answer.clone(),
        outcome: answered.outcome,
        reason: answered.reason,
        latency: Some(took),
    });
    decided(out, &version, &id)
}

/// `POST /v1/batch`: JSON Lines in, JSON Lines out, streamed both ways; every line is
/// decided by the version serving when the request began. Not bounded by the body limit
/// or the timeout (each line is bounded, and answers flow while questions arrive).
async fn batch(State(app): State<Arc<App>>, request: Request) -> Response {
    let version = app.version();
    let (questions, incoming) = tokio::sync::mpsc::channel::<Result<Bytes, io::Error>>(16);
    let (outgoing, answers) = tokio::sync::mpsc::channel::<Result<Bytes, io::Error>>(16);
    let mut body = request.into_body().into_data_stream();
    // The first chunk is awaited before the response starts: reading the body is what
    // sends `100 Continue` to a client that asked for it (curl does for bodies over 1 MB),
    // and a response begun first would leave that client waiting a second before it sends.
    let first = body.next().await;
    tokio::spawn(async move {
        let mut next = first;
        while let Some(chunk) = next {
            let chunk = chunk.map_err(io::Error::other);
            let failed = chunk.is_err();
            if questions.send(chunk).await.is_err() || failed {
                break;
            }
            next = body.next().await;
        }
    });
    let answering = Arc::clone(&version);
    let shared = Arc::clone(&app);
    tokio::task::spawn_blocking(move || {
        let reader = BufReader::with_capacity(
            1 << 16,
            ChannelReader {
                incoming,
                chunk: Bytes::new(),
            },
        );
        let writer = ChannelWriter {
            outgoing: outgoing.clone(),
        };
        let mut counts: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
        let mut errors: Vec<&'static str> = Vec::new();
        let app = &shared;
        let run = engine(app, &answering.policy, Timestamp::now()).run_observed(
            reader,
            writer,
            |line: Observed<'_>| match line.result {
                Ok(answered) => {
                    *counts
                        .entry((answered.outcome, answered.reason))
                        .or_insert(0) += 1;
                    let n = app.next_number();
                    app.log(n, || Record {
                        id: app.decision_id(n),
                        time: Timestamp::now(),
                        policy: Arc::clone(&answering.hash),
                        endpoint: Endpoint::Batch.name(),
                        question: line.question.to_vec(),
                        answer: line.answer.to_vec(),
                        outcome: answered.outcome,
                        reason: answered.reason,
                        latency: None,
                    });
                }
                Err(code) => errors.push(code),
            },
        );
        for ((outcome, reason), n) in counts {
            app.metrics
                .decisions(Endpoint::Batch.name(), outcome, reason, n);
        }
        for code in errors {
            app.metrics.error(code);
        }
        if let Err(e) = run {
            // Ends the response early: the client sees a broken stream, not a success.
            let _ = outgoing.blocking_send(Err(e));
        }
    });
    let stream = futures_util::stream::unfold(answers, |mut answers| async move {
        answers.recv().await.map(|item| (item, answers))
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    if let Ok(hash) = HeaderValue::from_str(&version.hash) {
        headers.insert(POLICY_HEADER, hash);
    }
    response
}

/// The request body, read on a blocking thread.
struct ChannelReader {
    incoming: tokio::sync::mpsc::Receiver<Result<Bytes, io::Error>>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.incoming.blocking_recv() {
                Some(chunk) => self.chunk = chunk?,
                None => return Ok(0),
            }
        }
        let n = self.chunk.len().min(buf.len());
        let head = self.chunk.split_to(n);
        if let Some(target) = buf.get_mut(..n) {
            target.copy_from_slice(&head);
        }
        Ok(n)
    }
}

/// The response body, written on a blocking thread (in the batch engine's large blocks).
struct ChannelWriter {
    outgoing: tokio::sync::mpsc::Sender<Result<Bytes, io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.outgoing
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `GET /v1/policy`: what client code generation needs.
#[derive(Serialize)]
struct PolicyInfo<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    hash: &'a str,
    loaded_at: String,
    files: Vec<String>,
    purposes: Vec<&'a str>,
    fields: Vec<&'a str>,
    categories: Vec<&'a str>,
    recipients: Vec<&'a str>,
    regions: Vec<&'a str>,
    events: Vec<&'a str>,
}

async fn policy(State(app): State<Arc<App>>) -> Response {
    let version = app.version();
    let p = &version.policy;
    let info = PolicyInfo {
        name: p.header().name.as_deref(),
        version: p.header().version.as_deref(),
        hash: &version.hash,
        loaded_at: version.loaded_at.to_string(),
        files: version
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        purposes: p.purposes().iter().map(|x| x.info.name.as_str()).collect(),
        fields: p.fields().iter().map(|x| x.info.name.as_str()).collect(),
        categories: p
            .categories()
            .iter()
            .map(|x| x.info.name.as_str())
            .collect(),
        recipients: p
            .recipients()
            .iter()
            .map(|x| x.info.name.as_str())
            .collect(),
        regions: p.regions().iter().map(|x| x.info.name.as_str()).collect(),
        events: p.events().iter().map(|x| x.name.as_str()).collect(),
    };
    let mut response = json(
        StatusCode::OK,
        serde_json::to_vec(&info).unwrap_or_default(),
    );
    if let Ok(hash) = HeaderValue::from_str(&version.hash) {
        response.headers_mut().insert(POLICY_HEADER, hash);
    }
    response
}

async fn health() -> Response {
    json(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

/// 200 with the policy's hash while serving; 503 once shutdown began.
async fn ready(State(app): State<Arc<App>>) -> Response {
    if app.ready.load(Ordering::SeqCst) {
        let body = serde_json::json!({ "status": "ready", "policy": &*app.version().hash });
        json(StatusCode::OK, body.to_string().into_bytes())
    } else {
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            br#"{"status":"shutting_down"}"#.to_vec(),
        )
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let version = app.version();
    let text = app.metrics.render(
        &version.hash,
        version.policy.header().name.as_deref().unwrap_or(""),
    );
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found(request: Request) -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "lawful::serve::not_found",
        &format!(
            "no endpoint `{} {}`",
            request.method(),
            request.uri().path()
        ),
        None,
    )
}

/// The scope a request needs: ledger writes need `write`, everything else `read`.
fn required_scope(request: &Request) -> Scope {
    let path = request.uri().path();
    let ledger_write = request.method() == axum::http::Method::POST
        && path.starts_with("/v1/subjects/")
        && path.ends_with("/events");
    if ledger_write {
        Scope::Write
    } else {
        Scope::Read
    }
}

/// With a token file: 401 without a known token, 403 when its scope is too small.
async fn authorize(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(tokens) = &app.tokens else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    match tokens.scope_of(given) {
        None => {
            app.metrics.error("lawful::serve::unauthorized");
            let mut response = refuse(
                StatusCode::UNAUTHORIZED,
                "lawful::serve::unauthorized",
                "a bearer token is required: `Authorization: Bearer TOKEN`",
                None,
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        Some(scope) if scope < required_scope(&request) => {
            app.metrics.error("lawful::serve::forbidden");
            refuse(
                StatusCode::FORBIDDEN,
                "lawful::serve::forbidden",
                "this token may read, not write",
                None,
            )
        }
        Some(_) => next.run(request).await,
    }
}

/// A single question that takes longer than the timeout (a body trickling in) is a 503.
async fn deadline(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(app.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            app.metrics.error("lawful::serve::timeout");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "lawful::serve::timeout",
                &format!(
                    "the request took longer than {} ms, the limit",
                    app.timeout.as_millis()
                ),
                None,
            )
        }
    }
}
