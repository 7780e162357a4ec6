//! Memory of a page's web process under a push flood: many 1 MiB pushes to one window, as fast as Rust can produce
//! them, for the framework and for raw wry doing the same job by hand, in the same run:
//!
//! - `raw wry`: each push is evaluated at once as `__push({...})` with `evaluate_script` (what an app without the
//!   framework writes);
//! - `framework`: `hub.send_to_window_async` to a page listening with `host.on`.
//!
//! Each measurement runs in a child process of its own with one window, so the WebKitWebProcess sampled (every 5 ms)
//! is that window's alone. Reported: the process's resident memory before the flood, its peak growth during it, the
//! throughput, and the framework's figures as ratios to raw wry's. The framework's target is a peak growth within
//! 256 MiB of the idle figure.
//!
//! ```text
//! cargo bench -p tests --bench push_flood              # 1,000 × 1 MiB, 3 interleaved rounds
//! cargo bench -p tests --bench push_flood -- --smoke   # 50 × 1 MiB, one round (CI)
//! ```

use std::process::{Command, ExitCode};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipc_wry::{App, AppHandle, WindowSpec};
use serde_json::json;
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tao::window::WindowBuilder;
use wry::WebViewBuilder;

const MIB: usize = 1024 * 1024;

/// The target of the framework's peak growth over its idle figure.
const TARGET_GROWTH_MIB: f64 = 256.0;

/// The listener both pages run: counts pushes and checks their order.
const LISTEN_JS: &str = "window.__pushes = { count: 0, inOrder: true }; window.__push = (p) => { \
     if (p.seq !== __pushes.count) __pushes.inOrder = false; __pushes.count++; };";

/// One child's figures.
#[derive(Clone, Copy, Debug)]
struct Figures {
    idle: f64,
    growth: f64,
    seconds: f64,
}

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let pushes: usize = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(1000);
        return match args.get(i + 1).map(String::as_str) {
            Some("framework") => child_framework(pushes),
            Some("raw") => child_raw(pushes),
            _ => ExitCode::FAILURE,
        };
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let (pushes, rounds) = if smoke { (50, 1) } else { (1000, 3) };
    let mut raw = Vec::new();
    let mut framework = Vec::new();
    for _ in 0..rounds {
        for (kind, into) in [("raw", &mut raw), ("framework", &mut framework)] {
            match run_child(kind, pushes) {
                Ok(figures) => into.push(figures),
                Err(err) => {
                    eprintln!("{kind}: {err}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let median = |all: &[Figures], get: fn(&Figures) -> f64| {
        let mut values: Vec<f64> = all.iter().map(get).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!("{pushes} × 1 MiB pushes to one window, WebKitWebProcess RSS; median of {rounds} interleaved runs");
    println!("{:<10} {:>10} {:>14} {:>12}", "", "idle", "peak growth", "throughput");
    let mut lines = Vec::new();
    for (name, all) in [("raw wry", &raw), ("framework", &framework)] {
        let (idle, growth, seconds) = (
            median(all, |f| f.idle),
            median(all, |f| f.growth),
            median(all, |f| f.seconds),
        );
        let rate = pushes as f64 / seconds;
        println!("{name:<10} {idle:>6.0} MiB {growth:>10.0} MiB {rate:>7.0} MiB/s");
        lines.push((growth, rate));
    }
    let (raw_growth, raw_rate) = lines[0];
    let (growth, rate) = lines[1];
    println!(
        "framework / raw wry: peak growth {:.2}x, throughput {:.2}x; target growth ≤ {TARGET_GROWTH_MIB} MiB: {}",
        growth / raw_growth,
        rate / raw_rate,
        if growth <= TARGET_GROWTH_MIB { "met" } else { "NOT met" }
    );
    ExitCode::SUCCESS
}

/// Runs one measurement in a child process and reads its figures from the last line it prints.
fn run_child(kind: &str, pushes: usize) -> Result<Figures, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .args(["--child", kind, &pushes.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("figures "))
        .ok_or_else(|| {
            format!(
                "no figures (status {}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let values: Vec<f64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    match values[..] {
        [idle, growth, seconds] => Ok(Figures { idle, growth, seconds }),
        _ => Err(format!("unreadable figures: {line}")),
    }
}

/// Resident memory of this process's WebKitWebProcess children, in MiB.
fn web_rss_mib() -> f64 {
    let me = std::process::id().to_string();
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let parent = stat.split(") ").nth(1).and_then(|rest| rest.split(' ').nth(1));
        if !stat.contains("(WebKitWebProces") || parent != Some(me.as_str()) {
            continue;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok());
        total += kib.unwrap_or(0.0) / 1024.0;
    }
    total
}

/// Samples the web process's peak RSS from a thread of its own until the returned flag is cleared.
fn sample_peak() -> (Arc<AtomicBool>, std::thread::JoinHandle<f64>) {
    let sampling = Arc::new(AtomicBool::new(true));
    let thread = std::thread::spawn({
        let sampling = Arc::clone(&sampling);
        move || {
            let mut peak = 0.0f64;
            while sampling.load(Ordering::Acquire) {
                peak = peak.max(web_rss_mib());
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        }
    });
    (sampling, thread)
}

fn filler() -> String {
    "x".repeat(MIB)
}

fn child_framework(pushes: usize) -> ExitCode {
    let page =
        format!("<!doctype html><html><body><script>{LISTEN_JS} host.on('flood', __push);</script></body></html>");
    let app = App::new()
        .window(WindowSpec::html("flood", page))
        .drive(move |handle| flood_framework(handle, pushes));
    match app.run() {
        Ok(0) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

fn flood_framework(handle: &AppHandle, pushes: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(30);
        handle
            .wait_until_ready(window, patience)
            .await
            .map_err(|e| e.to_string())?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = web_rss_mib();
        let (sampling, sampler) = sample_peak();
        let hub = handle.hub().clone();
        let filler = filler();
        let started = Instant::now();
        for seq in 0..pushes {
            hub.send_to_window_async(window, "flood", &json!({ "seq": seq, "filler": filler }))
                .await
                .map_err(|e| e.to_string())?;
        }
        let done = format!("__pushes.count === {pushes} && __pushes.inOrder");
        handle
            .wait_for(window, &done, Duration::from_secs(300))
            .await
            .map_err(|e| format!("not every push arrived in order: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        sampling.store(false, Ordering::Release);
        let peak = sampler.join().map_err(|_| "the sampler panicked")?;
        println!("figures {idle} {} {seconds}", peak - idle);
        Ok(())
    })
}

enum RawEvent {
    /// Evaluate this script in the page; with a reply, send back its value.
    Eval(String, Option<tokio::sync::oneshot::Sender<String>>),
    Done(i32),
}

fn child_raw(pushes: usize) -> ExitCode {
    let event_loop = EventLoopBuilder::<RawEvent>::with_user_event().build();
    let window = WindowBuilder::new().with_title("flood").build(&event_loop).unwrap();
    let page = format!("<!doctype html><html><body><script>{LISTEN_JS} window.__ready = true;</script></body></html>");
    let webview = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        WebViewBuilder::new()
            .with_html(page)
            .build_gtk(window.default_vbox().unwrap())
            .unwrap()
    };
    let webview = Rc::new(webview);
    let proxy = Mutex::new(event_loop.create_proxy());
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        let _ = &window;
        match event {
            Event::NewEvents(StartCause::Init) => {
                let proxy = proxy.lock().unwrap().clone();
                std::thread::spawn(move || {
                    let code = match flood_raw(&proxy, pushes) {
                        Ok(()) => 0,
                        Err(err) => {
                            eprintln!("{err}");
                            1
                        }
                    };
                    let _ = proxy.send_event(RawEvent::Done(code));
                });
            }
            Event::UserEvent(RawEvent::Eval(script, reply)) => {
                let reply = Mutex::new(reply);
                let _ = webview.evaluate_script_with_callback(&script, move |value| {
                    if let Some(reply) = reply.lock().unwrap().take() {
                        let _ = reply.send(value);
                    }
                });
            }
            Event::UserEvent(RawEvent::Done(code)) => std::process::exit(code),
            _ => {}
        }
    });
}

fn flood_raw(proxy: &tao::event_loop::EventLoopProxy<RawEvent>, pushes: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let eval = |script: String| async {
            let (tx, rx) = tokio::sync::oneshot::channel();
            proxy
                .send_event(RawEvent::Eval(script, Some(tx)))
                .map_err(|e| e.to_string())?;
            // Before the page has loaded, WebKit may drop the callback unanswered.
            Ok::<String, String>(rx.await.unwrap_or_default())
        };
        let wait = |condition: String| async move {
            let deadline = Instant::now() + Duration::from_secs(300);
            while Instant::now() < deadline {
                if eval(condition.clone()).await? == "true" {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err::<(), String>(format!("timed out waiting for {condition}"))
        };
        wait("window.__ready === true".to_owned()).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = web_rss_mib();
        let (sampling, sampler) = sample_peak();
        let filler = filler();
        let started = Instant::now();
        for seq in 0..pushes {
            let push = json!({ "seq": seq, "filler": filler });
            proxy
                .send_event(RawEvent::Eval(format!("__push({push});"), None))
                .map_err(|e| e.to_string())?;
        }
        wait(format!("__pushes.count === {pushes} && __pushes.inOrder")).await?;
        let seconds = started.elapsed().as_secs_f64();
        sampling.store(false, Ordering::Release);
        let peak = sampler.join().map_err(|_| "the sampler panicked")?;
        println!("figures {idle} {} {seconds}", peak - idle);
        Ok(())
    })
}
