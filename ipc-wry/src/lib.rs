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
//! How a call travels: the page's `window.ipc.postMessage` reaches the WebView's IPC handler on the UI thread, which
//! stamps the window and page origin and hands the text to the [`Hub`](ipc_core::Hub) without waiting. The handler runs
//! on a tokio worker; the answer comes back through the event loop proxy and is evaluated in the calling window only.
#![warn(missing_docs)]

mod app;
mod error;
mod mount;
mod snapshot;
mod window;

pub use app::App;
pub use error::Error;
pub use mount::{AppHandle, IpcEvent, Mount};
pub use window::{WindowSpec, APP_ORIGIN, APP_SCHEME};

/// The runtime crate, so an app can depend on `ipc-wry` alone.
pub use ipc_core;
