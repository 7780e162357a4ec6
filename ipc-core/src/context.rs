//! Who is calling: the window a request came from and the origin of the page that sent it.

use std::fmt;
use std::sync::Arc;

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

/// The caller of one request, stamped by the transport before the request reaches the hub.
///
/// The renderer cannot forge these fields: the window comes from the endpoint the request arrived on, and the origin from
/// the WebView's own record of the page URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    window: WindowId,
    origin: Arc<str>,
}

impl CallContext {
    /// A context for a request from `window`, sent by a page of `origin` (such as `app://localhost`).
    pub fn new(window: WindowId, origin: impl Into<Arc<str>>) -> Self {
        CallContext {
            window,
            origin: origin.into(),
        }
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
