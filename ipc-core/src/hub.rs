//! The hub: registered services plus the windows (endpoints) that call them and receive answers.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures::FutureExt;
use serde_json::value::RawValue;
use tokio::runtime::Handle;

use crate::context::{CallContext, WindowId};
use crate::error::{CallError, Error, ErrorCode};
use crate::protocol::{encode_answer, Request, RequestKind};
use crate::router::Router;
use crate::service::{Call, Service, ServiceDescriptor};

/// Where a window's outgoing messages go: the transport's side of one renderer.
///
/// `deliver` receives one complete JSON message (an answer envelope, see [`crate::protocol`]) and hands it to the
/// renderer. It is called from tokio worker threads and must not block; a transport that must deliver on a UI thread
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

/// Builds a [`Hub`]: register services, optionally choose the tokio runtime, then [`build`](HubBuilder::build).
#[derive(Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct HubBuilder {
    router: Router,
    runtime: Option<Handle>,
    error: Option<Error>,
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
                windows: RwLock::default(),
                next_window: AtomicU64::new(1),
            }),
        })
    }
}

/// Services and windows. Cheap to clone (a shared handle) and usable from any thread.
///
/// A transport attaches each window as an [`Endpoint`] and passes every request it receives to
/// [`handle_request`](Hub::handle_request); the hub runs the call on tokio and delivers the answer to the calling
/// window only.
///
/// ```
/// use ipc_core::{ipc_service, CallContext, Hub};
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
/// hub.handle_request(CallContext::new(window, "app://localhost"), request.to_owned());
/// assert_eq!(
///     rx.recv().await.unwrap(),
///     r#"{"type":"answer","id":1,"success":true,"data":"Hello, Ada!","error":null}"#
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
    windows: RwLock<HashMap<WindowId, Arc<dyn Endpoint>>>,
    next_window: AtomicU64,
}

impl Hub {
    /// Starts building a hub.
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
    }

    /// Attaches a window and returns its id; answers to its requests are given to `endpoint`.
    pub fn attach_window(&self, endpoint: impl Endpoint) -> WindowId {
        self.attach_window_with(|_| endpoint)
    }

    /// Attaches a window whose endpoint needs to know its own id (to address the window in a shared event queue).
    pub fn attach_window_with<E: Endpoint>(
        &self,
        endpoint: impl FnOnce(WindowId) -> E,
    ) -> WindowId {
        let id = WindowId(self.inner.next_window.fetch_add(1, Ordering::Relaxed));
        let endpoint = Arc::new(endpoint(id));
        self.inner
            .windows
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, endpoint);
        id
    }

    /// Detaches a window; answers still in flight for it are dropped. Returns whether the window was attached.
    pub fn detach_window(&self, window: WindowId) -> bool {
        self.inner
            .windows
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&window)
            .is_some()
    }

    /// Whether `window` is attached.
    pub fn has_window(&self, window: WindowId) -> bool {
        self.inner
            .windows
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&window)
    }

    /// The descriptors of the registered services, in registration order (what the JavaScript client is rendered from).
    pub fn services(&self) -> &[&'static ServiceDescriptor] {
        self.inner.router.services()
    }

    /// The tokio runtime handlers run on.
    pub fn runtime(&self) -> &Handle {
        &self.inner.runtime
    }

    /// Takes one request text from a renderer and returns at once; the call runs on tokio and its answer is delivered
    /// to `context.window()`. Safe to call on a UI thread: nothing user-written runs before this returns.
    pub fn handle_request(&self, context: CallContext, request: String) {
        let hub = self.clone();
        self.inner.runtime.spawn(async move {
            let answer = hub.answer(&context, &request).await;
            hub.deliver(context.window(), answer);
        });
    }

    /// Runs one request to completion and returns the answer text, without delivering it anywhere.
    ///
    /// For transports that reply in-band (such as an HTTP-style responder) and for tests.
    pub async fn answer(&self, context: &CallContext, request: &str) -> String {
        // Hot path: the envelope and its arguments are borrowed from `request`; the handler's value is serialized once
        // into a raw JSON value that the answer envelope copies in as it is.
        let (id, outcome) = match Request::parse(request) {
            Ok(request) => match request.kind {
                RequestKind::Invoke => (Some(request.id), self.call(context, &request).await),
            },
            Err((id, error)) => (id, Err(error)),
        };
        encode_answer(id, &outcome)
    }

    async fn call(
        &self,
        context: &CallContext,
        request: &Request<'_>,
    ) -> Result<Box<RawValue>, CallError> {
        let Some(route) = self.inner.router.route(&request.channel) else {
            return Err(CallError::new(
                ErrorCode::UnknownChannel,
                format!("unknown channel `{}`", request.channel),
            ));
        };
        let call = Call {
            args: request.args,
            context,
        };
        match AssertUnwindSafe(route.service.call(route.method, call))
            .catch_unwind()
            .await
        {
            Ok(outcome) => outcome,
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)");
                tracing::error!(channel = %request.channel, window = %context.window(), "handler panicked: {detail}");
                Err(CallError::new(
                    ErrorCode::Panicked,
                    format!("the handler of `{}` panicked", request.channel),
                ))
            }
        }
    }

    fn deliver(&self, window: WindowId, message: String) {
        let endpoint = self
            .inner
            .windows
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&window)
            .cloned();
        match endpoint {
            Some(endpoint) => endpoint.deliver(message),
            None => tracing::debug!(%window, "answer dropped: the window is gone"),
        }
    }
}
