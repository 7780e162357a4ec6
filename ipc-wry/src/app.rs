//! The `App` runner: a tokio runtime for the handlers, a tao event loop on the calling thread, one WebView per window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipc_core::{Hub, HubBuilder, Service, WindowId};
use tao::event::{Event, StartCause, WindowEvent};
use tao::event_loop::{
    ControlFlow, EventLoop, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget,
};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::window::{Window, WindowBuilder};
use tokio::sync::oneshot;
use wry::{WebView, WebViewBuilder};

use crate::error::Error;
use crate::window::{mount, WindowSpec};

/// Work sent to the UI thread, where windows and WebViews live.
pub(crate) enum UserEvent {
    /// Run a script in one window's page (answers are delivered this way).
    Evaluate { window: WindowId, script: String },
    /// Run a closure with one window's WebView.
    WithWebView {
        window: WindowId,
        run: Box<dyn FnOnce(&WebView) + Send>,
    },
    /// End the event loop; [`App::run`] returns this code.
    Exit(i32),
}

/// A desktop app: services, windows, run.
///
/// ```no_run
/// use ipc_core::ipc_service;
/// use ipc_wry::{App, WindowSpec};
///
/// #[ipc_service]
/// trait Greeter {
///     fn greet(&self, name: String) -> String;
/// }
///
/// struct Polite;
/// impl Greeter for Polite {
///     fn greet(&self, name: String) -> String {
///         format!("Hello, {name}!")
///     }
/// }
///
/// let page = r#"<script>
///     host.services.greeter.greet("Ada").then((text) => document.body.textContent = text);
/// </script>"#;
/// let code = App::new()
///     .service(Polite.into_service())
///     .window(WindowSpec::html("Hello", page))
///     .run()
///     .unwrap();
/// std::process::exit(code);
/// ```
#[must_use = "an app does nothing until `run` is called"]
pub struct App {
    hub: HubBuilder,
    windows: Vec<WindowSpec>,
    on_ready: Option<Box<dyn FnOnce(AppHandle)>>,
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An app with no services and no windows.
    pub fn new() -> Self {
        App {
            hub: Hub::builder(),
            windows: Vec::new(),
            on_ready: None,
        }
    }

    /// Registers a service, usually `value.into_service()` for a type implementing an `#[ipc_service]` trait.
    pub fn service(mut self, service: impl Service) -> Self {
        self.hub = self.hub.service(service);
        self
    }

    /// Opens this window when the app starts. Windows get ids in the order they are added.
    pub fn window(mut self, spec: WindowSpec) -> Self {
        self.windows.push(spec);
        self
    }

    /// Runs `ready` on the UI thread once every window is open, with a handle that reaches the app from any thread.
    pub fn on_ready(mut self, ready: impl FnOnce(AppHandle) + 'static) -> Self {
        self.on_ready = Some(Box::new(ready));
        self
    }

    /// Opens the windows and runs the event loop on this thread until the last window closes (returns 0) or
    /// [`AppHandle::exit`] is called (returns its code). Handlers run on a tokio runtime the app starts and stops.
    ///
    /// # Errors
    ///
    /// If the hub cannot be built (a duplicate channel), or a window or WebView cannot be created.
    pub fn run(self) -> Result<i32, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ipc-handler")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let hub = self.hub.runtime(runtime.handle().clone()).build()?;
        let mut event_loop: EventLoop<UserEvent> = EventLoopBuilder::with_user_event().build();
        let proxy = event_loop.create_proxy();

        let mut ui = Ui::default();
        let mut ids = Vec::new();
        for spec in &self.windows {
            ids.push(ui.open(&event_loop, &hub, &proxy, spec)?);
        }
        let handle = AppHandle {
            hub: hub.clone(),
            proxy: Arc::new(Mutex::new(proxy)),
            windows: ids,
        };
        let mut on_ready = self.on_ready;
        let code = event_loop.run_return(move |event, _target, control_flow| {
            *control_flow = ControlFlow::Wait;
            match event {
                Event::NewEvents(StartCause::Init) => {
                    if let Some(ready) = on_ready.take() {
                        ready(handle.clone());
                    }
                }
                Event::UserEvent(UserEvent::Evaluate { window, script }) => {
                    ui.evaluate(window, &script)
                }
                Event::UserEvent(UserEvent::WithWebView { window, run }) => {
                    if let Some(open) = ui.windows.get(&window) {
                        run(&open.webview);
                    }
                }
                Event::UserEvent(UserEvent::Exit(code)) => {
                    *control_flow = ControlFlow::ExitWithCode(code)
                }
                Event::WindowEvent {
                    window_id,
                    event: WindowEvent::CloseRequested,
                    ..
                } => {
                    ui.close(&hub, window_id);
                    if ui.windows.is_empty() {
                        *control_flow = ControlFlow::ExitWithCode(0);
                    }
                }
                _ => {}
            }
        });
        runtime.shutdown_timeout(Duration::from_secs(1));
        Ok(code)
    }
}

/// The open windows, owned by the UI thread.
#[derive(Default)]
struct Ui {
    windows: HashMap<WindowId, OpenWindow>,
}

struct OpenWindow {
    // Dropped before the window: the WebView lives inside it.
    webview: WebView,
    window: Window,
}

impl Ui {
    fn open(
        &mut self,
        target: &EventLoopWindowTarget<UserEvent>,
        hub: &Hub,
        proxy: &EventLoopProxy<UserEvent>,
        spec: &WindowSpec,
    ) -> Result<WindowId, Error> {
        let window = WindowBuilder::new()
            .with_title(&spec.title)
            .with_inner_size(tao::dpi::LogicalSize::new(spec.size.0, spec.size.1))
            .build(target)
            .map_err(|source| Error::Window {
                title: spec.title.clone(),
                source,
            })?;
        let proxy = Mutex::new(proxy.clone());
        let id = hub.attach_window_with(|id| {
            move |message: String| {
                // Called on tokio: build the script here, evaluate it on the UI thread.
                let script = format!("window.host.__receive({message});");
                let event = UserEvent::Evaluate { window: id, script };
                if proxy
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .send_event(event)
                    .is_err()
                {
                    tracing::debug!(window = %id, "message dropped: the event loop has ended");
                }
            }
        });
        let builder = mount(WebViewBuilder::new(), hub, id, spec);
        let webview = match build_webview(builder, &window) {
            Ok(webview) => webview,
            Err(source) => {
                hub.detach_window(id);
                return Err(Error::WebView {
                    title: spec.title.clone(),
                    source,
                });
            }
        };
        self.windows.insert(id, OpenWindow { webview, window });
        Ok(id)
    }

    fn evaluate(&self, window: WindowId, script: &str) {
        match self.windows.get(&window) {
            Some(open) => {
                if let Err(err) = open.webview.evaluate_script(script) {
                    tracing::warn!(%window, "could not deliver to the page: {err}");
                }
            }
            None => tracing::debug!(%window, "message dropped: the window is closed"),
        }
    }

    fn close(&mut self, hub: &Hub, window: tao::window::WindowId) {
        let id = self
            .windows
            .iter()
            .find(|(_, open)| open.window.id() == window)
            .map(|(id, _)| *id);
        if let Some(id) = id {
            hub.detach_window(id);
            self.windows.remove(&id);
        }
    }
}

/// On Linux a WebView goes into the window's GTK box, which works on X11 and Wayland alike.
#[cfg(any(
    target_os = "linux",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
))]
fn build_webview(builder: WebViewBuilder<'_>, window: &Window) -> wry::Result<WebView> {
    use tao::platform::unix::WindowExtUnix;
    use wry::WebViewBuilderExtUnix;
    match window.default_vbox() {
        Some(vbox) => builder.build_gtk(vbox),
        None => builder.build(window),
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
fn build_webview(builder: WebViewBuilder<'_>, window: &Window) -> wry::Result<WebView> {
    builder.build(window)
}

/// Reaches a running app from any thread: evaluate scripts, use a WebView, exit.
#[derive(Clone)]
pub struct AppHandle {
    hub: Hub,
    proxy: Arc<Mutex<EventLoopProxy<UserEvent>>>,
    windows: Vec<WindowId>,
}

impl AppHandle {
    /// The hub the app's services run in.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The ids of the windows opened at start, in the order they were added with [`App::window`].
    pub fn windows(&self) -> &[WindowId] {
        &self.windows
    }

    fn send(&self, event: UserEvent) -> Result<(), Error> {
        self.proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send_event(event)
            .map_err(|_| Error::Stopped)
    }

    /// Ends the event loop; [`App::run`] returns `code`.
    pub fn exit(&self, code: i32) -> Result<(), Error> {
        self.send(UserEvent::Exit(code))
    }

    /// Runs `run` on the UI thread with the WebView of `window`; nothing happens if the window is closed.
    pub fn with_webview(
        &self,
        window: WindowId,
        run: impl FnOnce(&WebView) + Send + 'static,
    ) -> Result<(), Error> {
        self.send(UserEvent::WithWebView {
            window,
            run: Box::new(run),
        })
    }

    /// Evaluates `script` in the page of `window` and receives its value as JSON text (`"null"` for `undefined`).
    /// The receiver reports an error if the window closes first, or (on WebKitGTK) if the script ran before the first
    /// page load, when no value is reported.
    pub fn evaluate(
        &self,
        window: WindowId,
        script: impl Into<String>,
    ) -> Result<oneshot::Receiver<String>, Error> {
        let (tx, rx) = oneshot::channel();
        let script = script.into();
        self.with_webview(window, move |webview| {
            // wry wants an `Fn` callback; the value arrives once.
            let tx = Mutex::new(Some(tx));
            let callback = move |value: String| {
                if let Some(tx) = tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = tx.send(value);
                }
            };
            if let Err(err) = webview.evaluate_script_with_callback(&script, callback) {
                tracing::warn!("could not evaluate a script: {err}");
            }
        })?;
        Ok(rx)
    }

    /// Takes a PNG snapshot of the visible part of `window`'s page (Linux, WebKitGTK). The receiver gets the PNG bytes,
    /// or what went wrong.
    pub fn capture_png(
        &self,
        window: WindowId,
    ) -> Result<oneshot::Receiver<Result<Vec<u8>, String>>, Error> {
        let (tx, rx) = oneshot::channel();
        self.with_webview(window, move |webview| {
            crate::snapshot::capture_png(webview, tx)
        })?;
        Ok(rx)
    }

    /// Evaluates `condition` in `window`'s page every 20 ms until it is truthy, and returns its value as JSON text.
    /// For self-driving demos and end-to-end tests.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if `condition` is still falsy after `timeout`; [`Error::Stopped`] if the app or the window
    /// went away.
    pub async fn wait_for(
        &self,
        window: WindowId,
        condition: &str,
        timeout: Duration,
    ) -> Result<String, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.evaluate(window, condition)?;
            let value = tokio::time::timeout_at(deadline, value).await;
            match value {
                Ok(Ok(value)) if !is_falsy_json(&value) => return Ok(value),
                Ok(Ok(_)) => {}
                // WebKitGTK drops the callback of a script evaluated before the first page load: not ready yet.
                Ok(Err(_)) if self.hub.has_window(window) => {}
                Ok(Err(_)) => return Err(Error::Stopped),
                Err(_) => break,
            }
            if tokio::time::timeout_at(deadline, tokio::time::sleep(Duration::from_millis(20)))
                .await
                .is_err()
            {
                break;
            }
        }
        Err(Error::Timeout {
            what: format!("`{condition}` in {window}"),
            after: timeout,
        })
    }
}

/// Whether a JSON value (as WebKit reports a script's result) is falsy in JavaScript.
fn is_falsy_json(value: &str) -> bool {
    matches!(
        value.trim(),
        "" | "null" | "undefined" | "false" | "0" | "\"\""
    )
}
