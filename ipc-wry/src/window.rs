//! What a window shows, and how a WebView is wired to the hub.

use std::sync::{Arc, Weak};

use ipc_core::client::{self, Bridge};
use ipc_core::transport::WindowLink;
use ipc_core::{Capabilities, WindowConfig};
use wry::http::Request;
use wry::WebViewBuilder;

use crate::assets::Assets;
use crate::bulk::{self, Held, DEFAULT_FETCH_REQUESTS_ABOVE};
use crate::dev::DevServer;
use crate::stats::{Counters, Path};

/// The scheme of the app's own content: a page given with [`WindowSpec::html`] is served at `app://localhost/`.
pub const APP_SCHEME: &str = "app";
/// The origin of the app's own content.
pub const APP_ORIGIN: &str = "app://localhost";

/// One window: title, size, content, and what its pages may do.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub(crate) title: String,
    pub(crate) size: (u32, u32),
    pub(crate) content: Content,
    pub(crate) dev_server: Option<DevServer>,
    pub(crate) csp: Option<String>,
    pub(crate) capabilities: Capabilities,
    pub(crate) frames: Vec<(String, Capabilities)>,
    pub(crate) fetch_requests_above: usize,
    pub(crate) fetch_deliveries_above: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Content {
    /// Files served on the app scheme, starting at `app://localhost/`.
    App(Assets),
    /// Any URL.
    Url(String),
}

impl WindowSpec {
    /// A window of `content` with every other setting at its default.
    fn showing(title: String, content: Content, csp: Option<String>) -> Self {
        WindowSpec {
            title,
            size: (800, 600),
            content,
            dev_server: None,
            csp,
            capabilities: Capabilities::allow_all(),
            frames: Vec::new(),
            fetch_requests_above: DEFAULT_FETCH_REQUESTS_ABOVE,
            fetch_deliveries_above: usize::MAX,
        }
    }

    /// A window showing `html`, served at `app://localhost/` (so the page has a real origin and may use relative
    /// `fetch`es to that scheme later).
    pub fn html(title: impl Into<String>, html: impl Into<String>) -> Self {
        WindowSpec::showing(title.into(), Content::App(Assets::page(Arc::from(html.into()))), None)
    }

    /// A window showing a built front end, served at `app://localhost/` (see [`Assets`]), with the
    /// Content-Security-Policy [`DEFAULT_CSP`](crate::assets::DEFAULT_CSP) unless
    /// [`content_security_policy`](Self::content_security_policy) sets another.
    pub fn assets(title: impl Into<String>, assets: Assets) -> Self {
        WindowSpec::showing(
            title.into(),
            Content::App(assets),
            Some(crate::assets::DEFAULT_CSP.to_owned()),
        )
    }

    /// Sends `policy` as the Content-Security-Policy of everything the app scheme serves this window (`None`: no
    /// policy). The runtime and the service clients are injected by the WebView, so no policy keeps them out; a policy
    /// needs `connect-src 'self'` (part of `default-src 'self'`) for the transport's own requests.
    pub fn content_security_policy(mut self, policy: Option<String>) -> Self {
        self.csp = policy;
        self
    }

    /// In debug builds, shows `server`'s URL instead of this window's own content, with the server's origin as the
    /// app's own (so calls work with no other setting); [`App`](crate::App) starts the server's command, if it has
    /// one, and stops it at exit. Release builds ignore this setting. See [`DevServer`].
    pub fn dev_server(mut self, server: DevServer) -> Self {
        self.dev_server = Some(server);
        self
    }

    /// The dev server this window shows, in a debug build.
    pub(crate) fn active_dev_server(&self) -> Option<&DevServer> {
        if cfg!(debug_assertions) {
            self.dev_server.as_ref()
        } else {
            None
        }
    }

    /// A window showing the page at `url` (such as a dev server's `http://localhost:5173`). That URL's origin counts
    /// as the app's own content for this window.
    pub fn url(title: impl Into<String>, url: impl Into<String>) -> Self {
        WindowSpec::showing(title.into(), Content::Url(url.into()), None)
    }

    /// What pages in this window may call, send and receive, and which other origins may speak for it (default: every
    /// channel, only the app's own origin).
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Lets frames of `origin` in the window's page call and send, as `capabilities` allow (the window's own
    /// capabilities do not apply to them). Frames of other origins stay refused. The runtime is then injected into
    /// every frame, where it speaks through the page's runtime.
    pub fn allow_frames(mut self, origin: impl Into<String>, capabilities: Capabilities) -> Self {
        self.frames.push((origin.into(), capabilities));
        self
    }

    /// Messages from the page of at least this many bytes are `POST`ed on the app scheme instead of going through
    /// the script message handler (default [`DEFAULT_FETCH_REQUESTS_ABOVE`], 512 KiB; `usize::MAX`: never). Only
    /// windows showing [`html`](WindowSpec::html) have the app scheme; a window showing a [`url`](WindowSpec::url)
    /// always posts through the handler. The crate docs give the measurements behind the default.
    pub fn fetch_requests_above(mut self, bytes: usize) -> Self {
        self.fetch_requests_above = bytes;
        self
    }

    /// Deliveries (answers and pushes) of at least this many bytes are fetched by the page from the app scheme
    /// instead of being evaluated as script (default `usize::MAX`: never, because on WebKitGTK a fetched JSON
    /// delivery was slower than a script one at every size measured, up to 8 MiB; see the crate docs). Only windows
    /// showing [`html`](WindowSpec::html) have the app scheme.
    pub fn fetch_deliveries_above(mut self, bytes: usize) -> Self {
        self.fetch_deliveries_above = bytes;
        self
    }

    /// Whether pages of this window are served on the app scheme, where they can fetch from the reserved paths.
    pub(crate) fn has_app_scheme(&self) -> bool {
        matches!(self.content, Content::App(_)) && self.active_dev_server().is_none()
    }

    /// The sizes from which requests and deliveries travel by `fetch`, if this window has the app scheme.
    pub(crate) fn fetch_thresholds(&self) -> (Option<usize>, Option<usize>) {
        let some = |bytes: usize| (bytes != usize::MAX).then_some(bytes);
        if self.has_app_scheme() {
            (some(self.fetch_requests_above), some(self.fetch_deliveries_above))
        } else {
            (None, None)
        }
    }

    /// Sets the inner size in logical pixels (default 800 × 600).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// The window's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// How the hub attaches this window: its capabilities, and the origin of its own content.
    pub(crate) fn config(&self) -> WindowConfig {
        let url_origin = |url: &String| {
            url.parse::<wry::http::Uri>()
                .map_or_else(|_| url.clone(), |uri| origin_of(&uri))
        };
        let app_origin = match (&self.content, self.active_dev_server()) {
            (_, Some(server)) => url_origin(&server.url),
            (Content::App(_), None) => APP_ORIGIN.to_owned(),
            (Content::Url(url), None) => url_origin(url),
        };
        let config = WindowConfig::new(app_origin).capabilities(self.capabilities.clone());
        self.frames.iter().fold(config, |config, (origin, capabilities)| {
            config.allow_frames(origin.clone(), capabilities.clone())
        })
    }
}

/// Wires a WebView builder to a window's link: injects the runtime and the service clients into the main frame before
/// any page script, forwards every message the page posts to the link, and serves the spec's HTML on the app scheme,
/// with the paths of [`bulk`] under [`bulk::RESERVED`].
///
/// The runtime posts through `window.ipc.postMessage` (wry's, taken when the runtime is installed) and receives
/// deliveries through `deliver`, a function it defines on `window` (not writable, not configurable) under a name chosen
/// at random per WebView: a page without the runtime cannot define it, so it can never receive a delivery.
pub(crate) fn wire<'a>(
    builder: WebViewBuilder<'a>,
    link: &Arc<WindowLink>,
    held: &Arc<Held>,
    counters: &Arc<Counters>,
    deliver: &str,
    spec: &WindowSpec,
) -> WebViewBuilder<'a> {
    let bridge = Bridge::new(
        bulk::post_expression(spec.fetch_thresholds().0, spec.has_app_scheme(), deliver),
        bulk::connect_expression(deliver),
    );
    let config = spec.config();
    let script = client::page_script(link.hub(), &bridge, &config);
    let main_frame_only = config.frames.is_empty();
    let link = Arc::downgrade(link);
    let for_messages = Weak::clone(&link);
    let counted = Arc::clone(counters);
    let builder = builder
        .with_initialization_script_for_main_only(script, main_frame_only)
        .with_ipc_handler(move |request: Request<String>| {
            // On the UI thread: hand over and return; the page secret in the message says who sent it.
            if let Some(link) = for_messages.upgrade() {
                counted.count(Path::MessageByHandler);
                bulk::receive_posted(&link, request.into_body());
            }
        });
    if let Some(server) = spec.active_dev_server() {
        return builder.with_url(&server.url);
    }
    match &spec.content {
        Content::App(assets) => {
            let assets = assets.clone();
            let csp = spec.csp.clone();
            let held = Arc::clone(held);
            let counters = Arc::clone(counters);
            builder
                .with_custom_protocol(APP_SCHEME.to_owned(), move |_id, request| {
                    if request.uri().path().starts_with(bulk::RESERVED) {
                        bulk::serve(request, link.upgrade().as_deref(), &held, &counters)
                    } else {
                        assets.serve(&request, csp.as_deref())
                    }
                })
                .with_url(format!("{APP_ORIGIN}/"))
        }
        Content::Url(url) => builder.with_url(url),
    }
}

/// `scheme://host[:port]` of a page URL.
pub(crate) fn origin_of(uri: &wry::http::Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        (Some(scheme), None) => format!("{scheme}://"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_scheme_and_authority() {
        let uri: wry::http::Uri = "app://localhost/index.html?x=1".parse().unwrap();
        assert_eq!(origin_of(&uri), "app://localhost");
        let uri: wry::http::Uri = "http://127.0.0.1:8080/a/b".parse().unwrap();
        assert_eq!(origin_of(&uri), "http://127.0.0.1:8080");
    }
}
