//! The decision log: one JSON line per decision, appended by a writer thread to a file that
//! is rotated by size.
//!
//! A request hands its record (the raw question and answer, a few ids) to the writer over a
//! bounded channel and never waits: when the channel is full the record is dropped and
//! counted (`lawful_decision_log_dropped_total`), and the writer puts a `{"dropped": N}`
//! line into the log before its next record, so the gap is visible where it happened.
//! Everything costly — reading the question back, hashing the subject, formatting — happens
//! on the writer thread.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::version::hex;

/// How the decision log is kept.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The log file; rotated copies are `PATH.1` (newest) … `PATH.KEEP`.
    pub path: PathBuf,
    /// Rotate before a line would take the file over this many bytes.
    pub max_bytes: u64,
    /// How many rotated files to keep.
    pub keep: u32,
    /// The share of decisions logged, in `(0, 1]`: 1 logs every decision.
    pub sample: f64,
    /// Log the inline subject's document itself, not only its hash.
    pub subject_data: bool,
    /// Records waiting for the writer before new ones are dropped.
    pub capacity: usize,
}

/// One decision, as the request path hands it over.
#[derive(Debug)]
pub struct Record {
    /// The decision's id (also sent to the client).
    pub id: String,
    /// When it was decided.
    pub time: Timestamp,
    /// The content hash of the deciding policy.
    pub policy: Arc<str>,
    /// Which endpoint asked (`decide`, `batch`, `opa` …).
    pub endpoint: &'static str,
    /// The question's JSON, as received (the subject is taken out on the writer thread).
    pub question: Vec<u8>,
    /// The answer's JSON, as sent.
    pub answer: Vec<u8>,
    /// What was decided (`allow`, `deny`, a retention verdict, `mask`).
    pub outcome: &'static str,
    /// The reason code.
    pub reason: &'static str,
    /// How long answering took (none for a batch line: its stream is timed as a whole).
    pub latency: Option<Duration>,
}

enum Message {
    Record(Box<Record>),
    Stop,
}

/// The request side of the log.
#[derive(Debug)]
pub struct DecisionLog {
    sender: SyncSender<MessageBox>,
    sample: f64,
    dropped: Arc<AtomicU64>,
    writer: std::sync::Mutex<Option<JoinHandle<io::Result<()>>>>,
}

/// `Message`, `Debug` for the sender's sake.
struct MessageBox(Message);

impl std::fmt::Debug for MessageBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Message")
    }
}

impl DecisionLog {
    /// Open (append to) the log and start its writer thread.
    pub fn start(config: &LogConfig) -> io::Result<DecisionLog> {
        let file = Rotating::open(config)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(config.capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            file,
            dropped: Arc::clone(&dropped),
            subject_data: config.subject_data,
        };
        let handle = std::thread::Builder::new()
            .name("lawful-decision-log".to_owned())
            .spawn(move || writer.run(&receiver))?;
        Ok(DecisionLog {
            sender,
            sample: config.sample,
            dropped,
            writer: std::sync::Mutex::new(Some(handle)),
        })
    }

    /// Whether the decision numbered `n` is logged (a fixed pseudo-random choice per
    /// number, so a sample of 0.1 logs about one in ten, spread evenly).
    pub fn sampled(&self, n: u64) -> bool {
        self.sample >= 1.0 || (splitmix(n) as f64) < self.sample * (u64::MAX as f64)
    }

    /// Hand a record to the writer without waiting; `false` when it was dropped (the
    /// writer is behind).
    pub fn send(&self, record: Record) -> bool {
        match self
            .sender
            .try_send(MessageBox(Message::Record(Box::new(record))))
        {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Write out every record handed over, and stop the writer (at shutdown).
    pub fn finish(&self) -> io::Result<()> {
        // Waits for room: at shutdown the writer is draining, not blocked.
        let _ = self.sender.send(MessageBox(Message::Stop));
        let handle = self.writer.lock().ok().and_then(|mut h| h.take());
        match handle.map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the decision log writer stopped")),
            None => Ok(()),
        }
    }
}

/// SplitMix64: a well-mixed 64-bit value for each `n`.
fn splitmix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Writer {
    file: Rotating,
    dropped: Arc<AtomicU64>,
    subject_data: bool,
}

impl Writer {
    fn run(mut self, receiver: &Receiver<MessageBox>) -> io::Result<()> {
        let mut line = Vec::with_capacity(1024);
        while let Ok(MessageBox(message)) = receiver.recv() {
            let mut next = Some(message);
            // Write all that is waiting, then flush once.
            while let Some(message) = next.take() {
                let Message::Record(record) = message else {
                    return self.file.flush();
                };
                let dropped = self.dropped.swap(0, Ordering::Relaxed);
                if dropped > 0 {
                    line.clear();
                    let marker = serde_json::json!({
                        "time": Timestamp::now().to_string(),
                        "dropped": dropped,
                    });
                    let _ = serde_json::to_writer(&mut line, &marker);
                    line.push(b'\n');
                    self.file.write_line(&line)?;
                }
                line.clear();
                let _ = serde_json::to_writer(&mut line, &entry(&record, self.subject_data));
                line.push(b'\n');
                self.file.write_line(&line)?;
                next = receiver.try_recv().ok().map(|MessageBox(m)| m);
            }
            self.file.flush()?;
        }
        self.file.flush()
    }
}

/// The log line of a record (see [`Entry`]); `subject_data`: keep the inline subject's
/// document beside its hash.
fn entry(record: &Record, subject_data: bool) -> Entry<'_> {
    let mut question = match serde_json::from_slice::<Value>(&record.question) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let subject = match (question.remove("subject"), question.remove("user")) {
        (_, Some(user)) => serde_json::json!({ "user": user }),
        (Some(subject), None) => {
            let text = serde_json::to_vec(&subject).unwrap_or_default();
            let hash = format!("sha256:{}", hex(&Sha256::digest(&text)));
            if subject_data {
                serde_json::json!({ "hash": hash, "data": subject })
            } else {
                serde_json::json!({ "hash": hash })
            }
        }
        (None, None) => Value::Null,
    };
    let answer = match serde_json::from_slice::<Value>(&record.answer) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let member = |name: &str| answer.get(name).cloned().unwrap_or(Value::Null);
    Entry {
        decision_id: &record.id,
        time: record.time.to_string(),
        policy: &record.policy,
        endpoint: record.endpoint,
        question,
        subject,
        outcome: record.outcome,
        reason: record.reason,
        basis: member("basis"),
        rule: {
            // The log says which rule decided; its citation (policy text, often long) is in
            // the policy version the line names, so it is not repeated on every line.
            let mut rule = member("rule");
            if let Some(rule) = rule.as_object_mut() {
                rule.remove("citation");
            }
            rule
        },
        latency_us: record
            .latency
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
    }
}

/// One line of the decision log, its members in this order.
#[derive(serde::Serialize)]
struct Entry<'r> {
    decision_id: &'r str,
    time: String,
    policy: &'r str,
    endpoint: &'static str,
    question: Map<String, Value>,
    subject: Value,
    outcome: &'static str,
    reason: &'static str,
    basis: Value,
    rule: Value,
    latency_us: Option<u64>,
}

/// An append-only file that is rotated before it passes its size.
struct Rotating {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    out: BufWriter<File>,
    size: u64,
}

impl Rotating {
    fn open(config: &LogConfig) -> io::Result<Rotating> {
        let file = append(&config.path)?;
        let size = file.metadata()?.len();
        Ok(Rotating {
            path: config.path.clone(),
            max_bytes: config.max_bytes.max(1),
            keep: config.keep,
            out: BufWriter::with_capacity(1 << 16, file),
            size,
        })
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let len = line.len() as u64;
        if self.size > 0 && self.size.saturating_add(len) > self.max_bytes {
            self.rotate()?;
        }
        self.out.write_all(line)?;
        self.size += len;
        Ok(())
    }

    /// `PATH.{k}` → `PATH.{k+1}` (the oldest falls off), `PATH` → `PATH.1`, a new `PATH`.
    fn rotate(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        if self.keep == 0 {
            let file = File::create(&self.path)?;
            self.out = BufWriter::with_capacity(1 << 16, file);
            self.size = 0;
            return Ok(());
        }
        let _ = std::fs::remove_file(numbered(&self.path, self.keep));
        for k in (1..self.keep).rev() {
            let from = numbered(&self.path, k);
            if from.exists() {
                std::fs::rename(&from, numbered(&self.path, k + 1))?;
            }
        }
        std::fs::rename(&self.path, numbered(&self.path, 1))?;
        self.out = BufWriter::with_capacity(1 << 16, append(&self.path)?);
        self.size = 0;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn numbered(path: &Path, k: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{k}"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn record(n: u64, question: &str) -> Record {
        Record {
            id: format!("d{n}"),
            time: Timestamp::UNIX_EPOCH,
            policy: Arc::from("sha256:ab"),
            endpoint: "decide",
            question: question.as_bytes().to_vec(),
            answer: br#"{"outcome":"allow","reason":"allowed","basis":"contract","rule":null}"#
                .to_vec(),
            outcome: "allow",
            reason: "allowed",
            latency: Some(Duration::from_micros(12)),
        }
    }

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lawful-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_subject_is_hashed_never_written_and_files_rotate_by_size() {
        let dir = dir("rotate");
        let config = LogConfig {
            path: dir.join("decisions.jsonl"),
            max_bytes: 1000,
            keep: 2,
            sample: 1.0,
            subject_data: false,
            capacity: 1024,
        };
        let log = DecisionLog::start(&config).unwrap();
        let question = r#"{"purpose":"p","data":"d","subject":{"region":"DE","age":41}}"#;
        for n in 0..40 {
            assert!(log.send(record(n, question)));
        }
        log.finish().unwrap();
        let mut lines = Vec::new();
        for name in ["decisions.jsonl.2", "decisions.jsonl.1", "decisions.jsonl"] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            assert!(text.len() <= 1000, "{name} has {} bytes", text.len());
            lines.extend(text.lines().map(str::to_owned));
        }
        assert!(!dir.join("decisions.jsonl.3").exists(), "only two are kept");
        // The newest records, in order, across the files.
        let last: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        assert_eq!(last["decision_id"], "d39");
        let first: Value = serde_json::from_str(&lines[0]).unwrap();
        let first_n: u64 = first["decision_id"].as_str().unwrap()[1..].parse().unwrap();
        assert_eq!(first_n as usize + lines.len(), 40);
        assert_eq!(
            last["question"],
            serde_json::json!({"purpose":"p","data":"d"})
        );
        assert!(last["subject"]["hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"));
        assert!(!lines.iter().any(|l| l.contains("\"age\"")));
        assert_eq!(last["basis"], "contract");
        assert_eq!(last["latency_us"], 12);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_channel_drops_and_the_log_says_so() {
        let dir = dir("full");
        let config = LogConfig {
            path: dir.join("d.jsonl"),
            max_bytes: 1 << 20,
            keep: 1,
            sample: 1.0,
            subject_data: true,
            capacity: 1,
        };
        let log = DecisionLog::start(&config).unwrap();
        let question = r#"{"purpose":"p","data":"d","user":"u-7"}"#;
        let sent = (0..2000).filter(|&n| log.send(record(n, question))).count();
        assert!(sent < 2000, "a channel of one fills up");
        // One more after the writer caught up carries the marker before it.
        std::thread::sleep(Duration::from_millis(200));
        let mut attempts = 2001;
        while !log.send(record(9999, question)) {
            attempts += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
        log.finish().unwrap();
        let text = std::fs::read_to_string(dir.join("d.jsonl")).unwrap();
        let dropped: u64 = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter_map(|v| v["dropped"].as_u64())
            .sum();
        let records = text.lines().filter(|l| l.contains("decision_id")).count();
        assert_eq!(records as u64 + dropped, attempts);
        assert!(dropped > 0);
        assert!(text.contains(r#""subject":{"user":"u-7"}"#));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_subject_document_is_logged_only_when_asked() {
        let question = r#"{"purpose":"p","subject":{"region":"DE","age":41}}"#;
        let r = record(1, question);
        let hashed = serde_json::to_value(entry(&r, false)).unwrap();
        let kept = serde_json::to_value(entry(&r, true)).unwrap();
        assert_eq!(hashed["subject"]["hash"], kept["subject"]["hash"]);
        assert!(hashed["subject"].get("data").is_none());
        assert_eq!(
            kept["subject"]["data"],
            serde_json::json!({"region":"DE","age":41})
        );
        assert_eq!(kept["question"], serde_json::json!({"purpose":"p"}));
        let none = serde_json::to_value(entry(&record(2, r#"{"purpose":"p"}"#), false)).unwrap();
        assert_eq!(none["subject"], Value::Null);
    }

    #[test]
    fn sampling_keeps_about_the_share_asked() {
        let dir = dir("sample");
        let config = LogConfig {
            path: dir.join("s.jsonl"),
            max_bytes: 1 << 20,
            keep: 1,
            sample: 0.1,
            subject_data: false,
            capacity: 8,
        };
        let log = DecisionLog::start(&config).unwrap();
        let kept = (0..100_000u64).filter(|&n| log.sampled(n)).count();
        assert!((9_000..11_000).contains(&kept), "{kept}");
        log.finish().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
