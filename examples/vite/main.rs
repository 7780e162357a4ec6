//! A Vite + TypeScript front end (no framework) on a Rust service, the way a front-end developer works with one: the
//! page imports the generated client (`web/src/generated/ipc.js`, typed by `ipc.d.ts`), its logic is unit-tested
//! against the generated typed mocks with no Rust running, Vite serves it with hot reload during development, and the
//! built `web/dist` is compiled into the release binary.
//!
//! ```text
//! cd examples/vite/web && npm install && npm run build && cd -   # type-check and build the front end into web/dist
//! cargo run -p examples --bin vite                          # shows web/dist (read from disk in debug builds)
//! cargo run -p examples --bin vite -- --dev                 # starts `npm run dev` (Vite), shows it, stops it at exit
//! cargo run -p examples --bin vite -- --browser             # also serves web/dist to browser tabs: open the printed URL
//! cargo run -p examples --bin vite -- --self-drive          # adds, is refused, removes, checks, saves a PNG, exits
//! cargo build -p examples --bin vite --release              # embeds web/dist: the binary needs no files beside it
//! cd examples/vite/web && npm test                          # the front end's unit tests, against the typed mocks
//! IPC_WRITE_BINDINGS=1 cargo test -p examples --bin vite    # rewrites web/src/generated after the service changed
//! ```
//!
//! `--screenshot PATH` sets the self-driving run's PNG (default `vite.png`). `cargo test -p examples --bin vite` fails,
//! naming the files, when `web/src/generated` is not what the service generates.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ipc_core::{ipc_service, CallContext};
use ipc_wry::{App, AppHandle, Assets, BrowserMode, DevServer, WindowSpec};
use serde::{Deserialize, Serialize};

/// One note.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Note {
    /// Given by the host, never reused.
    id: u32,
    /// What the note says.
    text: String,
}

/// Why a change was refused.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoteError {
    /// The same text is already a note.
    Duplicate {
        /// The text at fault.
        text: String,
    },
    /// No note has this id.
    NotFound {
        /// The id at fault.
        id: u32,
    },
}

/// Notes shared by every window and browser tab.
#[ipc_service]
trait Notes {
    /// Every note, oldest first.
    fn list(&self) -> Vec<Note>;
    /// Adds a note (its text trimmed) and tells every window.
    fn add(&self, #[validate(length(min = 1, max = 200))] text: String, ctx: CallContext) -> Result<Note, NoteError>;
    /// Removes a note and tells every window.
    fn remove(&self, id: u32, ctx: CallContext) -> Result<(), NoteError>;
    /// Pushed to every window whenever the notes change: all of them, as they now are.
    #[ipc(event)]
    fn changed(&self, notes: Vec<Note>);
}

#[derive(Default)]
struct Board {
    notes: Mutex<Vec<Note>>,
    next_id: AtomicU32,
}

impl Board {
    /// Pushes every note to every window that may receive them.
    fn announce(ctx: &CallContext, notes: &[Note]) {
        if let Err(err) = NotesEvents::new(ctx.hub()).changed().to_all(&notes.to_vec()) {
            eprintln!("vite: could not announce the change: {err}");
        }
    }
}

impl Notes for Board {
    fn list(&self) -> Vec<Note> {
        self.notes.lock().unwrap().clone()
    }

    fn add(&self, text: String, ctx: CallContext) -> Result<Note, NoteError> {
        let text = text.trim().to_owned();
        let mut notes = self.notes.lock().unwrap();
        if notes.iter().any(|note| note.text == text) {
            return Err(NoteError::Duplicate { text });
        }
        let note = Note {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            text,
        };
        notes.push(note.clone());
        Board::announce(&ctx, &notes);
        Ok(note)
    }

    fn remove(&self, id: u32, ctx: CallContext) -> Result<(), NoteError> {
        let mut notes = self.notes.lock().unwrap();
        let at = notes
            .iter()
            .position(|note| note.id == id)
            .ok_or(NoteError::NotFound { id })?;
        notes.remove(at);
        Board::announce(&ctx, &notes);
        Ok(())
    }
}

/// The built front end: `web/dist`, read from disk per request in debug builds and compiled into release builds by
/// rust-embed. `allow_missing` lets Rust build before the front end is (then the app says what to run).
#[derive(rust_embed::RustEmbed)]
#[folder = "vite/web/dist/"]
#[allow_missing = true]
struct Dist;

/// The front end's directory, where `npm run dev` runs.
fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vite/web")
}

/// Where Vite serves in development: the address `web/vite.config.ts` pins.
const DEV_SERVER: &str = "http://127.0.0.1:5173";

/// What the window holds in `--dev` mode when the front end is not built: Vite's page replaces it in debug builds; a
/// release build, which ignores dev servers, shows it.
const NOT_BUILT: &str = "<p>The front end is not built: run <code>npm install &amp;&amp; npm run build</code> in \
    examples/vite/web.</p>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let screenshot = args
        .iter()
        .position(|a| a == "--screenshot")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("vite.png"), PathBuf::from);
    let dev = flag("--dev");

    let mut window = match Assets::embedded::<Dist>() {
        Ok(dist) => WindowSpec::assets("Notes", dist),
        // With a dev server the built files are not shown, so they need not exist yet.
        Err(_) if dev => WindowSpec::html("Notes", NOT_BUILT),
        Err(err) => {
            eprintln!(
                "vite: {err}\nvite: build the front end first: cd examples/vite/web && npm install && npm run build"
            );
            std::process::exit(1);
        }
    };
    if dev {
        if cfg!(debug_assertions) && !web_dir().join("node_modules").is_dir() {
            eprintln!("vite: run `npm install` in examples/vite/web first");
            std::process::exit(1);
        }
        // Debug builds only: release builds ignore the dev server and show the embedded files.
        window = window.dev_server(
            DevServer::url(DEV_SERVER)
                .command("npm", ["run", "dev"])
                .current_dir(web_dir()),
        );
    }
    let mut app = App::new()
        .service(Board::default().into_service())
        .window(window.size(480, 420));
    if flag("--browser") {
        // Browser mode (a development tool): tabs get web/dist and share the notes with the window.
        app = app.browser_mode(BrowserMode::new());
    }
    if flag("--self-drive") {
        app = app.drive(move |handle| drive(handle, &screenshot));
    }
    match app.run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("vite: {err}");
            std::process::exit(1);
        }
    }
}

/// Uses the page as a person would: adds two notes, adds one again and waits for the refusal, removes one, checks what
/// the page shows, and saves a PNG.
fn drive(handle: &AppHandle, screenshot: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(30);
        handle.wait_until_ready(window, patience).await?;
        // The page says it is ready once it has loaded the notes and listens for changes.
        handle
            .wait_for(window, "document.body.dataset.ready === 'yes'", patience)
            .await?;
        let origin = handle.evaluate(window, "location.origin")?.await?;
        println!("page served from {}", origin.trim_matches('"'));

        let notes = "[...document.querySelectorAll('#notes li .text')].map((e) => e.textContent).join(' | ')";
        let status = "document.getElementById('status').textContent";
        // One after the other: calls run concurrently in the host, so two sent together may be added in either order.
        for (count, text) in ["Buy milk", "Call Ada"].into_iter().enumerate() {
            submit(handle, window, text).await?;
            let shown = format!("document.querySelectorAll('#notes li').length === {}", count + 1);
            handle.wait_for(window, &shown, patience).await?;
        }
        let shown = handle
            .wait_for(
                window,
                &format!("document.querySelectorAll('#notes li').length === 2 && {notes}"),
                patience,
            )
            .await?;
        println!("page shows: {shown}");

        submit(handle, window, "Buy milk").await?;
        let refused = handle
            .wait_for(window, &format!("{status}.includes('already') && {status}"), patience)
            .await?;
        println!("adding it again shows: {refused}");

        handle
            .evaluate(window, "document.querySelector('#notes li button').click(); true")?
            .await?;
        let left = handle
            .wait_for(
                window,
                &format!("document.querySelectorAll('#notes li').length === 1 && {notes}"),
                patience,
            )
            .await?;
        println!("after removing the first: {left}");
        if !left.contains("Call Ada") {
            return Err(format!("the page shows {left}, expected only \"Call Ada\"").into());
        }

        let png = tokio::time::timeout(patience, handle.capture_png(window)?).await??;
        let png = png.map_err(|err| format!("snapshot failed: {err}"))?;
        std::fs::write(screenshot, &png)?;
        println!("screenshot written to {} ({} bytes)", screenshot.display(), png.len());
        Ok(())
    })
}

/// Types `text` into the page's box and submits the form.
async fn submit(handle: &AppHandle, window: ipc_core::WindowId, text: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = serde_json::to_string(text)?;
    let script =
        format!("document.getElementById('text').value = {text}; document.getElementById('add').click(); true");
    handle.evaluate(window, script)?.await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use ipc_core::client::Bindings;

    use super::*;

    /// The front end's generated client is what the service generates: this fails naming each stale file, and
    /// `IPC_WRITE_BINDINGS=1` rewrites them.
    #[test]
    fn generated_client_matches_the_service() {
        let bindings = Bindings::new().service(<Board as Notes>::service_descriptor());
        if let Err(stale) = bindings.verify(web_dir().join("src/generated"), "ipc") {
            panic!("{stale}");
        }
    }
}
