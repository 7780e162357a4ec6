//! Browser mode, a development tool: the running app's hub served to ordinary browser tabs, so the same front end,
//! runtime and generated clients run in Chromium or Firefox (with their developer tools) against the real Rust state.
//!
//! ```no_run
//! use ipc_wry::{App, Assets, BrowserMode, WindowSpec};
//!
//! # fn main() -> Result<(), ipc_wry::Error> {
//! let window = WindowSpec::assets("My app", Assets::dir("frontend/dist")?);
//! // Debug builds print `browser mode (a development tool): open http://127.0.0.1:4000/?ipc=<token>`.
//! let code = App::new().window(window).browser_mode(BrowserMode::new().port(4000)).run()?;
//! std::process::exit(code);
//! # }
//! ```
//!
//! Each tab is one more window of the hub, attached through the transport seam ([`WindowLink`]) for as long as its
//! WebSocket is open: its calls, sends and cancellations reach the same services, pushes and broadcasts reach it like
//! any window (tabs and desktop windows see each other's changes), and it has the same limits and, unless told
//! otherwise, the capabilities of the window whose front end it shows. A closed tab is a closed window: its calls are
//! dropped and its close event is published. Tabs have no focus, blur, resize or move events.
//!
//! What is served, at `http://127.0.0.1:<port>/`:
//!
//! - the front end's files ([`Assets`], the same rules as on the app scheme), each HTML page with
//!   `<script src="/__ipc/runtime.js">` put first in its `<head>`, so the runtime runs before the page's own scripts
//!   and a Content-Security-Policy of `script-src 'self'` admits it;
//! - `/__ipc/runtime.js`: the runtime and the service clients, bridged to the WebSocket;
//! - `/__ipc/socket`: the WebSocket. Text messages carry the protocol's text both ways; binary messages carry its
//!   binary frames (the format of [`Delivery::to_frame`](ipc_core::transport::Delivery::to_frame)) both ways, so
//!   [`Binary`](ipc_core::Binary) data travels as bytes.
//!
//! Who may connect, since any local program and any page in the developer's browser can reach a loopback port:
//!
//! - **Off unless enabled**: only with the `browser` feature, only when the app asks for it, and only in debug builds
//!   unless [`BrowserMode::in_release_builds`] says otherwise.
//! - **Loopback only**: an address that is not loopback is refused when the server starts.
//! - **A secret per run**: every request needs the token of this run, made fresh from the operating system's random
//!   bytes: in the URL the app prints (`?ipc=<token>`), or in the cookie the first such request sets (`HttpOnly`,
//!   `SameSite=Strict`, named after the port). Without it, nothing is served and no socket opens (403).
//! - **Origin and host checked**: the socket's handshake must carry the served origin (`Origin:
//!   http://127.0.0.1:<port>`), so no other site or local page opens it through the user's browser; every request's
//!   `Host` must be the served address (which defeats DNS rebinding); each tab's link is pinned to that origin.
//! - Responses say `Referrer-Policy: no-referrer` (the token stays in the address bar), may not be framed or loaded
//!   by pages of other origins (`X-Frame-Options`, `Cross-Origin-Resource-Policy`), and the runtime, which carries
//!   the token, is refused to requests the browser marks as coming from another origin (`Sec-Fetch-Site`): a page
//!   on another port of the same host is same-site, so the cookie alone would not keep it out.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use ipc_core::client::{page_script, Bridge};
use ipc_core::transport::{new_secret, same_secret, WindowLink};
use ipc_core::{Capabilities, Hub, WindowConfig};
use tokio::sync::{watch, Notify};

use crate::assets::Assets;
use crate::error::Error;
use crate::window::{Content, WindowSpec};

/// The path of the WebSocket each tab opens.
pub const SOCKET_PATH: &str = "/__ipc/socket";
/// The path of the runtime and service clients, bridged to the socket.
pub const RUNTIME_PATH: &str = "/__ipc/runtime.js";
/// The query parameter that carries the run's token.
pub const TOKEN_PARAMETER: &str = "ipc";

/// How to serve the app's hub to browser tabs (see the [module docs](self)). Give it to
/// [`App::browser_mode`](crate::App::browser_mode), or [`serve`](Self::serve) a hub yourself.
#[derive(Debug, Clone)]
#[must_use = "browser mode does nothing until an app runs it or `serve` is called"]
pub struct BrowserMode {
    address: SocketAddr,
    assets: Option<Assets>,
    csp: Option<Option<String>>,
    capabilities: Option<Capabilities>,
    in_release: bool,
}

impl Default for BrowserMode {
    fn default() -> Self {
        BrowserMode::new()
    }
}

impl BrowserMode {
    /// Serves on `127.0.0.1` at a port the system picks; the app prints the URL.
    pub fn new() -> Self {
        BrowserMode {
            address: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            assets: None,
            csp: None,
            capabilities: None,
            in_release: false,
        }
    }

    /// Serves on this port (0: one the system picks), so the URL stays the same from run to run but for its token.
    pub fn port(mut self, port: u16) -> Self {
        self.address.set_port(port);
        self
    }

    /// Serves on this address, which must be loopback (`127.0.0.1`, `[::1]`): any other is refused when the server
    /// starts.
    pub fn address(mut self, address: impl Into<SocketAddr>) -> Self {
        self.address = address.into();
        self
    }

    /// The front end to serve (default in an [`App`](crate::App): that of its first window showing
    /// [`html`](WindowSpec::html) or [`assets`](WindowSpec::assets)).
    pub fn assets(mut self, assets: Assets) -> Self {
        self.assets = Some(assets);
        self
    }

    /// What tabs may call, send and receive (default in an [`App`](crate::App): the capabilities of the window whose
    /// front end is served; otherwise every channel).
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// The Content-Security-Policy of everything served (default in an [`App`](crate::App): that of the window whose
    /// front end is served; otherwise none). It must allow `connect-src 'self'` and `script-src 'self'`.
    pub fn content_security_policy(mut self, policy: Option<String>) -> Self {
        self.csp = Some(policy);
        self
    }

    /// Serves in release builds too; without this, an [`App`](crate::App) built in release mode ignores browser mode.
    pub fn in_release_builds(mut self) -> Self {
        self.in_release = true;
        self
    }

    /// Whether an app runs it in this build.
    pub(crate) fn is_active(&self) -> bool {
        cfg!(debug_assertions) || self.in_release
    }

    /// Takes what is not set from the window of `windows` whose front end it serves.
    pub(crate) fn defaults_from(mut self, windows: &[WindowSpec]) -> Self {
        let shown = windows.iter().find_map(|spec| match &spec.content {
            Content::App(assets) => Some((spec, assets)),
            Content::Url(_) => None,
        });
        if let Some((spec, assets)) = shown {
            if self.assets.is_none() {
                self.assets = Some(assets.clone());
                self.capabilities = self.capabilities.or_else(|| Some(spec.capabilities.clone()));
                self.csp = self.csp.or_else(|| Some(spec.csp.clone()));
            }
        }
        self
    }

    /// Starts serving `hub` on its runtime; it serves until the returned server is dropped.
    ///
    /// ```
    /// use ipc_core::Hub;
    /// use ipc_wry::{Assets, BrowserMode};
    ///
    /// # fn main() -> Result<(), ipc_wry::Error> {
    /// # let dir = std::env::temp_dir().join(format!("ipc-browser-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("index.html"), "<p>hello</p>").unwrap();
    /// let runtime = tokio::runtime::Runtime::new().unwrap();
    /// let hub = Hub::builder().runtime(runtime.handle().clone()).build()?;
    /// let server = BrowserMode::new().assets(Assets::dir(&dir)?).serve(&hub)?;
    /// assert!(server.url().starts_with("http://127.0.0.1:"));
    /// assert!(server.url().contains("/?ipc=")); // the run's token: open this URL in a browser
    ///
    /// // Anywhere else than loopback is refused.
    /// let open = BrowserMode::new().address(([0, 0, 0, 0], 0)).assets(Assets::dir(&dir)?).serve(&hub);
    /// assert!(matches!(open, Err(ipc_wry::Error::BrowserMode { .. })));
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::BrowserMode`] if the address is not loopback, the port cannot be bound, or there are no assets to
    /// serve.
    pub fn serve(self, hub: &Hub) -> Result<BrowserServer, Error> {
        let refused = |problem: String| Error::BrowserMode {
            address: self.address.to_string(),
            problem,
        };
        if !self.address.ip().is_loopback() {
            return Err(refused(
                "only a loopback address is served: browser mode is a development tool, and a tab may do whatever \
                 the app's windows may"
                    .to_owned(),
            ));
        }
        let Some(assets) = self.assets.clone() else {
            return Err(refused(
                "there is no front end to serve: give one with BrowserMode::assets".to_owned(),
            ));
        };
        let listener = std::net::TcpListener::bind(self.address).map_err(|err| refused(err.to_string()))?;
        listener.set_nonblocking(true).map_err(|err| refused(err.to_string()))?;
        let address = listener.local_addr().map_err(|err| refused(err.to_string()))?;
        let origin = format!("http://{address}");
        let token = new_secret();
        let socket_url = format!("ws://{address}{SOCKET_PATH}?{TOKEN_PARAMETER}={token}");
        let config = WindowConfig::new(origin.clone())
            .capabilities(self.capabilities.clone().unwrap_or_else(Capabilities::allow_all));
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            hub: hub.clone(),
            script: runtime_script(hub, &config, &socket_url),
            config,
            assets,
            csp: self.csp.clone().flatten(),
            authority: address.to_string(),
            cookie: format!("ipc-browser-{}", address.port()),
            origin: origin.clone(),
            token: token.clone(),
            stopped: stopped.clone(),
        });
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let mut until_stopped = stopped;
        hub.runtime().spawn(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => listener,
                Err(err) => return tracing::error!("browser mode could not listen at {address}: {err}"),
            };
            let stopping = async move {
                let _ = until_stopped.wait_for(|stopped| *stopped).await;
            };
            if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(stopping).await {
                tracing::error!("browser mode stopped serving at {address}: {err}");
            }
        });
        Ok(BrowserServer {
            url: format!("{origin}/?{TOKEN_PARAMETER}={token}"),
            socket_url,
            origin,
            address,
            stop,
        })
    }
}

/// A running browser mode: what to open, and the server itself, which stops (closing every tab's socket) when this
/// is dropped.
#[derive(Debug)]
pub struct BrowserServer {
    url: String,
    socket_url: String,
    origin: String,
    address: SocketAddr,
    stop: watch::Sender<bool>,
}

impl BrowserServer {
    /// The URL to open in a browser, token included: `http://127.0.0.1:<port>/?ipc=<token>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The WebSocket URL the served runtime connects to, token included.
    pub fn socket_url(&self) -> &str {
        &self.socket_url
    }

    /// The served origin, `http://127.0.0.1:<port>`: the only `Origin` a socket may be opened from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for BrowserServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What every request of one server needs.
struct Shared {
    hub: Hub,
    /// How each tab is attached: the served origin as the app's own, and the tabs' capabilities.
    config: WindowConfig,
    assets: Assets,
    csp: Option<String>,
    /// `127.0.0.1:<port>`: the only `Host` served.
    authority: String,
    /// `http://127.0.0.1:<port>`: the only `Origin` a socket opens from.
    origin: String,
    token: String,
    /// The name of the cookie that carries the token.
    cookie: String,
    /// `/__ipc/runtime.js`.
    script: String,
    stopped: watch::Receiver<bool>,
}

/// The runtime and the service clients in a scope of their own, bridged to a WebSocket the script opens at once:
/// messages posted before it is open wait for it, text goes as text and frames as binary messages, and every message
/// from the host (text, or an `ArrayBuffer` frame) goes to the runtime.
fn runtime_script(hub: &Hub, config: &WindowConfig, socket_url: &str) -> String {
    let url = serde_json::to_string(socket_url).expect("a string always serializes");
    let bridge = Bridge::new("post", "connect");
    format!(
        r#"// The ipc runtime in browser mode, bridged to the app's WebSocket.
(() => {{
  "use strict";
  const socket = new WebSocket({url});
  socket.binaryType = "arraybuffer";
  const waiting = [];
  socket.addEventListener("open", () => {{
    for (const message of waiting.splice(0)) socket.send(message);
  }});
  socket.addEventListener("close", () => {{
    console.error("host: the app's socket closed (the app stopped, or refused this page); reload once it runs");
  }});
  const post = (message) => {{
    if (socket.readyState === WebSocket.CONNECTING) {{
      waiting.push(message);
    }} else if (socket.readyState === WebSocket.OPEN) {{
      socket.send(message);
    }} else {{
      throw new Error("the app's socket is closed");
    }}
  }};
  const connect = (receive) => socket.addEventListener("message", (event) => receive(event.data));
{}
}})();
"#,
        page_script(hub, &bridge, config)
    )
}

/// Answers every request: the socket, the runtime, or a file of the front end.
async fn handle(
    State(shared): State<Arc<Shared>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    request: Request,
) -> Response {
    let headers = request.headers();
    if header_text(headers, header::HOST) != Some(shared.authority.as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "only requests for the address the app printed are served",
        );
    }
    let path = request.uri().path();
    let query_token = request.uri().query().is_some_and(|query| {
        query.split('&').any(|pair| {
            pair.strip_prefix(TOKEN_PARAMETER)
                .and_then(|rest| rest.strip_prefix('='))
                .is_some_and(|token| same_secret(token, &shared.token))
        })
    });
    if path == SOCKET_PATH {
        if !query_token {
            tracing::warn!("browser mode: a socket without this run's token was refused");
            return refuse(StatusCode::FORBIDDEN, "this run's token is missing or wrong");
        }
        if header_text(headers, header::ORIGIN) != Some(shared.origin.as_str()) {
            tracing::warn!("browser mode: a socket opened from another origin was refused");
            return refuse(StatusCode::FORBIDDEN, "sockets open only from the served origin");
        }
        let upgrade = match upgrade {
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
        // The hub answers a request beyond its limit (PAYLOAD_TOO_LARGE) as long as the socket carries it.
        let limit = shared.hub.limits().max_request_size.saturating_add(1 << 20);
        return upgrade
            .max_message_size(limit)
            .on_upgrade(move |socket| session(socket, shared));
    }
    let cookie_token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, token)| name == shared.cookie && same_secret(token, &shared.token));
    if !query_token && !cookie_token {
        return refuse(
            StatusCode::FORBIDDEN,
            "open the URL the app printed: it carries this run's token",
        );
    }
    // The runtime carries the token: only the app's own pages may load it (a page of another port of this host is
    // same-site, so its `<script src>` would carry the cookie; browsers say where a request comes from).
    let fetched_from = header_text(request.headers(), HeaderName::from_static("sec-fetch-site"));
    if path == RUNTIME_PATH && fetched_from.is_some_and(|site| site != "same-origin") {
        return refuse(
            StatusCode::FORBIDDEN,
            "the runtime is served to the app's own pages only",
        );
    }
    let mut response = if path == RUNTIME_PATH {
        file_response(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            Body::from(shared.script.clone()),
        )
    } else if path.starts_with("/__ipc/") {
        refuse(StatusCode::NOT_FOUND, "not found")
    } else {
        serve_asset(&shared, request.method(), request.uri())
    };
    let headers = response.headers_mut();
    if let Some(csp) = shared.csp.as_deref().and_then(|csp| HeaderValue::from_str(csp).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if query_token {
        let cookie = format!("{}={}; Path=/; HttpOnly; SameSite=Strict", shared.cookie, shared.token);
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// A file of the front end, each HTML page with the runtime's script tag first in its `<head>`.
fn serve_asset(shared: &Shared, method: &Method, uri: &axum::http::Uri) -> Response {
    let request = axum::http::Request::builder()
        .method(method.clone())
        .uri(uri.clone())
        .body(Vec::new())
        .expect("a method and a URI make a request");
    let served = shared.assets.serve(&request, None);
    let status = served.status();
    let kind = header_text(served.headers(), header::CONTENT_TYPE)
        .unwrap_or("application/octet-stream")
        .to_owned();
    let body = served.into_body();
    let body = if kind.starts_with("text/html") && !body.is_empty() {
        Body::from(with_runtime(&String::from_utf8_lossy(&body)))
    } else {
        Body::from(body)
    };
    file_response(status, &kind, body)
}

/// `html` with `<script src="/__ipc/runtime.js">` at the start of its `<head>` (or, without one, after its `<html>`
/// tag or doctype, or first), so it runs before any of the page's scripts.
fn with_runtime(html: &str) -> String {
    let tag = format!(r#"<script src="{RUNTIME_PATH}"></script>"#);
    let lower = html.to_ascii_lowercase();
    let after = |open: &str| {
        let start = lower.find(open)?;
        // `<head>` or `<head ...>`, not `<header>`.
        let next = lower[start + open.len()..].chars().next()?;
        (next == '>' || next.is_ascii_whitespace())
            .then(|| lower[start..].find('>').map(|end| start + end + 1))
            .flatten()
    };
    let at = after("<head")
        .or_else(|| after("<html"))
        .or_else(|| after("<!doctype"))
        .unwrap_or(0);
    let mut out = String::with_capacity(html.len() + tag.len());
    out.push_str(&html[..at]);
    out.push_str(&tag);
    out.push_str(&html[at..]);
    out
}

/// One tab, for as long as its socket is open: attached as a window, its messages handed to the link in order, and
/// its deliveries sent as they come. When the socket closes (or the server stops), the window is closed: its calls
/// are dropped and its close event published.
async fn session(socket: WebSocket, shared: Arc<Shared>) {
    let woken = Arc::new(Notify::new());
    let wake = Arc::clone(&woken);
    // `notify_one` keeps a wake-up that comes while deliveries are being sent, so none is lost.
    let link = WindowLink::attach(&shared.hub, shared.config.clone(), move || wake.notify_one());
    link.pin_origin(shared.origin.clone());
    let window = link.id();
    tracing::info!(%window, "browser mode: a tab connected");
    let (mut outgoing, mut incoming) = socket.split();
    let mut stopped = shared.stopped.clone();
    if *stopped.borrow_and_update() {
        link.close();
        return;
    }
    'session: loop {
        tokio::select! {
            () = woken.notified() => {
                while let Some(delivery) = link.take_delivery() {
                    let message = if delivery.parts().is_empty() {
                        Message::Text(delivery.text().to_owned().into())
                    } else {
                        Message::Binary(delivery.to_frame().into())
                    };
                    // The delivery counts against the window's queue until the socket has taken it.
                    if outgoing.send(message).await.is_err() {
                        break 'session;
                    }
                    drop(delivery);
                }
            }
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => link.receive(text.as_str().to_owned()),
                Some(Ok(Message::Binary(frame))) => link.receive_frame(frame.to_vec()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break 'session,
            },
            // The only change is the stop, and an error the server's end.
            _ = stopped.changed() => break 'session,
        }
    }
    link.close();
    // Tells the page, when the server stops, that the socket is closing (a page that left hears nothing).
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), outgoing.close()).await;
    tracing::info!(%window, "browser mode: a tab disconnected");
}

fn file_response(status: StatusCode, kind: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(kind) = HeaderValue::from_str(kind) {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    // No page of another origin may load what is served, not even as a script or an image.
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    file_response(status, "text/plain; charset=utf-8", Body::from(why))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_goes_first_in_the_head() {
        let tag = r#"<script src="/__ipc/runtime.js"></script>"#;
        assert_eq!(
            with_runtime("<!doctype html><html><HEAD lang=en><script src=a.js></script></head></html>"),
            format!("<!doctype html><html><HEAD lang=en>{tag}<script src=a.js></script></head></html>")
        );
        assert_eq!(
            with_runtime("<html><header>x</header></html>"),
            format!("<html>{tag}<header>x</header></html>")
        );
        assert_eq!(with_runtime("<p>bare</p>"), format!("{tag}<p>bare</p>"));
    }
}
