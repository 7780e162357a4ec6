//! Mounting a hub into WebViews on an event loop the user owns: the attach API. [`App`](crate::App) is built on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipc_core::{Hub, WindowEventKind, WindowId};
use tao::event::WindowEvent;
use tao::event_loop::EventLoopProxy;
use tao::window::Window;
use tokio::sync::oneshot;
use wry::{WebView, WebViewBuilder};

use crate::error::Error;
use crate::window::{mount, WindowSpec};

/// Work for the UI thread, where WebViews live. Carry it in your event loop's user event (`impl From<IpcEvent> for
/// MyEvent`) and hand it back to [`Mount::handle_ipc_event`].
pub struct IpcEvent(pub(crate) Command);

pub(crate) enum Command {
    /// Run a script in one window's page (answers and pushes are delivered this way).
    Evaluate { window: WindowId, script: String },
    /// Run a closure with one window's WebView.
    WithWebView {
        window: WindowId,
        run: Box<dyn FnOnce(&WebView) + Send>,
    },
    /// Run a closure with one window's tao window (only under [`App`](crate::App), which owns the windows).
    WithWindow {
        window: WindowId,
        run: Box<dyn FnOnce(&Window) + Send>,
    },
    /// Close one window (only under `App`).
    Close(WindowId),
    /// End the event loop (only under `App`).
    Exit(i32),
}

impl std::fmt::Debug for IpcEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.0 {
            Command::Evaluate { window, .. } => format!("evaluate in {window}"),
            Command::WithWebView { window, .. } => format!("with the WebView of {window}"),
            Command::WithWindow { window, .. } => format!("with {window}"),
            Command::Close(window) => format!("close {window}"),
            Command::Exit(code) => format!("exit {code}"),
        };
        f.debug_tuple("IpcEvent").field(&what).finish()
    }
}

/// The WebViews of a hub on your own tao event loop.
///
/// ```no_run
/// use ipc_core::Hub;
/// use ipc_wry::{IpcEvent, Mount, WindowSpec};
/// use tao::event::{Event, WindowEvent};
/// use tao::event_loop::{ControlFlow, EventLoopBuilder};
/// use tao::window::WindowBuilder;
///
/// // Your event type carries the mount's work.
/// enum MyEvent {
///     Ipc(IpcEvent),
/// }
/// impl From<IpcEvent> for MyEvent {
///     fn from(event: IpcEvent) -> Self {
///         MyEvent::Ipc(event)
///     }
/// }
///
/// let runtime = tokio::runtime::Runtime::new().unwrap();
/// let hub = Hub::builder().runtime(runtime.handle().clone()).build().unwrap();
/// let event_loop = EventLoopBuilder::<MyEvent>::with_user_event().build();
/// let mut mount = Mount::new(hub, event_loop.create_proxy());
///
/// let window = WindowBuilder::new().with_title("Mine").build(&event_loop).unwrap();
/// mount.add_webview(&window, &WindowSpec::html("Mine", "<p>hello</p>")).unwrap();
///
/// event_loop.run(move |event, _, control_flow| {
///     *control_flow = ControlFlow::Wait;
///     match event {
///         Event::UserEvent(MyEvent::Ipc(work)) => mount.handle_ipc_event(work),
///         Event::WindowEvent { window_id, event, .. } => {
///             let closed = matches!(event, WindowEvent::CloseRequested);
///             mount.handle_window_event(window_id, &event);
///             if closed {
///                 *control_flow = ControlFlow::Exit;
///             }
///         }
///         _ => {}
///     }
/// });
/// ```
pub struct Mount<E: 'static> {
    hub: Hub,
    proxy: EventLoopProxy<E>,
    webviews: HashMap<WindowId, Mounted>,
}

struct Mounted {
    // Dropped before the window that holds it: the owner removes the mount before dropping the window.
    webview: WebView,
    window: tao::window::WindowId,
    scale: f64,
}

impl<E: From<IpcEvent> + Send + 'static> Mount<E> {
    /// A mount for `hub`, delivering through `proxy` (from the event loop the WebViews live on).
    pub fn new(hub: Hub, proxy: EventLoopProxy<E>) -> Self {
        Mount {
            hub,
            proxy,
            webviews: HashMap::new(),
        }
    }

    /// The hub.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Builds a WebView into `window` showing the spec's content, attached to the hub with the spec's capabilities.
    /// The spec's title and size are not applied: the window is yours.
    ///
    /// # Errors
    ///
    /// If wry cannot build the WebView; the hub is left as it was.
    pub fn add_webview(&mut self, window: &Window, spec: &WindowSpec) -> Result<WindowId, Error> {
        self.add_webview_with(window, spec, WebViewBuilder::new())
    }

    /// Like [`add_webview`](Mount::add_webview), starting from your own builder (for its other settings).
    ///
    /// # Errors
    ///
    /// If wry cannot build the WebView; the hub is left as it was.
    pub fn add_webview_with(
        &mut self,
        window: &Window,
        spec: &WindowSpec,
        builder: WebViewBuilder<'_>,
    ) -> Result<WindowId, Error> {
        let proxy = Mutex::new(self.proxy.clone());
        let id = self.hub.attach_window_with(spec.config(), |id| {
            move |message: String| {
                // Called on any thread: build the script here, evaluate it on the UI thread.
                let script = format!("window.host.__receive({message});");
                let event = E::from(IpcEvent(Command::Evaluate { window: id, script }));
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
        let webview = match build_webview(mount(builder, &self.hub, id, spec), window) {
            Ok(webview) => webview,
            Err(source) => {
                self.hub.detach_window(id);
                return Err(Error::WebView {
                    title: spec.title().to_owned(),
                    source,
                });
            }
        };
        let mounted = Mounted {
            webview,
            window: window.id(),
            scale: window.scale_factor(),
        };
        self.webviews.insert(id, mounted);
        Ok(id)
    }

    /// Carries out work sent to the UI thread. Call it for every [`IpcEvent`] your event loop receives.
    pub fn handle_ipc_event(&mut self, event: IpcEvent) {
        match event.0 {
            Command::Evaluate { window, script } => match self.webviews.get(&window) {
                Some(mounted) => {
                    if let Err(err) = mounted.webview.evaluate_script(&script) {
                        tracing::warn!(%window, "could not deliver to the page: {err}");
                    }
                }
                None => tracing::debug!(%window, "message dropped: the window is closed"),
            },
            Command::WithWebView { window, run } => {
                if let Some(mounted) = self.webviews.get(&window) {
                    run(&mounted.webview);
                }
            }
            other @ (Command::WithWindow { .. } | Command::Close(_) | Command::Exit(_)) => {
                tracing::warn!(
                    "{:?} needs ipc_wry::App, which owns the windows; ignored",
                    IpcEvent(other)
                );
            }
        }
    }

    /// Forwards a tao window event to the hub as a window event (focus, blur, resize, move, close). On
    /// `CloseRequested` (or `Destroyed`) the WebView is dropped and the window detached, so drop your tao window after
    /// this returns. Returns the window's id if it belongs to this mount.
    pub fn handle_window_event(&mut self, window: tao::window::WindowId, event: &WindowEvent) -> Option<WindowId> {
        let (&id, mounted) = self.webviews.iter_mut().find(|(_, m)| m.window == window)?;
        let kind = match event {
            WindowEvent::Focused(true) => WindowEventKind::Focus,
            WindowEvent::Focused(false) => WindowEventKind::Blur,
            WindowEvent::Resized(size) => {
                let size = size.to_logical::<f64>(mounted.scale);
                WindowEventKind::Resize {
                    width: size.width.round() as u32,
                    height: size.height.round() as u32,
                }
            }
            WindowEvent::Moved(position) => {
                let position = position.to_logical::<f64>(mounted.scale);
                WindowEventKind::Move {
                    x: position.x.round() as i32,
                    y: position.y.round() as i32,
                }
            }
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                mounted.scale = *scale_factor;
                return Some(id);
            }
            WindowEvent::CloseRequested | WindowEvent::Destroyed => {
                self.remove(id);
                return Some(id);
            }
            _ => return Some(id),
        };
        self.hub.window_event(id, kind);
        Some(id)
    }

    /// Closes the WebView of `window`: publishes its close event, detaches it (later sends fail with
    /// `WindowNotFound`) and drops the WebView. Returns whether it was mounted.
    pub fn remove(&mut self, window: WindowId) -> bool {
        let Some(mounted) = self.webviews.remove(&window) else {
            return false;
        };
        // Detached first, so a subscriber that sees the close event finds the window gone.
        self.hub.detach_window(window);
        self.hub.window_event(window, WindowEventKind::Close);
        drop(mounted);
        true
    }

    /// The WebView of `window`.
    pub fn webview(&self, window: WindowId) -> Option<&WebView> {
        self.webviews.get(&window).map(|m| &m.webview)
    }

    /// The tao window id `window` lives in.
    pub fn tao_window(&self, window: WindowId) -> Option<tao::window::WindowId> {
        self.webviews.get(&window).map(|m| m.window)
    }

    /// How many WebViews are mounted.
    pub fn len(&self) -> usize {
        self.webviews.len()
    }

    /// Whether no WebView is mounted.
    pub fn is_empty(&self) -> bool {
        self.webviews.is_empty()
    }

    /// A handle that reaches the mount from any thread.
    pub fn handle(&self) -> AppHandle<E> {
        AppHandle {
            hub: self.hub.clone(),
            proxy: Arc::new(Mutex::new(self.proxy.clone())),
            windows: self.hub.windows(),
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

/// Reaches a running app (or a [`Mount`]) from any thread: evaluate scripts, use a WebView, take snapshots; under
/// [`App`](crate::App) also resize, close and exit.
pub struct AppHandle<E: 'static = IpcEvent> {
    hub: Hub,
    proxy: Arc<Mutex<EventLoopProxy<E>>>,
    windows: Vec<WindowId>,
}

impl<E: 'static> Clone for AppHandle<E> {
    fn clone(&self) -> Self {
        AppHandle {
            hub: self.hub.clone(),
            proxy: Arc::clone(&self.proxy),
            windows: self.windows.clone(),
        }
    }
}

impl<E: From<IpcEvent> + Send + 'static> AppHandle<E> {
    /// The hub the app's services run in.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The ids of the windows open when the handle was made, in the order they were opened.
    pub fn windows(&self) -> &[WindowId] {
        &self.windows
    }

    fn send(&self, command: Command) -> Result<(), Error> {
        self.proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send_event(E::from(IpcEvent(command)))
            .map_err(|_| Error::Stopped)
    }

    /// Ends the event loop; [`App::run`](crate::App::run) returns `code`. Only under `App`.
    pub fn exit(&self, code: i32) -> Result<(), Error> {
        self.send(Command::Exit(code))
    }

    /// Closes `window` as if the user had: its close event is published and its endpoint removed. Only under `App`.
    pub fn close_window(&self, window: WindowId) -> Result<(), Error> {
        self.send(Command::Close(window))
    }

    /// Runs `run` on the UI thread with the tao window of `window` (to resize, move or focus it). Only under `App`.
    pub fn with_window(&self, window: WindowId, run: impl FnOnce(&Window) + Send + 'static) -> Result<(), Error> {
        self.send(Command::WithWindow {
            window,
            run: Box::new(run),
        })
    }

    /// Runs `run` on the UI thread with the WebView of `window`; nothing happens if the window is closed.
    pub fn with_webview(&self, window: WindowId, run: impl FnOnce(&WebView) + Send + 'static) -> Result<(), Error> {
        self.send(Command::WithWebView {
            window,
            run: Box::new(run),
        })
    }

    /// Evaluates `script` in the page of `window` and receives its value as JSON text (`"null"` for `undefined`).
    /// The receiver reports an error if the window closes first, or (on WebKitGTK) if the script ran before the first
    /// page load, when no value is reported.
    pub fn evaluate(&self, window: WindowId, script: impl Into<String>) -> Result<oneshot::Receiver<String>, Error> {
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

    /// Evaluates `condition` in `window`'s page every 20 ms until it is truthy, and returns its value as JSON text.
    /// For self-driving demos and end-to-end tests.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if `condition` is still falsy after `timeout`; [`Error::Stopped`] if the app or the window
    /// went away.
    pub async fn wait_for(&self, window: WindowId, condition: &str, timeout: Duration) -> Result<String, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.evaluate(window, condition)?;
            match tokio::time::timeout_at(deadline, value).await {
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

    /// Waits until `window`'s page has finished loading and its runtime (`window.host`) is installed.
    ///
    /// # Errors
    ///
    /// As [`wait_for`](AppHandle::wait_for).
    pub async fn wait_until_ready(&self, window: WindowId, timeout: Duration) -> Result<(), Error> {
        let ready = "document.readyState === 'complete' && window.host !== undefined";
        self.wait_for(window, ready, timeout).await.map(drop)
    }

    /// Takes a PNG snapshot of the visible part of `window`'s page (Linux, WebKitGTK). The receiver gets the PNG bytes,
    /// or what went wrong.
    pub fn capture_png(&self, window: WindowId) -> Result<oneshot::Receiver<Result<Vec<u8>, String>>, Error> {
        let (tx, rx) = oneshot::channel();
        self.with_webview(window, move |webview| crate::snapshot::capture_png(webview, tx))?;
        Ok(rx)
    }
}

/// Whether a JSON value (as WebKit reports a script's result) is falsy in JavaScript.
fn is_falsy_json(value: &str) -> bool {
    matches!(value.trim(), "" | "null" | "undefined" | "false" | "0" | "\"\"")
}
