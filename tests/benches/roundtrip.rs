//! Round trip of one call from a page's JavaScript to Rust and back, in real WebViews (WebKitGTK under Xvfb), for the
//! framework and for raw wry doing the same job by hand, measured in the same process and run:
//!
//! - `raw, UI thread`: `window.ipc.postMessage` in, the IPC handler answers at once with `evaluate_script`;
//! - `raw, tokio`: the same, but the answer is made on tokio and sent back through the `EventLoopProxy` (what any app
//!   that keeps work off the UI thread does);
//! - `raw, UI waits`: the answer is made on tokio while the IPC handler blocks the UI thread until it comes, then
//!   evaluates it: no trip back through the event loop. No app should block its UI thread so; it is here as the floor
//!   of any design that keeps handlers off the UI thread (one hop to another thread and one back);
//! - `raw, protocol`: the page `POST`s the request to a custom protocol with `fetch`, and the protocol's handler
//!   answers it in the response body, on the UI thread (the fastest raw transport for large calls);
//! - `framework`: `await host.services.bench.echo(payload)` through `ipc_wry::Mount` (requests from 512 KiB are
//!   `POST`ed on the app scheme);
//! - `script only`: the same with every request through the script message handler
//!   (`WindowSpec::fetch_requests_above(usize::MAX)`), which shows what the POST path gains.
//!
//! Each measurement times a batch of sequential calls in the page (`performance.now()` is coarse here) and divides;
//! the median of several rounds is reported with the framework's ratios to `raw, UI thread`, to `raw, tokio` and to
//! the fastest raw page of that row (`best raw`). The
//! rounds are interleaved: each round measures every page once, so a change in the machine's load reaches them alike.
//! A second table gives the throughput of tiny calls with 64 in flight at a time, with its ratio to `raw, UI thread`.
//!
//! ```text
//! cargo bench -p tests --bench roundtrip              # full run
//! cargo bench -p tests --bench roundtrip -- --smoke   # a few calls, to check it still runs (CI)
//! ```

use std::borrow::Cow;
use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::Duration;

use ipc_core::{ipc_service, Hub, WindowId};
use ipc_wry::{IpcEvent, Mount, MountHandle, WindowSpec};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::window::WindowBuilder;
use wry::WebViewBuilder;

#[ipc_service]
trait Bench {
    fn echo(&self, payload: String) -> String;
}

struct Echo;

impl Bench for Echo {
    fn echo(&self, payload: String) -> String {
        payload
    }
}

enum UserEvent {
    Ipc(IpcEvent),
    /// An answer made on tokio for the `raw, tokio` page.
    RawAnswer(String),
    /// Run a script in a raw page and report its value.
    RawEval(usize, String, Box<dyn FnOnce(String) + Send>),
    Done(u8),
}

impl From<IpcEvent> for UserEvent {
    fn from(event: IpcEvent) -> Self {
        UserEvent::Ipc(event)
    }
}

/// The benchmark loop, shared by every page: `__bench(n, size)` runs `n` sequential calls and stores the mean.
const BENCH_JS: &str = r#"
  window.__bench = async (n, size) => {
    window.__result = undefined;
    const payload = "x".repeat(size);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const answer = await call(payload);
      if (answer.length !== size) throw new Error("wrong answer");
    }
    window.__result = (performance.now() - started) / n;
  };
  // `n` calls with `width` in flight at a time; stores the calls per second.
  window.__flight = async (n, size, width) => {
    window.__result = undefined;
    const payload = "x".repeat(size);
    let started = 0;
    const worker = async () => {
      while (started < n) {
        started++;
        const answer = await call(payload);
        if (answer.length !== size) throw new Error("wrong answer");
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: width }, worker));
    window.__result = n / ((performance.now() - t0) / 1000);
  };
  window.__ready = true;
"#;

/// A raw page: its own request ids and promise table over `window.ipc.postMessage`.
fn raw_page() -> String {
    format!(
        r#"<!doctype html><html><body><script>
  let next = 1;
  const waiting = new Map();
  window.__answer = (id, data) => {{ const resolve = waiting.get(id); waiting.delete(id); resolve(data); }};
  const call = (payload) => new Promise((resolve) => {{
    const id = next++;
    waiting.set(id, resolve);
    window.ipc.postMessage(JSON.stringify({{ id, payload }}));
  }});
  {BENCH_JS}
</script></body></html>"#
    )
}

/// A raw page that `POST`s each request to its own custom protocol and reads the answer from the response.
fn raw_protocol_page() -> String {
    format!(
        r#"<!doctype html><html><body><script>
  let next = 1;
  const call = async (payload) => {{
    const response = await fetch("/call", {{ method: "POST", body: JSON.stringify({{ id: next++, payload }}) }});
    return JSON.parse(await response.text());
  }};
  {BENCH_JS}
</script></body></html>"#
    )
}

fn framework_page() -> String {
    format!(
        r#"<!doctype html><html><body><script>
  const call = (payload) => host.services.bench.echo(payload);
  {BENCH_JS}
</script></body></html>"#
    )
}

/// A raw page's request: its id and its payload, as JSON text.
#[derive(serde::Deserialize)]
struct RawRequest<'a> {
    id: u64,
    #[serde(borrow)]
    payload: &'a serde_json::value::RawValue,
}

/// What a raw handler does with a request: read the id and payload, and build the answer script.
fn raw_answer(body: &str) -> String {
    match serde_json::from_str::<RawRequest>(body) {
        Ok(request) => format!("window.__answer({}, {});", request.id, request.payload.get()),
        Err(_) => String::new(),
    }
}

/// What the raw protocol's handler answers: the page itself, or a request's payload as the response body.
fn raw_protocol_response(request: &wry::http::Request<Vec<u8>>) -> wry::http::Response<Cow<'static, [u8]>> {
    let (kind, body) = if request.uri().path() == "/call" {
        let payload = serde_json::from_slice::<RawRequest>(request.body()).map(|r| r.payload.get().as_bytes().to_vec());
        ("application/json", payload.unwrap_or_default())
    } else {
        ("text/html", raw_protocol_page().into_bytes())
    };
    wry::http::Response::builder()
        .header("content-type", kind)
        .body(Cow::Owned(body))
        .unwrap()
}

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    let smoke = std::env::args().any(|a| a == "--smoke");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = Hub::builder()
        .service(Echo.into_service())
        .runtime(runtime.handle().clone())
        .build()
        .unwrap();

    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let mut mount = Mount::new(hub.clone(), event_loop.create_proxy());

    // Raw page 0 answers on the UI thread; raw page 1 answers on tokio through the proxy; raw page 2 waits on the UI
    // thread for tokio's answer.
    let mut raw_windows = Vec::new();
    let mut raw_views: Vec<Rc<RefCell<Option<wry::WebView>>>> = Vec::new();
    for answer in [RawAnswer::OnUiThread, RawAnswer::ThroughProxy, RawAnswer::UiThreadWaits] {
        let window = WindowBuilder::new().with_title("raw").build(&event_loop).unwrap();
        let slot: Rc<RefCell<Option<wry::WebView>>> = Rc::default();
        let handler_slot = Rc::clone(&slot);
        let tokio = runtime.handle().clone();
        let proxy = Mutex::new(proxy.clone());
        let builder = WebViewBuilder::new()
            .with_html(raw_page())
            .with_ipc_handler(move |request| {
                let body = request.into_body();
                let script = match answer {
                    RawAnswer::OnUiThread => raw_answer(&body),
                    RawAnswer::ThroughProxy => {
                        let proxy = proxy.lock().unwrap().clone();
                        tokio.spawn(async move {
                            let _ = proxy.send_event(UserEvent::RawAnswer(raw_answer(&body)));
                        });
                        return;
                    }
                    RawAnswer::UiThreadWaits => {
                        let (tx, rx) = std::sync::mpsc::channel();
                        tokio.spawn(async move {
                            let _ = tx.send(raw_answer(&body));
                        });
                        rx.recv().unwrap_or_default()
                    }
                };
                if let Some(webview) = handler_slot.borrow().as_ref() {
                    let _ = webview.evaluate_script(&script);
                }
            });
        let webview = {
            use tao::platform::unix::WindowExtUnix;
            use wry::WebViewBuilderExtUnix;
            builder.build_gtk(window.default_vbox().unwrap()).unwrap()
        };
        *slot.borrow_mut() = Some(webview);
        raw_views.push(slot);
        raw_windows.push(window);
    }
    // Raw page 3 posts its requests to a custom protocol, answered on the UI thread.
    let protocol_window = WindowBuilder::new()
        .with_title("raw, protocol")
        .build(&event_loop)
        .unwrap();
    let protocol_view = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        WebViewBuilder::new()
            .with_custom_protocol("rawbench".to_owned(), |_id, request| raw_protocol_response(&request))
            .with_url("rawbench://localhost/")
            .build_gtk(protocol_window.default_vbox().unwrap())
            .unwrap()
    };
    raw_views.push(Rc::new(RefCell::new(Some(protocol_view))));
    raw_windows.push(protocol_window);
    let framework_window = WindowBuilder::new().with_title("framework").build(&event_loop).unwrap();
    let framework = mount
        .add_webview(&framework_window, &WindowSpec::html("framework", framework_page()))
        .unwrap();
    let script_window = WindowBuilder::new()
        .with_title("framework, script only")
        .build(&event_loop)
        .unwrap();
    let script_only = mount
        .add_webview(
            &script_window,
            &WindowSpec::html("framework, script only", framework_page()).fetch_requests_above(usize::MAX),
        )
        .unwrap();
    let handle = mount.handle();

    let driver_proxy = proxy.clone();
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        let _ = (&raw_windows, &framework_window, &script_window);
        match event {
            Event::NewEvents(StartCause::Init) => {
                let (handle, proxy) = (handle.clone(), Mutex::new(driver_proxy.clone()));
                std::thread::spawn(move || {
                    let proxy = proxy.into_inner().unwrap();
                    let ok = measure(&handle, &proxy, [framework, script_only], smoke);
                    let _ = proxy.send_event(UserEvent::Done(if ok { 0 } else { 1 }));
                });
            }
            Event::UserEvent(UserEvent::Ipc(work)) => mount.handle_ipc_event(work),
            Event::UserEvent(UserEvent::RawAnswer(script)) => {
                if let Some(webview) = raw_views[1].borrow().as_ref() {
                    let _ = webview.evaluate_script(&script);
                }
            }
            Event::UserEvent(UserEvent::RawEval(page, script, done)) => {
                if let Some(webview) = raw_views[page].borrow().as_ref() {
                    let done = Mutex::new(Some(done));
                    let _ = webview.evaluate_script_with_callback(&script, move |value| {
                        if let Some(done) = done.lock().unwrap().take() {
                            done(value);
                        }
                    });
                }
            }
            Event::UserEvent(UserEvent::Done(code)) => {
                hub.shutdown();
                std::process::exit(i32::from(code));
            }
            _ => {}
        }
    });
}

/// Raw pages, measured first: the framework's page comes right after them.
const RAW_PAGES: usize = 4;

/// How a raw page's IPC handler answers.
#[derive(Clone, Copy)]
enum RawAnswer {
    OnUiThread,
    ThroughProxy,
    UiThreadWaits,
}

/// A page to measure: one of the raw ones (by index) or the framework's window.
#[derive(Clone, Copy)]
enum Target {
    Raw(usize),
    Framework(WindowId),
}

/// Evaluates `script` in `target` and returns its value as JSON text.
async fn eval(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    target: Target,
    script: &str,
) -> String {
    match target {
        Target::Framework(window) => match handle.evaluate(window, script) {
            Ok(value) => value.await.unwrap_or_default(),
            Err(_) => String::new(),
        },
        Target::Raw(page) => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let done = Box::new(move |value: String| drop(tx.send(value)));
            let _ = proxy.send_event(UserEvent::RawEval(page, script.to_owned(), done));
            rx.await.unwrap_or_default()
        }
    }
}

/// Waits until `condition` is truthy in `target`; returns its value.
async fn wait(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    target: Target,
    condition: &str,
) -> Option<String> {
    for _ in 0..3000 {
        let value = eval(handle, proxy, target, condition).await;
        if !matches!(value.as_str(), "" | "null" | "false" | "undefined") {
            return Some(value);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// Mean milliseconds per call of `n` calls with `size`-byte payloads in `target`.
async fn batch(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    target: Target,
    n: usize,
    size: usize,
) -> Option<f64> {
    eval(handle, proxy, target, &format!("window.__bench({n}, {size}); true")).await;
    wait(handle, proxy, target, "window.__result").await?.parse().ok()
}

fn measure(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    [framework, script_only]: [WindowId; 2],
    smoke: bool,
) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let targets = [
            ("raw, UI thread", Target::Raw(0)),
            ("raw, tokio", Target::Raw(1)),
            ("raw, UI waits", Target::Raw(2)),
            ("raw, protocol", Target::Raw(3)),
            ("framework", Target::Framework(framework)),
            ("script only", Target::Framework(script_only)),
        ];
        for (_, target) in targets {
            if wait(handle, proxy, target, "window.__ready === true").await.is_none() {
                eprintln!("a benchmark page never loaded");
                return false;
            }
        }
        let rounds = if smoke { 1 } else { 5 };
        let sizes: [(&str, usize, usize); 6] = if smoke {
            [
                ("tiny", 10, 20),
                ("1 KiB", 1024, 20),
                ("32 KiB", 32 << 10, 5),
                ("64 KiB", 64 << 10, 5),
                ("256 KiB", 256 << 10, 3),
                ("1 MiB", 1 << 20, 2),
            ]
        } else {
            [
                ("tiny", 10, 2000),
                ("1 KiB", 1024, 2000),
                ("32 KiB", 32 << 10, 300),
                ("64 KiB", 64 << 10, 200),
                ("256 KiB", 256 << 10, 60),
                ("1 MiB", 1 << 20, 20),
            ]
        };
        println!(
            "round trip in WebKitGTK: median of {rounds} interleaved batches, mean per call; the framework's ratio to \
             `raw, UI thread`, to `raw, tokio` and to the fastest raw page"
        );
        print!("{:<8}", "payload");
        for (name, _) in targets {
            print!(" {name:>14}");
        }
        println!(" {:>9} {:>9} {:>10}", "/ UI", "/ tokio", "/ best raw");
        for (name, size, n) in sizes {
            let mut times = vec![Vec::new(); targets.len()];
            for _ in 0..rounds {
                for (at, (_, target)) in targets.iter().enumerate() {
                    match batch(handle, proxy, *target, n, size).await {
                        Some(ms) => times[at].push(ms),
                        None => {
                            eprintln!("a batch never finished");
                            return false;
                        }
                    }
                }
            }
            let medians: Vec<f64> = times.iter_mut().map(|times| median(times)).collect();
            print!("{name:<8}");
            for ms in &medians {
                print!(" {:>11.0} µs", ms * 1000.0);
            }
            let best_raw = medians[..RAW_PAGES].iter().copied().fold(f64::INFINITY, f64::min);
            let framework = medians[RAW_PAGES];
            println!(
                " {:>8.2}x {:>8.2}x {:>9.2}x",
                framework / medians[0],
                framework / medians[1],
                framework / best_raw
            );
        }
        let (calls, width) = if smoke { (200, 64) } else { (20_000, 64) };
        println!("\nthroughput of {calls} tiny calls, {width} in flight: median of {rounds} batches; ratio to `raw, UI thread`");
        let mut rates = vec![Vec::new(); targets.len()];
        for _ in 0..rounds {
            for (at, (_, target)) in targets.iter().enumerate() {
                let script = format!("window.__flight({calls}, 10, {width}); true");
                eval(handle, proxy, *target, &script).await;
                match wait(handle, proxy, *target, "window.__result").await.and_then(|v| v.parse::<f64>().ok()) {
                    Some(rate) => rates[at].push(rate),
                    None => {
                        eprintln!("a batch never finished");
                        return false;
                    }
                }
            }
        }
        let rates: Vec<f64> = rates.iter_mut().map(|rates| median(rates)).collect();
        for ((name, _), rate) in targets.iter().zip(&rates) {
            println!("{name:<16} {rate:>9.0} calls/s {:>6.2}x", rate / rates[0]);
        }
        true
    })
}

/// The median of `values` (sorted in place).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
