//! Binary data from the page, in-process: a request posted as a binary frame, whose arguments' placeholders stand for
//! its parts, decodes into `Binary` and `#[serde(with = "ipc_core::binary")]` fields; every malformed or inconsistent
//! frame is refused with its documented code and never reaches a handler.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Binary, Hub};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, ts_rs::TS)]
struct Upload {
    name: String,
    #[serde(with = "ipc_core::binary")]
    #[ts(type = "Uint8Array")]
    data: Vec<u8>,
}

#[ipc_service]
trait Files {
    /// The length and the sum of the bytes of `data`.
    fn measure(&self, data: Binary) -> (usize, u64);
    /// The name and length of each upload.
    fn sizes(&self, uploads: Vec<Upload>) -> Vec<(String, usize)>;
    /// `count` bytes counting up from 0, and a copy of them in a struct.
    fn make(&self, count: usize) -> (Binary, Download);
    /// Fails, with binary data in the error.
    fn refuse(&self) -> Result<(), Binary>;
}

#[derive(serde::Serialize, ts_rs::TS)]
struct Download {
    #[serde(with = "ipc_core::binary")]
    #[ts(type = "Uint8Array")]
    data: Vec<u8>,
}

/// Counts the calls that reached a handler.
struct Impl(Arc<AtomicUsize>);

impl Files for Impl {
    fn measure(&self, data: Binary) -> (usize, u64) {
        self.0.fetch_add(1, Ordering::SeqCst);
        (data.len(), data.iter().map(|&b| u64::from(b)).sum())
    }

    fn sizes(&self, uploads: Vec<Upload>) -> Vec<(String, usize)> {
        self.0.fetch_add(1, Ordering::SeqCst);
        uploads.into_iter().map(|u| (u.name, u.data.len())).collect()
    }

    fn make(&self, count: usize) -> (Binary, Download) {
        let bytes: Vec<u8> = (0..count).map(|i| i as u8).collect();
        (Binary::from(bytes.clone()), Download { data: bytes })
    }

    fn refuse(&self) -> Result<(), Binary> {
        Err(Binary::from(vec![1, 2]))
    }
}

const KEY: &str = "$ipc:0123456789abcdef0123456789abcdef";

fn hub() -> Hub {
    hub_counting(Arc::default())
}

fn hub_counting(calls: Arc<AtomicUsize>) -> Hub {
    Hub::builder()
        .service(Impl(calls).into_service())
        .max_request_size(64 * 1024)
        .build()
        .unwrap()
}

async fn answer(page: &mut TestClient) -> Value {
    serde_json::from_str(&page.next_message().await.expect("an answer")).unwrap()
}

#[tokio::test]
async fn a_binary_argument_arrives_with_its_bytes() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let envelope = json!({"type": "invoke", "id": 1, "channel": "files.measure", "args": {"data": {KEY: 0}},
        "binary": {"key": KEY, "count": 1}});
    page.post_frame(&envelope.to_string(), &[&[1, 2, 3, 250]]);
    assert_eq!(answer(&mut page).await["data"], json!([4, 256]));

    let envelope = json!({"type": "invoke", "id": 2, "channel": "files.sizes",
        "args": {"uploads": [{"name": "a", "data": {KEY: 1}}, {"name": "b", "data": {KEY: 0}}]},
        "binary": {"key": KEY, "count": 2}});
    page.post_frame(&envelope.to_string(), &[&[0; 10], &[]]);
    assert_eq!(answer(&mut page).await["data"], json!([["a", 0], ["b", 10]]));
}

#[tokio::test]
async fn bytes_still_decode_from_an_array_of_numbers() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let answer = page.invoke("files.measure", r#"{"data":[1,2]}"#).await;
    assert!(answer.contains(r#""data":[2,3]"#), "{answer}");
}

#[tokio::test]
async fn inconsistent_frames_are_refused_before_any_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let hub = hub_counting(Arc::clone(&calls));
    let mut page = TestClient::new(&hub);
    let refusals = [
        // says two parts, carries one
        (
            json!({"type": "invoke", "id": 1, "channel": "files.measure", "args": {"data": {KEY: 0}},
            "binary": {"key": KEY, "count": 2}}),
            1,
            "INVALID_REQUEST",
            "says it carries 2 binary parts but 1 came",
        ),
        // carries a part it does not mention
        (
            json!({"type": "invoke", "id": 2, "channel": "files.measure", "args": {"data": [1]}}),
            1,
            "INVALID_REQUEST",
            "says it carries 0 binary parts but 1 came",
        ),
        // a placeholder of another key
        (
            json!({"type": "invoke", "id": 3, "channel": "files.measure", "args": {"data": {"$ipc:other": 0}},
            "binary": {"key": KEY, "count": 1}}),
            1,
            "INVALID_ARGUMENTS",
            "data: invalid type: map",
        ),
        // an index beyond the parts
        (
            json!({"type": "invoke", "id": 4, "channel": "files.measure", "args": {"data": {KEY: 1}},
            "binary": {"key": KEY, "count": 1}}),
            1,
            "INVALID_ARGUMENTS",
            "data: invalid type: map",
        ),
        // a placeholder with a second key
        (
            json!({"type": "invoke", "id": 5, "channel": "files.measure", "args": {"data": {KEY: 0, "x": 1}},
            "binary": {"key": KEY, "count": 1}}),
            1,
            "INVALID_ARGUMENTS",
            "data: invalid type: map",
        ),
        // a send cannot carry parts
        (
            json!({"type": "send", "channel": "files.news", "payload": {KEY: 0}}),
            1,
            "INVALID_REQUEST",
            "says it carries 0 binary parts but 1 came",
        ),
    ];
    for (envelope, parts, kind, message) in refusals {
        let parts: Vec<&[u8]> = vec![&[7u8][..]; parts];
        page.post_frame(&envelope.to_string(), &parts);
        let answer = answer(&mut page).await;
        assert_eq!(answer["error"]["kind"], kind, "{envelope}: {answer}");
        let text = answer["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{envelope}: {text}");
        assert_eq!(
            answer["id"],
            envelope.get("id").cloned().unwrap_or(Value::Null),
            "{envelope}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no refused frame reached a handler");
}

#[tokio::test]
async fn malformed_frames_are_dropped_unread_and_the_next_call_works() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let good = format!("{}:{{}}", page.secret());
    let malformed: Vec<Vec<u8>> = vec![
        vec![],
        vec![1, 0],
        [&[200, 0, 0, 0][..], good.as_bytes()].concat(), // text longer than the frame
        [
            &(good.len() as u32).to_le_bytes()[..],
            good.as_bytes(),
            &[9, 0, 0, 0, 1],
        ]
        .concat(), // a part cut short
        [&[2, 0, 0, 0][..], &[0xff, 0xfe]].concat(),     // text that is not UTF-8
    ];
    for frame in malformed {
        page.link().receive_frame(frame);
    }
    let answer = page.invoke("files.measure", r#"{"data":[5]}"#).await;
    assert!(
        answer.contains(r#""data":[1,5]"#),
        "nothing answered the malformed frames: {answer}"
    );
}

#[tokio::test]
async fn parts_count_toward_the_request_size_limit() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    let envelope = json!({"type": "invoke", "id": 9, "channel": "files.measure", "args": {"data": {KEY: 0}},
        "binary": {"key": KEY, "count": 1}});
    page.post_frame(&envelope.to_string(), &[&vec![0u8; 64 * 1024]]);
    let answer = answer(&mut page).await;
    assert_eq!(answer["error"]["kind"], "PAYLOAD_TOO_LARGE", "{answer}");
    assert_eq!(answer["id"], 9);
}

#[tokio::test]
async fn an_answer_carries_binary_data_as_parts_behind_placeholders() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"files.make","args":{"count":300}}"#);
    let (text, parts) = page.next_message_with_parts().await.expect("an answer");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let key = answer["binary"]["key"]
        .as_str()
        .expect("the answer names its placeholder key");
    assert_eq!(answer["binary"]["count"], 2);
    assert_eq!(answer["data"], json!([{ key: 0 }, { "data": { key: 1 } }]));
    let expected: Vec<u8> = (0..300).map(|i| i as u8).collect();
    assert_eq!(parts, [&expected[..], &expected[..]]);
}

#[tokio::test]
async fn binary_data_in_an_error_is_plain_numbers() {
    let hub = hub();
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"files.refuse"}"#);
    let (text, parts) = page.next_message_with_parts().await.expect("an answer");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["error"]["data"], json!([1, 2]));
    assert!(parts.is_empty() && answer.get("binary").is_none());
}

/// A message with its part beside it (`WindowLink::receive_parts`, what `/__ipc/part` hands over) is judged exactly
/// as the same frame: without the page's secret nothing answers and nothing runs; a part the message does not
/// mention, or one over the size limit, is refused before any handler; a well-formed one arrives whole.
#[tokio::test]
async fn a_message_beside_its_part_is_judged_as_its_frame_would_be() {
    let calls = Arc::new(AtomicUsize::new(0));
    let hub = hub_counting(Arc::clone(&calls));
    let mut page = TestClient::new(&hub);
    let measure = |id: i64, count: usize| {
        json!({"type": "invoke", "id": id, "channel": "files.measure", "args": {"data": {KEY: 0}},
            "binary": {"key": KEY, "count": count}})
        .to_string()
    };
    let part = |len: usize| vec![bytes::Bytes::from(vec![3u8; len])];
    // Unsigned, and under a guessed secret: nothing answers, nothing runs.
    page.link().receive_parts(measure(1, 1), part(4));
    page.link()
        .receive_parts(format!("{}:{}", "0".repeat(32), measure(2, 1)), part(4));
    let silence = tokio::time::timeout(std::time::Duration::from_millis(100), page.next_message()).await;
    assert!(silence.is_err(), "an unsigned message was answered: {silence:?}");
    let secret = page.secret().to_owned();
    let signed = |envelope: String| format!("{secret}:{envelope}");
    page.link().receive_parts(signed(measure(3, 0)), part(4));
    let refused = answer(&mut page).await;
    assert_eq!(refused["error"]["kind"], "INVALID_REQUEST", "{refused}");
    page.link().receive_parts(signed(measure(4, 1)), part(64 * 1024));
    let refused = answer(&mut page).await;
    assert_eq!(refused["error"]["kind"], "PAYLOAD_TOO_LARGE", "{refused}");
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a refused message reached the handler");
    page.link().receive_parts(signed(measure(5, 1)), part(4));
    assert_eq!(answer(&mut page).await["data"], json!([4, 12]));
}
