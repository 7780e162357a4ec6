//! Every kind of signature that can work over IPC, called through the in-process test client exactly as a page would.

use ipc_core::testing::TestClient;
use ipc_core::Hub;
use serde_json::{json, Value};
use tests::kinds::{Impl, Kinds};

/// Calls `channel` with `args` and returns the answer as JSON.
async fn call(channel: &str, args: Value) -> Value {
    let hub = Hub::builder().service(Impl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let answer = page.invoke(channel, &args.to_string()).await;
    serde_json::from_str(&answer).unwrap()
}

async fn data(channel: &str, args: Value) -> Value {
    let answer = call(channel, args).await;
    assert_eq!(answer["success"], true, "{answer}");
    answer["data"].clone()
}

#[tokio::test]
async fn unit_return_is_null() {
    assert_eq!(data("kinds.nothing", json!({})).await, Value::Null);
}

#[tokio::test]
async fn every_primitive_decodes_by_its_camel_case_name() {
    let args = json!({"s": "x", "b": true, "i8": -8, "i16": -16, "i32": -32, "u8": 8, "u16": 16, "u32": 32, "f32": 1.5, "f64": 2.25});
    assert_eq!(
        data("kinds.primitives", args).await,
        json!("x true -8 -16 -32 8 16 32 1.5 2.25")
    );
}

#[tokio::test]
async fn an_option_argument_may_be_omitted_or_null() {
    assert_eq!(data("kinds.optional", json!({"required": 1})).await, Value::Null);
    assert_eq!(
        data("kinds.optional", json!({"required": 1, "maybe": null})).await,
        Value::Null
    );
    assert_eq!(
        data("kinds.optional", json!({"required": 1, "maybe": "a"})).await,
        json!("1:a")
    );
}

#[tokio::test]
async fn a_required_argument_may_not_be_null() {
    let answer = call("kinds.optional", json!({"required": null})).await;
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.optional`: required: invalid type: null, expected u8"
    );
}

#[tokio::test]
async fn vectors_maps_and_tuples_decode() {
    let args = json!({"list": [1, 2, 3], "map": {"a": 1, "b": 2}, "pair": ["x", 7]});
    assert_eq!(data("kinds.collections", args).await, json!([3, 3, "x7"]));
}

#[tokio::test]
async fn any_json_value_passes_through() {
    let value = json!({"nested": [1, {"deep": null}], "s": "é"});
    assert_eq!(
        data("kinds.any_json", json!({ "value": value })).await,
        json!({ "got": value })
    );
}

#[tokio::test]
async fn user_struct_follows_its_serde_attributes() {
    let todo = json!({"title": "milk", "dueDate": "today"});
    assert_eq!(
        data("kinds.todo", json!({ "todo": todo })).await,
        json!({"title": "milk", "done": true, "dueDate": "today"})
    );
}

#[tokio::test]
async fn internally_tagged_and_untagged_enums_decode() {
    assert_eq!(
        data("kinds.area", json!({"shape": {"kind": "square", "side": 3.0}})).await,
        json!(9.0)
    );
    assert_eq!(data("kinds.lookup", json!({"key": 7})).await, json!("id 7"));
    assert_eq!(data("kinds.lookup", json!({"key": "seven"})).await, json!("name seven"));
}

#[tokio::test]
async fn flattened_fields_round_trip() {
    let page = json!({"number": 2, "lang": "en", "size": 10});
    assert_eq!(data("kinds.page", json!({ "page": page })).await, page);
}

#[tokio::test]
async fn a_wrong_enum_tag_names_the_path() {
    let answer = call("kinds.area", json!({"shape": {"kind": "triangle"}})).await;
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.area`: shape.kind: unknown variant `triangle`, expected `circle` or `square`"
    );
}

#[tokio::test]
async fn a_nested_field_error_names_the_full_path() {
    let answer = call("kinds.todo", json!({"todo": {"title": 5}})).await;
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.todo`: todo.title: invalid type: integer `5`, expected a string"
    );
}

#[tokio::test]
async fn result_ok_is_data_and_err_is_a_handler_error() {
    assert_eq!(
        data("kinds.find", json!({"id": 1})).await,
        json!({"title": "milk", "done": false, "dueDate": null})
    );
    let answer = call("kinds.find", json!({"id": 2})).await;
    assert_eq!(answer["error"]["code"], 7009);
    assert_eq!(answer["error"]["message"], "`kinds.find` returned an error");
    assert_eq!(answer["error"]["data"], json!({"code": "NotFound", "detail": "todo 2"}));
}

#[tokio::test]
async fn result_unit_ok_is_null() {
    assert_eq!(data("kinds.delete", json!({"id": 1})).await, Value::Null);
    assert_eq!(call("kinds.delete", json!({"id": 3})).await["error"]["kind"], "HANDLER");
}

#[tokio::test]
async fn a_result_alias_answers_err_as_a_handler_error() {
    assert_eq!(
        data("kinds.find_aliased", json!({"id": 1})).await,
        json!({"title": "milk", "done": false, "dueDate": null})
    );
    let answer = call("kinds.find_aliased", json!({"id": 2})).await;
    assert_eq!(answer["success"], false, "{answer}");
    assert_eq!(answer["error"]["kind"], "HANDLER");
    assert_eq!(answer["error"]["data"], json!({"code": "NotFound", "detail": "todo 2"}));
}

#[tokio::test]
async fn an_async_result_alias_of_unit_answers_null_or_a_handler_error() {
    assert_eq!(data("kinds.delete_aliased", json!({"id": 1})).await, Value::Null);
    let answer = call("kinds.delete_aliased", json!({"id": 3})).await;
    assert_eq!(answer["error"]["kind"], "HANDLER", "{answer}");
    assert_eq!(answer["error"]["data"], json!({"code": "NotFound", "detail": "todo 3"}));
}

#[tokio::test]
async fn a_returned_send_future_is_awaited_like_an_async_fn() {
    assert_eq!(data("kinds.count_later", json!({"id": 1})).await, json!(1));
    let answer = call("kinds.count_later", json!({"id": 2})).await;
    assert_eq!(answer["error"]["kind"], "HANDLER", "{answer}");
    assert_eq!(answer["error"]["data"], json!({"code": "NotFound", "detail": "todo 2"}));
}

#[test]
fn a_result_alias_is_typed_by_its_ok_and_err_types() {
    let methods = <Impl as Kinds>::service_descriptor().methods;
    let method = |name: &str| methods.iter().find(|m| m.rust_name == name).unwrap();
    let types = |name: &str| {
        let m = method(name);
        (m.returns.map(|t| t.name()), m.error.map(|t| t.name()))
    };
    assert_eq!(
        types("find_aliased"),
        (Some("Todo".to_owned()), Some("StoreError".to_owned()))
    );
    assert_eq!(
        types("delete_aliased"),
        (Some("null".to_owned()), Some("StoreError".to_owned()))
    );
    assert_eq!(
        types("count_later"),
        (Some("number".to_owned()), Some("StoreError".to_owned()))
    );
    assert_eq!(types("find"), types("find_aliased"));
}

#[tokio::test]
async fn cow_box_and_arc_of_str_decode_and_encode_as_strings() {
    let args = json!({"cow": "a", "boxed": "b", "shared": "c"});
    assert_eq!(data("kinds.owned_text", args).await, json!(["a!", "b!", "c!"]));
}

#[tokio::test]
async fn a_deprecated_method_is_still_served() {
    let answer = call("kinds.find_old", json!({"id": 2})).await;
    assert_eq!(answer["error"]["kind"], "HANDLER", "{answer}");
}

#[test]
fn a_deprecated_method_carries_its_note_in_the_descriptor() {
    let methods = <Impl as Kinds>::service_descriptor().methods;
    let deprecated: Vec<(&str, &str)> = methods
        .iter()
        .filter_map(|m| m.deprecated.map(|note| (m.rust_name, note)))
        .collect();
    assert_eq!(deprecated, [("find_old", "since 0.2.0: use `find`")]);
}

#[test]
fn declared_events_are_listed_in_the_descriptor_and_not_as_methods() {
    let descriptor = <Impl as Kinds>::service_descriptor();
    let events: Vec<(&str, &str, &str, String, Option<&str>)> = descriptor
        .events
        .iter()
        .map(|e| (e.rust_name, e.js_name, e.channel, e.payload.name(), e.deprecated))
        .collect();
    assert_eq!(
        events,
        [
            ("changed", "changed", "kinds.changed", "Array<Todo>".to_owned(), None),
            ("todo_removed", "removed", "kinds.removed", "number".to_owned(), None),
            (
                "updated",
                "updated",
                "kinds.updated",
                "Todo".to_owned(),
                Some("listen to `changed`")
            ),
        ]
    );
    assert_eq!(descriptor.events[0].docs, "Pushed by the host: the todos changed.");
    assert!(descriptor.methods.iter().all(|m| m.rust_name != "changed"));
}

#[tokio::test]
async fn an_event_is_not_a_channel_the_page_can_call() {
    let answer = call("kinds.changed", json!({"todos": []})).await;
    assert_eq!(answer["error"]["kind"], "UNKNOWN_CHANNEL", "{answer}");
}

#[tokio::test]
async fn a_method_configured_out_has_no_channel() {
    let answer = call("kinds.configured_out", json!({})).await;
    assert_eq!(answer["error"]["kind"], "UNKNOWN_CHANNEL", "{answer}");
    let methods = <Impl as Kinds>::service_descriptor().methods;
    assert!(methods.iter().all(|m| m.rust_name != "configured_out"));
}

#[tokio::test]
async fn an_argument_configured_out_is_not_an_argument() {
    assert_eq!(data("kinds.configured_args", json!({"shown": 4})).await, json!(4));
    let answer = call("kinds.configured_args", json!({"shown": 4, "hidden": 1})).await;
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.configured_args`: unknown argument `hidden`; expected `shown`"
    );
    let methods = <Impl as Kinds>::service_descriptor().methods;
    let method = methods.iter().find(|m| m.rust_name == "configured_args").unwrap();
    let names: Vec<&str> = method.args.iter().map(|a| a.js_name).collect();
    assert_eq!(names, ["shown"]);
}

#[tokio::test]
async fn the_context_is_injected_and_is_not_an_argument() {
    assert_eq!(data("kinds.caller", json!({})).await, json!("window 1 at test://app"));
    let answer = call("kinds.caller", json!({"ctx": {}})).await;
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.caller`: unknown argument `ctx`; this method takes no arguments"
    );
}

#[tokio::test]
async fn the_context_under_another_name_is_injected_by_its_type() {
    assert_eq!(
        data("kinds.caller_renamed", json!({"greeting": "hi"})).await,
        json!("hi, test://app")
    );
    let answer = call("kinds.caller_renamed", json!({"greeting": "hi", "who": {}})).await;
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.caller_renamed`: unknown argument `who`; expected `greeting`"
    );
    let methods = <Impl as Kinds>::service_descriptor().methods;
    let method = methods.iter().find(|m| m.rust_name == "caller_renamed").unwrap();
    let names: Vec<&str> = method.args.iter().map(|a| a.js_name).collect();
    assert_eq!(names, ["greeting"]);
}

#[tokio::test]
async fn a_renamed_method_answers_on_its_new_channel_only() {
    assert_eq!(data("kinds.renamed", json!({})).await, json!("renamed"));
    assert_eq!(
        call("kinds.original_name", json!({})).await["error"]["kind"],
        "UNKNOWN_CHANNEL"
    );
}

#[tokio::test]
async fn an_unknown_field_of_a_user_struct_is_refused_not_dropped() {
    let answer = call("kinds.todo", json!({"todo": {"title": "milk", "colour": "red"}})).await;
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `kinds.todo`: unknown field `todo.colour`"
    );
}
