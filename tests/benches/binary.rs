//! Binary throughput each way, in real WebViews (WebKitGTK under Xvfb), for the framework and for raw wry doing the
//! same job by hand with a custom protocol, measured in the same process and run:
//!
//! - `raw wry`: the page `fetch`es `N` bytes from a custom protocol (host → page) and `POST`s `N` bytes to it
//!   (page → host), the fastest way wry offers for bytes;
//! - `framework`: `await host.services.bench.download(n)` returning `Binary`, and
//!   `await host.services.bench.upload(bytes)` taking `Binary`.
//!
//! Each measurement times a batch of sequential transfers in the page and divides; the median of several rounds is
//! reported in MiB/s with the framework's ratio to raw wry.
//!
//! ```text
//! cargo bench -p tests --bench binary              # full run
//! cargo bench -p tests --bench binary -- --smoke   # a few transfers, to check it still runs (CI)
//! BENCH_ONLY="64 MiB up" cargo bench -p tests --bench binary   # one row (size and `down` or `up`)
//! ```

use std::borrow::Cow;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use ipc_core::{ipc_service, Binary, Hub};
use ipc_wry::{IpcEvent, Mount, MountHandle, WindowSpec};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::window::WindowBuilder;
use wry::http::Response;
use wry::WebViewBuilder;

#[ipc_service]
trait Bench {
    /// `size` bytes.
    fn download(&self, size: usize) -> Binary;
    /// How many bytes came.
    fn upload(&self, data: Binary) -> usize;
}

struct Bytes;

impl Bench for Bytes {
    fn download(&self, size: usize) -> Binary {
        Binary::from(vec![7u8; size])
    }

    fn upload(&self, data: Binary) -> usize {
        data.len()
    }
}

enum UserEvent {
    Ipc(IpcEvent),
    /// Run a script in the raw page and report its value.
    RawEval(String, Box<dyn FnOnce(String) + Send>),
    Done(u8),
}

impl From<IpcEvent> for UserEvent {
    fn from(event: IpcEvent) -> Self {
        UserEvent::Ipc(event)
    }
}

/// The benchmark loop, shared by both pages: `__bench(direction, n, size)` runs `n` sequential transfers and stores
/// MiB/s.
const BENCH_JS: &str = r#"
  window.__bench = async (direction, n, size) => {
    window.__result = undefined;
    const payload = new Uint8Array(size).fill(9);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const got = direction === "down" ? (await download(size)).length : await upload(payload);
      if (got !== size) throw new Error(`wrong size ${got}`);
    }
    const seconds = (performance.now() - started) / 1000;
    window.__result = (n * size) / (1024 * 1024) / seconds;
  };
  window.__ready = true;
"#;

fn raw_page() -> String {
    format!(
        r#"<!doctype html><html><body><script>
  const download = async (size) => new Uint8Array(await (await fetch(`/down?${{size}}`)).arrayBuffer());
  const upload = async (bytes) => Number(await (await fetch("/up", {{ method: "POST", body: bytes }})).text());
  {BENCH_JS}
</script></body></html>"#
    )
}

fn framework_page() -> String {
    format!(
        r#"<!doctype html><html><body><script>
  const download = (size) => host.services.bench.download(size);
  const upload = (bytes) => host.services.bench.upload(bytes);
  {BENCH_JS}
</script></body></html>"#
    )
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
        .service(Bytes.into_service())
        // Room for the 64 MiB uploads and their frame's header.
        .max_request_size(65 << 20)
        .runtime(runtime.handle().clone())
        .build()
        .unwrap();

    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let mut mount = Mount::new(hub.clone(), event_loop.create_proxy());

    let raw_window = WindowBuilder::new().with_title("raw").build(&event_loop).unwrap();
    let page = raw_page();
    let raw = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        WebViewBuilder::new()
            .with_custom_protocol("raw".to_owned(), move |_id, request| {
                let path = request.uri().path();
                let body: Vec<u8> = if path == "/down" {
                    let size = request.uri().query().and_then(|q| q.parse().ok()).unwrap_or(0);
                    vec![7u8; size]
                } else if path == "/up" {
                    request.body().len().to_string().into_bytes()
                } else {
                    page.clone().into_bytes()
                };
                let kind = if path == "/" {
                    "text/html"
                } else {
                    "application/octet-stream"
                };
                Response::builder()
                    .header("content-type", kind)
                    .body(Cow::Owned(body))
                    .unwrap()
            })
            .with_url("raw://localhost/")
            .build_gtk(raw_window.default_vbox().unwrap())
            .unwrap()
    };
    let framework_window = WindowBuilder::new().with_title("framework").build(&event_loop).unwrap();
    let framework = mount
        .add_webview(&framework_window, &WindowSpec::html("framework", framework_page()))
        .unwrap();
    let handle = mount.handle();

    let driver_proxy = proxy.clone();
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        let _ = (&raw_window, &framework_window);
        match event {
            Event::NewEvents(StartCause::Init) => {
                let (handle, proxy) = (handle.clone(), Mutex::new(driver_proxy.clone()));
                std::thread::spawn(move || {
                    let proxy = proxy.into_inner().unwrap();
                    let ok = measure(&handle, &proxy, framework, smoke);
                    let _ = proxy.send_event(UserEvent::Done(if ok { 0 } else { 1 }));
                });
            }
            Event::UserEvent(UserEvent::Ipc(work)) => mount.handle_ipc_event(work),
            Event::UserEvent(UserEvent::RawEval(script, done)) => {
                let done = Mutex::new(Some(done));
                let _ = raw.evaluate_script_with_callback(&script, move |value| {
                    if let Some(done) = done.lock().unwrap().take() {
                        done(value);
                    }
                });
            }
            Event::UserEvent(UserEvent::Done(code)) => {
                hub.shutdown();
                std::process::exit(i32::from(code));
            }
            _ => {}
        }
    });
}

/// The raw page, or the framework's window.
#[derive(Clone, Copy)]
enum Target {
    Raw,
    Framework(ipc_core::WindowId),
}

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
        Target::Raw => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let done = Box::new(move |value: String| drop(tx.send(value)));
            let _ = proxy.send_event(UserEvent::RawEval(script.to_owned(), done));
            rx.await.unwrap_or_default()
        }
    }
}

async fn wait(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    target: Target,
    condition: &str,
) -> Option<String> {
    for _ in 0..6000 {
        let value = eval(handle, proxy, target, condition).await;
        if !matches!(value.as_str(), "" | "null" | "false" | "undefined") {
            return Some(value);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

fn measure(
    handle: &MountHandle<UserEvent>,
    proxy: &EventLoopProxy<UserEvent>,
    framework: ipc_core::WindowId,
    smoke: bool,
) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let targets = [Target::Raw, Target::Framework(framework)];
        for target in targets {
            if wait(handle, proxy, target, "window.__ready === true").await.is_none() {
                eprintln!("a benchmark page never loaded");
                return false;
            }
        }
        let rounds = if smoke { 1 } else { 5 };
        let sizes: &[(&str, usize, usize)] = if smoke {
            &[("64 KiB", 64 << 10, 3), ("1 MiB", 1 << 20, 2)]
        } else {
            &[
                ("4 KiB", 4 << 10, 500),
                ("64 KiB", 64 << 10, 200),
                ("256 KiB", 256 << 10, 100),
                ("1 MiB", 1 << 20, 40),
                ("16 MiB", 16 << 20, 6),
                ("64 MiB", 64 << 20, 2),
            ]
        };
        println!("binary transfers in WebKitGTK: median of {rounds} batches, MiB/s; ratio framework / raw wry");
        println!(
            "{:<6} {:<14} {:>10} {:>10} {:>7}",
            "size", "direction", "raw wry", "framework", "ratio"
        );
        let only = std::env::var("BENCH_ONLY").ok();
        for &(name, size, n) in sizes {
            for direction in ["down", "up"] {
                if only
                    .as_deref()
                    .is_some_and(|only| only != format!("{name} {direction}"))
                {
                    continue;
                }
                let mut medians = Vec::new();
                for target in targets {
                    let mut rates = Vec::new();
                    for _ in 0..rounds {
                        eval(
                            handle,
                            proxy,
                            target,
                            &format!("window.__bench('{direction}', {n}, {size}); true"),
                        )
                        .await;
                        match wait(handle, proxy, target, "window.__result")
                            .await
                            .and_then(|v| v.parse().ok())
                        {
                            Some(rate) => rates.push(rate),
                            None => {
                                eprintln!("a batch never finished");
                                return false;
                            }
                        }
                    }
                    rates.sort_by(f64::total_cmp);
                    medians.push(rates[rates.len() / 2]);
                }
                let label = if direction == "down" {
                    "host → page"
                } else {
                    "page → host"
                };
                println!(
                    "{name:<6} {label:<14} {:>10.0} {:>10.0} {:>6.2}x",
                    medians[0],
                    medians[1],
                    medians[1] / medians[0]
                );
            }
        }
        true
    })
}
