//! The wire protocol between a renderer and the hub. All messages are JSON text.
//!
//! # Who is speaking: pages and their secret
//!
//! Every page load gets a secret from the host, and every later message starts with it: `<secret>:<envelope>`. The
//! runtime asks for it as soon as it is installed, before the page's own scripts run, and keeps it in a closure no
//! other script or frame can reach:
//!
//! ```json
//! {"type": "hello", "nonce": "5f0c...", "origin": "app://localhost"}
//! ```
//!
//! The host makes a new page record with a fresh secret, bound to the origin the runtime reported, and answers with a
//! `welcome` carrying the runtime's `nonce`. The welcome travels the way every host message does, into the window's
//! main frame only, so a frame that forges a `hello` never sees the secret it caused: the runtime, whose nonce does
//! not match, ignores it. The runtime then confirms:
//!
//! ```json
//! 9a1e...:{"type": "ready"}
//! ```
//!
//! The first message carrying a secret makes its page the window's current page: pages loaded before it are retired
//! (their calls' futures dropped; their later messages refused). A message with no secret, or one the window does not
//! know, is refused and logged without being parsed, and nothing answers it: there is no page to address the answer
//! to. Only a `hello` comes without a secret.
//!
//! # Request (renderer → host)
//!
//! ```json
//! 9a1e...:{"type": "invoke", "id": 7, "channel": "todos.add", "args": {"title": "milk"}}
//! ```
//!
//! - `id`: an integer within ±(2^53 − 1), chosen by the page and echoed in the answer. At most one call per id is in
//!   flight per page: a second one is refused with `INVALID_REQUEST` and the first is unaffected.
//! - `channel`: `service.method`, as listed in the service's descriptor.
//! - `args`: an object whose keys are the method's argument names in camelCase. It may be omitted for a method without
//!   arguments. Unknown keys are refused.
//!
//! # Batches (renderer → host)
//!
//! The runtime posts the small envelopes a page makes in one turn of its event loop (calls, sends, cancels, credit,
//! upload items) as one message at the turn's end, a JSON array of envelopes:
//!
//! ```json
//! 9a1e...:[{"type": "invoke", "id": 7, "channel": "todos.add", "args": {"title": "milk"}}, {"type": "cancel", "id": 5}]
//! ```
//!
//! The host acts on each envelope in order exactly as if it had been posted alone: each call is answered under its own
//! id, and an envelope that is not one (a number, an array) is refused with `INVALID_REQUEST` without touching the
//! others. A batch that is not a JSON array, or is an empty one, is refused whole with `INVALID_REQUEST`
//! (`"id": null`). The size limit applies to the whole message, and a batch refused whole (too large, or the host
//! busy) is answered for each call in it. Envelopes larger than 4 KiB and binary frames are posted alone, right after
//! the batch waiting before them, so the page's order is kept. Only a page batches: a frame's relayed envelope is one
//! request.
//!
//! # Answer (host → the calling page only)
//!
//! ```json
//! {"type": "answer", "id": 7, "success": true, "data": {"id": 1, "title": "milk"}, "error": null}
//! {"type": "answer", "id": 7, "success": false, "data": null,
//!  "error": {"code": 7006, "kind": "INVALID_ARGUMENTS", "message": "invalid arguments for `todos.add`: title: invalid type: integer `3`, expected a string", "data": null}}
//! ```
//!
//! Every request of a known page gets exactly one answer, failures included, unless the page cancels it or goes away.
//! A request of a known page so malformed that its `id` cannot be read is answered with `"id": null`, and so is a
//! request reusing an id still in flight (so the first call's answer is the only one under that id). The error codes
//! are listed in [`crate::error`].
//!
//! # One-way message (renderer → host)
//!
//! ```json
//! 9a1e...:{"type": "send", "channel": "editor.typing", "payload": {"active": true}}
//! ```
//!
//! `host.send(channel, payload)`: no id and no answer. It reaches Rust subscribers of the channel
//! ([`Hub::channel_events`](crate::Hub::channel_events), [`Hub::on_channel`](crate::Hub::on_channel)) in the order the
//! page sent it; a message the window may not send is dropped and logged.
//!
//! # Cancel (renderer → host)
//!
//! ```json
//! 9a1e...:{"type": "cancel", "id": 7}
//! ```
//!
//! The page gave up on its call 7: its `AbortSignal` fired or its `timeout` passed, and the promise has already
//! rejected (`CANCELLED` or `TIMEOUT`). The host drops the handler's future at its next await and sends no answer. A
//! cancel for an id not in flight does nothing and leaves nothing behind.
//!
//! # Streams (host → renderer, with credit from the renderer)
//!
//! A method that returns a stream (`-> impl Stream<Item = T> + Send`) answers its call with any number of items, then
//! the one answer that ends the stream: `"data": null` when the stream is done, or a failure (a `Result` item's `Err`
//! is a `HANDLER` error, like a method's). Items travel in order with everything else for the page:
//!
//! ```json
//! {"type": "item", "id": 7, "data": {"done": 3, "of": 10}}
//! ```
//!
//! The host sends an item only for credit the page gave, one item per unit of credit, and does not pull the next
//! item from the stream before it has sent the one it holds: a page that reads slowly slows the stream down, and
//! nothing piles up in the host. The runtime gives credit for its window when it makes the call (16,384 items unless
//! the call says otherwise), and again as its reader takes items; the first grant is the window, each later one
//! counts items read. Whatever the credit, the host keeps the bytes of items sent and not yet read within
//! [`Limits::stream_unread_bytes`](crate::Limits::stream_unread_bytes) (4 MiB by default; one item always goes,
//! whatever its size), so a large window costs nothing for small items and is safe for large ones:
//!
//! ```json
//! 9a1e...:{"type": "credit", "id": 7, "count": 32}
//! ```
//!
//! Credit for an id that is not a stream in flight does nothing. A `cancel` stops the stream (the host drops it,
//! and sends no answer), as do the page's retirement, the window's detachment, and the window losing the right to
//! call the method ([`Capabilities`](crate::Capabilities) are asked again before every item; the stream then ends with
//! `FORBIDDEN`). The hub's default deadline does not apply to a stream; a `#[ipc(timeout = "...")]` on the method
//! bounds the whole stream.
//!
//! # Uploads (renderer → host, with credit from the host)
//!
//! An argument of type [`Upload<T>`](crate::Upload) is sent after its call, item by item. The call says how many of
//! its arguments are uploads, and each is a placeholder holding its index:
//!
//! ```json
//! 9a1e...:{"type": "invoke", "id": 8, "channel": "files.store", "args": {"name": "a.png", "chunks": {"$ipc:upload": 0}}, "uploads": 1}
//! ```
//!
//! The host gives credit per upload once the method has taken it
//! ([`Limits::upload_window`](crate::Limits::upload_window) items, 16 by default), and again as the method reads; the page sends one item per unit of credit, then the end. An item with binary data
//! travels as a binary frame, as a call does:
//!
//! ```json
//! {"type": "credit", "id": 8, "upload": 0, "count": 16}
//! 9a1e...:{"type": "chunk", "id": 8, "upload": 0, "payload": {"$ipc:5d1e...": 0}, "binary": {"key": "$ipc:5d1e...", "count": 1}}
//! 9a1e...:{"type": "end", "id": 8, "upload": 0}
//! ```
//!
//! An item beyond the credit (or after the end) stops the call with `INVALID_REQUEST`, and one that does not decode as
//! a `T` with `INVALID_ARGUMENTS`; the page cancels the call when its source fails, so a method never reads a partial
//! upload as a whole one. Items for a call that is not in flight are let go, and a call carries at most
//! [`Limits::max_uploads`](crate::Limits::max_uploads) uploads.
//!
//! # Frames (only in windows that allow them)
//!
//! A window can allow frames of given origins ([`WindowConfig::allow_frames`](crate::WindowConfig::allow_frames)).
//! The runtime then runs in every frame too, where it has no secret and posts to its page with `postMessage`. The page's
//! runtime relays each message under its own secret, with the origin the browser reported for the frame:
//!
//! ```json
//! 9a1e...:{"type": "frame", "frame": 2, "origin": "https://widget.example", "envelope": "{\"type\":\"invoke\",...}"}
//! ```
//!
//! The host judges the envelope as frame 2 of that page: by the frame's origin and its rule's capabilities (frames of
//! origins without a rule are refused `FORBIDDEN`), with its own ids and calls, which end with the page. Only a page
//! that may speak for the window can relay. Answers come back wrapped, for the page's runtime to hand to the frame:
//! `{"type": "frame", "frame": 2, "message": {"type": "answer", ...}}`.
//!
//! # Event (host → one or more windows)
//!
//! ```json
//! {"type": "event", "channel": "todos.changed", "payload": [{"id": 1, "title": "milk"}]}
//! {"type": "event", "channel": "window:resize", "payload": {"width": 800, "height": 600}}
//! ```
//!
//! Pushed with [`Hub::send_to_window`](crate::Hub::send_to_window), [`Hub::broadcast`](crate::Hub::broadcast) and
//! [`Hub::broadcast_all`](crate::Hub::broadcast_all); a window's own lifecycle events (`window:focus`, `window:blur`,
//! `window:resize`, `window:move`) arrive the same way. Pages listen with `host.on(channel, callback)`.
//!
//! # Delivery (host → the page)
//!
//! Messages for one window travel in order, batched into deliveries addressed to one page:
//!
//! ```json
//! {"page": "9a1e...", "messages": [{"type": "answer", "id": 7, ...}, {"type": "event", ...}]}
//! {"page": null, "messages": [{"type": "welcome", "nonce": "5f0c...", "page": "9a1e..."}]}
//! ```
//!
//! The transport hands the delivery to the page as text, which the runtime parses with `JSON.parse` (so every key,
//! even `__proto__`, is data), or as the value already read where reading it another way gives what `JSON.parse`
//! would (ipc-wry evaluates a delivery as a JavaScript expression unless it holds `__proto__` or a `\u` escape, or
//! nests deeper than the script parser reads). The runtime drops a delivery unless `page` is its own secret, or `null`
//! for a welcome. So an answer or push meant for one page load never reaches the next one, whatever the timing of a
//! navigation.
//!
//! # Binary parts
//!
//! A message whose value holds [`Binary`](crate::Binary) data says so, and each piece of bytes is a placeholder
//! object whose only key is the message's fresh random key and whose value is the piece's index among the message's
//! parts:
//!
//! ```json
//! {"type": "event", "channel": "files.chunk", "binary": {"key": "$ipc:77c1...", "count": 1},
//!  "payload": {"name": "a.png", "data": {"$ipc:77c1...": 0}}}
//! ```
//!
//! A delivery with parts travels as one binary frame instead of text ([`Delivery::to_frame`](crate::transport::Delivery::to_frame)):
//! the text's length (u32, little-endian), the text (UTF-8), then every part of every message, in message order,
//! each as its length (u32, little-endian) and its bytes. The runtime takes the frame as an `ArrayBuffer`, gives each
//! message with `binary` the next `count` parts, and puts a `Uint8Array` view of each part where its placeholder was.
//!
//! # Exact integers
//!
//! An [`Exact`](crate::Exact) integer (see [`crate::exact`]) is a placeholder under the same key whose value is the
//! integer's decimal digits, a string: `{"$ipc:77c1...": "18446744073709551615"}`. It needs no part, so a message
//! carrying only exact integers is text, with `"count": 0`. The runtime puts a `BigInt` in its place: in an answer's
//! `data`, an event's `payload`, or a failed answer's `error.data`. A request's `BigInt` arguments travel the same
//! way, under the key the runtime made for the call (in text, and from frames too):
//!
//! ```json
//! 9a1e...:{"type": "invoke", "id": 8, "channel": "ledger.get", "args": {"id": {"$ipc:3b0f...": "18446744073709551615"}},
//!  "binary": {"key": "$ipc:3b0f...", "count": 0}}
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::binary::Attached;
use crate::error::{excerpt, CallError, ErrorCode};

/// The largest id a page may use: ids must survive a round trip through a JavaScript number exactly.
pub const MAX_ID: i64 = (1 << 53) - 1;

/// The `type` of a message sent by a renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MessageType {
    Hello,
    Ready,
    Invoke,
    Send,
    Cancel,
    Credit,
    Chunk,
    End,
    Frame,
}

impl MessageType {
    fn name(self) -> &'static str {
        match self {
            MessageType::Hello => "hello",
            MessageType::Ready => "ready",
            MessageType::Invoke => "invoke",
            MessageType::Send => "send",
            MessageType::Cancel => "cancel",
            MessageType::Credit => "credit",
            MessageType::Chunk => "chunk",
            MessageType::End => "end",
            MessageType::Frame => "frame",
        }
    }
}

/// The envelope as it arrives, every field optional beyond `type`; [`Message::parse`] checks which fields each type
/// needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    message_type: MessageType,
    id: Option<i64>,
    #[serde(borrow, default)]
    channel: Option<Text<'a>>,
    #[serde(borrow, default)]
    args: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    nonce: Option<Text<'a>>,
    #[serde(borrow, default)]
    origin: Option<Text<'a>>,
    frame: Option<u32>,
    #[serde(borrow, default)]
    envelope: Option<Text<'a>>,
    #[serde(borrow, default)]
    binary: Option<BinaryRef<'a>>,
    #[serde(borrow, default)]
    schema: Option<Text<'a>>,
    count: Option<u32>,
    upload: Option<u32>,
    uploads: Option<u32>,
}

/// What a request with binary parts says of them: the placeholder key, and how many parts it carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BinaryRef<'a> {
    #[serde(borrow)]
    pub key: Cow<'a, str>,
    pub count: usize,
}

/// A string borrowed from the request text unless it holds escapes (serde borrows a `Cow` only directly, not inside
/// an `Option`).
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// What a renderer asks for, borrowing from the request text (hot path: no copy of the arguments).
#[derive(Debug)]
pub(crate) enum Request<'a> {
    /// A new page asks for its secret.
    Hello { nonce: Cow<'a, str>, origin: Cow<'a, str> },
    /// The page received its secret.
    Ready,
    /// A call: exactly one answer, with this id.
    Invoke {
        id: i64,
        channel: Cow<'a, str>,
        args: Option<&'a RawValue>,
        /// Present when the request came as a binary frame whose parts its arguments' placeholders stand for.
        binary: Option<BinaryRef<'a>>,
        /// The fingerprint of the service bindings the calling client was generated from, when it says.
        schema: Option<Cow<'a, str>>,
        /// How many of its arguments are uploads, each a placeholder `{"$ipc:upload": index}` (0 when it says none).
        uploads: u32,
    },
    /// A one-way message (`host.send`): no answer.
    Send {
        channel: Cow<'a, str>,
        payload: Option<&'a RawValue>,
    },
    /// The page gave up on its call `id` (aborted or timed out): no answer.
    Cancel { id: i64 },
    /// The page has room for `count` more items of the stream its call `id` answers with: no answer.
    Credit { id: i64, count: u32 },
    /// The next item of upload `upload` of call `id`: no answer.
    Chunk {
        id: i64,
        upload: u32,
        payload: Option<&'a RawValue>,
        /// Present when the chunk came as a binary frame whose parts its placeholders stand for.
        binary: Option<BinaryRef<'a>>,
    },
    /// Upload `upload` of call `id` has no further items: no answer.
    End { id: i64, upload: u32 },
    /// A message of one of the page's frames, relayed by the page's runtime with the origin the browser reported.
    Frame {
        frame: u32,
        origin: Cow<'a, str>,
        envelope: Cow<'a, str>,
    },
}

/// Why a message was refused, with its id if that could still be read, to address the answer.
#[derive(Debug)]
pub(crate) struct Refused {
    pub id: Option<i64>,
    pub error: CallError,
}

/// Only the id of a message, read when the full envelope failed to parse so the error still reaches its caller.
#[derive(Deserialize)]
struct Salvage {
    id: Option<serde_json::Number>,
}

/// Splits a page's message into its secret and its envelope; `None` for a message without one (only a hello).
pub(crate) fn split_secret(message: &str) -> Option<(&str, &str)> {
    const LONGEST_SECRET: usize = 64;
    if message.starts_with('{') {
        return None;
    }
    let colon = message
        .as_bytes()
        .iter()
        .take(LONGEST_SECRET + 1)
        .position(|&b| b == b':')?;
    Some((&message[..colon], &message[colon + 1..]))
}

/// Nonces and origins are short; anything longer is not from the runtime.
const MAX_HELLO_FIELD: usize = 256;

impl<'a> Request<'a> {
    /// The id of a call, the only request with one.
    pub(crate) fn id(&self) -> Option<i64> {
        match self {
            Request::Invoke { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Parses an envelope (without its page secret), or says why it is refused.
    pub(crate) fn parse(text: &'a str) -> Result<Self, Refused> {
        // serde would read a struct from an array by position; an envelope is an object.
        if !text.trim_start().starts_with('{') {
            let found = excerpt(text.trim_start(), 16);
            return Err(Refused {
                id: None,
                error: CallError::new(
                    ErrorCode::InvalidRequest,
                    format!("request is not a valid envelope: expected a JSON object, found `{found}`"),
                ),
            });
        }
        let envelope: Envelope<'a> = serde_json::from_str(text).map_err(|err| {
            let salvage = serde_json::from_str::<Salvage>(text).ok();
            let id = salvage.and_then(|s| s.id?.as_i64()).filter(|id| id.abs() <= MAX_ID);
            let detail = excerpt(&err.to_string(), 200).into_owned();
            let message = if err.is_syntax() || err.is_eof() {
                format!("request is not valid JSON: {detail}")
            } else {
                format!("request is not a valid envelope: {detail}")
            };
            Refused {
                id,
                error: CallError::new(ErrorCode::InvalidRequest, message),
            }
        })?;
        let Envelope {
            message_type,
            id,
            channel,
            args,
            payload,
            nonce,
            origin,
            frame,
            envelope,
            binary,
            schema,
            count,
            upload,
            uploads,
        } = envelope;
        let refuse = |id: Option<i64>, message: String| Refused {
            id,
            error: CallError::new(ErrorCode::InvalidRequest, message),
        };
        let missing = |field: &str| format!("request is not a valid envelope: missing field `{field}`");
        if let Some(id) = id {
            if id.abs() > MAX_ID {
                return Err(refuse(
                    None,
                    format!("request id {id} is beyond ±{MAX_ID}, the integers a page's numbers carry exactly"),
                ));
            }
        }
        let only = |allowed: &[&str]| -> Result<(), Refused> {
            let present = [
                ("id", id.is_some()),
                ("channel", channel.is_some()),
                ("args", args.is_some()),
                ("payload", payload.is_some()),
                ("nonce", nonce.is_some()),
                ("origin", origin.is_some()),
                ("frame", frame.is_some()),
                ("envelope", envelope.is_some()),
                ("binary", binary.is_some()),
                ("schema", schema.is_some()),
                ("count", count.is_some()),
                ("upload", upload.is_some()),
                ("uploads", uploads.is_some()),
            ];
            match present.iter().find(|(name, there)| *there && !allowed.contains(name)) {
                Some((name, _)) => Err(refuse(
                    id,
                    format!(
                        "request is not a valid envelope: a `{}` message has no field `{name}`",
                        message_type.name()
                    ),
                )),
                None => Ok(()),
            }
        };
        let request = match message_type {
            MessageType::Hello => {
                only(&["nonce", "origin"])?;
                let (Some(Text(nonce)), Some(Text(origin))) = (nonce, origin) else {
                    return Err(refuse(None, missing("nonce` or `origin")));
                };
                if nonce.len() > MAX_HELLO_FIELD || origin.len() > MAX_HELLO_FIELD {
                    return Err(refuse(
                        None,
                        "request is not a valid envelope: hello fields too long".to_owned(),
                    ));
                }
                Request::Hello { nonce, origin }
            }
            MessageType::Ready => {
                only(&[])?;
                Request::Ready
            }
            MessageType::Invoke => {
                only(&["id", "channel", "args", "binary", "schema", "uploads"])?;
                let Some(id) = id else {
                    return Err(refuse(None, missing("id")));
                };
                let Some(Text(channel)) = channel else {
                    return Err(refuse(Some(id), missing("channel")));
                };
                Request::Invoke {
                    id,
                    channel,
                    args,
                    binary,
                    schema: schema.map(|Text(schema)| schema),
                    uploads: uploads.unwrap_or(0),
                }
            }
            MessageType::Send => {
                only(&["channel", "payload"])?;
                let Some(Text(channel)) = channel else {
                    return Err(refuse(None, missing("channel")));
                };
                Request::Send { channel, payload }
            }
            MessageType::Cancel => {
                only(&["id"])?;
                let Some(id) = id else {
                    return Err(refuse(None, missing("id")));
                };
                Request::Cancel { id }
            }
            MessageType::Credit => {
                only(&["id", "count"])?;
                let (Some(id), Some(count)) = (id, count) else {
                    return Err(refuse(None, missing("id` or `count")));
                };
                Request::Credit { id, count }
            }
            MessageType::Chunk => {
                only(&["id", "upload", "payload", "binary"])?;
                let (Some(id), Some(upload)) = (id, upload) else {
                    return Err(refuse(None, missing("id` or `upload")));
                };
                Request::Chunk {
                    id,
                    upload,
                    payload,
                    binary,
                }
            }
            MessageType::End => {
                only(&["id", "upload"])?;
                let (Some(id), Some(upload)) = (id, upload) else {
                    return Err(refuse(None, missing("id` or `upload")));
                };
                Request::End { id, upload }
            }
            MessageType::Frame => {
                only(&["frame", "origin", "envelope"])?;
                let (Some(frame), Some(Text(origin)), Some(Text(envelope))) = (frame, origin, envelope) else {
                    return Err(refuse(None, missing("frame`, `origin` or `envelope")));
                };
                if origin.len() > MAX_HELLO_FIELD {
                    return Err(refuse(
                        None,
                        "request is not a valid envelope: frame origin too long".to_owned(),
                    ));
                }
                Request::Frame {
                    frame,
                    origin,
                    envelope,
                }
            }
        };
        Ok(request)
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: Option<i64>,
    success: bool,
    data: Option<&'a RawValue>,
    error: Option<&'a CallError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<BinaryParts<'a>>,
}

/// Encodes one item of the stream answering request `id` (see "Streams" above).
pub(crate) fn encode_item(id: i64, data: &RawValue, attached: &Attached) -> String {
    #[derive(Serialize)]
    struct Item<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        id: i64,
        data: &'a RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        binary: Option<BinaryParts<'a>>,
    }
    let item = Item {
        kind: "item",
        id,
        data,
        binary: BinaryParts::of(attached),
    };
    envelope(&item, data.get().len())
}

/// Encodes the answer to request `id`. The data is copied in as it is: the handler's value is serialized only once.
pub(crate) fn encode_answer(id: Option<i64>, outcome: &Result<Box<RawValue>, CallError>) -> String {
    match outcome {
        Ok(data) => encode_success(id, data, &Attached::default()),
        Err(error) => encode_failure(id, error),
    }
}

/// The id of an encoded answer.
#[derive(Deserialize)]
pub(crate) struct AnswerId {
    pub id: Option<i64>,
}

/// Encodes a successful answer to request `id`, with `"binary"` when its data holds placeholders.
pub(crate) fn encode_success(id: Option<i64>, data: &RawValue, attached: &Attached) -> String {
    let answer = Answer {
        kind: "answer",
        id,
        success: true,
        data: Some(data),
        error: None,
        binary: BinaryParts::of(attached),
    };
    envelope(&answer, data.get().len())
}

/// Encodes a failed answer to request `id`.
pub(crate) fn encode_failure(id: Option<i64>, error: &CallError) -> String {
    let answer = Answer {
        kind: "answer",
        id,
        success: false,
        data: None,
        error: Some(error),
        binary: (!error.placeholder_key().is_empty()).then(|| BinaryParts {
            key: error.placeholder_key(),
            count: 0,
        }),
    };
    // Serializing these fields cannot fail: the error holds strings, numbers and valid JSON.
    serde_json::to_string(&answer).expect("an answer envelope always serializes")
}

/// Encodes a push: `{"type":"event","channel":...,"payload":...}`, with
/// `"binary":{"key":...,"count":n}` when the payload holds [`Binary`](crate::Binary) placeholders.
pub(crate) fn encode_event(channel: &str, payload: &RawValue, attached: &Attached) -> String {
    #[derive(Serialize)]
    struct Push<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        channel: &'a str,
        payload: &'a RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        binary: Option<BinaryParts<'a>>,
    }
    let push = Push {
        kind: "event",
        channel,
        payload,
        binary: BinaryParts::of(attached),
    };
    envelope(&push, channel.len() + payload.get().len())
}

/// An envelope's JSON text, written into a buffer sized for it at once: `inner` bytes of data (copied in as they are)
/// and room for the fields around them, so a large message is not copied again each time the buffer would grow.
fn envelope<T: Serialize>(envelope: &T, inner: usize) -> String {
    let mut text = Vec::with_capacity(inner + 160);
    // Serializing an envelope cannot fail: its fields are strings, numbers and data that is already valid JSON.
    serde_json::to_writer(&mut text, envelope).expect("an envelope always serializes");
    // serde_json writes UTF-8 only.
    String::from_utf8(text).expect("serde_json writes UTF-8")
}

/// How a message's placeholders find their parts: the placeholder key, and how many parts are the message's.
#[derive(Serialize)]
struct BinaryParts<'a> {
    key: &'a str,
    count: usize,
}

impl<'a> BinaryParts<'a> {
    fn of(attached: &'a Attached) -> Option<Self> {
        (!attached.key.is_empty()).then(|| BinaryParts {
            key: &attached.key,
            count: attached.parts.len(),
        })
    }
}

/// Splits a binary frame (the format of [`Delivery::to_frame`](crate::transport::Delivery::to_frame), described
/// above) into its text and its parts, without copying the parts; `None` if it is cut short, has trailing bytes after
/// its last part, or its text is not UTF-8. [`WindowLink::receive_frame`](crate::transport::WindowLink::receive_frame)
/// takes a frame whole; a transport that looks at the text first splits it here and hands both to
/// [`WindowLink::receive_parts`](crate::transport::WindowLink::receive_parts).
pub fn decode_frame(frame: Vec<u8>) -> Option<(String, Vec<bytes::Bytes>)> {
    let frame = bytes::Bytes::from(frame);
    let length = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = frame.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    };
    let text_length = length(0)?;
    let text = std::str::from_utf8(frame.get(4..4 + text_length)?).ok()?.to_owned();
    let mut parts = Vec::new();
    let mut at = 4 + text_length;
    while at < frame.len() {
        let part_length = length(at)?;
        at += 4;
        if at + part_length > frame.len() {
            return None;
        }
        parts.push(frame.slice(at..at + part_length));
        at += part_length;
    }
    Some((text, parts))
}

/// A delivery as one binary frame: the text's length (u32, little-endian), the text, then each part as its length
/// (u32, little-endian) and its bytes. Lengths fit: messages and parts are far below 4 GiB (see `json`).
pub(crate) fn encode_frame(text: &str, parts: &[bytes::Bytes]) -> Vec<u8> {
    let size = 4 + text.len() + parts.iter().map(|part| 4 + part.len()).sum::<usize>();
    let mut frame = Vec::with_capacity(size);
    let length = |n: usize| u32::try_from(n).expect("frames hold pieces under 4 GiB").to_le_bytes();
    frame.extend_from_slice(&length(text.len()));
    frame.extend_from_slice(text.as_bytes());
    for part in parts {
        frame.extend_from_slice(&length(part.len()));
        frame.extend_from_slice(part);
    }
    frame
}

/// Wraps a message for frame `frame` of the page it is delivered to: `{"type":"frame","frame":3,"message":...}`.
pub(crate) fn encode_frame_message(frame: u32, message: &str) -> String {
    format!(r#"{{"type":"frame","frame":{frame},"message":{message}}}"#)
}

/// Encodes the welcome of a new page: its secret, for the runtime whose hello carried `nonce`.
pub(crate) fn encode_welcome(nonce: &str, page: &str) -> String {
    #[derive(Serialize)]
    struct Welcome<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        nonce: &'a str,
        page: &'a str,
    }
    let welcome = Welcome {
        kind: "welcome",
        nonce,
        page,
    };
    serde_json::to_string(&welcome).expect("a welcome always serializes")
}

/// Starts a delivery to `page` (`None` for the welcome of a page not yet known to the runtime) at the end of `text`;
/// messages follow, each preceded by a comma but the first, then [`DELIVERY_END`].
pub(crate) fn push_delivery_start(text: &mut String, page: Option<&str>) {
    match page {
        Some(page) => {
            text.push_str("{\"page\":\"");
            text.push_str(page);
            text.push_str("\",\"messages\":[");
        }
        None => text.push_str("{\"page\":null,\"messages\":["),
    }
}

/// Ends a delivery begun with [`push_delivery_start`].
pub(crate) const DELIVERY_END: &str = "]}";

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "0123abcd";

    fn parse(text: &str) -> Request<'_> {
        Request::parse(text).unwrap()
    }

    fn refused(text: &str) -> Refused {
        Request::parse(text).unwrap_err()
    }

    #[test]
    fn the_secret_comes_before_the_envelope() {
        assert_eq!(
            split_secret(r#"0123abcd:{"type":"ready"}"#),
            Some((PAGE, r#"{"type":"ready"}"#))
        );
        assert_eq!(split_secret(r#"{"type":"hello"}"#), None);
        assert_eq!(split_secret(&"a".repeat(100)), None);
        assert_eq!(split_secret(""), None);
    }

    #[test]
    fn request_borrows_args_without_copying() {
        let text = r#"{"type":"invoke","id":3,"channel":"todos.add","args":{"title":"milk"}}"#;
        let Request::Invoke { id, channel, args, .. } = parse(text) else {
            panic!("an invoke")
        };
        assert!(matches!(channel, Cow::Borrowed("todos.add")));
        assert_eq!(id, 3);
        assert_eq!(args.unwrap().get(), r#"{"title":"milk"}"#);
    }

    #[test]
    fn broken_json_is_invalid_request_without_id() {
        let refused = refused("{not json");
        assert_eq!(refused.id, None);
        assert_eq!(refused.error.code(), ErrorCode::InvalidRequest);
        assert!(refused.error.message().starts_with("request is not valid JSON"));
    }

    #[test]
    fn envelope_without_channel_keeps_its_id() {
        let refused = refused(r#"{"type":"invoke","id":9}"#);
        assert_eq!(refused.id, Some(9));
        assert!(refused.error.message().contains("missing field `channel`"));
    }

    #[test]
    fn a_malformed_envelope_still_names_its_id() {
        let refused = refused(r#"{"type":"invoke","id":9,"channel":3}"#);
        assert_eq!(refused.id, Some(9));
        assert!(refused.error.message().starts_with("request is not a valid envelope"));
    }

    #[test]
    fn unknown_envelope_field_is_refused() {
        let refused = refused(r#"{"type":"invoke","id":1,"channel":"a.b","extra":1}"#);
        assert!(refused.error.message().contains("unknown field `extra`"));
    }

    #[test]
    fn an_envelope_is_an_object_not_an_array() {
        for text in [r#"["invoke",7,"probe.short"]"#, "[123]", "7", r#""invoke""#, "null"] {
            let refused = refused(text);
            assert_eq!(refused.id, None, "{text}");
            assert!(
                refused.error.message().contains("expected a JSON object"),
                "{text}: {}",
                refused.error.message()
            );
        }
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let refused = refused(r#"{"type":"invoke","id":1,"id":2,"channel":"a.b"}"#);
        assert!(
            refused.error.message().contains("duplicate field `id`"),
            "{}",
            refused.error.message()
        );
    }

    #[test]
    fn ids_must_be_exact_integers() {
        for id in ["9007199254740992", "-9007199254740992", "18446744073709551615"] {
            let refused = refused(&format!(r#"{{"type":"invoke","id":{id},"channel":"a.b"}}"#));
            assert_eq!(refused.error.code(), ErrorCode::InvalidRequest, "{id}");
            assert_eq!(refused.id, None, "{id}");
        }
        for id in ["1.5", "\"7\"", "true"] {
            let refused = refused(&format!(r#"{{"type":"invoke","id":{id},"channel":"a.b"}}"#));
            assert_eq!(refused.error.code(), ErrorCode::InvalidRequest, "{id}");
        }
        let edge = r#"{"type":"invoke","id":-9007199254740991,"channel":"a.b"}"#;
        assert!(matches!(
            parse(edge),
            Request::Invoke {
                id: -9007199254740991,
                ..
            }
        ));
    }

    #[test]
    fn a_send_carries_a_payload_and_no_id() {
        let req = parse(r#"{"type":"send","channel":"chat.typing","payload":{"on":true}}"#);
        let Request::Send { payload, .. } = req else {
            panic!("a send")
        };
        assert_eq!(payload.unwrap().get(), r#"{"on":true}"#);
        let refused = refused(r#"{"type":"send","id":4,"channel":"chat.typing"}"#);
        assert!(refused.error.message().contains("a `send` message has no field `id`"));
    }

    #[test]
    fn a_cancel_names_only_the_call() {
        assert!(matches!(
            parse(r#"{"type":"cancel","id":4}"#),
            Request::Cancel { id: 4 }
        ));
        let refused = refused(r#"{"type":"cancel","id":4,"channel":"a.b"}"#);
        assert_eq!(refused.id, Some(4));
        assert!(refused
            .error
            .message()
            .contains("a `cancel` message has no field `channel`"));
    }

    #[test]
    fn a_hello_carries_nonce_and_origin() {
        assert!(matches!(
            parse(r#"{"type":"hello","nonce":"n1","origin":"app://localhost"}"#),
            Request::Hello { .. }
        ));
        let refused = refused(r#"{"type":"hello","id":1,"nonce":"n1","origin":"app://localhost"}"#);
        assert!(refused.error.message().contains("no field `id`"));
        let long = format!(r#"{{"type":"hello","nonce":"{}","origin":"a"}}"#, "n".repeat(300));
        assert_eq!(
            Request::parse(&long).unwrap_err().error.code(),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn an_invoke_needs_an_id() {
        let refused = refused(r#"{"type":"invoke","channel":"a.b"}"#);
        assert_eq!(refused.id, None);
        assert!(refused.error.message().contains("missing field `id`"));
    }

    #[test]
    fn a_huge_bad_value_is_quoted_short() {
        let text = format!(r#"{{"type":"{}"}}"#, "x".repeat(100_000));
        assert!(refused(&text).error.message().len() < 400);
    }

    #[test]
    fn event_envelope_carries_channel_and_payload() {
        let payload = serde_json::value::to_raw_value(&[1, 2]).unwrap();
        assert_eq!(
            encode_event("todos.changed", &payload, &Attached::default()),
            r#"{"type":"event","channel":"todos.changed","payload":[1,2]}"#
        );
    }

    #[test]
    fn success_answer_has_data_and_null_error() {
        let data = serde_json::value::to_raw_value(&[1, 2]).unwrap();
        assert_eq!(
            encode_answer(Some(4), &Ok(data)),
            r#"{"type":"answer","id":4,"success":true,"data":[1,2],"error":null}"#
        );
    }

    #[test]
    fn failure_answer_has_null_data_and_error() {
        let err = CallError::new(ErrorCode::UnknownChannel, "unknown channel `a.b`");
        assert_eq!(
            encode_answer(None, &Err(err)),
            r#"{"type":"answer","id":null,"success":false,"data":null,"error":{"code":7004,"kind":"UNKNOWN_CHANNEL","message":"unknown channel `a.b`","data":null}}"#
        );
    }

    #[test]
    fn a_delivery_is_json_addressed_to_one_page() {
        let mut text = String::new();
        push_delivery_start(&mut text, Some(PAGE));
        text.push_str(&encode_welcome("n", PAGE));
        text.push_str(DELIVERY_END);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["page"], PAGE);
        assert_eq!(value["messages"][0]["type"], "welcome");
        let mut text = String::new();
        push_delivery_start(&mut text, None);
        text.push_str(DELIVERY_END);
        assert_eq!(text, r#"{"page":null,"messages":[]}"#);
    }

    #[test]
    fn a_frame_is_the_text_then_each_part_each_behind_its_length() {
        let parts = [bytes::Bytes::from_static(b"ab"), bytes::Bytes::new()];
        let frame = encode_frame("{}", &parts);
        assert_eq!(
            frame,
            [&[2, 0, 0, 0][..], b"{}", &[2, 0, 0, 0], b"ab", &[0, 0, 0, 0]].concat()
        );
    }

    #[test]
    fn a_push_with_parts_says_its_key_and_count() {
        let (payload, attached) = crate::binary::collecting(|| {
            serde_json::value::to_raw_value(&[crate::Binary::from(vec![1u8]), crate::Binary::from(vec![2u8])]).unwrap()
        });
        let text = encode_event("files.read", &payload, &attached);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let key = attached.key.as_str();
        assert_eq!(value["binary"], serde_json::json!({ "key": key, "count": 2 }));
        assert_eq!(value["payload"], serde_json::json!([{ key: 0 }, { key: 1 }]));
        let plain = encode_event("files.read", &payload, &Attached::default());
        assert!(!plain.contains("binary"));
    }
}
