//! Methods answering with a stream, read by a real page with `for await`: order, backpressure from a slow reader,
//! errors mid-stream, binary items, and the Rust stream dropped when the page breaks out, aborts or reloads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use ipc_core::{ipc_service, Binary, Stream, Upload};
use ipc_wry::AppHandle;
use serde_json::{json, Value};

use crate::{eval, loaded, Windows, PATIENCE};

/// Streams for the page to read.
#[ipc_service]
pub trait Feed {
    /// 0, 1, ... `count - 1`.
    fn count(&self, count: u32) -> impl Stream<Item = u32> + Send;
    /// Numbers without end, watched under `tag` (see [`watch`]).
    fn endless(&self, tag: String) -> impl Stream<Item = u64> + Send;
    /// `good` items, then the error `{"reason": "disk full"}`.
    fn failing(&self, good: u32) -> impl Stream<Item = Result<u32, Failure>> + Send;
    /// `count` pieces of `size` bytes, each filled with its index.
    fn chunks(&self, count: u32, size: u32) -> impl Stream<Item = Binary> + Send;
}

/// A stream's error value.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct Failure {
    reason: String,
}

/// What happened to each endless stream, by tag: how many items were pulled, and whether it was dropped.
#[derive(Debug, Default, Clone, Copy)]
struct Watched {
    pulled: usize,
    dropped: bool,
}

fn watched() -> &'static Mutex<HashMap<String, Watched>> {
    static WATCHED: OnceLock<Mutex<HashMap<String, Watched>>> = OnceLock::new();
    WATCHED.get_or_init(Mutex::default)
}

fn watch(tag: &str) -> Watched {
    watched().lock().unwrap().get(tag).copied().unwrap_or_default()
}

/// Marks its stream dropped.
struct Guard(String);

impl Drop for Guard {
    fn drop(&mut self) {
        watched().lock().unwrap().entry(self.0.clone()).or_default().dropped = true;
    }
}

pub struct FeedImpl;

impl Feed for FeedImpl {
    fn count(&self, count: u32) -> impl Stream<Item = u32> + Send {
        stream::iter(0..count)
    }

    fn endless(&self, tag: String) -> impl Stream<Item = u64> + Send {
        let guard = Arc::new(Guard(tag.clone()));
        stream::iter(0u64..).map(move |n| {
            let _held = &guard;
            watched().lock().unwrap().entry(tag.clone()).or_default().pulled += 1;
            n
        })
    }

    fn failing(&self, good: u32) -> impl Stream<Item = Result<u32, Failure>> + Send {
        stream::iter(0..=good).map(move |n| {
            if n < good {
                Ok(n)
            } else {
                Err(Failure {
                    reason: "disk full".to_owned(),
                })
            }
        })
    }

    fn chunks(&self, count: u32, size: u32) -> impl Stream<Item = Binary> + Send {
        stream::iter((0..count).map(move |n| Binary::from(vec![n as u8; size as usize])))
    }
}

/// Uploads for the page to send.
#[ipc_service]
pub trait Sink {
    /// The sum of the numbers; with `pause_after`, reading stops for half a second after that many.
    async fn sum(&self, numbers: Upload<u32>, pause_after: Option<u32>) -> u64;
    /// The size of the bytes sent and their sum modulo 2^32.
    async fn digest(&self, chunks: Upload<Binary>) -> (u64, u32);
}

/// How many items `sink.sum` has read so far.
static READ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub struct SinkImpl;

impl Sink for SinkImpl {
    async fn sum(&self, mut numbers: Upload<u32>, pause_after: Option<u32>) -> u64 {
        READ.store(0, std::sync::atomic::Ordering::SeqCst);
        let mut sum = 0;
        while let Some(n) = numbers.next().await {
            sum += u64::from(n);
            let read = READ.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if Some(read) == pause_after {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        sum
    }

    async fn digest(&self, mut chunks: Upload<Binary>) -> (u64, u32) {
        let (mut size, mut sum) = (0u64, 0u32);
        while let Some(chunk) = chunks.next().await {
            size += chunk.len() as u64;
            sum = chunk.iter().fold(sum, |s, b| s.wrapping_add(u32::from(*b)));
        }
        (size, sum)
    }
}

pub fn all() -> Vec<(&'static str, crate::Scenario)> {
    vec![
        ("an_upload_from_an_async_generator_reaches_rust_in_order", |h, w| {
            Box::pin(upload_in_order(h, w))
        }),
        ("a_slow_reader_in_rust_holds_the_upload_back_in_the_page", |h, w| {
            Box::pin(upload_backpressure(h, w))
        }),
        ("a_file_streams_to_rust_as_binary_chunks", |h, w| {
            Box::pin(upload_file(h, w))
        }),
        ("a_stream_is_read_in_order_with_for_await", |h, w| {
            Box::pin(in_order(h, w))
        }),
        ("a_stream_is_read_in_order_with_for_each", |h, w| {
            Box::pin(in_order_for_each(h, w))
        }),
        ("a_slow_reader_holds_the_stream_back_in_rust", |h, w| {
            Box::pin(slow_reader(h, w))
        }),
        ("breaking_out_of_the_loop_drops_the_rust_stream", |h, w| {
            Box::pin(break_out(h, w))
        }),
        ("aborting_a_stream_drops_it_and_throws_cancelled", |h, w| {
            Box::pin(abort(h, w))
        }),
        ("an_error_mid_stream_is_thrown_after_the_items_before_it", |h, w| {
            Box::pin(error_mid_stream(h, w))
        }),
        ("binary_items_arrive_as_uint8arrays", |h, w| {
            Box::pin(binary_items(h, w))
        }),
        ("a_stream_of_large_items_flows_within_the_unread_bytes_limit", |h, w| {
            Box::pin(large_items(h, w))
        }),
        ("a_reload_drops_the_streams_of_the_page_before", |h, w| {
            Box::pin(reload(h, w))
        }),
    ]
}

/// Runs `script` (an async function body returning a JSON-able value) in `window` under `name`, without waiting.
async fn start(handle: &AppHandle, window: ipc_core::WindowId, name: &str, script: &str) -> Result<(), String> {
    let name = crate::json(name);
    eval(
        handle,
        window,
        &format!(
            "window.__streams = window.__streams || {{}}; (async () => {{ {script} }})().then(\
             (v) => {{ window.__streams[{name}] = {{ ok: v }}; }}, \
             (e) => {{ window.__streams[{name}] = {{ error: {{ kind: e.kind, message: String(e.message), data: e.data }} }}; }}); true"
        ),
    )
    .await
    .map(drop)
}

/// Waits for the value of a script started with [`start`]: `Ok` its value, `Err` what it threw.
async fn finish(handle: &AppHandle, window: ipc_core::WindowId, name: &str) -> Result<Result<Value, Value>, String> {
    let text = handle
        .wait_for(
            window,
            &format!("window.__streams && window.__streams[{}]", crate::json(name)),
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never finished: {e}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    Ok(match value.get("ok") {
        Some(ok) => Ok(ok.clone()),
        None => Err(value["error"].clone()),
    })
}

/// Waits until `condition` holds, for at most [`PATIENCE`].
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("never: {what}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Reads `feed.count(20000)` with `read` (a statement calling `take(n)` for each item) and checks every item came, in
/// order.
async fn read_in_order(handle: &AppHandle, w: &Windows, name: &str, read: &str) -> Result<(), String> {
    let script = format!(
        "let expected = 0, wrong = 0; const take = (n) => {{ if (n !== expected) wrong += 1; expected += 1; }}; \
         {read} return {{ read: expected, wrong }};"
    );
    start(handle, w.main, name, &script).await?;
    let read = finish(handle, w.main, name).await?;
    if read != Ok(json!({"read": 20000, "wrong": 0})) {
        return Err(format!("read {read:?}"));
    }
    Ok(())
}

async fn in_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let read = "for await (const n of host.services.feed.count(20000)) take(n);";
    read_in_order(handle, w, "in_order", read).await
}

async fn in_order_for_each(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let read = "await host.services.feed.count(20000).forEach(take);";
    read_in_order(handle, w, "in_order_for_each", read).await
}

async fn slow_reader(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    // A window of 4: the page reads 3 items and then waits; the host may hold one item more than the page's credit.
    start(
        handle,
        w.main,
        "slow",
        "const items = host.services.feed.endless('slow', { window: 4 }); \
         const read = []; for (let i = 0; i < 3; i++) read.push((await items.next()).value); \
         window.__slow = items; return read;",
    )
    .await?;
    if finish(handle, w.main, "slow").await? != Ok(json!([0, 1, 2])) {
        return Err("the first items were not 0, 1, 2".into());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pulled = watch("slow").pulled;
    // Credit: 4 at first and one back per item read (3): 7 sent at most, and one more held by the host.
    if pulled > 8 {
        return Err(format!(
            "the host pulled {pulled} items for a page that read 3 with a window of 4"
        ));
    }
    eval(handle, w.main, "window.__slow.cancel(); true").await?;
    eventually("the slow stream is dropped", || watch("slow").dropped).await
}

async fn break_out(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "break",
        "let last; for await (const n of host.services.feed.endless('break')) { last = n; if (n === 99) break; } \
         return last;",
    )
    .await?;
    if finish(handle, w.main, "break").await? != Ok(json!(99)) {
        return Err("the loop did not read up to 99".into());
    }
    eventually("the stream is dropped after the loop breaks", || watch("break").dropped).await?;
    let pulled = watch("break").pulled;
    tokio::time::sleep(Duration::from_millis(100)).await;
    if watch("break").pulled != pulled {
        return Err("items were still pulled after the stream was dropped".into());
    }
    Ok(())
}

async fn abort(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "abort",
        "const controller = new AbortController(); \
         for await (const n of host.services.feed.endless('abort', { signal: controller.signal })) { \
           if (n === 10) controller.abort(); } \
         return 'not thrown';",
    )
    .await?;
    match finish(handle, w.main, "abort").await? {
        Err(error) if error["kind"] == "CANCELLED" => {}
        other => return Err(format!("the loop ended with {other:?}, not CANCELLED")),
    }
    eventually("the aborted stream is dropped", || watch("abort").dropped).await
}

async fn error_mid_stream(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "failing",
        "window.__read = []; for await (const n of host.services.feed.failing(3)) window.__read.push(n); return 'no error';",
    )
    .await?;
    match finish(handle, w.main, "failing").await? {
        Err(error) if error["kind"] == "HANDLER" && error["data"] == json!({"reason": "disk full"}) => {}
        other => return Err(format!("the loop ended with {other:?}")),
    }
    let read = eval(handle, w.main, "window.__read").await?;
    if read != "[0,1,2]" {
        return Err(format!("items before the error: {read}"));
    }
    Ok(())
}

async fn binary_items(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "chunks",
        "const seen = []; for await (const bytes of host.services.feed.chunks(5, 100000)) { \
           seen.push([bytes.constructor.name, bytes.length, bytes[0], bytes[99999]]); } return seen;",
    )
    .await?;
    let expected: Vec<Value> = (0..5).map(|n| json!(["Uint8Array", 100000, n, n])).collect();
    match finish(handle, w.main, "chunks").await? {
        Ok(seen) if seen == Value::from(expected.clone()) => Ok(()),
        other => Err(format!("read {other:?}")),
    }
}

/// 300 items of 64 KiB (19 MiB) with the default window: the host holds items back for their bytes (4 MiB unread)
/// long before the window's count is reached, and the page's credit for each read lets the rest through.
async fn large_items(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "large",
        "let count = 0, wrong = 0; \
         for await (const bytes of host.services.feed.chunks(300, 65536)) { \
           if (bytes.length !== 65536 || bytes[0] !== (count & 255)) wrong++; count++; } \
         return { count, wrong };",
    )
    .await?;
    match finish(handle, w.main, "large").await? {
        Ok(value) if value == json!({"count": 300, "wrong": 0}) => Ok(()),
        other => Err(format!("read {other:?}")),
    }
}

async fn reload(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.peer,
        "reload",
        "for await (const n of host.services.feed.endless('reload')) { if (n === 5) location.reload(); }",
    )
    .await?;
    eventually("the reloaded page's stream is dropped", || watch("reload").dropped).await?;
    loaded(handle, w.peer).await
}

async fn upload_in_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "upload",
        "async function* numbers() { for (let n = 1; n <= 1000; n++) yield n; } \
         return await host.services.sink.sum(numbers());",
    )
    .await?;
    match finish(handle, w.main, "upload").await? {
        Ok(sum) if sum == json!(500500) => Ok(()),
        other => Err(format!("sum: {other:?}")),
    }
}

async fn upload_backpressure(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "backpressure",
        "window.__produced = 0; \
         async function* numbers() { for (let n = 0; n < 100; n++) { window.__produced += 1; yield n; } } \
         return await host.services.sink.sum(numbers(), 20);",
    )
    .await?;
    eventually("Rust reads 20 items", || {
        READ.load(std::sync::atomic::Ordering::SeqCst) >= 20
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let produced: u32 = eval(handle, w.main, "window.__produced")
        .await?
        .parse()
        .map_err(|e| format!("{e}"))?;
    // Credit: 16 at first, 8 more after 8 and after 16 items read: the page may have sent 32, and not pulled more.
    if !(20..=33).contains(&produced) {
        return Err(format!(
            "the page produced {produced} items while Rust had read 20 and paused"
        ));
    }
    match finish(handle, w.main, "backpressure").await? {
        Ok(sum) if sum == json!(4950) => Ok(()),
        other => Err(format!("sum: {other:?}")),
    }
}

async fn upload_file(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    start(
        handle,
        w.main,
        "file",
        "const bytes = new Uint8Array(3 * 1024 * 1024); \
         for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255; \
         let sum = 0; for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]) >>> 0; \
         const [size, digest] = await host.services.sink.digest(new Blob([bytes]).stream()); \
         return { size, same: digest === sum };",
    )
    .await?;
    match finish(handle, w.main, "file").await? {
        Ok(value) if value == json!({"size": 3 * 1024 * 1024, "same": true}) => Ok(()),
        other => Err(format!("digest: {other:?}")),
    }
}
