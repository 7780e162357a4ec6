//! The seam between the hub and a transport (a WebView's message handler, a custom protocol, a WebSocket): what a
//! transport gives the hub and what it gets back. Apps do not need this module; transports are built on it.
//!
//! A transport does four things for each window:
//!
//! 1. **Attach** it with [`WindowLink::attach`], giving an [`Endpoint`] the hub wakes when messages wait for the
//!    page. The link carries the window's identity for every message; dropping it detaches the window (its calls'
//!    futures are dropped and later pushes fail with `WindowNotFound`).
//! 2. **Install** the page side: [`crate::client::page_script`] assembled with the transport's [`Bridge`] (how the page
//!    posts a message, and how the transport hands it a delivery), injected into the window's main frame before the
//!    page's own scripts.
//! 3. **Receive**: every text the page posts goes to [`WindowLink::receive`], which returns at once (safe on a UI
//!    thread). The hub reads a window's messages one at a time, in order, on tokio; calls then run concurrently.
//! 4. **Deliver**: when the endpoint is woken, call [`WindowLink::take_delivery`] until it returns `None`, and hand
//!    each [`Delivery`]'s text to the page's `receive` function. Keep the delivery until the page has taken it: its
//!    bytes count against the window's queue limit until then, which bounds a push flood end to end.
//!
//! The transport need not know who posted a message: the page secret in it says which page load sent it (see
//! [`crate::protocol`]), and a message without a known secret is refused. A transport that knows the sender's origin
//! for certain (a WebSocket handshake's `Origin` header) pins it with [`WindowLink::pin_origin`].
//!
//! ```
//! use std::sync::Arc;
//! use ipc_core::transport::WindowLink;
//! use ipc_core::{Hub, WindowConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let hub = Hub::builder().build().unwrap();
//! let woken = Arc::new(tokio::sync::Notify::new());
//! let wake = Arc::clone(&woken);
//! let link = WindowLink::attach(&hub, WindowConfig::new("app://localhost"), move || wake.notify_one());
//!
//! // The page's runtime says hello; the host answers with the page's secret.
//! link.receive(r#"{"type":"hello","nonce":"n-1","origin":"app://localhost"}"#.to_owned());
//! woken.notified().await;
//! let delivery = link.take_delivery().unwrap();
//! let welcome: serde_json::Value = serde_json::from_str(delivery.text()).unwrap();
//! assert_eq!(welcome["messages"][0]["nonce"], "n-1");
//! let secret = welcome["messages"][0]["page"].as_str().unwrap();
//! assert!(link.take_delivery().is_none()); // drained: the next message wakes the endpoint again
//!
//! // From now on every message carries the secret; a call is answered to this page.
//! link.receive(format!(r#"{secret}:{{"type":"invoke","id":1,"channel":"no.such"}}"#));
//! drop(delivery);
//! woken.notified().await;
//! let answer = link.take_delivery().unwrap();
//! assert!(answer.text().contains(r#""kind":"UNKNOWN_CHANNEL""#));
//! # }
//! ```

use std::fmt;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use futures::future::{Abortable, Aborted};
use futures::FutureExt;
use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::binary::Attached;
use crate::capability::Direction;
use crate::context::CallContext;
use crate::error::{excerpt, CallError, ErrorCode};
use crate::event::{Event, WindowEventKind};
use crate::hub::Hub;
use crate::protocol::{
    encode_answer, encode_event, encode_failure, encode_success, encode_welcome, split_secret, Request, MAX_ID,
};
use crate::service::{Args, Call, CallTimeout, Reply};
use crate::stream::{Flow, Item, Outlet};
use crate::window::{Message, Page, StartRefusal, WindowConfig, WindowId, WindowState};

pub use crate::client::Bridge;
pub use crate::window::{Delivery, Endpoint};

/// One attached window, held by its transport: the way in for the page's messages and out for deliveries. Dropping
/// it detaches the window.
pub struct WindowLink {
    hub: Hub,
    window: Arc<WindowState>,
    inbound: mpsc::UnboundedSender<Inbound>,
    /// Bytes posted by the page and not yet read by the hub.
    pending: Arc<AtomicUsize>,
    pinned_origin: Arc<OnceLock<String>>,
}

impl WindowLink {
    /// Attaches a window to `hub` with `config`; `endpoint` is woken when messages wait for it.
    pub fn attach(hub: &Hub, config: WindowConfig, endpoint: impl Endpoint) -> WindowLink {
        WindowLink::attach_with(hub, config, |_| endpoint)
    }

    /// Like [`attach`](Self::attach), for an endpoint that needs the window's id (to address it in a shared queue).
    pub fn attach_with<E: Endpoint>(
        hub: &Hub,
        config: WindowConfig,
        endpoint: impl FnOnce(WindowId) -> E,
    ) -> WindowLink {
        let window = hub.attach(config, |id| Box::new(endpoint(id)) as Box<dyn Endpoint>);
        let (inbound, mut messages) = mpsc::unbounded_channel::<Inbound>();
        let pending = Arc::new(AtomicUsize::new(0));
        let pinned_origin = Arc::new(OnceLock::new());
        let reader = Reader {
            hub: hub.clone(),
            window: Arc::clone(&window),
            pinned_origin: Arc::clone(&pinned_origin),
        };
        let read = Arc::clone(&pending);
        // One reader per window: messages are read in the order the page posted them, so sends reach subscribers in
        // order and a cancel always finds the call it follows. Ends when the link is dropped.
        hub.runtime().spawn(async move {
            while let Some(message) = messages.recv().await {
                read.fetch_sub(message.len(), Ordering::AcqRel);
                reader.read(message);
            }
        });
        WindowLink {
            hub: hub.clone(),
            window,
            inbound,
            pending,
            pinned_origin,
        }
    }

    /// The window's id.
    pub fn id(&self) -> WindowId {
        self.window.id
    }

    /// The hub the window is attached to.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Takes one message the page posted, and returns at once; nothing user-written runs before it returns.
    ///
    /// Messages beyond [`Limits::max_pending_requests`](crate::Limits::max_pending_requests) bytes not yet read are
    /// dropped (answered `BUSY` when their page and id can be read).
    pub fn receive(&self, message: String) {
        self.take(Inbound {
            text: message,
            parts: Vec::new(),
        });
    }

    /// Takes one message the page posted as a binary frame (a request whose arguments hold binary data; the format
    /// is [`Delivery::to_frame`]'s, see [`crate::protocol`]), and returns at once. A frame that does not split into
    /// UTF-8 text and whole parts is dropped unread, and logged.
    pub fn receive_frame(&self, frame: Vec<u8>) {
        match crate::protocol::decode_frame(frame) {
            Some((text, parts)) => self.take(Inbound { text, parts }),
            None => tracing::warn!(window = %self.id(), "message refused: a malformed binary frame"),
        }
    }

    /// Takes one message the page posted with its binary parts beside it rather than in a frame (see
    /// [`Bridge`]'s `parts`), and returns at once: the same message as the frame
    /// [`receive_frame`](Self::receive_frame) would take.
    pub fn receive_parts(&self, message: String, parts: Vec<bytes::Bytes>) {
        self.take(Inbound { text: message, parts });
    }

    fn take(&self, message: Inbound) {
        let limit = self.hub.limits().max_pending_requests;
        let size = message.len();
        let pending = self.pending.fetch_add(size, Ordering::AcqRel);
        if pending > 0 && pending + size > limit {
            self.pending.fetch_sub(size, Ordering::AcqRel);
            tracing::warn!(window = %self.id(), "request dropped: {pending} bytes of this window's requests wait");
            let error = CallError::new(
                ErrorCode::Busy,
                format!("the host has {pending} bytes of this page's requests to read; try again later"),
            );
            if let Some((secret, envelope)) = split_secret(&message.text) {
                // Only the current page is answered from here: adopting a newer one would overtake its messages.
                if let Some(page) = self.window.current_page().filter(|page| page.is_secret(secret)) {
                    let refused = Err(error);
                    for id in refused_ids(envelope, false) {
                        self.window.queue_answer(&page, encode_answer(id, &refused));
                    }
                }
            }
            return;
        }
        if self.inbound.send(message).is_err() {
            tracing::debug!(window = %self.id(), "request dropped: the hub has shut down");
        }
    }

    /// Whether `message` carries the secret of a page load of this window that may still speak (the current one, or
    /// one that said hello and has not posted since), judged at once and without taking the message: for a transport
    /// that acts on a message's word before the hub reads it, such as telling the page that its upload was taken in.
    /// A frame's forgery, a hello and a replaced page's message are not signed.
    pub fn is_signed(&self, message: &str) -> bool {
        split_secret(message).is_some_and(|(secret, _)| self.window.knows_page(secret))
    }

    /// The next delivery for the page, or `None` when nothing waits.
    pub fn take_delivery(&self) -> Option<Delivery> {
        self.window.take_delivery("", "")
    }

    /// Like [`take_delivery`](Self::take_delivery), with the delivery's text written between `before` and `after` in
    /// one buffer ([`Delivery::wrapped`]), for a transport that sends it inside something else, such as a script
    /// that calls a function with it: a large delivery is then copied once rather than twice.
    pub fn take_delivery_wrapped(&self, before: &str, after: &str) -> Option<Delivery> {
        self.window.take_delivery(before, after)
    }

    /// Accepts only pages whose runtime reports `origin`, for a transport that knows the sender's origin for certain
    /// (a WebSocket handshake). Has effect once; later calls are ignored.
    pub fn pin_origin(&self, origin: impl Into<String>) {
        let _ = self.pinned_origin.set(origin.into());
    }

    /// Opens a page load of `origin` at once and makes it the current one, without the hello exchange: for the
    /// in-process test client, which speaks for its pages itself.
    pub(crate) fn open_page(&self, origin: &str) -> String {
        let secret = new_secret();
        self.window.open_page(secret.clone(), origin);
        self.window.page(&secret);
        secret
    }

    /// Records a lifecycle event of the window: subscribers receive it, and the window's page receives it on
    /// `window:<kind>` if its capabilities let it. For a close, use [`close`](Self::close).
    pub fn window_event(&self, kind: WindowEventKind) {
        let event = Event::window_event(self.id(), kind);
        if kind != WindowEventKind::Close && self.window.may_receive(event.channel()) {
            if let Err(refused) =
                self.window
                    .queue_push(encode_event(event.channel(), event.payload_raw(), &Attached::default()))
            {
                tracing::debug!(window = %self.id(), "{} not delivered: {refused:?}", event.channel());
            }
        }
        self.hub.publish(&event);
    }

    /// Detaches the window: its calls' futures are dropped, what waits for it is discarded, and pushes to it fail with
    /// `WindowNotFound`. Dropping the link does the same; detaching twice does nothing.
    pub fn detach(&self) {
        if !self.window.is_detached() {
            self.hub.detach(self.window.id);
            self.window.detach();
        }
    }

    /// Detaches the window, then publishes its close event, so a subscriber that sees the event finds the window
    /// gone. Closing twice publishes once.
    pub fn close(&self) {
        if !self.window.is_detached() {
            self.detach();
            self.hub
                .publish(&Event::window_event(self.id(), WindowEventKind::Close));
        }
    }
}

impl Drop for WindowLink {
    fn drop(&mut self) {
        self.detach();
    }
}

impl fmt::Debug for WindowLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WindowLink").field("window", &self.id()).finish()
    }
}

/// The largest hello read.
const MAX_HELLO: usize = 1024;

/// A call that passed every check, ready to run.
struct Admitted {
    /// The channel, as the router names it.
    channel: &'static str,
    /// The call's number, for `WindowState::finish_call`.
    number: u64,
    /// Lets a cancel or the page's retirement drop the call's future.
    registration: futures::future::AbortRegistration,
    deadline: Option<std::time::Duration>,
    /// For a method answering with a stream: the credit its page gives.
    flow: Option<Arc<Flow>>,
}

/// Reads one window's messages, in order.
struct Reader {
    hub: Hub,
    window: Arc<WindowState>,
    pinned_origin: Arc<OnceLock<String>>,
}

impl Reader {
    fn read(&self, inbound: Inbound) {
        let id = self.window.id;
        let size = inbound.len();
        let Inbound { text: message, parts } = inbound;
        let Some((secret, envelope)) = split_secret(&message) else {
            return self.hello(&message);
        };
        let Some(page) = self.window.page(secret) else {
            tracing::warn!(
                window = %id,
                "message refused: its page secret is unknown (a frame, a script posting past the runtime, or a page \
                 that has gone)"
            );
            return;
        };
        let max = self.hub.limits().max_request_size;
        if size > max {
            let error = CallError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request is {size} bytes, more than the {max} the host accepts"),
            );
            // A frame's text is within the limit (its parts are not): read its id whole, wherever it stands.
            let refused = Err(error);
            for id in refused_ids(envelope, message.len() <= max) {
                self.window.queue_answer(&page, encode_answer(id, &refused));
            }
            return;
        }
        if envelope.starts_with('[') {
            return self.batch(&page, envelope, parts.len());
        }
        let start = secret.len() + 1;
        self.envelope(&page, message, start, parts);
    }

    /// Acts on each envelope of a batch (`[{...},{...}]`: the requests a page made in one turn of its event loop,
    /// posted as one message), in order, exactly as if each had been posted alone. A batch carries no binary parts.
    fn batch(&self, page: &Arc<Page>, batch: &str, parts: usize) {
        let envelopes = match serde_json::from_str::<Vec<&RawValue>>(batch) {
            Ok(envelopes) if parts == 0 && !envelopes.is_empty() => envelopes,
            Ok(envelopes) => {
                let error = if envelopes.is_empty() {
                    "a batch of requests holds at least one"
                } else {
                    "a batch of requests carries no binary parts"
                };
                let error = CallError::new(ErrorCode::InvalidRequest, error);
                return self.window.queue_answer(page, encode_answer(None, &Err(error)));
            }
            Err(e) => {
                let error = CallError::new(
                    ErrorCode::InvalidRequest,
                    format!("a batch of requests is a JSON array of request envelopes: {e}"),
                );
                return self.window.queue_answer(page, encode_answer(None, &Err(error)));
            }
        };
        for envelope in envelopes {
            self.envelope(page, envelope.get().to_owned(), 0, Vec::new());
        }
    }

    /// Acts on the envelope at `text[start..]`, from `page` (a page, or a frame its page relayed). The text is owned so
    /// a call can keep it and read its arguments in place, without a copy.
    fn envelope(&self, page: &Arc<Page>, text: String, start: usize, parts: Vec<bytes::Bytes>) {
        let is_frame = page.parent.is_some();
        let request = Request::parse(&text[start..]);
        let mentioned = match &request {
            Ok(Request::Invoke {
                binary: Some(binary), ..
            })
            | Ok(Request::Chunk {
                binary: Some(binary), ..
            }) => binary.count,
            _ => 0,
        };
        if mentioned != parts.len() {
            let error = CallError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "the request says it carries {mentioned} binary parts but {} came with it",
                    parts.len()
                ),
            );
            let id = request.as_ref().ok().and_then(Request::id);
            return self.window.queue_answer(page, encode_answer(id, &Err(error)));
        }
        let (id, args, admitted, binary) = match request {
            Err(refused) => {
                return self
                    .window
                    .queue_answer(page, encode_answer(refused.id, &Err(refused.error)));
            }
            Ok(Request::Invoke {
                id,
                channel,
                args,
                binary,
                schema,
                uploads,
            }) => {
                if let Some(error) = schema.and_then(|schema| self.stale(&channel, &schema)) {
                    return self.window.queue_answer(page, encode_answer(Some(id), &Err(error)));
                }
                let args = args.map(|args| offset_in(&text, args.get()));
                let binary = binary.map(|binary| (binary.key.into_owned(), parts));
                let max_uploads = self.hub.limits().max_uploads;
                if uploads > max_uploads {
                    let error = CallError::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            "a call carries at most {max_uploads} upload{}, not {uploads}",
                            if max_uploads == 1 { "" } else { "s" }
                        ),
                    );
                    return self.window.queue_answer(page, encode_answer(Some(id), &Err(error)));
                }
                match self.admit(page, id, &channel, uploads) {
                    Some(admitted) => (id, args, admitted, binary),
                    None => return,
                }
            }
            Ok(Request::Send { channel, payload }) => return self.message(page, &channel, payload),
            Ok(Request::Cancel { id }) => return self.window.cancel_call(page, id),
            Ok(Request::Credit { id, count }) => {
                if let Some(flow) = self.window.flow(page, id) {
                    flow.grant(count);
                }
                return;
            }
            Ok(Request::Chunk {
                id,
                upload,
                payload,
                binary,
            }) => {
                // The item's one copy out of the request text, made as the arguments object it is decoded from.
                let item = Item {
                    args: format!(r#"{{"item":{}}}"#, payload.map_or("null", RawValue::get)),
                    binary: binary.map(|binary| (binary.key.into_owned(), parts)),
                };
                return self.upload(page, id, |flow| flow.receive(upload, item));
            }
            Ok(Request::End { id, upload }) => {
                return self.upload(page, id, |flow| {
                    flow.end(upload);
                    Ok(())
                })
            }
            Ok(Request::Ready) if !is_frame => return,
            Ok(Request::Frame {
                frame,
                origin,
                envelope,
            }) if !is_frame => return self.frame(page, frame, &origin, envelope.into_owned()),
            Ok(Request::Hello { .. } | Request::Ready | Request::Frame { .. }) => {
                let error = if is_frame {
                    "a frame sends only invoke, send, cancel, credit, chunk and end"
                } else {
                    "a page says hello only once, without a secret"
                };
                let error = CallError::new(ErrorCode::InvalidRequest, error);
                return self.window.queue_answer(page, encode_answer(None, &Err(error)));
            }
        };
        self.spawn_call(page, id, args, admitted, text, binary);
    }

    /// Hands an upload's item or end to call `id` of `page`; an item beyond the host's credit stops the call. Items of
    /// a call that is not in flight are let go: it ended, and the page stops sending when it learns so.
    fn upload(&self, page: &Arc<Page>, id: i64, deliver: impl FnOnce(&Flow) -> Result<(), CallError>) {
        let Some(flow) = self.window.flow(page, id) else {
            return;
        };
        if let Err(error) = deliver(&flow) {
            tracing::warn!(window = %self.window.id, "call {id} stopped: {}", error.message());
            flow.fail(error);
            self.window.cancel_call(page, id);
        }
    }

    /// The error for a call made by a client generated from other bindings of `channel`'s service than the app
    /// serves (`schema` is the client's fingerprint); `None` when they agree, or for a service the app does not have
    /// (the call then fails as an unknown channel).
    fn stale(&self, channel: &str, schema: &str) -> Option<CallError> {
        let service = channel.split('.').next()?;
        let current = self.hub.router().fingerprint(service)?;
        (current != schema).then(|| {
            CallError::new(
                ErrorCode::StaleBindings,
                format!(
                    "the page's client of `{service}` was generated from other bindings (fingerprint {}) than the app \
                     serves ({current}): regenerate them (Bindings::write_to) and rebuild the front end",
                    excerpt(schema, 32)
                ),
            )
        })
    }

    /// A message of frame `frame` of `page`, relayed by the page's runtime: judged as the frame, by its own origin
    /// and that origin's frame rule. Only the app's own page may relay (a foreign page cannot vouch for anyone).
    fn frame(&self, page: &Arc<Page>, frame: u32, origin: &str, envelope: String) {
        let window = self.window.id;
        if !page.permitted {
            tracing::warn!(%window, "frame message refused: relayed by a page that may not speak for the window");
            return;
        }
        let Some(frame) = self.window.frame(page, frame, origin) else {
            tracing::warn!(%window, "frame message refused: too many frames in one page");
            return;
        };
        self.envelope(&frame, envelope, 0, Vec::new());
    }

    fn hello(&self, message: &str) {
        let window = self.window.id;
        // A hello is a few hundred bytes; anything larger is not from the runtime and is not read.
        if message.len() > MAX_HELLO {
            tracing::warn!(%window, "message refused: it carries no page secret and is too large for a hello");
            return;
        }
        let (nonce, origin) = match Request::parse(message) {
            Ok(Request::Hello { nonce, origin }) => (nonce, origin),
            Ok(_) | Err(_) => {
                tracing::warn!(%window, "message refused: it carries no page secret and is not a hello");
                return;
            }
        };
        if let Some(pinned) = self.pinned_origin.get() {
            if *pinned != origin {
                tracing::warn!(%window, "hello refused: a page of `{}` on a link pinned to `{pinned}`", excerpt(&origin, 64));
                return;
            }
        }
        let secret = new_secret();
        self.window.open_page(secret.clone(), &origin);
        self.window.queue_welcome(encode_welcome(&nonce, &secret));
    }

    /// The checks a call passes before it runs: origin and capabilities, its channel, its id, the in-flight limit.
    /// `None` when it was refused (and answered).
    fn admit(&self, page: &Arc<Page>, id: i64, channel: &str, uploads: u32) -> Option<Admitted> {
        let answer = |error: CallError| encode_answer(Some(id), &Err(error));
        if let Err(error) = self.check(page, channel, Direction::Invoke) {
            self.window.queue_answer(page, answer(error));
            return None;
        }
        let Some(route) = self.hub.router().route(channel) else {
            let error = CallError::new(
                ErrorCode::UnknownChannel,
                format!("unknown channel `{}`", excerpt(channel, 64)),
            );
            self.window.queue_answer(page, answer(error));
            return None;
        };
        let limit = self.hub.limits().max_in_flight;
        let stream = route.descriptor().stream;
        let flow = (stream || uploads > 0).then(|| Arc::new(Flow::new(uploads, self.hub.limits())));
        let (number, registration) = match self.window.start_call(page, id, limit, flow.clone()) {
            Ok(started) => started,
            Err(StartRefusal::Duplicate(_)) => {
                // Answered without the id: the call in flight keeps the only answer under it.
                let error = CallError::new(
                    ErrorCode::InvalidRequest,
                    format!("request id {id} is already in flight; ids may be reused only once answered"),
                );
                self.window.queue_answer(page, encode_answer(None, &Err(error)));
                return None;
            }
            Err(StartRefusal::Busy) => {
                let error = CallError::new(
                    ErrorCode::Busy,
                    format!("this window already has {limit} calls in flight; `{channel}` did not run"),
                );
                self.window.queue_answer(page, answer(error));
                return None;
            }
        };
        let deadline = match route.descriptor().timeout {
            // A stream lives as long as its page reads it.
            CallTimeout::Default if stream => None,
            CallTimeout::Default => self.hub.limits().call_timeout,
            CallTimeout::After(after) => Some(after),
            CallTimeout::Never => None,
        };
        Some(Admitted {
            channel: route.descriptor().channel,
            number,
            registration,
            deadline,
            flow,
        })
    }

    /// Runs an admitted call on tokio. It owns the request text and reads its arguments from `text[args]`.
    fn spawn_call(
        &self,
        page: &Arc<Page>,
        id: i64,
        args: Option<Range<usize>>,
        admitted: Admitted,
        text: String,
        binary: Option<(String, Vec<bytes::Bytes>)>,
    ) {
        let Admitted {
            channel,
            number,
            registration,
            deadline,
            flow,
        } = admitted;
        let hub = self.hub.clone();
        let window = Arc::clone(&self.window);
        let page = Arc::clone(page);
        // One span per call, so a subscriber's logs of the handler carry the channel, window and call id.
        let span = tracing::debug_span!("ipc_call", %channel, window = %window.id, id);
        let call = async move {
            let context = CallContext::new(hub.clone(), window.id, Arc::clone(&page.origin));
            let args = args.map(|range| &text[range]);
            let args = match &binary {
                Some((key, parts)) => Args::with_parts(args, key, parts),
                None => Args::json(args),
            };
            let outlet = flow.as_ref().map(|flow| Outlet {
                channel,
                window: Arc::clone(&window),
                page: Arc::clone(&page),
                id,
                flow: Arc::clone(flow),
            });
            let call = Call {
                args: args.with_call(outlet.as_ref()),
                context: &context,
            };
            let outcome = Abortable::new(run(&hub, channel, call, deadline), registration).await;
            window.finish_call(&page, id, number);
            match outcome {
                Ok(Ok(reply)) => {
                    let text = encode_success(Some(id), &reply.json, &reply.attached);
                    let parts = reply.attached.parts;
                    window.queue_answer(&page, Message { text, parts });
                }
                Ok(Err(error)) => window.queue_answer(&page, encode_failure(Some(id), &error)),
                // Stopped by its flow (an upload that broke the rules): answered with why.
                Err(Aborted) => match flow.and_then(|flow| flow.failure()) {
                    Some(error) => window.queue_answer(&page, encode_failure(Some(id), &error)),
                    None => {
                        tracing::debug!(%channel, window = %window.id, "call dropped: cancelled, or its page is gone")
                    }
                },
            }
        };
        self.hub.runtime().spawn(call.instrument(span));
    }

    fn message(&self, page: &Page, channel: &str, payload: Option<&RawValue>) {
        if let Err(refused) = self.check(page, channel, Direction::Send) {
            tracing::warn!(window = %self.window.id, "message refused: {}", refused.message());
            return;
        }
        let payload = payload.map_or_else(|| RawValue::from_string("null".to_owned()), |p| Ok(p.to_owned()));
        let payload = payload.expect("`null` is valid JSON");
        self.hub.publish(&Event::message(self.window.id, channel, payload));
    }

    /// The origin and capability checks of a message from a page. Checked before the channel is looked up, so a
    /// forbidden page learns nothing about which channels exist.
    fn check(&self, page: &Page, channel: &str, direction: Direction) -> Result<(), CallError> {
        let window = self.window.id;
        // Judged by the whole name; only the message quotes a prefix.
        let quoted = excerpt(channel, 64);
        if !page.permitted {
            let what = if page.parent.is_some() { "frames" } else { "pages" };
            return Err(CallError::new(
                ErrorCode::Forbidden,
                format!(
                    "{what} of origin `{}` may not use `{quoted}` in {window}",
                    excerpt(&page.origin, 64)
                ),
            ));
        }
        if !self
            .window
            .capabilities_of(page)
            .permits_for(window, channel, direction)
        {
            let verb = if direction == Direction::Invoke {
                "call"
            } else {
                "send on"
            };
            return Err(CallError::new(
                ErrorCode::Forbidden,
                format!("{window} may not {verb} `{quoted}`"),
            ));
        }
        Ok(())
    }
}

/// Runs one call to its outcome: arguments decoded from the request text, the handler awaited (panics caught) within
/// its deadline.
async fn run(
    hub: &Hub,
    channel: &str,
    call: Call<'_>,
    deadline: Option<std::time::Duration>,
) -> Result<Reply, CallError> {
    let context = call.context;
    let route = hub
        .router()
        .route(channel)
        .expect("the channel was routed when the call started");
    // Hot path: the arguments are borrowed from the request text, already read once as one JSON value; the
    // handler's value is serialized once.
    let work = AssertUnwindSafe(route.call(call)).catch_unwind();
    let outcome = match deadline {
        Some(deadline) => match tokio::time::timeout(deadline, work).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(%channel, window = %context.window(), "call ran past its deadline of {deadline:?}");
                return Err(CallError::new(
                    ErrorCode::Timeout,
                    format!("`{channel}` did not finish within {deadline:?}, the host's deadline for it"),
                ));
            }
        },
        None => work.await,
    };
    outcome.unwrap_or_else(|panic| {
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
    })
}

/// Where `part`, a slice of `whole`, lies in it.
fn offset_in(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// The ids to answer for a message refused whole (too large, or the host busy): its request's (read in `whole` when
/// it may be parsed, else peeked from its first bytes), or every call's in a batch.
fn refused_ids(envelope: &str, whole: bool) -> Vec<Option<i64>> {
    if envelope.starts_with('[') {
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            #[serde(rename = "type", borrow)]
            kind: Option<std::borrow::Cow<'a, str>>,
            id: Option<serde_json::Value>,
        }
        return match serde_json::from_str::<Vec<Head<'_>>>(envelope) {
            Ok(heads) => heads
                .into_iter()
                .filter(|head| head.kind.as_deref() == Some("invoke"))
                .map(|head| head.id.and_then(|id| id.as_i64()).filter(|id| id.abs() <= MAX_ID))
                .collect(),
            Err(_) => vec![None],
        };
    }
    let id = if whole {
        Request::parse(envelope).ok().and_then(|request| request.id())
    } else {
        peek_id(envelope)
    };
    vec![id]
}

/// The id of a request too large (or too many) to parse, read from its first bytes, where the runtime writes it.
fn peek_id(envelope: &str) -> Option<i64> {
    let head = &envelope.as_bytes()[..envelope.len().min(64)];
    let at = head.windows(5).position(|w| w == b"\"id\":")? + 5;
    let digits: Vec<u8> = head[at..]
        .iter()
        .copied()
        .enumerate()
        .take_while(|&(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        .map(|(_, b)| b)
        .collect();
    let id: i64 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    (id.abs() <= MAX_ID).then_some(id)
}

/// Whether `given` is `secret`, compared in time that does not depend on where they differ: for a transport that
/// checks a secret of its own (a token in a URL or a cookie).
pub fn same_secret(given: &str, secret: &str) -> bool {
    given.len() == secret.len() && given.bytes().zip(secret.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh unguessable string: 128 random bits from the operating system, as 32 lowercase hex digits. Page secrets
/// are made this way; a transport can use it for names a page must not guess.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::WindowConfig;

    #[test]
    fn the_id_of_a_huge_request_is_read_from_its_start() {
        assert_eq!(peek_id(r#"{"type":"invoke","id":42,"channel":"#), Some(42));
        assert_eq!(peek_id(r#"{"type":"invoke","id":-3,"#), Some(-3));
        assert_eq!(peek_id(r#"{"type":"invoke","id":99999999999999999999"#), None);
        assert_eq!(peek_id(r#"{"type":"invoke","channel":"x"}"#), None);
    }

    #[tokio::test]
    async fn a_pinned_link_welcomes_only_pages_of_its_origin() {
        let hub = Hub::builder().build().unwrap();
        let woken = Arc::new(tokio::sync::Notify::new());
        let wake = Arc::clone(&woken);
        let link = WindowLink::attach(&hub, WindowConfig::new("http://127.0.0.1:9000"), move || {
            wake.notify_one()
        });
        link.pin_origin("http://127.0.0.1:9000");
        link.receive(r#"{"type":"hello","nonce":"liar","origin":"app://localhost"}"#.to_owned());
        link.receive(r#"{"type":"hello","nonce":"honest","origin":"http://127.0.0.1:9000"}"#.to_owned());
        woken.notified().await;
        let delivery = link.take_delivery().unwrap();
        let welcomes: serde_json::Value = serde_json::from_str(delivery.text()).unwrap();
        let nonces: Vec<&str> = welcomes["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["nonce"].as_str().unwrap())
            .collect();
        assert_eq!(nonces, ["honest"], "the hello claiming another origin got no secret");
    }

    #[tokio::test]
    async fn only_messages_of_a_page_that_may_still_speak_are_signed() {
        let hub = Hub::builder().build().unwrap();
        let woken = Arc::new(tokio::sync::Notify::new());
        let wake = Arc::clone(&woken);
        let link = WindowLink::attach(&hub, WindowConfig::new("app://localhost"), move || wake.notify_one());
        let welcome = |nonce: &str| {
            let hello = format!(r#"{{"type":"hello","nonce":"{nonce}","origin":"app://localhost"}}"#);
            assert!(!link.is_signed(&hello), "a hello carries no secret");
            link.receive(hello);
            let woken = Arc::clone(&woken);
            let link = &link;
            async move {
                woken.notified().await;
                let welcome: serde_json::Value = serde_json::from_str(link.take_delivery().unwrap().text()).unwrap();
                assert!(link.take_delivery().is_none(), "woken again when more comes");
                welcome["messages"][0]["page"].as_str().unwrap().to_owned()
            }
        };
        let answered = || async {
            woken.notified().await;
            assert!(link.take_delivery().is_some(), "the call was answered");
            assert!(link.take_delivery().is_none(), "woken again when more comes");
        };
        let call = |secret: &str| format!(r#"{secret}:{{"type":"invoke","id":1,"channel":"no.such"}}"#);

        let first = welcome("first").await;
        assert!(link.is_signed(&call(&first)), "a page waiting for its first message");
        assert!(!link.is_signed(&call(&new_secret())), "a guessed secret");
        assert!(!link.is_signed(&call("")) && !link.is_signed("no colon"));
        link.receive(call(&first));
        answered().await;
        assert!(link.is_signed(&call(&first)), "the current page");

        let second = welcome("second").await;
        link.receive(call(&second));
        answered().await;
        assert!(link.is_signed(&call(&second)), "the new current page");
        assert!(!link.is_signed(&call(&first)), "a page replaced by a newer load");
    }

    #[test]
    fn a_batch_refused_whole_is_answered_for_each_call_in_it() {
        let batch = r#"[{"type":"invoke","id":1,"channel":"a.b"},{"type":"send","channel":"c"},{"type":"cancel","id":9},{"id":3,"type":"invoke"},{"type":"invoke","id":"x"}]"#;
        assert_eq!(refused_ids(batch, false), vec![Some(1), Some(3), None]);
        assert_eq!(refused_ids("[{", false), vec![None]);
        assert_eq!(refused_ids(r#"{"type":"invoke","id":7}"#, false), vec![Some(7)]);
        assert_eq!(
            refused_ids(r#"{"channel":"x","type":"invoke","id":7}"#, true),
            vec![Some(7)]
        );
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn secrets_are_fresh_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

/// One message from the page: its text, and the binary parts of a request that came as a frame.
#[derive(Debug)]
struct Inbound {
    text: String,
    parts: Vec<bytes::Bytes>,
}

impl Inbound {
    fn len(&self) -> usize {
        self.text.len() + self.parts.iter().map(bytes::Bytes::len).sum::<usize>()
    }
}
