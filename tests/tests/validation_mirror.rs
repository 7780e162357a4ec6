//! The generated client checks `#[validate(...)]` rules before sending exactly as the host does: the same inputs,
//! through the generated module in Node (its real runtime, answered by the generated mock) and through the host,
//! give identical `VALIDATION` errors, and the client sends every call whose rules it does not refuse. Rules the
//! client leaves to the host (`custom`, a set, `f32`, a pattern JavaScript could read differently) never stop a call
//! in the page.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ipc_core::client::Bindings;
use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Hub};
use serde_json::{json, Value};

#[ipc_service]
trait Mirrored {
    fn text(
        &self,
        #[validate(length(min = 2, max = 5))] name: String,
        #[validate(non_empty, length(max = 3))] note: Option<String>,
        #[validate(pattern = "^[a-z]+(-[a-z]+)*$")] slug: Option<String>,
    ) -> bool;
    fn numbers(
        &self,
        #[validate(range(min = -5, max = 10))] small: i32,
        #[validate(range(min = 0.5, max = 1e15))] ratio: f64,
        #[validate(range(max = 200))] byte: Option<u8>,
        #[validate(range(min = -1000, max = 1000))] wide: Option<i64>,
    ) -> bool;
    fn lists(
        &self,
        #[validate(non_empty, length(max = 2))] items: Vec<u32>,
        #[validate(length(min = 1, max = 4), pattern = "^[^ x]+$", non_empty)] word: String,
        #[validate(pattern = r"^\+?[0-9]{1,3}(?:\.[0-9]{2})?$")] price: Option<String>,
    ) -> bool;
    fn host_only(
        &self,
        #[validate(pattern = r"^\d+$")] digits: String,
        #[validate(non_empty)] set: BTreeSet<String>,
        #[validate(range(min = 0.5))] single: f32,
        #[validate(custom = short)] custom: String,
    ) -> bool;
}

/// A custom rule, which the client leaves to the host.
#[allow(clippy::ptr_arg)] // a custom rule takes the argument's type
fn short(text: &String) -> Result<(), String> {
    match text.chars().count() {
        0..=3 => Ok(()),
        n => Err(format!("must be short (is {n})")),
    }
}

struct Impl;

impl Mirrored for Impl {
    fn text(&self, _: String, _: Option<String>, _: Option<String>) -> bool {
        true
    }
    fn numbers(&self, _: i32, _: f64, _: Option<u8>, _: Option<i64>) -> bool {
        true
    }
    fn lists(&self, _: Vec<u32>, _: String, _: Option<String>) -> bool {
        true
    }
    fn host_only(&self, _: String, _: BTreeSet<String>, _: f32, _: String) -> bool {
        true
    }
}

/// Each case: the method (in JavaScript) and its arguments as JSON text (`\ud800` is a lone surrogate in Node).
const CASES: &[(&str, &str)] = &[
    // length on text counts Unicode scalar values, not bytes or UTF-16 units; boundaries are inclusive.
    ("text", r#"{"name": "ab"}"#),
    ("text", r#"{"name": "a"}"#),
    ("text", r#"{"name": ""}"#),
    ("text", r#"{"name": "abcde"}"#),
    ("text", r#"{"name": "abcdef"}"#),
    ("text", r#"{"name": "héé"}"#),
    ("text", r#"{"name": "日本語日本"}"#),
    ("text", r#"{"name": "日本語日本語"}"#),
    ("text", r#"{"name": "😀😀😀"}"#),
    ("text", r#"{"name": "😀😀😀😀😀😀"}"#),
    ("text", r#"{"name": "e\u0301e\u0301e\u0301"}"#),
    // Options: absent and null keep every rule; a value is checked.
    ("text", r#"{"name": "ab", "note": ""}"#),
    ("text", r#"{"name": "ab", "note": null}"#),
    ("text", r#"{"name": "ab", "note": "abcd"}"#),
    ("text", r#"{"name": "a", "note": "", "slug": "Bad Slug"}"#),
    ("text", r#"{"name": "ab", "slug": "good-slug"}"#),
    ("text", r#"{"name": "ab", "slug": "-bad"}"#),
    ("text", r#"{"name": "ab", "slug": "café"}"#),
    ("text", r#"{"name": "ab", "slug": "ab\n"}"#),
    ("text", r#"{"name": "ab", "slug": "a\nb"}"#),
    // Values the host does not decode are left to it.
    ("text", r#"{"name": "\ud800x"}"#),
    ("text", r#"{"name": "a", "slug": "\udc00"}"#),
    ("text", r#"{"name": 5}"#),
    ("text", r#"{}"#),
    // range: integers and f64, displayed as Rust displays them (never in exponent notation). A whole number beyond
    // 2^53 never reaches the rules: the runtime refuses to send it.
    ("numbers", r#"{"small": 0, "ratio": 1}"#),
    ("numbers", r#"{"small": -5, "ratio": 0.5}"#),
    ("numbers", r#"{"small": -6, "ratio": 0.5}"#),
    ("numbers", r#"{"small": 11, "ratio": 0.49999999999999994}"#),
    ("numbers", r#"{"small": 10, "ratio": 1e15}"#),
    ("numbers", r#"{"small": 10, "ratio": 1000000000000000.1}"#),
    ("numbers", r#"{"small": 0, "ratio": 1e-7}"#),
    ("numbers", r#"{"small": 0, "ratio": 5e-324}"#),
    ("numbers", r#"{"small": 0, "ratio": -0.0}"#),
    ("numbers", r#"{"small": 0, "ratio": -1.5e-300}"#),
    ("numbers", r#"{"small": 0, "ratio": 0.1, "byte": 201}"#),
    ("numbers", r#"{"small": 0, "ratio": 1, "byte": 200}"#),
    ("numbers", r#"{"small": 0, "ratio": 1, "byte": null}"#),
    ("numbers", r#"{"small": 0, "ratio": 1, "wide": -1001}"#),
    ("numbers", r#"{"small": 0, "ratio": 1, "wide": 1000}"#),
    ("numbers", r#"{"small": 0, "ratio": 1, "byte": 256}"#),
    ("numbers", r#"{"small": 1.5, "ratio": 1}"#),
    ("numbers", r#"{"small": -2147483649, "ratio": 1}"#),
    ("numbers", r#"{"small": "1", "ratio": 1}"#),
    // length and non_empty on lists; several rules on one argument, in the order written.
    ("lists", r#"{"items": [1], "word": "ok"}"#),
    ("lists", r#"{"items": [], "word": "ok"}"#),
    ("lists", r#"{"items": [1, 2, 3], "word": "ok"}"#),
    ("lists", r#"{"items": [1], "word": ""}"#),
    ("lists", r#"{"items": [1], "word": "a b"}"#),
    ("lists", r#"{"items": [1], "word": "😀😀😀😀"}"#),
    ("lists", r#"{"items": [1], "word": "😀😀😀😀😀"}"#),
    ("lists", r#"{"items": [1], "word": "ok", "price": "+12.50"}"#),
    ("lists", r#"{"items": [1], "word": "ok", "price": "12.5"}"#),
    ("lists", r#"{"items": [1], "word": "ok", "price": "1234"}"#),
    ("lists", r#"{"items": [-1], "word": "ok"}"#),
    ("lists", r#"{"items": [1, 2, 3], "word": "x"}"#),
    // Host-side only: the page sends, the host refuses.
    (
        "hostOnly",
        r#"{"digits": "123", "set": ["a"], "single": 1, "custom": "ok"}"#,
    ),
    (
        "hostOnly",
        r#"{"digits": "12a", "set": ["a"], "single": 1, "custom": "ok"}"#,
    ),
    (
        "hostOnly",
        r#"{"digits": "٣", "set": ["a"], "single": 1, "custom": "ok"}"#,
    ),
    (
        "hostOnly",
        r#"{"digits": "1", "set": [], "single": 0.1, "custom": "toolong"}"#,
    ),
];

/// What the generated client did with each case: the arguments it builds (as it would send them), whether the call
/// reached the mock, and the error it failed with.
fn through_the_client() -> Vec<Value> {
    let descriptor = <Impl as Mirrored>::service_descriptor();
    let cases: Vec<Value> = CASES
        .iter()
        .map(|(method, args)| {
            let method = descriptor.methods.iter().find(|m| m.js_name == *method).unwrap();
            let params: Vec<&str> = method.args.iter().map(|a| a.js_name).collect();
            json!({"method": method.js_name, "params": params, "args": args})
        })
        .collect();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tests.join("ts/generated/mirrored");
    Bindings::new()
        .service(descriptor)
        .write_to(&dir, "ipc")
        .expect("the bindings are written");
    let cases_file = dir.join("cases.json");
    std::fs::write(&cases_file, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(tests.join("js/validation_mirror.mjs"))
        .env("IPC_MIRRORED_DIR", &dir)
        .env("IPC_CASES", &cases_file)
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    assert!(
        out.status.success(),
        "node failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), CASES.len(), "one outcome per case");
    lines
}

/// The host's answer to each call, sent as the client builds it: `None` when it succeeds, else its error.
async fn through_the_host(sent: &[String]) -> Vec<Option<Value>> {
    let hub = Hub::builder().service(Impl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let descriptor = <Impl as Mirrored>::service_descriptor();
    let mut answers = Vec::new();
    for (id, ((method, _), args)) in CASES.iter().zip(sent).enumerate() {
        let channel = descriptor
            .methods
            .iter()
            .find(|m| m.js_name == *method)
            .unwrap()
            .channel;
        // By hand rather than `TestClient::invoke`, which reads `args` first: a lone surrogate is sent as it is.
        let request = format!(
            r#"{{"type":"invoke","id":{},"channel":"{channel}","args":{args}}}"#,
            id + 1
        );
        let answer: Value = serde_json::from_str(&page.request(&request).await).unwrap();
        answers.push((answer["success"] == false).then(|| answer["error"].clone()));
    }
    answers
}

#[tokio::test]
async fn the_client_refuses_exactly_what_the_host_would_with_the_same_violations() {
    let client = through_the_client();
    // What the client builds from the arguments is what the host gets (JSON sends -0 as 0, for one).
    let sent: Vec<String> = client.iter().map(|c| c["sent"].as_str().unwrap().to_owned()).collect();
    let host = through_the_host(&sent).await;
    let mut refused = 0;
    let mut refused_otherwise = Vec::new();
    for (((method, args), client), host) in CASES.iter().zip(&client).zip(&host) {
        let case = format!("{method}({args})");
        let host_validation = host.as_ref().filter(|e| e["kind"] == "VALIDATION");
        match host_validation {
            Some(error) if *method != "hostOnly" => {
                refused += 1;
                assert_eq!(
                    client["reached"], false,
                    "{case}: the client sent a call the host refuses"
                );
                assert_eq!(
                    client["error"], *error,
                    "{case}: the client's error differs from the host's"
                );
            }
            // A call that does not decode is refused by the host before any rule; the client, which checks the
            // rules of the values it can read, may already refuse it for another argument.
            _ if host.as_ref().is_some_and(|e| e["kind"] == "INVALID_ARGUMENTS") && client["reached"] == false => {
                assert_eq!(client["error"]["kind"], "VALIDATION", "{case}");
                refused_otherwise.push(case);
            }
            _ => {
                assert_eq!(
                    client["reached"], true,
                    "{case}: the client refused {}",
                    client["error"]
                );
                assert_eq!(client["error"], Value::Null, "{case}");
            }
        }
    }
    assert_eq!(refused, 30, "how many cases the host refuses for mirrored rules");
    assert_eq!(refused_otherwise, [r#"text({"name": "a", "slug": "\udc00"})"#]);
    let host_only_refused = CASES
        .iter()
        .zip(&host)
        .filter(|((method, _), host)| *method == "hostOnly" && host.is_some())
        .count();
    assert_eq!(host_only_refused, 2, "host-only rules are checked by the host");
}

/// Patterns in the subset the client mirrors, and texts to try them on.
const PATTERNS: &[&str] = &[
    "^[a-z0-9_]+$",
    "^[a-z]+(-[a-z]+)*$",
    r"^\+?[0-9]{1,3}(?:\.[0-9]{2})?$",
    "^(ab|cd)?e{2,}$",
    r"^[^\]\\ ]*$",
    "é+ü",
    "^😀{2}$",
    "[^a]",
    r"^a\nb$",
    "x|^$",
    "^[α-ω]{1,3}?$",
];

const TEXTS: &[&str] = &[
    "", "abc", "abc_123", "ABC", "a-b", "a--b", "+12.50", "12.5", "cdeee", "ee", "a\\b", "a]b", "a b", "éééü", "eü",
    "😀😀", "😀", "a", "\n", "a\nb", "a\nb\n", "x", "αβγ", "αβγδ", "e\u{301}",
];

#[test]
fn mirrored_patterns_match_the_same_texts_in_both_engines() {
    use ipc_core::client::global_client_script;
    use ipc_core::typescript::TsType;
    use ipc_core::validate::{ClientRule, Pattern};
    use ipc_core::{ArgDescriptor, CallTimeout, MethodDescriptor, ServiceDescriptor};

    // Each pattern is one the client checks: its rules table names it.
    let args: Vec<ArgDescriptor> = PATTERNS
        .iter()
        .map(|source| ArgDescriptor {
            rust_name: "text",
            js_name: "text",
            ts: TsType::of::<String>(),
            rules: "",
            client_rules: Box::leak(Box::new([ClientRule::Pattern { source }])),
        })
        .collect();
    let methods: Vec<MethodDescriptor> = args
        .iter()
        .map(|arg| MethodDescriptor {
            rust_name: "m",
            js_name: "m",
            channel: "s.m",
            docs: "",
            args: std::slice::from_ref(Box::leak(Box::new(*arg))),
            returns: None,
            error: None,
            timeout: CallTimeout::Default,
            deprecated: None,
            stream: false,
        })
        .collect();
    let service: &'static ServiceDescriptor = Box::leak(Box::new(ServiceDescriptor {
        name: "s",
        js_name: "s",
        rust_name: "S",
        docs: "",
        methods: Box::leak(methods.into_boxed_slice()),
        events: &[],
    }));
    let script = global_client_script(&[service]);
    for source in PATTERNS {
        let rule = json!(["pattern", source]).to_string();
        assert!(script.contains(&rule), "{source} is not mirrored:\n{script}");
    }

    let rust: Vec<Vec<bool>> = PATTERNS
        .iter()
        .map(|source| {
            let pattern = Pattern::new(Box::leak(source.to_string().into_boxed_str()));
            TEXTS.iter().map(|text| pattern.regex().is_match(text)).collect()
        })
        .collect();
    let script = "const { patterns, texts } = JSON.parse(process.env.IPC_PATTERNS); \
                  console.log(JSON.stringify(patterns.map((p) => { const r = new RegExp(p, 'u'); \
                  return texts.map((t) => r.test(t)); })));";
    let out = Command::new("node")
        .args(["-e", script])
        .env(
            "IPC_PATTERNS",
            json!({"patterns": PATTERNS, "texts": TEXTS}).to_string(),
        )
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let javascript: Vec<Vec<bool>> = serde_json::from_slice(&out.stdout).unwrap();
    for ((source, rust), javascript) in PATTERNS.iter().zip(&rust).zip(&javascript) {
        let differ: Vec<&str> = TEXTS
            .iter()
            .zip(rust.iter().zip(javascript))
            .filter(|(_, (r, j))| r != j)
            .map(|(text, _)| *text)
            .collect();
        assert!(differ.is_empty(), "`{source}` reads {differ:?} differently");
    }
}
