//! Large messages travel by `fetch` on the app scheme instead of as script.
//!
//! Evaluating a delivery as script makes WebKit copy it into a script source and parse it; a page posting a large
//! request pushes it through the script message handler. Either can go by `fetch` on the window's app scheme instead,
//! at reserved paths, from a size set per window:
//!
//! - **Page → host** ([`WindowSpec::fetch_requests_above`](crate::WindowSpec::fetch_requests_above), default 512 KiB).
//!   A message that large is `POST`ed to `app://localhost/__ipc/post`; the body is the message
//!   (`<secret>:<envelope>`), handed to the window's link like any other, so it is judged by the same secret and
//!   rules.
//! - **Binary data, page → host.** A message with one binary part (a call with one `Uint8Array` or `ArrayBuffer`, an
//!   upload's chunk) is `POST`ed to `app://localhost/__ipc/part` with the part as the body, as the page holds it,
//!   and the message in an `x-ipc-message` header (percent-encoded), so the bytes are not first copied into a frame;
//!   `fetch` takes its own copy as it is called. A message with several parts, or one longer than 4 Ki characters,
//!   is `POST`ed to `app://localhost/__ipc/frame` as one binary frame. Measured with `cargo bench -p tests --bench
//!   binary` (page → host, against raw wry POSTing the same bytes, three runs each, same session): 16 MiB 0.78–0.91×
//!   with the part as the body against 0.44–0.66× through a frame, 64 MiB 0.55–0.85× against 0.41–0.55×.
//! - **Host → page** ([`WindowSpec::fetch_deliveries_above`](crate::WindowSpec::fetch_deliveries_above), default
//!   never; and for a delivery that carries [`Binary`](ipc_core::Binary) data from 128 KiB, below which its frame
//!   goes in base64 in a script, which saves a round trip up to about that size). The delivery is held here
//!   under a fresh random token, and the page is told, by a tiny script, to `GET app://localhost/__ipc/pull/<token>`.
//!   The response is the delivery's binary frame ([`Delivery::to_frame`]), which the runtime takes as an
//!   `ArrayBuffer`: binary parts arrive as `Uint8Array` views into it, copied nowhere. A delivery with one part and a
//!   short text (most binary answers) is answered with the part itself as the body and the text, percent-encoded, in
//!   an `x-ipc-message` header, so the part is not first copied into a frame. The token reaches only the
//!   main frame, through the same randomly named delivery function as every delivery; a token is served once. A
//!   window without the app scheme (one showing a URL) gets every delivery with binary parts as its frame in base64,
//!   in a script; the page decodes it with `Uint8Array.fromBase64` where the engine has it.
//!
//! Why those defaults: `cargo bench -p tests --bench roundtrip` (release, WebKitGTK 2.50, echoing a string of the
//! given size, mean round trip against the same window with script only, one run each):
//!
//! | payload | requests by POST | script only |
//! |---|---|---|
//! | 256 KiB | 3.35 ms | 3.87 ms |
//! | 512 KiB | 7.33 ms | 7.37 ms |
//! | 1 MiB | 11.8 ms | 14.2 ms |
//! | 4 MiB | 43 ms | 53 ms |
//! | 8 MiB | 102 ms | 135 ms |
//!
//! Fetching deliveries instead was slower at every size measured: 1.9 ms against 1.1 ms at 64 KiB, 4.5 against 3.3
//! at 256 KiB, and about even at 1 MiB, since the page learns of the delivery by script anyway and a custom-scheme
//! response reaches the page more slowly than a script. It stays available for windows that measure otherwise.
//!
//! Order is kept on both paths: in the page, held deliveries are fetched side by side but handed to the runtime in
//! the order they were announced, with script deliveries behind them waiting their turn; messages posted while a
//! large one is under way wait for it. So the host sees messages and the page sees deliveries in the order they were
//! made.
//!
//! A message posted on the app scheme (an upload) is under way until the page knows the host has taken it in. Its
//! response says so, but reaches the page after any script the host evaluates once it has the message: an answer to
//! the upload's own call can come first, and a page that posts its next upload on reading that answer would have to
//! copy its bytes to wait. So the page numbers its uploads (from a random start, in an `x-ipc-upload` header), and
//! before the next delivery the host tells the page, by script, the number of the last upload it took in; the page
//! then posts what waits. Only an upload whose message carries the secret of one of the window's pages is told of
//! ([`WindowLink::is_signed`]): a frame can post on the app scheme too, with any number, and the page would then post
//! its next message ahead of the upload under way. Measured with `cargo bench -p tests --bench binary` (64 MiB page
//! → host against raw wry, the same build with and without the confirmation, three runs each): 0.96–1.01× with it,
//! 0.82–0.91× without.
//!
//! A held delivery counts against the window's queue until it is fetched, or until the page it is for is replaced
//! (a page that navigates away never fetches it); it is then dropped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use ipc_core::transport::{Delivery, WindowLink};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use wry::http::{header, Method, Request, Response, StatusCode};

use crate::stats::{Counters, Path};

/// The path under the app scheme reserved for this transport.
pub(crate) const RESERVED: &str = "/__ipc/";
const PULL: &str = "/__ipc/pull/";
const POST: &str = "/__ipc/post";
const FRAME: &str = "/__ipc/frame";
const PART: &str = "/__ipc/part";
/// The longest message (in UTF-16 units) posted beside its binary part, in a header; a longer one goes in a frame.
const PART_TEXT: usize = 4096;
/// The header carrying an upload's number (see the module docs).
const UPLOAD: &str = "x-ipc-upload";
/// The header carrying, percent-encoded, the message posted beside its part, or the text of a delivery fetched as its
/// one part.
const MESSAGE: &str = "x-ipc-message";

/// The default size from which messages from the page are `POST`ed on the app scheme: see
/// [`WindowSpec::fetch_requests_above`](crate::WindowSpec::fetch_requests_above) and the module docs.
pub const DEFAULT_FETCH_REQUESTS_ABOVE: usize = 512 * 1024;

/// The size (text and parts) below which a delivery with binary parts goes as script, its frame in base64, rather
/// than being fetched: one script the page reads at once costs less than a script and then a fetch, until the base64
/// costs more. Measured with `cargo bench -p tests --bench binary` (host → page, MiB/s, two runs each way, same
/// build): 4 KiB 7 and 7 as script against 4 and 4 fetched; 64 KiB 52 and 49 against 45 and 45; 256 KiB 97 and 87
/// against 101 and 91; 1 MiB 118 and 106 against 153 to 167.
pub(crate) const BINARY_BY_SCRIPT_BELOW: usize = 128 * 1024;

/// What the reserved paths share with the window's deliveries: deliveries waiting for the page to fetch them, by
/// token, and the number of the last upload taken in that the page has not yet been told of.
#[derive(Debug, Default)]
pub(crate) struct Held {
    deliveries: Mutex<HashMap<String, Delivery>>,
    received: Mutex<Option<u32>>,
}

impl Held {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Delivery>> {
        self.deliveries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `delivery` for the page to fetch; returns its token. Drops held deliveries whose page is gone first.
    pub(crate) fn hold(&self, delivery: Delivery) -> String {
        let token = ipc_core::transport::new_secret();
        let mut held = self.lock();
        held.retain(|_, delivery| !delivery.is_stale());
        held.insert(token.clone(), delivery);
        token
    }

    /// Drops held deliveries whose page has been replaced, releasing their room in the window's queue.
    pub(crate) fn drop_stale(&self) {
        self.lock().retain(|_, delivery| !delivery.is_stale());
    }

    fn take(&self, token: &str) -> Option<Delivery> {
        self.lock().remove(token)
    }

    /// Notes that the upload numbered `number` (see [`upload_number`]) has been taken in, if it has a number and its
    /// `message` is signed by a page of the window: a frame's post, which could name any number, is not noted.
    fn note_upload(&self, number: Option<u32>, message: &str, link: &WindowLink) {
        if let Some(number) = number.filter(|_| link.is_signed(message)) {
            *self.received.lock().unwrap_or_else(|e| e.into_inner()) = Some(number);
        }
    }

    /// The number of the last upload taken in since the last call, if any.
    pub(crate) fn take_received(&self) -> Option<u32> {
        self.received.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// How many deliveries wait to be fetched.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// The script that tells the page to fetch a held delivery.
pub(crate) fn pull_script(deliver: &str, token: &str) -> String {
    format!("{deliver}(null, {token:?});")
}

/// The name of the function through which the host tells the page the number of the last upload it took in: like
/// `deliver`'s, random per WebView.
pub(crate) fn received_function(deliver: &str) -> String {
    format!("{deliver}_received")
}

/// The script that tells the page the host has taken in upload `number`.
pub(crate) fn received_script(deliver: &str, number: u32) -> String {
    format!("{}({number});", received_function(deliver))
}

/// The bridge's `post` expression. Text goes through wry's `window.ipc.postMessage`, or, from `fetch_above` bytes
/// (`None`: never), as a `POST` to the app scheme. A binary frame (a call with binary arguments) is `POST`ed to the
/// app scheme when the page has it (`can_fetch`), and otherwise posted through the handler in base64 behind a `%`
/// (page secrets are hex and a hello is JSON, so nothing else starts so). Messages posted while a `POST` is under way
/// wait for it, so the host reads them in order. Intrinsics are taken when the runtime is installed, before any page
/// script can replace them.
pub(crate) fn post_expression(fetch_above: Option<usize>, can_fetch: bool, deliver: &str) -> String {
    let received = received_function(deliver);
    let limit = fetch_above.map_or_else(|| "Infinity".to_owned(), |n| n.to_string());
    format!(
        r#"(() => {{
  const ipc = window.ipc;
  if (ipc === undefined) {{ return () => {{}}; }}
  const apply = Reflect.apply, send = ipc.postMessage, fetch = window.fetch, then = Promise.prototype.then;
  const shift = Array.prototype.shift, push = Array.prototype.push, toBase64 = window.btoa;
  const fromCharCode = String.fromCharCode, Bytes = Uint8Array, escape = encodeURIComponent;
  const slice = Uint8Array.prototype.slice, setBytes = Uint8Array.prototype.set;
  const encoder = new TextEncoder(), encode = TextEncoder.prototype.encode;
  const limit = {limit}, canFetch = {can_fetch};
  // Messages waiting for an upload under way, in order: [text or frame] or [text, bytes] (a message and its part).
  const waiting = [];
  let busy = false;
  // The number of the last upload, and of the one under way (null: none); see ipc_wry::bulk on why they are numbered.
  let uploads = window.crypto.getRandomValues(new Uint32Array(1))[0], current = null;
  const direct = (text) => apply(send, ipc, [text]);
  const base64 = (frame) => {{
    const bytes = new Bytes(frame);
    let text = "";
    for (let i = 0; i < bytes.length; i += 32768) {{
      text += apply(fromCharCode, null, bytes.subarray(i, i + 32768));
    }}
    return "%" + toBase64(text);
  }};
  // The frame of a message and its one part (ipc_core::protocol), for when the part cannot be posted by itself.
  const frameOf = (text, part) => {{
    const head = apply(encode, encoder, [text]);
    const frame = new Bytes(8 + head.length + part.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, head.length, true);
    apply(setBytes, frame, [head, 4]);
    view.setUint32(4 + head.length, part.length, true);
    apply(setBytes, frame, [part, 8 + head.length]);
    return frame.buffer;
  }};
  // Upload `number` has been taken in (its response came, or the host said so first): post what waits.
  const taken = (number) => {{
    if (number !== current) {{ return; }}
    current = null;
    busy = false;
    while (!busy && waiting.length > 0) {{ go(apply(shift, waiting, [])); }}
  }};
  const upload = (path, body, fallback, message) => {{
    busy = true;
    uploads = (uploads + 1) >>> 0;
    const number = uploads;
    current = number;
    const headers = message === undefined ? {{ "{UPLOAD}": "" + number }}
      : {{ "{UPLOAD}": "" + number, "{MESSAGE}": escape(message) }};
    const posted = apply(fetch, window, [path, {{ method: "POST", body, headers }}]);
    // A failed post goes through the handler instead, unless the host has said it took the message in.
    const failed = () => {{ if (number === current) {{ direct(fallback()); taken(number); }} }};
    apply(then, posted, [() => taken(number), failed]);
  }};
  if (canFetch) {{
    Object.defineProperty(window, {received:?}, {{ value: (number) => taken(number) }});
  }}
  const go = (entry) => {{
    const message = entry[0];
    if (entry.length === 2) {{
      // The part is the body, as it is; the message travels in a header.
      upload("{PART}", entry[1], () => base64(frameOf(message, entry[1])), message);
      return;
    }}
    if (typeof message !== "string") {{
      if (canFetch) {{ upload("{FRAME}", message, () => base64(message)); }} else {{ direct(base64(message)); }}
      return;
    }}
    if (message.length < limit) {{ direct(message); return; }}
    upload("{POST}", message, () => message);
  }};
  const post = (message) => {{ if (busy) {{ apply(push, waiting, [[message]]); }} else {{ go([message]); }} }};
  if (canFetch) {{
    // A message with one binary part: posted without copying the part into a frame (fetch copies the body when it
    // is called; a part that has to wait is copied now, so the page may change its buffer once the call is made).
    post.parts = (text, part) => {{
      if (text.length > {PART_TEXT}) {{ return false; }}
      if (busy) {{ apply(push, waiting, [[text, apply(slice, part, [])]]); }} else {{ go([text, part]); }}
      return true;
    }};
  }}
  return post;
}})()"#
    )
}

/// The bridge's `connect` expression: defines the delivery function `deliver` on `window` (not writable, not
/// configurable). `deliver(text)` hands a delivery's text (or its value, see [`delivery_script`]) to the runtime;
/// `deliver(null, token)` starts fetching a held delivery (a binary frame, or one part with the text in a header) at
/// once; `deliver(null, null, base64)` hands over a binary frame sent as script (decoded with
/// `Uint8Array.fromBase64` where the engine has it, byte by byte from `atob` where not).
/// Fetches run side by side, but deliveries reach the runtime strictly in the order they were announced.
pub(crate) fn connect_expression(deliver: &str) -> String {
    format!(
        r#"(receive) => {{
  const apply = Reflect.apply, fetch = window.fetch, then = Promise.prototype.then;
  const readBytes = Response.prototype.arrayBuffer, fromBase64 = window.atob, charCodeAt = String.prototype.charCodeAt;
  const headersOf = Object.getOwnPropertyDescriptor(Response.prototype, "headers").get, header = Headers.prototype.get;
  const Bytes = Uint8Array, decode = decodeURIComponent, isArray = Array.isArray;
  const shift = Array.prototype.shift, push = Array.prototype.push;
  const line = [];
  const hand = (delivery, parts) => {{ try {{ receive(delivery, parts); }} catch (error) {{ console.error(error); }} }};
  const drain = () => {{
    while (line.length > 0 && line[0].done) {{
      const item = apply(shift, line, []);
      if (item.delivery !== null) {{ hand(item.delivery, item.parts); }}
    }}
  }};
  // A fetched delivery: its frame, or (with its text in a header) its one part, as the body.
  const read = (response) => {{
    const message = apply(header, apply(headersOf, response, []), ["{MESSAGE}"]);
    const body = apply(readBytes, response, []);
    return message === null ? body : apply(then, body, [(bytes) => [decode(message), [new Bytes(bytes)]]]);
  }};
  const nativeBase64 = typeof Bytes.fromBase64 === "function" ? Bytes.fromBase64 : null;
  const frameOf = (base64) => {{
    if (nativeBase64 !== null) {{ return apply(nativeBase64, Bytes, [base64]).buffer; }}
    const text = fromBase64(base64);
    const bytes = new Bytes(text.length);
    for (let i = 0; i < text.length; i++) {{ bytes[i] = apply(charCodeAt, text, [i]); }}
    return bytes.buffer;
  }};
  Object.defineProperty(window, {deliver:?}, {{
    value: (text, token, base64) => {{
      if (token === undefined || token === null) {{
        const delivery = typeof base64 === "string" ? frameOf(base64) : text;
        if (line.length === 0) {{ hand(delivery); return; }}
        apply(push, line, [{{ done: true, delivery }}]);
        return;
      }}
      const item = {{ done: false, delivery: null, parts: undefined }};
      apply(push, line, [item]);
      const fetched = apply(fetch, window, ["{PULL}" + token]);
      const body = apply(then, fetched, [read]);
      const settle = (got) => {{
        item.done = true;
        if (isArray(got)) {{ item.delivery = got[0]; item.parts = got[1]; }} else {{ item.delivery = got; }}
        drain();
      }};
      apply(then, body, [settle, (error) => {{ console.error("a delivery could not be fetched", error); settle(null); }}]);
    }},
  }});
}}"#
    )
}

/// The opening of a delivery script, before the delivery's JSON ([`delivery_script`]); the closing is
/// [`DELIVERY_CALL_END`].
pub(crate) fn delivery_call_start(deliver: &str) -> String {
    format!("{deliver}(")
}

/// The closing of a delivery script, after the delivery's JSON.
pub(crate) const DELIVERY_CALL_END: &str = ");";

/// The script that hands `text` (a delivery's JSON) to the page, given the same text already written as a call
/// (`deliver({...});`, from [`delivery_call_start`] and [`DELIVERY_CALL_END`]).
///
/// Usually that call itself: the JSON as the argument, a script of the shape JavaScriptCore reads with its JSON
/// parser rather than its script parser, so the page reads the delivery once. A JSON text is a valid JavaScript
/// expression of the same value (U+2028 and U+2029 are allowed in string literals since ES2019) with one exception:
/// in an object literal a `__proto__` key sets the object's prototype, where `JSON.parse` makes it data. A key can
/// spell `__proto__` with `\u` escapes, so a text holding `__proto__` or any `\u` escape (which serde_json writes only
/// for control characters) goes as a string instead: `deliver('...')`, a single-quoted literal built in one pass
/// (JSON text holds no raw line breaks and few `'` or `\`, so nearly every byte is copied as it is), which the runtime
/// reads with `JSON.parse`. So does a text nested deeper than [`MAX_EXPRESSION_NESTING`]: the script parser refuses
/// it, and the delivery would be lost, where `JSON.parse` reads any depth. Measured with
/// `cargo bench -p tests --bench push_flood` (300 × 1 MiB pushes run directly as the bench's children, three runs
/// each): 0.84–0.85 s as an expression against 0.99–1.13 s as a string; tiny pushes, batched a megabyte at a time,
/// were level.
pub(crate) fn delivery_script<'a>(deliver: &str, text: &str, call: &'a str) -> Cow<'a, str> {
    if !text.contains("__proto__") && !text.contains("\\u") && !nests_deeper_than(text, MAX_EXPRESSION_NESTING) {
        return Cow::Borrowed(call);
    }
    let mut script = String::with_capacity(deliver.len() + text.len() + text.len() / 64 + 8);
    script.push_str(deliver);
    script.push_str("('");
    // The bytes to escape are ASCII, which never occurs inside a UTF-8 sequence: the text is cut only at char bounds.
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'\\' => "\\\\",
            b'\'' => "\\'",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => continue,
        };
        script.push_str(&text[start..at]);
        script.push_str(escaped);
        start = at + 1;
    }
    script.push_str(&text[start..]);
    script.push_str("');");
    Cow::Owned(script)
}

/// The deepest nesting of arrays and objects a delivery goes with as a script expression. JavaScriptCore's script
/// parser (WebKitGTK 2.50) read a call with an array argument nested 3,000 levels deep and refused one of 4,000; a
/// third of that leaves room for other builds and stacks.
const MAX_EXPRESSION_NESTING: usize = 1000;

/// Whether the JSON `text` nests arrays and objects more than `limit` levels deep. A text with no more than `limit`
/// of `[` and `{` in all cannot, which one quick count tells for most texts; the others are walked, skipping strings.
fn nests_deeper_than(text: &str, limit: usize) -> bool {
    let bytes = text.as_bytes();
    if memchr::memchr2_iter(b'[', b'{', bytes).nth(limit).is_none() {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' if depth == limit => return true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The script that hands a delivery with binary parts to a page that cannot fetch it (no app scheme): its frame in
/// base64. Costs a third more bytes than the frame; windows showing a URL (such as a dev server) only.
pub(crate) fn frame_script(deliver: &str, frame: &[u8]) -> String {
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::STANDARD.encode(frame);
    format!("{deliver}(null, null, \"{base64}\");")
}

/// Answers a request for a path under [`RESERVED`]: a held delivery, or a large message from the page.
pub(crate) fn serve(
    request: Request<Vec<u8>>,
    link: Option<&WindowLink>,
    held: &Held,
    counters: &Counters,
) -> Response<Cow<'static, [u8]>> {
    let path = request.uri().path();
    if let Some(token) = path.strip_prefix(PULL) {
        if request.method() != Method::GET {
            return respond(StatusCode::METHOD_NOT_ALLOWED, Vec::new());
        }
        return match held.take(token) {
            // The delivery's room in the window's queue is released when it drops, after its bytes are taken here.
            Some(delivery) if delivery.parts().len() == 1 && delivery.text().len() <= PART_TEXT => {
                // One part: the body is the part itself, the text a header.
                counters.count(Path::DeliveryByFetch);
                counters.count(Path::DeliveryByPart);
                let (text, mut parts) = delivery.into_parts();
                let message = utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string();
                let body = Vec::from(parts.pop().expect("one part"));
                let mut response = respond(StatusCode::OK, body);
                let value = header::HeaderValue::from_str(&message).expect("percent-encoded text is a header value");
                response.headers_mut().insert(MESSAGE, value);
                response
            }
            Some(delivery) => {
                counters.count(Path::DeliveryByFetch);
                respond(StatusCode::OK, delivery.to_frame())
            }
            None => respond(StatusCode::NOT_FOUND, Vec::new()),
        };
    }
    if path == FRAME {
        if request.method() != Method::POST {
            return respond(StatusCode::METHOD_NOT_ALLOWED, Vec::new());
        }
        let Some(link) = link else {
            return respond(StatusCode::GONE, Vec::new());
        };
        let number = upload_number(&request);
        return match ipc_core::protocol::decode_frame(request.into_body()) {
            Some((text, parts)) => {
                counters.count(Path::MessageByPost);
                held.note_upload(number, &text, link);
                link.receive_parts(text, parts);
                respond(StatusCode::NO_CONTENT, Vec::new())
            }
            None => respond(StatusCode::BAD_REQUEST, Vec::new()),
        };
    }
    if path == PART {
        if request.method() != Method::POST {
            return respond(StatusCode::METHOD_NOT_ALLOWED, Vec::new());
        }
        let Some(link) = link else {
            return respond(StatusCode::GONE, Vec::new());
        };
        let message = request
            .headers()
            .get(MESSAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| percent_encoding::percent_decode_str(value).decode_utf8().ok());
        return match message {
            Some(message) => {
                counters.count(Path::MessageByPart);
                held.note_upload(upload_number(&request), &message, link);
                link.receive_parts(message.into_owned(), vec![bytes::Bytes::from(request.into_body())]);
                respond(StatusCode::NO_CONTENT, Vec::new())
            }
            None => respond(StatusCode::BAD_REQUEST, Vec::new()),
        };
    }
    if path == POST {
        if request.method() != Method::POST {
            return respond(StatusCode::METHOD_NOT_ALLOWED, Vec::new());
        }
        let Some(link) = link else {
            return respond(StatusCode::GONE, Vec::new());
        };
        let number = upload_number(&request);
        return match String::from_utf8(request.into_body()) {
            Ok(text) => {
                counters.count(Path::MessageByPost);
                held.note_upload(number, &text, link);
                link.receive(text);
                respond(StatusCode::NO_CONTENT, Vec::new())
            }
            Err(_) => respond(StatusCode::BAD_REQUEST, Vec::new()),
        };
    }
    respond(StatusCode::NOT_FOUND, Vec::new())
}

fn respond(status: StatusCode, body: Vec<u8>) -> Response<Cow<'static, [u8]>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Cow::Owned(body))
        .expect("a response from a status, two headers and a body always builds")
}

/// Takes a message posted through the script message handler: text, or a binary frame in base64 behind a `%` (from a
/// page without the app scheme). A `%` message that is not base64 is dropped and logged.
pub(crate) fn receive_posted(link: &WindowLink, message: String) {
    match message.strip_prefix('%') {
        None => link.receive(message),
        Some(base64) => {
            use base64::Engine as _;
            match base64::engine::general_purpose::STANDARD.decode(base64) {
                Ok(frame) => link.receive_frame(frame),
                Err(_) => tracing::warn!(window = %link.id(), "message refused: a binary frame that is not base64"),
            }
        }
    }
}

/// The number the page gave its upload in the `x-ipc-upload` header: a `u32` in decimal, or none.
fn upload_number(request: &Request<Vec<u8>>) -> Option<u32> {
    request.headers().get(UPLOAD)?.to_str().ok()?.parse().ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_delivery_is_its_json_as_an_expression_unless_json_parse_would_read_it_differently() {
        let call = |text: &str| format!("{}{text}{DELIVERY_CALL_END}", delivery_call_start("d"));
        let script = |text: &str| delivery_script("d", text, &call(text)).into_owned();
        // JSON is a JavaScript expression of the same value: the call goes as it is, U+2028 and line breaks included.
        let text = "{\"page\":\"p\",\n\"messages\":[{\"a\":\"it's \\\"q\\\" \\\\ é\\n\u{2028}\"}]}";
        assert!(matches!(delivery_script("d", text, &call(text)), Cow::Borrowed(_)));
        assert_eq!(script(text), format!("d({text});"));
        // A `__proto__` key (plain, or spelled with escapes) would set a prototype in an object literal: a string
        // literal for JSON.parse instead, escaping only what would end or break the literal.
        assert_eq!(
            script(r#"{"__proto__":"it's \"q\" \\ é"}"#),
            r#"d('{"__proto__":"it\'s \\"q\\" \\\\ é"}');"#
        );
        assert_eq!(script(r#"{"\u005f_proto__":1}"#), r#"d('{"\\u005f_proto__":1}');"#);
        assert_eq!(
            script("[\"__proto__\",\na\rc\u{2028}]"),
            "d('[\"__proto__\",\\na\\rc\u{2028}]');"
        );
        // Nested deeper than the script parser reads: a string too. Brackets in strings and siblings do not nest.
        let nested = |depth: usize| format!("{}1{}", "[{\"a\":".repeat(depth / 2), "}]".repeat(depth / 2));
        assert_eq!(
            script(&nested(MAX_EXPRESSION_NESTING)),
            format!("d({});", nested(MAX_EXPRESSION_NESTING))
        );
        let deeper = nested(MAX_EXPRESSION_NESTING + 2);
        assert_eq!(script(&deeper), format!("d('{deeper}');"));
        let wide = format!("[{}[]]", "[],".repeat(5 * MAX_EXPRESSION_NESTING));
        assert_eq!(script(&wide), format!("d({wide});"));
        let quoted = format!("[\"{}\\\"{}\"]", "[{".repeat(MAX_EXPRESSION_NESTING), "[".repeat(9));
        assert_eq!(script(&quoted), format!("d({quoted});"));
    }

    use ipc_core::testing::TestClient;
    use ipc_core::Hub;

    use super::*;

    fn hub() -> (tokio::runtime::Runtime, Hub) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let hub = Hub::builder().runtime(runtime.handle().clone()).build().unwrap();
        (runtime, hub)
    }

    fn get(path: &str) -> Request<Vec<u8>> {
        Request::builder()
            .uri(format!("app://localhost{path}"))
            .body(Vec::new())
            .unwrap()
    }

    fn post(path: &str, body: &[u8]) -> Request<Vec<u8>> {
        Request::builder()
            .method(Method::POST)
            .uri(format!("app://localhost{path}"))
            .body(body.to_vec())
            .unwrap()
    }

    #[test]
    fn the_last_upload_taken_in_is_told_once_and_only_by_a_number_the_page_could_give() {
        let (_runtime, hub) = hub();
        let mut client = TestClient::new(&hub);
        let held = Held::default();
        let counters = Counters::default();
        let signed = |secret: &str| format!(r#"{secret}:{{"type":"send","channel":"x"}}"#);
        // The same message by each path that takes uploads: a post of its text, its frame, or a part beside it.
        let numbered = |path: &str, number: &str, message: &str| {
            let body = match path {
                FRAME => [&(message.len() as u32).to_le_bytes()[..], message.as_bytes()].concat(),
                PART => b"part".to_vec(),
                _ => message.as_bytes().to_vec(),
            };
            let mut request = post(path, &body);
            request.headers_mut().insert(UPLOAD, number.parse().unwrap());
            let header = utf8_percent_encode(message, NON_ALPHANUMERIC).to_string();
            request.headers_mut().insert(MESSAGE, header.parse().unwrap());
            request
        };
        let serve = |request, link: &WindowLink| serve(request, Some(link), &held, &counters).status();
        let page = signed(client.secret());
        assert_eq!(held.take_received(), None);
        assert_eq!(serve(numbered(POST, "7", &page), client.link()), StatusCode::NO_CONTENT);
        assert_eq!(serve(numbered(PART, "8", &page), client.link()), StatusCode::NO_CONTENT);
        assert_eq!(
            serve(numbered(FRAME, "4294967295", &page), client.link()),
            StatusCode::NO_CONTENT
        );
        assert_eq!(held.take_received(), Some(u32::MAX), "the last one taken in");
        assert_eq!(held.take_received(), None, "told once");

        for not_a_number in ["-1", "4294967296", "1e3", "0x10", "x", ""] {
            serve(numbered(POST, not_a_number, &page), client.link());
        }
        assert_eq!(held.take_received(), None, "nothing the page could have numbered");
        // Refused before being taken in: a part without its message, a frame cut short, a wrong method, no window.
        let mut no_message = numbered(PART, "9", &page);
        no_message.headers_mut().remove(MESSAGE);
        assert_eq!(serve(no_message, client.link()), StatusCode::BAD_REQUEST);
        let mut cut_short = numbered(FRAME, "9", &page);
        cut_short.body_mut().pop();
        assert_eq!(serve(cut_short, client.link()), StatusCode::BAD_REQUEST);
        let mut wrong_method = numbered(POST, "10", &page);
        *wrong_method.method_mut() = Method::GET;
        assert_eq!(serve(wrong_method, client.link()), StatusCode::METHOD_NOT_ALLOWED);
        let gone = super::serve(numbered(FRAME, "11", &page), None, &held, &counters).status();
        assert_eq!(gone, StatusCode::GONE);
        assert_eq!(held.take_received(), None);

        // What a frame or a page gone could post: taken in (and refused by the hub), but never told to the page.
        let guessed = signed(&ipc_core::transport::new_secret());
        client.navigate("app://localhost");
        for forged in [r#"{"type":"send","channel":"x"}"#, &guessed, &page] {
            for path in [POST, PART, FRAME] {
                assert_eq!(
                    serve(numbered(path, "12", forged), client.link()),
                    StatusCode::NO_CONTENT
                );
            }
        }
        assert_eq!(
            held.take_received(),
            None,
            "no upload of a message the window's pages did not sign"
        );
        assert_eq!(
            serve(numbered(PART, "13", &signed(client.secret())), client.link()),
            StatusCode::NO_CONTENT
        );
        assert_eq!(held.take_received(), Some(13), "the page loaded since");
        assert_eq!(received_script("d", 8), "d_received(8);");
    }

    /// The page's side of upload confirmations, in Node with a fake `fetch` whose posts settle when the test says:
    /// what waits behind an upload is posted once that upload is confirmed or answered, never on the word of an
    /// older or unknown upload, and a confirmed upload is not posted again when its `fetch` fails.
    #[test]
    fn the_page_posts_what_waits_only_once_the_upload_under_way_is_taken_in() {
        let harness = format!(
            r#"
const posted = [], fetches = [];
const window = {{
  ipc: {{ postMessage: (text) => posted.push(text) }},
  crypto: {{ getRandomValues: (array) => {{ array[0] = 4294967294; return array; }} }},
  fetch: (path, init) => new Promise((resolve, reject) => fetches.push({{ path, init, resolve, reject }})),
}};
globalThis.window = window;
const post = {expression};
const tick = () => new Promise((resolve) => setImmediate(resolve));
const check = (what, actual, expected) => {{
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {{
    console.log(`${{what}}: ${{JSON.stringify(actual)}}, expected ${{JSON.stringify(expected)}}`);
    process.exit(1);
  }}
}};
const number = (at) => fetches[at].init.headers["x-ipc-upload"];
post("A".repeat(100)); post("a");
check("numbered from the random start, wrapping", [fetches.length, number(0)], [1, "4294967295"]);
window.d_received(4294967294); window.d_received(7);
check("an older or unknown number releases nothing", posted, []);
window.d_received(4294967295);
check("confirmed: what waited is posted", posted, ["a"]);
post("B".repeat(100)); post("b");
check("the next upload", [fetches.length, number(1)], [2, "0"]);
fetches[0].resolve(); await tick();
check("the older upload's response releases nothing", posted, ["a"]);
fetches[1].reject(new Error("down")); await tick();
check("unconfirmed and failed: it goes through the handler, then what waited", posted, ["a", "B".repeat(100), "b"]);
post("C".repeat(100));
window.d_received(Number(number(2)));
fetches[2].reject(new Error("down")); await tick();
check("confirmed, then failed: not posted again", posted, ["a", "B".repeat(100), "b"]);
console.log("ok");
"#,
            expression = post_expression(Some(100), true, "d")
        );
        assert_eq!(run_node("uploads", &harness), "ok");
    }

    /// Runs `harness` as an ES module in Node and returns what it printed, or panics with its output if it failed.
    fn run_node(name: &str, harness: &str) -> String {
        let dir = std::env::temp_dir().join(format!("ipc-wry-bulk-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{name}.mjs"));
        std::fs::write(&file, harness).unwrap();
        let out = std::process::Command::new("node")
            .arg(&file)
            .output()
            .expect("node runs (scripts/test installs Node.js)");
        let _ = std::fs::remove_dir_all(&dir);
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    /// The page's side of a binary frame sent as script, in Node: decoded the same by `Uint8Array.fromBase64` where
    /// the engine has it (Node 20 does not: a stand-in counts its calls) and byte by byte from `atob` where not.
    #[test]
    fn a_frame_in_base64_reaches_the_runtime_as_its_bytes_with_or_without_from_base64() {
        let harness = format!(
            r#"
const connect = {expression};
const frame = Uint8Array.from({{ length: 600 }}, (_, i) => (i * 37) % 256);
const base64 = Buffer.from(frame).toString("base64");
const received = (window) => {{
  const got = [];
  globalThis.window = window;
  connect((delivery) => got.push(delivery));
  window.d(null, null, base64);
  return got;
}};
const same = (got) => got.length === 1 && got[0] instanceof ArrayBuffer
  && Buffer.from(got[0]).equals(Buffer.from(frame));
if (typeof Uint8Array.fromBase64 === "function") {{ console.log("expected Node without fromBase64"); process.exit(1); }}
if (!same(received({{ fetch, atob }}))) {{ console.log("decoded from atob: wrong bytes"); process.exit(1); }}
let calls = 0;
Uint8Array.fromBase64 = (text) => {{ calls++; return new Uint8Array(Buffer.from(text, "base64")); }};
if (!same(received({{ fetch, atob: () => {{ throw new Error("atob used"); }} }})) || calls !== 1) {{
  console.log(`decoded by fromBase64: wrong bytes or ${{calls}} calls`);
  process.exit(1);
}}
console.log("ok");
"#,
            expression = connect_expression("d")
        );
        assert_eq!(run_node("base64", &harness), "ok");
    }

    #[test]
    fn a_held_delivery_is_served_once_and_its_room_released() {
        let (_runtime, hub) = hub();
        let client = TestClient::new(&hub);
        hub.send_to_window(client.window(), "news", &"x".repeat(1000)).unwrap();
        let delivery = client.link().take_delivery().unwrap();
        let frame = delivery.to_frame();
        let held = Held::default();
        let counters = Counters::default();
        let token = held.hold(delivery);
        assert!(hub.queued_bytes(client.window()) > 0, "a held delivery keeps its room");

        let response = serve(get(&format!("{PULL}{token}")), Some(client.link()), &held, &counters);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(&response.body()[..], &frame[..], "the delivery as a binary frame");
        assert_eq!(hub.queued_bytes(client.window()), 0, "fetched, so released");
        let again = serve(get(&format!("{PULL}{token}")), Some(client.link()), &held, &counters);
        assert_eq!(again.status(), StatusCode::NOT_FOUND, "a token is served once");
    }

    #[test]
    fn a_held_delivery_of_one_part_is_served_as_the_part_with_its_text_in_a_header() {
        let (_runtime, hub) = hub();
        let client = TestClient::new(&hub);
        let held = Held::default();
        let counters = Counters::default();
        let data: Vec<u8> = (0..=255).collect();
        hub.send_to_window(client.window(), "one", &ipc_core::Binary::from(data.clone()))
            .unwrap();
        let one = client.link().take_delivery().unwrap();
        let text = one.text().to_owned();
        let token = held.hold(one);
        let response = serve(get(&format!("{PULL}{token}")), Some(client.link()), &held, &counters);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(&response.body()[..], &data[..], "the part, as it is");
        let header = response.headers()[MESSAGE].to_str().unwrap();
        assert_eq!(
            percent_encoding::percent_decode_str(header).decode_utf8().unwrap(),
            text
        );
        assert!(text.contains("\"channel\":\"one\""));
        assert_eq!(counters.snapshot().deliveries_by_part, 1);

        // More than one part goes as a frame.
        let two = (ipc_core::Binary::from(vec![1u8]), ipc_core::Binary::from(vec![2u8]));
        hub.send_to_window(client.window(), "two", &two).unwrap();
        let delivery = client.link().take_delivery().unwrap();
        let frame = delivery.to_frame();
        let token = held.hold(delivery);
        let response = serve(get(&format!("{PULL}{token}")), Some(client.link()), &held, &counters);
        assert_eq!(&response.body()[..], &frame[..]);
        assert!(response.headers().get(MESSAGE).is_none());
        assert_eq!(counters.snapshot().deliveries_by_part, 1);
        assert_eq!(hub.queued_bytes(client.window()), 0, "fetched, so released");
    }

    #[test]
    fn unknown_tokens_paths_and_methods_are_refused() {
        let held = Held::default();
        let counters = Counters::default();
        let status = |request| serve(request, None, &held, &counters).status();
        assert_eq!(
            status(get(&format!("{PULL}0123456789abcdef0123456789abcdef"))),
            StatusCode::NOT_FOUND
        );
        assert_eq!(status(get("/__ipc/other")), StatusCode::NOT_FOUND);
        assert_eq!(status(post(&format!("{PULL}x"), b"")), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(status(get(POST)), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(status(post(POST, b"x")), StatusCode::GONE, "no window to hand it to");
    }

    #[test]
    fn a_posted_message_is_judged_like_any_other() {
        let (runtime, hub) = hub();
        let client = TestClient::new(&hub);
        let mut heard = hub.channel_events("page.said");
        let held = Held::default();
        let counters = Counters::default();
        let envelope = r#"{"type":"send","channel":"page.said","payload":1}"#;

        let forged = serve(
            post(POST, format!("{}:{envelope}", "0".repeat(32)).as_bytes()),
            Some(client.link()),
            &held,
            &counters,
        );
        assert_eq!(
            forged.status(),
            StatusCode::NO_CONTENT,
            "refused unread, like a posted message"
        );
        let not_text = serve(post(POST, &[0xff, 0xfe]), Some(client.link()), &held, &counters);
        assert_eq!(not_text.status(), StatusCode::BAD_REQUEST);
        let signed = serve(
            post(POST, format!("{}:{envelope}", client.secret()).as_bytes()),
            Some(client.link()),
            &held,
            &counters,
        );
        assert_eq!(signed.status(), StatusCode::NO_CONTENT);

        let first =
            runtime.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv()).await });
        let event = first.expect("the signed message arrives").expect("the stream is open");
        assert_eq!(event.payload_json(), "1");
        assert!(heard.try_recv().is_none(), "the forged message never arrived");
    }

    #[test]
    fn deliveries_held_for_a_page_that_was_replaced_are_dropped() {
        let (_runtime, hub) = hub();
        let mut client = TestClient::new(&hub);
        hub.send_to_window(client.window(), "news", &1).unwrap();
        let held = Held::default();
        held.hold(client.link().take_delivery().unwrap());
        client.navigate(TestClient::DEFAULT_ORIGIN);
        client.send("page.said", "1"); // the new page's first message retires the old one
        held.drop_stale();
        assert_eq!(held.len(), 0);
        assert_eq!(hub.queued_bytes(client.window()), 0);
    }
}
