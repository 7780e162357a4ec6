//! An in-process renderer for tests: send the JSON text a page would send, get back the JSON text it would receive.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use tokio::sync::Notify;

use crate::hub::Hub;
use crate::transport::WindowLink;
use crate::window::{WindowConfig, WindowId};

/// A renderer without a WebView. It attaches itself to the hub as a window, as a transport would, and speaks for one
/// page load at a time: its messages carry that page's secret, and it receives only what is addressed to that page.
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
    link: WindowLink,
    secret: String,
    woken: Arc<Notify>,
    inbox: VecDeque<(String, Vec<bytes::Bytes>)>,
    next_id: i64,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient").field("window", &self.window()).finish()
    }
}

/// The credit [`TestClient::stream`] gives a stream with its call.
pub const STREAM_WINDOW: u32 = 16;

/// The type and id of a message for the page.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    id: Option<i64>,
}

#[derive(Deserialize)]
struct Delivery<'a> {
    page: Option<&'a str>,
    #[serde(borrow)]
    messages: Vec<&'a RawValue>,
}

/// How many binary parts a delivered message says are its own.
#[derive(Deserialize)]
struct Counted {
    binary: Option<Count>,
}

#[derive(Deserialize)]
struct Count {
    count: usize,
}

impl TestClient {
    /// The origin of the app's content in windows of test clients, unless told otherwise.
    pub const DEFAULT_ORIGIN: &'static str = "test://app";

    /// Attaches a new window to `hub` whose app origin is [`Self::DEFAULT_ORIGIN`], showing a page of that origin.
    pub fn new(hub: &Hub) -> Self {
        TestClient::with_config(hub, WindowConfig::new(Self::DEFAULT_ORIGIN), Self::DEFAULT_ORIGIN)
    }

    /// Attaches a new window to `hub` with `config` (capabilities, app origin), showing a page of `origin`.
    pub fn with_config(hub: &Hub, config: WindowConfig, origin: &str) -> Self {
        let woken = Arc::new(Notify::new());
        let wake = Arc::clone(&woken);
        let link = WindowLink::attach(hub, config, move || wake.notify_one());
        let secret = link.open_page(origin);
        TestClient {
            link,
            secret,
            woken,
            inbox: VecDeque::new(),
            next_id: 1,
        }
    }

    /// The window id this client has in the hub.
    pub fn window(&self) -> WindowId {
        self.link.id()
    }

    /// The secret of the page load this client speaks for.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Loads a new page of `origin` in the window, as a navigation or reload would: the previous page is retired
    /// (its calls dropped, answers to it never delivered), ids start again from 1, and messages still waiting for
    /// the old page are discarded.
    pub fn navigate(&mut self, origin: &str) {
        self.secret = self.link.open_page(origin);
        self.inbox.clear();
        self.next_id = 1;
    }

    /// Sends a one-way message as `host.send(channel, payload)` does (`payload` is JSON text).
    ///
    /// # Panics
    ///
    /// If `payload` is not valid JSON.
    pub fn send(&self, channel: &str, payload: &str) {
        let payload: serde_json::Value = serde_json::from_str(payload).expect("`payload` is valid JSON");
        self.post(&json!({"type": "send", "channel": channel, "payload": payload}).to_string());
    }

    /// Posts `envelope` exactly as given, under this page's secret (`<secret>:<envelope>`), expecting no answer.
    pub fn post(&self, envelope: &str) {
        self.link.receive(format!("{}:{envelope}", self.secret));
    }

    /// Posts `envelope` under this page's secret as a binary frame with `parts` (see [`crate::protocol`]), as the
    /// runtime posts a request whose arguments hold binary data: the envelope's placeholders and its
    /// `"binary":{"key":...,"count":...}` are the caller's to write. Expects no answer.
    pub fn post_frame(&self, envelope: &str, parts: &[&[u8]]) {
        let parts: Vec<bytes::Bytes> = parts.iter().map(|part| bytes::Bytes::copy_from_slice(part)).collect();
        let text = format!("{}:{envelope}", self.secret);
        self.link.receive_frame(crate::protocol::encode_frame(&text, &parts));
    }

    /// Posts `message` exactly as given, without this page's secret: what a frame or a script posting past the runtime
    /// can do.
    pub fn post_unsigned(&self, message: &str) {
        self.link.receive(message.to_owned());
    }

    /// Posts `envelope` under this page's secret and returns the next message the page receives.
    ///
    /// # Panics
    ///
    /// If the window is detached before a message arrives.
    pub async fn request(&mut self, envelope: &str) -> String {
        self.post(envelope);
        self.next_message()
            .await
            .expect("the hub answers every request while the window is attached")
    }

    /// Waits for the next message delivered to this page (an answer, or a push from the host); deliveries addressed
    /// to other page loads are dropped, as the page's runtime would. Returns `None` if the window was detached.
    pub async fn next_message(&mut self) -> Option<String> {
        self.next_message_with_parts().await.map(|(text, _)| text)
    }

    /// Like [`next_message`](Self::next_message), with the bytes the message's [`Binary`](crate::Binary)
    /// placeholders stand for, in order (see [`crate::protocol`]).
    pub async fn next_message_with_parts(&mut self) -> Option<(String, Vec<bytes::Bytes>)> {
        loop {
            if let Some(message) = self.try_next_message_with_parts() {
                return Some(message);
            }
            if !self.link.hub().has_window(self.window()) {
                return None;
            }
            self.woken.notified().await;
        }
    }

    /// The next message if one is waiting, without waiting.
    pub fn try_next_message(&mut self) -> Option<String> {
        self.try_next_message_with_parts().map(|(text, _)| text)
    }

    fn try_next_message_with_parts(&mut self) -> Option<(String, Vec<bytes::Bytes>)> {
        while self.inbox.is_empty() {
            let delivery = self.link.take_delivery()?;
            let parsed: Delivery<'_> = serde_json::from_str(delivery.text()).expect("deliveries are JSON");
            if parsed.page != Some(self.secret.as_str()) {
                continue;
            }
            let mut parts = delivery.parts().iter().cloned();
            for message in parsed.messages {
                let count = serde_json::from_str::<Counted>(message.get())
                    .ok()
                    .and_then(|m| m.binary)
                    .map_or(0, |b| b.count);
                self.inbox
                    .push_back((message.get().to_owned(), parts.by_ref().take(count).collect()));
            }
        }
        self.inbox.pop_front()
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

    /// Calls `channel`, a method that answers with a stream, and reads the stream to its end as the page's runtime
    /// does: credit for [`STREAM_WINDOW`] items with the call, and more as items are read. Returns each item message
    /// (`{"type":"item","id":...,"data":...}`) and the answer that ended the stream; other messages are dropped.
    ///
    /// # Panics
    ///
    /// If `args` is not valid JSON, or the window is detached before the stream ends.
    pub async fn stream(&mut self, channel: &str, args: &str) -> (Vec<String>, String) {
        let args: serde_json::Value = serde_json::from_str(args).expect("`args` is valid JSON");
        let id = self.next_id;
        self.next_id += 1;
        self.post(&json!({"type": "invoke", "id": id, "channel": channel, "args": args}).to_string());
        self.post(&json!({"type": "credit", "id": id, "count": STREAM_WINDOW}).to_string());
        let mut items = Vec::new();
        loop {
            let message = self
                .next_message()
                .await
                .expect("the window stays attached until the stream ends");
            let Ok(head) = serde_json::from_str::<Head<'_>>(&message) else {
                continue;
            };
            if head.id != Some(id) {
                continue;
            }
            match head.kind {
                "item" => {
                    items.push(message);
                    self.post(&json!({"type": "credit", "id": id, "count": 1}).to_string());
                }
                "answer" => return (items, message),
                _ => {}
            }
        }
    }

    /// The link this client attached with, to post or take deliveries by hand.
    pub fn link(&self) -> &WindowLink {
        &self.link
    }
}
