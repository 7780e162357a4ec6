//! Events declared in the trait compile without a warning in a crate that denies warnings and the stricter lints: the
//! implementation does not mention them, and the generated `TodosEvents` gives each a typed emitter, whether it is used
//! or not. `#[cfg]`, `#[deprecated]` and `#[ipc(rename)]` apply to events as to methods.
#![deny(warnings, missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

use ipc_core::client::Bindings;
use ipc_core::{ipc_service, Emitter, Hub, WindowId};
use serde::Serialize;

/// A todo.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Todo {
    /// What to do.
    pub title: String,
}

/// Todos.
#[ipc_service]
pub trait Todos {
    /// Every todo.
    fn list(&self) -> Vec<Todo>;
    /// The list changed.
    #[ipc(event)]
    fn changed(&self, todos: Vec<Todo>);
    /// Everything was removed, on the channel `todos.cleared`.
    #[ipc(event, rename = "cleared")]
    fn wiped(&self, count: u32);
    /// Only where a condition holds (never).
    #[ipc(event)]
    #[cfg(any())]
    fn never(&self, x: u32);
    /// The old way.
    #[ipc(event)]
    #[deprecated = "listen to `changed`"]
    fn updated(&self, todos: Vec<Todo>);
    /// No data.
    #[ipc(event)]
    fn pinged(&self, nothing: ());
    /// A name JavaScript reserves is fine as a listener's name.
    #[ipc(event)]
    fn delete(&self, id: u32);
}

/// Private traits get private emitters, which need not be used.
#[ipc_service]
trait Hidden {
    fn get(&self) -> u32;
    #[ipc(event)]
    fn unused(&self, value: u32);
}

struct List;

impl Todos for List {
    fn list(&self) -> Vec<Todo> {
        Vec::new()
    }
}

impl Hidden for List {
    fn get(&self) -> u32 {
        0
    }
}

/// Pushes through every emitter and target.
pub async fn push(hub: &Hub, window: WindowId) -> Result<usize, ipc_core::Error> {
    let events = TodosEvents::new(hub);
    let todos = vec![Todo { title: "milk".to_owned() }];
    let changed: Emitter<'_, Vec<Todo>> = events.changed();
    changed.to_window(window, &todos)?;
    changed.to_window_async(window, &todos).await?;
    events.wiped().to_windows(&[window], &3)?;
    events.pinged().to_all(&())?;
    events.delete().to_all(&7)?;
    #[allow(deprecated)]
    events.updated().to_all(&todos)
}

fn main() {
    let descriptor = <List as Todos>::service_descriptor();
    let events: Vec<&str> = descriptor.events.iter().map(|e| e.channel).collect();
    assert_eq!(
        events,
        ["todos.changed", "todos.cleared", "todos.updated", "todos.pinged", "todos.delete"]
    );
    assert_eq!(descriptor.methods.len(), 1);
    assert_eq!(descriptor.events[2].deprecated, Some("listen to `changed`"));
    let dts = Bindings::new().service(descriptor).declarations();
    assert!(dts.contains("changed(listener: (payload: Array<Todo>) => void): () => void;"), "{dts}");
    assert!(dts.contains("\"todos.cleared\": number;"), "{dts}");
    assert_eq!(TodosEvents::new(&hub()).wiped().channel(), "todos.cleared");
    let _ = <List as Hidden>::service_descriptor();
    let _ = List.get();
}

fn hub() -> Hub {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    Hub::builder().runtime(runtime.handle().clone()).build().unwrap()
}
