//! Windows as the hub sees them: their ids and configuration, the page loads they show, the calls in flight for each
//! page, and the bounded queue of messages waiting for them.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::future::{AbortHandle, AbortRegistration};
use tokio::sync::Notify;

use crate::capability::{Capabilities, Direction};
use crate::protocol::{push_delivery_start, DELIVERY_END};
use crate::stream::Flow;
use crate::transport::same_secret;

/// Identifies one window (one renderer endpoint) attached to a [`Hub`](crate::Hub).
///
/// Ids are handed out when a transport attaches a window and are never reused within one hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WindowId(pub(crate) u64);

impl WindowId {
    /// The id as a number, as shown in logs.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for WindowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "window {}", self.0)
    }
}

/// The transport's side of one window, woken by the hub when messages wait for the page.
///
/// `wake` is called from any thread and must not block: a transport that delivers on a UI thread schedules the work
/// there. After a wake, the transport calls [`WindowLink::take_delivery`](crate::transport::WindowLink::take_delivery)
/// until it returns `None`; the hub does not wake it again before that.
pub trait Endpoint: Send + Sync + 'static {
    /// Messages wait for the page.
    fn wake(&self);
}

impl<F: Fn() + Send + Sync + 'static> Endpoint for F {
    fn wake(&self) {
        self()
    }
}

/// How a window is attached: what it may do, and the origin of its own content.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WindowConfig {
    /// What the window may call, send and receive, and which other origins may speak for it.
    pub capabilities: Capabilities,
    /// The origin of the app's own content in this window (`scheme://host[:port]`). Pages of any other origin not
    /// allowed by the capabilities may not call, send, or receive pushes.
    pub app_origin: String,
    /// The frames that may speak in this window, by origin, each with its own capabilities. Empty by default: frames
    /// of every origin are refused.
    pub frames: Vec<FrameRule>,
}

/// Frames of one origin allowed to call and send in a window, with what they may do.
#[derive(Debug, Clone)]
pub struct FrameRule {
    /// The frames' origin (`scheme://host[:port]`), as the browser reports it.
    pub origin: String,
    /// What such frames may call and send (the window's own capabilities do not apply to them).
    pub capabilities: Capabilities,
}

impl WindowConfig {
    /// A window whose own content has `app_origin`, allowed every channel.
    pub fn new(app_origin: impl Into<String>) -> Self {
        WindowConfig {
            capabilities: Capabilities::allow_all(),
            app_origin: app_origin.into(),
            frames: Vec::new(),
        }
    }

    /// Lets frames of `origin` in the window's app page call and send, as `capabilities` allow. Frames are judged by
    /// their own origin, which the browser reports to the app page's runtime; frames of other origins stay refused.
    pub fn allow_frames(mut self, origin: impl Into<String>, capabilities: Capabilities) -> Self {
        self.frames.push(FrameRule {
            origin: origin.into().trim_end_matches('/').to_owned(),
            capabilities,
        });
        self
    }

    /// Sets what the window may do.
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }
}

/// Pages that said hello but have not confirmed yet, per window. A frame can forge hellos; it cannot confirm them,
/// and beyond this many the oldest is forgotten.
const MAX_WAITING_PAGES: usize = 4;

/// One page load in a window: its secret, the origin its runtime reported, and its calls in flight.
pub(crate) struct Page {
    pub token: Arc<str>,
    pub origin: Arc<str>,
    /// Whether this origin may speak for the window (the app's origin, or one the capabilities allow).
    pub permitted: bool,
    seq: u64,
    calls: Mutex<HashMap<i64, CallEntry>>,
    retired: AtomicBool,
    /// For a frame of a page: that page and the frame's number in it.
    pub parent: Option<(Arc<Page>, u32)>,
    /// For a frame: what it may do, from its origin's rule (`None` for a page, or a frame of an origin without one).
    pub frame_capabilities: Option<Capabilities>,
    /// The frames of this page that have spoken, by number.
    frames: Mutex<HashMap<u32, Arc<Page>>>,
}

/// Frames one page may speak for; messages of further frames are refused.
const MAX_FRAMES: usize = 64;

/// A page already has a call with this id in flight.
#[derive(Debug)]
pub(crate) struct DuplicateId;

impl Page {
    /// Whether the page is gone (replaced by a newer page load, or its window detached).
    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// Whether `secret` is this page's.
    pub(crate) fn is_secret(&self, secret: &str) -> bool {
        same_secret(&self.token, secret)
    }

    fn calls(&self) -> MutexGuard<'_, HashMap<i64, CallEntry>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One call in flight: its number (telling it from a later call reusing its id), what drops its future, and for a
/// call answered with a stream, the credit its page gave.
struct CallEntry {
    number: u64,
    abort: AbortHandle,
    flow: Option<Arc<Flow>>,
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("seq", &self.seq)
            .field("origin", &self.origin)
            .field("retired", &self.is_retired())
            .finish()
    }
}

/// To whom a queued message goes.
enum Addressee {
    /// One page load; dropped if that page is gone by delivery time.
    Page(Arc<Page>),
    /// The window's page of the app's content once one is ready (pushes sent before any page was).
    NextPage,
}

struct Queued {
    to: Addressee,
    message: Message,
}

/// One message for a page: its JSON text, and the bytes its [`Binary`](crate::Binary) placeholders stand for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub text: String,
    pub parts: Vec<bytes::Bytes>,
}

impl Message {
    /// Bytes of text and parts.
    pub(crate) fn len(&self) -> usize {
        self.text.len() + self.parts.iter().map(bytes::Bytes::len).sum::<usize>()
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message {
            text,
            parts: Vec::new(),
        }
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::from(text.to_owned())
    }
}

#[derive(Default)]
struct Outbox {
    /// Welcomes, for whatever runtime waits for its secret (each carries the nonce that picks the runtime). They go
    /// before everything else: pushes waiting for the window's first page must not hold up that page's welcome.
    welcomes: Vec<String>,
    queue: VecDeque<Queued>,
    /// Bytes queued or handed to the transport and not yet taken by the page.
    bytes: usize,
    /// Bytes handed to the transport and not yet taken by the page.
    in_transit: usize,
    /// The endpoint was woken and has not yet found the queue empty.
    woken: bool,
    /// Buffers of deliveries the transport is done with, for the next ones while the queue has more (see
    /// [`MAX_SPARE_BUFFERS`]).
    spare: Vec<String>,
}

#[derive(Default)]
struct Pages {
    current: Option<Arc<Page>>,
    waiting: VecDeque<Arc<Page>>,
    next_seq: u64,
}

/// Why a push was not queued.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// This many bytes already wait for the window; the push is handed back, for a sender that waits for room.
    Full { queued: usize, message: Message },
    /// The window shows a page of this origin, which may not receive what is meant for the app.
    Foreign(Arc<str>),
}

/// The largest delivery assembled from several messages; a single larger message still goes alone.
const BATCH_BYTES: usize = 1024 * 1024;

/// Bytes handed to the transport and not yet taken by the page beyond which no further delivery is handed out until
/// the page catches up (one delivery always goes, whatever its size). Keeps a flood from piling up in the page's
/// process, whatever the window's queue limit. Two full batches: one being run by the page while the next travels.
/// Measured with `cargo bench -p tests --bench push_flood` (1,000 × 1 MiB pushes, WebKitGTK): 8 MiB let the web
/// process grow by about 430 MiB, 4 MiB by 410, 2 MiB by 140–200 at the same or better throughput; 1 MiB (nothing
/// travels while the page works) cost a third of the throughput.
const MAX_IN_TRANSIT: usize = 2 * BATCH_BYTES;

/// Buffers of deliveries kept for the next ones while a window's queue has more, and the largest kept. A large
/// delivery copied into fresh memory costs a page fault and a zeroed page every 4 KiB, more than the copy itself; a
/// buffer already in use costs neither. Two: as many full batches as travel at once. Dropped when the queue is found
/// empty, so an idle window keeps none.
const MAX_SPARE_BUFFERS: usize = 2;
const MAX_SPARE_CAPACITY: usize = 2 * BATCH_BYTES;

/// One attached window. Shared by the hub (to push), the transport's link (to receive and deliver) and the tasks
/// running its calls.
pub(crate) struct WindowState {
    pub id: WindowId,
    pub config: WindowConfig,
    endpoint: Box<dyn Endpoint>,
    pages: Mutex<Pages>,
    outbox: Mutex<Outbox>,
    /// Wakes pushes waiting for room in the outbox.
    room: Notify,
    /// Calls in flight across the window's pages.
    in_flight: AtomicUsize,
    next_call: AtomicU64,
    detached: AtomicBool,
    max_queued_bytes: usize,
}

impl WindowState {
    pub(crate) fn new(
        id: WindowId,
        config: WindowConfig,
        endpoint: Box<dyn Endpoint>,
        max_queued_bytes: usize,
    ) -> Self {
        WindowState {
            id,
            config,
            endpoint,
            pages: Mutex::default(),
            outbox: Mutex::default(),
            room: Notify::new(),
            in_flight: AtomicUsize::new(0),
            next_call: AtomicU64::new(1),
            detached: AtomicBool::new(false),
            max_queued_bytes,
        }
    }

    fn pages(&self) -> MutexGuard<'_, Pages> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_detached(&self) -> bool {
        self.detached.load(Ordering::Acquire)
    }

    /// Records a new page load that said hello with `origin`; it waits for its runtime's confirmation.
    pub(crate) fn open_page(&self, token: String, origin: &str) -> Arc<Page> {
        let permitted = self.config.capabilities.permits_origin(origin, &self.config.app_origin);
        let mut pages = self.pages();
        pages.next_seq += 1;
        let page = Arc::new(Page {
            token: Arc::from(token),
            origin: Arc::from(origin),
            permitted,
            seq: pages.next_seq,
            calls: Mutex::default(),
            retired: AtomicBool::new(false),
            parent: None,
            frame_capabilities: None,
            frames: Mutex::default(),
        });
        if pages.waiting.len() == MAX_WAITING_PAGES {
            pages.waiting.pop_front();
        }
        pages.waiting.push_back(Arc::clone(&page));
        page
    }

    /// The page whose secret is `token`. A page still waiting for confirmation becomes the current one, and every
    /// page loaded before it is retired (its calls dropped). `None` for a secret the window does not know: a frame's
    /// guess, or a page already retired.
    pub(crate) fn page(&self, token: &str) -> Option<Arc<Page>> {
        let (page, retired, adopted) = {
            let mut pages = self.pages();
            if let Some(current) = pages.current.as_ref().filter(|p| same_secret(&p.token, token)) {
                return Some(Arc::clone(current));
            }
            let index = pages.waiting.iter().position(|p| same_secret(&p.token, token))?;
            let page = pages.waiting.remove(index).expect("the index was just found");
            // Pages that said hello before this one are older loads (or a frame's forgeries): forget them.
            pages.waiting.retain(|p| p.seq > page.seq);
            let retired = pages.current.replace(Arc::clone(&page));
            (page, retired, true)
        };
        if let Some(old) = retired {
            self.retire(&old);
        }
        if adopted && !self.outbox().queue.is_empty() {
            // Pushes sent before any page was ready can go now.
            self.wake();
        }
        Some(page)
    }

    /// Whether `token` is the secret of the current page or of a page load still waiting to be confirmed, without
    /// adopting it.
    pub(crate) fn knows_page(&self, token: &str) -> bool {
        let pages = self.pages();
        pages
            .current
            .iter()
            .chain(&pages.waiting)
            .any(|p| same_secret(&p.token, token))
    }

    /// The current page, if one has confirmed.
    pub(crate) fn current_page(&self) -> Option<Arc<Page>> {
        self.pages().current.clone()
    }

    /// Retires `page`: its calls' futures are dropped and its later messages refused.
    /// The frame numbered `frame` of `page`, whose origin is `origin` (as the browser reported it to the page's
    /// runtime), made on its first message. `None` beyond [`MAX_FRAMES`] frames, or if the page is itself a frame.
    pub(crate) fn frame(&self, page: &Arc<Page>, frame: u32, origin: &str) -> Option<Arc<Page>> {
        if page.parent.is_some() {
            return None;
        }
        let mut frames = page.frames.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = frames.get(&frame).filter(|f| *f.origin == *origin) {
            return Some(Arc::clone(existing));
        }
        if frames.len() >= MAX_FRAMES && !frames.contains_key(&frame) {
            return None;
        }
        let rule = self.config.frames.iter().find(|rule| rule.origin == origin);
        let child = Arc::new(Page {
            token: Arc::clone(&page.token),
            origin: Arc::from(origin),
            permitted: rule.is_some(),
            seq: page.seq,
            calls: Mutex::default(),
            retired: AtomicBool::new(page.is_retired()),
            parent: Some((Arc::clone(page), frame)),
            frame_capabilities: rule.map(|rule| rule.capabilities.clone()),
            frames: Mutex::default(),
        });
        // A frame that navigated to another origin is a new frame: the old one's calls end.
        if let Some(old) = frames.insert(frame, Arc::clone(&child)) {
            drop(frames);
            self.retire(&old);
        }
        Some(child)
    }

    /// The one rule for whether the window may receive pushes on `channel`.
    pub(crate) fn may_receive(&self, channel: &str) -> bool {
        self.config
            .capabilities
            .permits_for(self.id, channel, Direction::Receive)
    }

    /// What `page` may do: its frame rule's capabilities for a frame, the window's for a page.
    pub(crate) fn capabilities_of<'a>(&'a self, page: &'a Page) -> &'a Capabilities {
        page.frame_capabilities.as_ref().unwrap_or(&self.config.capabilities)
    }

    fn retire(&self, page: &Page) {
        page.retired.store(true, Ordering::Release);
        let frames: Vec<Arc<Page>> = page
            .frames
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, frame)| frame)
            .collect();
        for frame in frames {
            self.retire(&frame);
        }
        let calls: Vec<CallEntry> = page.calls().drain().map(|(_, call)| call).collect();
        self.in_flight.fetch_sub(calls.len(), Ordering::AcqRel);
        for call in calls {
            call.abort.abort();
        }
    }

    /// Detaches the window: every page is retired and pushes waiting for room give up.
    pub(crate) fn detach(&self) {
        self.detached.store(true, Ordering::Release);
        let pages: Vec<Arc<Page>> = {
            let mut pages = self.pages();
            pages.waiting.clear();
            pages.current.take().into_iter().collect()
        };
        for page in pages {
            self.retire(&page);
        }
        let mut outbox = self.outbox();
        outbox.queue.clear();
        outbox.welcomes.clear();
        drop(outbox);
        self.room.notify_waiters();
    }

    /// Registers call `id` of `page`, unless the page already has a call with that id in flight or the window has
    /// `limit` calls in flight. Returns the call's number (for [`finish_call`](Self::finish_call)) and the
    /// registration that lets a cancel or a page retirement drop its future. A call answered with a stream brings the
    /// `flow` its page's credit goes to.
    pub(crate) fn start_call(
        &self,
        page: &Page,
        id: i64,
        limit: usize,
        flow: Option<Arc<Flow>>,
    ) -> Result<(u64, AbortRegistration), StartRefusal> {
        let mut calls = page.calls();
        if calls.contains_key(&id) {
            return Err(StartRefusal::Duplicate(DuplicateId));
        }
        if self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1))
            .is_err()
        {
            return Err(StartRefusal::Busy);
        }
        let number = self.next_call.fetch_add(1, Ordering::Relaxed);
        let (handle, registration) = AbortHandle::new_pair();
        calls.insert(
            id,
            CallEntry {
                number,
                abort: handle,
                flow,
            },
        );
        Ok((number, registration))
    }

    /// Forgets call `id` of `page` once it has ended, if it is still the call numbered `number`.
    pub(crate) fn finish_call(&self, page: &Page, id: i64, number: u64) {
        let mut calls = page.calls();
        if calls.get(&id).is_some_and(|call| call.number == number) {
            calls.remove(&id);
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Drops the future of call `id` of `page`; a cancel for an id not in flight does nothing.
    pub(crate) fn cancel_call(&self, page: &Page, id: i64) {
        let removed = page.calls().remove(&id);
        if let Some(call) = removed {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            call.abort.abort();
        }
    }

    /// The flow of call `id` of `page` (its stream's credit and its uploads), if it is in flight and has one.
    pub(crate) fn flow(&self, page: &Page, id: i64) -> Option<Arc<Flow>> {
        page.calls().get(&id).and_then(|call| call.flow.clone())
    }

    /// Calls in flight across the window's pages.
    pub(crate) fn calls_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Queues an answer for `page`. Answers are always queued: the in-flight limit bounds how many can wait.
    pub(crate) fn queue_answer(&self, page: &Arc<Page>, answer: impl Into<Message>) {
        let answer = answer.into();
        if page.is_retired() {
            tracing::debug!(window = %self.id, "answer dropped: the page that asked is gone");
            return;
        }
        match &page.parent {
            // A frame's answer travels to its page's runtime, which hands it to the frame. The page relays text
            // only, so an answer with binary data becomes an error saying so.
            Some((parent, frame)) => {
                let text = if answer.parts.is_empty() {
                    answer.text
                } else {
                    let id = serde_json::from_str::<crate::protocol::AnswerId>(&answer.text).map_or(None, |a| a.id);
                    let error = crate::CallError::new(
                        crate::ErrorCode::Serialization,
                        "the answer holds binary data, which cannot be relayed to a frame",
                    );
                    crate::protocol::encode_failure(id, &error)
                };
                self.queue(
                    Addressee::Page(Arc::clone(parent)),
                    crate::protocol::encode_frame_message(*frame, &text).into(),
                );
            }
            None => self.queue(Addressee::Page(Arc::clone(page)), answer),
        }
    }

    /// Queues the welcome of a new page.
    pub(crate) fn queue_welcome(&self, text: String) {
        if self.is_detached() {
            return;
        }
        let wake = {
            let mut outbox = self.outbox();
            outbox.bytes += text.len();
            outbox.welcomes.push(text);
            !std::mem::replace(&mut outbox.woken, true)
        };
        if wake {
            self.endpoint.wake();
        }
    }

    /// Queues a push for the window's current page (or, before any page is ready, the first one that will be), unless
    /// the outbox is full or the page shown is of a foreign origin.
    pub(crate) fn queue_push(&self, message: impl Into<Message>) -> Result<(), Refusal> {
        let message = message.into();
        let to = match self.current_page() {
            Some(page) if page.permitted => Addressee::Page(page),
            Some(page) => return Err(Refusal::Foreign(Arc::clone(&page.origin))),
            None => Addressee::NextPage,
        };
        if !self.has_room(message.len()) {
            let queued = self.queued_bytes();
            return Err(Refusal::Full { queued, message });
        }
        self.queue(to, message);
        Ok(())
    }

    /// Waits until the outbox has room for a message of `bytes`, or the window is detached.
    pub(crate) async fn wait_for_room(&self, bytes: usize) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.has_room(bytes) || self.is_detached() {
                return;
            }
            notified.await;
        }
    }

    /// Whether a push of `bytes` would be queued now (the rule [`queue_push`](Self::queue_push) applies).
    fn has_room(&self, bytes: usize) -> bool {
        let queued = self.outbox().bytes;
        queued == 0 || queued + bytes <= self.max_queued_bytes
    }

    fn queue(&self, to: Addressee, message: Message) {
        if self.is_detached() {
            return;
        }
        let wake = {
            let mut outbox = self.outbox();
            outbox.bytes += message.len();
            outbox.queue.push_back(Queued { to, message });
            !std::mem::replace(&mut outbox.woken, true)
        };
        if wake {
            self.endpoint.wake();
        }
    }

    fn wake(&self) {
        let wake = !std::mem::replace(&mut self.outbox().woken, true);
        if wake {
            self.endpoint.wake();
        }
    }

    /// The next delivery: consecutive messages for one page, in the order they were queued. `None` when nothing can
    /// be delivered now (the endpoint is woken again when something can).
    /// The text is written between `before` and `after`, in one buffer (see [`Delivery::wrapped`]).
    pub(crate) fn take_delivery(self: &Arc<Self>, before: &str, after: &str) -> Option<Delivery> {
        let current = self.current_page();
        let mut outbox = self.outbox();
        // Welcomes never wait for room: a new page must get its secret even while deliveries to the page it replaces
        // are still held by the transport (those are released once that page is retired, see `Delivery::is_stale`).
        if !outbox.welcomes.is_empty() {
            let welcomes = std::mem::take(&mut outbox.welcomes);
            let taken: usize = welcomes.iter().map(String::len).sum();
            outbox.in_transit += taken;
            drop(outbox);
            let mut text = String::from(before);
            push_delivery_start(&mut text, None);
            text.push_str(&welcomes.join(","));
            text.push_str(DELIVERY_END);
            text.push_str(after);
            return Some(self.delivery(text, before.len(), after.len(), Vec::new(), taken, None));
        }
        if outbox.in_transit >= MAX_IN_TRANSIT {
            // Woken again when the page has taken enough (see `release`).
            outbox.woken = false;
            return None;
        }
        let mut dropped = 0;
        let mut target: Option<Arc<Page>> = None;
        let mut text = outbox.spare.pop().unwrap_or_default();
        let mut parts = Vec::new();
        let mut taken = 0;
        while let Some(front) = outbox.queue.front() {
            let to = match &front.to {
                Addressee::Page(page) => Arc::clone(page),
                Addressee::NextPage => match &current {
                    Some(page) if page.permitted => Arc::clone(page),
                    Some(_) => {
                        // The window shows a foreign page: what was meant for the app's page is not for it.
                        let queued = outbox.queue.pop_front().expect("front exists");
                        dropped += queued.message.len();
                        continue;
                    }
                    None => break, // wait for a page to be ready
                },
            };
            if to.is_retired() {
                let queued = outbox.queue.pop_front().expect("front exists");
                dropped += queued.message.len();
                continue;
            }
            match &target {
                None => {
                    text.push_str(before);
                    push_delivery_start(&mut text, Some(&to.token));
                    target = Some(to);
                }
                Some(existing) => {
                    if !Arc::ptr_eq(existing, &to) || text.len() >= BATCH_BYTES {
                        break;
                    }
                    text.push(',');
                }
            }
            let queued = outbox.queue.pop_front().expect("front exists");
            taken += queued.message.len();
            // Room for the end too, so a large message is copied once.
            text.reserve(queued.message.text.len() + DELIVERY_END.len() + after.len());
            text.push_str(&queued.message.text);
            parts.extend(queued.message.parts);
        }
        outbox.bytes -= dropped;
        outbox.in_transit += taken;
        if target.is_none() {
            outbox.woken = false;
            let spare = std::mem::take(&mut outbox.spare);
            drop(outbox);
            drop((text, spare));
            if dropped > 0 {
                self.room.notify_waiters();
            }
            return None;
        }
        drop(outbox);
        if dropped > 0 {
            self.room.notify_waiters();
        }
        text.push_str(DELIVERY_END);
        text.push_str(after);
        Some(self.delivery(text, before.len(), after.len(), parts, taken, target))
    }

    fn delivery(
        self: &Arc<Self>,
        text: String,
        before: usize,
        after: usize,
        parts: Vec<bytes::Bytes>,
        bytes: usize,
        page: Option<Arc<Page>>,
    ) -> Delivery {
        Delivery {
            json: before..text.len() - after,
            text,
            parts,
            page,
            credit: Credit {
                window: Arc::clone(self),
                bytes,
                buffer: None,
            },
        }
    }

    /// Releases a delivery's `bytes` from the outbox, and keeps its `buffer` for the next delivery if the queue has
    /// more and the buffer is worth keeping.
    fn release(&self, bytes: usize, mut buffer: Option<String>) {
        let wake = {
            let mut outbox = self.outbox();
            outbox.bytes -= bytes;
            outbox.in_transit -= bytes;
            let keep = !outbox.queue.is_empty() && outbox.spare.len() < MAX_SPARE_BUFFERS;
            if let Some(mut kept) = buffer.take_if(|b| keep && (1..=MAX_SPARE_CAPACITY).contains(&b.capacity())) {
                kept.clear();
                outbox.spare.push(kept);
            }
            !outbox.queue.is_empty() && !std::mem::replace(&mut outbox.woken, true)
        };
        drop(buffer);
        self.room.notify_waiters();
        if wake {
            self.endpoint.wake();
        }
    }

    /// Bytes queued or in transit for the window.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.outbox().bytes
    }
}

/// Why a call did not start.
#[derive(Debug)]
pub(crate) enum StartRefusal {
    Duplicate(DuplicateId),
    Busy,
}

/// Messages for one page, ready to hand over: JSON text `{"page": ..., "messages": [...]}` (see
/// [`crate::protocol`]). The bytes count against the window's queue limit until this is dropped, so a transport keeps
/// it until the page has taken the text (for a WebView: until the delivery script has run).
pub struct Delivery {
    /// The JSON text, between what the transport asked to have written before and after it.
    text: String,
    json: std::ops::Range<usize>,
    parts: Vec<bytes::Bytes>,
    /// The page load it is addressed to (`None` for welcomes, which go to whichever page asked).
    page: Option<Arc<Page>>,
    credit: Credit,
}

impl Delivery {
    /// The delivery as JSON text, for the page's runtime.
    pub fn text(&self) -> &str {
        &self.text[self.json.clone()]
    }

    /// The JSON text between the `before` and `after` given to
    /// [`WindowLink::take_delivery_wrapped`](crate::transport::WindowLink::take_delivery_wrapped), as one string.
    pub fn wrapped(&self) -> &str {
        &self.text
    }

    /// The bytes the messages' [`Binary`](crate::Binary) placeholders stand for, in order. A delivery with parts
    /// cannot travel as script text: the transport sends [`to_frame`](Self::to_frame) instead.
    pub fn parts(&self) -> &[bytes::Bytes] {
        &self.parts
    }

    /// The JSON text and the parts, taken apart, for a transport that sends a part as it is: `Vec::from(part)`
    /// keeps a part's buffer when nothing else holds it. Releases the delivery's room in the window's queue, as
    /// dropping it does.
    pub fn into_parts(mut self) -> (String, Vec<bytes::Bytes>) {
        let mut text = std::mem::take(&mut self.text);
        if self.json != (0..text.len()) {
            text = text[self.json.clone()].to_owned();
        }
        (text, std::mem::take(&mut self.parts))
    }

    /// The delivery as one binary frame, for a page runtime to take as an `ArrayBuffer` (see
    /// [`crate::protocol`]): the text's length (4 bytes, little-endian), the text (UTF-8), then each part as its
    /// length (4 bytes, little-endian) and its bytes.
    pub fn to_frame(&self) -> Vec<u8> {
        crate::protocol::encode_frame(self.text(), &self.parts)
    }

    /// Whether the page load it is addressed to has been replaced by a newer one, which would drop it unread. A
    /// transport that holds deliveries until the page fetches them drops stale ones, so they stop counting against
    /// the window's queue.
    pub fn is_stale(&self) -> bool {
        self.page.as_ref().is_some_and(|page| page.is_retired())
    }

    /// The window it is for.
    pub fn window(&self) -> WindowId {
        self.credit.window.id
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("window", &self.window())
            .field("bytes", &self.json.len())
            .finish()
    }
}

struct Credit {
    window: Arc<WindowState>,
    bytes: usize,
    /// The delivery's buffer, handed back as the delivery is dropped.
    buffer: Option<String>,
}

impl Drop for Credit {
    fn drop(&mut self) {
        self.window.release(self.bytes, self.buffer.take());
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        self.credit.buffer = Some(std::mem::take(&mut self.text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(limit: usize) -> Arc<WindowState> {
        let config = WindowConfig::new("app://test");
        Arc::new(WindowState::new(WindowId(1), config, Box::new(|| {}), limit))
    }

    #[test]
    fn a_confirmed_page_retires_the_one_before_and_its_calls() {
        let window = window(1024);
        let first = window.open_page("one".into(), "app://test");
        assert!(window.page("one").is_some());
        let (_, registration) = window.start_call(&first, 1, 8, None).unwrap();
        let call = futures::future::Abortable::new(std::future::pending::<()>(), registration);
        let second = window.open_page("two".into(), "app://test");
        assert!(
            window.page("one").is_some(),
            "the old page speaks until the new one confirms"
        );
        assert!(window.page("two").is_some());
        assert!(first.is_retired() && !second.is_retired());
        assert!(window.page("one").is_none());
        assert_eq!(window.calls_in_flight(), 0);
        let aborted = futures::FutureExt::now_or_never(call);
        assert!(matches!(aborted, Some(Err(_))), "the old page's call was aborted");
    }

    #[test]
    fn duplicate_ids_and_the_in_flight_limit_are_refused() {
        let window = window(1024);
        let page = window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        let (number, _reg) = window.start_call(&page, 7, 2, None).unwrap();
        assert!(matches!(
            window.start_call(&page, 7, 2, None),
            Err(StartRefusal::Duplicate(_))
        ));
        let _second = window.start_call(&page, 8, 2, None).unwrap();
        assert!(matches!(window.start_call(&page, 9, 2, None), Err(StartRefusal::Busy)));
        window.finish_call(&page, 7, number);
        assert!(window.start_call(&page, 9, 2, None).is_ok());
    }

    #[test]
    fn a_finished_call_does_not_forget_a_newer_call_with_its_id() {
        let window = window(1024);
        let page = window.open_page("one".into(), "app://test");
        let (old, _r1) = window.start_call(&page, 7, 8, None).unwrap();
        window.cancel_call(&page, 7);
        let (_new, _r2) = window.start_call(&page, 7, 8, None).unwrap();
        window.finish_call(&page, 7, old);
        assert_eq!(window.calls_in_flight(), 1);
        assert!(matches!(
            window.start_call(&page, 7, 8, None),
            Err(StartRefusal::Duplicate(_))
        ));
    }

    #[test]
    fn pushes_beyond_the_limit_are_refused_until_the_page_takes_them() {
        let window = window(10);
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        window.queue_push("\"123456\"").unwrap();
        assert!(matches!(
            window.queue_push("\"123456\""),
            Err(Refusal::Full { queued: 8, .. })
        ));
        let delivery = window.take_delivery("", "").unwrap();
        assert!(
            matches!(window.queue_push("\"1\""), Err(Refusal::Full { .. })),
            "in transit still counts"
        );
        drop(delivery);
        window.queue_push("\"123456\"").unwrap();
    }

    #[test]
    fn deliveries_pause_while_too_much_is_in_transit() {
        let woken = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&woken);
        let config = WindowConfig::new("app://test");
        let wake = move || {
            count.fetch_add(1, Ordering::SeqCst);
        };
        let window = Arc::new(WindowState::new(WindowId(1), config, Box::new(wake), usize::MAX));
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        let big = "x".repeat(MAX_IN_TRANSIT);
        window.queue_push(big.clone()).unwrap();
        window.queue_push(big).unwrap();
        let first = window.take_delivery("", "").unwrap();
        assert!(
            window.take_delivery("", "").is_none(),
            "the page has not taken the first yet"
        );
        let before = woken.load(Ordering::SeqCst);
        drop(first);
        assert_eq!(
            woken.load(Ordering::SeqCst),
            before + 1,
            "taking the first wakes the transport"
        );
        assert!(window.take_delivery("", "").is_some());
    }

    #[test]
    fn a_delivery_s_buffer_serves_the_next_while_more_waits() {
        let window = window(usize::MAX);
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        let big = format!("\"{}\"", "x".repeat(BATCH_BYTES));
        for _ in 0..3 {
            window.queue_push(big.clone()).unwrap();
        }
        drop(window.take_delivery("f(", ");").unwrap());
        assert_eq!(
            window.outbox().spare.len(),
            1,
            "the first delivery's buffer, kept while more waits"
        );
        let second = window.take_delivery("f(", ");").unwrap();
        assert!(window.outbox().spare.is_empty(), "taken for the second");
        assert_eq!(second.wrapped(), format!(r#"f({{"page":"one","messages":[{big}]}});"#));
        let third = window.take_delivery("f(", ");").unwrap();
        drop((second, third));
        assert!(window.outbox().spare.is_empty(), "none kept once nothing waits");

        // A buffer too large to keep is dropped at once, and an idle window drops what it kept.
        let huge = format!("\"{}\"", "x".repeat(MAX_SPARE_CAPACITY));
        window.queue_push(huge).unwrap();
        window.queue_push(big).unwrap();
        drop(window.take_delivery("", "").unwrap());
        assert!(
            window.outbox().spare.is_empty(),
            "{MAX_SPARE_CAPACITY} bytes or more are not kept"
        );
        let last = window.take_delivery("", "").unwrap();
        assert!(window.take_delivery("", "").is_none());
        drop(last);
        assert!(window.outbox().spare.is_empty());
    }

    #[test]
    fn a_delivery_holds_one_page_in_order() {
        let window = window(1 << 20);
        let page = window.open_page("one".into(), "app://test");
        window.queue_welcome("{\"w\":1}".into());
        window.page("one").unwrap();
        window.queue_push("1").unwrap();
        window.queue_answer(&page, "2");
        assert_eq!(
            window.take_delivery("", "").unwrap().text(),
            r#"{"page":null,"messages":[{"w":1}]}"#
        );
        assert_eq!(
            window.take_delivery("", "").unwrap().text(),
            r#"{"page":"one","messages":[1,2]}"#
        );
        assert!(window.take_delivery("", "").is_none());
    }

    #[test]
    fn a_wrapped_delivery_is_the_same_text_between_what_was_asked_for() {
        let window = window(1 << 20);
        let page = window.open_page("one".into(), "app://test");
        window.queue_welcome("{\"w\":1}".into());
        window.page("one").unwrap();
        let big = format!("\"{}\"", "x".repeat(100_000));
        window.queue_push(big.clone()).unwrap();
        window.queue_answer(&page, "2");
        for expected in [
            r#"{"page":null,"messages":[{"w":1}]}"#.to_owned(),
            format!(r#"{{"page":"one","messages":[{big},2]}}"#),
        ] {
            let delivery = window.take_delivery("f(", ");").unwrap();
            assert_eq!(delivery.text(), expected);
            assert_eq!(delivery.wrapped(), format!("f({expected});"));
            assert_eq!(
                format!("{delivery:?}"),
                format!("Delivery {{ window: WindowId(1), bytes: {} }}", expected.len())
            );
        }
        assert!(window.take_delivery("f(", ");").is_none());
    }

    #[test]
    fn a_delivery_taken_apart_gives_its_text_and_parts_and_its_room_back() {
        let window = window(1 << 20);
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        let part = bytes::Bytes::from(vec![7u8; 1000]);
        let message = Message {
            text: "1".into(),
            parts: vec![part.clone()],
        };
        window.queue_push(message).unwrap();
        let delivery = window.take_delivery("f(", ");").unwrap();
        assert!(window.queued_bytes() >= 1000);
        let (text, parts) = delivery.into_parts();
        assert_eq!(text, r#"{"page":"one","messages":[1]}"#);
        assert_eq!(parts, vec![part]);
        assert_eq!(window.queued_bytes(), 0);
    }

    #[test]
    fn a_welcome_overtakes_pushes_waiting_for_the_first_page() {
        let window = window(1 << 20);
        window.queue_push("1").unwrap();
        window.queue_welcome("{\"w\":1}".into());
        assert_eq!(
            window.take_delivery("", "").unwrap().text(),
            r#"{"page":null,"messages":[{"w":1}]}"#
        );
        assert!(window.take_delivery("", "").is_none(), "the push waits for a page");
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        assert_eq!(
            window.take_delivery("", "").unwrap().text(),
            r#"{"page":"one","messages":[1]}"#
        );
    }

    #[test]
    fn a_welcome_goes_while_deliveries_to_the_old_page_are_held_and_those_turn_stale_when_it_is_replaced() {
        let window = window(64 << 20);
        window.open_page("old".into(), "app://test");
        window.page("old").unwrap();
        let big = "x".repeat(MAX_IN_TRANSIT);
        window.queue_push(big).unwrap();
        let held = window.take_delivery("", "").unwrap();
        assert!(!held.is_stale());
        window.queue_push("1").unwrap();
        assert!(
            window.take_delivery("", "").is_none(),
            "no room while the old page's delivery is held"
        );

        window.queue_welcome("{\"w\":2}".into());
        let welcome = window.take_delivery("", "").expect("the welcome goes without room");
        assert!(!welcome.is_stale(), "a welcome is for whichever page asked");
        window.open_page("new".into(), "app://test");
        window.page("new").unwrap();
        assert!(held.is_stale(), "the old page was replaced");
        drop((held, welcome));
        assert!(
            window.take_delivery("", "").is_none(),
            "the push for the old page was dropped with it"
        );
        assert_eq!(window.queued_bytes(), 0);
    }

    #[test]
    fn pushes_before_any_page_wait_for_the_first_app_page() {
        let window = window(1 << 20);
        window.queue_push("1").unwrap();
        assert!(window.take_delivery("", "").is_none());
        window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        assert_eq!(
            window.take_delivery("", "").unwrap().text(),
            r#"{"page":"one","messages":[1]}"#
        );
    }

    #[test]
    fn a_foreign_page_receives_nothing_meant_for_the_app() {
        let window = window(1 << 20);
        window.queue_push("1").unwrap();
        window.open_page("evil".into(), "https://evil.example");
        window.page("evil").unwrap();
        assert!(window.take_delivery("", "").is_none());
        assert!(matches!(window.queue_push("2"), Err(Refusal::Foreign(_))));
        assert_eq!(window.queued_bytes(), 0);
    }

    #[test]
    fn answers_for_a_retired_page_are_dropped() {
        let window = window(1 << 20);
        let first = window.open_page("one".into(), "app://test");
        window.page("one").unwrap();
        window.queue_answer(&first, "1");
        window.open_page("two".into(), "app://test");
        window.page("two").unwrap();
        assert!(window.take_delivery("", "").is_none());
        assert_eq!(window.queued_bytes(), 0);
    }

    #[test]
    fn forged_hellos_cannot_push_out_more_than_the_oldest_waiting_page() {
        let window = window(1 << 20);
        for i in 0..100 {
            window.open_page(format!("forged{i}"), "null");
        }
        assert!(window.page("forged0").is_none());
        assert!(window.page("forged99").is_some());
    }
}
