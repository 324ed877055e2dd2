//! `lawful serve`: the decision service. An HTTP/1.1 server (axum on tokio) that answers the
//! questions `lawful query`, `transfer`, `retention` and `batch` answer, in the same JSON
//! shapes, for backends in any language; reloads its policy when the files change (or on
//! SIGHUP) once the new version checked and proved; logs every decision; counts them for
//! Prometheus. Compiled only with the `cli` feature: embedders without it never build
//! axum or tokio.
//!
//! - `api` — the endpoints;
//! - `version` — a loaded policy version, its content hash, the files it came from;
//! - `reload` — watching the files and SIGHUP, and the swap;
//! - `log` — the decision log (a writer thread, rotation by size);
//! - `metrics` — the counters behind `GET /metrics`;
//! - `auth` — bearer tokens with read and write scopes;
//! - `subjects` — the ledger behind `--ledger`: subjects named by `user`, `/v1/subjects/…`.

pub mod api;
pub mod auth;
pub mod log;
pub mod metrics;
pub mod reload;
pub mod subjects;
pub mod version;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::batch::Users;

use self::auth::Tokens;
use self::log::{DecisionLog, LogConfig};
use self::metrics::Metrics;
use self::version::{Fingerprint, Source, Version};

/// Everything `lawful serve` is told on its command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the policy is and how it compiles.
    pub source: Source,
    /// The address to listen on (port 0: any free port; the one chosen is printed).
    pub addr: SocketAddr,
    /// Allow a non-loopback address without a token file.
    pub allow_remote: bool,
    /// How often the policy files are polled for changes; `None`: only SIGHUP reloads.
    pub watch: Option<Duration>,
    /// The decision log; `None`: off.
    pub log: Option<LogConfig>,
    /// The bearer token file; `None`: no authentication (loopback only, unless allowed).
    pub tokens: Option<std::path::PathBuf>,
    /// The largest request body read, in bytes (`/v1/batch` streams and is not bounded;
    /// each of its lines is).
    pub max_body: usize,
    /// How long a single question may take, body read included.
    pub timeout: Duration,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
    /// The subject ledger (a SQLite file or a `postgres://` URL): subjects named by
    /// `"user"`, and the `/v1/subjects/…` endpoints. `None`: no ledger.
    pub ledger: Option<String>,
}

/// What every request shares.
#[derive(Debug)]
pub struct App {
    /// The version serving now: swapped whole, so a decision and the hash it reports always
    /// come from the same policy.
    current: ArcSwap<Version>,
    /// Counters.
    pub metrics: Metrics,
    log: Option<DecisionLog>,
    tokens: Option<Tokens>,
    /// False once shutdown began (`/ready` answers 503).
    ready: AtomicBool,
    /// Decision ids: this process's prefix, and a counter.
    boot: u64,
    decisions: AtomicU64,
    max_body: usize,
    timeout: Duration,
    /// The ledger, when one is configured (`--ledger`).
    users: Option<subjects::LedgerUsers>,
}

impl App {
    /// The version serving now, held for one request.
    pub fn version(&self) -> Arc<Version> {
        self.current.load_full()
    }

    /// The version serving now, for a request that does not wait in between (cheaper
    /// than [`App::version`]: no reference count is touched in the common case).
    fn current(&self) -> arc_swap::Guard<Arc<Version>> {
        self.current.load()
    }

    /// Where subjects named by `"user": "ID"` come from. This is the one place a subject
    /// source (the ledger) is plugged in; until one is configured, a `user` member is
    /// answered with `lawful::batch::no_ledger` (`--ledger` configures one).
    pub fn users(&self) -> Option<&dyn Users> {
        self.users.as_ref().map(|u| u as &dyn Users)
    }

    /// The ledger, when one is configured.
    pub fn ledger(&self) -> Option<Arc<crate::ledger::Ledger>> {
        self.users.as_ref().map(|u| Arc::clone(&u.0))
    }

    /// The next decision's number and id.
    fn next_decision(&self) -> (u64, String) {
        let n = self.next_number();
        (n, self.decision_id(n))
    }

    /// The next decision's number.
    fn next_number(&self) -> u64 {
        self.decisions.fetch_add(1, Ordering::Relaxed)
    }

    /// The id of decision `n`: `<process prefix>-<n>`, both hex.
    fn decision_id(&self, n: u64) -> String {
        format!("{:016x}-{n:x}", self.boot)
    }

    /// Hand a decision to the log, when it is on and the decision is sampled.
    fn log(&self, n: u64, record: impl FnOnce() -> log::Record) {
        if let Some(log) = &self.log {
            if log.sampled(n) && !log.send(record()) {
                self.metrics.log_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Why the server could not start (printed by the command, exit 1 or 2).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The policy did not compile.
    #[error("{0}")]
    Policy(String),
    /// A flag or file given is unusable.
    #[error("{0}")]
    Usage(String),
    /// Binding, the runtime, the log file.
    #[error("{0}")]
    Io(String),
}

/// Write a line to standard error, ignoring failures (a server keeps serving when its
/// terminal goes away).
pub(crate) fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "lawful serve: {text}");
}

/// Compile the policy, bind, and serve until SIGTERM or ctrl-c; then drain the requests in
/// flight, flush the decision log, and return. The address bound is printed to standard
/// output as `listening on http://ADDR`.
pub fn run(config: Config) -> Result<(), StartError> {
    let loopback = config.addr.ip().is_loopback();
    if !loopback && config.tokens.is_none() && !config.allow_remote {
        return Err(StartError::Usage(format!(
            "`{}` is not a loopback address: give `--token-file`, or `--allow-remote` to serve \
             it without authentication",
            config.addr
        )));
    }
    let tokens = match &config.tokens {
        Some(path) => Some(Tokens::read(path).map_err(StartError::Usage)?),
        None => None,
    };
    let (version, fingerprint) = match config.source.compile() {
        Ok(version) => {
            let fingerprint = Fingerprint::of(&version.files);
            (version, fingerprint)
        }
        Err((_, refused)) => return Err(StartError::Policy(refused.to_string())),
    };
    let log = match &config.log {
        Some(log) => Some(DecisionLog::start(log).map_err(|e| {
            StartError::Io(format!(
                "cannot open the decision log `{}`: {e}",
                log.path.display()
            ))
        })?),
        None => None,
    };
    let users = match &config.ledger {
        Some(location) => Some(subjects::LedgerUsers(Arc::new(
            crate::ledger::Ledger::open(location)
                .map_err(|e| StartError::Io(format!("cannot open the ledger `{location}`: {e}")))?,
        ))),
        None => None,
    };
    let boot = {
        let nanos = jiff::Timestamp::now().as_nanosecond();
        let mixed = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32);
        mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    };
    let app = Arc::new(App {
        current: ArcSwap::from_pointee(version),
        metrics: Metrics::default(),
        log,
        tokens,
        ready: AtomicBool::new(true),
        boot,
        decisions: AtomicU64::new(0),
        max_body: config.max_body,
        timeout: config.timeout,
        users,
    });
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = config.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .map_err(|e| StartError::Io(format!("cannot start the runtime: {e}")))?;
    let served = runtime.block_on(serve(Arc::clone(&app), &config, fingerprint));
    // Every request is answered: write out what the log holds.
    if let Some(log) = &app.log {
        if let Err(e) = log.finish() {
            say(&format!(
                "the decision log could not be written to the end: {e}"
            ));
        }
    }
    served
}

async fn serve(app: Arc<App>, config: &Config, fingerprint: Fingerprint) -> Result<(), StartError> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartError::Io(format!("cannot listen on `{}`: {e}", config.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| StartError::Io(format!("cannot listen on `{}`: {e}", config.addr)))?;
    {
        let version = app.version();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{bound}");
        let _ = out.flush();
        say(&format!(
            "serving `{}` ({}) on http://{bound}",
            version
                .policy
                .header()
                .name
                .as_deref()
                .unwrap_or("unnamed policy"),
            version.hash
        ));
    }
    let watcher = tokio::spawn(reload::watch(
        Arc::clone(&app),
        config.source.clone(),
        config.watch,
        fingerprint,
    ));
    let router = api::router(Arc::clone(&app));
    let draining = Arc::clone(&app);
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            stop_signal().await;
            draining.ready.store(false, Ordering::SeqCst);
            say("shutting down: answering the requests in flight");
        })
        .await;
    watcher.abort();
    result.map_err(|e| StartError::Io(format!("the server stopped: {e}")))
}

/// SIGTERM or ctrl-c (SIGINT).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
