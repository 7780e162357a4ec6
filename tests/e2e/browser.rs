//! Browser mode end to end: an app with a desktop WebView window also serves its front end in browser mode, and a real
//! headless Chromium (Debian's `chromium` package, driven by playwright-core from `tests/browser/drive.mjs`) opens it
//! in tabs. The tabs call the app's services against its real state, receive its pushes and broadcasts, see the
//! desktop window's changes (and it theirs), cancel, are refused what the window's capabilities and the hub's limits
//! refuse, send window-less messages to Rust, move binary data, and cannot connect without the run's token or from
//! another origin; a closed tab is a closed window.
//!
//! The driver and this binary speak over the driver's standard streams: it prints `ok <test>` or `fail <test>: <why>`
//! for each check it makes, and `need <action>` when Rust must act (a change made in the desktop window, a push from
//! Rust), which this binary does and answers `done`.
//!
//! ```text
//! npm ci --prefix tests/browser     # once: playwright-core (no browser download: it drives /usr/bin/chromium)
//! cargo test -p tests --test browser
//! ```
//!
//! `CHROMIUM` names another Chromium binary than `/usr/bin/chromium`. playwright-core is held at 1.61, the last line
//! that runs on Node.js 18 (Debian 12's `nodejs`, which `scripts/test` installs when Node.js is missing).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipc_core::{ipc_service, Binary, CallContext, Capabilities, WindowEventKind};
use ipc_wry::assets::DEFAULT_CSP;
use ipc_wry::{App, AppHandle, Assets, BrowserMode, WindowSpec};

/// A shared list, with what the tests need around it.
#[ipc_service]
trait Board {
    /// Adds `item` and broadcasts the whole list on `board.changed` to every window and tab.
    fn add(&self, item: String, ctx: CallContext) -> Vec<String>;
    /// The list as it is in Rust.
    fn list(&self) -> Vec<String>;
    /// Empties the list; the windows' capabilities forbid it.
    fn reset(&self);
    /// Waits `ms` milliseconds, then answers; counts the calls dropped before answering.
    async fn wait(&self, ms: u64) -> String;
    /// How many `wait` calls were dropped before they answered.
    fn dropped(&self) -> u32;
    /// What pages sent on `board.typing` (window-less messages to Rust subscribers), in order.
    fn typed(&self) -> Vec<String>;
    /// Bytes 0, 1, ..., `n - 1`.
    fn bytes(&self, n: u32) -> Binary;
    /// The sum of `data`'s bytes.
    fn sum(&self, data: Binary) -> u64;
}

#[derive(Default)]
struct State {
    items: Mutex<Vec<String>>,
    dropped: Mutex<u32>,
    typed: Mutex<Vec<String>>,
}

struct BoardImpl(Arc<State>);

/// Counts a `wait` call dropped before it answered.
struct Waiting(Arc<State>, bool);

impl Drop for Waiting {
    fn drop(&mut self) {
        if !self.1 {
            *self.0.dropped.lock().unwrap() += 1;
        }
    }
}

impl Board for BoardImpl {
    fn add(&self, item: String, ctx: CallContext) -> Vec<String> {
        let items = {
            let mut items = self.0.items.lock().unwrap();
            items.push(item);
            items.clone()
        };
        if let Err(err) = ctx.hub().broadcast_all("board.changed", &items) {
            eprintln!("broadcast failed: {err}");
        }
        items
    }

    fn list(&self) -> Vec<String> {
        self.0.items.lock().unwrap().clone()
    }

    fn reset(&self) {
        self.0.items.lock().unwrap().clear();
    }

    async fn wait(&self, ms: u64) -> String {
        let mut waiting = Waiting(Arc::clone(&self.0), false);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        waiting.1 = true;
        "waited".to_owned()
    }

    fn dropped(&self) -> u32 {
        *self.0.dropped.lock().unwrap()
    }

    fn typed(&self) -> Vec<String> {
        self.0.typed.lock().unwrap().clone()
    }

    fn bytes(&self, n: u32) -> Binary {
        Binary::from((0..n).map(|i| i as u8).collect::<Vec<u8>>())
    }

    fn sum(&self, data: Binary) -> u64 {
        data.iter().map(|&b| u64::from(b)).sum()
    }
}

/// The desktop window's page, which is also what the tabs are served: it records every `board.changed` it sees.
const PAGE: &str = r#"<!doctype html>
<html><head><title>board</title></head><body><p>board</p><script>
  window.__changes = [];
  host.on("board.changed", (items) => window.__changes.push(items));
  window.__ready = true;
</script></body></html>"#;

/// Calls in flight per window, tabs included (the driver checks a tab gets `BUSY` beyond).
const MAX_IN_FLIGHT: usize = 8;

/// How long the desktop window and the driver may take.
const PATIENCE: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    if !cfg!(debug_assertions) {
        println!("browser: release builds ignore browser mode unless told otherwise; nothing to test");
        return ExitCode::SUCCESS;
    }
    // A watchdog: a stuck driver or event loop fails the run instead of hanging it.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(240));
        eprintln!("browser: no result after 240 s");
        std::process::exit(101);
    });
    let state = Arc::new(State::default());
    let window = WindowSpec::html("board", PAGE).capabilities(Capabilities::allow_all().deny("board.reset"));
    let typed = Arc::clone(&state);
    let app = App::new()
        .service(BoardImpl(Arc::clone(&state)).into_service())
        .hub(|hub| hub.max_in_flight(MAX_IN_FLIGHT))
        .window(window)
        .browser_mode(BrowserMode::new())
        .drive(move |handle| {
            // Window-less messages from any page (`host.send`) reach Rust subscribers.
            let _typing = handle.hub().on_channel("board.typing", move |event| {
                typed.typed.lock().unwrap().push(event.payload_json().to_owned());
            });
            drive(handle)
        });
    match app.run() {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("browser: {err}");
            ExitCode::FAILURE
        }
    }
}

fn drive(handle: &AppHandle) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    let desktop = handle.windows()[0];
    let url = handle.browser_url().ok_or("the app printed no browser URL")?.to_owned();
    let mut closes = handle.hub().window_events();
    runtime.block_on(async {
        handle
            .wait_for(desktop, "window.__ready === true", PATIENCE)
            .await
            .map_err(|e| format!("the desktop window never loaded: {e}"))
    })?;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A built front end (module scripts, a stylesheet) under the default Content-Security-Policy, served beside the
    // app's own on another port, to the same hub.
    let assets = Assets::dir(root.join("e2e/assets")).map_err(|e| e.to_string())?;
    let built = BrowserMode::new()
        .assets(assets)
        .content_security_policy(Some(DEFAULT_CSP.to_owned()))
        .serve(handle.hub())
        .map_err(|e| e.to_string())?;
    let script = root.join("browser/drive.mjs");
    if !root.join("browser/node_modules/playwright-core").is_dir() {
        return Err("playwright-core is not installed: run `npm ci --prefix tests/browser`".to_owned());
    }
    let mut driver = Command::new("node")
        .arg(&script)
        .arg(&url)
        .arg(built.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("node could not start the driver: {e}"))?;
    let mut to_driver = driver.stdin.take().expect("piped");
    let from_driver = BufReader::new(driver.stdout.take().expect("piped"));
    let mut failures = Vec::new();
    let mut passed = 0;
    for line in from_driver.lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(name) = line.strip_prefix("ok ") {
            println!("test {name} ... ok");
            passed += 1;
        } else if let Some(failure) = line.strip_prefix("fail ") {
            println!("test {failure} ... FAILED");
            failures.push(failure.to_owned());
        } else if let Some(action) = line.strip_prefix("need ") {
            act(handle, &runtime, desktop, action)?;
            writeln!(to_driver, "done").map_err(|e| e.to_string())?;
        } else {
            println!("driver: {line}");
        }
    }
    let status = driver.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        failures.push(format!("the driver exited with {status}"));
    }

    runtime.block_on(async {
        // Changes made in the tabs reached the desktop window's page.
        let seen = "window.__changes.some((items) => items.includes('from tab A'))";
        match handle.wait_for(desktop, seen, PATIENCE).await {
            Ok(_) => {
                println!("test a_change_made_in_a_tab_reaches_the_desktop_window ... ok");
                passed += 1;
            }
            Err(e) => failures.push(format!("the desktop window never saw the tab's change: {e}")),
        }
        // Every tab was a window; the browser has closed them all, and each close was published.
        let mut closed = 0;
        let until = tokio::time::Instant::now() + PATIENCE;
        while handle.hub().windows() != [desktop] || closed == 0 {
            match tokio::time::timeout_at(until, closes.recv()).await {
                Ok(Some(event)) if event.kind() == Some(WindowEventKind::Close) => closed += 1,
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        if handle.hub().windows() == [desktop] && closed > 0 {
            println!("test closed_tabs_are_closed_windows ... ok");
            passed += 1;
        } else {
            failures.push(format!(
                "the tabs' windows stayed attached: {:?} ({closed} close events)",
                handle.hub().windows()
            ));
        }
    });

    println!("\nbrowser mode: {passed} passed, {} failed", failures.len());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// What the driver needs Rust to do.
fn act(
    handle: &AppHandle,
    runtime: &tokio::runtime::Runtime,
    desktop: ipc_core::WindowId,
    action: &str,
) -> Result<(), String> {
    match action {
        // A change made in the desktop window's page, through its own runtime.
        "desktop-add" => runtime.block_on(async {
            handle
                .evaluate(desktop, "host.services.board.add('from the desktop'); true")
                .map_err(|e| e.to_string())?
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }),
        // A push from Rust to every window: the desktop window and the tabs alike.
        "push" => handle
            .hub()
            .broadcast_all("board.note", &"from Rust")
            .map(|_| ())
            .map_err(|e| e.to_string()),
        other => Err(format!("the driver asked for `{other}`, which this test does not do")),
    }
}
