//! What a hostile page can post, and what the host does with it: a catalogue of inputs, each refused with its
//! documented error (or, where there is no page to answer, with silence), none reaching a handler, none keeping the
//! page from its next ordinary call. Then the host's own limits: deadlines, closing and navigating, event order, slow
//! subscribers, a window that does not read its pushes, and what `#[serde(flatten)]` does to unknown fields.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Capabilities, Error, ErrorCode, Hub, WindowConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Counts every call that reaches one of its handlers, before doing anything else.
#[ipc_service]
trait Counter {
    /// Counts; answers the count.
    fn bump(&self) -> usize;
    /// Counts; answers `a + b`.
    fn add(&self, a: i64, b: i64) -> i64;
    /// Counts; answers the length of `text`.
    fn store(&self, text: String) -> usize;
    /// Counts; answers the depth of `value`'s first element chain.
    fn nested(&self, value: Value) -> usize;
    /// Counts, then holds the call for `millis`.
    async fn hold(&self, millis: u64) -> u64;
    /// Counts; denied to the catalogue's windows by their capabilities.
    fn locked(&self, key: String) -> bool;
}

#[derive(Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl Counting {
    fn calls(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counter for Counting {
    fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn add(&self, a: i64, b: i64) -> i64 {
        self.count();
        a + b
    }
    fn store(&self, text: String) -> usize {
        self.count();
        text.len()
    }
    fn nested(&self, value: Value) -> usize {
        self.count();
        let mut depth = 0;
        let mut at = &value;
        while let Some(first) = at.as_array().and_then(|a| a.first()) {
            depth += 1;
            at = first;
        }
        depth
    }
    async fn hold(&self, millis: u64) -> u64 {
        self.count();
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }
    fn locked(&self, _key: String) -> bool {
        self.count();
        true
    }
}

/// The origin the catalogue's windows serve their own content from.
const APP: &str = "app://localhost";
/// Requests larger than this are refused with `PAYLOAD_TOO_LARGE`.
const MAX_REQUEST: usize = 2 * 1024 * 1024;
/// Calls one window may have in flight.
const MAX_IN_FLIGHT: usize = 2;
/// How long to wait before deciding that nothing answers.
const SILENCE: Duration = Duration::from_millis(100);
/// The most an error answer may weigh, whatever the page sent.
const SMALL_ANSWER: usize = 1024;

/// How a catalogue input reaches the host.
#[derive(Clone, Copy, Debug)]
enum Post {
    /// `<page secret>:<text>`, as the page's runtime posts.
    Signed,
    /// The text alone, as a frame or a script posting past the runtime can.
    Unsigned,
}

/// The text of an input: fixed, or made from the session (to quote a secret, or to be a megabyte long).
#[derive(Clone, Copy)]
enum Text {
    Fixed(&'static str),
    Made(fn(&Session) -> String),
}

/// What the host must do with an input.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exactly one answer: this error, under this id, with a message containing this fragment.
    Refused {
        id: Option<i64>,
        code: ErrorCode,
        fragment: &'static str,
    },
    /// Nothing at all reaches the window within [`SILENCE`]: no answer, no welcome.
    NoAnswer,
}

/// One hostile input.
struct Hostile {
    name: &'static str,
    /// The origin of the page that posts it (the window's own content is [`APP`]).
    origin: &'static str,
    /// Calls the page starts first (and waits to see running); each must still answer, with success, afterwards.
    prelude: &'static [&'static str],
    text: Text,
    post: Post,
    expect: Expect,
}

fn refused(id: Option<i64>, code: ErrorCode, fragment: &'static str) -> Expect {
    Expect::Refused { id, code, fragment }
}

fn signed(name: &'static str, text: &'static str, expect: Expect) -> Hostile {
    Hostile {
        name,
        origin: APP,
        prelude: &[],
        text: Text::Fixed(text),
        post: Post::Signed,
        expect,
    }
}

fn signed_made(name: &'static str, text: fn(&Session) -> String, expect: Expect) -> Hostile {
    Hostile {
        text: Text::Made(text),
        ..signed(name, "", expect)
    }
}

fn unsigned(name: &'static str, text: &'static str) -> Hostile {
    Hostile {
        post: Post::Unsigned,
        ..signed(name, text, Expect::NoAnswer)
    }
}

fn unsigned_made(name: &'static str, text: fn(&Session) -> String) -> Hostile {
    Hostile {
        text: Text::Made(text),
        ..unsigned(name, "")
    }
}

fn from_origin(name: &'static str, origin: &'static str, fragment: &'static str) -> Hostile {
    Hostile {
        origin,
        ..signed(
            name,
            r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#,
            refused(Some(1), ErrorCode::Forbidden, fragment),
        )
    }
}

/// An invoke of `counter.store` whose `text` is `len` bytes long.
fn store_request(id: i64, len: usize) -> String {
    format!(
        r#"{{"type":"invoke","id":{id},"channel":"counter.store","args":{{"text":"{}"}}}}"#,
        "x".repeat(len)
    )
}

fn catalogue() -> Vec<Hostile> {
    use ErrorCode::{Busy, Forbidden, InvalidArguments, InvalidRequest, PayloadTooLarge, UnknownChannel};
    vec![
        // Envelopes that are not JSON, or not an envelope.
        signed(
            "not_json",
            "{not json",
            refused(None, InvalidRequest, "request is not valid JSON: key must be a string"),
        ),
        signed(
            "truncated_envelope",
            r#"{"type":"invoke","id":3,"channel":"counter.bump""#,
            refused(
                None,
                InvalidRequest,
                "request is not valid JSON: EOF while parsing an object",
            ),
        ),
        signed(
            "empty_envelope",
            "",
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found ``",
            ),
        ),
        signed(
            // A batch (see below) of one envelope that is a number.
            "top_level_array",
            "[1]",
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `1`",
            ),
        ),
        // Batches: an array of envelopes, each acted on as if posted alone.
        signed(
            "malformed_batch",
            r#"[{"type":"invoke","id":4,"channel":"counter.bump"},"#,
            refused(
                None,
                InvalidRequest,
                "a batch of requests is a JSON array of request envelopes",
            ),
        ),
        signed(
            "empty_batch",
            "[]",
            refused(None, InvalidRequest, "a batch of requests holds at least one"),
        ),
        signed(
            "batch_inside_a_batch",
            r#"[[{"type":"invoke","id":4,"channel":"counter.bump"}]]"#,
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `[",
            ),
        ),
        signed(
            "batch_of_a_forbidden_call",
            r#"[{"type":"invoke","id":4,"channel":"counter.locked","args":{"key":"k"}}]"#,
            refused(Some(4), Forbidden, "may not call `counter.locked`"),
        ),
        signed_made(
            "oversized_batch",
            |_| format!("[{}]", store_request(24, MAX_REQUEST)),
            refused(Some(24), PayloadTooLarge, "more than the 2097152 the host accepts"),
        ),
        unsigned(
            "unsigned_batch",
            r#"[{"type":"invoke","id":5,"channel":"counter.bump"}]"#,
        ),
        signed(
            "top_level_number",
            "42",
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `42`",
            ),
        ),
        signed(
            "top_level_string",
            r#""invoke""#,
            refused(
                None,
                InvalidRequest,
                r#"request is not a valid envelope: expected a JSON object, found `"invoke"`"#,
            ),
        ),
        signed(
            "top_level_null",
            "null",
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `null`",
            ),
        ),
        signed(
            "byte_order_mark_before_the_envelope",
            "\u{feff}{\"type\":\"invoke\",\"id\":1,\"channel\":\"counter.bump\"}",
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `\u{feff}{",
            ),
        ),
        signed(
            "trailing_characters_after_the_envelope",
            r#"{"type":"invoke","id":1,"channel":"counter.bump"} {"type":"invoke","id":2,"channel":"counter.bump"}"#,
            refused(None, InvalidRequest, "request is not valid JSON: trailing characters"),
        ),
        signed(
            "unknown_message_type",
            r#"{"type":"call","id":4,"channel":"counter.bump"}"#,
            refused(
                Some(4),
                InvalidRequest,
                "request is not a valid envelope: unknown variant `call`",
            ),
        ),
        signed(
            "upper_case_message_type",
            r#"{"type":"INVOKE","id":4,"channel":"counter.bump"}"#,
            refused(Some(4), InvalidRequest, "unknown variant `INVOKE`"),
        ),
        signed(
            "message_type_missing",
            r#"{"id":5,"channel":"counter.bump"}"#,
            refused(
                Some(5),
                InvalidRequest,
                "request is not a valid envelope: missing field `type`",
            ),
        ),
        signed(
            "invoke_without_id",
            r#"{"type":"invoke","channel":"counter.bump"}"#,
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: missing field `id`",
            ),
        ),
        signed(
            "invoke_without_channel",
            r#"{"type":"invoke","id":6}"#,
            refused(
                Some(6),
                InvalidRequest,
                "request is not a valid envelope: missing field `channel`",
            ),
        ),
        signed(
            "extra_envelope_field",
            r#"{"type":"invoke","id":7,"channel":"counter.bump","extra":true}"#,
            refused(
                Some(7),
                InvalidRequest,
                "request is not a valid envelope: unknown field `extra`",
            ),
        ),
        signed(
            "payload_on_an_invoke",
            r#"{"type":"invoke","id":8,"channel":"counter.bump","payload":{}}"#,
            refused(Some(8), InvalidRequest, "a `invoke` message has no field `payload`"),
        ),
        signed(
            "channel_not_a_string",
            r#"{"type":"invoke","id":9,"channel":42}"#,
            refused(
                Some(9),
                InvalidRequest,
                "request is not a valid envelope: invalid type: integer `42`, expected a string",
            ),
        ),
        signed(
            "channel_with_a_lone_surrogate",
            r#"{"type":"invoke","id":9,"channel":"counter.bump\ud800"}"#,
            refused(
                Some(9),
                InvalidRequest,
                "request is not valid JSON: unexpected end of hex escape",
            ),
        ),
        signed(
            "args_an_array",
            r#"{"type":"invoke","id":10,"channel":"counter.add","args":[1,2]}"#,
            refused(
                Some(10),
                InvalidArguments,
                "expected an object of named arguments, found `[1,2]`",
            ),
        ),
        signed(
            "args_a_string",
            r#"{"type":"invoke","id":10,"channel":"counter.add","args":"a=1&b=2"}"#,
            refused(
                Some(10),
                InvalidArguments,
                r#"expected an object of named arguments, found `"a=1&b=2"`"#,
            ),
        ),
        signed(
            "args_null_counts_as_absent",
            r#"{"type":"invoke","id":10,"channel":"counter.add","args":null}"#,
            refused(
                Some(10),
                InvalidArguments,
                "invalid arguments for `counter.add`: missing argument `a`",
            ),
        ),
        signed(
            "ready_with_an_id",
            r#"{"type":"ready","id":11}"#,
            refused(Some(11), InvalidRequest, "a `ready` message has no field `id`"),
        ),
        signed(
            "cancel_with_a_channel",
            r#"{"type":"cancel","id":12,"channel":"counter.bump"}"#,
            refused(Some(12), InvalidRequest, "a `cancel` message has no field `channel`"),
        ),
        // Ids a page's numbers cannot carry exactly, or that are not numbers.
        signed(
            "float_id",
            r#"{"type":"invoke","id":1.5,"channel":"counter.bump"}"#,
            refused(None, InvalidRequest, "invalid type: floating point `1.5`, expected i64"),
        ),
        signed(
            "string_id",
            r#"{"type":"invoke","id":"7","channel":"counter.bump"}"#,
            refused(None, InvalidRequest, r#"invalid type: string "7", expected i64"#),
        ),
        signed(
            "negative_id_beyond_range",
            r#"{"type":"invoke","id":-9007199254740992,"channel":"counter.bump"}"#,
            refused(
                None,
                InvalidRequest,
                "request id -9007199254740992 is beyond ±9007199254740991",
            ),
        ),
        signed(
            "id_of_two_to_the_53",
            r#"{"type":"invoke","id":9007199254740992,"channel":"counter.bump"}"#,
            refused(
                None,
                InvalidRequest,
                "request id 9007199254740992 is beyond ±9007199254740991",
            ),
        ),
        signed(
            "id_beyond_u64",
            r#"{"type":"invoke","id":18446744073709551616,"channel":"counter.bump"}"#,
            refused(
                None,
                InvalidRequest,
                "invalid type: floating point `1.8446744073709552e+19`, expected i64",
            ),
        ),
        signed(
            "id_1e400",
            r#"{"type":"invoke","id":1e400,"channel":"counter.bump"}"#,
            refused(None, InvalidRequest, "request is not valid JSON: number out of range"),
        ),
        signed(
            "bool_id",
            r#"{"type":"invoke","id":true,"channel":"counter.bump"}"#,
            refused(None, InvalidRequest, "invalid type: boolean `true`, expected i64"),
        ),
        signed(
            "null_id",
            r#"{"type":"invoke","id":null,"channel":"counter.bump"}"#,
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: missing field `id`",
            ),
        ),
        // Duplicate keys: the first and the last value must not be read by different parts of the host.
        signed(
            "id_twice",
            r#"{"type":"invoke","id":13,"id":14,"channel":"counter.bump"}"#,
            refused(None, InvalidRequest, "duplicate field `id`"),
        ),
        signed(
            "channel_twice",
            r#"{"type":"invoke","id":15,"channel":"counter.locked","channel":"counter.bump"}"#,
            refused(Some(15), InvalidRequest, "duplicate field `channel`"),
        ),
        signed(
            "type_twice",
            r#"{"type":"cancel","type":"invoke","id":16,"channel":"counter.bump"}"#,
            refused(Some(16), InvalidRequest, "duplicate field `type`"),
        ),
        signed(
            "argument_twice",
            r#"{"type":"invoke","id":17,"channel":"counter.add","args":{"a":1,"b":2,"a":3}}"#,
            refused(
                Some(17),
                InvalidArguments,
                "invalid arguments for `counter.add`: duplicate argument `a`",
            ),
        ),
        // Nesting deep enough to overflow a recursive parser's stack.
        signed_made(
            "ten_thousand_nested_arrays_in_args",
            |_| {
                let depth = 10_000;
                format!(
                    r#"{{"type":"invoke","id":18,"channel":"counter.nested","args":{{"value":{}{}}}}}"#,
                    "[".repeat(depth),
                    "]".repeat(depth)
                )
            },
            refused(Some(18), InvalidArguments, "...: recursion limit exceeded"),
        ),
        signed_made(
            "ten_thousand_nested_objects_in_an_unknown_argument",
            |_| {
                let depth = 10_000;
                format!(
                    r#"{{"type":"invoke","id":19,"channel":"counter.add","args":{{"deep":{}1{}}}}}"#,
                    r#"{"a":"#.repeat(depth),
                    "}".repeat(depth)
                )
            },
            refused(Some(19), InvalidArguments, "unknown argument `deep`; expected `a`, `b`"),
        ),
        signed_made(
            "ten_thousand_nested_arrays_as_the_envelope",
            |_| format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            refused(
                None,
                InvalidRequest,
                "request is not a valid envelope: expected a JSON object, found `[",
            ),
        ),
        // Larger than the host accepts: refused unread, under the id the runtime writes at the start.
        signed_made(
            "oversized_request",
            |_| store_request(20, MAX_REQUEST + 1),
            refused(Some(20), PayloadTooLarge, "more than the 2097152 the host accepts"),
        ),
        signed_made(
            "oversized_request_with_its_id_at_the_end",
            |_| {
                let padding = "x".repeat(MAX_REQUEST);
                format!(r#"{{"args":{{"text":"{padding}"}},"type":"invoke","channel":"counter.store","id":21}}"#)
            },
            refused(None, PayloadTooLarge, "more than the 2097152 the host accepts"),
        ),
        // Channels that look like a real one.
        signed(
            "channel_with_a_trailing_space",
            r#"{"type":"invoke","id":22,"channel":"counter.bump "}"#,
            refused(Some(22), UnknownChannel, "unknown channel `counter.bump `"),
        ),
        signed(
            "channel_with_a_leading_space",
            r#"{"type":"invoke","id":22,"channel":" counter.bump"}"#,
            refused(Some(22), UnknownChannel, "unknown channel ` counter.bump`"),
        ),
        signed(
            "channel_in_another_case",
            r#"{"type":"invoke","id":23,"channel":"Counter.bump"}"#,
            refused(Some(23), UnknownChannel, "unknown channel `Counter.bump`"),
        ),
        signed(
            "channel_with_a_double_dot",
            r#"{"type":"invoke","id":24,"channel":"counter..bump"}"#,
            refused(Some(24), UnknownChannel, "unknown channel `counter..bump`"),
        ),
        signed(
            "channel_with_a_cyrillic_homoglyph",
            r#"{"type":"invoke","id":25,"channel":"counter.bum\u0440"}"#,
            refused(Some(25), UnknownChannel, "unknown channel `counter.bumр`"),
        ),
        signed(
            "channel_with_an_escaped_nul",
            r#"{"type":"invoke","id":26,"channel":"counter.bump\u0000"}"#,
            refused(Some(26), UnknownChannel, "unknown channel `counter.bump\0`"),
        ),
        signed(
            "empty_channel",
            r#"{"type":"invoke","id":27,"channel":""}"#,
            refused(Some(27), UnknownChannel, "unknown channel ``"),
        ),
        signed_made(
            "megabyte_channel_name",
            |_| {
                format!(
                    r#"{{"type":"invoke","id":28,"channel":"counter.{}"}}"#,
                    "b".repeat(1024 * 1024)
                )
            },
            refused(Some(28), UnknownChannel, "unknown channel `counter.bbbbbbbb"),
        ),
        // Pages whose origin looks like the app's: they may not speak for the window.
        from_origin(
            "origin_with_a_longer_host",
            "app://localhost.evil",
            "pages of origin `app://localhost.evil` may not use `counter.bump`",
        ),
        from_origin(
            "origin_with_a_port",
            "app://localhost:1",
            "pages of origin `app://localhost:1` may not use `counter.bump`",
        ),
        from_origin(
            "origin_in_upper_case",
            "APP://LOCALHOST",
            "pages of origin `APP://LOCALHOST` may not use `counter.bump`",
        ),
        from_origin(
            "origin_with_a_trailing_slash",
            "app://localhost/",
            "pages of origin `app://localhost/` may not use",
        ),
        from_origin(
            "null_origin",
            "null",
            "pages of origin `null` may not use `counter.bump`",
        ),
        // Capabilities are checked before the arguments are read.
        signed(
            "forbidden_channel_with_positional_arguments",
            r#"{"type":"invoke","id":29,"channel":"counter.locked","args":[1,2]}"#,
            refused(Some(29), Forbidden, "may not call `counter.locked`"),
        ),
        signed(
            "forbidden_channel_with_an_unknown_argument",
            r#"{"type":"invoke","id":30,"channel":"counter.locked","args":{"key":1,"admin":true}}"#,
            refused(Some(30), Forbidden, "may not call `counter.locked`"),
        ),
        signed(
            "forbidden_unknown_channel_with_a_string_for_args",
            r#"{"type":"invoke","id":31,"channel":"admin.reset","args":"now"}"#,
            refused(Some(31), Forbidden, "may not call `admin.reset`"),
        ),
        // Without the page's secret there is no page to answer.
        unsigned(
            "unsigned_invoke",
            r#"{"type":"invoke","id":32,"channel":"counter.bump"}"#,
        ),
        unsigned("unsigned_garbage", "hello? anyone?"),
        unsigned(
            "unsigned_invoke_with_an_empty_secret",
            r#":{"type":"invoke","id":33,"channel":"counter.bump"}"#,
        ),
        unsigned(
            "forged_secret",
            r#"00112233445566778899aabbccddeeff:{"type":"invoke","id":34,"channel":"counter.bump"}"#,
        ),
        unsigned_made("secret_of_another_window", |s| {
            format!(
                r#"{}:{{"type":"invoke","id":35,"channel":"counter.bump"}}"#,
                s.other.secret()
            )
        }),
        unsigned_made("secret_in_upper_case", |s| {
            format!(
                r#"{}:{{"type":"invoke","id":36,"channel":"counter.bump"}}"#,
                s.page.secret().to_uppercase()
            )
        }),
        unsigned_made("secret_missing_its_last_digit", |s| {
            let secret = s.page.secret();
            format!(
                r#"{}:{{"type":"invoke","id":37,"channel":"counter.bump"}}"#,
                &secret[..secret.len() - 1]
            )
        }),
        unsigned_made("secret_with_an_extra_digit", |s| {
            format!(
                r#"{}0:{{"type":"invoke","id":38,"channel":"counter.bump"}}"#,
                s.page.secret()
            )
        }),
        unsigned_made("unsigned_oversized_request", |_| store_request(39, MAX_REQUEST + 1)),
        // Hellos: only the runtime's exact hello, without a secret, opens a page.
        unsigned(
            "hello_with_an_extra_field",
            r#"{"type":"hello","nonce":"n-1","origin":"app://localhost","id":1}"#,
        ),
        unsigned("hello_without_an_origin", r#"{"type":"hello","nonce":"n-1"}"#),
        unsigned_made("hello_with_an_overlong_nonce", |_| {
            format!(
                r#"{{"type":"hello","nonce":"{}","origin":"app://localhost"}}"#,
                "n".repeat(300)
            )
        }),
        signed(
            "second_hello_with_a_secret",
            r#"{"type":"hello","nonce":"n-2","origin":"app://localhost"}"#,
            refused(None, InvalidRequest, "a page says hello only once, without a secret"),
        ),
        // The page's own calls: an id in flight, and more calls than the window may have.
        Hostile {
            prelude: &[r#"{"type":"invoke","id":40,"channel":"counter.hold","args":{"millis":150}}"#],
            ..signed(
                "id_already_in_flight",
                r#"{"type":"invoke","id":40,"channel":"counter.bump"}"#,
                refused(
                    None,
                    InvalidRequest,
                    "request id 40 is already in flight; ids may be reused only once answered",
                ),
            )
        },
        Hostile {
            prelude: &[
                r#"{"type":"invoke","id":41,"channel":"counter.hold","args":{"millis":150}}"#,
                r#"{"type":"invoke","id":42,"channel":"counter.hold","args":{"millis":150}}"#,
            ],
            ..signed(
                "more_calls_than_may_be_in_flight",
                r#"{"type":"invoke","id":43,"channel":"counter.bump"}"#,
                refused(
                    Some(43),
                    Busy,
                    "this window already has 2 calls in flight; `counter.bump` did not run",
                ),
            )
        },
        // A large value of the wrong type is quoted short.
        signed_made(
            "megabyte_string_for_an_integer",
            |_| {
                format!(
                    r#"{{"type":"invoke","id":44,"channel":"counter.add","args":{{"a":"{}","b":1}}}}"#,
                    "y".repeat(1024 * 1024)
                )
            },
            refused(
                Some(44),
                InvalidArguments,
                r#"invalid arguments for `counter.add`: a: invalid type: string "yyyy"#,
            ),
        ),
        signed_made(
            "megabyte_unknown_argument_name",
            |_| {
                format!(
                    r#"{{"type":"invoke","id":45,"channel":"counter.add","args":{{"a":1,"b":1,"{}":0}}}}"#,
                    "z".repeat(1024 * 1024)
                )
            },
            refused(
                Some(45),
                InvalidArguments,
                "invalid arguments for `counter.add`: unknown argument `zzzz",
            ),
        ),
    ]
}

/// One window of the catalogue, with a second window whose secret the first may try to use.
struct Session {
    hub: Hub,
    counter: Counting,
    page: TestClient,
    other: TestClient,
    /// Messages taken from deliveries addressed to `page`, not yet read.
    inbox: VecDeque<Value>,
    /// Deliveries addressed to anyone else (a welcome, an old page).
    elsewhere: usize,
}

impl Session {
    fn new(page_origin: &str) -> Session {
        let counter = Counting::default();
        let hub = Hub::builder()
            .service(counter.clone().into_service())
            .max_request_size(MAX_REQUEST)
            .max_in_flight(MAX_IN_FLIGHT)
            .build()
            .unwrap();
        let capabilities = Capabilities::allow_all().deny("counter.locked").deny("admin.*");
        let config = WindowConfig::new(APP).capabilities(capabilities);
        let page = TestClient::with_config(&hub, config.clone(), page_origin);
        let other = TestClient::with_config(&hub, config, APP);
        Session {
            hub,
            counter,
            page,
            other,
            inbox: VecDeque::new(),
            elsewhere: 0,
        }
    }

    /// The next message for the page within `within`, reading every delivery of the window (a welcome included).
    async fn next_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(message) = self.inbox.pop_front() {
                return Some(message);
            }
            if let Some(delivery) = self.page.link().take_delivery() {
                let delivery: Value = serde_json::from_str(delivery.text()).expect("a delivery is JSON");
                if delivery["page"] == self.page.secret() {
                    self.inbox
                        .extend(delivery["messages"].as_array().unwrap().iter().cloned());
                } else {
                    self.elsewhere += 1;
                }
                continue;
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Posts the prelude's calls and waits until each has reached its handler.
    async fn start(&mut self, prelude: &[&str]) {
        for call in prelude {
            self.page.post(call);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.counter.calls() < prelude.len() {
            assert!(Instant::now() < deadline, "the prelude's calls did not start");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Runs one input; returns what went wrong, if anything.
async fn run(case: &Hostile) -> Result<(), String> {
    let mut session = Session::new(case.origin);
    session.start(case.prelude).await;
    let text = match case.text {
        Text::Fixed(text) => text.to_owned(),
        Text::Made(make) => make(&session),
    };
    match case.post {
        Post::Signed => session.page.post(&text),
        Post::Unsigned => session.page.post_unsigned(&text),
    }
    match case.expect {
        Expect::NoAnswer => {
            if let Some(message) = session.next_within(SILENCE).await {
                return Err(format!("expected no answer, got {}", short(&message.to_string())));
            }
            if session.elsewhere > 0 {
                return Err("expected nothing delivered, but the window received a delivery for another page".into());
            }
        }
        Expect::Refused { id, code, fragment } => {
            let Some(answer) = session.next_within(Duration::from_secs(5)).await else {
                return Err(format!("expected {} under id {id:?}, got no answer", code.kind()));
            };
            let size = answer.to_string().len();
            let error = &answer["error"];
            let message = error["message"].as_str().unwrap_or_default();
            let expected_id = id.map_or(Value::Null, Value::from);
            if answer["type"] != "answer" || answer["success"] != false || answer["data"] != Value::Null {
                return Err(format!("expected a failed answer, got {}", short(&answer.to_string())));
            }
            if answer["id"] != expected_id {
                return Err(format!("expected id {expected_id}, got {} ({message})", answer["id"]));
            }
            if error["code"] != code.code() || error["kind"] != code.kind() {
                return Err(format!(
                    "expected {code}, got {} {}: {}",
                    error["code"],
                    error["kind"],
                    short(message)
                ));
            }
            if !message.contains(fragment) {
                return Err(format!(
                    "expected a message containing {fragment:?}, got {:?}",
                    short(message)
                ));
            }
            if size > SMALL_ANSWER {
                return Err(format!("the answer is {size} bytes: {}", short(message)));
            }
        }
    }
    // The prelude's calls still answer, each once, under their own ids (in the order they finish).
    let mut expected: Vec<Value> = case
        .prelude
        .iter()
        .map(|call| serde_json::from_str::<Value>(call).unwrap()["id"].clone())
        .collect();
    while !expected.is_empty() {
        match session.next_within(Duration::from_secs(5)).await {
            Some(answer) if answer["success"] == true && expected.contains(&answer["id"]) => {
                expected.retain(|id| *id != answer["id"]);
            }
            other => {
                return Err(format!(
                    "expected the prelude's calls {expected:?} to succeed, got {other:?}"
                ))
            }
        }
    }
    if let Some(extra) = session.next_within(SILENCE).await {
        return Err(format!("a second message arrived: {}", short(&extra.to_string())));
    }
    if session.counter.calls() != case.prelude.len() {
        return Err(format!(
            "{} calls reached a handler",
            session.counter.calls() - case.prelude.len()
        ));
    }
    // The page's next ordinary call works.
    let ordinary = r#"{"type":"invoke","id":1000,"channel":"counter.add","args":{"a":2,"b":3}}"#;
    session.page.post(ordinary);
    match session.next_within(Duration::from_secs(5)).await {
        Some(answer)
            if case.origin == APP
                && answer == json!({"type": "answer", "id": 1000, "success": true, "data": 5, "error": null}) => {}
        Some(answer) if case.origin != APP && answer["error"]["kind"] == "FORBIDDEN" => {}
        other => return Err(format!("the next ordinary call did not work: {other:?}")),
    }
    assert_eq!(session.hub.calls_in_flight(session.page.window()), 0);
    Ok(())
}

fn short(text: &str) -> String {
    if text.len() > 300 {
        format!(
            "{}... ({} bytes)",
            text.chars().take(300).collect::<String>(),
            text.len()
        )
    } else {
        text.to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_is_refused_as_documented_and_the_page_keeps_working() {
    let catalogue = catalogue();
    assert!(catalogue.len() >= 40, "the catalogue has {} inputs", catalogue.len());
    let mut names: Vec<&str> = catalogue.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), catalogue.len(), "two inputs share a name");
    let mut failures = Vec::new();
    for case in &catalogue {
        if let Err(failure) = run(case).await {
            failures.push(format!("{}: {failure}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs:\n{}",
        failures.len(),
        catalogue.len(),
        failures.join("\n")
    );
}

/// Calls that end late, or never: each records when it starts and when the host drops it.
#[ipc_service]
trait Stuck {
    /// Never answers.
    async fn forever(&self);
    /// Answers `millis` after `millis`, under the hub's default deadline.
    async fn late(&self, millis: u64) -> u64;
    /// Answers `millis` after `millis`, with no deadline at all.
    #[ipc(timeout = "none")]
    async fn patient(&self, millis: u64) -> u64;
}

#[derive(Default, Clone)]
struct Holding {
    started: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

/// Counts, when dropped, that a handler's future was dropped.
struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Holding {
    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Waits until `count` calls have started.
    async fn until_started(&self, count: usize) {
        until(|| self.started() >= count, "the call to start").await;
    }
}

impl Stuck for Holding {
    async fn forever(&self) {
        let _guard = DropGuard(Arc::clone(&self.dropped));
        self.started.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await
    }
    async fn late(&self, millis: u64) -> u64 {
        let _guard = DropGuard(Arc::clone(&self.dropped));
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }
    async fn patient(&self, millis: u64) -> u64 {
        self.late(millis).await
    }
}

/// Waits up to a second for `condition`.
async fn until(condition: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while !condition() {
        assert!(Instant::now() < deadline, "waited a second for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn stuck_hub(holding: &Holding, call_timeout: Option<Duration>) -> Hub {
    Hub::builder()
        .service(holding.clone().into_service())
        .call_timeout(call_timeout)
        .build()
        .unwrap()
}

/// The next message a page receives within [`SILENCE`], parsed.
async fn next(page: &mut TestClient) -> Option<Value> {
    let message = tokio::time::timeout(SILENCE, page.next_message()).await.ok()??;
    Some(serde_json::from_str(&message).unwrap())
}

#[tokio::test]
async fn a_handler_past_the_host_deadline_is_answered_timeout_and_its_future_dropped() {
    let holding = Holding::default();
    let hub = stuck_hub(&holding, Some(Duration::from_millis(50)));
    let mut page = TestClient::new(&hub);
    let started = Instant::now();
    let answer: Value = serde_json::from_str(&page.invoke("stuck.forever", "{}").await).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(
        answer,
        json!({"type": "answer", "id": 1, "success": false, "data": null, "error": {
            "code": 7011, "kind": "TIMEOUT", "data": null,
            "message": "`stuck.forever` did not finish within 50ms, the host's deadline for it"}})
    );
    assert_eq!(
        (holding.started(), holding.dropped()),
        (1, 1),
        "the handler's future was dropped"
    );
    assert_eq!(hub.calls_in_flight(page.window()), 0);
}

#[tokio::test]
async fn a_method_without_a_deadline_outlives_the_hub_default() {
    let holding = Holding::default();
    let hub = stuck_hub(&holding, Some(Duration::from_millis(20)));
    let mut page = TestClient::new(&hub);
    let late: Value = serde_json::from_str(&page.invoke("stuck.late", r#"{"millis": 60}"#).await).unwrap();
    assert_eq!(
        late["error"]["kind"], "TIMEOUT",
        "the hub's default applies to `late`: {late}"
    );
    let patient: Value = serde_json::from_str(&page.invoke("stuck.patient", r#"{"millis": 60}"#).await).unwrap();
    assert_eq!(
        patient,
        json!({"type": "answer", "id": 2, "success": true, "data": 60, "error": null})
    );
}

#[tokio::test]
async fn detaching_a_window_drops_its_calls_and_answers_nothing() {
    let holding = Holding::default();
    let hub = stuck_hub(&holding, None);
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"stuck.forever"}"#);
    holding.until_started(1).await;
    assert_eq!(hub.calls_in_flight(page.window()), 1);
    page.link().detach();
    until(|| holding.dropped() == 1, "the call's future to be dropped").await;
    assert!(!hub.has_window(page.window()));
    assert_eq!(hub.calls_in_flight(page.window()), 0);
    assert_eq!(page.next_message().await, None, "a detached window receives nothing");
}

#[tokio::test]
async fn dropping_the_client_drops_its_calls() {
    let holding = Holding::default();
    let hub = stuck_hub(&holding, None);
    let page = TestClient::new(&hub);
    let window = page.window();
    for id in 1..=3 {
        page.post(&format!(r#"{{"type":"invoke","id":{id},"channel":"stuck.forever"}}"#));
    }
    holding.until_started(3).await;
    drop(page);
    until(|| holding.dropped() == 3, "the calls' futures to be dropped").await;
    assert!(!hub.has_window(window));
    assert_eq!(hub.calls_in_flight(window), 0);
}

#[tokio::test]
async fn navigating_drops_the_old_page_s_calls_and_answers_nothing_to_the_new_page() {
    let holding = Holding::default();
    let hub = stuck_hub(&holding, None);
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"stuck.forever"}"#);
    holding.until_started(1).await;
    page.navigate(TestClient::DEFAULT_ORIGIN);
    until(|| holding.dropped() == 1, "the old page's call to be dropped").await;
    assert_eq!(hub.calls_in_flight(page.window()), 0);
    assert_eq!(
        next(&mut page).await,
        None,
        "the new page received something meant for the old one"
    );
    // The new page starts its ids again from 1: its call 1 is its own.
    let answer: Value = serde_json::from_str(&page.invoke("stuck.late", r#"{"millis": 5}"#).await).unwrap();
    assert_eq!(
        answer,
        json!({"type": "answer", "id": 1, "success": true, "data": 5, "error": null})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_messages_reach_a_channel_subscriber_in_the_order_sent() {
    const SENDS: usize = 10_000;
    let hub = Hub::builder()
        .service(Counting::default().into_service())
        .subscriber_capacity(SENDS)
        .build()
        .unwrap();
    let mut lines = hub.channel_events("chat.line");
    let page = TestClient::new(&hub);
    for i in 0..SENDS {
        page.send("chat.line", &i.to_string());
    }
    let mut received = Vec::with_capacity(SENDS);
    while received.len() < SENDS {
        let event = tokio::time::timeout(Duration::from_secs(5), lines.recv())
            .await
            .expect("every send arrives")
            .expect("the hub is running");
        assert_eq!(event.window(), page.window());
        received.push(event.payload::<usize>().unwrap());
    }
    assert_eq!(received, (0..SENDS).collect::<Vec<_>>());
    assert_eq!(lines.dropped(), 0);
    assert!(lines.try_recv().is_none());
}

#[tokio::test]
async fn a_subscriber_that_does_not_read_keeps_its_capacity_and_counts_the_rest_as_dropped() {
    let hub = Hub::builder()
        .service(Counting::default().into_service())
        .subscriber_capacity(8)
        .build()
        .unwrap();
    let mut idle = hub.channel_events("chat.line");
    let mut page = TestClient::new(&hub);
    for i in 0..100 {
        page.send("chat.line", &i.to_string());
    }
    // A page's messages are read in order: once a later call is answered, every send before it was published.
    let answer: Value = serde_json::from_str(&page.invoke("counter.add", r#"{"a": 1, "b": 1}"#).await).unwrap();
    assert_eq!(answer["data"], 2);
    let kept: Vec<u32> = std::iter::from_fn(|| idle.try_recv())
        .map(|e| e.payload().unwrap())
        .collect();
    assert_eq!(
        kept,
        (0..8).collect::<Vec<_>>(),
        "the first events are kept, the later ones dropped"
    );
    assert_eq!(idle.dropped(), 92);
}

/// Pushes `count` numbered payloads of about 1 KB each; returns how many were queued before the first refusal.
fn push_until_full(hub: &Hub, page: &TestClient, from: usize) -> (usize, Error) {
    let mut pushed = 0;
    loop {
        match hub.send_to_window(page.window(), "feed.item", &feed_item(from + pushed)) {
            Ok(()) => pushed += 1,
            Err(err) => return (pushed, err),
        }
    }
}

fn feed_item(n: usize) -> String {
    format!("{n:05}{}", "x".repeat(1000))
}

/// The bytes one `feed.item` push takes in the queue.
fn feed_message_len() -> usize {
    json!({"type": "event", "channel": "feed.item", "payload": feed_item(0)})
        .to_string()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_does_not_read_fills_its_queue_then_pushes_are_refused_or_wait() {
    const LIMIT: usize = 4096;
    let hub = Hub::builder()
        .service(Counting::default().into_service())
        .max_queued_bytes(LIMIT)
        .build()
        .unwrap();
    let mut page = TestClient::new(&hub);
    let window = page.window();
    let one = feed_message_len();

    let (queued, err) = push_until_full(&hub, &page, 0);
    assert_eq!(queued, LIMIT / one, "as many pushes as fit in {LIMIT} bytes");
    let waiting = hub.queued_bytes(window);
    assert_eq!(waiting, queued * one);
    match &err {
        Error::QueueFull {
            window: w,
            channel,
            queued: q,
        } => assert_eq!((*w, channel.as_str(), *q), (window, "feed.item", waiting)),
        other => panic!("expected QueueFull, got {other}"),
    }
    assert_eq!(err.code(), Some(ErrorCode::ChannelSend));

    // Pushes that wait for room: none completes while the page does not read.
    let most = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (hub, most, stop) = (hub.clone(), Arc::clone(&most), Arc::clone(&stop));
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                most.fetch_max(hub.queued_bytes(window), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        })
    };
    const LATER: usize = 20;
    let sender = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for n in queued..queued + LATER {
                hub.send_to_window_async(window, "feed.item", &feed_item(n)).await?;
            }
            Ok::<(), Error>(())
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!sender.is_finished(), "a push completed although the page read nothing");
    assert_eq!(hub.queued_bytes(window), waiting);

    // The page reads: every push arrives, in order, and the waiting sender completes.
    let mut received = Vec::new();
    while received.len() < queued + LATER {
        let message: Value = serde_json::from_str(&page.next_message().await.unwrap()).unwrap();
        received.push(message["payload"].as_str().unwrap()[..5].parse::<usize>().unwrap());
    }
    tokio::time::timeout(Duration::from_secs(5), sender)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    sampler.await.unwrap();
    assert_eq!(received, (0..queued + LATER).collect::<Vec<_>>());
    let most = most.load(Ordering::SeqCst);
    assert!(
        most <= LIMIT + one,
        "{most} bytes waited at once, beyond {LIMIT} and one message"
    );
    assert!(most >= waiting, "the sampler saw the full queue");
    assert_eq!(hub.queued_bytes(window), 0);
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
struct Paging {
    page: u32,
    size: u32,
}

/// A struct with its paging flattened into it.
#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
struct FlatQuery {
    name: String,
    #[serde(flatten)]
    paging: Paging,
}

/// The same fields without `flatten`.
#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
struct PlainQuery {
    name: String,
    page: u32,
    size: u32,
}

#[ipc_service]
trait Search {
    fn flat(&self, query: FlatQuery) -> FlatQuery;
    fn plain(&self, query: PlainQuery) -> PlainQuery;
}

struct Searching;

impl Search for Searching {
    fn flat(&self, query: FlatQuery) -> FlatQuery {
        query
    }
    fn plain(&self, query: PlainQuery) -> PlainQuery {
        query
    }
}

async fn search(channel: &str, query: Value) -> Value {
    let hub = Hub::builder().service(Searching.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    serde_json::from_str(&page.invoke(channel, &json!({ "query": query }).to_string()).await).unwrap()
}

#[tokio::test]
async fn an_unknown_field_of_a_plain_struct_argument_is_refused() {
    let answer = search(
        "search.plain",
        json!({"name": "a", "page": 1, "size": 2, "bogus": true}),
    )
    .await;
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `search.plain`: unknown field `query.bogus`"
    );
}

/// serde buffers the fields of a struct with a `#[serde(flatten)]` field and hands the flattened struct the ones it
/// knows; the rest are dropped inside serde, where the host's check for ignored fields does not see them. So an
/// unknown field beside a flattened one is silently accepted (`#[serde(deny_unknown_fields)]` does not combine with
/// `flatten` either).
#[tokio::test]
async fn an_unknown_field_beside_a_flattened_struct_is_silently_dropped() {
    let answer = search(
        "search.flat",
        json!({"name": "a", "page": 1, "size": 2, "bogus": true, "deep": {"x": 1}}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"type": "answer", "id": 1, "success": true, "data": {"name": "a", "page": 1, "size": 2}, "error": null})
    );
}

/// Through a flattened field, a decoding error names only the argument, not the field inside it.
#[tokio::test]
async fn a_type_error_in_a_flattened_field_names_only_the_argument() {
    let answer = search("search.flat", json!({"name": "a", "page": "one", "size": 2})).await;
    assert_eq!(
        answer["error"]["message"],
        r#"invalid arguments for `search.flat`: query: invalid type: string "one", expected u32"#
    );
    let answer = search("search.plain", json!({"name": "a", "page": "one", "size": 2})).await;
    assert_eq!(
        answer["error"]["message"],
        r#"invalid arguments for `search.plain`: query.page: invalid type: string "one", expected u32"#
    );
}

/// A shape serde reads from a buffered copy, like a flattened struct: an internally tagged enum.
#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Figure {
    Circle { radius: f64 },
}

/// The same enum, refusing fields its variants do not have.
#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum StrictFigure {
    Circle { radius: f64 },
}

/// The same enum, externally tagged (serde's default) and adjacently tagged: read without a buffered copy.
#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
enum ExternalFigure {
    Circle { radius: f64 },
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
enum AdjacentFigure {
    Circle { radius: f64 },
}

#[ipc_service]
trait Figures {
    fn loose(&self, figure: Figure) -> Figure;
    fn strict(&self, figure: StrictFigure) -> StrictFigure;
    fn external(&self, figure: ExternalFigure) -> ExternalFigure;
    fn adjacent(&self, figure: AdjacentFigure) -> AdjacentFigure;
}

struct Drawing;

impl Figures for Drawing {
    fn loose(&self, figure: Figure) -> Figure {
        figure
    }
    fn strict(&self, figure: StrictFigure) -> StrictFigure {
        figure
    }
    fn external(&self, figure: ExternalFigure) -> ExternalFigure {
        figure
    }
    fn adjacent(&self, figure: AdjacentFigure) -> AdjacentFigure {
        figure
    }
}

/// In an externally tagged enum's variant (serde's default), a type error names the field's whole path; in an
/// adjacently tagged one, which serde reads through a copy like an internally tagged one, the enum's path.
#[tokio::test]
async fn a_field_error_in_an_enum_variant_names_the_field() {
    let wrong = draw("figures.external", json!({"circle": {"radius": "x"}})).await;
    assert_eq!(
        wrong["error"]["message"],
        "invalid arguments for `figures.external`: figure.circle.radius: invalid type: string \"x\", expected f64"
    );
    let wrong = draw("figures.adjacent", json!({"kind": "circle", "data": {"radius": "x"}})).await;
    assert_eq!(
        wrong["error"]["message"],
        "invalid arguments for `figures.adjacent`: figure: invalid type: string \"x\", expected f64"
    );
}

async fn draw(channel: &str, figure: Value) -> Value {
    let hub = Hub::builder().service(Drawing.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    serde_json::from_str(&page.invoke(channel, &json!({ "figure": figure }).to_string()).await).unwrap()
}

/// Inside an internally tagged enum's variant, a type error names the enum's path, and an unknown field is dropped
/// unless the enum has `#[serde(deny_unknown_fields)]` (the README says so).
#[tokio::test]
async fn an_internally_tagged_enum_reports_at_its_own_path_and_refuses_unknown_fields_only_when_told() {
    let wrong = draw("figures.loose", json!({"kind": "circle", "radius": "x"})).await;
    assert_eq!(
        wrong["error"]["message"],
        r#"invalid arguments for `figures.loose`: figure: invalid type: string "x", expected f64"#
    );
    let extra = json!({"kind": "circle", "radius": 1.0, "bogus": true});
    let loose = draw("figures.loose", extra.clone()).await;
    assert_eq!(loose["data"], json!({"kind": "circle", "radius": 1.0}));
    let strict = draw("figures.strict", extra).await;
    assert_eq!(strict["error"]["kind"], "INVALID_ARGUMENTS");
    assert!(
        strict["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `bogus`"),
        "{strict}"
    );
}

/// A batch: the envelopes a page's runtime posts in one turn, as one message. Each is acted on in order as if posted
/// alone: every call answered under its own id, a bad one refused without touching the others.
#[tokio::test]
async fn each_envelope_of_a_batch_is_acted_on_in_order_as_if_posted_alone() {
    let counting = Counting::default();
    let hub = Hub::builder().service(counting.clone().into_service()).build().unwrap();
    let mut sent = hub.channel_events("editor.typing");
    let mut page = TestClient::new(&hub);
    page.post(
        r#"[{"type":"invoke","id":1,"channel":"counter.add","args":{"a":1,"b":2}},{"type":"send","channel":"editor.typing","payload":1},{"type":"invoke","id":2,"channel":"counter.add","args":{"a":"x"}},{"bogus":true},{"type":"invoke","id":3,"channel":"counter.bump"}]"#,
    );
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(next(&mut page).await.expect("an answer"));
    }
    // Calls run concurrently, so their answers may come in any order; the refusals come first (no handler runs).
    answers.sort_by_key(|answer| answer["id"].as_i64().unwrap_or(0));
    assert_eq!(answers[0]["id"], Value::Null);
    assert_eq!(answers[0]["error"]["kind"], "INVALID_REQUEST");
    assert_eq!(answers[1]["data"], 3);
    assert_eq!(answers[2]["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(answers[3]["data"], 2, "the bump after one add: {answers:?}");
    assert_eq!(counting.calls(), 2, "the add and the bump, not the refused add");
    let event = tokio::time::timeout(Duration::from_secs(1), sent.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.payload_json(), "1");
}

/// A frame cannot batch: its relayed envelope is one request, and an array is not one.
#[tokio::test]
async fn a_frame_cannot_relay_a_batch() {
    let counting = Counting::default();
    let hub = Hub::builder().service(counting.clone().into_service()).build().unwrap();
    let config =
        WindowConfig::new(TestClient::DEFAULT_ORIGIN).allow_frames("https://widget.example", Capabilities::allow_all());
    let mut page = TestClient::with_config(&hub, config, TestClient::DEFAULT_ORIGIN);
    let batch = r#"[{"type":"invoke","id":1,"channel":"counter.bump"}]"#;
    page.post(&json!({"type": "frame", "frame": 1, "origin": "https://widget.example", "envelope": batch}).to_string());
    let answer = next(&mut page).await.expect("an answer to the frame");
    assert_eq!(answer["message"]["error"]["kind"], "INVALID_REQUEST", "{answer}");
    assert_eq!(answer["message"]["id"], Value::Null);
    assert_eq!(counting.calls(), 0);
}

/// A map keyed by a tuple, inside a struct (in a signature `#[ipc_service]` refuses the key type; in a struct it
/// cannot see it). The `.d.ts` types the field `{ [key: string]: never }` (`type_shapes.rs`); here, what crosses.
#[derive(Debug, Default, Serialize, Deserialize, ts_rs::TS)]
struct Grid {
    cells: std::collections::HashMap<(u32, u32), String>,
}

#[ipc_service]
trait Grids {
    /// Counts; answers the number of cells.
    fn size(&self, grid: Grid) -> usize;
    /// Answers a grid with one cell, which serde_json cannot write.
    fn filled(&self) -> Grid;
}

/// Counts like [`Counting`], as its own type so its `into_service` is not ambiguous.
#[derive(Default, Clone)]
struct GridCounting(Counting);

impl Grids for GridCounting {
    fn size(&self, grid: Grid) -> usize {
        self.0.count();
        grid.cells.len()
    }
    fn filled(&self) -> Grid {
        Grid {
            cells: [((1, 2), "a".to_owned())].into(),
        }
    }
}

async fn call(page: &mut TestClient, channel: &str, args: Value) -> Value {
    serde_json::from_str(&page.invoke(channel, &args.to_string()).await).unwrap()
}

#[tokio::test]
async fn a_tuple_keyed_map_in_a_struct_crosses_only_empty_and_its_refusals_are_structured() {
    let counting = GridCounting::default();
    let hub = Hub::builder().service(counting.clone().into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let refused = call(&mut page, "grids.size", json!({"grid": {"cells": {"1,2": "a"}}})).await;
    assert_eq!(refused["error"]["kind"], "INVALID_ARGUMENTS", "{refused}");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("grid.cells"),
        "{refused}"
    );
    assert_eq!(counting.0.calls(), 0, "the handler ran on a map it cannot read");
    let empty = call(&mut page, "grids.size", json!({"grid": {"cells": {}}})).await;
    assert_eq!(empty["data"], 0, "{empty}");
    let filled = call(&mut page, "grids.filled", json!({})).await;
    assert_eq!(filled["error"]["kind"], "SERIALIZATION", "{filled}");
}
