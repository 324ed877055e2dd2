//! `lawful serve` driven over real HTTP: the binary is started on an ephemeral loopback
//! port and asked as a client would — every endpoint (answers identical to the CLI's JSON
//! and to `lawful batch`), errors (400 with the CLI's codes, never 500, never an allow),
//! hot reload (good, broken and unproven versions), SIGHUP, tokens, the body limit, the
//! timeout, the OPA shape, metrics, the decision log and its rotation, graceful shutdown,
//! and the Python client in `examples/client.py`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const ANKER: &str = "policies/anker.lawful";

/// A small policy that compiles in a moment: the base of the reload tests.
const SHOP: &str = r#"policy "Shop" { controller "Shop GmbH" }
region DE "Germany"
region US "United States"
category user.contact.email
field orders.email: user.contact.email
purpose support { uses user.contact.email basis contract }
"#;

/// [`SHOP`] with one more purpose.
const SHOP_WITH_MARKETING: &str = r#"policy "Shop" { controller "Shop GmbH" }
region DE "Germany"
region US "United States"
category user.contact.email
field orders.email: user.contact.email
purpose support { uses user.contact.email basis contract }
purpose marketing { uses user.contact.email basis consent }
"#;

/// A running `lawful serve`, stopped (SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
    stderr: PathBuf,
}

impl Server {
    fn start(policy: &Path, args: &[&str]) -> Server {
        let dir = temp_dir("server");
        let stderr = dir.join("stderr.txt");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("lawful"))
            .arg("serve")
            .arg(policy)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_default();
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            panic!(
                "the server did not start: {line:?}\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        };
        Server {
            child,
            base: base.to_owned(),
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn post(&self, path: &str, body: &str) -> Answer {
        call(ureq::post(&self.url(path)), Some(body))
    }

    fn get(&self, path: &str) -> Answer {
        call(ureq::get(&self.url(path)), None)
    }

    fn hash(&self) -> String {
        self.get("/v1/policy").json()["hash"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn metric(&self, name: &str) -> u64 {
        let text = self.get("/metrics").body;
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }

    /// SIGTERM, and the exit status once it stopped.
    fn stop(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
struct Answer {
    status: u16,
    body: String,
    policy: Option<String>,
    decision: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// A 400 with this code; returns the message.
    fn refused(&self, code: &str) -> String {
        assert_eq!(self.status, 400, "{}", self.body);
        let json = self.json();
        assert_eq!(json["code"], code, "{}", self.body);
        json["error"].as_str().unwrap().to_owned()
    }
}

fn call(request: ureq::Request, body: Option<&str>) -> Answer {
    let request = request.timeout(Duration::from_secs(30));
    let result = match body {
        Some(body) => request.send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    let policy = response.header("lawful-policy").map(str::to_owned);
    let decision = response.header("lawful-decision-id").map(str::to_owned);
    Answer {
        status,
        body: response.into_string().unwrap(),
        policy,
        decision,
    }
}

fn temp_dir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lawful-serve-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Replace a file the way editors and deploy tools do: write beside it, rename over it.
fn replace(path: &Path, text: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, text).unwrap();
    std::fs::rename(&next, path).unwrap();
}

fn lawful_json(args: &[&str]) -> String {
    let out = Command::new(assert_cmd::cargo::cargo_bin("lawful"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_endpoint_answers_in_the_shapes_of_the_cli_and_of_batch() {
    let server = Server::start(Path::new(ANKER), &[]);
    let hash = server.hash();
    assert!(hash.starts_with("sha256:") && hash.len() == 71, "{hash}");

    // `/v1/decide` answers what `lawful query --format json` prints, byte for byte.
    let decide = server.post(
        "/v1/decide",
        r#"{"purpose":"essential.service.site","data":"session.ip","region":"DE","subject":{"region":"DE","age":34}}"#,
    );
    assert_eq!(decide.status, 200, "{}", decide.body);
    assert_eq!(decide.policy.as_deref(), Some(hash.as_str()));
    assert!(decide.decision.is_some());
    let cli = lawful_json(&[
        "query",
        ANKER,
        "--purpose",
        "essential.service.site",
        "--field",
        "session.ip",
        "--region",
        "DE",
        "--age",
        "34",
        "--format",
        "json",
    ]);
    assert_eq!(decide.json(), serde_json::from_str::<Value>(&cli).unwrap());
    assert_eq!(decide.json()["outcome"], "allow");

    let transfer = server.post(
        "/v1/transfer",
        r#"{"data":"user.contact.email","from":"DE","to":"US"}"#,
    );
    let cli = lawful_json(&[
        "transfer",
        ANKER,
        "--category",
        "user.contact.email",
        "--from",
        "DE",
        "--to",
        "US",
        "--format",
        "json",
    ]);
    assert_eq!(
        transfer.json(),
        serde_json::from_str::<Value>(&cli).unwrap()
    );

    let retention = server.post(
        "/v1/retention",
        r#"{"data":"account.email","region":"DE","now":"2025-01-01"}"#,
    );
    let cli = lawful_json(&[
        "retention",
        ANKER,
        "--category",
        "account.email",
        "--region",
        "DE",
        "--now",
        "2025-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(
        retention.json(),
        serde_json::from_str::<Value>(&cli).unwrap()
    );

    // `/v1/batch` answers what `lawful batch` prints for the same lines.
    let lines = concat!(
        r#"{"id":1,"purpose":"essential.service.site","data":"session.ip","region":"DE"}"#,
        "\n",
        r#"{"id":2,"kind":"transfer","data":"user.contact.email","from":"DE","to":"US"}"#,
        "\n",
        "\n",
        r#"{"id":3,"purpose":"marketing.drect","data":"account.email"}"#,
        "\n",
        r#"{"id":4,"kind":"retention","data":"account.email","region":"DE","now":"2025-01-01"}"#,
        "\n",
    );
    let streamed = server.post("/v1/batch", lines);
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.policy.as_deref(), Some(hash.as_str()));
    let dir = temp_dir("batch");
    std::fs::write(dir.join("q.jsonl"), lines).unwrap();
    let cli = lawful_json(&[
        "batch",
        ANKER,
        "--now",
        "2025-01-01",
        "--input",
        dir.join("q.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(streamed.body, cli);
    assert_eq!(streamed.body.lines().count(), 4);

    // The field mask.
    let mask = server.post(
        "/v1/mask",
        r#"{"id":"m","purpose":"essential.service.site","fields":["session.ip","account.email"],"subject":{"region":"DE"}}"#,
    );
    assert_eq!(
        mask.json(),
        serde_json::json!({"id":"m","allowed":["session.ip"],"denied":["account.email"]})
    );

    // OPA's REST shape.
    let input = r#"{"purpose":"essential.service.site","data":"session.ip","region":"DE"}"#;
    let opa = server.post("/v1/data/lawful/decide", &format!(r#"{{"input":{input}}}"#));
    let single = server.post("/v1/decide", input);
    assert_eq!(opa.json()["result"], single.json());
    assert_eq!(opa.json()["decision_id"].as_str(), opa.decision.as_deref());
    let allow = server.post("/v1/data/lawful/allow", &format!(r#"{{"input":{input}}}"#));
    assert_eq!(allow.json()["result"], true);
    let denied = server.post(
        "/v1/data/lawful/allow",
        r#"{"input":{"purpose":"marketing.communications.newsletter","data":"account.email","subject":{"region":"DE"}}}"#,
    );
    assert_eq!(denied.json()["result"], false, "{}", denied.body);

    // What client code generation reads.
    let policy = server.get("/v1/policy").json();
    assert_eq!(policy["name"], "Anker Innovations Privacy Notice");
    for (list, name) in [
        ("purposes", "marketing.communications.newsletter"),
        ("fields", "session.ip"),
        ("recipients", "anker_uk"),
        ("regions", "DE"),
    ] {
        let names: Vec<&str> = policy[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(names.contains(&name), "{list}: {names:?}");
    }
    assert!(policy["loaded_at"].as_str().unwrap().ends_with('Z'));

    assert_eq!(server.get("/health").json()["status"], "ok");
    let ready = server.get("/ready").json();
    assert_eq!(
        (ready["status"].as_str(), ready["policy"].as_str()),
        (Some("ready"), Some(hash.as_str()))
    );

    // Metrics count what was decided, by endpoint, outcome and reason.
    let metrics = server.get("/metrics");
    assert!(
        metrics.body.contains(
            "lawful_decisions_total{endpoint=\"decide\",outcome=\"allow\",reason=\"allowed\"} 2\n"
        ),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains(
        "lawful_decisions_total{endpoint=\"batch\",outcome=\"allow\",reason=\"allowed\"} 2\n"
    ));
    assert!(metrics
        .body
        .contains("lawful_refused_total{code=\"lawful::eval::unknown_purpose\"} 1\n"));
    assert!(
        metrics.body.contains("lawful_decision_seconds_count 8\n"),
        "{}",
        metrics.body
    );
    assert!(metrics
        .body
        .contains("# TYPE lawful_decision_seconds histogram\n"));
    assert!(metrics.body.contains("lawful_reloads_total 0\n"));
}

#[test]
fn bad_questions_are_400s_with_the_cli_codes_never_500s_or_allows() {
    let server = Server::start(Path::new(ANKER), &["--max-body", "4096"]);
    let q = r#""purpose":"essential.service.site","data":"session.ip","region":"DE""#;
    let message = server
        .post(
            "/v1/decide",
            r#"{"purpose":"essential.service.sit","data":"session.ip"}"#,
        )
        .refused("lawful::eval::unknown_purpose");
    // The CLI's message, did-you-mean included.
    let cli = Command::new(assert_cmd::cargo::cargo_bin("lawful"))
        .args([
            "query",
            ANKER,
            "--purpose",
            "essential.service.sit",
            "--field",
            "session.ip",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let cli = String::from_utf8(cli.stderr).unwrap();
    assert!(
        message.contains("did you mean `essential.service.site`"),
        "{message}"
    );
    assert!(cli.contains(&message), "{cli} / {message}");

    for (path, body, code) in [
        ("/v1/decide", "{not json".to_owned(), "lawful::batch::json"),
        ("/v1/decide", "[1,2]".to_owned(), "lawful::batch::json"),
        ("/v1/decide", String::new(), "lawful::batch::json"),
        ("/v1/decide", "\u{fffd}".to_owned(), "lawful::batch::json"),
        (
            "/v1/decide",
            format!(r#"{{{q},"subject":{{"age":-1}}}}"#),
            "lawful::subject::age_out_of_range",
        ),
        (
            "/v1/decide",
            format!(r#"{{{q},"subject":{{"regoin":"DE"}}}}"#),
            "lawful::subject::unknown_field",
        ),
        (
            "/v1/decide",
            format!(r#"{{{q},"purpse":"x"}}"#),
            "lawful::batch::json",
        ),
        (
            "/v1/decide",
            format!(r#"{{{q},"user":"u-1"}}"#),
            "lawful::batch::no_ledger",
        ),
        (
            "/v1/decide",
            r#"{"data":"session.ip"}"#.to_owned(),
            "lawful::batch::missing_member",
        ),
        (
            "/v1/decide",
            r#"{"kind":"transfer","data":"user.contact.email","from":"DE","to":"US"}"#.to_owned(),
            "lawful::batch::wrong_kind",
        ),
        (
            "/v1/transfer",
            format!("{{{q}}}"),
            "lawful::batch::unexpected_member",
        ),
        (
            "/v1/transfer",
            r#"{"data":"user.contact.email","from":"DE","to":"Mars"}"#.to_owned(),
            "lawful::eval::unknown_region",
        ),
        (
            "/v1/retention",
            r#"{"data":"account.email","region":"DE","events":{"nope":"2024-01-01"}}"#.to_owned(),
            "lawful::eval::unknown_event",
        ),
        (
            "/v1/mask",
            r#"{"purpose":"essential.service.site","fields":["session.ipp"]}"#.to_owned(),
            "lawful::eval::unknown_field",
        ),
        (
            "/v1/mask",
            r#"{"purpose":"essential.service.site"}"#.to_owned(),
            "lawful::batch::json",
        ),
        (
            "/v1/data/lawful/allow",
            format!("{{{q}}}"),
            "lawful::batch::json",
        ),
        (
            "/v1/data/lawful/allow",
            r#"{"input":{"kind":"retention","data":"account.email","region":"DE"}}"#.to_owned(),
            "lawful::batch::wrong_kind",
        ),
        (
            "/v1/data/lawful/decide",
            r#"{"input":{"purpose":"nope","data":"session.ip"}}"#.to_owned(),
            "lawful::eval::unknown_purpose",
        ),
    ] {
        let answer = server.post(path, &body);
        answer.refused(code);
        assert!(
            answer.policy.is_some(),
            "{path} {body}: refusals name the policy too"
        );
        assert!(
            answer.decision.is_none(),
            "{path} {body}: no decision was made"
        );
    }

    let missing = server.get("/v1/nope");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "lawful::serve::not_found");

    let large = server.post(
        "/v1/decide",
        &format!(r#"{{{q},"id":"{}"}}"#, "x".repeat(8000)),
    );
    assert_eq!(large.status, 413, "{}", large.body);
    assert_eq!(large.json()["code"], "lawful::serve::body_too_large");
    // The same line is fine where it fits.
    assert_eq!(server.post("/v1/decide", &format!("{{{q}}}")).status, 200);
}

#[test]
fn a_request_that_takes_too_long_is_cut_off() {
    let server = Server::start(Path::new(ANKER), &["--timeout-ms", "300"]);
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Headers promising a body that never comes.
    stream
        .write_all(
            b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"purpose\"",
        )
        .unwrap();
    let started = Instant::now();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&response).contains("lawful::serve::timeout") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&response));
        response.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&response).starts_with("HTTP/1.1 503"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A client that sends `Expect: 100-continue` (curl does for bodies over 1 MB) is told to
/// go on before any answer: a batch answered first would leave it waiting for a `100` that
/// never comes (curl waits a second, then sends anyway).
#[test]
fn a_batch_client_expecting_100_continue_is_told_to_go_on() {
    let server = Server::start(Path::new(ANKER), &[]);
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let line =
        "{\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"region\":\"DE\"}\n";
    let body = line.repeat(3);
    write!(
        stream,
        "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut first = [0u8; 25];
    stream.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(
        response.matches("\"outcome\":\"allow\"").count(),
        3,
        "{response}"
    );
}

#[test]
fn the_policy_reloads_when_its_files_change_and_a_failing_version_is_refused() {
    let dir = temp_dir("reload");
    let policy = dir.join("shop.lawful");
    std::fs::write(&policy, SHOP).unwrap();
    let server = Server::start(&policy, &["--watch-ms", "100"]);
    let marketing = r#"{"purpose":"marketing","data":"orders.email","subject":{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01"}]}}"#;
    let first = server.hash();
    server
        .post("/v1/decide", marketing)
        .refused("lawful::eval::unknown_purpose");

    // A good version is swapped in, and decides with its own hash.
    replace(&policy, SHOP_WITH_MARKETING);
    wait_for("the reload", || server.hash() != first);
    let second = server.hash();
    let answer = server.post("/v1/decide", marketing);
    assert_eq!(answer.json()["outcome"], "allow", "{}", answer.body);
    assert_eq!(answer.policy.as_deref(), Some(second.as_str()));
    assert_eq!(server.metric("lawful_reloads_total"), 1);

    // A broken version is refused with its diagnostics; the good one keeps serving.
    replace(
        &policy,
        "policy \"Shop\" { controller \"Shop GmbH\" }\npurpose support {",
    );
    wait_for("the refusal", || {
        server.metric("lawful_reloads_refused_total") == 1
    });
    assert_eq!(server.hash(), second);
    let answer = server.post("/v1/decide", marketing);
    assert_eq!(answer.json()["outcome"], "allow");
    assert_eq!(answer.policy.as_deref(), Some(second.as_str()));
    let stderr = server.stderr();
    assert!(
        stderr.contains("refused the new version; still serving"),
        "{stderr}"
    );
    assert!(
        stderr.contains("shop.lawful:"),
        "the diagnostics name the file: {stderr}"
    );

    // A version whose assertion does not hold is refused: it is proven before it serves.
    let unproven =
        format!("{SHOP_WITH_MARKETING}assert never use user.contact.email for marketing\n");
    replace(&policy, &unproven);
    wait_for("the second refusal", || {
        server.metric("lawful_reloads_refused_total") == 2
    });
    assert!(server.stderr().contains("assertion"), "{}", server.stderr());
    assert_eq!(server.hash(), second);

    // Back to the first text: the first hash again.
    replace(&policy, SHOP);
    wait_for("the third version", || server.hash() == first);
    server
        .post("/v1/decide", marketing)
        .refused("lawful::eval::unknown_purpose");
    assert_eq!(server.metric("lawful_reloads_total"), 2);
}

#[test]
fn an_import_is_watched_too_and_sighup_reloads_at_once() {
    let dir = temp_dir("sighup");
    std::fs::write(
        dir.join("policy.lawful"),
        "policy \"Shop\" { controller \"Shop GmbH\" }\nuse \"./purposes.lawful\"\nregion DE \"Germany\"\ncategory user.contact.email\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("purposes.lawful"),
        "purpose support { uses user.contact.email basis contract }\n",
    )
    .unwrap();
    // The directory is served: its `policy.lawful`. No polling: only SIGHUP reloads.
    let server = Server::start(&dir, &["--watch-ms", "0"]);
    let policy = server.get("/v1/policy").json();
    assert_eq!(policy["files"].as_array().unwrap().len(), 2, "{policy}");
    let first = server.hash();
    replace(
        &dir.join("purposes.lawful"),
        "purpose support { uses user.contact.email basis contract }\npurpose billing { uses user.contact.email basis contract }\n",
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.hash(), first, "not polled");
    server.signal("HUP");
    wait_for("the SIGHUP reload", || server.hash() != first);
    let answer = server.post(
        "/v1/decide",
        r#"{"purpose":"billing","data":"user.contact.email","subject":{"region":"DE"}}"#,
    );
    assert_eq!(answer.json()["outcome"], "allow", "{}", answer.body);
    assert!(
        server.stderr().contains("SIGHUP: reloaded"),
        "{}",
        server.stderr()
    );
}

#[test]
fn tokens_guard_everything_but_health_and_readiness() {
    let dir = temp_dir("auth");
    let tokens = dir.join("tokens");
    std::fs::write(
        &tokens,
        "# tokens\nread reader-0123456789abcdef\nwrite writer-0123456789abcdef\n",
    )
    .unwrap();
    let server = Server::start(
        Path::new(ANKER),
        &["--token-file", tokens.to_str().unwrap()],
    );
    let question = r#"{"purpose":"essential.service.site","data":"session.ip","region":"DE"}"#;
    let with = |token: &str, path: &str| {
        call(
            ureq::post(&server.url(path)).set("Authorization", &format!("Bearer {token}")),
            Some(question),
        )
    };
    let none = server.post("/v1/decide", question);
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["code"], "lawful::serve::unauthorized");
    assert_eq!(with("wrong-0123456789abcdef", "/v1/decide").status, 401);
    assert_eq!(server.get("/metrics").status, 401);
    assert_eq!(server.get("/v1/policy").status, 401);
    assert_eq!(server.post("/v1/batch", question).status, 401);
    assert_eq!(
        with("reader-0123456789abcdef", "/v1/decide").json()["outcome"],
        "allow"
    );
    assert_eq!(
        with("writer-0123456789abcdef", "/v1/decide").json()["outcome"],
        "allow"
    );
    // Ledger writes need the write scope.
    let write = with("reader-0123456789abcdef", "/v1/subjects/u-1/events");
    assert_eq!(write.status, 403);
    assert_eq!(write.json()["code"], "lawful::serve::forbidden");
    assert_eq!(server.get("/health").status, 200);
    assert_eq!(server.get("/ready").status, 200);

    // A public address needs tokens (or an explicit opt-out).
    let refused = Command::new(assert_cmd::cargo::cargo_bin("lawful"))
        .args(["serve", ANKER, "--addr", "0.0.0.0:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--token-file"));
}

#[test]
fn the_decision_log_has_a_line_per_decision_without_subject_data_and_rotates() {
    let dir = temp_dir("log");
    let log = dir.join("decisions.jsonl");
    let server = Server::start(
        Path::new(ANKER),
        &[
            "--decision-log",
            log.to_str().unwrap(),
            "--log-max-bytes",
            "4000",
            "--log-keep",
            "2",
        ],
    );
    let mut ids = Vec::new();
    for age in 20..60 {
        let answer = server.post(
            "/v1/decide",
            &format!(r#"{{"purpose":"essential.service.site","data":"session.ip","region":"DE","subject":{{"region":"DE","age":{age}}}}}"#),
        );
        ids.push(answer.decision.unwrap());
    }
    let batch = server.post(
        "/v1/batch",
        "{\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"region\":\"DE\"}\nnot json\n",
    );
    assert_eq!(batch.status, 200);
    server
        .post("/v1/decide", r#"{"purpose":"nope","data":"session.ip"}"#)
        .refused("lawful::eval::unknown_purpose");
    let status = server.stop();
    assert!(status.success(), "{status}");

    let mut lines = Vec::new();
    for name in ["decisions.jsonl.2", "decisions.jsonl.1", "decisions.jsonl"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.len() <= 4000, "{name}: {} bytes", text.len());
        lines.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    assert!(!dir.join("decisions.jsonl.3").exists());
    // The newest decisions, in order: the 40 single ones (those still kept), then the
    // batch's one answered line; errors are not decisions.
    let last = lines.last().unwrap();
    assert_eq!(last["endpoint"], "batch");
    assert_eq!(last["outcome"], "allow");
    assert_eq!(last["latency_us"], Value::Null);
    let singles: Vec<&Value> = lines.iter().filter(|l| l["endpoint"] == "decide").collect();
    assert!(
        singles.len() >= 10 && singles.len() < 40,
        "rotated away: {}",
        singles.len()
    );
    let logged: Vec<&str> = singles
        .iter()
        .map(|l| l["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        logged,
        ids[ids.len() - logged.len()..]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let one = singles.last().unwrap();
    assert_eq!(
        one["question"],
        serde_json::json!({"purpose":"essential.service.site","data":"session.ip","region":"DE"})
    );
    assert!(one["subject"]["hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(one["subject"].get("data").is_none());
    assert_eq!(
        (
            one["outcome"].as_str(),
            one["reason"].as_str(),
            one["basis"].as_str()
        ),
        (Some("allow"), Some("allowed"), Some("contract"))
    );
    // The same rule the command line cites for the same question.
    let cli: Value = serde_json::from_str(&lawful_json(&[
        "query",
        ANKER,
        "--purpose",
        "essential.service.site",
        "--field",
        "session.ip",
        "--region",
        "DE",
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(cli["rule"]["line"].as_u64().is_some(), "{cli}");
    assert_eq!(one["rule"]["line"], cli["rule"]["line"]);
    assert!(one["policy"].as_str().unwrap().starts_with("sha256:"));
    assert!(one["latency_us"].as_u64().is_some());
    // Different subjects, different hashes; the subject's data nowhere.
    let hashes: std::collections::HashSet<&str> = singles
        .iter()
        .map(|l| l["subject"]["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), singles.len());
    for name in ["decisions.jsonl.2", "decisions.jsonl.1", "decisions.jsonl"] {
        assert!(!std::fs::read_to_string(dir.join(name))
            .unwrap()
            .contains("\"age\""));
    }
}

/// Feeds a request body from a channel: the test decides when each part arrives.
struct Trickle(mpsc::Receiver<Vec<u8>>, Vec<u8>);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1.is_empty() {
            match self.0.recv() {
                Ok(part) => self.1 = part,
                Err(_) => return Ok(0),
            }
        }
        let n = self.1.len().min(buf.len());
        buf[..n].copy_from_slice(&self.1[..n]);
        self.1.drain(..n);
        Ok(n)
    }
}

#[test]
fn shutdown_answers_the_requests_in_flight() {
    let server = Server::start(Path::new(ANKER), &[]);
    let (parts, receiver) = mpsc::channel();
    let url = server.url("/v1/batch");
    let client = std::thread::spawn(move || {
        let response = ureq::post(&url)
            .timeout(Duration::from_secs(60))
            .send(Trickle(receiver, Vec::new()))
            .unwrap();
        response.into_string().unwrap()
    });
    let line =
        b"{\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"region\":\"DE\"}\n";
    parts.send(line.to_vec()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    // Still running: a request is in flight.
    parts.send(line.to_vec()).unwrap();
    drop(parts);
    let answers = client.join().unwrap();
    assert_eq!(answers.lines().count(), 2, "{answers}");
    assert!(answers
        .lines()
        .all(|l| l.starts_with(r#"{"outcome":"allow""#)));
    let status = server.stop();
    assert!(status.success(), "{status}");
}

#[test]
fn the_python_client_example_runs_against_a_live_server() {
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("the Python client test needs python3");
    let server = Server::start(Path::new(ANKER), &[]);
    let out = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/client.py"))
        .arg(&server.base)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let hash = server.hash();
    assert_eq!(
        lines[0],
        serde_json::json!({"decide":"allow","reason":"allowed","policy":hash})
    );
    assert_eq!(lines[1]["unknown"], "lawful::eval::unknown_purpose");
    assert_eq!(lines[1]["status"], 400);
    assert!(lines[1]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `essential.service.site`"));
    assert_eq!(lines[2], serde_json::json!({"transfer":"scc"}));
    assert_eq!(
        lines[3],
        serde_json::json!({"mask":{"allowed":["session.ip"],"denied":["account.email"]}})
    );
    assert_eq!(
        lines[4],
        serde_json::json!({"batch":["allow","lawful::eval::unknown_purpose"]})
    );
    assert_eq!(lines[5], serde_json::json!({"allow":true}));
}

/// `--ledger`: a question names its subject by `"user"`, read from the ledger; events are
/// recorded through `/v1/subjects/{id}/events` (all of a request or none, once per key,
/// checked against the serving policy), and the subject and its consent proof read back.
#[test]
fn a_ledger_subject_is_decided_by_id_and_its_events_are_recorded_read_and_proved() {
    let dir = temp_dir("ledger");
    let policy = dir.join("shop.lawful");
    std::fs::write(&policy, SHOP_WITH_MARKETING).unwrap();
    let db = dir.join("lawful.db");
    let server = Server::start(&policy, &["--ledger", db.to_str().unwrap()]);
    let question =
        r#"{"purpose":"marketing","data":"user.contact.email","region":"DE","user":"u42"}"#;
    let before = server.post("/v1/decide", question);
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(before.json()["outcome"], "deny", "{}", before.body);

    let consent = r#"{"type":"consent_given","purpose":"marketing","at":"2024-05-01T00:00:00Z","source":"signup-form","key":"k1"}"#;
    let recorded = server.post("/v1/subjects/u42/events", consent);
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let first = recorded.json()["recorded"][0].clone();
    assert_eq!(first["duplicate"], false, "{}", recorded.body);
    let again = server.post("/v1/subjects/u42/events", consent).json();
    assert_eq!(again["recorded"][0]["duplicate"], true);
    assert_eq!(again["recorded"][0]["seq"], first["seq"]);

    let after = server.post("/v1/decide", question);
    assert_eq!(after.json()["outcome"], "allow", "{}", after.body);
    assert_eq!(after.json()["basis"], "consent", "{}", after.body);

    let subject = server.get("/v1/subjects/u42");
    assert_eq!(subject.status, 200, "{}", subject.body);
    assert!(subject.body.contains("marketing"), "{}", subject.body);
    assert!(subject.policy.is_some());
    let proof = server.get("/v1/subjects/u42/proof?purpose=marketing");
    assert_eq!(proof.status, 200, "{}", proof.body);
    assert!(proof.body.contains("signup-form"), "{}", proof.body);

    // A request with one bad event records nothing: the good line before it is not kept.
    let two = "{\"type\":\"objection_made\",\"purpose\":\"support\",\"at\":\"2024-06-01T00:00:00Z\"}\n\
               {\"type\":\"consent_given\",\"purpose\":\"marketting\",\"at\":\"2024-06-01T00:00:00Z\"}";
    let refused = server.post("/v1/subjects/u42/events", two);
    let message = refused.refused("lawful::eval::unknown_purpose");
    assert!(message.contains("marketing"), "did you mean: {message}");
    assert_eq!(refused.json()["line"], 2);
    assert_eq!(refused.json()["field"], "purpose");
    let unchanged = server.get("/v1/subjects/u42").body;
    assert!(unchanged.contains(r#""objections":[]"#), "{unchanged}");

    let other = r#"{"subject":"u7","type":"consent_given","purpose":"marketing","at":"2024-05-01T00:00:00Z"}"#;
    server
        .post("/v1/subjects/u42/events", other)
        .refused("lawful::serve::other_subject");
    server
        .get("/v1/subjects/u42/proof")
        .refused("lawful::serve::purpose");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without `--ledger` the subject endpoints say there is none.
#[test]
fn the_subject_endpoints_need_a_ledger() {
    let server = Server::start(Path::new(ANKER), &[]);
    let answer = server.get("/v1/subjects/u42");
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(answer.json()["code"], "lawful::serve::no_ledger");
}
