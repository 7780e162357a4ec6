//! Typed IPC services for WebViews: write a Rust trait, call it from JavaScript.
//!
//! ```
//! use ipc_core::{ipc_service, testing::TestClient, Hub};
//!
//! /// Greets people.
//! #[ipc_service]
//! trait Greeter {
//!     /// Says hello.
//!     fn greet(&self, name: String) -> String;
//!     /// Says hello later, or refuses an empty name.
//!     async fn greet_later(&self, name: String) -> Result<String, String>;
//! }
//!
//! struct Polite;
//!
//! impl Greeter for Polite {
//!     fn greet(&self, name: String) -> String {
//!         format!("Hello, {name}!")
//!     }
//!     async fn greet_later(&self, name: String) -> Result<String, String> {
//!         if name.is_empty() {
//!             return Err("who is there?".to_owned());
//!         }
//!         Ok(format!("Hello again, {name}!"))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let hub = Hub::builder().service(Polite.into_service()).build().unwrap();
//!
//! // A renderer calls `await host.services.greeter.greetLater("")`; this is what it sends and receives.
//! let mut page = TestClient::new(&hub);
//! let answer = page.invoke("greeter.greet_later", r#"{"name": ""}"#).await;
//! assert_eq!(
//!     answer,
//!     r#"{"type":"answer","id":1,"success":false,"data":null,"error":{"code":7009,"kind":"HANDLER","message":"who is there?","data":"who is there?"}}"#
//! );
//! # }
//! ```
//!
//! - [`ipc_service`] turns the trait into a [`Service`]: one channel per method (`greeter.greet`), arguments decoded by
//!   name straight from the request text, and an answer `{success, data, error}` for every call.
//! - [`Hub`] holds services and windows; it pushes to windows (`send_to_window`, `broadcast`, `broadcast_all`) and
//!   publishes what pages send and window lifecycle events ([`event`]); [`capability`] decides what each window may
//!   call, send and receive; [`limits`] bounds what any page can make the host hold.
//! - [`transport`] is the seam a transport (such as `ipc-wry`) is built on: it attaches windows, hands the hub what
//!   pages post, and delivers what the hub queues for them. [`protocol`] documents the wire format and how the hub
//!   knows which page load, in which window, sent each message.
//! - [`validate`] checks arguments beyond their types; [`typescript`] types them for the `.d.ts`.
//! - [`client`] renders the renderer runtime (`window.host`) and the JavaScript clients.
//! - [`error`] lists every error code; [`json`] explains how integers beyond 2^53 are kept from losing precision, and
//!   [`exact`] how to carry them exactly (as a `BigInt` in the page) where you opt in.
//! - [`testing::TestClient`] calls services exactly as a page would, without a WebView.
#![warn(missing_docs)]
#![warn(unreachable_pub, missing_debug_implementations, rust_2018_idioms)]

// Lets the generated code's `::ipc_core::...` paths resolve inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as ipc_core;

mod args;
pub mod binary;
pub mod capability;
pub mod client;
mod context;
mod emitter;
pub mod error;
pub mod event;
pub mod exact;
mod hub;
pub mod json;
pub mod limits;
mod mirror;
pub mod protocol;
mod router;
mod service;
mod stream;
pub mod testing;
pub mod transport;
pub mod typescript;
pub mod validate;
mod window;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use binary::Binary;
pub use capability::Capabilities;
pub use context::CallContext;
pub use emitter::Emitter;
pub use error::{CallError, Error, ErrorCode};
pub use event::{Event, EventStream, Subscription, WindowEventKind};
pub use exact::Exact;
pub use hub::{Hub, HubBuilder};
pub use limits::Limits;
pub use service::{
    ArgDescriptor, Args, Call, CallTimeout, EventDescriptor, MethodDescriptor, MethodHandler, Reply, Service,
    ServiceDescriptor,
};
pub use stream::Upload;
pub use window::{FrameRule, WindowConfig, WindowId};

/// The trait of what a streaming method returns (`-> impl Stream<Item = T> + Send`), re-exported from `futures`.
pub use futures::Stream;

/// Turns a trait into an IPC service. See the [crate docs](crate) for an example.
///
/// On a trait of `&self` methods (sync, `async fn`, or `fn(..) -> impl Future<Output = T> + Send`) with owned
/// arguments that implement `serde::Deserialize` and a return type that implements `serde::Serialize`, it keeps the
/// trait and adds two provided methods:
///
/// - `fn into_service(self) -> impl Service`: the value as a service to register with [`HubBuilder::service`];
/// - `fn service_descriptor() -> &'static ServiceDescriptor`: the service as data, for rendering clients without a hub.
///
/// A return type that is a `Result<T, E>` answers `Ok` as the data and `Err` as a `HANDLER` error whose `data` is `E`
/// (typed per method in the `.d.ts`). What counts is the type, not its spelling: `std::result::Result`, a crate's own
/// `type Result<T> = std::result::Result<T, Error>` and a renamed import are all `Result`s. `E` must implement
/// `serde::Serialize` (and `ts_rs::TS`): an `io::Result<T>` or `anyhow::Result<T>` is refused at compile time, at the
/// return type; map such errors in the method, for example to `Result<T, String>` with `.map_err(|e| e.to_string())`.
///
/// A method can answer with a stream: `fn watch(&self, ..) -> impl Stream<Item = T> + Send` (or an `async fn`
/// returning one). The page reads the items as an async iterable (`for await (const item of todos.watch())`, typed
/// `IpcStream<T>` in the `.d.ts`); each item is encoded like an answer, so an `Item = Result<T, E>` stream ends at its
/// first `Err` with a `HANDLER` error the loop throws. Items go as the page asks for them (credit-based backpressure: a
/// page that reads slowly pauses the stream, nothing piles up in the host), and the stream is dropped when the page
/// breaks out of its loop, aborts, reloads or closes, or the window may no longer call the method. The hub's default
/// deadline does not apply to streams. The wire format is in [`protocol`], "Streams".
///
/// The other way, an argument of type [`Upload<T>`] is a stream of items the page sends while the method runs: in the
/// page, an async iterable or a `ReadableStream` (an `Upload<Binary>` takes `Uint8Array` chunks, such as
/// `file.stream()`), sent as the method reads.
///
/// Owned forms of borrowed types work as arguments and answers: `Cow<'static, str>`, `Box<str>`, `Arc<str>` (ipc-core
/// turns on serde's `rc` feature, so each call decodes its own copy). References and other lifetimes are refused, one
/// error per lifetime, as an argument's JSON does not outlive the call and the answer is encoded after it. A map
/// written in a signature with a key serde_json cannot write as a string (a tuple, a list, an `Option`) is refused at
/// the key type: it could never be sent.
///
/// The trait gains the supertraits `Send + Sync + 'static` (writing them yourself is allowed), and each `async fn` becomes
/// `fn(..) -> impl Future<Output = ..> + Send`; implementations still write `async fn`.
///
/// Attribute arguments:
///
/// - `name = "..."` sets the service name (default: the trait name in snake_case), which is the first part of every
///   channel and the property of `host.services` in JavaScript;
/// - `exact_integers` makes every argument and return value of type `u64`, `i64`, `u128` or `i128`, or an `Option`,
///   `Vec` or `Result` (its `Ok` side) of one, travel as an exact integer: a `BigInt` in the page, typed `bigint`
///   (see [`exact`]). Types are recognised by what they are, so `type Id = u64;` and `Option<Id>` travel exactly too.
///   Without it, such integers are JSON numbers typed `number`, refused beyond ±(2^53 − 1) rather than rounded
///   ([`json`]). Events, stream and upload items and nested values are left as they are: use [`Exact<T>`](Exact)
///   there.
///
/// Method attributes, in one `#[ipc(...)]` or several:
///
/// - `#[ipc(rename = "...")]` sets the method's part of its channel (and its JavaScript name) instead of its Rust name;
/// - `#[ipc(timeout = "250ms")]` sets how long the host lets one call run ([`MethodDescriptor::timeout`]): a positive
///   whole number followed by `ms`, `s` or `m`, or `"none"` for no deadline ([`CallTimeout::Never`]). Without it, the
///   hub's default applies ([`CallTimeout::Default`]);
/// - `#[ipc(event)]` declares an event the host pushes instead of a method, with one argument, its payload
///   (`fn changed(&self, todos: Vec<Todo>);`). The trait's implementations do not write it: the macro generates
///   `{Trait}Events` (such as `TodosEvents`, with the trait's visibility), whose `new(&hub)` gives one typed
///   [`Emitter`] per event, lists it in [`ServiceDescriptor::events`], and gives the JavaScript client a listener
///   (`host.services.todos.on.changed(listener)`, typed in the `.d.ts`). `rename` applies to events too;
/// - `#[ipc(exact)]` makes the method's return value travel as an exact integer, as `exact_integers` does for the
///   whole service; the return type must be written `u64`, `i64`, `u128`, `i128`, or an `Option`, `Vec` or `Result`
///   of one (anything else is a compile error at the type).
///
/// Parameter attributes:
///
/// - `#[validate(...)]` checks an argument before the method runs (see [`validate`]);
/// - `#[ipc(exact)]` makes the argument an exact integer (`BigInt` in the page), under the same rule of types as on a
///   method. It also accepts the integer's decimal string.
///
/// ```
/// use ipc_core::{ipc_service, Exact};
///
/// #[ipc_service]
/// trait Ledger {
///     /// `host.services.ledger.nextId(after: bigint, step: number): Promise<bigint>`
///     #[ipc(exact)]
///     fn next_id(&self, #[ipc(exact)] after: u64, step: u32) -> u64;
///     /// `host.services.ledger.balance(): Promise<bigint>`
///     fn balance(&self) -> Exact<i128>;
/// }
/// ```
///
/// Rust's own attributes work as usual: `#[cfg(...)]` on a method removes it from the router and the clients, and on
/// an argument removes that argument (at most three arguments of a method may carry one); `#[deprecated]` keeps the
/// method served, without a warning from the generated code, and marks it `@deprecated` (with its note) in the
/// JavaScript client and the `.d.ts` ([`MethodDescriptor::deprecated`]); `#[cfg_attr]`, `#[doc]`, `#[allow]` and
/// `#[must_use]` stay on the trait's method.
pub use ipc_macros::ipc_service;

/// The ts-rs crate, for `#[derive(ipc_core::ts_rs::TS)] #[ts(crate = "ipc_core::ts_rs")]` without a direct dependency.
#[cfg(feature = "typescript")]
pub use ts_rs;
