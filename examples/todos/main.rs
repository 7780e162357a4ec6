//! Two windows sharing one todo list. Adding in the editor updates the viewer through the `changed` event declared in
//! the trait, pushed to every window; the viewer is read-only by capabilities and shows the FORBIDDEN error when it
//! tries to add; each window logs its own focus, blur, resize and move events.
//!
//! ```text
//! cargo run -p examples --bin todos                  # opens both windows
//! cargo run -p examples --bin todos -- --self-drive  # adds, gets refused, resizes, prints, saves two PNGs, exits
//! cargo run -p examples --bin todos -- --browser     # also serves the editor to browser tabs: open the printed URL
//! ```
//!
//! Self-driving also starts with `TODOS_SELF_DRIVE=1`; `--screenshots DIR` chooses where the PNGs go (default `.`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ipc_wry::ipc_core::{ipc_service, CallContext, Capabilities, WindowId};
use ipc_wry::{App, AppHandle, BrowserMode, WindowSpec};
use serde::{Deserialize, Serialize};

/// One thing to do.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Todo {
    id: u32,
    title: String,
    done: bool,
}

/// Why a change was refused.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TodoError {
    /// No todo has this id.
    NotFound { id: u32 },
    /// The title is already on the list.
    Duplicate { title: String },
}

/// The shared todo list.
#[ipc_service]
trait Todos {
    /// Every todo, oldest first.
    fn list(&self) -> Vec<Todo>;
    /// Adds a todo and tells every window.
    fn add(&self, #[validate(length(min = 1, max = 100))] title: String, ctx: CallContext) -> Result<Todo, TodoError>;
    /// Marks a todo done or not done, and tells every window.
    fn toggle(&self, id: u32, ctx: CallContext) -> Result<Todo, TodoError>;
    /// Pushed to every window whenever the list changes: the whole list.
    #[ipc(event)]
    fn changed(&self, todos: Vec<Todo>);
}

#[derive(Default)]
struct TodoList {
    items: Mutex<Vec<Todo>>,
    next_id: AtomicU32,
}

impl TodoList {
    /// Pushes the whole list to every window that may receive it.
    fn announce(&self, ctx: &CallContext, items: &[Todo]) {
        if let Err(err) = TodosEvents::new(ctx.hub()).changed().to_all(&items.to_vec()) {
            eprintln!("todos: could not announce the change: {err}");
        }
    }
}

impl Todos for TodoList {
    fn list(&self) -> Vec<Todo> {
        self.items.lock().unwrap().clone()
    }

    fn add(&self, title: String, ctx: CallContext) -> Result<Todo, TodoError> {
        let title = title.trim().to_owned();
        let mut items = self.items.lock().unwrap();
        if items.iter().any(|t| t.title == title) {
            return Err(TodoError::Duplicate { title });
        }
        let todo = Todo {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            title,
            done: false,
        };
        items.push(todo.clone());
        self.announce(&ctx, &items);
        Ok(todo)
    }

    fn toggle(&self, id: u32, ctx: CallContext) -> Result<Todo, TodoError> {
        let mut items = self.items.lock().unwrap();
        let todo = items
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(TodoError::NotFound { id })?;
        todo.done = !todo.done;
        let todo = todo.clone();
        self.announce(&ctx, &items);
        Ok(todo)
    }
}

fn page(role: &str) -> String {
    include_str!("index.html").replace("{{ROLE}}", role)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let self_drive = args.iter().any(|a| a == "--self-drive") || std::env::var_os("TODOS_SELF_DRIVE").is_some();
    let screenshots = args
        .iter()
        .position(|a| a == "--screenshots")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("."), PathBuf::from);

    // The viewer may read the list and receive its changes, but not change it.
    let read_only = Capabilities::allow_all().deny("todos.add").deny("todos.toggle");
    let mut app = App::new()
        .service(TodoList::default().into_service())
        .window(WindowSpec::html("Todos: editor", page("editor")).size(420, 380))
        .window(
            WindowSpec::html("Todos: viewer", page("viewer (read-only)"))
                .size(420, 380)
                .capabilities(read_only),
        );
    if args.iter().any(|a| a == "--browser") {
        // Browser mode (a development tool): tabs get the editor's page and capabilities, and share the list.
        app = app.browser_mode(BrowserMode::new());
    }
    if self_drive {
        app = app.drive(move |handle| drive(handle, &screenshots));
    }
    match app.run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("todos: {err}");
            std::process::exit(1);
        }
    }
}

/// Adds in the editor and waits for the viewer to show it; adds in the viewer and waits for FORBIDDEN; resizes the
/// viewer and waits for its log; focuses each window; saves a PNG of each.
fn drive(handle: &AppHandle, screenshots: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let (editor, viewer) = (handle.windows()[0], handle.windows()[1]);
        let patience = Duration::from_secs(15);
        for window in [editor, viewer] {
            handle.wait_until_ready(window, patience).await?;
        }

        submit(handle, editor, "Buy milk").await?;
        let shown = handle
            .wait_for(viewer, "document.getElementById('list').textContent.includes('Buy milk') && document.getElementById('list').textContent", patience)
            .await?;
        println!("viewer shows the list after the editor added: {shown}");

        submit(handle, viewer, "Sneak in eggs").await?;
        let refused = handle.wait_for(viewer, "document.getElementById('status').textContent", patience).await?;
        println!("viewer tried to add and shows: {refused}");
        if !refused.contains("FORBIDDEN") {
            return Err(format!("the viewer was not refused: {refused}").into());
        }

        handle.with_window(viewer, |w| w.set_inner_size(tao::dpi::LogicalSize::new(460, 400)))?;
        let resized = handle
            .wait_for(viewer, "[...document.getElementById('log').children].map(e => e.textContent.split('  ')[1]).find(t => t.startsWith('resize 460'))", patience)
            .await?;
        println!("viewer logged its own event: {resized}");

        for window in [editor, viewer] {
            handle.with_window(window, |w| w.set_focus())?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        for (name, window) in [("editor", editor), ("viewer", viewer)] {
            let log = handle
                .evaluate(window, "[...document.getElementById('log').children].map(e => e.textContent.split('  ')[1]).join(', ')")?
                .await?;
            println!("{name} event log: {log}");
        }

        tokio::time::sleep(Duration::from_millis(200)).await;
        for (name, window) in [("editor", editor), ("viewer", viewer)] {
            let png = tokio::time::timeout(patience, handle.capture_png(window)?).await??;
            let png = png.map_err(|err| format!("snapshot failed: {err}"))?;
            let path = screenshots.join(format!("todos-{name}.png"));
            std::fs::write(&path, &png)?;
            println!("screenshot written to {} ({} bytes)", path.display(), png.len());
        }
        Ok(())
    })
}

/// Types `title` into a window's box and submits, as a user would.
async fn submit(handle: &AppHandle, window: WindowId, title: &str) -> Result<(), Box<dyn std::error::Error>> {
    let title = serde_json::to_string(title)?;
    let script =
        format!("document.getElementById('title').value = {title}; document.getElementById('add').click(); true");
    handle.evaluate(window, script)?.await?;
    Ok(())
}
