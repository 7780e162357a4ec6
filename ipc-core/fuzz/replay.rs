//! One fuzz input replayed through an in-process hub, as a hostile page would post it. Shared by the `request` fuzz
//! target (`fuzz_targets/request.rs`) and by `tests/tests/fuzz_corpus.rs`, which replays the corpus on stable.
//!
//! An input is a sequence of page messages separated by the byte `0xFF`, which never occurs in UTF-8 text. The first
//! byte of each message says how it is posted; the rest is its text:
//!
//! | first byte % 6 | posted as |
//! |---|---|
//! | 0 | signed with the secret of the client's own page |
//! | 1 | unsigned, as a frame or a script posting past the runtime would |
//! | 2 | a well-formed hello whose origin is the text (when short); its welcome is awaited before going on |
//! | 3 | signed with the secret of the newest welcomed page (the client's own before any) |
//! | 4 | a navigation of the window to a page whose origin is the text |
//! | 5 | a host push of the text, as a JSON string, on `fuzz.push` |
//!
//! A message that is not valid UTF-8 is refused before the hub, as a transport that carries only strings would.
//!
//! Whatever the input, the replay checks that every delivery is JSON addressed to one page, that every answer has an
//! id a page can read and a known error code with a short message, that no call stays in flight and nothing stays
//! queued once everything was read, and that it all ends within [`LIMIT`]. A panic anywhere in the hub (even one
//! caught by tokio or by the hub itself) is a failure: the fuzz service never panics.

use std::collections::HashMap;
use std::time::Duration;

use ipc_core::protocol::MAX_ID;
use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Capabilities, Hub, WindowConfig};
use serde_json::value::RawValue;
use serde_json::Value;

/// The byte between two messages of an input.
pub const SEPARATOR: u8 = 0xFF;

/// How long one input may take, end to end.
pub const LIMIT: Duration = Duration::from_secs(5);

/// The longest error message an answer may carry, whatever the page sent.
///
/// Known exception: an `INVALID_ARGUMENTS` message quotes the path of a decoding failure whole, and a path holds map
/// keys of any length the page chose (`counts.kkkk…: invalid type: …`). Until ipc-core shortens it, such a message is
/// only checked not to be longer than the input plus this bound: no amplification.
pub const MAX_ERROR_MESSAGE: usize = 1024;

/// The service under fuzz: arguments of every shape, a validated method, a failing one, a slow one, and one the
/// window may not call.
#[ipc_service(name = "fuzz")]
pub trait Fuzz {
    /// Adds two integers (wrapping).
    fn add(&self, a: i64, b: i64) -> i64;
    /// Answers any JSON value unchanged.
    fn echo(&self, value: Value) -> Value;
    /// Counts what it was given.
    fn tally(&self, counts: HashMap<String, u8>, tags: Vec<String>, note: Option<String>) -> usize;
    /// Validated arguments.
    fn check(
        &self,
        #[validate(length(min = 1, max = 8), pattern = "^[a-z]+$")] name: String,
        #[validate(range(min = 1, max = 9))] level: u8,
    ) -> String;
    /// Fails with `reason`.
    fn fail(&self, reason: String) -> Result<(), String>;
    /// Sleeps up to 255 ms; the hub's 20 ms deadline cuts it short.
    async fn nap(&self, millis: u8) -> u8;
    /// Denied to the window by its capabilities.
    fn secret(&self) -> bool;
}

/// The implementation: never panics.
pub struct FuzzImpl;

impl Fuzz for FuzzImpl {
    fn add(&self, a: i64, b: i64) -> i64 {
        a.wrapping_add(b)
    }

    fn echo(&self, value: Value) -> Value {
        value
    }

    fn tally(&self, counts: HashMap<String, u8>, tags: Vec<String>, note: Option<String>) -> usize {
        counts.values().map(|&n| usize::from(n)).sum::<usize>() + tags.len() + usize::from(note.is_some())
    }

    fn check(&self, name: String, level: u8) -> String {
        format!("{name}@{level}")
    }

    fn fail(&self, reason: String) -> Result<(), String> {
        Err(reason)
    }

    async fn nap(&self, millis: u8) -> u8 {
        tokio::time::sleep(Duration::from_millis(u64::from(millis))).await;
        millis
    }

    fn secret(&self) -> bool {
        true
    }
}

/// What one input did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Replay {
    /// Messages posted to the hub (or pushed by the host).
    pub posted: usize,
    /// Messages refused before the hub because they are not UTF-8.
    pub not_utf8: usize,
    /// Answers delivered, to any page.
    pub answers: usize,
    /// Welcomes delivered.
    pub welcomes: usize,
    /// Pushes delivered.
    pub pushes: usize,
}

/// The runtime inputs are replayed on: one thread, so a replay is as repeatable as the hub allows.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime starts")
}

/// Replays `data` through a fresh hub and window, checking the hub's answers as it goes.
///
/// # Panics
///
/// If the hub breaks one of the rules in the [module docs](self), or the input takes longer than [`LIMIT`].
pub fn replay(runtime: &tokio::runtime::Runtime, data: &[u8]) -> Replay {
    runtime.block_on(async {
        match tokio::time::timeout(LIMIT, run(data)).await {
            Ok(replay) => replay,
            Err(_) => panic!("the input was not done within {LIMIT:?}"),
        }
    })
}

struct Session {
    client: TestClient,
    /// The input's length, which bounds how much of it an error message may quote (see [`MAX_ERROR_MESSAGE`]).
    input: usize,
    /// The secret of the newest page the host welcomed.
    welcomed: Option<String>,
    nonces: u64,
    replay: Replay,
}

async fn run(data: &[u8]) -> Replay {
    let hub = Hub::builder()
        .service(FuzzImpl.into_service())
        .max_request_size(2048)
        .max_in_flight(4)
        .call_timeout(Some(Duration::from_millis(20)))
        .max_queued_bytes(4096)
        .max_pending_requests(16 * 1024)
        .subscriber_capacity(8)
        .build()
        .expect("the fuzz hub builds");
    let config =
        WindowConfig::new(TestClient::DEFAULT_ORIGIN).capabilities(Capabilities::allow_all().deny("fuzz.secret"));
    // Subscribed and never read: what pages send piles up to the subscriber's capacity and no further.
    let events = hub.events();
    let mut session = Session {
        client: TestClient::with_config(&hub, config, TestClient::DEFAULT_ORIGIN),
        input: data.len(),
        welcomed: None,
        nonces: 0,
        replay: Replay::default(),
    };
    let window = session.client.window();
    for message in data.split(|&b| b == SEPARATOR) {
        let Some((&mode, text)) = message.split_first() else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(text) else {
            session.replay.not_utf8 += 1;
            continue;
        };
        session.replay.posted += 1;
        match mode % 6 {
            0 => session.client.post(text),
            1 => session.client.post_unsigned(text),
            2 => session.hello(short(text)).await,
            3 => {
                let secret = session.welcomed.as_deref().unwrap_or(session.client.secret());
                session.client.link().receive(format!("{secret}:{text}"));
            }
            4 => session.client.navigate(short(text)),
            _ => {
                // Refused once the queue is full or the page shown is foreign: both are fine here.
                let _ = hub.send_to_window(window, "fuzz.push", text);
            }
        }
    }
    // The hub reads a window's messages in order: once the welcome of a last hello arrives, all were read.
    session.hello(TestClient::DEFAULT_ORIGIN).await;
    while hub.calls_in_flight(window) > 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::task::yield_now().await;
    session.drain(None);
    assert_eq!(
        hub.queued_bytes(window),
        0,
        "bytes stay queued for a window whose page took everything"
    );
    assert!(
        events.dropped() <= session.replay.posted as u64,
        "a subscriber dropped more events than were sent"
    );
    drop(session.client);
    assert!(!hub.has_window(window));
    session.replay
}

impl Session {
    /// Says hello as a new page's runtime would, and waits for the welcome.
    async fn hello(&mut self, origin: &str) {
        self.nonces += 1;
        let nonce = format!("fuzz-{}", self.nonces);
        let hello = serde_json::json!({"type": "hello", "nonce": nonce, "origin": origin});
        self.client.post_unsigned(&hello.to_string());
        while !self.drain(Some(&nonce)) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Takes every delivery waiting and checks it; returns whether the welcome for `nonce` was among them.
    fn drain(&mut self, nonce: Option<&str>) -> bool {
        let mut found = false;
        while let Some(delivery) = self.client.link().take_delivery() {
            found |= self.check(delivery.text(), nonce);
        }
        found
    }

    fn check(&mut self, text: &str, nonce: Option<&str>) -> bool {
        // Read one level at a time: a page's `JSON.parse` has no depth limit, serde_json's `Value` stops at 128.
        let delivery: Fields<'_> =
            serde_json::from_str(text).unwrap_or_else(|err| panic!("a delivery is not JSON ({err}): {text}"));
        let page = field(&delivery, "page");
        assert!(page.is_null() || page.is_string(), "a delivery names its page: {text}");
        let messages: Vec<&RawValue> = delivery
            .get("messages")
            .and_then(|m| serde_json::from_str(m.get()).ok())
            .unwrap_or_else(|| panic!("a delivery carries a list of messages: {text}"));
        assert!(!messages.is_empty(), "an empty delivery: {text}");
        let mut found = false;
        for message in messages {
            let message: Fields<'_> = serde_json::from_str(message.get()).expect("a message is an object");
            match field(&message, "type").as_str() {
                Some("welcome") => {
                    assert!(page.is_null(), "a welcome is addressed to no page yet: {text}");
                    let secret = field(&message, "page");
                    let secret = secret.as_str().expect("a welcome carries the page's secret");
                    self.replay.welcomes += 1;
                    if nonce.is_some() && field(&message, "nonce").as_str() == nonce {
                        self.welcomed = Some(secret.to_owned());
                        found = true;
                    }
                }
                Some("answer") => {
                    assert!(
                        page.is_string(),
                        "an answer is addressed to the page that asked: {text}"
                    );
                    self.replay.answers += 1;
                    check_answer(&message, self.input);
                }
                Some("event") => {
                    assert!(page.is_string(), "a push is addressed to a page: {text}");
                    assert_eq!(
                        field(&message, "channel"),
                        "fuzz.push",
                        "only the host pushes, on its channel"
                    );
                    self.replay.pushes += 1;
                }
                _ => panic!("a message of unknown type in {text}"),
            }
        }
        found
    }
}

/// One JSON object's fields, unparsed.
type Fields<'a> = HashMap<&'a str, &'a RawValue>;

/// A field of a small value parsed (`null` if absent).
fn field(fields: &Fields<'_>, name: &str) -> Value {
    fields.get(name).map_or(Value::Null, |raw| {
        serde_json::from_str(raw.get()).unwrap_or_else(|err| panic!("`{name}` is not JSON ({err})"))
    })
}

fn check_answer(answer: &Fields<'_>, input: usize) {
    let id = field(answer, "id");
    assert!(
        id.is_null() || id.as_i64().is_some_and(|id| id.abs() <= MAX_ID),
        "an answer's id is null or an integer a page reads exactly: {id}"
    );
    let data_is_null = answer.get("data").is_some_and(|data| data.get() == "null");
    match field(answer, "success").as_bool() {
        Some(true) => assert!(field(answer, "error").is_null(), "a success carries no error"),
        Some(false) => {
            let error = field(answer, "error");
            let code = error["code"].as_u64().expect("an error has a numeric code");
            assert!((7000..=7014).contains(&code), "an undocumented error code {code}");
            assert!(data_is_null, "a failure carries no data");
            let message = error["message"].as_str().expect("an error has a message");
            let bound = if code == 7006 {
                input + MAX_ERROR_MESSAGE
            } else {
                MAX_ERROR_MESSAGE
            };
            assert!(
                message.len() <= bound,
                "an error message of {} bytes (code {code}) starts: {}",
                message.len(),
                message.chars().take(200).collect::<String>()
            );
        }
        None => panic!("an answer says whether it succeeded"),
    }
}

/// The text as an origin, when it is short enough to be one (a hello's fields are at most 256 bytes).
fn short(text: &str) -> &str {
    if text.len() <= 200 {
        text
    } else {
        TestClient::DEFAULT_ORIGIN
    }
}
