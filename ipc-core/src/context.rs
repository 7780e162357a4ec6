//! Who is calling: the window a request came from and the origin of the page that sent it.

use std::fmt;
use std::sync::Arc;

use crate::hub::Hub;
use crate::window::WindowId;

/// The caller of one request, and the hub it arrived at. Take it as an argument of a service method (in any
/// position, under any name it is imported as: it is recognised by its type) and it is injected; it is not part of
/// the JavaScript signature.
///
/// The renderer cannot forge these fields: the window comes from the transport's link the request arrived on, and the
/// origin is the one the page's runtime reported when its page load began, before any of the page's scripts ran (see
/// [`crate::protocol`]): the sender's own origin, not the WebView's current URL.
#[derive(Clone)]
pub struct CallContext {
    hub: Hub,
    window: WindowId,
    origin: Arc<str>,
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
        }
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
