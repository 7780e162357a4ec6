//! The host runtime across several real windows. Each scenario acts once and checks exactly what each window and the
//! Rust side saw. "Did not arrive" is checked deterministically: after the push under test, a marker is sent to the same
//! window, and messages to one window arrive in order, so once the marker is there, anything sent before it would be.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use futures::StreamExt as _;
use ipc_core::{ipc_service, CallContext, Error, Service, WindowEventKind, WindowId};
use ipc_wry::AppHandle;
use serde_json::{json, Value};

use crate::{assets, attacks, bulk, call, eval, json, Scenario, Windows, PATIENCE};

/// How many calls reached `probe.touch` (and `probe.slow_touch` past its sleep).
pub static TOUCHES: AtomicUsize = AtomicUsize::new(0);

/// The origin of every call that reached `probe.origin`, as the handler saw it.
pub static ORIGINS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A service that counts the calls reaching it.
#[ipc_service]
pub trait Probe {
    /// Counts one call.
    fn touch(&self) -> usize;
    /// Sleeps, then counts one call: a cancelled call never counts.
    async fn slow_touch(&self, millis: u64) -> usize;
    /// Records the caller's origin.
    fn origin(&self, ctx: CallContext);
    /// The length of `data`, the sum of its bytes, and its first and last byte.
    fn measure(&self, data: ipc_core::Binary) -> (usize, u64, Option<u8>, Option<u8>);
    /// `data` back, reversed.
    fn reverse(&self, data: ipc_core::Binary) -> ipc_core::Binary;
    /// Pushes `{k}` on `e2e.order.call` to the calling window, then answers `k`.
    fn ordered(&self, k: u32, ctx: CallContext) -> u32;
    /// Items 0 to `count - 1`, each pushed on `e2e.order.stream` just before it is yielded.
    fn ordered_stream(&self, count: u32, ctx: CallContext) -> impl ipc_core::Stream<Item = u32> + Send;
}

struct Counting;

impl Probe for Counting {
    fn touch(&self) -> usize {
        TOUCHES.fetch_add(1, Ordering::SeqCst) + 1
    }

    async fn slow_touch(&self, millis: u64) -> usize {
        tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        self.touch()
    }

    fn origin(&self, ctx: CallContext) {
        ORIGINS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ctx.origin().to_owned());
    }

    fn measure(&self, data: ipc_core::Binary) -> (usize, u64, Option<u8>, Option<u8>) {
        let sum = data.iter().map(|&b| u64::from(b)).sum();
        (data.len(), sum, data.first().copied(), data.last().copied())
    }

    fn ordered(&self, k: u32, ctx: CallContext) -> u32 {
        if let Err(err) = ctx.hub().send_to_window(ctx.window(), "e2e.order.call", &k) {
            eprintln!("ordered({k}): the push was refused: {err}");
        }
        k
    }

    fn ordered_stream(&self, count: u32, ctx: CallContext) -> impl ipc_core::Stream<Item = u32> + Send {
        futures::stream::iter(0..count).map(move |k| {
            if let Err(err) = ctx.hub().send_to_window(ctx.window(), "e2e.order.stream", &k) {
                eprintln!("ordered_stream({k}): the push was refused: {err}");
            }
            k
        })
    }

    fn reverse(&self, data: ipc_core::Binary) -> ipc_core::Binary {
        let mut bytes = Vec::from(data);
        bytes.reverse();
        ipc_core::Binary::from(bytes)
    }
}

pub fn probe_service() -> impl Service {
    Counting.into_service()
}

pub fn all() -> Vec<(&'static str, Scenario)> {
    vec![
        ("a_broadcast_reaches_exactly_its_targets", |h, w| {
            Box::pin(broadcast(h, w))
        }),
        ("a_per_window_send_reaches_exactly_one_window", |h, w| {
            Box::pin(per_window_send(h, w))
        }),
        ("a_forbidden_call_never_reaches_the_handler", |h, w| {
            Box::pin(forbidden_call(h, w))
        }),
        ("a_window_receives_only_the_pushes_it_may", |h, w| {
            Box::pin(forbidden_push(h, w))
        }),
        ("a_page_message_reaches_rust_with_its_window", |h, w| {
            Box::pin(page_message(h, w))
        }),
        ("once_and_off_stop_page_listeners", |h, w| Box::pin(once_and_off(h, w))),
        ("a_resize_reaches_rust_and_the_page", |h, w| Box::pin(resize(h, w))),
        ("focus_and_blur_reach_rust_and_the_page", |h, w| {
            Box::pin(focus_and_blur(h, w))
        }),
        ("a_closed_window_is_gone_and_sends_to_it_fail", |h, w| {
            Box::pin(closed_window(h, w))
        }),
        ("a_late_answer_never_reaches_the_reloaded_page", |h, w| {
            Box::pin(reload(h, w))
        }),
        ("an_aborted_call_is_cancelled_in_the_page_and_the_host", |h, w| {
            Box::pin(abort(h, w))
        }),
        ("a_page_of_another_origin_cannot_call", |h, w| {
            Box::pin(other_origin(h, w))
        }),
        ("frames_of_any_origin_cannot_speak_for_the_window", |h, w| {
            Box::pin(attacks::frames_cannot_speak_for_the_window(h, w))
        }),
        (
            "an_allowed_frame_speaks_with_its_own_origin_and_capabilities",
            |h, w| {
                Box::pin(attacks::an_allowed_frame_speaks_with_its_own_origin_and_capabilities(
                    h, w,
                ))
            },
        ),
        ("a_reload_drops_the_old_page_s_calls_and_their_answers", |h, w| {
            Box::pin(attacks::a_reload_drops_the_old_page_s_calls(h, w))
        }),
        (
            "pages_going_away_and_foreign_pages_get_nothing_meant_for_the_app",
            |h, w| Box::pin(attacks::pages_going_away_and_foreign_pages(h, w)),
        ),
        ("a_call_flood_is_bounded_and_every_call_settles_once", |h, w| {
            Box::pin(attacks::a_call_flood_is_bounded_and_every_call_settles_once(h, w))
        }),
        ("a_push_flood_waits_for_room_and_arrives_whole_in_order", |h, w| {
            Box::pin(attacks::a_push_flood_waits_for_room_and_arrives_whole_in_order(h, w))
        }),
        ("the_json_test_suite_through_the_webview", |h, w| {
            Box::pin(attacks::the_json_test_suite_through_the_webview(h, w))
        }),
        ("large_calls_travel_by_fetch_and_answer_like_small_ones", |h, w| {
            Box::pin(bulk::large_calls_travel_by_fetch_and_answer_like_small_ones(h, w))
        }),
        ("a_large_request_fails_as_it_would_by_script", |h, w| {
            Box::pin(bulk::a_large_request_fails_as_it_would_by_script(h, w))
        }),
        ("pushes_of_both_paths_arrive_in_order", |h, w| {
            Box::pin(bulk::pushes_of_both_paths_arrive_in_order(h, w))
        }),
        ("page_messages_of_both_paths_reach_rust_in_order", |h, w| {
            Box::pin(bulk::page_messages_of_both_paths_reach_rust_in_order(h, w))
        }),
        ("forged_posts_and_guessed_pulls_get_nothing", |h, w| {
            Box::pin(bulk::forged_posts_and_guessed_pulls_get_nothing(h, w))
        }),
        ("binary_pushes_arrive_as_uint8arrays", |h, w| {
            Box::pin(bulk::binary_pushes_arrive_as_uint8arrays(h, w))
        }),
        ("confirmed_uploads_keep_the_page_s_order", |h, w| {
            Box::pin(bulk::confirmed_uploads_keep_the_page_s_order(h, w))
        }),
        ("binary_arguments_reach_rust_whole", |h, w| {
            Box::pin(bulk::binary_arguments_reach_rust_whole(h, w))
        }),
        ("a_binary_answer_comes_back_as_a_uint8array", |h, w| {
            Box::pin(bulk::a_binary_answer_comes_back_as_a_uint8array(h, w))
        }),
        ("answers_and_pushes_from_many_tasks_arrive_in_order", |h, w| {
            Box::pin(bulk::answers_and_pushes_from_many_tasks_arrive_in_order(h, w))
        }),
        (
            "a_built_front_end_is_served_with_its_files_routes_and_policy",
            |h, w| {
                Box::pin(assets::a_built_front_end_is_served_with_its_files_routes_and_policy(
                    h, w,
                ))
            },
        ),
    ]
}

/// The payloads `window` has received on `channel` (after `__listen(channel)`).
async fn received(handle: &AppHandle, window: WindowId, channel: &str) -> Result<Value, String> {
    let text = eval(handle, window, &format!("__received({})", json(channel))).await?;
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

/// Waits until `window` has received `count` payloads on `channel`; returns them.
async fn wait_received(handle: &AppHandle, window: WindowId, channel: &str, count: usize) -> Result<Value, String> {
    let condition = format!("__received({0}).length >= {count} && __received({0})", json(channel));
    let text = handle
        .wait_for(window, &condition, PATIENCE)
        .await
        .map_err(|e| format!("{window} never received {count} on `{channel}`: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

async fn listen(handle: &AppHandle, windows: &[WindowId], channels: &[&str]) -> Result<(), String> {
    for window in windows {
        for channel in channels {
            eval(handle, *window, &format!("__listen({})", json(channel))).await?;
        }
    }
    Ok(())
}

/// Sends a marker to `window` and waits for it: everything sent to the window before has arrived by then.
async fn flush(handle: &AppHandle, window: WindowId, marker: &str) -> Result<(), String> {
    eval(handle, window, &format!("__listen({})", json(marker))).await?;
    handle
        .hub()
        .send_to_window(window, marker, &true)
        .map_err(|e| e.to_string())?;
    wait_received(handle, window, marker, 1).await.map(drop)
}

fn expect(what: &str, actual: &Value, expected: &Value) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected}, got {actual}"))
    }
}

async fn broadcast(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    listen(handle, &[w.main, w.peer, w.viewer], &["e2e.broadcast"]).await?;
    let delivered = handle
        .hub()
        .broadcast(&[w.main, w.peer], "e2e.broadcast", &json!({"n": 1}))
        .map_err(|e| e.to_string())?;
    if delivered != 2 {
        return Err(format!("broadcast reported {delivered} deliveries, expected 2"));
    }
    expect(
        "main",
        &wait_received(handle, w.main, "e2e.broadcast", 1).await?,
        &json!([{"n": 1}]),
    )?;
    expect(
        "peer",
        &wait_received(handle, w.peer, "e2e.broadcast", 1).await?,
        &json!([{"n": 1}]),
    )?;
    flush(handle, w.viewer, "e2e.broadcast.marker").await?;
    expect(
        "viewer (not a target)",
        &received(handle, w.viewer, "e2e.broadcast").await?,
        &json!([]),
    )
}

async fn per_window_send(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    listen(handle, &[w.main, w.peer, w.viewer], &["e2e.direct"]).await?;
    handle
        .hub()
        .send_to_window(w.peer, "e2e.direct", &"for peer")
        .map_err(|e| e.to_string())?;
    expect(
        "peer",
        &wait_received(handle, w.peer, "e2e.direct", 1).await?,
        &json!(["for peer"]),
    )?;
    for other in [w.main, w.viewer] {
        flush(handle, other, "e2e.direct.marker").await?;
        expect(
            &other.to_string(),
            &received(handle, other, "e2e.direct").await?,
            &json!([]),
        )?;
    }
    Ok(())
}

async fn forbidden_call(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let before = TOUCHES.load(Ordering::SeqCst);
    let outcome = call(handle, w.viewer, "forbidden touch", "host.services.probe.touch()").await?;
    let message = format!("{} may not call `probe.touch`", w.viewer);
    outcome.expect_error(7008, "FORBIDDEN", &message)?;
    if TOUCHES.load(Ordering::SeqCst) != before {
        return Err("the forbidden call reached the handler".to_owned());
    }
    let allowed = call(handle, w.main, "allowed touch", "host.services.probe.touch()").await?;
    allowed.expect_data(json!(before + 1))
}

async fn forbidden_push(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    listen(handle, &[w.main, w.viewer], &["secret.note"]).await?;
    let hub = handle.hub();
    match hub.send_to_window(w.viewer, "secret.note", &"psst") {
        Err(Error::Forbidden { window, channel }) if window == w.viewer && channel == "secret.note" => {}
        other => return Err(format!("a direct send of a denied channel gave {other:?}")),
    }
    hub.broadcast_all("secret.note", &"psst").map_err(|e| e.to_string())?;
    expect(
        "main",
        &wait_received(handle, w.main, "secret.note", 1).await?,
        &json!(["psst"]),
    )?;
    flush(handle, w.viewer, "e2e.secret.marker").await?;
    expect("viewer", &received(handle, w.viewer, "secret.note").await?, &json!([]))
}

async fn page_message(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let mut hello = handle.hub().channel_events("e2e.hello");
    eval(handle, w.peer, r#"host.send("e2e.hello", {from: "peer", n: 2}); true"#).await?;
    let event = tokio::time::timeout(PATIENCE, hello.recv())
        .await
        .map_err(|_| "no event reached Rust".to_owned())?
        .ok_or("the stream ended")?;
    if event.window() != w.peer {
        return Err(format!("the event came from {}, expected {}", event.window(), w.peer));
    }
    let payload: Value = event.payload().map_err(|e| e.to_string())?;
    expect("payload", &payload, &json!({"from": "peer", "n": 2}))
}

async fn once_and_off(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let setup = r#"
        window.__onceCount = 0; window.__offCount = 0; window.__onCount = 0;
        host.once("e2e.tick", () => { window.__onceCount += 1; });
        const counted = () => { window.__offCount += 1; };
        host.on("e2e.tick", counted);
        host.off("e2e.tick", counted);
        const unsubscribe = host.on("e2e.tick", () => { window.__onCount += 1; });
        window.__unsubscribe = unsubscribe;
        true"#;
    eval(handle, w.main, setup).await?;
    let hub = handle.hub();
    hub.send_to_window(w.main, "e2e.tick", &1).map_err(|e| e.to_string())?;
    hub.send_to_window(w.main, "e2e.tick", &2).map_err(|e| e.to_string())?;
    handle
        .wait_for(w.main, "window.__onCount === 2", PATIENCE)
        .await
        .map_err(|e| e.to_string())?;
    eval(handle, w.main, "window.__unsubscribe(); true").await?;
    hub.send_to_window(w.main, "e2e.tick", &3).map_err(|e| e.to_string())?;
    flush(handle, w.main, "e2e.tick.marker").await?;
    let counts = eval(
        handle,
        w.main,
        "[window.__onceCount, window.__offCount, window.__onCount]",
    )
    .await?;
    expect(
        "[once, off, on] counts",
        &serde_json::from_str(&counts).map_err(|e| e.to_string())?,
        &json!([1, 0, 2]),
    )
}

async fn resize(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    listen(handle, &[w.peer], &["window:resize"]).await?;
    let mut events = handle.hub().window_events_for(w.peer);
    handle
        .with_window(w.peer, |window| {
            window.set_inner_size(tao::dpi::LogicalSize::new(520, 360))
        })
        .map_err(|e| e.to_string())?;
    let wanted = WindowEventKind::Resize {
        width: 520,
        height: 360,
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| format!("Rust never saw {wanted:?}"))?
            .ok_or("the stream ended")?;
        if event.kind() == Some(wanted) {
            break;
        }
    }
    let condition = r#"__received("window:resize").some((s) => s.width === 520 && s.height === 360)"#;
    handle
        .wait_for(w.peer, condition, PATIENCE)
        .await
        .map(drop)
        .map_err(|e| format!("the page never saw the resize: {e}"))
}

/// Waits for `wanted` from `window` on `events`, skipping other events.
async fn wait_event(
    events: &mut ipc_core::EventStream,
    window: WindowId,
    wanted: WindowEventKind,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| format!("Rust never saw {wanted:?} from {window}"))?
            .ok_or("the stream ended")?;
        if event.window() == window && event.kind() == Some(wanted) {
            return Ok(());
        }
    }
}

async fn focus_and_blur(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    listen(handle, &[w.main, w.peer], &["window:focus", "window:blur"]).await?;
    let mut events = handle.hub().window_events();
    handle
        .with_window(w.peer, |window| window.set_focus())
        .map_err(|e| e.to_string())?;
    wait_event(&mut events, w.peer, WindowEventKind::Focus).await?;
    handle
        .with_window(w.main, |window| window.set_focus())
        .map_err(|e| e.to_string())?;
    wait_event(&mut events, w.peer, WindowEventKind::Blur).await?;
    wait_event(&mut events, w.main, WindowEventKind::Focus).await?;
    wait_received(handle, w.peer, "window:focus", 1).await?;
    wait_received(handle, w.peer, "window:blur", 1).await?;
    wait_received(handle, w.main, "window:focus", 1).await.map(drop)
}

async fn closed_window(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let mut events = handle.hub().window_events_for(w.doomed);
    handle.close_window(w.doomed).map_err(|e| e.to_string())?;
    wait_event(&mut events, w.doomed, WindowEventKind::Close).await?;
    if handle.hub().has_window(w.doomed) {
        return Err("the closed window is still attached".to_owned());
    }
    match handle.hub().send_to_window(w.doomed, "e2e.direct", &1) {
        Err(Error::WindowNotFound(window)) if window == w.doomed => Ok(()),
        other => Err(format!("sending to the closed window gave {other:?}")),
    }
}

async fn reload(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    // The page's first call has id 1; the reloaded page's first call has id 1 too. The old call answers first.
    let script =
        r#"window.__oldPage = true; host.services.fixture.echoLater("old page", 700); location.reload(); true"#;
    eval(handle, w.wanderer, script).await?;
    handle
        .wait_for(
            w.wanderer,
            "window.__oldPage === undefined && window.__call !== undefined",
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never reloaded: {e}"))?;
    let outcome = call(
        handle,
        w.wanderer,
        "after reload",
        r#"host.services.fixture.echoLater("new page", 1500)"#,
    )
    .await?;
    outcome.expect_data(json!("new page"))
}

async fn abort(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    let before = TOUCHES.load(Ordering::SeqCst);
    let started = r#"(() => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        return host.services.probe.slowTouch(400, { signal: controller.signal });
    })()"#;
    let outcome = call(handle, w.main, "aborted slow touch", started).await?;
    outcome.expect_error(7013, "CANCELLED", "`probe.slow_touch` was cancelled")?;
    // Long enough for the handler to have finished had it not been dropped.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    if TOUCHES.load(Ordering::SeqCst) != before {
        return Err("the cancelled handler ran to the end".to_owned());
    }
    Ok(())
}

async fn other_origin(handle: &AppHandle, w: &Windows) -> Result<(), String> {
    eval(handle, w.wanderer, r#"location.href = "app://evil.example/"; true"#).await?;
    handle
        .wait_for(
            w.wanderer,
            r#"location.host === "evil.example" && window.__call !== undefined"#,
            PATIENCE,
        )
        .await
        .map_err(|e| format!("the page never moved to the other origin: {e}"))?;
    let before = TOUCHES.load(Ordering::SeqCst);
    let outcome = call(handle, w.wanderer, "remote touch", "host.services.probe.touch()").await?;
    let message = format!(
        "pages of origin `app://evil.example` may not use `probe.touch` in {}",
        w.wanderer
    );
    outcome.expect_error(7008, "FORBIDDEN", &message)?;
    if TOUCHES.load(Ordering::SeqCst) != before {
        return Err("the call from another origin reached the handler".to_owned());
    }
    Ok(())
}
