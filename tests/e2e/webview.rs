//! End-to-end, in real WebViews (WebKitGTK on Linux): every case of `tests::cases()` called from a page's JavaScript
//! with the answer checked in Rust, then the host runtime across several windows (`scenarios.rs`): broadcasts, sends,
//! events both ways, capabilities, origins, closing, reloading.
//!
//! A WebView needs the main thread and one event loop per process, so this suite has its own `main` (no libtest
//! harness) and prints one `test <name> ... ok` line per test, like libtest. Without a display it re-runs itself under
//! `xvfb-run -a`. A test fails, rather than hangs, if a page never loads or never answers; a watchdog ends the whole
//! run if the event loop itself stops responding.
//!
//! ```text
//! cargo test -p tests --test webview                 # everything
//! cargo test -p tests --test webview -- broadcast    # tests whose name contains "broadcast"
//! ```

mod assets;
mod attacks;
mod bulk;
mod scenarios;
mod streams;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ipc_core::Capabilities;
use ipc_wry::{App, AppHandle, Assets, WindowSpec};
use streams::{Feed, Sink};
use tests::kinds::{self, Kinds};
use tests::{cases, Case, Fixture, FixtureImpl, Outcome, Page};

/// How long one wait may take, page load included.
pub const PATIENCE: Duration = Duration::from_secs(15);
/// How long the whole run may take before the watchdog fails it.
const RUN_TIMEOUT: Duration = Duration::from_secs(420);

/// The test page: helpers that run a call and store its outcome in the shape of an answer envelope, and that record
/// pushed events.
pub const PAGE: &str = r#"<!doctype html>
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
  // Posts a raw envelope under this page's secret and stores the answer carrying `id` exactly as it arrives.
  window.__raw = (name, text, id) => {
    const off = host.on("host:unclaimed", (message) => {
      if (message.id === id) { off(); window.__outcomes[name] = message; }
    });
    host.postRaw(text);
    return true;
  };
  // Records every event pushed on `channel`.
  window.__events = [];
  window.__listen = (channel) => {
    host.on(channel, (payload) => window.__events.push({ channel, payload }));
    return true;
  };
  window.__received = (channel) => window.__events.filter((e) => e.channel === channel).map((e) => e.payload);
</script></body></html>"#;

/// The windows of the run, by role.
pub struct Windows {
    /// Runs the call cases; may do everything.
    pub main: ipc_core::WindowId,
    /// A second ordinary window.
    pub peer: ipc_core::WindowId,
    /// May not call `probe.touch` nor receive `secret.*`.
    pub viewer: ipc_core::WindowId,
    /// Closed during the run.
    pub doomed: ipc_core::WindowId,
    /// Reloaded and navigated to another origin during the run.
    pub wanderer: ipc_core::WindowId,
    /// Reloaded and navigated while calls are in flight and while its page posts during `pagehide`.
    pub nomad: ipc_core::WindowId,
    /// Floods the host with calls, and is flooded with pushes.
    pub flood: ipc_core::WindowId,
    /// Allows frames of the loopback origin to call `probe.*`.
    pub framed: ipc_core::WindowId,
    /// Sends and receives messages from 64 KiB by fetch.
    pub bulk: ipc_core::WindowId,
    /// Shows a built front end (`tests/e2e/assets`) with the default Content-Security-Policy.
    pub assets: ipc_core::WindowId,
    /// Shows a page of the loopback server (a URL, so no app scheme).
    pub remote: ipc_core::WindowId,
}

/// A test that needs the whole app.
pub type Scenario = for<'a> fn(&'a AppHandle, &'a Windows) -> Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>;

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    // One handler panics on purpose (`panicking_handler_is_an_error`); one line per panic keeps the report readable.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = move |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let selected: Vec<Case> = cases().into_iter().filter(|c| wanted(c.name)).collect();
    let selected_scenarios: Vec<(&'static str, Scenario)> = scenarios::all()
        .into_iter()
        .chain(streams::all())
        .filter(|(name, _)| wanted(name))
        .collect();
    println!(
        "\nrunning {} end-to-end WebView tests",
        selected.len() + selected_scenarios.len()
    );

    std::thread::spawn(|| {
        std::thread::sleep(RUN_TIMEOUT);
        eprintln!("webview suite: no result after {RUN_TIMEOUT:?}; the event loop is stuck");
        std::process::exit(101);
    });

    let started = Instant::now();
    let assets = match Assets::dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/assets")) {
        Ok(assets) => assets,
        Err(err) => {
            eprintln!("webview suite: {err}");
            return ExitCode::FAILURE;
        }
    };
    let viewer = Capabilities::allow_all().deny("probe.touch").deny("secret.*");
    let app = App::new()
        // A small queue, so the push flood has to wait for room.
        .hub(|hub| hub.max_queued_bytes(16 * 1024 * 1024))
        .service(FixtureImpl.into_service())
        .service(kinds::Impl.into_service())
        .service(scenarios::probe_service())
        .service(streams::FeedImpl.into_service())
        .service(streams::SinkImpl.into_service())
        .window(WindowSpec::html("main", PAGE).size(400, 300))
        .window(WindowSpec::html("peer", PAGE).size(400, 300))
        .window(WindowSpec::html("viewer", PAGE).size(400, 300).capabilities(viewer))
        .window(WindowSpec::html("doomed", PAGE).size(400, 300))
        .window(WindowSpec::html("wanderer", PAGE).size(400, 300))
        .window(WindowSpec::html("nomad", PAGE).size(400, 300))
        .window(WindowSpec::html("flood", PAGE).size(400, 300))
        .window(
            WindowSpec::html("framed", PAGE)
                .size(400, 300)
                .allow_frames(attacks::loopback(), Capabilities::deny_all().allow("probe.*")),
        )
        .window(
            WindowSpec::html("bulk", PAGE)
                .size(400, 300)
                .fetch_requests_above(bulk::THRESHOLD)
                .fetch_deliveries_above(bulk::THRESHOLD),
        )
        .window(WindowSpec::assets("assets", assets).size(400, 300))
        .window(WindowSpec::url("remote", format!("{}/remote", attacks::loopback())).size(400, 300))
        .drive(move |handle| match run_all(handle, &selected, &selected_scenarios) {
            0 => Ok(()),
            failed => Err(format!("{failed} end-to-end tests failed")),
        });
    let code = match app.run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("webview suite: the app did not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("webview suite finished in {:.2}s", started.elapsed().as_secs_f64());
    if code == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the cases in the main window, then the scenarios; returns how many failed.
fn run_all(handle: &AppHandle, cases: &[Case], scenarios: &[(&'static str, Scenario)]) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let ids = handle.windows();
    let windows = Windows {
        main: ids[0],
        peer: ids[1],
        viewer: ids[2],
        doomed: ids[3],
        wanderer: ids[4],
        nomad: ids[5],
        flood: ids[6],
        framed: ids[7],
        bulk: ids[8],
        assets: ids[9],
        remote: ids[10],
    };
    let mut results: Vec<(&str, Result<(), String>)> = Vec::new();
    let loaded = runtime.block_on(async {
        for window in &ids[..9] {
            loaded(handle, *window).await?;
        }
        // The assets and remote windows show pages with the runtime but not the test page's helpers.
        for window in [windows.assets, windows.remote] {
            handle
                .wait_for(window, "window.host !== undefined", PATIENCE)
                .await
                .map_err(|e| format!("{window} never loaded: {e}"))?;
        }
        Ok::<(), String>(())
    });
    if let Err(err) = loaded {
        println!("a test page never loaded: {err}");
        let names = cases
            .iter()
            .map(|c| c.name)
            .chain(scenarios.iter().map(|(name, _)| *name));
        for name in names {
            println!("test {name} ... FAILED (page not loaded)");
        }
        return cases.len() + scenarios.len();
    }
    for case in cases {
        let result = runtime.block_on(run_case(handle, windows.main, case));
        report(case.name, &result);
        results.push((case.name, result));
    }
    for (name, scenario) in scenarios {
        let result = runtime.block_on(scenario(handle, &windows));
        report(name, &result);
        results.push((name, result));
    }
    let failures: Vec<&(&str, Result<(), String>)> = results.iter().filter(|(_, r)| r.is_err()).collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, result) in &failures {
            if let Err(problem) = result {
                println!("    {name}: {problem}");
            }
        }
    }
    let status = if failures.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {status}. {} passed; {} failed",
        results.len() - failures.len(),
        failures.len()
    );
    failures.len()
}

fn report(name: &str, result: &Result<(), String>) {
    match result {
        Ok(()) => println!("test {name} ... ok"),
        Err(_) => println!("test {name} ... FAILED"),
    }
}

/// Waits until the test page of `window` has loaded and the runtime is installed.
pub async fn loaded(handle: &AppHandle, window: ipc_core::WindowId) -> Result<(), String> {
    handle
        .wait_for(
            window,
            "window.__call !== undefined && window.host !== undefined",
            PATIENCE,
        )
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn run_case(handle: &AppHandle, window: ipc_core::WindowId, case: &Case) -> Result<(), String> {
    let outcome = match case.page {
        Page::Js(expression) => call(handle, window, case.name, expression).await?,
        Page::Raw { text, id } => {
            let id = id.map_or_else(|| "null".to_owned(), |id| id.to_string());
            let name = json(case.name);
            eval(handle, window, &format!("__raw({name}, {}, {id})", json(text))).await?;
            outcome_of(handle, window, case.name).await?
        }
    };
    (case.check)(&outcome).map_err(|problem| format!("{problem}\n      outcome: {outcome:?}"))
}

/// Runs `expression` (a promise) in `window` under the name `name` and returns its outcome.
pub async fn call(
    handle: &AppHandle,
    window: ipc_core::WindowId,
    name: &str,
    expression: &str,
) -> Result<Outcome, String> {
    eval(handle, window, &format!("__call({}, () => {expression})", json(name))).await?;
    outcome_of(handle, window, name).await
}

pub async fn outcome_of(handle: &AppHandle, window: ipc_core::WindowId, name: &str) -> Result<Outcome, String> {
    let outcome = handle
        .wait_for(window, &format!("window.__outcomes[{}]", json(name)), PATIENCE)
        .await
        .map_err(|e| format!("the page never got an answer: {e}"))?;
    Outcome::parse(&outcome)
}

/// Evaluates `script` in `window` and returns its value as JSON text.
pub async fn eval(handle: &AppHandle, window: ipc_core::WindowId, script: &str) -> Result<String, String> {
    let value = handle.evaluate(window, script).map_err(|e| e.to_string())?;
    tokio::time::timeout(PATIENCE, value)
        .await
        .map_err(|_| format!("the page did not run `{script}`"))?
        .map_err(|_| format!("the page did not report a value for `{script}`"))
}

/// A JavaScript string literal.
pub fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}
