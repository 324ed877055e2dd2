//! Hot reload: the policy files (the root and every import) are polled for changes, and
//! SIGHUP asks for a reload at once. A new version is compiled on a blocking thread —
//! parsed, checked, its assertions proven — and only then swapped in, whole; a version that
//! fails is refused and logged with its diagnostics, and the old one keeps serving.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::version::{Fingerprint, Source};
use super::{say, App};

/// Watch for changes until the task is aborted. `fingerprint` is what the serving version
/// was compiled from.
pub async fn watch(
    app: Arc<App>,
    source: Source,
    every: Option<Duration>,
    mut fingerprint: Fingerprint,
) {
    let mut hangup = hangup();
    let mut tick = every.map(|every| {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick
    });
    loop {
        let asked = tokio::select! {
            () = next_hangup(&mut hangup) => "SIGHUP",
            () = next_tick(&mut tick) => "a policy file changed",
        };
        let before = Fingerprint::of(&fingerprint.files());
        if asked != "SIGHUP" && before == fingerprint {
            continue;
        }
        fingerprint = reload(&app, &source, asked, before).await;
    }
}

/// Compile and swap in a new version; returns the fingerprint to compare against next.
async fn reload(app: &App, source: &Source, asked: &str, before: Fingerprint) -> Fingerprint {
    let compiling = source.clone();
    let compiled = tokio::task::spawn_blocking(move || compiling.compile()).await;
    let (files, outcome) = match compiled {
        Ok(Ok(version)) => (version.files.clone(), Ok(version)),
        Ok(Err((files, refused))) => (files, Err(refused.to_string())),
        Err(e) => (before.files(), Err(format!("the compile stopped: {e}"))),
    };
    let after = Fingerprint::of(&files);
    let serving = app.version();
    match outcome {
        Ok(version) if version.hash == serving.hash => {
            say(&format!(
                "{asked}: the policy is unchanged ({})",
                version.hash
            ));
        }
        Ok(version) => {
            say(&format!(
                "{asked}: reloaded `{}` ({}, was {})",
                version
                    .policy
                    .header()
                    .name
                    .as_deref()
                    .unwrap_or("unnamed policy"),
                version.hash,
                serving.hash
            ));
            app.current.store(Arc::new(version));
            app.metrics.reloads.fetch_add(1, Ordering::Relaxed);
        }
        Err(why) => {
            app.metrics.reloads_refused.fetch_add(1, Ordering::Relaxed);
            say(&format!(
                "{asked}: refused the new version; still serving {}\n{why}",
                serving.hash
            ));
        }
    }
    // A file that changed while it was compiled is compared against what it was before,
    // so the next tick compiles again.
    if before.differs_from(&after) {
        before
    } else {
        after
    }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

fn hangup() -> Hangup {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::hangup()) {
            Ok(signal) => Some(signal),
            Err(e) => {
                say(&format!("SIGHUP will not reload: {e}"));
                None
            }
        }
    }
    #[cfg(not(unix))]
    None
}

async fn next_hangup(hangup: &mut Hangup) {
    #[cfg(unix)]
    if let Some(signal) = hangup {
        if signal.recv().await.is_some() {
            return;
        }
    }
    #[cfg(not(unix))]
    let _ = hangup;
    std::future::pending::<()>().await;
}

async fn next_tick(tick: &mut Option<tokio::time::Interval>) {
    match tick {
        Some(tick) => {
            tick.tick().await;
        }
        None => std::future::pending::<()>().await,
    }
}
