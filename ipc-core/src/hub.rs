//! The hub: registered services, the windows (endpoints) that call them, pushes to windows, and events from them.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures::future::{AbortHandle, AbortRegistration, Abortable, Aborted};
use futures::FutureExt;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::runtime::Handle;
use tokio::sync::Mutex as AsyncMutex;
use tracing::Instrument;

use crate::capability::{Capabilities, Direction};
use crate::context::{CallContext, WindowId};
use crate::error::{CallError, Error, ErrorCode};
use crate::event::{Event, EventStream, Filter, Subscribers, Subscription, WindowEventKind};
use crate::json::to_renderer_json;
use crate::protocol::{encode_answer, encode_event, Request};
use crate::router::Router;
use crate::service::{Call, Service, ServiceDescriptor};

/// The origin of a window's own content unless its [`WindowConfig`] says otherwise (what `ipc-wry` serves pages from).
pub const DEFAULT_APP_ORIGIN: &str = "app://localhost";

/// The largest request a hub accepts unless told otherwise: 16 MiB.
pub const DEFAULT_MAX_REQUEST_SIZE: usize = 16 * 1024 * 1024;

/// Where a window's outgoing messages go: the transport's side of one renderer.
///
/// `deliver` receives one complete JSON message (an answer or an event envelope, see [`crate::protocol`]) and hands
/// it to the renderer. It is called from any thread and must not block; a transport that must deliver on a UI thread
/// queues the message there.
pub trait Endpoint: Send + Sync + 'static {
    /// Hands one JSON message to the renderer.
    fn deliver(&self, message: String);
}

impl<F: Fn(String) + Send + Sync + 'static> Endpoint for F {
    fn deliver(&self, message: String) {
        self(message)
    }
}

/// How a window is attached: what it may do, and the origin of its own content.
#[derive(Debug, Clone)]
pub struct WindowConfig {
    /// What the window may call, send and receive, and which other origins may speak for it.
    pub capabilities: Capabilities,
    /// The origin of the app's own content in this window; requests from any other origin not allowed by the
    /// capabilities are refused.
    pub app_origin: String,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            capabilities: Capabilities::allow_all(),
            app_origin: DEFAULT_APP_ORIGIN.to_owned(),
        }
    }
}

/// Builds a [`Hub`]: register services, optionally choose the tokio runtime, then [`build`](HubBuilder::build).
#[must_use = "a builder does nothing until `build` is called"]
pub struct HubBuilder {
    router: Router,
    runtime: Option<Handle>,
    max_request_size: usize,
    error: Option<Error>,
}

impl Default for HubBuilder {
    fn default() -> Self {
        HubBuilder {
            router: Router::default(),
            runtime: None,
            max_request_size: DEFAULT_MAX_REQUEST_SIZE,
            error: None,
        }
    }
}

impl HubBuilder {
    /// Registers a service, usually `value.into_service()` for a type implementing an `#[ipc_service]` trait.
    ///
    /// A channel registered twice makes [`build`](HubBuilder::build) fail with [`Error::DuplicateChannel`].
    pub fn service(mut self, service: impl Service) -> Self {
        if self.error.is_none() {
            if let Err(err) = self.router.add(Arc::new(service)) {
                self.error = Some(err);
            }
        }
        self
    }

    /// Refuses requests larger than `bytes` with [`ErrorCode::PayloadTooLarge`] (default
    /// [`DEFAULT_MAX_REQUEST_SIZE`]). Transports give the limit to the page's runtime, which refuses before sending.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.max_request_size = bytes;
        self
    }

    /// Runs handlers on this tokio runtime instead of the one `build` is called in.
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Builds the hub.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateChannel`] if two services claim one channel; [`Error::NoRuntime`] if no runtime was given
    /// and `build` is not called inside one.
    pub fn build(self) -> Result<Hub, Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let runtime = match self.runtime {
            Some(handle) => handle,
            None => Handle::try_current().map_err(|_| Error::NoRuntime)?,
        };
        Ok(Hub {
            inner: Arc::new(Inner {
                router: self.router,
                runtime,
                max_request_size: self.max_request_size,
                calls: Calls::default(),
                windows: RwLock::default(),
                next_window: AtomicU64::new(1),
                subscribers: Arc::default(),
                window_events: AsyncMutex::new(None),
            }),
        })
    }
}

/// Services, windows and events. Cheap to clone (a shared handle) and usable from any thread or task.
///
/// A transport attaches each window as an [`Endpoint`] and passes every message a page sends to
/// [`handle_request`](Hub::handle_request); the hub runs calls on tokio and delivers each answer to the calling window
/// only. Rust code pushes to windows with [`send_to_window`](Hub::send_to_window), [`broadcast`](Hub::broadcast) and
/// [`broadcast_all`](Hub::broadcast_all), and listens to pages and window lifecycle with
/// [`window_events`](Hub::window_events), [`channel_events`](Hub::channel_events), [`on_event`](Hub::on_event) and
/// [`on_channel`](Hub::on_channel).
///
/// ```
/// use ipc_core::{ipc_service, Hub};
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
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hub = Hub::builder().service(Polite.into_service()).build().unwrap();
/// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
/// let window = hub.attach_window(move |message: String| drop(tx.send(message)));
///
/// let request = r#"{"type":"invoke","id":1,"channel":"greeter.greet","args":{"name":"Ada"}}"#;
/// hub.handle_request(window, "app://localhost", request.to_owned());
/// assert_eq!(
///     rx.recv().await.unwrap(),
///     r#"{"type":"answer","id":1,"success":true,"data":"Hello, Ada!","error":null}"#
/// );
///
/// hub.send_to_window(window, "news.headline", &"Rust 2.0 released").unwrap();
/// assert_eq!(
///     rx.recv().await.unwrap(),
///     r#"{"type":"event","channel":"news.headline","payload":"Rust 2.0 released"}"#
/// );
/// # }
/// ```
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    router: Router,
    runtime: Handle,
    max_request_size: usize,
    calls: Calls,
    windows: RwLock<HashMap<WindowId, Arc<AttachedWindow>>>,
    next_window: AtomicU64,
    subscribers: Arc<Subscribers>,
    /// The stream behind [`Hub::recv_window_event`], made on first use.
    window_events: AsyncMutex<Option<EventStream>>,
}

struct AttachedWindow {
    endpoint: Box<dyn Endpoint>,
    config: WindowConfig,
    /// Counts page loads; an answer is delivered only to the page that asked.
    page: AtomicU64,
}

impl Hub {
    /// Starts building a hub.
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
    }

    /// Attaches a window with the default [`WindowConfig`] and returns its id; its messages go to `endpoint`.
    pub fn attach_window(&self, endpoint: impl Endpoint) -> WindowId {
        self.attach_window_with(WindowConfig::default(), |_| endpoint)
    }

    /// Attaches a window with `config`, whose endpoint may need its own id (to address the window in a shared queue).
    pub fn attach_window_with<E: Endpoint>(
        &self,
        config: WindowConfig,
        endpoint: impl FnOnce(WindowId) -> E,
    ) -> WindowId {
        let id = WindowId(self.inner.next_window.fetch_add(1, Ordering::Relaxed));
        let window = AttachedWindow {
            endpoint: Box::new(endpoint(id)),
            config,
            page: AtomicU64::new(0),
        };
        self.write_windows().insert(id, Arc::new(window));
        id
    }

    /// Detaches a window: answers still in flight for it are dropped, and sends to it fail with
    /// [`Error::WindowNotFound`]. Returns whether the window was attached.
    pub fn detach_window(&self, window: WindowId) -> bool {
        self.write_windows().remove(&window).is_some()
    }

    /// Whether `window` is attached.
    pub fn has_window(&self, window: WindowId) -> bool {
        self.read_windows().contains_key(&window)
    }

    /// The attached windows, in the order they were attached.
    pub fn windows(&self) -> Vec<WindowId> {
        let mut windows: Vec<WindowId> = self.read_windows().keys().copied().collect();
        windows.sort_unstable();
        windows
    }

    /// Tells the hub that `window` started loading a new page (a navigation or a reload). Answers to requests of the
    /// previous page are dropped from now on instead of reaching the new page.
    pub fn page_loaded(&self, window: WindowId) {
        if let Some(attached) = self.window(window) {
            attached.page.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// The descriptors of the registered services, in registration order (what the JavaScript client is rendered from).
    pub fn services(&self) -> &[&'static ServiceDescriptor] {
        self.inner.router.services()
    }

    /// The largest request accepted, in bytes.
    pub fn max_request_size(&self) -> usize {
        self.inner.max_request_size
    }

    /// The tokio runtime handlers and callbacks run on.
    pub fn runtime(&self) -> &Handle {
        &self.inner.runtime
    }

    /// Takes one message a page of `origin` sent from `window` and returns at once: a call runs on tokio and its
    /// answer is delivered to `window`; a one-way message is published to subscribers. Safe on a UI thread: nothing
    /// user-written runs before this returns.
    pub fn handle_request(&self, window: WindowId, origin: &str, request: String) {
        let Some(attached) = self.window(window) else {
            tracing::debug!(%window, "request from a detached window dropped");
            return;
        };
        let page = attached.page.load(Ordering::Acquire);
        let context = CallContext::new(self.clone(), window, origin).on_page(page);
        let hub = self.clone();
        self.inner.runtime.spawn(async move {
            if let Some(answer) = hub.answer(&context, &request).await {
                hub.deliver_answer(window, page, answer);
            }
        });
    }

    /// Runs one message to completion: for a call, returns the answer text without delivering it anywhere; for a
    /// one-way message or a cancel, acts on it and returns `None` (as for a call cancelled while it ran). For
    /// transports that reply in-band, and for tests.
    pub async fn answer(&self, context: &CallContext, request: &str) -> Option<String> {
        if request.len() > self.inner.max_request_size {
            let message = format!(
                "the request is {} bytes, more than the {} the host accepts",
                request.len(),
                self.inner.max_request_size
            );
            // Not parsed, so not answered under its id: the page's runtime refuses such requests before sending.
            return Some(encode_answer(
                None,
                &Err(CallError::new(ErrorCode::PayloadTooLarge, message)),
            ));
        }
        // Hot path: the envelope and its arguments are borrowed from `request`; the handler's value is serialized once
        // into a raw JSON value that the answer envelope copies in as it is.
        let request = match Request::parse(request) {
            Ok(request) => request,
            Err((id, error)) => return Some(encode_answer(id, &Err(error))),
        };
        match request {
            Request::Invoke { id, channel, args } => {
                let key = CallKey {
                    window: context.window(),
                    page: context.page(),
                    id,
                };
                let Some(registration) = self.inner.calls.start(key) else {
                    return None; // cancelled before it started
                };
                // One span per call, so a subscriber's logs of the handler carry the channel, window and call id.
                let span = tracing::debug_span!("ipc_call", %channel, window = %context.window(), id);
                let call = Abortable::new(self.call(context, &channel, args), registration);
                let outcome = call.instrument(span).await;
                self.inner.calls.finish(key);
                match outcome {
                    Ok(outcome) => Some(encode_answer(Some(id), &outcome)),
                    Err(Aborted) => {
                        tracing::debug!(%channel, window = %context.window(), "call cancelled by the page");
                        None
                    }
                }
            }
            Request::Send { channel, payload } => {
                self.receive_message(context, &channel, payload);
                None
            }
            Request::Cancel { id } => {
                let key = CallKey {
                    window: context.window(),
                    page: context.page(),
                    id,
                };
                self.inner.calls.cancel(key);
                None
            }
        }
    }

    async fn call(
        &self,
        context: &CallContext,
        channel: &str,
        args: Option<&RawValue>,
    ) -> Result<Box<RawValue>, CallError> {
        self.check_caller(context, channel, Direction::Invoke)?;
        let Some(route) = self.inner.router.route(channel) else {
            return Err(CallError::new(
                ErrorCode::UnknownChannel,
                format!("unknown channel `{channel}`"),
            ));
        };
        let call = Call { args, context };
        match AssertUnwindSafe(route.call(call)).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)");
                tracing::error!(%channel, window = %context.window(), "handler panicked: {detail}");
                Err(CallError::new(
                    ErrorCode::Panicked,
                    format!("the handler of `{channel}` panicked"),
                ))
            }
        }
    }

    /// The origin and capability checks of a message from a page. Checked before the channel is looked up, so a
    /// forbidden page learns nothing about which channels exist.
    fn check_caller(&self, context: &CallContext, channel: &str, direction: Direction) -> Result<(), CallError> {
        let window = context.window();
        let Some(attached) = self.window(window) else {
            return Err(CallError::new(
                ErrorCode::WindowNotFound,
                format!("{window} was closed"),
            ));
        };
        let config = &attached.config;
        if !config.capabilities.permits_origin(context.origin(), &config.app_origin) {
            return Err(CallError::new(
                ErrorCode::Forbidden,
                format!(
                    "pages of origin `{}` may not use `{channel}` in {window}",
                    context.origin()
                ),
            ));
        }
        if !config.capabilities.permits_for(window, channel, direction) {
            let verb = if direction == Direction::Invoke {
                "call"
            } else {
                "send on"
            };
            return Err(CallError::new(
                ErrorCode::Forbidden,
                format!("{window} may not {verb} `{channel}`"),
            ));
        }
        Ok(())
    }

    fn receive_message(&self, context: &CallContext, channel: &str, payload: Option<&RawValue>) {
        if let Err(refused) = self.check_caller(context, channel, Direction::Send) {
            tracing::warn!(window = %context.window(), "message refused: {}", refused.message());
            return;
        }
        let payload = payload.map_or_else(|| RawValue::from_string("null".to_owned()), |p| Ok(p.to_owned()));
        let payload = payload.expect("`null` is valid JSON");
        self.inner
            .subscribers
            .publish(&Event::message(context.window(), channel, payload));
    }

    fn deliver_answer(&self, window: WindowId, page: u64, answer: String) {
        match self.window(window) {
            Some(attached) if attached.page.load(Ordering::Acquire) == page => attached.endpoint.deliver(answer),
            Some(_) => tracing::debug!(%window, "answer dropped: the page that asked was replaced"),
            None => tracing::debug!(%window, "answer dropped: the window is gone"),
        }
    }

    /// Pushes `payload` on `channel` to one window; its page's `host.on(channel, ...)` listeners receive it.
    ///
    /// # Errors
    ///
    /// [`Error::WindowNotFound`] if the window is not attached (never was, or closed); [`Error::Forbidden`] if its
    /// capabilities do not let it receive `channel`; [`Error::Serialization`] if `payload` does not serialize (or holds
    /// an integer JavaScript cannot represent exactly).
    pub fn send_to_window<T: Serialize + ?Sized>(
        &self,
        window: WindowId,
        channel: &str,
        payload: &T,
    ) -> Result<(), Error> {
        let attached = self.window(window).ok_or(Error::WindowNotFound(window))?;
        if !attached
            .config
            .capabilities
            .permits_for(window, channel, Direction::Receive)
        {
            return Err(Error::Forbidden {
                window,
                channel: channel.to_owned(),
            });
        }
        let message = event_message(channel, payload)?;
        attached.endpoint.deliver(message);
        Ok(())
    }

    /// Pushes `payload` on `channel` to each of `windows` that is attached and may receive `channel`; the payload is
    /// serialized once. Returns how many windows it was delivered to; windows that are gone or not permitted are
    /// skipped (use [`send_to_window`](Hub::send_to_window) to learn why).
    ///
    /// # Errors
    ///
    /// [`Error::Serialization`] if `payload` does not serialize; nothing is sent then.
    pub fn broadcast<T: Serialize + ?Sized>(
        &self,
        windows: &[WindowId],
        channel: &str,
        payload: &T,
    ) -> Result<usize, Error> {
        let message = event_message(channel, payload)?;
        let targets: Vec<(WindowId, Arc<AttachedWindow>)> = {
            let attached = self.read_windows();
            windows
                .iter()
                .filter_map(|id| attached.get(id).map(|w| (*id, Arc::clone(w))))
                .collect()
        };
        Ok(deliver_to(&targets, channel, &message))
    }

    /// Pushes `payload` on `channel` to every attached window that may receive it. Returns how many it reached.
    ///
    /// # Errors
    ///
    /// [`Error::Serialization`] if `payload` does not serialize; nothing is sent then.
    pub fn broadcast_all<T: Serialize + ?Sized>(&self, channel: &str, payload: &T) -> Result<usize, Error> {
        let message = event_message(channel, payload)?;
        let targets: Vec<(WindowId, Arc<AttachedWindow>)> =
            self.read_windows().iter().map(|(id, w)| (*id, Arc::clone(w))).collect();
        Ok(deliver_to(&targets, channel, &message))
    }

    /// Records a lifecycle event of `window` (transports call this): subscribers receive it, and unless it is a close,
    /// the window's own page receives it on `window:<kind>` (if its capabilities let it).
    pub fn window_event(&self, window: WindowId, kind: WindowEventKind) {
        let event = Event::window_event(window, kind);
        if kind != WindowEventKind::Close {
            if let Some(attached) = self.window(window) {
                if attached
                    .config
                    .capabilities
                    .permits_for(window, event.channel(), Direction::Receive)
                {
                    attached
                        .endpoint
                        .deliver(encode_event(event.channel(), event.payload_raw()));
                }
            }
        }
        self.inner.subscribers.publish(&event);
    }

    /// Every event: messages pages send with `host.send`, and window lifecycle events.
    pub fn events(&self) -> EventStream {
        self.inner.subscribers.subscribe(Filter::All)
    }

    /// Window lifecycle events (close, focus, blur, resize, move) of every window.
    pub fn window_events(&self) -> EventStream {
        self.inner.subscribers.subscribe(Filter::WindowEvents)
    }

    /// Window lifecycle events of one window.
    pub fn window_events_for(&self, window: WindowId) -> EventStream {
        self.inner.subscribers.subscribe(Filter::WindowEventsOf(window))
    }

    /// Events on one channel: what pages send on it with `host.send` (or, for `window:<kind>`, that lifecycle event).
    pub fn channel_events(&self, channel: &str) -> EventStream {
        self.inner.subscribers.subscribe(Filter::Channel(channel.to_owned()))
    }

    /// The next window lifecycle event of any window, or `None` once the hub has shut down. Calls share one queue
    /// (started by the first call), so concurrent callers each get different events.
    pub async fn recv_window_event(&self) -> Option<Event> {
        let mut shared = self.inner.window_events.lock().await;
        shared.get_or_insert_with(|| self.window_events()).recv().await
    }

    /// Runs `callback` on tokio for every event. See [`Subscription`] for when it stops.
    pub fn on_event(&self, callback: impl FnMut(Event) + Send + 'static) -> Subscription {
        Subscription::spawn(&self.inner.runtime, self.events(), callback)
    }

    /// Runs `callback` on tokio for every event on `channel`. See [`Subscription`] for when it stops.
    pub fn on_channel(&self, channel: &str, callback: impl FnMut(Event) + Send + 'static) -> Subscription {
        Subscription::spawn(&self.inner.runtime, self.channel_events(channel), callback)
    }

    /// Shuts the event side down: every stream yields what it holds and then `None`, [`Hub::recv_window_event`]
    /// returns `None`, and callbacks stop. Transports call this when their event loop ends.
    pub fn shutdown(&self) {
        self.inner.subscribers.close();
    }

    fn window(&self, window: WindowId) -> Option<Arc<AttachedWindow>> {
        self.read_windows().get(&window).cloned()
    }

    fn read_windows(&self) -> std::sync::RwLockReadGuard<'_, HashMap<WindowId, Arc<AttachedWindow>>> {
        self.inner.windows.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_windows(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<WindowId, Arc<AttachedWindow>>> {
        self.inner.windows.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// One call of one page: pages number their calls, and a reload starts again from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CallKey {
    window: WindowId,
    page: u64,
    id: u64,
}

/// The calls in flight, so a page can cancel them. A cancel may overtake its call (both run on tokio), so a cancel for
/// a call not started yet is remembered for a while and the call is dropped when it starts.
#[derive(Default)]
struct Calls {
    running: std::sync::Mutex<HashMap<CallKey, AbortHandle>>,
    early: std::sync::Mutex<HashMap<CallKey, std::time::Instant>>,
}

impl Calls {
    /// How long a cancel waits for its call to start before it is forgotten.
    const EARLY_CANCEL_KEPT: std::time::Duration = std::time::Duration::from_secs(30);

    /// Registers a call; `None` if it was cancelled already.
    fn start(&self, key: CallKey) -> Option<AbortRegistration> {
        if self
            .early
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key)
            .is_some()
        {
            return None;
        }
        let (handle, registration) = AbortHandle::new_pair();
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, handle);
        Some(registration)
    }

    fn finish(&self, key: CallKey) {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
    }

    fn cancel(&self, key: CallKey) {
        if let Some(handle) = self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&key) {
            handle.abort();
            return;
        }
        let now = std::time::Instant::now();
        let mut early = self.early.lock().unwrap_or_else(|e| e.into_inner());
        early.retain(|_, at| now.duration_since(*at) < Self::EARLY_CANCEL_KEPT);
        early.insert(key, now);
    }
}

/// An event envelope for `channel`, with `payload` serialized once (and checked for integers JavaScript would round).
fn event_message<T: Serialize + ?Sized>(channel: &str, payload: &T) -> Result<String, Error> {
    let payload = to_renderer_json(payload, || format!("the payload of `{channel}`"))
        .map_err(|err| Error::Serialization(err.message().to_owned()))?;
    Ok(encode_event(channel, &payload))
}

/// Delivers `message` to every target permitted to receive `channel`; returns how many.
fn deliver_to(targets: &[(WindowId, Arc<AttachedWindow>)], channel: &str, message: &str) -> usize {
    let mut delivered = 0;
    for (id, window) in targets {
        if window.config.capabilities.permits_for(*id, channel, Direction::Receive) {
            window.endpoint.deliver(message.to_owned());
            delivered += 1;
        }
    }
    delivered
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("services", &self.services().iter().map(|s| s.name).collect::<Vec<_>>())
            .field("windows", &self.windows())
            .finish()
    }
}
