//! Mounting a hub into WebViews on an event loop the user owns: the attach API. [`App`](crate::App) is built on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ipc_core::transport::{Delivery, WindowLink};
use ipc_core::{Hub, WindowEventKind, WindowId};
use tao::event::WindowEvent;
use tao::event_loop::EventLoopProxy;
use tao::window::Window;
use wry::{WebView, WebViewBuilder};

use crate::bulk::{self, Held};
use crate::error::Error;
use crate::stats::{Counters, Path, Registry, TransportStats};
use crate::window::{wire, WindowSpec};

/// Work for the UI thread, where WebViews live. Carry it in your event loop's user event (`impl From<IpcEvent> for
/// MyEvent`) and hand it back to [`Mount::handle_ipc_event`].
pub struct IpcEvent(pub(crate) Command);

pub(crate) enum Command {
    /// Messages wait for one window's page: take its deliveries and evaluate them there.
    Deliver(WindowId),
    /// Run a closure with one window's WebView.
    WithWebView {
        window: WindowId,
        run: Box<dyn FnOnce(&WebView) + Send>,
    },
}

impl std::fmt::Debug for IpcEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.0 {
            Command::Deliver(window) => format!("deliver to {window}"),
            Command::WithWebView { window, .. } => format!("with the WebView of {window}"),
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
    proxy: Arc<Mutex<EventLoopProxy<E>>>,
    webviews: HashMap<WindowId, Mounted>,
    stats: Registry,
}

impl<E: 'static> std::fmt::Debug for Mount<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut windows: Vec<&WindowId> = self.webviews.keys().collect();
        windows.sort_unstable();
        f.debug_struct("Mount").field("windows", &windows).finish()
    }
}

struct Mounted {
    // Dropped before the window that holds it: the owner removes the mount before dropping the window.
    webview: WebView,
    /// The only strong reference: the WebView's message handler holds a weak one, so removing the mount detaches.
    link: Arc<WindowLink>,
    /// The page's delivery function, named at random per WebView so no page without the runtime can define it, and
    /// the opening of a call to it, which a delivery's text follows.
    deliver: String,
    call_start: String,
    /// Deliveries waiting for the page to fetch them, and the size from which deliveries go that way.
    held: Arc<Held>,
    fetch_above: Option<usize>,
    /// Whether the page can fetch from the app scheme (a window showing HTML, not a URL).
    can_pull: bool,
    counters: Arc<Counters>,
    window: tao::window::WindowId,
    scale: f64,
}

impl<E: From<IpcEvent> + Send + 'static> Mount<E> {
    /// A mount for `hub`, delivering through `proxy` (from the event loop the WebViews live on).
    pub fn new(hub: Hub, proxy: EventLoopProxy<E>) -> Self {
        Mount {
            hub,
            proxy: Arc::new(Mutex::new(proxy)),
            webviews: HashMap::new(),
            stats: Registry::default(),
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
        let proxy = Arc::clone(&self.proxy);
        let link = Arc::new(WindowLink::attach_with(&self.hub, spec.config(), |id| {
            move || {
                // Called on any thread, once per burst of messages: the UI thread takes them all in one go.
                let event = E::from(IpcEvent(Command::Deliver(id)));
                if proxy
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .send_event(event)
                    .is_err()
                {
                    tracing::debug!(window = %id, "delivery dropped: the event loop has ended");
                }
            }
        }));
        let deliver = format!("__ipc_deliver_{}", ipc_core::transport::new_secret());
        let id = link.id();
        let held = Arc::new(Held::default());
        let counters = Arc::new(Counters::default());
        let webview = match build_webview(wire(builder, &link, &held, &counters, &deliver, spec), window) {
            Ok(webview) => webview,
            Err(source) => {
                return Err(Error::WebView {
                    title: spec.title().to_owned(),
                    source,
                });
            }
        };
        let mounted = Mounted {
            webview,
            link,
            call_start: bulk::delivery_call_start(&deliver),
            deliver,
            held,
            fetch_above: spec.fetch_thresholds().1,
            can_pull: spec.has_app_scheme(),
            counters: Arc::clone(&counters),
            window: window.id(),
            scale: window.scale_factor(),
        };
        self.webviews.insert(id, mounted);
        self.stats.add(id, counters);
        Ok(id)
    }

    /// Carries out work sent to the UI thread. Call it for every [`IpcEvent`] your event loop receives.
    pub fn handle_ipc_event(&mut self, event: IpcEvent) {
        match event.0 {
            Command::Deliver(window) => match self.webviews.get(&window) {
                Some(mounted) => mounted.deliver_all(),
                None => tracing::debug!(%window, "delivery dropped: the window is closed"),
            },
            Command::WithWebView { window, run } => {
                if let Some(mounted) = self.webviews.get(&window) {
                    run(&mounted.webview);
                }
            }
        }
    }

    /// Forwards a tao window event to the hub as a window event (focus, blur, resize, move, close). On
    /// `CloseRequested` (or `Destroyed`) the WebView is dropped and the window detached, so drop your tao window after
    /// this returns. Returns the window's id if it belongs to this mount.
    pub fn handle_window_event(&mut self, window: tao::window::WindowId, event: &WindowEvent<'_>) -> Option<WindowId> {
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
        mounted.link.window_event(kind);
        Some(id)
    }

    /// Closes the WebView of `window`: detaches it (later sends fail with `WindowNotFound`; its calls are dropped),
    /// publishes its close event, and drops the WebView. Returns whether it was mounted.
    pub fn remove(&mut self, window: WindowId) -> bool {
        let Some(mounted) = self.webviews.remove(&window) else {
            return false;
        };
        self.stats.remove(window);
        mounted.link.close();
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
    pub fn handle(&self) -> MountHandle<E> {
        MountHandle {
            hub: self.hub.clone(),
            proxy: Arc::clone(&self.proxy),
            windows: self.hub.windows(),
            stats: self.stats.clone(),
        }
    }
}

impl Mounted {
    /// Hands every waiting delivery to the page, in order: as a script that passes the text to the runtime, or, from
    /// the window's threshold, held for the page to fetch (see [`bulk`]). Each delivery's bytes count against the
    /// window's queue until WebKit reports the script has run, or until the page has fetched it, so a push flood
    /// cannot pile up in the web process either.
    fn deliver_all(&self) {
        self.held.drop_stale();
        if let Some(number) = self.held.take_received() {
            // Ahead of the deliveries: one may answer that very upload, and the page may post its next on reading it.
            self.counters.count(Path::UploadConfirmed);
            self.evaluate(&bulk::received_script(&self.deliver, number), None);
        }
        while let Some(delivery) = self
            .link
            .take_delivery_wrapped(&self.call_start, bulk::DELIVERY_CALL_END)
        {
            let binary = !delivery.parts().is_empty();
            let size = delivery.text().len() + delivery.parts().iter().map(bytes::Bytes::len).sum::<usize>();
            if binary && (!self.can_pull || size < bulk::BINARY_BY_SCRIPT_BELOW) {
                // Small, or no app scheme to fetch from: the frame goes as script, in base64.
                self.counters.count(Path::DeliveryByScript);
                let script = bulk::frame_script(&self.deliver, &delivery.to_frame());
                self.evaluate(&script, Some(Arc::new(delivery)));
                continue;
            }
            if binary || self.fetch_above.is_some_and(|above| delivery.text().len() >= above) {
                let token = self.held.hold(delivery);
                self.evaluate(&bulk::pull_script(&self.deliver, &token), None);
                continue;
            }
            self.counters.count(Path::DeliveryByScript);
            let delivery = Arc::new(delivery);
            let script = bulk::delivery_script(&self.deliver, delivery.text(), delivery.wrapped());
            self.evaluate(&script, Some(Arc::clone(&delivery)));
        }
    }

    /// Evaluates `script` in the page. A delivery it carries is kept until WebKit reports the script has run, so its
    /// bytes count against the window's queue until then.
    fn evaluate(&self, script: &str, carries: Option<Arc<Delivery>>) {
        let result = match carries {
            None => self.webview.evaluate_script(script),
            Some(delivery) => {
                let held = Mutex::new(Some(delivery));
                let done = move |_: String| drop(held.lock().unwrap_or_else(|e| e.into_inner()).take());
                self.webview.evaluate_script_with_callback(script, done)
            }
        };
        if let Err(err) = result {
            tracing::warn!(window = %self.link.id(), "could not deliver to the page: {err}");
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

/// Reaches a [`Mount`] from any thread: its hub, and its WebViews on the UI thread. With the `drive` feature, also
/// scripts, waits and snapshots for self-driving demos and tests.
pub struct MountHandle<E: 'static = IpcEvent> {
    hub: Hub,
    proxy: Arc<Mutex<EventLoopProxy<E>>>,
    windows: Vec<WindowId>,
    stats: Registry,
}

impl<E: 'static> Clone for MountHandle<E> {
    fn clone(&self) -> Self {
        MountHandle {
            hub: self.hub.clone(),
            proxy: Arc::clone(&self.proxy),
            windows: self.windows.clone(),
            stats: self.stats.clone(),
        }
    }
}

impl<E: 'static> std::fmt::Debug for MountHandle<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MountHandle").field("windows", &self.windows).finish()
    }
}

impl<E: From<IpcEvent> + Send + 'static> MountHandle<E> {
    /// The hub the app's services run in.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The ids of the windows open when the handle was made, in the order they were opened.
    pub fn windows(&self) -> &[WindowId] {
        &self.windows
    }

    /// How `window`'s messages have travelled so far, each way (`None` once it is closed).
    pub fn transport_stats(&self, window: WindowId) -> Option<TransportStats> {
        self.stats.get(window)
    }

    pub(crate) fn send(&self, event: E) -> Result<(), Error> {
        self.proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send_event(event)
            .map_err(|_| Error::Stopped)
    }

    /// Runs `run` on the UI thread with the WebView of `window`; nothing happens if the window is closed.
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has ended.
    pub fn with_webview(&self, window: WindowId, run: impl FnOnce(&WebView) + Send + 'static) -> Result<(), Error> {
        self.send(E::from(IpcEvent(Command::WithWebView {
            window,
            run: Box::new(run),
        })))
    }
}
