//! The hub: registered services, the windows that call them, pushes to windows, and events from them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::runtime::Handle;
use tokio::sync::Mutex as AsyncMutex;

use crate::error::Error;
use crate::event::{Event, EventStream, Filter, Subscribers, Subscription};
use crate::json::to_renderer_json_with_parts;
use crate::limits::Limits;
use crate::protocol::encode_event;
use crate::router::Router;
use crate::service::{Service, ServiceDescriptor};
use crate::window::{Endpoint, Message, Refusal, WindowConfig, WindowId, WindowState};

/// Builds a [`Hub`]: register services, optionally choose the tokio runtime and the [limits](crate::limits), then
/// [`build`](HubBuilder::build).
#[must_use = "a builder does nothing until `build` is called"]
#[derive(Default)]
pub struct HubBuilder {
    router: Router,
    runtime: Option<Handle>,
    limits: Limits,
    error: Option<Error>,
}

impl std::fmt::Debug for HubBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubBuilder")
            .field(
                "services",
                &self.router.services().iter().map(|s| s.name).collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .finish()
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

    /// Refuses requests larger than `bytes` with `PAYLOAD_TOO_LARGE` (default 16 MiB). Transports give the limit to
    /// the page's runtime, which refuses before sending.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.limits.max_request_size = bytes;
        self
    }

    /// Answers `BUSY` to a window's calls beyond `calls` in flight (default 256; at least 1).
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.limits.max_in_flight = calls.max(1);
        self
    }

    /// The deadline of calls whose method sets none with `#[ipc(timeout = "...")]` (default 60 s); `None` for no
    /// deadline.
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.limits.call_timeout = timeout;
        self
    }

    /// Refuses pushes to a window while more than `bytes` wait for it (default 64 MiB).
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_queued_bytes = bytes;
        self
    }

    /// Drops a window's requests while more than `bytes` of them wait to be read (default 64 MiB).
    pub fn max_pending_requests(mut self, bytes: usize) -> Self {
        self.limits.max_pending_requests = bytes;
        self
    }

    /// How many events each subscriber's queue holds (default 1,024; at least 1).
    pub fn subscriber_capacity(mut self, events: usize) -> Self {
        self.limits.subscriber_capacity = events.max(1);
        self
    }

    /// Holds a stream's further items while `bytes` of its items sent are not yet read by the page, whatever the
    /// page's credit (default 4 MiB; one item always goes).
    pub fn stream_unread_bytes(mut self, bytes: usize) -> Self {
        self.limits.stream_unread_bytes = bytes;
        self
    }

    /// Lets the page send `items` of an upload ahead of the method's reading (default 16; at least 2, as credit is
    /// given back in halves of it).
    pub fn upload_window(mut self, items: u32) -> Self {
        self.limits.upload_window = items.max(2);
        self
    }

    /// Refuses calls carrying more than `uploads` uploads (default 16).
    pub fn max_uploads(mut self, uploads: u32) -> Self {
        self.limits.max_uploads = uploads;
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
                subscribers: Arc::new(Subscribers::new(self.limits.subscriber_capacity)),
                limits: self.limits,
                windows: RwLock::default(),
                next_window: AtomicU64::new(1),
                window_events: AsyncMutex::new(None),
            }),
        })
    }
}

/// Services, windows and events: what an app uses. Cheap to clone (a shared handle) and usable from any thread or
/// task.
///
/// Transports attach windows and feed them requests through [`transport`](crate::transport); the hub runs calls on
/// tokio and answers each to the page that asked. Rust code pushes to windows with
/// [`send_to_window`](Hub::send_to_window), [`broadcast`](Hub::broadcast) and [`broadcast_all`](Hub::broadcast_all)
/// (or, for the events a service declares with `#[ipc(event)]`, with their typed [`Emitter`](crate::Emitter)s), and
/// listens to pages and window lifecycle with [`window_events`](Hub::window_events),
/// [`channel_events`](Hub::channel_events), [`on_event`](Hub::on_event) and [`on_channel`](Hub::on_channel).
///
/// ```
/// use ipc_core::{ipc_service, testing::TestClient, Hub};
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
/// let mut page = TestClient::new(&hub);
///
/// hub.send_to_window(page.window(), "news.headline", &"Rust 2.0 released").unwrap();
/// assert_eq!(
///     page.next_message().await.unwrap(),
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
    limits: Limits,
    windows: RwLock<HashMap<WindowId, Arc<WindowState>>>,
    next_window: AtomicU64,
    subscribers: Arc<Subscribers>,
    /// The stream behind [`Hub::recv_window_event`], made on first use.
    window_events: AsyncMutex<Option<EventStream>>,
}

impl Hub {
    /// Starts building a hub.
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
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

    /// The descriptors of the registered services, in registration order (what the JavaScript client is rendered from).
    pub fn services(&self) -> &[&'static ServiceDescriptor] {
        self.inner.router.services()
    }

    /// The limits the hub enforces.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The tokio runtime handlers and callbacks run on.
    pub fn runtime(&self) -> &Handle {
        &self.inner.runtime
    }

    /// Calls in flight for `window` (0 for a window not attached).
    pub fn calls_in_flight(&self, window: WindowId) -> usize {
        self.window(window).map_or(0, |w| w.calls_in_flight())
    }

    /// Bytes of answers and pushes waiting for `window` or on their way to its page (0 for a window not attached).
    pub fn queued_bytes(&self, window: WindowId) -> usize {
        self.window(window).map_or(0, |w| w.queued_bytes())
    }

    /// Pushes `payload` on `channel` to one window's page; its `host.on(channel, ...)` listeners receive it. Before
    /// the window's first page is ready, the push waits for it.
    ///
    /// # Errors
    ///
    /// [`Error::WindowNotFound`] if the window is not attached (never was, or closed); [`Error::Forbidden`] if its
    /// capabilities do not let it receive `channel`; [`Error::ForeignPage`] if it shows a page of an origin that may
    /// not speak for it; [`Error::QueueFull`] if [`Limits::max_queued_bytes`] already wait for it (nothing is queued:
    /// retry, or use [`send_to_window_async`](Hub::send_to_window_async)); [`Error::Serialization`] if `payload` does
    /// not serialize (or holds an integer JavaScript cannot represent exactly).
    pub fn send_to_window<T: Serialize + ?Sized>(
        &self,
        window: WindowId,
        channel: &str,
        payload: &T,
    ) -> Result<(), Error> {
        let target = self.receiver(window, channel)?;
        push(&target, channel, event_message(channel, payload)?)
    }

    /// Like [`send_to_window`](Hub::send_to_window), but when the window's queue is full, waits for room instead of
    /// failing with [`Error::QueueFull`]. A flood of pushes sent this way keeps the host's memory bounded.
    ///
    /// # Errors
    ///
    /// As [`send_to_window`](Hub::send_to_window), but never [`Error::QueueFull`]; [`Error::WindowNotFound`] if the
    /// window closes while waiting.
    pub async fn send_to_window_async<T: Serialize + ?Sized>(
        &self,
        window: WindowId,
        channel: &str,
        payload: &T,
    ) -> Result<(), Error> {
        let target = self.receiver(window, channel)?;
        let mut message = event_message(channel, payload)?;
        loop {
            match target.queue_push(message) {
                Ok(()) => return Ok(()),
                // The push comes back with the refusal: wait for room and try again, without a copy.
                Err(Refusal::Full { message: refused, .. }) if !target.is_detached() => {
                    target.wait_for_room(refused.len()).await;
                    message = refused;
                }
                Err(Refusal::Full { .. }) => return Err(Error::WindowNotFound(window)),
                Err(refusal) => return Err(refused(&target, channel, refusal)),
            }
        }
    }

    /// The window, if it is attached and may receive `channel`.
    fn receiver(&self, window: WindowId, channel: &str) -> Result<Arc<WindowState>, Error> {
        let target = self.window(window).ok_or(Error::WindowNotFound(window))?;
        if !target.may_receive(channel) {
            return Err(Error::Forbidden {
                window,
                channel: channel.to_owned(),
            });
        }
        Ok(target)
    }

    /// Pushes `payload` on `channel` to each of `windows` that is attached, may receive `channel`, and has room; the
    /// payload is serialized once. Returns how many windows it was queued for; the others are skipped (use
    /// [`send_to_window`](Hub::send_to_window) to learn why).
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
        let targets: Vec<Arc<WindowState>> = {
            let attached = self.read_windows();
            windows.iter().filter_map(|id| attached.get(id).cloned()).collect()
        };
        Ok(push_to_each(&targets, channel, &message))
    }

    /// Pushes `payload` on `channel` to every attached window that may receive it and has room. Returns how many it
    /// was queued for.
    ///
    /// # Errors
    ///
    /// [`Error::Serialization`] if `payload` does not serialize; nothing is sent then.
    pub fn broadcast_all<T: Serialize + ?Sized>(&self, channel: &str, payload: &T) -> Result<usize, Error> {
        let message = event_message(channel, payload)?;
        let targets: Vec<Arc<WindowState>> = self.read_windows().values().cloned().collect();
        Ok(push_to_each(&targets, channel, &message))
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

    pub(crate) fn attach(
        &self,
        config: WindowConfig,
        endpoint: impl FnOnce(WindowId) -> Box<dyn Endpoint>,
    ) -> Arc<WindowState> {
        let id = WindowId(self.inner.next_window.fetch_add(1, Ordering::Relaxed));
        let window = Arc::new(WindowState::new(
            id,
            config,
            endpoint(id),
            self.inner.limits.max_queued_bytes,
        ));
        self.write_windows().insert(id, Arc::clone(&window));
        window
    }

    pub(crate) fn detach(&self, window: WindowId) {
        self.write_windows().remove(&window);
    }

    pub(crate) fn router(&self) -> &Router {
        &self.inner.router
    }

    pub(crate) fn publish(&self, event: &Event) {
        self.inner.subscribers.publish(event);
    }

    fn window(&self, window: WindowId) -> Option<Arc<WindowState>> {
        self.read_windows().get(&window).cloned()
    }

    fn read_windows(&self) -> std::sync::RwLockReadGuard<'_, HashMap<WindowId, Arc<WindowState>>> {
        self.inner.windows.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_windows(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<WindowId, Arc<WindowState>>> {
        self.inner.windows.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Queues `message` for `window`, turning a refusal into the host API's error.
fn push(window: &WindowState, channel: &str, message: Message) -> Result<(), Error> {
    window
        .queue_push(message)
        .map_err(|refusal| refused(window, channel, refusal))
}

/// The host API's error for a refused push.
fn refused(window: &WindowState, channel: &str, refusal: Refusal) -> Error {
    match refusal {
        Refusal::Full { queued, .. } => Error::QueueFull {
            window: window.id,
            channel: channel.to_owned(),
            queued,
        },
        Refusal::Foreign(origin) => Error::ForeignPage {
            window: window.id,
            origin: origin.to_string(),
            channel: channel.to_owned(),
        },
    }
}

/// Queues `message` for every target permitted to receive `channel` and able to take it; returns how many.
fn push_to_each(targets: &[Arc<WindowState>], channel: &str, message: &Message) -> usize {
    targets
        .iter()
        .filter(|window| window.may_receive(channel))
        .filter(|window| match push(window, channel, message.clone()) {
            Ok(()) => true,
            Err(err) => {
                tracing::debug!("broadcast on `{channel}` skipped a window: {err}");
                false
            }
        })
        .count()
}

/// An event envelope for `channel`, with `payload` serialized once (and checked for integers JavaScript would round).
fn event_message<T: Serialize + ?Sized>(channel: &str, payload: &T) -> Result<Message, Error> {
    let (payload, attached) = to_renderer_json_with_parts(payload, || format!("the payload of `{channel}`"))
        .map_err(|err| Error::Serialization(err.message().to_owned()))?;
    Ok(Message {
        text: encode_event(channel, &payload, &attached),
        parts: attached.parts,
    })
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("services", &self.services().iter().map(|s| s.name).collect::<Vec<_>>())
            .field("windows", &self.windows())
            .finish()
    }
}
