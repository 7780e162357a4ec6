//! End-to-end: every case of `tests::cases()` called from the JavaScript of a real WebView (WebKitGTK on Linux), with
//! the answer checked in Rust.
//!
//! A WebView needs the main thread and one event loop per process, so this suite has its own `main` (no libtest
//! harness) and prints one `test <name> ... ok` line per case, like libtest. Without a display it re-runs itself under
//! `xvfb-run -a`. A case fails, rather than hangs, if the page never loads or never answers; a watchdog ends the whole
//! run if the event loop itself stops responding.
//!
//! ```text
//! cargo test -p tests --test webview                 # all cases
//! cargo test -p tests --test webview -- timeout      # cases whose name contains "timeout"
//! ```

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use ipc_wry::{App, AppHandle, WindowSpec};
use tests::kinds::{self, Kinds};
use tests::{cases, Case, Fixture, FixtureImpl, Outcome, Page};

/// How long one case may take, page load included for the first.
const CASE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the whole run may take before the watchdog fails it.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// The test page: helpers that run a call and store its outcome in the shape of an answer envelope.
const PAGE: &str = r#"<!doctype html>
<html><body><p>ipc end-to-end</p><script>
  window.__outcomes = {};
  // Runs a call made through the runtime; stores {success, data, error} as the answer envelope would carry them.
  window.__call = (name, thunk) => {
    Promise.resolve().then(thunk).then(
      (data) => { window.__outcomes[name] = { success: true, data: data === undefined ? null : data, error: null }; },
      (e) => {
        window.__outcomes[name] = {
          success: false, data: null,
          error: { code: e.code, kind: e.kind, message: String(e.message), data: e.data === undefined ? null : e.data },
        };
      });
    return true;
  };
  // Posts raw text past the runtime and stores the answer envelope carrying `id` exactly as it arrives.
  window.__raw = (name, text, id) => {
    const deliver = host.__receive;
    host.__receive = (message) => {
      if (message.id === id) { host.__receive = deliver; window.__outcomes[name] = message; } else { deliver(message); }
    };
    window.ipc.postMessage(text);
    return true;
  };
</script></body></html>"#;

fn main() -> ExitCode {
    if let Some(code) = rerun_under_xvfb() {
        return code;
    }
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| filter.as_deref().is_none_or(|f| c.name.contains(f)))
        .collect();
    println!("\nrunning {} end-to-end WebView tests", selected.len());

    std::thread::spawn(|| {
        std::thread::sleep(RUN_TIMEOUT);
        eprintln!("webview suite: no result after {RUN_TIMEOUT:?}; the event loop is stuck");
        std::process::exit(101);
    });

    let started = Instant::now();
    let app = App::new()
        .service(FixtureImpl.into_service())
        .service(kinds::Impl.into_service())
        .window(WindowSpec::html("ipc end-to-end", PAGE))
        .on_ready(move |handle| {
            std::thread::spawn(move || {
                let failed = run_cases(&handle, &selected);
                let _ = handle.exit(if failed == 0 { 0 } else { 1 });
            });
        });
    let code = match app.run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("webview suite: the app did not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "webview suite finished in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    if code == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the cases one after another in the first window; returns how many failed.
fn run_cases(handle: &AppHandle, cases: &[Case]) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let window = handle.windows()[0];
    let loaded = runtime.block_on(handle.wait_for(
        window,
        "window.__call !== undefined && window.host !== undefined",
        CASE_TIMEOUT,
    ));
    if let Err(err) = loaded {
        println!("the test page never loaded: {err}");
        for case in cases {
            println!("test {} ... FAILED (page not loaded)", case.name);
        }
        return cases.len();
    }
    let mut failures = Vec::new();
    for case in cases {
        let result = runtime.block_on(run_case(handle, case));
        match result {
            Ok(()) => println!("test {} ... ok", case.name),
            Err(problem) => {
                println!("test {} ... FAILED", case.name);
                failures.push((case.name, problem));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, problem) in &failures {
            println!("    {name}: {problem}");
        }
    }
    let status = if failures.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {status}. {} passed; {} failed",
        cases.len() - failures.len(),
        failures.len()
    );
    failures.len()
}

async fn run_case(handle: &AppHandle, case: &Case) -> Result<(), String> {
    let window = handle.windows()[0];
    let name = json(case.name);
    let start = match case.page {
        Page::Js(expression) => format!("__call({name}, () => {expression})"),
        Page::Raw { text, id } => {
            let id = id.map_or_else(|| "null".to_owned(), |id| id.to_string());
            format!("__raw({name}, {}, {id})", json(text))
        }
    };
    let started = handle.evaluate(window, start).map_err(|e| e.to_string())?;
    tokio::time::timeout(CASE_TIMEOUT, started)
        .await
        .map_err(|_| "the page did not run the call".to_owned())?
        .map_err(|_| "the page did not run the call".to_owned())?;
    let outcome = handle
        .wait_for(window, &format!("window.__outcomes[{name}]"), CASE_TIMEOUT)
        .await
        .map_err(|e| format!("the page never got an answer: {e}"))?;
    (case.check)(&Outcome::parse(&outcome)?)
        .map_err(|problem| format!("{problem}\n      outcome: {outcome}"))
}

fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Without a display, runs this same binary under `xvfb-run -a` and returns its result.
fn rerun_under_xvfb() -> Option<ExitCode> {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display || std::env::var_os("IPC_E2E_UNDER_XVFB").is_some() {
        return None;
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let status = Command::new("xvfb-run")
        .arg("-a")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env("IPC_E2E_UNDER_XVFB", "1")
        .status();
    match status {
        Ok(status) if status.success() => Some(ExitCode::SUCCESS),
        Ok(_) => Some(ExitCode::FAILURE),
        Err(err) => {
            eprintln!("webview suite: no display, and xvfb-run could not start ({err}); install xvfb or set DISPLAY");
            Some(ExitCode::FAILURE)
        }
    }
}
