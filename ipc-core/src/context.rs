//! Who is calling: the window a request came from and the origin of the page that sent it.

use std::fmt;
use std::sync::Arc;

use crate::hub::Hub;

/// Identifies one window (one renderer endpoint) attached to a [`Hub`](crate::Hub).
///
/// Ids are handed out by [`Hub::attach_window`](crate::Hub::attach_window) and never reused within one hub.
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

/// The caller of one request, and the hub it arrived at. Take it as an argument of a service method (by type, in any
/// position) and it is injected; it is not part of the JavaScript signature.
///
/// The renderer cannot forge these fields: the window comes from the endpoint the request arrived on, and the origin
/// from the WebView's own record of the page URL.
#[derive(Clone)]
pub struct CallContext {
    hub: Hub,
    window: WindowId,
    origin: Arc<str>,
    /// Which page load of the window sent the request (see `Hub::page_loaded`).
    page: u64,
}

impl fmt::Debug for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallContext")
            .field("window", &self.window)
            .field("origin", &self.origin)
            .finish()
    }
}

impl CallContext {
    /// A context for a request that `window` of `hub` received from a page of `origin` (such as `app://localhost`).
    pub fn new(hub: Hub, window: WindowId, origin: impl Into<Arc<str>>) -> Self {
        CallContext {
            hub,
            window,
            origin: origin.into(),
            page: 0,
        }
    }

    pub(crate) fn on_page(mut self, page: u64) -> Self {
        self.page = page;
        self
    }

    pub(crate) fn page(&self) -> u64 {
        self.page
    }

    /// The hub the call arrived at: for pushing to windows from a handler (`ctx.hub().broadcast_all(...)`).
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The window the request came from; its answer goes back there.
    pub fn window(&self) -> WindowId {
        self.window
    }

    /// The origin (`scheme://host[:port]`) of the page that sent the request.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}
