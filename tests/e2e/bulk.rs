//! Large messages by `fetch` on the app scheme, in a window whose thresholds are 64 KiB both ways: each path is
//! taken (counted by the transport: WebKit keeps no resource timing for custom schemes), answers and errors are the same as through script, and order holds
//! across paths in both directions.

use std::time::Duration;

use ipc_core::WindowId;
use ipc_wry::AppHandle;
use serde_json::{json, Value};

use crate::{eval, Windows, PATIENCE};

/// The threshold of the `bulk` window, both ways.
pub const THRESHOLD: usize = 64 * 1024;

/// How many deliveries the page has fetched and messages it has posted so far: `(pulls, posts)`.
fn fetches(handle: &AppHandle, window: WindowId) -> Result<(u64, u64), String> {
    let stats = handle.transport_stats(window).ok_or("the window is closed")?;
    Ok((stats.deliveries_by_fetch, stats.messages_by_post))
}

/// Runs `script` (an async function body returning a JSON-able value) in `window` and waits for its value.
async fn run(handle: &AppHandle, window: WindowId, script: &str) -> Result<Value, String> {
    eval(
        handle,
        window,
        &format!(
            "window.__bulk = undefined; (async () => {{ {script} }})().then((v) => {{ window.__bulk = {{ ok: v }}; }}, \
             (e) => {{ window.__bulk = {{ error: String(e && e.stack || e) }}; }}); true"
        ),
    )
    .await?;
    let text = handle
        .wait_for(window, "window.__bulk !== undefined && window.__bulk", PATIENCE)
        .await
        .map_err(|e| format!("the page never finished: {e}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    match value.get("ok") {
        Some(ok) => Ok(ok.clone()),
        None => Err(format!("the page failed: {}", value["error"])),
    }
}

/// Calls of every size, in flight together: the large ones go by POST and come back by pull, the small ones by script;
/// every answer is its own request's, whole.
pub async fn large_calls_travel_by_fetch_and_answer_like_small_ones(
    handle: &AppHandle,
    w: &Windows,
) -> Result<(), String> {
    let (pulls_before, posts_before) = fetches(handle, w.bulk)?;
    let script = format!(
        r#"const big = (c) => c.repeat({size});
           const sent = ["a", big("x"), "b", big("y") + "!", "c", big("z")];
           const answers = await Promise.all(sent.map((text) => host.services.fixture.echoLater(text, 0)));
           return answers.map((answer, i) => answer === sent[i]);"#,
        size = THRESHOLD + 1000
    );
    let same = run(handle, w.bulk, &script).await?;
    if same != json!([true, true, true, true, true, true]) {
        return Err(format!("answers that are not their request's: {same}"));
    }
    let (pulls, posts) = fetches(handle, w.bulk)?;
    // Answers ready together may share one delivery, so up to 3 pulls; each large request is its own post.
    if !(1..=3).contains(&(pulls - pulls_before)) || posts - posts_before != 3 {
        return Err(format!(
            "expected 1 to 3 pulls and 3 posts for the 3 large calls, saw {} and {}",
            pulls - pulls_before,
            posts - posts_before
        ));
    }
    Ok(())
}

/// A large request the host refuses (an argument of the wrong type), from the bulk window and from an ordinary one:
/// the same error.
pub async fn a_large_request_fails_as_it_would_by_script(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let script = format!(
        r#"try {{ await host.invoke("fixture.echo_later", {{ text: "u".repeat({size}), delay_ms: "soon" }}); return "accepted"; }}
           catch (error) {{ return {{ code: error.code, kind: error.kind, message: error.message, data: error.data }}; }}"#,
        size = THRESHOLD * 2
    );
    let (_, posts_before) = fetches(handle, w.bulk)?;
    let by_fetch = run(handle, w.bulk, &script).await?;
    let by_script = run(handle, w.main, &script).await?;
    let (_, posts) = fetches(handle, w.bulk)?;
    if posts != posts_before + 1 {
        return Err(format!(
            "the large request was not posted: {} posts",
            posts - posts_before
        ));
    }
    if by_fetch["kind"] != json!("INVALID_ARGUMENTS") || by_fetch != by_script {
        return Err(format!("by fetch: {by_fetch}\nby script: {by_script}"));
    }
    Ok(())
}

/// Rust pushes large and small messages alternately from two tasks; the page receives every one, in the order each
/// task sent them, though the large ones are fetched and the small ones evaluated.
pub async fn pushes_of_both_paths_arrive_in_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    const PER_TASK: usize = 60;
    eval(
        handle,
        w.bulk,
        "window.__mixed = { a: [], b: [] }; host.on('e2e.mixed', (p) => { __mixed[p.task].push(p.seq); }); true",
    )
    .await?;
    let (pulls_before, _) = fetches(handle, w.bulk)?;
    let hub = handle.hub().clone();
    let window = w.bulk;
    let big = "m".repeat(THRESHOLD);
    let tasks: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|task| {
            let (hub, big) = (hub.clone(), big.clone());
            tokio::spawn(async move {
                for seq in 0..PER_TASK {
                    let filler = if seq % 2 == 0 { big.as_str() } else { "" };
                    hub.send_to_window_async(
                        window,
                        "e2e.mixed",
                        &json!({ "task": task, "seq": seq, "filler": filler }),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    tokio::task::yield_now().await;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let condition = format!("__mixed.a.length === {PER_TASK} && __mixed.b.length === {PER_TASK} && __mixed");
    let text = handle
        .wait_for(w.bulk, &condition, PATIENCE + Duration::from_secs(10))
        .await
        .map_err(|e| format!("not every push arrived: {e}"))?;
    let received: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let expected: Vec<usize> = (0..PER_TASK).collect();
    for task in ["a", "b"] {
        if received[task] != json!(expected) {
            return Err(format!("task {task}'s pushes arrived as {}", received[task]));
        }
    }
    let (pulls, _) = fetches(handle, w.bulk)?;
    // Pushes queued together share a delivery (up to 1 MiB), so fewer pulls than large pushes, but never none.
    if pulls == pulls_before {
        return Err("no push took the fetch path".to_owned());
    }
    Ok(())
}

/// The page sends large and small messages alternately with `host.send`; Rust receives them in the order sent.
pub async fn page_messages_of_both_paths_reach_rust_in_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    const COUNT: usize = 40;
    let (_, posts_before) = fetches(handle, w.bulk)?;
    let script = format!(
        "const big = 'u'.repeat({THRESHOLD}); for (let seq = 0; seq < {COUNT}; seq++) {{ \
         host.send('e2e.upload', {{ seq, filler: seq % 2 === 0 ? big : '' }}); }} true"
    );
    sent_in_order(handle, w.bulk, &script, COUNT).await?;
    let (_, posts) = fetches(handle, w.bulk)?;
    if posts - posts_before != (COUNT / 2) as u64 {
        return Err(format!(
            "{} posts for {} large messages",
            posts - posts_before,
            COUNT / 2
        ));
    }
    Ok(())
}

/// Uploads the host confirms by script ahead of their response (see `ipc_wry::bulk`): a page that posts on reading
/// each answer, while the response of the upload that answer is for is still on its way, has its messages reach Rust
/// in the order it posted them; and the confirmations did come.
pub async fn confirmed_uploads_keep_the_page_s_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    const COUNT: usize = 30;
    let before = handle.transport_stats(w.bulk).ok_or("the window is closed")?;
    let script = format!(
        "(async () => {{ const bytes = new Uint8Array(1 << 20), big = 'u'.repeat({THRESHOLD}); \
           for (let seq = 0; seq < {COUNT}; seq++) {{ \
             if (seq % 3 === 0) await host.services.probe.measure(bytes); \
             host.send('e2e.upload', {{ seq, filler: seq % 2 === 0 ? big : '' }}); \
           }} }})(); true"
    );
    sent_in_order(handle, w.bulk, &script, COUNT).await?;
    let after = handle.transport_stats(w.bulk).ok_or("the window is closed")?;
    let confirmed = after.uploads_confirmed - before.uploads_confirmed;
    let posted =
        (after.messages_by_part + after.messages_by_post) - (before.messages_by_part + before.messages_by_post);
    if confirmed == 0 || confirmed > posted {
        return Err(format!(
            "{confirmed} of {posted} uploads confirmed ahead of their response"
        ));
    }
    Ok(())
}

/// Has the page in `window` make one small call and waits for its answer: one delivery to the page.
async fn answered_once(handle: &AppHandle, window: WindowId) -> Result<(), String> {
    eval(
        handle,
        window,
        "window.__answered = false; host.services.probe.ordered(1).then(() => { __answered = true; }); true",
    )
    .await?;
    handle
        .wait_for(window, "__answered", PATIENCE)
        .await
        .map(drop)
        .map_err(|e| format!("the call was not answered: {e}"))
}

/// Runs `script` in `window` and checks that the `seq` of the `COUNT` messages it sends on `e2e.upload` reach Rust
/// as 0, 1, 2, ...
async fn sent_in_order(handle: &AppHandle, window: WindowId, script: &str, count: usize) -> Result<(), String> {
    let mut uploads = handle.hub().channel_events("e2e.upload");
    eval(handle, window, script).await?;
    let mut order = Vec::new();
    while order.len() < count {
        let event = tokio::time::timeout(PATIENCE, uploads.recv())
            .await
            .map_err(|_| format!("only {} of {count} messages reached Rust: {order:?}", order.len()))?
            .ok_or("the stream ended")?;
        let payload: Value = event.payload().map_err(|e| e.to_string())?;
        order.push(payload["seq"].as_u64().unwrap_or(u64::MAX));
    }
    let expected: Vec<u64> = (0..count as u64).collect();
    if order != expected {
        return Err(format!("messages reached Rust as {order:?}"));
    }
    Ok(())
}

/// From the attacker's side: the page's scripts and its frames (same-origin `srcdoc`, sandboxed) `POST` forged
/// messages, binary frames and messages beside a binary part to the app scheme's reserved paths and guess pull tokens, and a script in a window
/// showing a URL posts forged base64 frames past the runtime. The posts reach the transport and are refused
/// there like any unsigned message: no handler runs; guessed tokens find nothing.
pub async fn forged_posts_and_guessed_pulls_get_nothing(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    // A delivery first, which tells the page of any upload of its own still untold.
    answered_once(handle, w.bulk).await?;
    let confirmed_before = handle
        .transport_stats(w.bulk)
        .ok_or("the window is closed")?
        .uploads_confirmed;
    let before = crate::scenarios::TOUCHES.load(std::sync::atomic::Ordering::SeqCst);
    let (_, posts_before) = fetches(handle, w.bulk)?;
    let parts_before = handle
        .transport_stats(w.bulk)
        .ok_or("the window is closed")?
        .messages_by_part;
    let attack = r#"
        const invoke = JSON.stringify({ type: "invoke", id: 1, channel: "probe.touch", args: {} });
        const attempts = [invoke, "0".repeat(32) + ":" + invoke, "::" + invoke];
        // The same as binary frames: the text's length, the text, one part.
        const frame = (text) => {
          const head = new TextEncoder().encode(text);
          const bytes = new Uint8Array(4 + head.length + 4 + 1);
          const view = new DataView(bytes.buffer);
          view.setUint32(0, head.length, true); bytes.set(head, 4); view.setUint32(4 + head.length, 1, true);
          return bytes.buffer;
        };
        // Each post names an upload, which the host would tell the page it took in were the post the page's.
        let upload = 0;
        const numbered = (headers = {}) => ({ ...headers, "x-ipc-upload": String(upload++) });
        const posted = [
          ...attempts.map((body) => fetch("/__ipc/post", { method: "POST", body, headers: numbered() })),
          ...attempts.map((text) => fetch("/__ipc/frame", { method: "POST", body: frame(text), headers: numbered() })),
          // A message beside its one binary part, in a header: forged, missing, or not UTF-8 once decoded.
          ...attempts.map((text) => fetch("/__ipc/part", {
            method: "POST", body: new Uint8Array([1]),
            headers: numbered({ "x-ipc-message": encodeURIComponent(text) }) })),
          fetch("/__ipc/part", { method: "POST", body: new Uint8Array([1]) }),
          fetch("/__ipc/part", { method: "POST", body: new Uint8Array([1]), headers: { "x-ipc-message": "%FF%FE" } }),
        ].map((request) => request.then((r) => r.status, () => "blocked"));
        const pulled = fetch("/__ipc/pull/" + "0123456789abcdef".repeat(2)).then((r) => r.status, () => "blocked");
        Promise.all([...posted, pulled]).then((statuses) => parent.postMessage({ attack: KIND, statuses }, "*"));
    "#;
    let frame = |kind: &str| {
        crate::json(&format!(
            "<script>{}</script>",
            attack.replace("KIND", &crate::json(kind))
        ))
    };
    let script = format!(
        r#"window.__attacks = {{}};
           window.addEventListener("message", (e) => {{ if (e.data && e.data.attack) __attacks[e.data.attack] = e.data.statuses; }});
           {page}
           const srcdoc = document.createElement("iframe"); srcdoc.srcdoc = {srcdoc}; document.body.appendChild(srcdoc);
           const sandboxed = document.createElement("iframe"); sandboxed.setAttribute("sandbox", "allow-scripts");
           sandboxed.srcdoc = {sandboxed}; document.body.appendChild(sandboxed);
           true"#,
        page = attack
            .replace("KIND", "\"page\"")
            .replace("parent.postMessage", "window.postMessage"),
        srcdoc = frame("srcdoc"),
        sandboxed = frame("sandboxed"),
    );
    eval(handle, w.bulk, &script).await?;
    let text = handle
        .wait_for(w.bulk, "Object.keys(__attacks).length === 3 && __attacks", PATIENCE)
        .await
        .map_err(|e| format!("not every attacker reported: {e}"))?;
    let reports: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    // Give the host time to (not) run what it was handed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let touched = crate::scenarios::TOUCHES.load(std::sync::atomic::Ordering::SeqCst) - before;
    let (_, posts) = fetches(handle, w.bulk)?;
    if touched != 0 {
        return Err(format!("{touched} forged calls reached the handler: {reports}"));
    }
    if posts == posts_before {
        return Err(format!(
            "no forged post reached the transport, so nothing was tried: {reports}"
        ));
    }
    // A delivery after the attack: the host would tell the page of a forged upload number with it.
    answered_once(handle, w.bulk).await?;
    let stats = handle.transport_stats(w.bulk).ok_or("the window is closed")?;
    if stats.uploads_confirmed != confirmed_before {
        return Err(format!(
            "the host told the page of {} uploads on a forged post's word",
            stats.uploads_confirmed - confirmed_before
        ));
    }
    let parts = stats.messages_by_part - parts_before;
    if parts < 3 {
        return Err(format!(
            "{parts} forged messages beside a part reached the transport, so they were not tried: {reports}"
        ));
    }
    for (attacker, statuses) in reports.as_object().into_iter().flatten() {
        // The part posts without the message, and with one that is not UTF-8, are refused as malformed.
        if let Some(statuses) = statuses.as_array().filter(|statuses| statuses.len() >= 3) {
            let malformed = &statuses[statuses.len() - 3..statuses.len() - 1];
            if malformed
                .iter()
                .any(|status| *status != json!(400) && *status != json!("blocked"))
            {
                return Err(format!("{attacker}: a malformed part post was taken: {statuses:?}"));
            }
        }
        if let Some(pulled) = statuses.as_array().and_then(|s| s.last()) {
            if *pulled == json!(200) {
                return Err(format!("{attacker} pulled a delivery with a guessed token"));
            }
        }
    }
    // A script posting past the runtime in a window without the app scheme, where binary frames go through the
    // handler in base64: a frame under a guessed secret, and text that is not base64.
    let remote_before = handle.transport_stats(w.remote).ok_or("the window is closed")?;
    eval(
        handle,
        w.remote,
        r#"const text = "0".repeat(32) + ':{"type":"invoke","id":1,"channel":"probe.touch","args":{}}';
           const head = new TextEncoder().encode(text);
           const bytes = new Uint8Array(4 + head.length);
           new DataView(bytes.buffer).setUint32(0, head.length, true); bytes.set(head, 4);
           window.ipc.postMessage("%" + btoa(String.fromCharCode(...bytes)));
           window.ipc.postMessage("%not base64!");
           true"#,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let remote_after = handle.transport_stats(w.remote).ok_or("the window is closed")?;
    if remote_after.messages_by_handler < remote_before.messages_by_handler + 2 {
        return Err("the base64 posts never reached the transport, so nothing was tried".to_owned());
    }
    let touched = crate::scenarios::TOUCHES.load(std::sync::atomic::Ordering::SeqCst) - before;
    if touched != 0 {
        return Err(format!("{touched} forged base64 frames reached the handler"));
    }
    println!(
        "      {} forged posts and frames reached the transport, all refused; statuses {reports}",
        posts - posts_before
    );
    Ok(())
}

/// A push carrying `Binary` data, as Rust code would send it.
#[derive(serde::Serialize)]
struct Chunk {
    name: &'static str,
    data: ipc_core::Binary,
    #[serde(with = "ipc_core::binary")]
    raw: Vec<u8>,
    more: Vec<ipc_core::Binary>,
}

/// Binary data in pushes reaches the page as `Uint8Array`s holding exactly the bytes sent: fetched as a frame by a
/// window showing HTML, and sent as a base64 frame in a script to a window showing a URL, which has no app scheme.
pub async fn binary_pushes_arrive_as_uint8arrays(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let all_bytes: Vec<u8> = (0..=255).collect();
    let chunk = Chunk {
        name: "chunk",
        data: ipc_core::Binary::from(all_bytes.clone()),
        raw: vec![0, 1, 254, 255],
        more: vec![ipc_core::Binary::from(vec![7; 3 << 20]), ipc_core::Binary::default()],
    };
    let listen = "window.__chunks = []; host.on('e2e.binary', (c) => { __chunks.push({ name: c.name, \
        kinds: [c.data, c.raw, c.more[0], c.more[1]].map((b) => Object.prototype.toString.call(b)), \
        data: Array.from(c.data), raw: Array.from(c.raw), bigLength: c.more[0].length, \
        bigAllSevens: c.more[0].every((b) => b === 7), emptyLength: c.more[1].length }); }); true";
    for (window, fetched) in [(w.main, true), (w.remote, false)] {
        eval(handle, window, listen).await?;
        let before = handle.transport_stats(window).ok_or("the window is closed")?;
        handle
            .hub()
            .send_to_window(window, "e2e.binary", &chunk)
            .map_err(|e| e.to_string())?;
        let text = handle
            .wait_for(window, "__chunks.length === 1 && __chunks[0]", PATIENCE)
            .await
            .map_err(|e| format!("the binary push never arrived in {window}: {e}"))?;
        let got: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let expected = json!({
            "name": "chunk",
            "kinds": vec!["[object Uint8Array]"; 4],
            "data": all_bytes,
            "raw": [0, 1, 254, 255],
            "bigLength": 3 << 20,
            "bigAllSevens": true,
            "emptyLength": 0,
        });
        if got != expected {
            return Err(format!("{window} received {got}"));
        }
        let after = handle.transport_stats(window).ok_or("the window is closed")?;
        let by_fetch = after.deliveries_by_fetch - before.deliveries_by_fetch;
        if fetched != (by_fetch == 1) {
            return Err(format!(
                "{window}: {by_fetch} deliveries fetched, expected fetched: {fetched}"
            ));
        }
    }
    Ok(())
}

/// A page calls with a `Uint8Array` (a view into a larger buffer) and an `ArrayBuffer`: Rust receives exactly those
/// bytes, `POST`ed as the request's body with the message beside it (no frame) from a window showing HTML, and by a
/// base64 frame through the script message handler from a window showing a URL; calls before and after keep their
/// order.
pub async fn binary_arguments_reach_rust_whole(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    const SIZE: usize = 3 << 20;
    let script = format!(
        r#"const backing = new Uint8Array({SIZE} + 2);
           for (let i = 0; i < backing.length; i++) backing[i] = i % 251;
           const view = backing.subarray(1, {SIZE} + 1);
           const [first, measured, buffer, last] = await Promise.all([
             host.services.probe.touch(),
             host.services.probe.measure(view),
             host.services.probe.measure(new Uint8Array([7, 8, 9]).buffer),
             host.services.probe.touch(),
           ]);
           let sum = 0; for (let i = 0; i < view.length; i++) sum += view[i];
           return {{ measured, expected: [view.length, sum, view[0], view[view.length - 1]], buffer,
                     ordered: last === first + 1 }};"#
    );
    for (window, by_part) in [(w.main, true), (w.remote, false)] {
        let before = handle.transport_stats(window).ok_or("the window is closed")?;
        let got = run(handle, window, &script).await?;
        if got["measured"] != got["expected"] || got["buffer"] != json!([3, 24, 7, 9]) || got["ordered"] != json!(true)
        {
            return Err(format!("{window}: {got}"));
        }
        let after = handle.transport_stats(window).ok_or("the window is closed")?;
        let parts = after.messages_by_part - before.messages_by_part;
        let frames = after.messages_by_post - before.messages_by_post;
        if by_part != (parts == 2) || frames != 0 {
            return Err(format!(
                "{window}: {parts} messages POSTed beside their part and {frames} as frames, expected beside their \
                 part: {by_part}"
            ));
        }
    }
    Ok(())
}

/// A call whose answer is `Binary`: the page gets a `Uint8Array` with exactly the bytes Rust returned. In a window
/// showing HTML a large answer is fetched as the part itself (the answer's text in a header) and a small one comes
/// in a script as a base64 frame; in a window showing a URL both come as base64 frames.
pub async fn a_binary_answer_comes_back_as_a_uint8array(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let large = 2 * 1024 * 1024 + 3;
    for (window, size, fetched) in [(w.main, large, true), (w.main, 1000, false), (w.remote, large, false)] {
        let script = format!(
            r#"const data = new Uint8Array({size});
            for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
            const back = await host.services.probe.reverse(data);
            let same = back.length === data.length;
            for (let i = 0; same && i < data.length; i++) same = back[i] === data[data.length - 1 - i];
            return {{ kind: Object.prototype.toString.call(back), same }};"#
        );
        let before = handle.transport_stats(window).ok_or("the window is closed")?;
        let got = run(handle, window, &script).await?;
        if got != json!({ "kind": "[object Uint8Array]", "same": true }) {
            return Err(format!("{window}, {size} bytes: {got}"));
        }
        let after = handle.transport_stats(window).ok_or("the window is closed")?;
        let by_fetch = after.deliveries_by_fetch - before.deliveries_by_fetch;
        let by_part = after.deliveries_by_part - before.deliveries_by_part;
        if fetched != (by_fetch >= 1) || fetched != (by_part >= 1) {
            return Err(format!(
                "{window}, {size} bytes: {by_fetch} deliveries fetched, {by_part} as their part; expected fetched \
                 as the part: {fetched}"
            ));
        }
    }
    Ok(())
}

/// Ordering across paths and producers, counted in the page: while the page makes 10,000 calls (200 in flight at a
/// time) whose handlers each push before answering, four Rust tasks push 5,000 numbered messages each, every 50th of
/// them large enough to be fetched, and the page reads a stream of 5,000 items, each pushed just before it is sent.
/// Per task, every push arrives once and in order; per call, its push arrives before its answer; per stream item, its
/// push arrives before it, and items arrive in order. 50,000 messages in all, 0 inversions and 0 losses expected.
pub async fn answers_and_pushes_from_many_tasks_arrive_in_order(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    const CALLS: u32 = 10_000;
    const TASKS: usize = 4;
    const PER_TASK: usize = 5_000;
    const ITEMS: u32 = 5_000;
    let window = w.bulk;
    let setup = format!(
        r#"window.__order = {{ next: new Array({TASKS}).fill(0), taskInversions: 0, pushedCalls: new Set(),
             callInversions: 0, answers: 0, done: false, pushedItems: 0, items: 0, itemInversions: 0,
             streamed: false }};
           host.on("e2e.order.task", (p) => {{
             if (p.seq !== __order.next[p.task]) __order.taskInversions++;
             __order.next[p.task] = p.seq + 1;
           }});
           host.on("e2e.order.call", (k) => {{ __order.pushedCalls.add(k); }});
           host.on("e2e.order.stream", (k) => {{
             if (k !== __order.pushedItems) __order.itemInversions++;
             __order.pushedItems = k + 1;
           }});
           (async () => {{
             for await (const k of host.services.probe.orderedStream({ITEMS})) {{
               // Read after the delivery that carried it: its push, sent before it, must have arrived by then.
               if (k !== __order.items || __order.pushedItems < k + 1) __order.itemInversions++;
               __order.items++;
             }}
             __order.streamed = true;
           }})();
           (async () => {{
             for (let start = 0; start < {CALLS}; start += 200) {{
               const batch = [];
               for (let k = start; k < Math.min(start + 200, {CALLS}); k++) {{
                 batch.push(host.services.probe.ordered(k).then((answer) => {{
                   if (answer !== k || !__order.pushedCalls.has(k)) __order.callInversions++;
                   __order.answers++;
                 }}));
               }}
               await Promise.all(batch);
             }}
             __order.done = true;
           }})();
           true"#
    );
    eval(handle, window, &setup).await?;
    let started = std::time::Instant::now();
    let hub = handle.hub().clone();
    let big = "o".repeat(THRESHOLD);
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (hub, big) = (hub.clone(), big.clone());
            tokio::spawn(async move {
                for seq in 0..PER_TASK {
                    let filler = if seq % 50 == 0 { big.as_str() } else { "" };
                    hub.send_to_window_async(
                        window,
                        "e2e.order.task",
                        &json!({ "task": task, "seq": seq, "f": filler }),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let condition = format!(
        "__order.done && __order.streamed && __order.next.every((n) => n === {PER_TASK}) && \
         {{ next: __order.next, taskInversions: __order.taskInversions, callInversions: __order.callInversions, \
           answers: __order.answers, pushedCalls: __order.pushedCalls.size, items: __order.items, \
           itemInversions: __order.itemInversions }}"
    );
    let text = handle
        .wait_for(window, &condition, Duration::from_secs(120))
        .await
        .map_err(|e| format!("not everything arrived: {e}"))?;
    let got: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let expected = json!({
        "next": vec![PER_TASK; TASKS],
        "taskInversions": 0,
        "callInversions": 0,
        "answers": CALLS,
        "pushedCalls": CALLS,
        "items": ITEMS,
        "itemInversions": 0,
    });
    if got != expected {
        return Err(format!("the page counted {got}"));
    }
    println!(
        "      {} messages (answers, handler pushes, task pushes, stream items and their pushes) in {:.2?}: 0 \
         inversions, 0 losses",
        2 * CALLS as usize + TASKS * PER_TASK + 2 * ITEMS as usize,
        started.elapsed()
    );
    Ok(())
}
