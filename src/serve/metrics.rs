//! The server's counters, read by `GET /metrics` in the Prometheus text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 1.0,
];

/// Counters shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Decisions by endpoint, outcome and reason (a few dozen keys: the codes are fixed).
    decisions: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
    /// Refused questions by error code.
    errors: Mutex<BTreeMap<&'static str, u64>>,
    /// Latency of single questions: one counter per bucket (not cumulative), then the
    /// overflow.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_nanos: AtomicU64,
    latency_count: AtomicU64,
    /// Versions swapped in after the first.
    pub reloads: AtomicU64,
    /// Versions refused (the old one kept serving).
    pub reloads_refused: AtomicU64,
    /// Decision log records dropped because the writer fell behind.
    pub log_dropped: AtomicU64,
}

impl Metrics {
    /// Count `n` decisions.
    pub fn decisions(
        &self,
        endpoint: &'static str,
        outcome: &'static str,
        reason: &'static str,
        n: u64,
    ) {
        if let Ok(mut map) = self.decisions.lock() {
            *map.entry((endpoint, outcome, reason)).or_insert(0) += n;
        }
    }

    /// Count a refused question.
    pub fn error(&self, code: &'static str) {
        if let Ok(mut map) = self.errors.lock() {
            *map.entry(code).or_insert(0) += 1;
        }
    }

    /// Record how long a single question took.
    pub fn latency(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        if let Some(bucket) = self.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text; `policy` labels the `lawful_policy_info` gauge.
    pub fn render(&self, policy_hash: &str, policy_name: &str) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP lawful_decisions_total Decisions made, by endpoint, outcome and reason.\n",
        );
        out.push_str("# TYPE lawful_decisions_total counter\n");
        if let Ok(map) = self.decisions.lock() {
            for ((endpoint, outcome, reason), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "lawful_decisions_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\",reason=\"{reason}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP lawful_refused_total Questions answered with an error, by code.\n");
        out.push_str("# TYPE lawful_refused_total counter\n");
        if let Ok(map) = self.errors.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(out, "lawful_refused_total{{code=\"{code}\"}} {n}");
            }
        }
        out.push_str(
            "# HELP lawful_decision_seconds Time to answer a single question, body read included.\n",
        );
        out.push_str("# TYPE lawful_decision_seconds histogram\n");
        let mut cumulative = 0u64;
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "lawful_decision_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        if let Some(overflow) = self.buckets.last() {
            cumulative += overflow.load(Ordering::Relaxed);
        }
        let _ = writeln!(
            out,
            "lawful_decision_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.latency_sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "lawful_decision_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "lawful_decision_seconds_count {}",
            self.latency_count.load(Ordering::Relaxed)
        );
        let counters = [
            (
                "lawful_reloads_total",
                "New policy versions swapped in.",
                &self.reloads,
            ),
            (
                "lawful_reloads_refused_total",
                "Policy versions refused (errors or unproven assertions); the old one kept serving.",
                &self.reloads_refused,
            ),
            (
                "lawful_decision_log_dropped_total",
                "Decision log records dropped because the log writer fell behind.",
                &self.log_dropped,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out.push_str("# HELP lawful_policy_info The policy version serving now.\n");
        out.push_str("# TYPE lawful_policy_info gauge\n");
        let _ = writeln!(
            out,
            "lawful_policy_info{{hash=\"{policy_hash}\",name=\"{}\"}} 1",
            label(policy_name)
        );
        out
    }
}

/// A label value escaped for the exposition format.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_request() {
        let metrics = Metrics::default();
        for micros in [10, 40, 900, 3_000_000] {
            metrics.latency(Duration::from_micros(micros));
        }
        metrics.decisions("decide", "deny", "consent_missing", 2);
        metrics.error("lawful::eval::unknown_purpose");
        let text = metrics.render("sha256:00", "Shop \"EU\"");
        assert!(text.contains("lawful_decision_seconds_bucket{le=\"0.000025\"} 1\n"));
        assert!(text.contains("lawful_decision_seconds_bucket{le=\"0.00005\"} 2\n"));
        assert!(text.contains("lawful_decision_seconds_bucket{le=\"0.001\"} 3\n"));
        assert!(text.contains("lawful_decision_seconds_bucket{le=\"1\"} 3\n"));
        assert!(text.contains("lawful_decision_seconds_bucket{le=\"+Inf\"} 4\n"));
        assert!(text.contains("lawful_decision_seconds_count 4\n"));
        assert!(text.contains(
            "lawful_decisions_total{endpoint=\"decide\",outcome=\"deny\",reason=\"consent_missing\"} 2\n"
        ));
        assert!(text.contains("lawful_refused_total{code=\"lawful::eval::unknown_purpose\"} 1\n"));
        assert!(text.contains("name=\"Shop \\\"EU\\\"\""));
    }
}
