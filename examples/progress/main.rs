//! A long task that streams its progress to the page, with a cancel button: the method returns a stream, the page
//! reads it with `for await`, and cancelling (or closing the window) drops the task in Rust at its next step.
//!
//! ```text
//! cargo run -p examples --bin progress                   # opens the window: press Start, then Cancel if you like
//! cargo run -p examples --bin progress -- --self-drive   # starts a task, cancels it, runs one to the end, saves a PNG
//! ```
//!
//! `--screenshot PATH` sets the PNG (default `progress.png`). Exits 0 when the cancelled task stopped in Rust before
//! its end and the second task reported every step in order.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ipc_core::{ipc_service, Stream};
use ipc_wry::{App, AppHandle, WindowSpec};
use serde::Serialize;

/// Where a task stands.
#[derive(Serialize, ts_rs::TS)]
struct Progress {
    /// Steps done.
    done: u32,
    /// Steps in all.
    total: u32,
    /// What the last step did.
    note: String,
}

/// Long tasks, each reporting its progress as it goes.
#[ipc_service]
trait Tasks {
    /// Runs a task of `steps` steps of `step_ms` milliseconds each, yielding its progress after every step. Stops at
    /// the step it is in when the page stops reading.
    fn run(&self, steps: u32, step_ms: u32) -> impl Stream<Item = Progress> + Send;
}

/// Counts, for the self-driving check, the steps the last task ran before it ended or was dropped.
#[derive(Default)]
struct Worker {
    last_run: Arc<AtomicU32>,
}

/// Records how far a task got when it is dropped (finished, cancelled, or its window gone).
struct Finished {
    steps: Arc<AtomicU32>,
    done: u32,
}

impl Drop for Finished {
    fn drop(&mut self) {
        println!("task ended after {} steps", self.done);
        self.steps.store(self.done, Ordering::SeqCst);
    }
}

impl Tasks for Worker {
    fn run(&self, steps: u32, step_ms: u32) -> impl Stream<Item = Progress> + Send {
        let finished = Finished {
            steps: Arc::clone(&self.last_run),
            done: 0,
        };
        futures::stream::unfold(finished, move |mut finished| async move {
            if finished.done == steps {
                return None;
            }
            // The work of one step; a real task would do I/O or spawn_blocking here.
            tokio::time::sleep(Duration::from_millis(u64::from(step_ms))).await;
            finished.done += 1;
            let progress = Progress {
                done: finished.done,
                total: steps,
                note: format!("step {} of {steps} done", finished.done),
            };
            Some((progress, finished))
        })
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let self_drive = args.iter().any(|a| a == "--self-drive");
    let screenshot = args
        .iter()
        .position(|a| a == "--screenshot")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("progress.png"), PathBuf::from);

    let worker = Worker::default();
    let last_run = Arc::clone(&worker.last_run);
    let mut app = App::new()
        .service(worker.into_service())
        .window(WindowSpec::html("Progress", include_str!("index.html")).size(560, 300));
    if self_drive {
        app = app.drive(move |handle| drive(handle, &last_run, &screenshot));
    }
    match app.run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("progress: {err}");
            std::process::exit(1);
        }
    }
}

/// Presses the page's own buttons: starts a 200-step task and cancels it part way, then runs a short one to its end.
fn drive(handle: &AppHandle, last_run: &AtomicU32, screenshot: &PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(30);
        handle.wait_until_ready(window, patience).await?;
        let click = |id: &str| handle.evaluate(window, format!("document.getElementById('{id}').click(); true"));

        last_run.store(u32::MAX, Ordering::SeqCst);
        handle
            .evaluate(window, "document.getElementById('steps').value = '200'; true")?
            .await?;
        click("start")?.await?;
        handle.wait_for(window, "window.shown >= 10", patience).await?;
        let png = tokio::time::timeout(patience, handle.capture_png(window)?).await??;
        std::fs::write(screenshot, png.map_err(|err| format!("snapshot failed: {err}"))?)?;
        click("cancel")?.await?;
        handle
            .wait_for(window, "window.outcome === 'cancelled'", patience)
            .await?;
        let wait_for_rust = async {
            while last_run.load(Ordering::SeqCst) == u32::MAX {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(patience, wait_for_rust).await?;
        let stopped_at = last_run.load(Ordering::SeqCst);
        if !(10..200).contains(&stopped_at) {
            return Err(format!("the cancelled task ran {stopped_at} of 200 steps in Rust").into());
        }
        println!("cancelled: Rust stopped the task after {stopped_at} of 200 steps");

        handle
            .evaluate(window, "document.getElementById('steps').value = '25'; true")?
            .await?;
        click("start")?.await?;
        let outcome = handle
            .wait_for(window, "window.outcome === 'done' && window.shown", patience)
            .await?;
        if outcome != "25" || last_run.load(Ordering::SeqCst) != 25 {
            return Err(format!("the full task showed {outcome} steps, expected 25").into());
        }
        let status = handle
            .evaluate(window, "document.getElementById('status').textContent")?
            .await?;
        println!("page showed: {}", status.trim_matches('"'));
        println!("screenshot written to {}", screenshot.display());
        Ok(())
    })
}
