//! Methods answering with a stream, in process: items in order for the page's credit and no further, the end and
//! mid-stream errors as answers, and the stream dropped when the page cancels, goes away or loses the right to call.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use ipc_core::capability::CapabilityChecker;
use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Binary, Capabilities, Hub, Stream, WindowConfig};
use serde_json::Value;

#[ipc_service]
trait Feed {
    /// 1, 2, ... `to`.
    fn count(&self, to: u32) -> impl Stream<Item = u32> + Send;
    /// 1, 2, then the error "boom".
    fn failing(&self) -> impl Stream<Item = Result<u32, String>> + Send;
    /// Numbers without end; counts how many were pulled and notes when it is dropped.
    fn endless(&self) -> impl Stream<Item = u64> + Send;
    /// `to` items, after awaiting.
    async fn later(&self, to: u32) -> impl Stream<Item = String> + Send;
    /// `count` pieces of `size` bytes each.
    fn chunks(&self, count: u32, size: u32) -> impl Stream<Item = Binary> + Send;
    /// 0 to `count - 1`, each pushed on `feed.next` just before it is sent.
    fn announced(&self, count: u32, ctx: ipc_core::CallContext) -> impl Stream<Item = u32> + Send;
}

#[derive(Default)]
struct Probe {
    pulled: AtomicUsize,
    dropped: AtomicBool,
}

struct Service(Arc<Probe>);

/// Sets its flag when dropped, with the stream holding it.
struct DropFlag(Arc<Probe>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

impl Feed for Service {
    fn count(&self, to: u32) -> impl Stream<Item = u32> + Send {
        stream::iter(1..=to)
    }

    fn failing(&self) -> impl Stream<Item = Result<u32, String>> + Send {
        stream::iter([Ok(1), Ok(2), Err("boom".to_owned()), Ok(4)])
    }

    fn endless(&self) -> impl Stream<Item = u64> + Send {
        let probe = Arc::clone(&self.0);
        let flag = DropFlag(Arc::clone(&self.0));
        stream::iter(0u64..).map(move |n| {
            let _held = &flag;
            probe.pulled.fetch_add(1, Ordering::SeqCst);
            n
        })
    }

    async fn later(&self, to: u32) -> impl Stream<Item = String> + Send {
        tokio::task::yield_now().await;
        stream::iter((0..to).map(|n| format!("#{n}")))
    }

    fn chunks(&self, count: u32, size: u32) -> impl Stream<Item = Binary> + Send {
        stream::iter((0..count).map(move |n| Binary::from(vec![n as u8; size as usize])))
    }

    fn announced(&self, count: u32, ctx: ipc_core::CallContext) -> impl Stream<Item = u32> + Send {
        stream::iter(0..count).map(move |n| {
            ctx.hub().send_to_window(ctx.window(), "feed.next", &n).unwrap();
            n
        })
    }
}

fn hub_with(probe: &Arc<Probe>) -> Hub {
    Hub::builder()
        .service(Service(Arc::clone(probe)).into_service())
        .call_timeout(Some(Duration::from_millis(50)))
        .build()
        .unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The next answer the page receives, skipping credit and items.
async fn next_answer(page: &mut TestClient) -> Value {
    loop {
        let message = json(&page.next_message().await.unwrap());
        if message["type"] == "answer" {
            return message;
        }
    }
}

/// Waits until `condition` holds, for at most two seconds.
async fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    condition()
}

#[tokio::test]
async fn items_arrive_in_order_then_the_stream_ends_with_a_null_answer() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    let (items, end) = page.stream("feed.count", r#"{"to": 100}"#).await;
    let data: Vec<Value> = items.iter().map(|item| json(item)["data"].clone()).collect();
    assert_eq!(data, (1..=100).map(Value::from).collect::<Vec<_>>());
    assert_eq!(items[0], r#"{"type":"item","id":1,"data":1}"#);
    assert_eq!(
        end,
        r#"{"type":"answer","id":1,"success":true,"data":null,"error":null}"#
    );
}

#[tokio::test]
async fn items_and_pushes_reach_the_page_in_the_order_they_were_made() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.announced","args":{"count":500}}"#);
    page.post(r#"{"type":"credit","id":1,"count":1000}"#);
    let mut seen = Vec::new();
    loop {
        let message = json(&page.next_message().await.unwrap());
        match message["type"].as_str() {
            Some("event") => seen.push(format!("push {}", message["payload"])),
            Some("item") => seen.push(format!("item {}", message["data"])),
            _ => break,
        }
    }
    let expected: Vec<String> = (0..500)
        .flat_map(|n| [format!("push {n}"), format!("item {n}")])
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn an_err_item_ends_the_stream_with_a_handler_error() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    let (items, end) = page.stream("feed.failing", "{}").await;
    assert_eq!(items.len(), 2, "items before the error arrive, none after");
    let end = json(&end);
    assert_eq!(end["success"], false);
    assert_eq!(end["error"]["kind"], "HANDLER");
    assert_eq!(end["error"]["data"], "boom");
}

#[tokio::test]
async fn an_async_method_can_return_a_stream() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    let (items, _) = page.stream("feed.later", r#"{"to": 3}"#).await;
    let data: Vec<Value> = items.iter().map(|item| json(item)["data"].clone()).collect();
    assert_eq!(data, ["#0", "#1", "#2"]);
}

#[tokio::test]
async fn binary_items_carry_their_bytes_beside_the_json() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.chunks","args":{"count":2,"size":3}}"#);
    page.post(r#"{"type":"credit","id":1,"count":8}"#);
    let (first, parts) = page.next_message_with_parts().await.unwrap();
    assert_eq!(json(&first)["binary"]["count"], 1);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].as_ref(), [0, 0, 0]);
    let (_, parts) = page.next_message_with_parts().await.unwrap();
    assert_eq!(parts[0].as_ref(), [1, 1, 1]);
}

#[tokio::test]
async fn no_item_is_pulled_beyond_the_credit_the_page_gave() {
    let probe = Arc::new(Probe::default());
    let hub = hub_with(&probe);
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.endless"}"#);
    page.post(r#"{"type":"credit","id":1,"count":3}"#);
    for expected in 0..3 {
        assert_eq!(json(&page.next_message().await.unwrap())["data"], expected);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        probe.pulled.load(Ordering::SeqCst),
        4,
        "the stream holds one item it has no credit for, and pulls no further"
    );
    assert!(page.try_next_message().is_none());

    page.post(r#"{"type":"credit","id":1,"count":2}"#);
    assert_eq!(json(&page.next_message().await.unwrap())["data"], 3);
    assert_eq!(json(&page.next_message().await.unwrap())["data"], 4);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 6);
    assert!(
        !probe.dropped.load(Ordering::SeqCst),
        "the hub's 50 ms deadline does not apply to a stream"
    );
}

#[tokio::test]
async fn a_cancel_drops_the_stream_without_an_answer() {
    let probe = Arc::new(Probe::default());
    let hub = hub_with(&probe);
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.endless"}"#);
    page.post(r#"{"type":"credit","id":1,"count":1}"#);
    page.next_message().await.unwrap();
    page.post(r#"{"type":"cancel","id":1}"#);
    assert!(eventually(|| probe.dropped.load(Ordering::SeqCst)).await);
    assert_eq!(hub.calls_in_flight(page.window()), 0);
    page.post(r#"{"type":"credit","id":1,"count":5}"#);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        page.try_next_message().is_none(),
        "credit for a finished stream does nothing"
    );
}

#[tokio::test]
async fn a_reload_or_a_closed_window_drops_the_stream() {
    for close in [false, true] {
        let probe = Arc::new(Probe::default());
        let hub = hub_with(&probe);
        let mut page = TestClient::new(&hub);
        page.post(r#"{"type":"invoke","id":1,"channel":"feed.endless"}"#);
        page.post(r#"{"type":"credit","id":1,"count":1}"#);
        page.next_message().await.unwrap();
        if close {
            page.link().close();
        } else {
            page.navigate("app://localhost");
        }
        assert!(
            eventually(|| probe.dropped.load(Ordering::SeqCst)).await,
            "close: {close}"
        );
    }
}

/// Allows `feed.*` until told otherwise.
struct Revocable(Arc<AtomicBool>);

impl CapabilityChecker for Revocable {
    fn permits(&self, _: ipc_core::WindowId, _: &str, _: ipc_core::capability::Direction) -> bool {
        !self.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_window_that_loses_the_right_to_call_gets_no_further_item() {
    let probe = Arc::new(Probe::default());
    let hub = hub_with(&probe);
    let revoked = Arc::new(AtomicBool::new(false));
    let capabilities = Capabilities::allow_all().checker(Revocable(Arc::clone(&revoked)));
    let config = WindowConfig::new("app://localhost").capabilities(capabilities);
    let mut page = TestClient::with_config(&hub, config, "app://localhost");
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.endless"}"#);
    page.post(r#"{"type":"credit","id":1,"count":1}"#);
    assert_eq!(json(&page.next_message().await.unwrap())["type"], "item");

    revoked.store(true, Ordering::SeqCst);
    page.post(r#"{"type":"credit","id":1,"count":10}"#);
    let end = json(&page.next_message().await.unwrap());
    assert_eq!(end["type"], "answer");
    assert_eq!(end["error"]["kind"], "FORBIDDEN");
    assert!(eventually(|| probe.dropped.load(Ordering::SeqCst)).await);
}

#[tokio::test]
async fn large_items_wait_for_the_page_to_read_whatever_its_credit() {
    let hub = Hub::builder()
        .service(Service(Arc::default()).into_service())
        .build()
        .unwrap();
    let mut page = TestClient::new(&hub);
    // Credit for all 64 items of 256 KiB: the host still sends no more than 4 MiB the page has not read.
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.chunks","args":{"count":64,"size":262144}}"#);
    page.post(r#"{"type":"credit","id":1,"count":64}"#);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut received = 0;
    while page.try_next_message().is_some() {
        received += 1;
    }
    // 15 items of 256 KiB and their JSON fit in 4 MiB; the 16th would not.
    assert_eq!(received, 15, "the host sent what fits in 4 MiB unread, and waits");
    // Reading (each read gives one unit back, as the runtime does) lets the rest through.
    for _ in 0..15 {
        page.post(r#"{"type":"credit","id":1,"count":1}"#);
    }
    let mut rest = 0;
    while rest < 15 {
        let (message, _) = page.next_message_with_parts().await.unwrap();
        if json(&message)["type"] == "item" {
            rest += 1;
        }
    }
}

#[tokio::test]
async fn large_items_wait_for_room_in_the_window_queue() {
    let hub = Hub::builder()
        .service(Service(Arc::default()).into_service())
        .max_queued_bytes(1 << 20)
        .build()
        .unwrap();
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.chunks","args":{"count":8,"size":262144}}"#);
    page.post(r#"{"type":"credit","id":1,"count":64}"#);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The window's queue holds 1 MiB: the stream waits for room there too.
    assert!(
        hub.queued_bytes(page.window()) <= (1 << 20) + 262_144 + 1024,
        "queued: {}",
        hub.queued_bytes(page.window())
    );
    let mut received = 0;
    while received < 8 {
        let (message, _) = page.next_message_with_parts().await.unwrap();
        if json(&message)["type"] == "item" {
            received += 1;
        }
    }
}

#[tokio::test]
async fn malformed_credit_is_refused_and_credit_for_an_unknown_id_does_nothing() {
    let hub = hub_with(&Arc::default());
    let mut page = TestClient::new(&hub);
    let refused = json(&page.request(r#"{"type":"credit","id":1}"#).await);
    assert_eq!(refused["error"]["kind"], "INVALID_REQUEST");
    let refused = json(&page.request(r#"{"type":"credit","id":1,"count":-1}"#).await);
    assert_eq!(refused["error"]["kind"], "INVALID_REQUEST");
    let refused = json(&page.request(r#"{"type":"credit","id":1,"count":4294967296}"#).await);
    assert_eq!(refused["error"]["kind"], "INVALID_REQUEST");
    page.post(r#"{"type":"credit","id":99,"count":5}"#);
    let answer = page.invoke("feed.count", r#"{"to": 0}"#).await;
    assert_eq!(
        json(&answer)["data"],
        Value::Null,
        "an empty stream needs no credit to end: {answer}"
    );
}

#[tokio::test]
async fn a_stream_cannot_answer_a_caller_that_cannot_receive_items() {
    let hub = hub_with(&Arc::default());
    let route = Service(Arc::default()).into_service();
    let handlers = ipc_core::Service::methods(Arc::new(route));
    let count = handlers
        .iter()
        .find(|h| h.descriptor().channel == "feed.count")
        .unwrap();
    assert!(count.descriptor().stream);
    let context = ipc_core::CallContext::new(hub, hub_window(), "app://localhost");
    let args = ipc_core::Args::json(Some(r#"{"to":1}"#));
    let error = count.call(ipc_core::Call::new(args, &context)).await.unwrap_err();
    assert_eq!(error.code(), ipc_core::ErrorCode::InvalidRequest);
}

fn hub_window() -> ipc_core::WindowId {
    let hub = Hub::builder().build().unwrap();
    TestClient::new(&hub).window()
}

// --- Uploads: items from the page, for the host's credit ---

#[ipc_service]
trait Sink {
    /// The sum of the numbers the page sends.
    async fn sum(&self, numbers: ipc_core::Upload<u32>) -> u64;
    /// The size of a file sent in chunks.
    async fn store(&self, name: String, chunks: ipc_core::Upload<Binary>) -> String;
    /// Waits 200 ms before reading anything, then sums.
    async fn late(&self, numbers: ipc_core::Upload<u32>) -> u64;
    /// How many points the page sends.
    async fn points(&self, points: ipc_core::Upload<Point>) -> usize;
    /// Two uploads, interleaved: `a0 b0 a1 b1 ...` while both last.
    async fn zip(&self, a: ipc_core::Upload<u32>, b: ipc_core::Upload<u32>) -> Vec<u32>;
}

/// A point of an upload.
#[derive(serde::Deserialize, ts_rs::TS)]
struct Point {
    x: i32,
    y: i32,
}

struct SinkImpl;

impl Sink for SinkImpl {
    async fn sum(&self, numbers: ipc_core::Upload<u32>) -> u64 {
        numbers.map(u64::from).fold(0, |a, b| async move { a + b }).await
    }

    async fn store(&self, name: String, mut chunks: ipc_core::Upload<Binary>) -> String {
        let mut size = 0;
        let mut first = Vec::new();
        while let Some(chunk) = chunks.next().await {
            first.push(chunk.first().copied().unwrap_or_default());
            size += chunk.len();
        }
        format!("{name}: {size} bytes, first bytes {first:?}")
    }

    async fn late(&self, numbers: ipc_core::Upload<u32>) -> u64 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.sum(numbers).await
    }

    async fn points(&self, points: ipc_core::Upload<Point>) -> usize {
        points.map(|p| (p.x, p.y)).count().await
    }

    async fn zip(&self, a: ipc_core::Upload<u32>, b: ipc_core::Upload<u32>) -> Vec<u32> {
        a.zip(b).flat_map(|(a, b)| stream::iter([a, b])).collect().await
    }
}

fn sink_hub() -> Hub {
    Hub::builder().service(SinkImpl.into_service()).build().unwrap()
}

const SUM: &str = r#"{"type":"invoke","id":1,"channel":"sink.sum","args":{"numbers":{"$ipc:upload":0}},"uploads":1}"#;

fn chunk(id: i64, n: u32) -> String {
    format!(r#"{{"type":"chunk","id":{id},"upload":0,"payload":{n}}}"#)
}

#[tokio::test]
async fn an_upload_is_read_as_a_stream_for_the_credit_the_host_gives() {
    let mut page = TestClient::new(&sink_hub());
    page.post(SUM);
    let credit = page.next_message().await.unwrap();
    assert_eq!(credit, r#"{"type":"credit","id":1,"upload":0,"count":16}"#);
    for n in 1..=16 {
        page.post(&chunk(1, n));
    }
    let more = json(&page.next_message().await.unwrap());
    assert_eq!(
        (more["type"].as_str(), more["count"].as_u64()),
        (Some("credit"), Some(8))
    );
    for n in 17..=20 {
        page.post(&chunk(1, n));
    }
    page.post(r#"{"type":"end","id":1,"upload":0}"#);
    assert_eq!(next_answer(&mut page).await["data"], 210);
}

#[tokio::test]
async fn binary_chunks_arrive_as_binary() {
    let mut page = TestClient::new(&sink_hub());
    page.post(
        r#"{"type":"invoke","id":1,"channel":"sink.store","args":{"name":"a.bin","chunks":{"$ipc:upload":0}},"uploads":1}"#,
    );
    page.next_message().await.unwrap();
    for (n, size) in [(1u8, 3usize), (2, 5)] {
        page.post_frame(
            r#"{"type":"chunk","id":1,"upload":0,"payload":{"$ipc:k":0},"binary":{"key":"$ipc:k","count":1}}"#,
            &[&vec![n; size]],
        );
    }
    page.post(r#"{"type":"end","id":1,"upload":0}"#);
    let answer = json(&page.next_message().await.unwrap());
    assert_eq!(answer["data"], "a.bin: 8 bytes, first bytes [1, 2]");
}

#[tokio::test]
async fn items_beyond_the_credit_stop_the_call() {
    let mut page = TestClient::new(&sink_hub());
    page.post(&SUM.replace("sink.sum", "sink.late"));
    page.next_message().await.unwrap();
    for n in 0..17 {
        page.post(&chunk(1, n));
    }
    let answer = json(&page.next_message().await.unwrap());
    assert_eq!(answer["error"]["kind"], "INVALID_REQUEST", "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("beyond the credit"));
}

#[tokio::test]
async fn an_item_that_does_not_decode_stops_the_call_with_invalid_arguments() {
    let mut page = TestClient::new(&sink_hub());
    page.post(SUM);
    page.next_message().await.unwrap();
    page.post(&chunk(1, 5));
    page.post(r#"{"type":"chunk","id":1,"upload":0,"payload":"six"}"#);
    let answer = json(&page.next_message().await.unwrap());
    assert_eq!(answer["error"]["kind"], "INVALID_ARGUMENTS");
    assert_eq!(
        answer["error"]["message"],
        r#"invalid arguments for `sink.sum`: item: invalid type: string "six", expected u32 (item 2 of upload 0)"#
    );
}

#[tokio::test]
async fn an_upload_item_is_decoded_as_strictly_as_an_argument() {
    let mut page = TestClient::new(&sink_hub());
    page.post(r#"{"type":"invoke","id":1,"channel":"sink.points","args":{"points":{"$ipc:upload":0}},"uploads":1}"#);
    page.next_message().await.unwrap();
    page.post(r#"{"type":"chunk","id":1,"upload":0,"payload":{"x":1,"y":2}}"#);
    page.post(r#"{"type":"chunk","id":1,"upload":0,"payload":{"x":1,"y":2,"z":3}}"#);
    let answer = json(&page.next_message().await.unwrap());
    assert_eq!(
        answer["error"]["message"],
        "invalid arguments for `sink.points`: unknown field `item.z` (item 2 of upload 0)"
    );
}

#[tokio::test]
async fn upload_placeholders_the_call_does_not_announce_are_refused() {
    let mut page = TestClient::new(&sink_hub());
    let unannounced = page
        .request(r#"{"type":"invoke","id":1,"channel":"sink.sum","args":{"numbers":{"$ipc:upload":0}}}"#)
        .await;
    assert!(unannounced.contains("a page's call that announces it"), "{unannounced}");
    let beyond = page
        .request(r#"{"type":"invoke","id":4,"channel":"sink.sum","args":{"numbers":{"$ipc:upload":1}},"uploads":1}"#)
        .await;
    assert!(
        beyond.contains("upload 1 is not one the call said it carries"),
        "{beyond}"
    );
    let not_an_upload = page
        .request(r#"{"type":"invoke","id":2,"channel":"sink.sum","args":{"numbers":[1,2]},"uploads":1}"#)
        .await;
    assert!(not_an_upload.contains("INVALID_ARGUMENTS"), "{not_an_upload}");
    let too_many = page
        .request(r#"{"type":"invoke","id":3,"channel":"sink.sum","args":{"numbers":{"$ipc:upload":0}},"uploads":17}"#)
        .await;
    assert!(too_many.contains("at most 16 uploads"), "{too_many}");
    page.post(r#"{"type":"invoke","id":5,"channel":"sink.zip","args":{"a":{"$ipc:upload":0},"b":{"$ipc:upload":0}},"uploads":2}"#);
    // The first argument took its upload and gave credit before the second was refused.
    let twice = next_answer(&mut page).await;
    assert!(
        twice["error"]["message"]
            .as_str()
            .unwrap()
            .contains("upload 0 is taken by two arguments"),
        "{twice}"
    );
    // Items and ends for calls that are not in flight are let go.
    page.post(&chunk(9, 1));
    page.post(r#"{"type":"end","id":9,"upload":0}"#);
    let malformed = page.request(r#"{"type":"chunk","id":9,"payload":1}"#).await;
    assert!(malformed.contains("INVALID_REQUEST"), "{malformed}");
}

#[tokio::test]
async fn a_cancelled_upload_drops_the_call() {
    let hub = sink_hub();
    let mut page = TestClient::new(&hub);
    page.post(SUM);
    page.next_message().await.unwrap();
    page.post(&chunk(1, 1));
    page.post(r#"{"type":"cancel","id":1}"#);
    assert!(eventually(|| hub.calls_in_flight(page.window()) == 0).await);
    page.post(&chunk(1, 2));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(page.try_next_message().is_none(), "no answer to a cancelled call");
}

// --- The stream limits: each has a setting ---

#[tokio::test]
async fn the_unread_bytes_of_a_stream_are_a_setting() {
    let hub = Hub::builder()
        .service(Service(Arc::default()).into_service())
        .stream_unread_bytes(1 << 20)
        .build()
        .unwrap();
    assert_eq!(
        Hub::builder().build().unwrap().limits().stream_unread_bytes,
        4 << 20,
        "the default"
    );
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.chunks","args":{"count":64,"size":262144}}"#);
    page.post(r#"{"type":"credit","id":1,"count":64}"#);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut received = 0;
    while page.try_next_message().is_some() {
        received += 1;
    }
    assert_eq!(received, 3, "three items of 256 KiB and their JSON fit in 1 MiB");
}

#[tokio::test]
async fn the_upload_window_and_the_uploads_per_call_are_settings() {
    let hub = Hub::builder()
        .service(SinkImpl.into_service())
        .upload_window(4)
        .max_uploads(1)
        .build()
        .unwrap();
    let defaults = Hub::builder().build().unwrap();
    assert_eq!(
        (defaults.limits().upload_window, defaults.limits().max_uploads),
        (16, 16)
    );
    let mut page = TestClient::new(&hub);
    page.post(SUM);
    assert_eq!(
        page.next_message().await.unwrap(),
        r#"{"type":"credit","id":1,"upload":0,"count":4}"#
    );
    let refused = page
        .request(r#"{"type":"invoke","id":2,"channel":"sink.zip","args":{"a":{"$ipc:upload":0},"b":{"$ipc:upload":1}},"uploads":2}"#)
        .await;
    assert!(refused.contains("at most 1 upload, not 2"), "{refused}");
}

// --- Hostile frames: a frame's flow messages reach only the frame's own calls ---

/// A window whose page lets frames of one origin call everything: the most a frame can be given.
fn with_a_frame(hub: &Hub) -> TestClient {
    let config = WindowConfig::new("app://localhost").allow_frames(FRAME, Capabilities::allow_all());
    TestClient::with_config(hub, config, "app://localhost")
}

const FRAME: &str = "https://widget.example";

/// What the page's runtime posts when frame 2 hands it `envelope`.
fn relayed(envelope: &str) -> String {
    serde_json::json!({"type": "frame", "frame": 2, "origin": FRAME, "envelope": envelope}).to_string()
}

#[tokio::test]
async fn a_frame_cannot_feed_or_end_the_pages_upload() {
    let mut page = with_a_frame(&sink_hub());
    page.post(SUM);
    page.next_message().await.unwrap();
    // The frame guesses the page's call id and slips in an item and an early end.
    page.post(&relayed(&chunk(1, 1000)));
    page.post(&relayed(r#"{"type":"end","id":1,"upload":0}"#));
    page.post(&chunk(1, 1));
    page.post(&chunk(1, 2));
    page.post(r#"{"type":"end","id":1,"upload":0}"#);
    let answer = next_answer(&mut page).await;
    assert_eq!(
        answer["data"], 3,
        "only the page's own items reached the handler: {answer}"
    );
}

#[tokio::test]
async fn a_frame_cannot_give_credit_to_the_pages_stream() {
    let probe = Arc::new(Probe::default());
    let mut page = with_a_frame(&hub_with(&probe));
    page.post(r#"{"type":"invoke","id":1,"channel":"feed.endless"}"#);
    page.post(r#"{"type":"credit","id":1,"count":1}"#);
    page.next_message().await.unwrap();
    page.post(&relayed(r#"{"type":"credit","id":1,"count":1000}"#));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        page.try_next_message().is_none(),
        "no item beyond the page's own credit"
    );
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 2, "one item sent, one held");
}
