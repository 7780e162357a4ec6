//! A client generated from other bindings than the app serves gets one clear error, STALE_BINDINGS, naming the
//! service and what to do, instead of a decode error from the changed method; a current client's calls run.

use ipc_core::testing::TestClient;
use ipc_core::Hub;
use serde_json::{json, Value};
use tests::{Fixture, FixtureImpl};

async fn call(page: &mut TestClient, id: u32, schema: &str) -> Value {
    let envelope = json!({"type": "invoke", "id": id, "channel": "fixture.add", "args": {"a": 1, "b": 2},
        "schema": schema});
    serde_json::from_str(&page.request(&envelope.to_string()).await).unwrap()
}

#[tokio::test]
async fn a_stale_client_is_told_to_regenerate_and_a_current_one_is_answered() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let current = <FixtureImpl as Fixture>::service_descriptor().fingerprint();
    assert_eq!(current.len(), 16);

    let answer = call(&mut page, 1, &current).await;
    assert_eq!(answer["data"], 3, "{answer}");

    let answer = call(&mut page, 2, "0123456789abcdef").await;
    assert_eq!(answer["id"], 2);
    assert_eq!(answer["error"]["kind"], "STALE_BINDINGS");
    assert_eq!(answer["error"]["code"], 7015);
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`fixture`") && message.contains("regenerate"),
        "{message}"
    );
}

#[tokio::test]
async fn a_hostile_schema_is_quoted_short_and_reaches_no_handler() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let answer = call(&mut page, 1, &"f".repeat(1 << 20)).await;
    assert_eq!(answer["error"]["kind"], "STALE_BINDINGS");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.len() < 400,
        "a megabyte schema is quoted short: {} bytes",
        message.len()
    );
    // A schema that is not a string is a malformed envelope, like any field of the wrong type.
    let envelope = json!({"type": "invoke", "id": 2, "channel": "fixture.add", "args": {"a": 1, "b": 2}, "schema": 7});
    let answer: Value = serde_json::from_str(&page.request(&envelope.to_string()).await).unwrap();
    assert_eq!(answer["error"]["kind"], "INVALID_REQUEST", "{answer}");
}

#[test]
fn the_fingerprint_follows_what_a_client_relies_on() {
    use ipc_core::typescript::TsType;
    use ipc_core::{ArgDescriptor, CallTimeout, MethodDescriptor, ServiceDescriptor};
    let plain = |args: &'static [ArgDescriptor]| ServiceDescriptor {
        name: "s",
        js_name: "s",
        rust_name: "S",
        docs: "docs do not count",
        methods: Box::leak(Box::new([MethodDescriptor {
            rust_name: "m",
            js_name: "m",
            channel: "s.m",
            docs: "",
            args,
            returns: None,
            error: None,
            timeout: CallTimeout::Default,
            deprecated: None,
            stream: false,
        }])),
        events: &[],
    };
    let arg = |js_name: &'static str, ts: TsType| -> &'static [ArgDescriptor] {
        Box::leak(Box::new([ArgDescriptor {
            rust_name: js_name,
            js_name,
            ts,
            rules: "",
            client_rules: &[],
        }]))
    };
    let base = plain(arg("x", TsType::of::<u32>())).fingerprint();
    assert_eq!(base, plain(arg("x", TsType::of::<u32>())).fingerprint(), "stable");
    assert_ne!(
        base,
        plain(arg("y", TsType::of::<u32>())).fingerprint(),
        "an argument renamed"
    );
    assert_ne!(
        base,
        plain(arg("x", TsType::of::<String>())).fingerprint(),
        "an argument retyped"
    );
    let ruled: &'static [ArgDescriptor] = Box::leak(Box::new([ArgDescriptor {
        rules: "length(max = 3)",
        ..arg("x", TsType::of::<u32>())[0]
    }]));
    assert_ne!(
        base,
        plain(ruled).fingerprint(),
        "a rule the client checks before sending changed"
    );
}
