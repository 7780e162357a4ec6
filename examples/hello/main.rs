//! The smallest app: one window, a text box and a button; Rust answers, or refuses an empty name.
//!
//! ```text
//! cargo run -p examples --bin hello                  # opens the window
//! cargo run -p examples --bin hello -- --self-drive  # types, clicks, prints what the page showed, saves a PNG
//! ```
//!
//! Self-driving also starts with `HELLO_SELF_DRIVE=1`; `--screenshot PATH` chooses the PNG (default `hello.png`).
//! It exits 0 when the page showed both the answer and the error, and 1 if the page never answered.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ipc_core::ipc_service;
use ipc_wry::{App, AppHandle, WindowSpec};

/// Greets people.
#[ipc_service]
trait Greeter {
    /// Greets `name`, counting the greetings; refuses an empty name.
    async fn greet(&self, name: String) -> Result<String, String>;
}

#[derive(Default)]
struct Greetings {
    count: AtomicU64,
}

impl Greeter for Greetings {
    async fn greet(&self, name: String) -> Result<String, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("please type a name first".to_owned());
        }
        let count = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(format!("Hello, {name}! You are visitor number {count}."))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let self_drive = args.iter().any(|a| a == "--self-drive") || std::env::var_os("HELLO_SELF_DRIVE").is_some();
    let screenshot = args
        .iter()
        .position(|a| a == "--screenshot")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("hello.png"), PathBuf::from);

    let mut app = App::new()
        .service(Greetings::default().into_service())
        .window(WindowSpec::html("Hello", include_str!("index.html")).size(640, 360));
    if self_drive {
        app = app.drive(move |handle| drive(handle, &screenshot));
    }
    match app.run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("hello: {err}");
            std::process::exit(1);
        }
    }
}

/// Types a name, clicks, reads the answer; then clicks with an empty name and reads the error; then saves a PNG.
fn drive(handle: &AppHandle, screenshot: &PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(15);
        handle.wait_until_ready(window, patience).await?;

        submit(handle, "Ada").await?;
        let answer = handle
            .wait_for(window, "document.getElementById('answer').textContent", patience)
            .await?;
        println!("page showed the answer: {}", unquote(&answer));

        submit(handle, "").await?;
        let error = handle
            .wait_for(window, "document.getElementById('error').textContent", patience)
            .await?;
        println!("page showed the error: {}", unquote(&error));

        // Type a name again so the screenshot shows a greeting, then wait for it to render.
        submit(handle, "Grace").await?;
        handle
            .wait_for(
                window,
                "document.getElementById('answer').textContent.includes('Grace')",
                patience,
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = tokio::time::timeout(patience, handle.capture_png(window)?).await??;
        let png = png.map_err(|err| format!("snapshot failed: {err}"))?;
        std::fs::write(screenshot, &png)?;
        println!("screenshot written to {} ({} bytes)", screenshot.display(), png.len());
        Ok(())
    })
}

/// Types `name` into the text box and submits the form, as a user would.
async fn submit(handle: &AppHandle, name: &str) -> Result<(), ipc_wry::Error> {
    let name = serde_json_string(name);
    let script =
        format!("document.getElementById('name').value = {name}; document.getElementById('greet').click(); true");
    handle
        .evaluate(handle.windows()[0], script)?
        .await
        .map_err(|_| ipc_wry::Error::Stopped)?;
    Ok(())
}

/// A JavaScript string literal (names here are plain text; quotes and backslashes are escaped).
fn serde_json_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The text of a JSON string value as the page reported it.
fn unquote(json: &str) -> String {
    json.trim_matches('"').to_owned()
}
