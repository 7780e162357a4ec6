//! The Rust side of the host runtime, in-process: sends and broadcasts reach exactly their targets, events reach
//! subscribers, capabilities and origins are enforced, and answers never reach a page that did not ask.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Capabilities, Error, Hub, WindowConfig, WindowEventKind};
use serde_json::{json, Value};

/// Counts the calls that reach it.
#[ipc_service]
trait Counter {
    fn bump(&self) -> usize;
    async fn slow(&self, millis: u64) -> String;
    /// Sleeps, then counts: a cancelled call never counts.
    async fn slow_bump(&self, millis: u64) -> usize;
}

#[derive(Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl Counter for Counting {
    fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    async fn slow(&self, millis: u64) -> String {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        format!("slept {millis}")
    }
    async fn slow_bump(&self, millis: u64) -> usize {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.bump()
    }
}

fn hub_with(counter: &Counting) -> Hub {
    Hub::builder().service(counter.clone().into_service()).build().unwrap()
}

fn config(capabilities: Capabilities) -> WindowConfig {
    WindowConfig::new(TestClient::DEFAULT_ORIGIN).capabilities(capabilities)
}

/// The next message a window receives within 100 ms, parsed.
async fn next(page: &mut TestClient) -> Option<Value> {
    let message = tokio::time::timeout(Duration::from_millis(100), page.next_message())
        .await
        .ok()??;
    Some(serde_json::from_str(&message).unwrap())
}

#[tokio::test]
async fn a_per_window_send_reaches_exactly_that_window() {
    let hub = hub_with(&Counting::default());
    let mut target = TestClient::new(&hub);
    let mut other = TestClient::new(&hub);
    hub.send_to_window(target.window(), "news.flash", &json!({"title": "hi"}))
        .unwrap();
    assert_eq!(
        next(&mut target).await,
        Some(json!({"type": "event", "channel": "news.flash", "payload": {"title": "hi"}}))
    );
    assert_eq!(next(&mut other).await, None);
}

#[tokio::test]
async fn sending_to_an_unknown_or_closed_window_is_window_not_found() {
    let hub = hub_with(&Counting::default());
    let page = TestClient::new(&hub);
    let window = page.window();
    drop(page);
    let err = hub.send_to_window(window, "news.flash", &1).unwrap_err();
    assert!(matches!(err, Error::WindowNotFound(w) if w == window), "{err}");
    assert_eq!(err.code().map(|c| c.code()), Some(7002));
}

#[tokio::test]
async fn a_broadcast_reaches_exactly_its_targets() {
    let hub = hub_with(&Counting::default());
    let mut a = TestClient::new(&hub);
    let mut b = TestClient::new(&hub);
    let mut c = TestClient::new(&hub);
    let delivered = hub
        .broadcast(&[a.window(), b.window()], "todos.changed", &[1, 2])
        .unwrap();
    assert_eq!(delivered, 2);
    let expected = json!({"type": "event", "channel": "todos.changed", "payload": [1, 2]});
    assert_eq!(next(&mut a).await, Some(expected.clone()));
    assert_eq!(next(&mut b).await, Some(expected));
    assert_eq!(next(&mut c).await, None);
}

#[tokio::test]
async fn broadcast_all_skips_windows_that_may_not_receive_the_channel() {
    let hub = hub_with(&Counting::default());
    let mut open = TestClient::new(&hub);
    let mut closed_to_news = TestClient::with_config(
        &hub,
        config(Capabilities::allow_all().deny("news.*")),
        "app://localhost",
    );
    assert_eq!(hub.broadcast_all("news.flash", &"x").unwrap(), 1);
    assert!(next(&mut open).await.is_some());
    assert_eq!(next(&mut closed_to_news).await, None);
    let err = hub
        .send_to_window(closed_to_news.window(), "news.flash", &"x")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} may not receive `news.flash`", closed_to_news.window())
    );
}

#[tokio::test]
async fn a_payload_javascript_would_round_is_refused_before_sending() {
    let hub = hub_with(&Counting::default());
    let mut page = TestClient::new(&hub);
    let err = hub.broadcast_all("ids.new", &u64::MAX).unwrap_err();
    assert!(matches!(err, Error::Serialization(_)), "{err}");
    assert!(err.to_string().contains("18446744073709551615"), "{err}");
    assert_eq!(next(&mut page).await, None);
}

#[tokio::test]
async fn a_forbidden_call_never_reaches_the_handler() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let mut page = TestClient::with_config(
        &hub,
        config(Capabilities::allow_all().deny("counter.bump")),
        TestClient::DEFAULT_ORIGIN,
    );
    let answer: Value = serde_json::from_str(&page.invoke("counter.bump", "{}").await).unwrap();
    assert_eq!(answer["error"]["code"], 7008);
    assert_eq!(answer["error"]["kind"], "FORBIDDEN");
    assert_eq!(
        answer["error"]["message"],
        format!("{} may not call `counter.bump`", page.window())
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_forbidden_unknown_channel_does_not_reveal_that_it_is_unknown() {
    let hub = hub_with(&Counting::default());
    let mut page = TestClient::with_config(
        &hub,
        config(Capabilities::deny_all().allow("counter.*")),
        "app://localhost",
    );
    let answer: Value = serde_json::from_str(&page.invoke("admin.reset", "{}").await).unwrap();
    assert_eq!(answer["error"]["kind"], "FORBIDDEN");
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_call() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let mut remote = TestClient::with_config(
        &hub,
        WindowConfig::new(TestClient::DEFAULT_ORIGIN),
        "https://evil.example",
    );
    let answer: Value = serde_json::from_str(&remote.invoke("counter.bump", "{}").await).unwrap();
    assert_eq!(answer["error"]["kind"], "FORBIDDEN");
    assert_eq!(
        answer["error"]["message"],
        format!(
            "pages of origin `https://evil.example` may not use `counter.bump` in {}",
            remote.window()
        )
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);

    let allowed = config(Capabilities::allow_all().allow_origin("https://evil.example"));
    let mut trusted = TestClient::with_config(&hub, allowed, "https://evil.example");
    let answer: Value = serde_json::from_str(&trusted.invoke("counter.bump", "{}").await).unwrap();
    assert_eq!(answer["data"], 1);
}

#[tokio::test]
async fn a_page_message_reaches_channel_subscribers_with_its_window() {
    let hub = hub_with(&Counting::default());
    let mut typing = hub.channel_events("editor.typing");
    let mut everything = hub.events();
    let page = TestClient::new(&hub);
    page.send("editor.typing", r#"{"active": true}"#);
    let event = tokio::time::timeout(Duration::from_secs(1), typing.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.window(), page.window());
    assert_eq!(event.channel(), "editor.typing");
    assert_eq!(event.payload::<Value>().unwrap(), json!({"active": true}));
    assert_eq!(event.kind(), None);
    assert_eq!(everything.recv().await.unwrap().channel(), "editor.typing");
}

#[tokio::test]
async fn a_forbidden_page_message_is_dropped() {
    let hub = hub_with(&Counting::default());
    let mut typing = hub.channel_events("editor.typing");
    let page = TestClient::with_config(
        &hub,
        config(Capabilities::allow_all().deny("editor.*")),
        "app://localhost",
    );
    page.send("editor.typing", "1");
    page.send("editor.saved", "2");
    assert!(tokio::time::timeout(Duration::from_millis(100), typing.recv())
        .await
        .is_err());
}

#[tokio::test]
async fn callbacks_run_until_unsubscribed_or_dropped() {
    let hub = hub_with(&Counting::default());
    let page = TestClient::new(&hub);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tx2 = tx.clone();
    let on_channel = hub.on_channel("chat.line", move |event| {
        drop(tx.send(format!("channel {}", event.payload_json())))
    });
    let on_event = hub.on_event(move |event| drop(tx2.send(format!("event {}", event.channel()))));
    page.send("chat.line", "1");
    let mut seen = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
    seen.sort();
    assert_eq!(seen, ["channel 1", "event chat.line"]);

    on_channel.unsubscribe();
    drop(on_event);
    page.send("chat.line", "2");
    // Either nothing arrives, or the channel is closed because both callbacks (and their senders) were dropped.
    let after = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await;
    assert!(
        !matches!(after, Ok(Some(_))),
        "a callback ran after unsubscribing: {after:?}"
    );
}

#[tokio::test]
async fn window_events_reach_subscribers_and_the_window_s_own_page() {
    let hub = hub_with(&Counting::default());
    let mut page = TestClient::new(&hub);
    let mut other = TestClient::new(&hub);
    let mut all = hub.window_events();
    let mut mine = hub.window_events_for(page.window());
    let mut resizes = hub.channel_events("window:resize");

    other.link().window_event(WindowEventKind::Focus);
    page.link().window_event(WindowEventKind::Resize {
        width: 640,
        height: 480,
    });

    assert_eq!(all.recv().await.unwrap().kind(), Some(WindowEventKind::Focus));
    let resize = mine.recv().await.unwrap();
    assert_eq!(
        resize.kind(),
        Some(WindowEventKind::Resize {
            width: 640,
            height: 480
        })
    );
    assert_eq!(resize.window(), page.window());
    assert_eq!(
        resizes.recv().await.unwrap().payload_json(),
        r#"{"width":640,"height":480}"#
    );
    assert_eq!(
        next(&mut page).await,
        Some(json!({"type": "event", "channel": "window:resize", "payload": {"width": 640, "height": 480}}))
    );
    assert_eq!(
        next(&mut other).await,
        Some(json!({"type": "event", "channel": "window:focus", "payload": {}}))
    );
}

#[tokio::test]
async fn recv_window_event_ends_with_none_after_shutdown() {
    let hub = hub_with(&Counting::default());
    let page = TestClient::new(&hub);
    let first = {
        let hub = hub.clone();
        tokio::spawn(async move { hub.recv_window_event().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    page.link().close();
    assert_eq!(first.await.unwrap().unwrap().kind(), Some(WindowEventKind::Close));
    hub.shutdown();
    assert!(hub.recv_window_event().await.is_none());
    assert!(
        hub.window_events().recv().await.is_none(),
        "a stream made after shutdown is closed"
    );
}

#[tokio::test]
async fn an_answer_for_a_replaced_page_is_dropped() {
    let hub = hub_with(&Counting::default());
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"counter.slow","args":{"millis":100}}"#);
    tokio::time::sleep(Duration::from_millis(20)).await;
    page.navigate(TestClient::DEFAULT_ORIGIN);
    // The new page reuses id 1; it must get its own answer, not the old page's.
    let answer: Value = serde_json::from_str(
        &page
            .request(r#"{"type":"invoke","id":1,"channel":"counter.slow","args":{"millis":300}}"#)
            .await,
    )
    .unwrap();
    assert_eq!(answer["data"], "slept 300");
}

#[tokio::test]
async fn a_request_larger_than_the_limit_is_refused_unread_under_its_id() {
    let counter = Counting::default();
    let hub = Hub::builder()
        .service(counter.clone().into_service())
        .max_request_size(64)
        .build()
        .unwrap();
    let mut page = TestClient::new(&hub);
    let padding = "x".repeat(64);
    let request = format!(r#"{{"type":"invoke","id":1,"channel":"counter.bump","args":{{}},"pad":"{padding}"}}"#);
    let answer: Value = serde_json::from_str(&page.request(&request).await).unwrap();
    assert_eq!(
        answer["id"], 1,
        "the id is read from the start of the request, where the runtime writes it"
    );
    assert_eq!(answer["error"]["kind"], "PAYLOAD_TOO_LARGE");
    let posted = page.secret().len() + 1 + request.len();
    assert_eq!(
        answer["error"]["message"],
        format!("the request is {posted} bytes, more than the 64 the host accepts")
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_cancelled_call_stops_at_its_next_await_and_is_not_answered() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let mut page = TestClient::new(&hub);
    page.post(r#"{"type":"invoke","id":1,"channel":"counter.slow_bump","args":{"millis":100}}"#);
    tokio::time::sleep(Duration::from_millis(20)).await;
    page.post(r#"{"type":"cancel","id":1}"#);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(counter.0.load(Ordering::SeqCst), 0, "the handler ran past its await");
    assert_eq!(next(&mut page).await, None, "a cancelled call was answered");
    // The next call of the page is not affected.
    let answer: Value = serde_json::from_str(&page.invoke("counter.bump", "{}").await).unwrap();
    assert_eq!(answer["data"], 1);
}

#[tokio::test]
async fn cancels_for_ids_not_in_flight_leave_nothing_behind() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let mut page = TestClient::new(&hub);
    // A page reads in order, so a cancel can no longer overtake its call: one for an id not in flight is forgotten.
    for id in 0..100_000 {
        page.post(&format!(r#"{{"type":"cancel","id":{id}}}"#));
    }
    let answer: Value = serde_json::from_str(
        &page
            .request(r#"{"type":"invoke","id":5,"channel":"counter.slow_bump","args":{"millis":10}}"#)
            .await,
    )
    .unwrap();
    assert_eq!(answer["id"], 5);
    assert_eq!(answer["data"], 1, "the call with a previously cancelled id ran");
    assert_eq!(hub.calls_in_flight(page.window()), 0);
}

#[tokio::test]
async fn a_cancel_of_another_window_s_call_does_nothing() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let mut caller = TestClient::new(&hub);
    let other = TestClient::new(&hub);
    caller.post(r#"{"type":"invoke","id":1,"channel":"counter.slow_bump","args":{"millis":50}}"#);
    other.post(r#"{"type":"cancel","id":1}"#);
    let answer: Value = serde_json::from_str(&caller.next_message().await.unwrap()).unwrap();
    assert_eq!(answer["data"], 1);
}

#[tokio::test]
async fn capabilities_judge_a_long_channel_by_its_whole_name() {
    let hub = hub_with(&Counting::default());
    let long = format!("counter.{}", "l".repeat(80));
    let mut denied = TestClient::with_config(
        &hub,
        config(Capabilities::allow_all().deny(&long)),
        TestClient::DEFAULT_ORIGIN,
    );
    let answer: Value = serde_json::from_str(&denied.invoke(&long, "{}").await).unwrap();
    assert_eq!(answer["error"]["kind"], "FORBIDDEN", "an exact deny holds: {answer}");
    let mut allowed = TestClient::with_config(
        &hub,
        config(Capabilities::deny_all().allow(&long)),
        TestClient::DEFAULT_ORIGIN,
    );
    let answer: Value = serde_json::from_str(&allowed.invoke(&long, "{}").await).unwrap();
    assert_eq!(
        answer["error"]["kind"], "UNKNOWN_CHANNEL",
        "an exact allow holds: {answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.len() < 120, "the name is quoted short: {message}");
}

/// A frame message as the page's runtime relays it.
fn from_frame(frame: u32, origin: &str, envelope: &str) -> String {
    json!({"type": "frame", "frame": frame, "origin": origin, "envelope": envelope}).to_string()
}

#[tokio::test]
async fn an_allowed_frame_calls_with_its_own_capabilities_and_origin() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let config = config(Capabilities::allow_all())
        .allow_frames("https://widget.example", Capabilities::deny_all().allow("counter.bump"));
    let mut page = TestClient::with_config(&hub, config, TestClient::DEFAULT_ORIGIN);
    let bump = r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#;
    let answer: Value =
        serde_json::from_str(&page.request(&from_frame(3, "https://widget.example", bump)).await).unwrap();
    assert_eq!(
        answer,
        json!({"type": "frame", "frame": 3, "message": {"type": "answer", "id": 1, "success": true, "data": 1, "error": null}})
    );
    let slow = r#"{"type":"invoke","id":2,"channel":"counter.slow_bump","args":{"millis":1}}"#;
    let answer: Value =
        serde_json::from_str(&page.request(&from_frame(3, "https://widget.example", slow)).await).unwrap();
    assert_eq!(
        answer["message"]["error"]["kind"], "FORBIDDEN",
        "the frame's own capabilities: {answer}"
    );
    // The page itself keeps the window's capabilities.
    let answer: Value = serde_json::from_str(&page.invoke("counter.slow_bump", r#"{"millis":1}"#).await).unwrap();
    assert_eq!(answer["data"], 2);
}

#[tokio::test]
async fn frames_of_other_origins_or_of_windows_without_frame_rules_are_refused() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let bump = r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#;
    let allowing = config(Capabilities::allow_all()).allow_frames("https://widget.example", Capabilities::allow_all());
    let mut page = TestClient::with_config(&hub, allowing, TestClient::DEFAULT_ORIGIN);
    let answer: Value =
        serde_json::from_str(&page.request(&from_frame(1, "https://evil.example", bump)).await).unwrap();
    assert_eq!(
        answer["message"]["error"]["message"],
        format!(
            "frames of origin `https://evil.example` may not use `counter.bump` in {}",
            page.window()
        )
    );
    let mut plain = TestClient::new(&hub);
    let answer: Value = serde_json::from_str(&plain.request(&from_frame(1, "null", bump)).await).unwrap();
    assert_eq!(answer["message"]["error"]["kind"], "FORBIDDEN");
    assert_eq!(counter.0.load(Ordering::SeqCst), 0, "no frame call reached the handler");
}

#[tokio::test]
async fn a_foreign_page_cannot_vouch_for_a_frame() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let allowing = config(Capabilities::allow_all()).allow_frames("https://widget.example", Capabilities::allow_all());
    let mut foreign = TestClient::with_config(&hub, allowing, "https://evil.example");
    foreign.post(&from_frame(
        1,
        "https://widget.example",
        r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#,
    ));
    assert_eq!(next(&mut foreign).await, None);
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_frame_can_neither_relay_nor_say_hello() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let allowing = config(Capabilities::allow_all()).allow_frames("https://widget.example", Capabilities::allow_all());
    let mut page = TestClient::with_config(&hub, allowing, TestClient::DEFAULT_ORIGIN);
    let nested = from_frame(
        2,
        "https://widget.example",
        r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#,
    );
    for envelope in [
        nested.as_str(),
        r#"{"type":"hello","nonce":"n","origin":"https://widget.example"}"#,
    ] {
        let answer: Value =
            serde_json::from_str(&page.request(&from_frame(1, "https://widget.example", envelope)).await).unwrap();
        assert_eq!(answer["message"]["id"], Value::Null, "{answer}");
        assert_eq!(
            answer["message"]["error"]["message"],
            "a frame sends only invoke, send, cancel, credit, chunk and end"
        );
    }
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_page_speaks_for_at_most_64_frames() {
    let counter = Counting::default();
    let hub = hub_with(&counter);
    let allowing = config(Capabilities::allow_all()).allow_frames("https://widget.example", Capabilities::allow_all());
    let mut page = TestClient::with_config(&hub, allowing, TestClient::DEFAULT_ORIGIN);
    let bump = r#"{"type":"invoke","id":1,"channel":"counter.bump"}"#;
    for frame in 1..=64 {
        let answer: Value =
            serde_json::from_str(&page.request(&from_frame(frame, "https://widget.example", bump)).await).unwrap();
        assert_eq!(answer["frame"], frame);
    }
    page.post(&from_frame(65, "https://widget.example", bump));
    assert_eq!(next(&mut page).await, None, "the 65th frame is refused unanswered");
    assert_eq!(counter.0.load(Ordering::SeqCst), 64);
}

/// Posts `messages` (calls of `counter.bump` with ids 1 to 100) to a window whose pending limit is 256 bytes, without
/// yielding, so its reader cannot keep up; asserts that every call was answered exactly once and no BUSY one reached
/// the handler. Returns how many were BUSY.
async fn flood_the_pending_limit(messages: impl IntoIterator<Item = String>) -> usize {
    let counter = Counting::default();
    let hub = Hub::builder()
        .service(counter.clone().into_service())
        .max_pending_requests(256)
        .build()
        .unwrap();
    let mut page = TestClient::new(&hub);
    for message in messages {
        page.post(&message);
    }
    let mut ids = Vec::new();
    let mut busy = 0;
    while let Some(answer) = next(&mut page).await {
        if answer["error"]["kind"] == "BUSY" {
            busy += 1;
        } else {
            assert_eq!(answer["success"], true, "{answer}");
        }
        ids.push(answer["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=100).collect::<Vec<i64>>(), "every call answered once");
    assert!(busy > 0, "some calls were beyond the limit");
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        100 - busy,
        "no BUSY call reached the handler"
    );
    busy
}

fn bump(id: usize) -> String {
    format!(r#"{{"type":"invoke","id":{id},"channel":"counter.bump"}}"#)
}

#[tokio::test]
async fn requests_beyond_the_pending_limit_are_answered_busy_each_exactly_once() {
    flood_the_pending_limit((1..=100).map(bump)).await;
}

#[tokio::test]
async fn batches_beyond_the_pending_limit_have_each_of_their_calls_answered_busy_once() {
    let batches = (0..50).map(|batch| format!("[{},{}]", bump(batch * 2 + 1), bump(batch * 2 + 2)));
    let busy = flood_the_pending_limit(batches).await;
    assert!(busy % 2 == 0, "whole batches were beyond the limit: {busy}");
}
