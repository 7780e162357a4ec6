//! Exact integers in-process: `u64`, `i64`, `u128` and `i128` opted in (per service, per argument, per method, or as
//! `ipc_core::Exact` in a field) travel both ways without rounding, as placeholders under the message's key; values
//! not opted in keep today's rule (refused beyond ±(2^53 − 1)); malformed placeholders are refused naming the path.

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Exact, Hub};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Serialize, Deserialize, ts_rs::TS)]
struct Account {
    name: String,
    balance: Exact<i128>,
    ids: Vec<Exact<u64>>,
}

/// An error whose data holds an exact integer.
#[derive(Serialize, ts_rs::TS)]
struct Shortfall {
    missing: Exact<u64>,
}

/// Every integer argument and return value of this service travels exactly.
#[ipc_service(exact_integers)]
trait Ledger {
    /// The arguments back, as a tuple of exact integers.
    fn echo(&self, a: u64, b: i64, c: u128, d: i128) -> Vec<i128>;
    fn next(&self, after: Option<u64>) -> Result<u64, String>;
    /// The account, with its balance doubled.
    fn double(&self, account: Account) -> Account;
    /// An integer the service leaves alone: its `u32` is always exact.
    fn small(&self, n: u32) -> u32;
    /// Always short by `u64::MAX`.
    fn withdraw(&self) -> Result<(), Shortfall>;
}

struct LedgerImpl;

impl Ledger for LedgerImpl {
    fn echo(&self, a: u64, b: i64, c: u128, d: i128) -> Vec<i128> {
        vec![a.into(), b.into(), c as i128, d]
    }

    fn next(&self, after: Option<u64>) -> Result<u64, String> {
        match after {
            Some(n) => n.checked_add(1).ok_or_else(|| "no integer after u64::MAX".to_owned()),
            None => Ok(0),
        }
    }

    fn double(&self, account: Account) -> Account {
        Account {
            balance: Exact(account.balance.0 * 2),
            ..account
        }
    }

    fn small(&self, n: u32) -> u32 {
        n
    }

    fn withdraw(&self) -> Result<(), Shortfall> {
        Err(Shortfall {
            missing: Exact(u64::MAX),
        })
    }
}

/// Opted in one value at a time: the rest keeps the default rule.
#[ipc_service]
trait Ids {
    fn exact_in(&self, #[ipc(exact)] id: u64, plain: u64) -> String;
    #[ipc(exact)]
    fn exact_out(&self) -> i64;
    fn plain_out(&self) -> u64;
}

struct IdsImpl;

impl Ids for IdsImpl {
    fn exact_in(&self, id: u64, plain: u64) -> String {
        format!("{id} {plain}")
    }

    fn exact_out(&self) -> i64 {
        i64::MIN
    }

    fn plain_out(&self) -> u64 {
        u64::MAX
    }
}

fn hub() -> Hub {
    Hub::builder()
        .service(LedgerImpl.into_service())
        .service(IdsImpl.into_service())
        .build()
        .unwrap()
}

const KEY: &str = "$ipc:0123456789abcdef0123456789abcdef";

/// A call whose arguments announce `KEY`, as the runtime writes one with BigInt arguments; the parsed answer.
async fn call(page: &mut TestClient, channel: &str, args: Value) -> Value {
    let envelope = json!({"type": "invoke", "id": 1, "channel": channel, "args": args,
        "binary": {"key": KEY, "count": 0}});
    serde_json::from_str(&page.request(&envelope.to_string()).await).unwrap()
}

/// The answer's data with each exact integer placeholder (under the answer's own key) replaced by its digits
/// prefixed with `n:`, as the runtime would put a BigInt there.
fn revived(answer: &Value) -> Value {
    fn revive(value: &Value, key: &str) -> Value {
        match value {
            Value::Object(map) if map.len() == 1 && map.contains_key(key) => {
                json!(format!("n:{}", map[key].as_str().expect("digits in a string")))
            }
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), revive(v, key))).collect(),
            Value::Array(items) => items.iter().map(|v| revive(v, key)).collect(),
            other => other.clone(),
        }
    }
    assert_eq!(answer["success"], json!(true), "{answer}");
    let key = answer["binary"]["key"].as_str().expect("the answer announces its key");
    assert_eq!(answer["binary"]["count"], json!(0), "no binary part");
    assert_ne!(key, KEY, "the answer's key is the host's own, not the request's");
    revive(&answer["data"], key)
}

fn placeholder(digits: &str) -> Value {
    json!({ KEY: digits })
}

#[tokio::test]
async fn extremes_of_every_exact_type_round_trip_exactly() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let args = json!({
        "a": placeholder("18446744073709551615"),
        "b": placeholder("-9223372036854775808"),
        "c": placeholder("170141183460469231731687303715884105727"),
        "d": placeholder("-170141183460469231731687303715884105728"),
    });
    let answer = call(&mut page, "ledger.echo", args).await;
    assert_eq!(
        revived(&answer),
        json!([
            "n:18446744073709551615",
            "n:-9223372036854775808",
            "n:170141183460469231731687303715884105727",
            "n:-170141183460469231731687303715884105728",
        ])
    );
}

#[tokio::test]
async fn options_results_and_struct_fields_carry_exact_integers() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer = call(
        &mut page,
        "ledger.next",
        json!({"after": placeholder("18446744073709551614")}),
    )
    .await;
    assert_eq!(revived(&answer), json!("n:18446744073709551615"));
    let answer = call(
        &mut page,
        "ledger.next",
        json!({"after": placeholder("18446744073709551615")}),
    )
    .await;
    assert_eq!(answer["error"]["kind"], json!("HANDLER"));
    assert_eq!(answer["error"]["message"], json!("no integer after u64::MAX"));

    let account = json!({"name": "a", "balance": placeholder("-85070591730234615865843651857942052864"),
        "ids": [placeholder("18446744073709551615"), 1]});
    let answer = call(&mut page, "ledger.double", json!({ "account": account })).await;
    assert_eq!(
        revived(&answer),
        json!({"name": "a", "balance": format!("n:{}", i128::MIN), "ids": ["n:18446744073709551615", "n:1"]})
    );
}

#[tokio::test]
async fn an_exact_integer_in_a_handlers_error_data_is_a_placeholder_under_the_answers_key() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer = call(&mut page, "ledger.withdraw", json!({})).await;
    assert_eq!(answer["error"]["kind"], json!("HANDLER"), "{answer}");
    let key = answer["binary"]["key"]
        .as_str()
        .expect("the failed answer announces its key");
    assert_eq!(answer["binary"]["count"], json!(0));
    assert_eq!(
        answer["error"]["data"],
        json!({"missing": {key: "18446744073709551615"}})
    );
}

#[tokio::test]
async fn an_exact_integer_also_decodes_from_its_decimal_string_and_a_json_integer() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer: Value = serde_json::from_str(
        &page
            .invoke("ids.exact_in", r#"{"id":"18446744073709551615","plain":7}"#)
            .await,
    )
    .unwrap();
    assert_eq!(answer["data"], json!("18446744073709551615 7"));
    let answer: Value = serde_json::from_str(&page.invoke("ids.exact_in", r#"{"id":12,"plain":7}"#).await).unwrap();
    assert_eq!(answer["data"], json!("12 7"));
}

#[tokio::test]
async fn values_not_opted_in_keep_the_default_rule() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer: Value = serde_json::from_str(&page.invoke("ids.plain_out", "{}").await).unwrap();
    assert_eq!(answer["error"]["kind"], json!("SERIALIZATION"));
    assert_eq!(
        answer["error"]["message"],
        json!(
            "could not serialize the answer of `ids.plain_out`: the integer 18446744073709551615 is beyond \
             ±9007199254740991, the range JavaScript numbers hold exactly; carry it as an exact integer \
             (`#[ipc(exact)]`, or `ipc_core::Exact` in a field), a BigInt in the page"
        )
    );
    let answer = call(&mut page, "ids.exact_in", json!({"id": 1, "plain": placeholder("5")})).await;
    assert_eq!(answer["error"]["kind"], json!("INVALID_ARGUMENTS"));
    assert!(
        answer["error"]["message"].as_str().unwrap().starts_with(
            "invalid arguments for `ids.exact_in`: plain: invalid type: map, expected u64 (a BigInt reaches only \
                 an exact integer of the host: `#[ipc(exact)]`, or `ipc_core::Exact` in a field)"
        ),
        "{answer}"
    );
    let answer = call(&mut page, "ledger.small", json!({"n": placeholder("5")})).await;
    assert_eq!(
        answer["error"]["kind"],
        json!("INVALID_ARGUMENTS"),
        "a u32 is not opted in"
    );
    let answer = call(&mut page, "ids.exact_out", json!({})).await;
    assert_eq!(revived(&answer), json!("n:-9223372036854775808"));
}

#[tokio::test]
async fn malformed_exact_integers_are_refused_naming_the_path() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let account = |balance: Value| json!({"account": {"name": "a", "balance": balance, "ids": []}});
    let cases = [
        (
            "ledger.echo",
            json!({"a": placeholder("0x10"), "b": 0, "c": 0, "d": 0}),
            "a: invalid exact integer \"0x10\": expected the decimal digits of a u64",
        ),
        (
            "ledger.echo",
            json!({"a": placeholder("18446744073709551616"), "b": 0, "c": 0, "d": 0}),
            "a: the integer 18446744073709551616 does not fit in a u64",
        ),
        (
            "ledger.echo",
            json!({"a": 0, "b": placeholder(" 1"), "c": 0, "d": 0}),
            "b: invalid exact integer \" 1\": expected the decimal digits of a i64",
        ),
        (
            "ledger.double",
            account(json!({"$ipc:forged": "1"})),
            "account.balance: invalid type: map, expected an exact integer (a i128: a BigInt, or its decimal string)",
        ),
        (
            "ledger.double",
            account(json!(1.5)),
            "account.balance: invalid type: floating point `1.5`, expected an exact integer",
        ),
        (
            "ledger.double",
            account(json!({"n": {KEY: "1"}, "x": 1})),
            "account.balance: invalid type: map",
        ),
    ];
    for (channel, args, expected) in cases {
        let answer = call(&mut page, channel, args).await;
        let error = &answer["error"];
        assert_eq!(error["kind"], json!("INVALID_ARGUMENTS"), "{answer}");
        let message = error["message"].as_str().unwrap();
        let prefix = format!("invalid arguments for `{channel}`: {expected}");
        assert!(
            message.starts_with(&prefix),
            "{message}\n does not start with\n{prefix}"
        );
    }
}

#[tokio::test]
async fn a_request_without_a_key_has_no_placeholders() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer: Value = serde_json::from_str(
        &page
            .invoke("ids.exact_in", &json!({"id": placeholder("1"), "plain": 1}).to_string())
            .await,
    )
    .unwrap();
    assert_eq!(answer["error"]["kind"], json!("INVALID_ARGUMENTS"));
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("id: invalid type: map, expected an exact integer"));
}

#[test]
fn exact_values_are_typed_bigint_in_the_declarations() {
    let dts = ipc_core::client::Bindings::new()
        .service(<LedgerImpl as Ledger>::service_descriptor())
        .service(<IdsImpl as Ids>::service_descriptor())
        .declarations();
    for expected in [
        "echo(a: bigint, b: bigint, c: bigint, d: bigint, options?: InvokeOptions): Promise<Array<bigint>>",
        "next(after?: bigint | null, options?: InvokeOptions): Promise<bigint>",
        "small(n: number, options?: InvokeOptions): Promise<number>",
        "exactIn(id: bigint, plain: number, options?: InvokeOptions): Promise<string>",
        "exactOut(options?: InvokeOptions): Promise<bigint>",
        "plainOut(options?: InvokeOptions): Promise<number>",
        "export type Account = { name: string, balance: bigint, ids: Array<bigint>, };",
    ] {
        assert!(dts.contains(expected), "missing `{expected}` in:\n{dts}");
    }
}

#[tokio::test]
async fn a_push_carries_exact_integers_under_its_own_key_and_plain_ones_are_still_refused() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    hub.send_to_window(page.window(), "ledger.moved", &(Exact(u64::MAX), Exact(i64::MIN)))
        .unwrap();
    let push: Value = serde_json::from_str(&page.next_message().await.expect("the push")).unwrap();
    let key = push["binary"]["key"].as_str().expect("the push announces its key");
    assert_eq!(push["binary"]["count"], json!(0));
    assert_eq!(
        push["payload"],
        json!([{key: "18446744073709551615"}, {key: "-9223372036854775808"}])
    );
    let refused = hub.send_to_window(page.window(), "ledger.moved", &u64::MAX);
    assert!(matches!(refused, Err(ipc_core::Error::Serialization(_))), "{refused:?}");
}

// --- Streams and uploads: items are values like any other; `Exact<T>` makes theirs exact ---

#[ipc_service]
trait Ticks {
    /// `u64::MAX - 2` to `u64::MAX`, exactly.
    fn top(&self) -> impl ipc_core::Stream<Item = Exact<u64>> + Send;
    /// The sum of the uploaded integers, exactly.
    async fn sum(&self, numbers: ipc_core::Upload<Exact<u128>>) -> Exact<u128>;
}

struct TicksImpl;

impl Ticks for TicksImpl {
    fn top(&self) -> impl ipc_core::Stream<Item = Exact<u64>> + Send {
        futures::stream::iter((u64::MAX - 2..=u64::MAX).map(Exact))
    }

    async fn sum(&self, mut numbers: ipc_core::Upload<Exact<u128>>) -> Exact<u128> {
        use futures::StreamExt;
        let mut sum = 0u128;
        while let Some(n) = numbers.next().await {
            sum += n.0;
        }
        Exact(sum)
    }
}

#[tokio::test]
async fn stream_items_carry_exact_integers_under_each_items_key() {
    let hub = Hub::builder().service(TicksImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let (items, _) = page.stream("ticks.top", "{}").await;
    let digits: Vec<String> = items
        .iter()
        .map(|item| {
            let item: Value = serde_json::from_str(item).unwrap();
            let key = item["binary"]["key"]
                .as_str()
                .expect("each item announces its key")
                .to_owned();
            item["data"][&key].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        digits,
        ["18446744073709551613", "18446744073709551614", "18446744073709551615"]
    );
}

#[tokio::test]
async fn upload_items_decode_exact_integers_under_each_chunks_key() {
    let hub = Hub::builder().service(TicksImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"ticks.sum","args":{"numbers":{"$ipc:upload":0}},"uploads":1}"#);
    page.next_message().await.expect("the host's credit");
    let half = u128::MAX / 2;
    page.post(&format!(
        r#"{{"type":"chunk","id":1,"upload":0,"payload":{{"{KEY}":"{half}"}},"binary":{{"key":"{KEY}","count":0}}}}"#
    ));
    page.post(r#"{"type":"chunk","id":1,"upload":0,"payload":"1"}"#);
    page.post(r#"{"type":"end","id":1,"upload":0}"#);
    loop {
        let message: Value = serde_json::from_str(&page.next_message().await.unwrap()).unwrap();
        if message["type"] == "answer" {
            assert_eq!(revived(&message), json!(format!("n:{}", half + 1)));
            break;
        }
    }
}

/// Names the macro cannot see through: the type decides.
type Id = u64;
type Stamp = i128;
type Label = String;
use ipc_core::CallContext as Ctx;

/// `exact_integers` on types written as aliases: an alias of an exact shape travels exactly, any other type as itself.
#[ipc_service(exact_integers)]
trait Aliases {
    fn echo(&self, id: Id, stamp: Stamp) -> Id;
    fn maybe(&self, id: Option<Id>) -> Option<Stamp>;
    fn many(&self, ids: Vec<Id>) -> Result<Vec<Id>, Label>;
    fn label(&self, label: Label, ctx: Ctx) -> Label;
    #[ipc(exact)]
    fn told(&self, #[ipc(exact)] id: Id) -> Id;
}

struct AliasesImpl;

impl Aliases for AliasesImpl {
    fn echo(&self, id: Id, stamp: Stamp) -> Id {
        assert_eq!(stamp, i128::MIN);
        id
    }
    fn maybe(&self, id: Option<Id>) -> Option<Stamp> {
        id.map(|id| -i128::from(id))
    }
    fn many(&self, ids: Vec<Id>) -> Result<Vec<Id>, Label> {
        if ids.is_empty() {
            return Err("no ids".into());
        }
        Ok(ids.into_iter().rev().collect())
    }
    fn label(&self, label: Label, ctx: Ctx) -> Label {
        format!("{label} from {}", ctx.origin())
    }
    fn told(&self, id: Id) -> Id {
        id - 1
    }
}

#[tokio::test]
async fn aliases_of_exact_shapes_travel_exactly_under_exact_integers() {
    let hub = Hub::builder().service(AliasesImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let max = placeholder("18446744073709551615");
    let answer = call(
        &mut page,
        "aliases.echo",
        json!({"id": max, "stamp": placeholder("-170141183460469231731687303715884105728")}),
    )
    .await;
    assert_eq!(revived(&answer), json!("n:18446744073709551615"));
    let answer = call(&mut page, "aliases.maybe", json!({"id": max})).await;
    assert_eq!(revived(&answer), json!("n:-18446744073709551615"));
    let answer = call(&mut page, "aliases.maybe", json!({})).await;
    assert_eq!(answer["data"], json!(null), "{answer}");
    let answer = call(&mut page, "aliases.many", json!({"ids": [placeholder("1"), max]})).await;
    assert_eq!(revived(&answer), json!(["n:18446744073709551615", "n:1"]));
    let answer = call(&mut page, "aliases.many", json!({"ids": []})).await;
    assert_eq!(answer["error"]["kind"], "HANDLER", "{answer}");
    assert_eq!(answer["error"]["data"], "no ids", "{answer}");
    let answer = call(&mut page, "aliases.told", json!({"id": max})).await;
    assert_eq!(revived(&answer), json!("n:18446744073709551614"));
    // An alias of anything else, and the context under another name, are what they were.
    let answer = call(&mut page, "aliases.label", json!({"label": "hi"})).await;
    assert_eq!(answer["data"], json!("hi from test://app"), "{answer}");
    // Decoded as `Exact`, which also takes decimal strings (a plain `u64` refuses them: see the next call).
    let answer = call(
        &mut page,
        "aliases.echo",
        json!({"id": "12", "stamp": "-170141183460469231731687303715884105728"}),
    )
    .await;
    assert_eq!(revived(&answer), json!("n:12"));
    let answer = call(&mut page, "aliases.label", json!({"label": 12})).await;
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS", "{answer}");
}

#[test]
fn aliases_of_exact_shapes_are_typed_bigint() {
    let dts = ipc_core::client::Bindings::new()
        .service(<AliasesImpl as Aliases>::service_descriptor())
        .declarations();
    for expected in [
        "echo(id: bigint, stamp: bigint, options?: InvokeOptions): Promise<bigint>",
        "maybe(id?: bigint | null, options?: InvokeOptions): Promise<bigint | null>",
        "many(ids: Array<bigint>, options?: InvokeOptions): Promise<Array<bigint>>",
        "label(label: string, options?: InvokeOptions): Promise<string>",
        "told(id: bigint, options?: InvokeOptions): Promise<bigint>",
        "  many: string;",
    ] {
        assert!(dts.contains(expected), "missing `{expected}` in:\n{dts}");
    }
}
