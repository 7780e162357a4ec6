//! An in-process renderer for tests: send the JSON text a page would send, get back the JSON text it would receive.

use serde_json::json;
use tokio::sync::mpsc;

use crate::context::WindowId;
use crate::hub::{Hub, WindowConfig};

/// A renderer without a WebView. It attaches itself to the hub as a window and goes through the same path as a real
/// page: [`Hub::handle_request`] in, the window's endpoint out.
///
/// ```
/// use ipc_core::{ipc_service, testing::TestClient, Hub};
///
/// #[ipc_service]
/// trait Counter {
///     fn double(&self, n: i32) -> i32;
/// }
///
/// struct Impl;
/// impl Counter for Impl {
///     fn double(&self, n: i32) -> i32 {
///         n * 2
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hub = Hub::builder().service(Impl.into_service()).build().unwrap();
/// let mut page = TestClient::new(&hub);
/// let answer = page.invoke("counter.double", r#"{"n": 21}"#).await;
/// assert_eq!(answer, r#"{"type":"answer","id":1,"success":true,"data":42,"error":null}"#);
/// # }
/// ```
pub struct TestClient {
    hub: Hub,
    window: WindowId,
    origin: String,
    inbox: mpsc::UnboundedReceiver<String>,
    next_id: u64,
}

impl TestClient {
    /// The origin test clients report unless told otherwise.
    pub const DEFAULT_ORIGIN: &'static str = "app://localhost";

    /// Attaches a new window to `hub` with the default [`WindowConfig`]; its page has origin
    /// [`Self::DEFAULT_ORIGIN`].
    pub fn new(hub: &Hub) -> Self {
        TestClient::with_config(hub, WindowConfig::default(), Self::DEFAULT_ORIGIN)
    }

    /// Attaches a new window to `hub` with `config` (capabilities, app origin), whose page reports `origin`.
    pub fn with_config(hub: &Hub, config: WindowConfig, origin: &str) -> Self {
        let (tx, inbox) = mpsc::unbounded_channel();
        let window = hub.attach_window_with(config, |_| {
            move |message: String| {
                // The receiver lives as long as the client; after that, messages have nobody to go to.
                let _ = tx.send(message);
            }
        });
        TestClient {
            hub: hub.clone(),
            window,
            origin: origin.to_owned(),
            inbox,
            next_id: 1,
        }
    }

    /// Sends a one-way message as `host.send(channel, payload)` does (`payload` is JSON text).
    ///
    /// # Panics
    ///
    /// If `payload` is not valid JSON.
    pub fn send(&self, channel: &str, payload: &str) {
        let payload: serde_json::Value = serde_json::from_str(payload).expect("`payload` is valid JSON");
        let message = json!({"type": "send", "channel": channel, "payload": payload});
        self.hub.handle_request(self.window, &self.origin, message.to_string());
    }

    /// Sends `request` exactly as given, expecting no answer (for one-way messages).
    pub fn post(&self, request: &str) {
        self.hub.handle_request(self.window, &self.origin, request.to_owned());
    }

    /// The window id this client has in the hub.
    pub fn window(&self) -> WindowId {
        self.window
    }

    /// Sends `request` exactly as given and returns the next message the window receives.
    ///
    /// # Panics
    ///
    /// If the hub drops the window's endpoint before answering.
    pub async fn request(&mut self, request: &str) -> String {
        self.hub.handle_request(self.window, &self.origin, request.to_owned());
        self.inbox
            .recv()
            .await
            .expect("the hub answers every request while the window is attached")
    }

    /// Waits for the next message delivered to this window (an answer, or later a push from the host).
    ///
    /// Returns `None` if the hub dropped the window's endpoint.
    pub async fn next_message(&mut self) -> Option<String> {
        self.inbox.recv().await
    }

    /// Calls `channel` with `args` (the JSON text of the arguments object) in a well-formed envelope, as the generated
    /// client does, and returns the answer text. Ids count up from 1.
    ///
    /// # Panics
    ///
    /// If `args` is not valid JSON: a malformed payload is sent with [`request`](Self::request) instead.
    pub async fn invoke(&mut self, channel: &str, args: &str) -> String {
        let args: serde_json::Value = serde_json::from_str(args).expect("`args` is valid JSON");
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"type": "invoke", "id": id, "channel": channel, "args": args});
        self.request(&request.to_string()).await
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.hub.detach_window(self.window);
    }
}
