//! Services and cases shared by the in-process tests (`tests/in_process.rs`) and the WebView end-to-end tests
//! (`e2e/webview.rs`), so both suites check the same behaviour the same way.

use std::time::Duration;

pub mod kinds;

// The README's examples run as doctests of this crate, so they cannot drift from the API.
#[doc = include_str!("../../README.md")]
mod readme {}

use ipc_core::ipc_service;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Why a division failed: a structured error value, sent to the renderer in `error.data`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
pub struct MathError {
    /// What went wrong.
    pub reason: String,
}

/// An id: an alias the macro cannot see through.
pub type Id = u64;

/// An account whose balance is an exact integer: a struct field that travels as a `BigInt`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
pub struct Account {
    /// Who holds it.
    pub name: String,
    /// Any `i128`, exactly.
    pub balance: ipc_core::Exact<i128>,
}

/// A handler's error holding an exact integer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
pub struct Shortfall {
    /// How much is missing, exactly.
    pub missing: ipc_core::Exact<u64>,
}

/// A service with one method per behaviour under test.
#[ipc_service]
pub trait Fixture {
    /// Sync: adds two numbers.
    fn add(&self, a: i64, b: i64) -> i64;
    /// Async: answers `text` after `delay_ms` milliseconds.
    async fn echo_later(&self, text: String, delay_ms: u64) -> String;
    /// `Err` with a structured error when `divisor` is zero.
    fn divide(&self, dividend: f64, divisor: f64) -> Result<f64, MathError>;
    /// `Err` with a plain string.
    async fn refuse(&self) -> Result<(), String>;
    /// Returns nothing.
    fn touch(&self);
    /// Panics.
    fn explode(&self) -> String;
    /// The name of the thread the handler runs on.
    fn thread_name(&self) -> String;
    /// Answers `n` unchanged.
    fn echo_u64(&self, n: u64) -> u64;
    /// `"deep"` inside `depth` nested lists.
    fn nested(&self, depth: u32) -> serde_json::Value;
    /// Answers `n` unchanged, as an exact integer both ways (written as an alias of `u64`, which the type system sees
    /// through).
    #[ipc(exact)]
    fn echo_exact(&self, #[ipc(exact)] n: Id) -> Id;
    /// `max`, `min` and `account` back, the account's balance negated (saturating).
    fn exact_extremes(&self, #[ipc(exact)] max: u64, #[ipc(exact)] min: i64, account: Account) -> ExactExtremes;
    /// Fails, short by `n`.
    fn short_by(&self, #[ipc(exact)] n: u64) -> Result<(), Shortfall>;
    /// Validates every argument, each with other rules.
    fn register(
        &self,
        #[validate(length(min = 3, max = 20), pattern = "^[a-z0-9_]+$")] username: String,
        #[validate(range(min = 13, max = 130))] age: u8,
        #[validate(custom = even)] lucky: Option<i32>,
        #[validate(non_empty)] tags: Vec<String>,
    ) -> String;
}

/// A custom rule: the number, when given, is even.
fn even(number: &Option<i32>) -> Result<(), String> {
    match number {
        Some(n) if n % 2 != 0 => Err(format!("must be even (is {n})")),
        _ => Ok(()),
    }
}

/// What `fixture.exact_extremes` answers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
pub struct ExactExtremes {
    /// The `max` argument.
    pub max: ipc_core::Exact<u64>,
    /// The `min` argument.
    pub min: ipc_core::Exact<i64>,
    /// The account, its balance negated.
    pub account: Account,
}

/// The implementation under test.
pub struct FixtureImpl;

impl Fixture for FixtureImpl {
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    async fn echo_later(&self, text: String, delay_ms: u64) -> String {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        text
    }

    fn divide(&self, dividend: f64, divisor: f64) -> Result<f64, MathError> {
        if divisor == 0.0 {
            return Err(MathError {
                reason: "division by zero".to_owned(),
            });
        }
        Ok(dividend / divisor)
    }

    async fn refuse(&self) -> Result<(), String> {
        Err("not today".to_owned())
    }

    fn touch(&self) {}

    fn explode(&self) -> String {
        panic!("the fixture exploded on purpose")
    }

    fn thread_name(&self) -> String {
        std::thread::current().name().unwrap_or("(unnamed)").to_owned()
    }

    fn echo_u64(&self, n: u64) -> u64 {
        n
    }

    fn nested(&self, depth: u32) -> serde_json::Value {
        (0..depth).fold(json!("deep"), |inner, _| serde_json::Value::Array(vec![inner]))
    }

    fn echo_exact(&self, n: Id) -> Id {
        n
    }

    fn short_by(&self, n: u64) -> Result<(), Shortfall> {
        Err(Shortfall {
            missing: ipc_core::Exact(n),
        })
    }

    fn exact_extremes(&self, max: u64, min: i64, account: Account) -> ExactExtremes {
        ExactExtremes {
            max: ipc_core::Exact(max),
            min: ipc_core::Exact(min),
            account: Account {
                balance: ipc_core::Exact(account.balance.0.saturating_neg()),
                ..account
            },
        }
    }

    fn register(&self, username: String, age: u8, lucky: Option<i32>, tags: Vec<String>) -> String {
        format!("{username} ({age}, {lucky:?}, {})", tags.join(","))
    }
}

/// The outcome of one call, in the shape of an answer envelope: `{success, data, error}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    /// Whether the call succeeded.
    pub success: bool,
    /// The answer's data (`null` on failure).
    pub data: Value,
    /// The error (`null` on success).
    pub error: Option<ErrorOutcome>,
}

/// The `error` of a failed call.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorOutcome {
    /// Numeric code.
    pub code: u16,
    /// Name of the code.
    pub kind: String,
    /// Human-readable message.
    pub message: String,
    /// The handler's error value, or `null`.
    pub data: Value,
}

impl Outcome {
    /// Parses an answer envelope or a page-reported outcome.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|err| format!("not an outcome ({err}): {json}"))
    }

    /// Checks that the call succeeded with exactly `data`.
    pub fn expect_data(&self, data: Value) -> Result<(), String> {
        match &self.error {
            None if self.success && self.data == data => Ok(()),
            None if self.success => Err(format!("expected data {data}, got {}", self.data)),
            _ => Err(format!("expected data {data}, got the error {:?}", self.error)),
        }
    }

    /// Checks that the call failed with `code` and `kind` and a message containing `message`; returns the error.
    pub fn expect_error(&self, code: u16, kind: &str, message: &str) -> Result<&ErrorOutcome, String> {
        let error = match (&self.error, self.success) {
            (Some(error), false) => error,
            _ => return Err(format!("expected error {kind}, got success with data {}", self.data)),
        };
        if error.code != code || error.kind != kind {
            return Err(format!(
                "expected error {kind} ({code}), got {} ({}): {}",
                error.kind, error.code, error.message
            ));
        }
        if !error.message.contains(message) {
            return Err(format!(
                "expected a message containing {message:?}, got {:?}",
                error.message
            ));
        }
        if self.data != Value::Null {
            return Err(format!("a failed call must have null data, got {}", self.data));
        }
        Ok(error)
    }
}

/// How a page makes a case's call.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// A JavaScript expression that returns the call's promise, such as `host.services.fixture.add(2, 3)`.
    Js(&'static str),
    /// Post this exact text with `window.ipc.postMessage`, and take the answer whose `id` is `id` (`None`: `null`).
    Raw {
        /// The request text.
        text: &'static str,
        /// The id the answer will carry.
        id: Option<u64>,
    },
}

/// One behaviour, checked the same way in-process (through `TestClient`) and from a real page.
pub struct Case {
    /// The behaviour, as a test name.
    pub name: &'static str,
    /// What the page does.
    pub page: Page,
    /// The request text a page sends for this call, for the in-process test; `None` for page-only behaviour (such as
    /// the runtime's own timeout).
    pub request: Option<&'static str>,
    /// The expected outcome.
    pub check: fn(&Outcome) -> Result<(), String>,
}

/// Every case, in the order the WebView suite runs them.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "sync_method_answers_with_its_value",
            page: Page::Js("host.services.fixture.add(2, 3)"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.add","args":{"a":2,"b":3}}"#),
            check: |o| o.expect_data(json!(5)),
        },
        Case {
            name: "async_method_answers_with_its_value",
            page: Page::Js(r#"host.services.fixture.echoLater("hi", 20)"#),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"fixture.echo_later","args":{"text":"hi","delayMs":20}}"#,
            ),
            check: |o| o.expect_data(json!("hi")),
        },
        Case {
            name: "text_that_script_literals_treat_specially_round_trips_exactly",
            page: Page::Js(
                r#"(() => { const text = "'quote' \"double\" back\\slash \\' \n\r\t \u2028\u2029 </script> é 😀 \u0000 ${x} `tick`"; return host.services.fixture.echoLater(text, 0).then((back) => [back === text, back.length]); })()"#,
            ),
            request: None,
            check: |o| o.expect_data(json!([true, 66])),
        },
        Case {
            name: "json_that_reads_alike_as_script_round_trips_exactly",
            page: Page::Js(
                r#"(() => { const text = "'quote' \"double\" back\\slash \\' \n\r\t \u2028\u2029 </script> é 😀 ${x} `tick`"; return host.services.fixture.echoLater(text, 0).then((back) => [back === text, back.length]); })()"#,
            ),
            request: None,
            check: |o| o.expect_data(json!([true, 64])),
        },
        Case {
            name: "a_proto_key_in_an_answer_stays_data",
            page: Page::Js(
                r#"host.services.kinds.anyJson(JSON.parse('{"__proto__": {"polluted": true}, "long": "' + "y".repeat(100000) + '"}')).then(({ got: v }) => [Object.getPrototypeOf(v) === Object.prototype, Object.getOwnPropertyDescriptor(v, "__proto__").value, v.polluted === undefined, v.long.length])"#,
            ),
            request: None,
            check: |o| o.expect_data(json!([true, {"polluted": true}, true, 100000])),
        },
        Case {
            name: "a_deeply_nested_answer_arrives_whole",
            page: Page::Js(
                "host.services.fixture.nested(5000).then((v) => { let depth = 0; while (Array.isArray(v)) { v = v[0]; depth++; } return [depth, v]; })",
            ),
            request: None,
            check: |o| o.expect_data(json!([5000, "deep"])),
        },
        Case {
            name: "unit_return_answers_null",
            page: Page::Js("host.services.fixture.touch()"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.touch"}"#),
            check: |o| o.expect_data(Value::Null),
        },
        Case {
            name: "err_result_is_a_handler_error_carrying_the_value",
            page: Page::Js("host.services.fixture.divide(1, 0)"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.divide","args":{"dividend":1,"divisor":0}}"#),
            check: |o| {
                let error = o.expect_error(7009, "HANDLER", "`fixture.divide` returned an error")?;
                expect_eq(&error.data, &json!({"reason": "division by zero"}))
            },
        },
        Case {
            name: "string_err_is_the_message",
            page: Page::Js("host.services.fixture.refuse()"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.refuse","args":{}}"#),
            check: |o| {
                let error = o.expect_error(7009, "HANDLER", "not today")?;
                expect_eq(&error.data, &json!("not today"))
            },
        },
        Case {
            name: "unknown_channel_is_refused",
            page: Page::Js(r#"host.invoke("fixture.nope", {})"#),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.nope","args":{}}"#),
            check: |o| {
                o.expect_error(7004, "UNKNOWN_CHANNEL", "unknown channel `fixture.nope`")
                    .map(drop)
            },
        },
        Case {
            name: "wrong_argument_type_names_the_argument",
            page: Page::Js(r#"host.invoke("fixture.add", {a: "two", b: 3})"#),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.add","args":{"a":"two","b":3}}"#),
            check: |o| {
                o.expect_error(
                    7006,
                    "INVALID_ARGUMENTS",
                    r#"a: invalid type: string "two", expected i64"#,
                )
                .map(drop)
            },
        },
        Case {
            name: "missing_argument_is_named",
            page: Page::Js(r#"host.invoke("fixture.add", {a: 1})"#),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.add","args":{"a":1}}"#),
            check: |o| {
                o.expect_error(7006, "INVALID_ARGUMENTS", "missing argument `b`")
                    .map(drop)
            },
        },
        Case {
            name: "unknown_argument_is_refused",
            page: Page::Js(r#"host.invoke("fixture.add", {a: 1, b: 2, c: 3})"#),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.add","args":{"a":1,"b":2,"c":3}}"#),
            check: |o| {
                o.expect_error(7006, "INVALID_ARGUMENTS", "unknown argument `c`; expected `a`, `b`")
                    .map(drop)
            },
        },
        Case {
            name: "positional_arguments_are_refused",
            page: Page::Raw {
                text: r#"{"type":"invoke","id":901,"channel":"fixture.add","args":[1,2]}"#,
                id: Some(901),
            },
            request: Some(r#"{"type":"invoke","id":901,"channel":"fixture.add","args":[1,2]}"#),
            check: |o| {
                o.expect_error(7006, "INVALID_ARGUMENTS", "expected an object of named arguments")
                    .map(drop)
            },
        },
        Case {
            name: "invalid_json_is_answered_with_a_null_id",
            page: Page::Raw {
                text: "{not json",
                id: None,
            },
            request: Some("{not json"),
            check: |o| {
                o.expect_error(7005, "INVALID_REQUEST", "request is not valid JSON")
                    .map(drop)
            },
        },
        Case {
            name: "envelope_without_channel_is_refused",
            page: Page::Raw {
                text: r#"{"type":"invoke","id":902}"#,
                id: Some(902),
            },
            request: Some(r#"{"type":"invoke","id":902}"#),
            check: |o| {
                o.expect_error(7005, "INVALID_REQUEST", "missing field `channel`")
                    .map(drop)
            },
        },
        Case {
            name: "panicking_handler_is_an_error",
            page: Page::Js("host.services.fixture.explode()"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.explode"}"#),
            check: |o| {
                o.expect_error(7010, "PANICKED", "the handler of `fixture.explode` panicked")
                    .map(drop)
            },
        },
        Case {
            // `ipc_wry::App` names its tokio workers `ipc-handler`; the UI thread is `main`.
            name: "handlers_run_on_tokio_not_the_ui_thread",
            page: Page::Js("host.services.fixture.threadName()"),
            request: None,
            check: |o| o.expect_data(json!("ipc-handler")),
        },
        Case {
            name: "renderer_timeout_rejects_the_call",
            page: Page::Js(r#"host.invoke("fixture.echo_later", {text: "late", delayMs: 3000}, {timeout: 50})"#),
            request: None,
            check: |o| {
                o.expect_error(7011, "TIMEOUT", "`fixture.echo_later` did not answer within 50 ms")
                    .map(drop)
            },
        },
        Case {
            name: "largest_safe_integer_round_trips_exactly",
            page: Page::Js("host.services.fixture.echoU64(9007199254740991)"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.echo_u64","args":{"n":9007199254740991}}"#),
            check: |o| o.expect_data(json!(9007199254740991_u64)),
        },
        Case {
            name: "host_refuses_to_send_an_integer_javascript_would_round",
            page: Page::Raw {
                text: r#"{"type":"invoke","id":903,"channel":"fixture.echo_u64","args":{"n":9007199254740993}}"#,
                id: Some(903),
            },
            request: Some(r#"{"type":"invoke","id":903,"channel":"fixture.echo_u64","args":{"n":9007199254740993}}"#),
            check: |o| {
                o.expect_error(
                    7003,
                    "SERIALIZATION",
                    "could not serialize the answer of `fixture.echo_u64`: the integer 9007199254740993 is beyond \
                     ±9007199254740991",
                )
                .map(drop)
            },
        },
        Case {
            name: "page_refuses_to_send_an_integer_json_would_round",
            page: Page::Js("host.services.fixture.echoU64(2 ** 53 + 2)"),
            request: None,
            check: |o| {
                o.expect_error(
                    7003,
                    "SERIALIZATION",
                    "could not serialize the arguments of `fixture.echo_u64`: `n` is 9007199254740994, beyond \
                     ±9007199254740991",
                )
                .map(drop)
            },
        },
        Case {
            name: "a_bigint_reaches_only_an_exact_integer",
            page: Page::Js("host.services.fixture.echoU64(10n)"),
            request: None,
            check: |o| {
                o.expect_error(
                    7006,
                    "INVALID_ARGUMENTS",
                    "invalid arguments for `fixture.echo_u64`: n: invalid type: map, expected u64 (a BigInt reaches \
                     only an exact integer of the host: `#[ipc(exact)]`, or `ipc_core::Exact` in a field)",
                )
                .map(drop)
            },
        },
        Case {
            name: "u64_max_travels_exactly_as_a_bigint_both_ways",
            page: Page::Js(
                "host.services.fixture.echoExact(2n ** 64n - 1n).then((n) => [typeof n, String(n), n === 2n ** 64n - 1n])",
            ),
            request: None,
            check: |o| o.expect_data(json!(["bigint", "18446744073709551615", true])),
        },
        Case {
            name: "exact_arguments_and_struct_fields_travel_as_bigints_both_ways",
            page: Page::Js(
                "host.services.fixture.exactExtremes(2n ** 64n - 1n, -(2n ** 63n), \
                 { name: \"a\", balance: 2n ** 127n - 1n }).then((r) => [typeof r.max, String(r.max), typeof r.min, \
                 String(r.min), r.account.name, typeof r.account.balance, String(r.account.balance)])",
            ),
            request: None,
            check: |o| {
                o.expect_data(json!([
                    "bigint",
                    "18446744073709551615",
                    "bigint",
                    "-9223372036854775808",
                    "a",
                    "bigint",
                    "-170141183460469231731687303715884105727"
                ]))
            },
        },
        Case {
            name: "an_exact_integer_in_a_handlers_error_reaches_the_page_as_a_bigint",
            page: Page::Js(
                "host.services.fixture.shortBy(2n ** 64n - 1n).catch((e) => [e.kind, typeof e.data.missing, \
                 String(e.data.missing)])",
            ),
            request: None,
            check: |o| o.expect_data(json!(["HANDLER", "bigint", "18446744073709551615"])),
        },
        Case {
            name: "an_exact_integer_also_takes_its_decimal_string",
            page: Page::Js(
                r#"host.invoke("fixture.echo_exact", { n: "18446744073709551615" }).then((n) => [typeof n, String(n)])"#,
            ),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"fixture.echo_exact","args":{"n":"18446744073709551615"}}"#,
            ),
            check: |o| match &o.data {
                // From a page: revived as a BigInt. In-process: the placeholder of the answer's key.
                Value::Array(_) => o.expect_data(json!(["bigint", "18446744073709551615"])),
                Value::Object(map) if map.len() == 1 && map.values().all(|v| v == "18446744073709551615") => Ok(()),
                other => Err(format!("expected u64::MAX, exactly, got {other}")),
            },
        },
        Case {
            name: "page_refuses_a_request_larger_than_the_host_accepts",
            page: Page::Js(r#"host.services.fixture.echoLater("x".repeat(17 * 1024 * 1024), 0)"#),
            request: None,
            check: |o| {
                o.expect_error(
                    7012,
                    "PAYLOAD_TOO_LARGE",
                    "bytes, more than the 16777216 the host accepts",
                )
                .map(drop)
            },
        },
        Case {
            name: "valid_arguments_pass_validation",
            page: Page::Js(r#"host.services.fixture.register("ada_99", 36, null, ["math"])"#),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"fixture.register","args":{"username":"ada_99","age":36,"tags":["math"]}}"#,
            ),
            check: |o| o.expect_data(json!("ada_99 (36, None, math)")),
        },
        Case {
            name: "every_broken_rule_is_listed_in_one_validation_error",
            page: Page::Js(r#"host.services.fixture.register("Al", 7, 3, [])"#),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"fixture.register","args":{"username":"Al","age":7,"lucky":3,"tags":[]}}"#,
            ),
            check: |o| {
                let error = o.expect_error(
                    7007,
                    "VALIDATION",
                    "invalid arguments for `fixture.register`: username: must be at least 3 long (is 2); \
                     username: must match `^[a-z0-9_]+$`; age: must be at least 13 (is 7); lucky: must be even (is 3); \
                     tags: must not be empty",
                )?;
                let rules: Vec<(&str, &str)> = error.data["violations"]
                    .as_array()
                    .map(|all| {
                        all.iter()
                            .map(|v| (v["path"].as_str().unwrap_or(""), v["rule"].as_str().unwrap_or("")))
                            .collect()
                    })
                    .unwrap_or_default();
                let expected = [
                    ("username", "length"),
                    ("username", "pattern"),
                    ("age", "range"),
                    ("lucky", "custom"),
                    ("tags", "non_empty"),
                ];
                if rules == expected {
                    Ok(())
                } else {
                    Err(format!("expected violations {expected:?}, got {rules:?}"))
                }
            },
        },
        Case {
            name: "a_struct_argument_follows_its_serde_attributes",
            page: Page::Js(r#"host.services.kinds.todo({title: "milk", dueDate: "today"})"#),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"kinds.todo","args":{"todo":{"title":"milk","dueDate":"today"}}}"#,
            ),
            check: |o| o.expect_data(json!({"title": "milk", "done": true, "dueDate": "today"})),
        },
        Case {
            name: "an_omitted_option_argument_is_none",
            page: Page::Js("host.services.kinds.optional(1)"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"kinds.optional","args":{"required":1}}"#),
            check: |o| o.expect_data(Value::Null),
        },
        Case {
            name: "a_tagged_enum_argument_decodes",
            page: Page::Js(r#"host.services.kinds.area({kind: "square", side: 2.5})"#),
            request: Some(
                r#"{"type":"invoke","id":1,"channel":"kinds.area","args":{"shape":{"kind":"square","side":2.5}}}"#,
            ),
            check: |o| o.expect_data(json!(6.25)),
        },
        Case {
            name: "the_caller_context_names_the_window_and_origin",
            page: Page::Js("host.services.kinds.caller()"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"kinds.caller"}"#),
            check: |o| o.expect_data(json!("window 1 at app://localhost")),
        },
        Case {
            name: "calls_still_work_after_failures",
            page: Page::Js("host.services.fixture.add(40, 2)"),
            request: Some(r#"{"type":"invoke","id":1,"channel":"fixture.add","args":{"a":40,"b":2}}"#),
            check: |o| o.expect_data(json!(42)),
        },
    ]
}

/// The case named `name`.
///
/// # Panics
///
/// If there is none: a test names a case that was removed.
pub fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case named {name}"))
}

fn expect_eq(actual: &Value, expected: &Value) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("expected {expected}, got {actual}"))
    }
}

/// For the WebView binaries (the end-to-end suite, the round-trip benchmark): without a display, runs this same binary
/// again under `xvfb-run -a` and returns its exit code; with one (or already under Xvfb), returns `None`.
pub fn rerun_under_xvfb() -> Option<std::process::ExitCode> {
    use std::process::{Command, ExitCode};
    let has_display = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display || std::env::var_os("IPC_UNDER_XVFB").is_some() {
        return None;
    }
    let exe = std::env::current_exe().expect("the binary knows its path");
    let status = Command::new("xvfb-run")
        .arg("-a")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env("IPC_UNDER_XVFB", "1")
        .status();
    match status {
        Ok(status) if status.success() => Some(ExitCode::SUCCESS),
        Ok(_) => Some(ExitCode::FAILURE),
        Err(err) => {
            eprintln!("no display, and xvfb-run could not start ({err}); install xvfb or set DISPLAY");
            Some(ExitCode::FAILURE)
        }
    }
}

/// The directory of the test corpora from other projects (`tests/corpora`, or `$IPC_CORPORA`).
pub fn corpora_dir() -> std::path::PathBuf {
    std::env::var_os("IPC_CORPORA").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora"),
        std::path::PathBuf::from,
    )
}

/// The TypeScript project of the tests (`tests/ts`): the generated bindings and the files `tsc` checks live there.
pub fn ts_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ts")
}

/// Runs `tsc --strict --noEmit` (ES2020, bundler module resolution) on `file`, a path under [`ts_dir`].
///
/// # Panics
///
/// If TypeScript is not installed (`npm ci --prefix tests/ts`, which `scripts/test` runs) or does not start.
pub fn tsc(file: &str) -> std::process::Output {
    let tsc = ts_dir().join("node_modules/.bin/tsc");
    assert!(
        tsc.exists(),
        "TypeScript is not installed: run `npm ci --prefix tests/ts` (scripts/test does)"
    );
    std::process::Command::new(tsc)
        .current_dir(ts_dir())
        .args(["--strict", "--noEmit", "--target", "es2020", "--module", "esnext"])
        .args(["--moduleResolution", "bundler", "--lib", "es2020,dom", file])
        .output()
        .expect("tsc runs")
}

/// Asserts that a `node --test` run passed, with exactly `expected` tests passing and none failing: a test that
/// silently stops running is a failure too.
///
/// # Panics
///
/// When it did not.
pub fn assert_node_tests(out: &std::process::Output, expected: usize) {
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains(&format!("# pass {expected}\n")) && report.contains("# fail 0\n"),
        "expected {expected} passing Node tests and none failing:\n{report}"
    );
}
