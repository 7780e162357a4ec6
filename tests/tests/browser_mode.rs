//! Browser mode from the outside, with no browser: what a local program or another page can and cannot do with the
//! server (every refusal), and a tab's socket speaking the protocol by hand (a call, a push, binary frames, and what a
//! closed socket leaves behind). `e2e/browser.rs` drives a real Chromium against an app.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use ipc_core::{ipc_service, Binary, Hub, WindowEventKind};
use ipc_wry::{Assets, BrowserMode, BrowserServer, Error};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

/// A call that waits until it is dropped, and bytes.
#[ipc_service]
trait Tab {
    /// Never answers; sets the flag when its future is dropped.
    async fn hang(&self);
    /// Four bytes.
    fn bytes(&self) -> Binary;
}

struct TabImpl {
    dropped: Arc<AtomicBool>,
}

struct Flag(Arc<AtomicBool>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Tab for TabImpl {
    async fn hang(&self) {
        let _flag = Flag(Arc::clone(&self.dropped));
        std::future::pending::<()>().await;
    }

    fn bytes(&self) -> Binary {
        Binary::from(vec![1, 2, 3, 4])
    }
}

/// A hub with the `tab` service, served in browser mode, and the flag its hanging calls set when dropped.
fn served(runtime: &tokio::runtime::Runtime) -> (Hub, BrowserServer, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let service = TabImpl {
        dropped: Arc::clone(&dropped),
    };
    let hub = Hub::builder()
        .runtime(runtime.handle().clone())
        .service(service.into_service())
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "ipc-browser-mode-{}-{}",
        std::process::id(),
        ipc_core::transport::new_secret()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html><head><title>t</title></head><body></body></html>",
    )
    .unwrap();
    let server = BrowserMode::new()
        .assets(Assets::dir(&dir).unwrap())
        .serve(&hub)
        .unwrap();
    (hub, server, dropped)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The token in the server's URL.
fn token(server: &BrowserServer) -> String {
    server.url().split_once("?ipc=").unwrap().1.to_owned()
}

/// Opens a socket at `url` with `origin` (if any); the HTTP status of a refused handshake.
async fn open(url: &str, origin: Option<&str>) -> Result<Socket, u16> {
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("the handshake failed otherwise than by an HTTP answer: {other}"),
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One plain HTTP/1.1 request; the status line, the headers and the body, as text.
fn http(server: &BrowserServer, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(server.address()).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {}\r\n", server.address()));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// Says hello on `socket` and returns the page secret of the welcome.
async fn welcome(socket: &mut Socket, origin: &str) -> String {
    let hello = format!(r#"{{"type":"hello","nonce":"n-1","origin":"{origin}"}}"#);
    socket.send(Message::text(hello)).await.unwrap();
    let text = next_text(socket).await;
    let welcome: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(welcome["messages"][0]["type"], "welcome", "{text}");
    let secret = welcome["messages"][0]["page"].as_str().unwrap().to_owned();
    socket
        .send(Message::text(format!(r#"{secret}:{{"type":"ready"}}"#)))
        .await
        .unwrap();
    secret
}

async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s")
        .expect("the socket is open")
        .unwrap()
}

async fn next_text(socket: &mut Socket) -> String {
    match next_message(socket).await {
        Message::Text(text) => text.as_str().to_owned(),
        other => panic!("expected text, got {other:?}"),
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[test]
fn a_socket_without_this_runs_token_is_refused() {
    let runtime = runtime();
    let (hub, server, _) = served(&runtime);
    let base = server.socket_url().split_once('?').unwrap().0.to_owned();
    runtime.block_on(async {
        assert_eq!(open(&base, Some(server.origin())).await.err(), Some(403), "no token");
        let wrong = format!("{base}?ipc={}", ipc_core::transport::new_secret());
        assert_eq!(
            open(&wrong, Some(server.origin())).await.err(),
            Some(403),
            "another token"
        );
        let short = format!("{base}?ipc={}", &token(&server)[..8]);
        assert_eq!(
            open(&short, Some(server.origin())).await.err(),
            Some(403),
            "a prefix of the token"
        );
    });
    assert!(hub.windows().is_empty(), "no window was attached");
}

#[test]
fn a_socket_opened_from_another_origin_is_refused() {
    let runtime = runtime();
    let (hub, server, _) = served(&runtime);
    runtime.block_on(async {
        let other_port = format!("http://127.0.0.1:{}", server.address().port().wrapping_add(1));
        assert_eq!(
            open(server.socket_url(), Some(&other_port)).await.err(),
            Some(403),
            "another local page"
        );
        assert_eq!(
            open(server.socket_url(), Some("https://example.com")).await.err(),
            Some(403),
            "a website"
        );
        assert_eq!(
            open(server.socket_url(), Some("null")).await.err(),
            Some(403),
            "an opaque origin"
        );
        assert_eq!(
            open(server.socket_url(), None).await.err(),
            Some(403),
            "no origin at all"
        );
    });
    assert!(hub.windows().is_empty(), "no window was attached");
}

#[test]
fn pages_and_the_runtime_are_served_only_with_the_token() {
    let runtime = runtime();
    let (_hub, server, _) = served(&runtime);
    let token = token(&server);
    assert_eq!(http(&server, "/", &[]).0, 403, "the page without the token");
    assert_eq!(
        http(&server, "/__ipc/runtime.js", &[]).0,
        403,
        "the runtime without the token"
    );
    assert_eq!(
        http(&server, &format!("/?ipc={}", "0".repeat(32)), &[]).0,
        403,
        "a wrong token"
    );

    let (status, head, body) = http(&server, &format!("/?ipc={token}"), &[]);
    assert_eq!(status, 200);
    let cookie = format!(
        "ipc-browser-{}={token}; Path=/; HttpOnly; SameSite=Strict",
        server.address().port()
    );
    assert!(
        head.contains(&format!("set-cookie: {cookie}")),
        "the token is kept in a cookie: {head}"
    );
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    assert!(
        body.contains(r#"<head><script src="/__ipc/runtime.js"></script><title>"#),
        "the runtime comes first in the head: {body}"
    );

    let with_cookie = format!("ipc-browser-{}={token}", server.address().port());
    let (status, _, script) = http(&server, "/__ipc/runtime.js", &[("Cookie", &with_cookie)]);
    assert_eq!(status, 200, "the cookie stands for the token");
    assert!(
        script.contains("new WebSocket(") && script.contains("host.services"),
        "{script}"
    );
    let (status, head, _) = http(
        &server,
        "/__ipc/runtime.js",
        &[("Cookie", &with_cookie), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(status, 200, "the app's own page loads its runtime");
    assert!(head.contains("cross-origin-resource-policy: same-origin"), "{head}");
    for site in ["same-site", "cross-site"] {
        // A page on another port of this host is same-site: its `<script src>` would carry the cookie.
        let from_elsewhere = [("Cookie", with_cookie.as_str()), ("Sec-Fetch-Site", site)];
        assert_eq!(
            http(&server, "/__ipc/runtime.js", &from_elsewhere).0,
            403,
            "the runtime loaded from {site}"
        );
    }
    let another_port = format!("ipc-browser-{}={token}", server.address().port().wrapping_add(1));
    assert_eq!(
        http(&server, "/", &[("Cookie", &another_port)]).0,
        403,
        "a cookie of another port"
    );
}

#[test]
fn requests_for_another_host_are_refused() {
    let runtime = runtime();
    let (hub, server, _) = served(&runtime);
    let token = token(&server);
    // A page of a DNS-rebound name reaches the port with its own name as the host.
    let rebound = format!("attacker.example:{}", server.address().port());
    assert_eq!(http(&server, &format!("/?ipc={token}"), &[("Host", &rebound)]).0, 403);
    let mut request = server.socket_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("host", HeaderValue::from_str(&rebound).unwrap());
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(&format!("http://{rebound}")).unwrap());
    let refused = runtime.block_on(tokio_tungstenite::connect_async(request));
    assert!(
        matches!(refused, Err(tungstenite::Error::Http(ref r)) if r.status() == 403),
        "{refused:?}"
    );
    assert!(hub.windows().is_empty());
}

#[test]
fn only_loopback_addresses_are_served() {
    let runtime = runtime();
    let (hub, _server, _) = served(&runtime);
    let dir = std::env::temp_dir().join(format!("ipc-browser-loopback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>x</p>").unwrap();
    let assets = Assets::dir(&dir).unwrap();
    for address in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let address: std::net::SocketAddr = address.parse().unwrap();
        match BrowserMode::new().address(address).assets(assets.clone()).serve(&hub) {
            Err(Error::BrowserMode { problem, .. }) => {
                assert!(problem.contains("only a loopback address"), "{problem}")
            }
            other => panic!("{address} was not refused: {other:?}"),
        }
    }
    let missing = BrowserMode::new().serve(&hub);
    assert!(matches!(missing, Err(Error::BrowserMode { ref problem, .. }) if problem.contains("no front end")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tab_calls_and_receives_pushes_and_binary_frames() {
    let runtime = runtime();
    let (hub, server, _) = served(&runtime);
    runtime.block_on(async {
        let mut socket = open(server.socket_url(), Some(server.origin())).await.unwrap();
        let secret = welcome(&mut socket, server.origin()).await;
        assert_eq!(hub.windows().len(), 1, "the tab is a window");

        hub.broadcast_all("tab.news", &"hello").unwrap();
        let pushed = next_text(&mut socket).await;
        assert!(
            pushed.contains(r#"{"type":"event","channel":"tab.news","payload":"hello"}"#),
            "{pushed}"
        );

        let call = format!(r#"{secret}:{{"type":"invoke","id":1,"channel":"tab.bytes"}}"#);
        socket.send(Message::text(call)).await.unwrap();
        let frame = match next_message(&mut socket).await {
            Message::Binary(frame) => frame,
            other => panic!("an answer with bytes comes as a binary frame, not {other:?}"),
        };
        let text_length = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
        let text = std::str::from_utf8(&frame[4..4 + text_length]).unwrap();
        assert!(text.contains(r#""id":1,"success":true"#), "{text}");
        assert_eq!(
            &frame[4 + text_length..],
            &[4, 0, 0, 0, 1, 2, 3, 4],
            "one part: its length, its bytes"
        );

        // A call refused by its channel travels the same way, as text.
        let call = format!(r#"{secret}:{{"type":"invoke","id":2,"channel":"tab.nothing"}}"#);
        socket.send(Message::text(call)).await.unwrap();
        assert!(next_text(&mut socket).await.contains(r#""kind":"UNKNOWN_CHANNEL""#));
    });
}

#[test]
fn a_closed_socket_detaches_its_window_and_drops_its_calls() {
    let runtime = runtime();
    let (hub, server, dropped) = served(&runtime);
    let mut closes = hub.window_events();
    runtime.block_on(async {
        let mut socket = open(server.socket_url(), Some(server.origin())).await.unwrap();
        let secret = welcome(&mut socket, server.origin()).await;
        let window = hub.windows()[0];
        let call = format!(r#"{secret}:{{"type":"invoke","id":1,"channel":"tab.hang"}}"#);
        socket.send(Message::text(call)).await.unwrap();
        eventually("the call starting", || hub.calls_in_flight(window) == 1).await;

        socket.close(None).await.unwrap();
        eventually("the window detaching", || !hub.has_window(window)).await;
        eventually("the call's future being dropped", || dropped.load(Ordering::SeqCst)).await;
        let event = tokio::time::timeout(Duration::from_secs(5), closes.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((event.window(), event.kind()), (window, Some(WindowEventKind::Close)));
        assert!(matches!(
            hub.send_to_window(window, "tab.news", &1),
            Err(ipc_core::Error::WindowNotFound(_))
        ));
    });
}

#[test]
fn dropping_the_server_closes_its_tabs() {
    let runtime = runtime();
    let (hub, server, _) = served(&runtime);
    runtime.block_on(async {
        let mut socket = open(server.socket_url(), Some(server.origin())).await.unwrap();
        welcome(&mut socket, server.origin()).await;
        let window = hub.windows()[0];
        let socket_url = server.socket_url().to_owned();
        drop(server);
        eventually("the tab's window detaching", || !hub.has_window(window)).await;
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok(message)) = socket.next().await {
                if message.is_close() {
                    break;
                }
            }
        });
        assert!(ended.await.is_ok(), "the tab's socket was closed");
        let mut request = socket_url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str("http://x").unwrap());
        assert!(
            tokio_tungstenite::connect_async(request).await.is_err(),
            "nothing listens any more"
        );
    });
}

#[test]
fn a_hello_claiming_another_origin_gets_no_secret() {
    let runtime = runtime();
    let (_hub, server, _) = served(&runtime);
    runtime.block_on(async {
        let mut socket = open(server.socket_url(), Some(server.origin())).await.unwrap();
        let liar = r#"{"type":"hello","nonce":"liar","origin":"app://localhost"}"#;
        socket.send(Message::text(liar)).await.unwrap();
        // Pinned to the served origin: only the honest hello is welcomed.
        let secret = welcome(&mut socket, server.origin()).await;
        assert_eq!(secret.len(), 32);
    });
}
