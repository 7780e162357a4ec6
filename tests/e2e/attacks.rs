//! The page-hub boundary tried as a hostile page would: frames of every kind posting raw envelopes, navigation while
//! calls are in flight, messages posted while a page goes away, a page of a foreign origin, floods of calls and pushes,
//! and the JSONTestSuite parsing corpus through the real transport. Every test asserts from the attacker's side what
//! reached a handler (the probe's counters) and what reached a page.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ipc_core::{Error, WindowId};
use ipc_wry::AppHandle;
use serde_json::{json, Value};

use crate::scenarios::{ORIGINS, TOUCHES};
use crate::{call, eval, json, Windows, PATIENCE};

/// What a hostile frame does: post raw envelopes straight to WebKit's message handler (past any runtime), without a
/// secret, with a forged one, a hello of its own, and calls reusing the ids the top page is likely waiting on; then
/// report to the parent whether the posts went through.
const FRAME_ATTACK: &str = r#"
(() => {
  const post = (text) => { try { window.webkit.messageHandlers.ipc.postMessage(text); return true; } catch (e) { return false; } };
  const posted = post('{"type":"invoke","id":1,"channel":"probe.touch","args":{}}');
  post('00000000000000000000000000000000:{"type":"invoke","id":2,"channel":"probe.touch"}');
  post('{"type":"hello","nonce":"frame","origin":"app://localhost"}');
  for (let id = 1; id <= 50; id++) {
    post('{"type":"invoke","id":' + id + ',"channel":"probe.touch"}');
    post('{"type":"send","channel":"e2e.frame","payload":' + id + '}');
  }
  parent.postMessage({ frame: KIND, posted }, "*");
})();
"#;

/// What a frame in a window that allows frames does with the runtime injected into it: call a channel its origin's
/// rule allows and one it does not, and report to the page.
const WIDGET: &str = r#"
(async () => {
  const report = { hasHost: window.host !== undefined };
  try { await host.invoke("probe.origin", {}); report.origin = "ok"; } catch (e) { report.origin = e.kind; }
  try { await host.invoke("fixture.add", { a: 1, b: 2 }); report.add = "ok"; } catch (e) { report.add = e.kind; }
  parent.postMessage({ widget: report }, "*");
})();
"#;

/// The loopback web server hostile content is served from (a cross-origin frame, a foreign page). Any path answers
/// the same page: it runs [`FRAME_ATTACK`] when framed, and records what it receives when it is the top page.
pub fn loopback() -> &'static str {
    static ORIGIN: OnceLock<String> = OnceLock::new();
    ORIGIN.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("an address"));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let attack = FRAME_ATTACK.replace("KIND", "\"cross-origin\"");
                let body = if request.starts_with(b"GET /widget") {
                    format!("<!doctype html><html><body><script>{WIDGET}</script></body></html>")
                } else {
                    format!(
                    "<!doctype html><html><body><p>elsewhere</p><script>\
                     window.__seen = [];\
                     if (window.host !== undefined) {{ host.on('host:unclaimed', (m) => __seen.push(m)); \
                       host.on('e2e.secret', (p) => __seen.push(p)); }}\
                     if (window.parent !== window) {{ {attack} }}\
                     </script></body></html>"
                    )
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        origin
    })
}

/// Frames of every kind post raw envelopes; none reaches a handler or settles the top page's call.
pub async fn frames_cannot_speak_for_the_window(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let window = w.peer;
    let before = TOUCHES.load(Ordering::SeqCst);
    let mut frame_messages = handle.hub().channel_events("e2e.frame");
    // The top page's own slow call is in flight (its id is small, like the ids the frames post) while they attack.
    eval(
        handle,
        window,
        "__call('top page call', () => host.services.probe.slowTouch(1500)); true",
    )
    .await?;
    let attack = |kind: &str| json(&FRAME_ATTACK.replace("KIND", &json(kind)));
    let script = format!(
        r#"(() => {{
          window.__frames = {{}};
          window.addEventListener("message", (e) => {{ if (e.data && e.data.frame) __frames[e.data.frame] = e.data.posted; }});
          const add = (setup) => {{ const f = document.createElement("iframe"); setup(f); document.body.appendChild(f); return f; }};
          const script = (code) => "<script>" + code + "</" + "script>";
          add((f) => {{ f.srcdoc = script({srcdoc}); }});
          add((f) => {{ f.setAttribute("sandbox", "allow-scripts"); f.srcdoc = script({sandboxed}); }});
          add((f) => {{ f.src = "data:text/html," + encodeURIComponent(script({data})); }});
          add((f) => {{ f.src = {cross}; }});
          const same = add((f) => {{ f.src = "/?frame"; }});
          same.addEventListener("load", () => same.contentWindow.eval({same}));
          return true;
        }})()"#,
        srcdoc = attack("srcdoc"),
        sandboxed = attack("sandboxed"),
        data = attack("data"),
        cross = json(&format!("{}/frame", loopback())),
        same = attack("same-origin"),
    );
    eval(handle, window, &script).await?;
    let reports = handle
        .wait_for(window, "Object.keys(__frames).length === 5 && __frames", PATIENCE)
        .await
        .map_err(|e| {
            format!("not every frame ran its attack (srcdoc, sandboxed, data, cross-origin, same-origin): {e}")
        })?;
    let reports: Value = serde_json::from_str(&reports).map_err(|e| e.to_string())?;
    let outcome = crate::outcome_of(handle, window, "top page call").await?;
    let touched = TOUCHES.load(Ordering::SeqCst) - before;
    // The top page's call is answered with its own data, once: frames neither ran calls nor settled it.
    outcome.expect_data(json!(before + 1))?;
    if touched != 1 {
        return Err(format!(
            "{} frame calls reached the handler (frames report {reports})",
            touched - 1
        ));
    }
    if let Some(message) = frame_messages.try_recv() {
        return Err(format!("a frame's message reached Rust: {message:?}"));
    }
    let posted: Vec<&str> = ["srcdoc", "sandboxed", "data", "cross-origin", "same-origin"]
        .into_iter()
        .filter(|kind| reports[*kind] == json!(true))
        .collect();
    if posted.is_empty() {
        return Err(format!("no frame could post at all, so nothing was tried: {reports}"));
    }
    println!("      frames that could post to the host (all refused): {posted:?}");
    Ok(())
}

/// A window that allows frames of one origin: such a frame calls what its rule allows, is refused the rest, and its
/// handler sees the frame's origin; a frame of the app's own origin (which has no rule) is refused everything.
pub async fn an_allowed_frame_speaks_with_its_own_origin_and_capabilities(
    handle: &AppHandle,
    w: &Windows,
) -> Result<(), String> {
    let window = w.framed;
    let origins_before = ORIGINS.lock().unwrap_or_else(|e| e.into_inner()).len();
    let script = format!(
        r#"(() => {{
          window.__widgets = [];
          window.addEventListener("message", (e) => {{ if (e.data && e.data.widget) __widgets.push([e.origin, e.data.widget]); }});
          const allowed = document.createElement("iframe");
          allowed.src = {widget_url};
          document.body.appendChild(allowed);
          const same = document.createElement("iframe");
          same.srcdoc = "<script>" + {widget} + "</" + "script>";
          document.body.appendChild(same);
          return true;
        }})()"#,
        widget_url = json(&format!("{}/widget", loopback())),
        widget = json(WIDGET),
    );
    eval(handle, window, &script).await?;
    let reports = handle
        .wait_for(window, "__widgets.length === 2 && __widgets", PATIENCE)
        .await
        .map_err(|e| format!("the frames did not both report: {e}"))?;
    let reports: Value = serde_json::from_str(&reports).map_err(|e| e.to_string())?;
    let by_origin = |origin: &str| {
        reports
            .as_array()
            .and_then(|all| all.iter().find(|r| r[0] == json!(origin)))
            .map(|r| r[1].clone())
            .unwrap_or(Value::Null)
    };
    expect_eq(
        "the allowed frame",
        &by_origin(loopback()),
        &json!({ "hasHost": true, "origin": "ok", "add": "FORBIDDEN" }),
    )?;
    expect_eq(
        "the frame of the app's origin",
        &by_origin("app://localhost"),
        &json!({ "hasHost": true, "origin": "FORBIDDEN", "add": "FORBIDDEN" }),
    )?;
    let origins: Vec<String> = ORIGINS.lock().unwrap_or_else(|e| e.into_inner())[origins_before..].to_vec();
    if origins != [loopback().to_owned()] {
        return Err(format!("the handler saw the origins {origins:?}"));
    }
    Ok(())
}

/// Reloading a page drops its calls' futures and never delivers their answers to the new page.
pub async fn a_reload_drops_the_old_page_s_calls(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let window = w.nomad;
    let before = TOUCHES.load(Ordering::SeqCst);
    let script = r#"window.__old = true;
        for (let i = 0; i < 3; i++) host.services.probe.slowTouch(700);
        setTimeout(() => location.reload(), 50); true"#;
    eval(handle, window, script).await?;
    handle
        .wait_for(
            window,
            "window.__old === undefined && window.__call !== undefined",
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never reloaded: {e}"))?;
    eval(
        handle,
        window,
        "window.__unclaimed = []; host.on('host:unclaimed', (m) => __unclaimed.push(m)); true",
    )
    .await?;
    // Make sure the new page has confirmed its secret (which retires the old page) by calling once.
    call(handle, window, "new page call", "host.services.probe.slowTouch(0)").await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let touched = TOUCHES.load(Ordering::SeqCst) - before;
    if touched != 1 {
        return Err(format!(
            "{} of the old page's calls ran to the end after the reload",
            touched - 1
        ));
    }
    let unclaimed = eval(handle, window, "__unclaimed").await?;
    if unclaimed != "[]" {
        return Err(format!(
            "the new page received answers meant for the old one: {unclaimed}"
        ));
    }
    if handle.hub().calls_in_flight(window) != 0 {
        return Err("calls of the old page are still in flight".to_owned());
    }
    Ok(())
}

/// A call posted while a page goes away is judged as that page (its origin), and nothing answering it reaches the next
/// page, of the app's origin or another one. The foreign page receives neither answers nor pushes and cannot call.
pub async fn pages_going_away_and_foreign_pages(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let window = w.nomad;
    let origins_before = ORIGINS.lock().unwrap_or_else(|e| e.into_inner()).len();
    let arm = r#"window.__leaving = true;
        addEventListener("pagehide", () => { host.services.probe.origin(); host.services.probe.slowTouch(300); });
        addEventListener("beforeunload", () => { host.services.probe.origin(); }); true"#;
    // To another page of the app.
    eval(handle, window, arm).await?;
    eval(handle, window, "location.href = 'app://localhost/?next'; true").await?;
    handle
        .wait_for(
            window,
            "window.__leaving === undefined && window.__call !== undefined",
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never moved: {e}"))?;
    eval(
        handle,
        window,
        "window.__unclaimed = []; host.on('host:unclaimed', (m) => __unclaimed.push(m)); true",
    )
    .await?;
    call(handle, window, "next page call", "host.services.probe.touch()").await?;
    // To a page of a foreign origin.
    eval(handle, window, arm).await?;
    let foreign = loopback();
    eval(
        handle,
        window,
        &format!("location.href = {}; true", json(&format!("{foreign}/elsewhere"))),
    )
    .await?;
    handle
        .wait_for(
            window,
            "location.href.startsWith('http') && window.__seen !== undefined",
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never moved to {foreign}: {e}"))?;
    // The foreign page may not call, and is told so under its own origin.
    let outcome = call_raw(handle, window, "host.invoke('probe.touch', {})").await?;
    let expected = format!("pages of origin `{foreign}` may not use `probe.touch` in {window}");
    if outcome["error"]["kind"] != "FORBIDDEN" || outcome["error"]["message"] != json!(expected) {
        return Err(format!("the foreign page's call: {outcome}"));
    }
    // Pushes meant for the app's page are refused for it.
    match handle.hub().send_to_window(window, "e2e.secret", &"for the app only") {
        Err(Error::ForeignPage { origin, .. }) if origin == foreign => {}
        other => return Err(format!("a push to the foreign page gave {other:?}")),
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = eval(handle, window, "__seen").await?;
    if seen != "[]" {
        return Err(format!("the foreign page received: {seen}"));
    }
    let origins: Vec<String> = ORIGINS.lock().unwrap_or_else(|e| e.into_inner())[origins_before..].to_vec();
    if origins.iter().any(|origin| origin != "app://localhost") {
        return Err(format!(
            "a call posted while the app's page went away was judged as {origins:?}"
        ));
    }
    println!(
        "      calls posted during pagehide/beforeunload that ran, as the old page: {}",
        origins.len()
    );
    // Back to the app, for the scenarios after this one.
    eval(handle, window, "location.href = 'app://localhost/'; true").await?;
    crate::loaded(handle, window).await
}

/// Runs `expression` (a promise) in a page without the test helpers, and returns its settled outcome as JSON.
async fn call_raw(handle: &AppHandle, window: WindowId, expression: &str) -> Result<Value, String> {
    let script = format!(
        "window.__raw_outcome = undefined; Promise.resolve().then(() => {expression}).then(\
           (data) => {{ window.__raw_outcome = {{ data }}; }},\
           (e) => {{ window.__raw_outcome = {{ error: {{ kind: e.kind, message: e.message }} }}; }}); true"
    );
    eval(handle, window, &script).await?;
    let text = handle
        .wait_for(window, "window.__raw_outcome", PATIENCE)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Resident memory of this process and of its WebKit web processes, in MiB.
fn rss_mib() -> (f64, f64) {
    let rss = |pid: &str| -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    let me = std::process::id().to_string();
    let mut web = 0.0;
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            if stat.contains("(WebKitWebProces")
                && stat.split(") ").nth(1).and_then(|s| s.split(' ').nth(1)) == Some(&me)
            {
                web += rss(&pid).unwrap_or(0.0);
            }
        }
    }
    (rss(&me).unwrap_or(0.0), web)
}

/// A page fires thousands of slow calls without waiting: beyond the in-flight limit they are answered BUSY at once,
/// every call settles exactly once, and another window's calls keep being answered.
pub async fn a_call_flood_is_bounded_and_every_call_settles_once(
    handle: &AppHandle,
    w: &Windows,
) -> Result<(), String> {
    const CALLS: usize = 20_000;
    let window = w.flood;
    let (host_before, web_before) = rss_mib();
    let before = TOUCHES.load(Ordering::SeqCst);
    let script = format!(
        r#"window.__flood = {{ ok: 0, busy: 0, other: 0 }};
        for (let i = 0; i < {CALLS}; i++) host.services.probe.slowTouch(20).then(
          () => __flood.ok++, (e) => e.kind === "BUSY" ? __flood.busy++ : __flood.other++);
        true"#
    );
    let started = Instant::now();
    eval(handle, window, &script).await?;
    // Meanwhile another window calls, one call at a time.
    let mut latencies = Vec::new();
    for i in 0..20 {
        let at = Instant::now();
        call(
            handle,
            w.main,
            &format!("during flood {i}"),
            "host.services.fixture.add(1, 2)",
        )
        .await?;
        latencies.push(at.elapsed());
    }
    let settled = format!("__flood.ok + __flood.busy + __flood.other === {CALLS} && __flood");
    let counts = handle
        .wait_for(window, &settled, Duration::from_secs(60))
        .await
        .map_err(|e| {
            format!(
                "not every call of the flood settled: {e}; {} bytes wait for the window, {} calls in flight",
                handle.hub().queued_bytes(window),
                handle.hub().calls_in_flight(window)
            )
        })?;
    let elapsed = started.elapsed();
    let counts: Value = serde_json::from_str(&counts).map_err(|e| e.to_string())?;
    let (host_after, web_after) = rss_mib();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ok = counts["ok"].as_u64().unwrap_or(0) as usize;
    expect_eq(
        "calls of the flood that failed otherwise than BUSY",
        &counts["other"],
        &json!(0),
    )?;
    if counts["busy"].as_u64().unwrap_or(0) == 0 {
        return Err(format!("no call was answered BUSY: {counts}"));
    }
    let touched = TOUCHES.load(Ordering::SeqCst) - before;
    if touched != ok {
        return Err(format!(
            "{touched} calls reached the handler but {ok} were answered with data"
        ));
    }
    latencies.sort();
    println!(
        "      {CALLS} calls in {elapsed:.2?}: {counts}; another window's call during the flood: median {:.2?}, max {:.2?}; \
         RSS host {host_before:.0} -> {host_after:.0} MiB, web process {web_before:.0} -> {web_after:.0} MiB",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    Ok(())
}

/// Rust pushes far more than the window's queue may hold: the async send waits for room, every push arrives once and
/// in order, and what waits for the window never exceeds its limit.
pub async fn a_push_flood_waits_for_room_and_arrives_whole_in_order(
    handle: &AppHandle,
    w: &Windows,
) -> Result<(), String> {
    let pushes: usize = std::env::var("IPC_FLOOD_PUSHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    const MIB: usize = 1024 * 1024;
    let window = w.flood;
    eval(
        handle,
        window,
        "window.__pushes = { count: 0, inOrder: true }; host.on('e2e.flood', (p) => { \
        if (p.seq !== __pushes.count) __pushes.inOrder = false; __pushes.count++; }); true",
    )
    .await?;
    let (_, web_before) = rss_mib();
    let hub = handle.hub().clone();
    let limit = hub.limits().max_queued_bytes;
    let filler = "x".repeat(MIB);
    let started = Instant::now();
    let sender = tokio::spawn({
        let hub = hub.clone();
        async move {
            for seq in 0..pushes {
                hub.send_to_window_async(window, "e2e.flood", &json!({ "seq": seq, "filler": filler }))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }
    });
    // Sampled from a thread of its own: the sender may run many pushes without yielding to this task.
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = std::thread::spawn({
        let (hub, sampling) = (hub.clone(), std::sync::Arc::clone(&sampling));
        move || {
            let (mut peak_queued, mut peak_web) = (0, web_before);
            while sampling.load(Ordering::Acquire) {
                peak_queued = peak_queued.max(hub.queued_bytes(window));
                peak_web = f64::max(peak_web, rss_mib().1);
                std::thread::sleep(Duration::from_millis(2));
            }
            (peak_queued, peak_web)
        }
    });
    let sent = tokio::time::timeout(Duration::from_secs(120), sender).await;
    sampling.store(false, Ordering::Release);
    let (peak_queued, peak_web) = sampler.join().map_err(|_| "the sampler panicked".to_owned())?;
    let Ok(sender) = sent else {
        return Err(format!(
            "the push flood stalled: {} bytes wait for the window",
            hub.queued_bytes(window)
        ));
    };
    sender.map_err(|e| e.to_string())??;
    let done = format!("__pushes.count === {pushes} && __pushes");
    let state = handle
        .wait_for(window, &done, Duration::from_secs(120))
        .await
        .map_err(|e| format!("not every push arrived: {e}"))?;
    let elapsed = started.elapsed();
    let state: Value = serde_json::from_str(&state).map_err(|e| e.to_string())?;
    expect_eq("pushes arrived in order", &state["inOrder"], &json!(true))?;
    if peak_queued > limit + 2 * MIB {
        return Err(format!(
            "{peak_queued} bytes waited for the window, beyond its limit of {limit}"
        ));
    }
    println!(
        "      {pushes} x 1 MiB pushes in {elapsed:.2?}; peak bytes waiting {:.1} MiB (limit {} MiB); web process RSS \
         {web_before:.0} -> peak {peak_web:.0} MiB",
        peak_queued as f64 / MIB as f64,
        limit / MIB
    );
    Ok(())
}

/// Every file of nst/JSONTestSuite's parsing corpus, as the `args.value` of a call posted under the page's secret
/// through the real transport: `y_` files arrive as the value they denote, `n_` files are refused with a structured
/// error, `i_` files either; nothing hangs and the page's next call works.
pub async fn the_json_test_suite_through_the_webview(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let dir = tests::corpora_dir().join("JSONTestSuite/test_parsing");
    let mut files: Vec<(String, String)> = Vec::new();
    let mut not_utf8 = 0;
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        match String::from_utf8(std::fs::read(&path).map_err(|e| e.to_string())?) {
            Ok(text) => files.push((name, text)),
            // A transport that carries strings cannot post these bytes at all.
            Err(_) => not_utf8 += 1,
        }
    }
    files.sort();
    if files.len() + not_utf8 != 318 {
        return Err(format!("expected 318 corpus files, found {}", files.len() + not_utf8));
    }
    let window = w.main;
    let list = serde_json::to_string(&files).map_err(|e| e.to_string())?;
    let script = format!(
        r#"(() => {{
          const files = {list};
          window.__suite = null;
          const results = {{}};
          let waiting = null;
          host.on("host:unclaimed", (m) => {{ if (waiting) {{ const w = waiting; waiting = null; w(m); }} }});
          (async () => {{
            for (let i = 0; i < files.length; i++) {{
              const [name, text] = files[i];
              const answer = await new Promise((resolve) => {{
                waiting = resolve;
                setTimeout(() => {{ if (waiting === resolve) {{ waiting = null; resolve("no answer"); }} }}, 2000);
                host.postRaw('{{"type":"invoke","id":' + (100000 + i) + ',"channel":"kinds.any_json","args":{{"value":' + text + '}}}}');
              }});
              results[name] = answer;
            }}
            window.__suite = results;
          }})();
          return true;
        }})()"#
    );
    eval(handle, window, &script).await?;
    let text = handle
        .wait_for(window, "window.__suite", Duration::from_secs(120))
        .await
        .map_err(|e| format!("the corpus run did not finish: {e}"))?;
    let results: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for (name, content) in &files {
        let answer = &results[name.as_str()];
        let outcome = if name.starts_with("y_") {
            let expected: Value = serde_json::from_str(content).map_err(|e| format!("{name}: {e}"))?;
            // The page holds numbers as JavaScript does (`0e1` is 0), so compare numbers by value.
            if answer["success"] == json!(true) && by_value(&answer["data"]["got"]) == by_value(&expected) {
                "y: arrived as it was"
            } else if answer["error"]["kind"] == "SERIALIZATION" {
                // Integers beyond 2^53 are refused on the way back rather than rounded.
                "y: refused on the way back (beyond 2^53)"
            } else {
                return Err(format!("{name} did not arrive as it was: {answer}"));
            }
        } else if name.starts_with("n_") {
            if answer["success"] == json!(false) && answer["error"]["code"].is_u64() {
                "n: refused with a structured error"
            } else if answer["success"] == json!(true) {
                return Err(format!("{name} was accepted: {answer}"));
            } else {
                return Err(format!("{name} was not answered with a structured error: {answer}"));
            }
        } else if answer["success"].is_boolean() {
            "i: answered"
        } else {
            return Err(format!("{name} got no answer: {answer}"));
        };
        *counts.entry(outcome).or_default() += 1;
    }
    call(handle, window, "after the corpus", "host.services.fixture.add(2, 2)")
        .await?
        .expect_data(json!(4))?;
    println!("      JSONTestSuite through the WebView: {counts:?}; {not_utf8} files not UTF-8 cannot be posted");
    Ok(())
}

/// `value` with every number as a float, as a page holds it.
fn by_value(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(by_value).collect()),
        Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), by_value(v))).collect()),
        other => other.clone(),
    }
}

fn expect_eq(what: &str, actual: &Value, expected: &Value) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected}, got {actual}"))
    }
}
