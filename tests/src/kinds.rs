//! A service with every kind of signature that can work over IPC: the in-process suite (`tests/signatures.rs`) calls
//! it, and the TypeScript suite type-checks a usage file against its generated declarations.
#![allow(missing_docs)]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ipc_core::CallContext as Caller;
use ipc_core::{ipc_service, CallContext};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

#[derive(Debug, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Todo {
    pub title: String,
    #[serde(default)]
    pub done: bool,
    pub due_date: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

#[derive(Debug, Serialize, Deserialize, PartialEq, TS)]
#[serde(untagged)]
pub enum IdOrName {
    Id(u32),
    Name(String),
}

#[derive(Debug, Serialize, Deserialize, PartialEq, TS)]
pub struct Page {
    pub number: u32,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Serialize, TS)]
#[serde(tag = "code", content = "detail")]
pub enum StoreError {
    NotFound(String),
}

/// Everything that can cross the boundary.
/// A crate's own `Result`, as many define it: answered by what it is, a `Result`, whatever its name.
pub type StoreResult<T> = Result<T, StoreError>;

#[ipc_service(name = "kinds")]
pub trait Kinds: Send + Sync + 'static {
    fn nothing(&self);
    #[allow(clippy::too_many_arguments)]
    fn primitives(
        &self,
        s: String,
        b: bool,
        i8_: i8,
        i16_: i16,
        i32_: i32,
        u8_: u8,
        u16_: u16,
        u32_: u32,
        f32_: f32,
        f64_: f64,
    ) -> String;
    fn optional(&self, required: u8, maybe: Option<String>) -> Option<String>;
    fn collections(&self, list: Vec<u32>, map: HashMap<String, i32>, pair: (String, u8)) -> (usize, i32, String);
    fn any_json(&self, value: Value) -> Value;
    fn todo(&self, todo: Todo) -> Todo;
    fn area(&self, shape: Shape) -> f64;
    fn lookup(&self, key: IdOrName) -> String;
    fn page(&self, page: Page) -> Page;
    async fn find(&self, id: u32) -> Result<Todo, StoreError>;
    async fn delete(&self, id: u32) -> Result<(), StoreError>;
    fn find_aliased(&self, id: u32) -> StoreResult<Todo>;
    async fn delete_aliased(&self, id: u32) -> StoreResult<()>;
    fn count_later(&self, id: u32) -> impl std::future::Future<Output = StoreResult<u32>> + Send;
    /// Finds a todo, the old way.
    #[deprecated(since = "0.2.0", note = "use `find`")]
    fn find_old(&self, id: u32) -> StoreResult<Todo>;
    /// Configured out: absent from the router and the clients.
    #[cfg(any())]
    fn configured_out(&self) -> u32;
    /// Owned forms of borrowed types: `Cow<'static, str>`, `Box<str>`, `Arc<str>` (serde's `rc` feature, which
    /// ipc-core enables).
    fn owned_text(
        &self,
        cow: Cow<'static, str>,
        boxed: Box<str>,
        shared: Arc<str>,
    ) -> (Cow<'static, str>, Box<str>, Arc<str>);
    /// Attributes that pass through to the trait.
    #[must_use]
    #[doc(hidden)]
    #[allow(clippy::len_without_is_empty)]
    #[cfg_attr(all(unix, windows), deprecated)]
    fn passed_through(&self) -> u32;
    /// One argument configured out, one in.
    fn configured_args(
        &self,
        #[cfg(all(unix, windows))] hidden: u32,
        #[cfg(not(all(unix, windows)))] shown: u32,
    ) -> u32;
    fn caller(&self, ctx: CallContext) -> String;
    /// The context imported under another name is still injected: recognised by its type.
    fn caller_renamed(&self, greeting: String, who: Caller) -> String;
    #[ipc(rename = "renamed")]
    fn original_name(&self) -> &'static str;
    /// Todos numbered 0 to `count - 1`, as a stream.
    fn watch(&self, count: u32) -> impl ipc_core::Stream<Item = Todo> + Send;
    /// Ids, then a store error: a stream of `Result`s.
    async fn watch_ids(&self, count: u32) -> impl ipc_core::Stream<Item = StoreResult<u32>> + Send;
    /// Counts the todos the page uploads.
    async fn import(&self, todos: ipc_core::Upload<Todo>) -> u32;
    /// Pushed by the host: the todos changed.
    #[ipc(event)]
    fn changed(&self, todos: Vec<Todo>);
    /// Pushed by the host on `kinds.removed`: a todo was removed.
    #[ipc(event, rename = "removed")]
    fn todo_removed(&self, id: u32);
    #[ipc(event)]
    #[deprecated(note = "listen to `changed`")]
    fn updated(&self, todo: Todo);
}

pub struct Impl;

impl Kinds for Impl {
    fn nothing(&self) {}
    #[allow(clippy::too_many_arguments)]
    fn primitives(
        &self,
        s: String,
        b: bool,
        i8_: i8,
        i16_: i16,
        i32_: i32,
        u8_: u8,
        u16_: u16,
        u32_: u32,
        f32_: f32,
        f64_: f64,
    ) -> String {
        format!("{s} {b} {i8_} {i16_} {i32_} {u8_} {u16_} {u32_} {f32_} {f64_}")
    }
    fn optional(&self, required: u8, maybe: Option<String>) -> Option<String> {
        maybe.map(|m| format!("{required}:{m}"))
    }
    fn collections(&self, list: Vec<u32>, map: HashMap<String, i32>, pair: (String, u8)) -> (usize, i32, String) {
        (list.len(), map.values().sum(), format!("{}{}", pair.0, pair.1))
    }
    fn any_json(&self, value: Value) -> Value {
        json!({ "got": value })
    }
    fn todo(&self, mut todo: Todo) -> Todo {
        todo.done = !todo.done;
        todo
    }
    fn area(&self, shape: Shape) -> f64 {
        match shape {
            Shape::Circle { radius } => 3.0 * radius * radius,
            Shape::Square { side } => side * side,
        }
    }
    fn lookup(&self, key: IdOrName) -> String {
        match key {
            IdOrName::Id(id) => format!("id {id}"),
            IdOrName::Name(name) => format!("name {name}"),
        }
    }
    fn page(&self, page: Page) -> Page {
        page
    }
    async fn find(&self, id: u32) -> Result<Todo, StoreError> {
        match id {
            1 => Ok(Todo {
                title: "milk".into(),
                done: false,
                due_date: None,
            }),
            _ => Err(StoreError::NotFound(format!("todo {id}"))),
        }
    }
    async fn delete(&self, id: u32) -> Result<(), StoreError> {
        match id {
            1 => Ok(()),
            _ => Err(StoreError::NotFound(format!("todo {id}"))),
        }
    }
    fn find_aliased(&self, id: u32) -> StoreResult<Todo> {
        match id {
            1 => Ok(Todo {
                title: "milk".into(),
                done: false,
                due_date: None,
            }),
            _ => Err(StoreError::NotFound(format!("todo {id}"))),
        }
    }
    async fn delete_aliased(&self, id: u32) -> StoreResult<()> {
        self.delete(id).await
    }
    fn count_later(&self, id: u32) -> impl std::future::Future<Output = StoreResult<u32>> + Send {
        // Work done before the future is made, the reason to write this form rather than `async fn`.
        let found = (id == 1).then_some(1);
        async move { found.ok_or_else(|| StoreError::NotFound(format!("todo {id}"))) }
    }
    fn find_old(&self, id: u32) -> StoreResult<Todo> {
        self.find_aliased(id)
    }
    fn owned_text(
        &self,
        cow: Cow<'static, str>,
        boxed: Box<str>,
        shared: Arc<str>,
    ) -> (Cow<'static, str>, Box<str>, Arc<str>) {
        (
            Cow::Owned(format!("{cow}!")),
            format!("{boxed}!").into(),
            format!("{shared}!").into(),
        )
    }
    fn configured_args(
        &self,
        #[cfg(all(unix, windows))] hidden: u32,
        #[cfg(not(all(unix, windows)))] shown: u32,
    ) -> u32 {
        shown
    }
    fn caller_renamed(&self, greeting: String, who: Caller) -> String {
        format!("{greeting}, {}", who.origin())
    }
    fn passed_through(&self) -> u32 {
        7
    }
    fn caller(&self, ctx: CallContext) -> String {
        format!("{} at {}", ctx.window(), ctx.origin())
    }
    fn original_name(&self) -> &'static str {
        "renamed"
    }
    fn watch(&self, count: u32) -> impl ipc_core::Stream<Item = Todo> + Send {
        futures::stream::iter((0..count).map(|n| Todo {
            title: format!("todo {n}"),
            done: n % 2 == 0,
            due_date: None,
        }))
    }
    async fn import(&self, todos: ipc_core::Upload<Todo>) -> u32 {
        futures::StreamExt::count(todos).await as u32
    }
    async fn watch_ids(&self, count: u32) -> impl ipc_core::Stream<Item = StoreResult<u32>> + Send {
        futures::stream::iter(
            (0..count)
                .map(Ok)
                .chain([Err(StoreError::NotFound(format!("todo {count}")))]),
        )
    }
}
