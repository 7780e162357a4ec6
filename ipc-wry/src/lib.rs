//! Typed IPC services in wry WebViews on tao windows.
//!
//! ```no_run
//! use ipc_core::ipc_service;
//! use ipc_wry::{App, WindowSpec};
//!
//! /// Greets people.
//! #[ipc_service]
//! trait Greeter {
//!     /// Says hello, or refuses an empty name.
//!     async fn greet(&self, name: String) -> Result<String, String>;
//! }
//!
//! struct Polite;
//!
//! impl Greeter for Polite {
//!     async fn greet(&self, name: String) -> Result<String, String> {
//!         if name.is_empty() {
//!             return Err("who is there?".to_owned());
//!         }
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//!
//! let page = r#"<p id="out"></p><script>
//!     host.services.greeter.greet("Ada")
//!         .then((text) => { document.getElementById("out").textContent = text; })
//!         .catch((error) => { document.getElementById("out").textContent = `${error.kind}: ${error.message}`; });
//! </script>"#;
//!
//! let code = App::new()
//!     .service(Polite.into_service())
//!     .window(WindowSpec::html("Hello", page))
//!     .run()
//!     .expect("the app starts");
//! std::process::exit(code);
//! ```
//!
//! Each page gets `window.host` (the runtime from `ipc_core::client`) and `host.services.<service>.<method>(...)` for
//! every registered service, injected before the page's own scripts: no bundler needed.
//!
//! Two ways to run: [`App`] owns the tao event loop (services, windows, `run`); [`Mount`] attaches the hub to WebViews
//! on an event loop you own, with your own user-event type (see its docs and `examples/custom_loop`). Either way each
//! window gets its [`Capabilities`](ipc_core::Capabilities) from its [`WindowSpec`], tao window events reach the hub as
//! window events (and the window's own page as `window:*` events), closing a window removes its endpoint, and a page
//! reload drops the answers still owed to the old page. [`AppHandle`] reaches the app from any thread: its hub for
//! sends, broadcasts and event streams, and scripts, snapshots, resizes and exits for self-driving demos and tests.
//!
//! How a call travels: the page's runtime posts through `window.ipc.postMessage`, every message starting with its page
//! load's secret; the WebView's IPC handler on the UI thread hands the text to the window's
//! [`WindowLink`](ipc_core::transport::WindowLink) without waiting. The hub reads it on tokio, runs the handler, and
//! queues the answer; the event loop is woken once per burst and evaluates the waiting messages in the calling window,
//! where only the page that asked accepts them (see `ipc_core::protocol` and the security model in the README).
//!
//! Features: `browser` adds `BrowserMode`, a development tool that serves the running app's hub to ordinary browser
//! tabs over a loopback WebSocket (see the `browser` module). `drive` adds `MountHandle::evaluate`, `wait_for`, `wait_until_ready` and `capture_png`, for
//! self-driving demos and end-to-end tests (it pulls in the WebKitGTK and cairo bindings on Linux).
#![warn(missing_docs)]
#![warn(unreachable_pub, missing_debug_implementations, rust_2018_idioms)]

mod app;
pub mod assets;
#[cfg(feature = "browser")]
pub mod browser;
pub mod bulk;
pub mod dev;
#[cfg(feature = "drive")]
mod drive;
mod error;
mod mount;
mod stats;
mod window;

pub use app::{App, AppEvent, AppHandle};
pub use assets::Assets;
#[cfg(feature = "browser")]
pub use browser::{BrowserMode, BrowserServer};
pub use bulk::DEFAULT_FETCH_REQUESTS_ABOVE;
pub use dev::DevServer;
pub use error::Error;
pub use mount::{IpcEvent, Mount, MountHandle};
pub use stats::TransportStats;
pub use window::{WindowSpec, APP_ORIGIN, APP_SCHEME};

/// The runtime crate, so an app can depend on `ipc-wry` alone.
pub use ipc_core;
