//! Events from windows to Rust: one-way messages pages send with `host.send`, and window lifecycle events (close,
//! focus, blur, resize, move). Subscribe with a stream ([`EventStream`]) or a callback ([`Subscription`]).
//!
//! Every subscriber gets every matching event, in order. Each has its own queue, bounded by
//! [`Limits::subscriber_capacity`](crate::Limits::subscriber_capacity) (1,024 events by default): when a subscriber
//! falls that far behind, further events are dropped for it alone, counted in [`EventStream::dropped`], and a warning
//! is logged; other subscribers and the pages are not slowed down. Read promptly, and drop streams you no longer read.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use crate::window::WindowId;

/// A window lifecycle event, with its data. Sizes and positions are in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WindowEventKind {
    /// The user asked to close the window; it is closed and its endpoint removed right after.
    Close,
    /// The window gained focus.
    Focus,
    /// The window lost focus.
    Blur,
    /// The window's inner size changed.
    Resize {
        /// New inner width.
        width: u32,
        /// New inner height.
        height: u32,
    },
    /// The window moved.
    Move {
        /// New x position of the window's outer top-left corner.
        x: i32,
        /// New y position.
        y: i32,
    },
}

impl WindowEventKind {
    /// The channel this event is published and pushed on: `window:close`, `window:focus`, `window:blur`,
    /// `window:resize`, `window:move`.
    pub fn channel(&self) -> &'static str {
        match self {
            WindowEventKind::Close => "window:close",
            WindowEventKind::Focus => "window:focus",
            WindowEventKind::Blur => "window:blur",
            WindowEventKind::Resize { .. } => "window:resize",
            WindowEventKind::Move { .. } => "window:move",
        }
    }

    /// The payload pages receive: `{}` for close, focus and blur; `{width, height}`; `{x, y}`.
    pub(crate) fn payload(&self) -> Box<RawValue> {
        let json = match *self {
            WindowEventKind::Close | WindowEventKind::Focus | WindowEventKind::Blur => "{}".to_owned(),
            WindowEventKind::Resize { width, height } => {
                format!(r#"{{"width":{width},"height":{height}}}"#)
            }
            WindowEventKind::Move { x, y } => format!(r#"{{"x":{x},"y":{y}}}"#),
        };
        RawValue::from_string(json).expect("numbers in an object are valid JSON")
    }
}

/// One event: which window, on which channel, with which payload, and for window lifecycle events, which kind.
#[derive(Clone)]
pub struct Event {
    window: WindowId,
    channel: Arc<str>,
    payload: Arc<RawValue>,
    kind: Option<WindowEventKind>,
}

impl Event {
    pub(crate) fn message(window: WindowId, channel: &str, payload: Box<RawValue>) -> Self {
        Event {
            window,
            channel: Arc::from(channel),
            payload: Arc::from(payload),
            kind: None,
        }
    }

    pub(crate) fn window_event(window: WindowId, kind: WindowEventKind) -> Self {
        Event {
            window,
            channel: Arc::from(kind.channel()),
            payload: Arc::from(kind.payload()),
            kind: Some(kind),
        }
    }

    /// The window the event came from.
    pub fn window(&self) -> WindowId {
        self.window
    }

    /// The channel: the one a page sent on, or `window:<kind>` for a lifecycle event.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The payload as JSON text.
    pub fn payload_json(&self) -> &str {
        self.payload.get()
    }

    /// The payload as raw JSON, for forwarding without another serialization.
    pub(crate) fn payload_raw(&self) -> &RawValue {
        &self.payload
    }

    /// The payload decoded as `T`.
    ///
    /// # Errors
    ///
    /// If the payload does not decode as `T`; pages are untrusted, so handle this.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.payload.get())
    }

    /// For a window lifecycle event, its kind; `None` for a message a page sent.
    pub fn kind(&self) -> Option<WindowEventKind> {
        self.kind
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("window", &self.window)
            .field("channel", &self.channel)
            .field("payload", &self.payload.get())
            .field("kind", &self.kind)
            .finish()
    }
}

/// Which events a subscriber wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Everything.
    All,
    /// Window lifecycle events of every window.
    WindowEvents,
    /// Window lifecycle events of one window.
    WindowEventsOf(WindowId),
    /// Events on one channel (messages, or `window:*` lifecycle events).
    Channel(String),
}

impl Filter {
    fn matches(&self, event: &Event) -> bool {
        match self {
            Filter::All => true,
            Filter::WindowEvents => event.kind.is_some(),
            Filter::WindowEventsOf(window) => event.kind.is_some() && event.window == *window,
            Filter::Channel(channel) => *event.channel == **channel,
        }
    }
}

struct Subscriber {
    id: u64,
    filter: Filter,
    tx: mpsc::Sender<Event>,
    dropped: Arc<AtomicU64>,
}

/// The hub's subscribers. Publishing never blocks and runs no user code, so it is safe on a UI thread.
pub(crate) struct Subscribers {
    list: Mutex<Vec<Subscriber>>,
    next_id: AtomicU64,
    closed: AtomicBool,
    capacity: usize,
}

impl Subscribers {
    pub(crate) fn new(capacity: usize) -> Self {
        Subscribers {
            list: Mutex::default(),
            next_id: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            capacity,
        }
    }

    pub(crate) fn subscribe(self: &Arc<Self>, filter: Filter) -> EventStream {
        let (tx, rx) = mpsc::channel(self.capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock, so a stream made during shutdown is either closed by it or born closed.
        if !self.closed.load(Ordering::Acquire) {
            list.push(Subscriber {
                id,
                filter,
                tx,
                dropped: Arc::clone(&dropped),
            });
        }
        EventStream {
            rx,
            id,
            dropped,
            subscribers: Arc::downgrade(self),
        }
    }

    pub(crate) fn publish(&self, event: &Event) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|subscriber| {
            if subscriber.filter.matches(event) {
                match subscriber.tx.try_send(event.clone()) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        let dropped = subscriber.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                        if dropped.is_power_of_two() {
                            tracing::warn!(
                                channel = %event.channel(),
                                "a subscriber is not reading: {dropped} events dropped for it so far"
                            );
                        }
                        true
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                }
            } else {
                !subscriber.tx.is_closed()
            }
        });
    }

    fn remove(&self, id: u64) {
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|s| s.id != id);
    }

    /// Ends every stream: each yields what it holds, then `None`.
    pub(crate) fn close(&self) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        self.closed.store(true, Ordering::Release);
        list.clear();
    }
}

/// A stream of events. Yields `None` once the hub shuts down (after the events already queued).
///
/// Implements [`futures::Stream`]; or call [`recv`](EventStream::recv) in a loop.
pub struct EventStream {
    rx: mpsc::Receiver<Event>,
    id: u64,
    dropped: Arc<AtomicU64>,
    subscribers: std::sync::Weak<Subscribers>,
}

impl EventStream {
    /// The next event, or `None` once the hub has shut down.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// How many events were dropped for this stream because its queue was full (see the [module docs](self)).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl futures::Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if let Some(subscribers) = self.subscribers.upgrade() {
            subscribers.remove(self.id);
        }
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("id", &self.id)
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// A callback subscription from [`Hub::on_event`](crate::Hub::on_event) or [`Hub::on_channel`](crate::Hub::on_channel).
///
/// The callback runs on the hub's tokio runtime, one event at a time, in order. It stops both when
/// [`unsubscribe`](Subscription::unsubscribe) is called and when the handle is dropped: keep the handle for as long as
/// the callback should run (or call [`detach`](Subscription::detach) to keep it until the hub shuts down).
#[must_use = "dropping a Subscription unsubscribes its callback at once"]
pub struct Subscription {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Subscription {
    pub(crate) fn spawn(
        runtime: &tokio::runtime::Handle,
        mut stream: EventStream,
        mut callback: impl FnMut(Event) + Send + 'static,
    ) -> Self {
        let task = runtime.spawn(async move {
            while let Some(event) = stream.recv().await {
                callback(event);
            }
        });
        Subscription { task: Some(task) }
    }

    /// Stops the callback now; events not yet handled are dropped.
    pub fn unsubscribe(mut self) {
        self.stop();
    }

    /// Keeps the callback running until the hub shuts down, without holding the handle.
    pub fn detach(mut self) {
        self.task = None;
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("active", &self.task.is_some())
            .finish()
    }
}
