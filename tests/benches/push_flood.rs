//! Deliveries from Rust to one page, in real WebViews (WebKitGTK under Xvfb), for the framework and for raw wry doing
//! the same job by hand, in the same run:
//!
//! - `raw wry`: each push is evaluated at once as `__push({...})` with `evaluate_script` (what an app without the
//!   framework writes);
//! - `framework pushes`: `hub.send_to_window_async` to a page listening with `host.on`;
//! - `framework stream`: a method answering with `impl Stream`, read by the page with `for await`.
//!
//! Three measurements:
//!
//! 1. **Flood**: 1,000 pushes of 1 MiB, raw wry against framework pushes: the WebKitWebProcess's peak resident memory
//!    over its idle figure (target: within 256 MiB), and the throughput.
//! 2. **Tiny messages**: 100,000 messages of a few bytes each way: messages per second, with the framework's as ratios
//!    to raw wry's (targets: pushes ≥ 1.5×, a stream's items ≥ the framework's pushes). Every page checks that each
//!    message arrived once and in order.
//! 3. **Slow reader**: a stream of 20,000 items of 4 KiB (80 MiB) read by a page that pauses every 64 items: the
//!    host's own peak resident memory over its idle figure, which credit-based backpressure keeps bounded.
//!
//! Each measurement runs in a child process of its own with one window, so the processes sampled (every 5 ms) are
//! that window's alone.
//!
//! ```text
//! cargo bench -p tests --bench push_flood              # 3 interleaved rounds of each
//! cargo bench -p tests --bench push_flood -- --smoke   # small counts, one round (CI)
//! ```

use std::process::{Command, ExitCode};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipc_core::{ipc_service, Stream};
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

/// The page's stream readers: feed every item to `__push`. `__read` loops with `for await` (with `slow`, waiting a
/// millisecond every 64 items); `__each` hands `__push` to `forEach`.
const READ_JS: &str = "window.__read = async (count, size, slow) => { \
     for await (const p of host.services.bench.items(count, size)) { __push(p); \
       if (slow && p.seq % 64 === 0) await new Promise((r) => setTimeout(r, 1)); } }; \
     window.__each = (count, size) => host.services.bench.items(count, size).forEach(__push);";

/// What the framework's page reads.
#[ipc_service]
trait Bench {
    /// `count` items `{seq, filler}` with `size` bytes of filler, as the pushes carry.
    fn items(&self, count: u32, size: u32) -> impl Stream<Item = Push> + Send;
}

/// One message: its number and its filler.
#[derive(serde::Serialize, ts_rs::TS)]
struct Push {
    seq: u32,
    filler: String,
}

struct Items;

impl Bench for Items {
    fn items(&self, count: u32, size: u32) -> impl Stream<Item = Push> + Send {
        let filler = "x".repeat(size as usize);
        futures::stream::iter((0..count).map(move |seq| Push {
            seq,
            filler: filler.clone(),
        }))
    }
}

/// One child's figures: the web process's idle RSS and peak growth, the run's seconds, the host's peak growth.
#[derive(Clone, Copy, Debug)]
struct Figures {
    idle: f64,
    growth: f64,
    seconds: f64,
    host_growth: f64,
}

/// One kind of run of a child: who delivers, how many messages of what size, and whether the page reads slowly.
#[derive(Clone, Copy)]
struct Run {
    kind: &'static str,
    count: usize,
    size: usize,
    slow: bool,
}

impl Run {
    fn args(&self) -> Vec<String> {
        let slow = if self.slow { "slow" } else { "fast" };
        vec![
            "--child".into(),
            self.kind.into(),
            self.count.to_string(),
            self.size.to_string(),
            slow.into(),
        ]
    }
}

fn median(all: &[Figures], get: fn(&Figures) -> f64) -> f64 {
    let mut values: Vec<f64> = all.iter().map(get).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs each of `runs` `rounds` times, interleaved; the figures of each run, in order.
fn measure(runs: &[Run], rounds: usize) -> Result<Vec<Vec<Figures>>, String> {
    let mut all = vec![Vec::new(); runs.len()];
    for _ in 0..rounds {
        for (run, into) in runs.iter().zip(&mut all) {
            into.push(run_child(run).map_err(|e| format!("{}: {e}", run.kind))?);
        }
    }
    Ok(all)
}

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let number = |at: usize| args.get(i + at).and_then(|n| n.parse().ok()).unwrap_or(0);
        let (count, size) = (number(2), number(3));
        let slow = args.get(i + 4).is_some_and(|a| a == "slow");
        return match args.get(i + 1).map(String::as_str) {
            Some("framework") => child_framework(count, size, Reader::Pushes, slow),
            Some("stream") => child_framework(count, size, Reader::ForAwait, slow),
            Some("stream-each") => child_framework(count, size, Reader::ForEach, slow),
            Some("raw") => child_raw(count, size),
            _ => ExitCode::FAILURE,
        };
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    match report(smoke) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

fn report(smoke: bool) -> Result<(), String> {
    let rounds = if smoke { 1 } else { 3 };
    let run = |kind, count, size, slow| Run {
        kind,
        count,
        size,
        slow,
    };

    let pushes = if smoke { 50 } else { 1000 };
    let flood = measure(
        &[run("raw", pushes, MIB, false), run("framework", pushes, MIB, false)],
        rounds,
    )?;
    println!("1. {pushes} × 1 MiB pushes to one window, WebKitWebProcess RSS; median of {rounds} interleaved runs");
    println!("{:<18} {:>10} {:>14} {:>12}", "", "idle", "peak growth", "throughput");
    let mut lines = Vec::new();
    for (name, all) in ["raw wry", "framework pushes"].iter().zip(&flood) {
        let (idle, growth, seconds) = (
            median(all, |f| f.idle),
            median(all, |f| f.growth),
            median(all, |f| f.seconds),
        );
        let rate = pushes as f64 / seconds;
        println!("{name:<18} {idle:>6.0} MiB {growth:>10.0} MiB {rate:>7.0} MiB/s");
        lines.push((growth, rate));
    }
    let ((raw_growth, raw_rate), (growth, rate)) = (lines[0], lines[1]);
    println!(
        "framework / raw wry: peak growth {:.2}x, throughput {:.2}x; target growth ≤ {TARGET_GROWTH_MIB} MiB: {}\n",
        growth / raw_growth,
        rate / raw_rate,
        if growth <= TARGET_GROWTH_MIB { "met" } else { "NOT met" }
    );

    let tiny = if smoke { 2_000 } else { 100_000 };
    let runs = [
        run("raw", tiny, 0, false),
        run("framework", tiny, 0, false),
        run("stream", tiny, 0, false),
        run("stream-each", tiny, 0, false),
    ];
    let rates: Vec<f64> = measure(&runs, rounds)?
        .iter()
        .map(|all| tiny as f64 / median(all, |f| f.seconds))
        .collect();
    println!("2. {tiny} tiny messages to one window, each checked in order; median of {rounds} interleaved runs");
    for (name, rate) in [
        "raw wry (eval per push)",
        "framework pushes",
        "stream, for await",
        "stream, forEach",
    ]
    .iter()
    .zip(&rates)
    {
        println!("{name:<24} {rate:>9.0} messages/s {:>6.2}x raw", rate / rates[0]);
    }
    let stream = rates[2].max(rates[3]);
    println!(
        "targets: pushes ≥ 1.5x raw: {}; stream items ≥ pushes: {} (for await {:.2}x, forEach {:.2}x)\n",
        if rates[1] >= 1.5 * rates[0] { "met" } else { "NOT met" },
        if stream >= rates[1] { "met" } else { "NOT met" },
        rates[2] / rates[1],
        rates[3] / rates[1]
    );

    let (items, size) = if smoke { (500, 4096) } else { (20_000, 4096) };
    let slow = measure(&[run("stream", items, size, true)], rounds)?;
    let megabytes = (items * size) as f64 / MIB as f64;
    let host = median(&slow[0], |f| f.host_growth);
    let seconds = median(&slow[0], |f| f.seconds);
    println!(
        "3. a stream of {items} × {} KiB ({megabytes:.0} MiB) read slowly: host RSS peak growth {host:.1} MiB \
         ({:.1}% of the data), {seconds:.1} s",
        size / 1024,
        100.0 * host / megabytes
    );
    Ok(())
}

/// Runs one measurement in a child process and reads its figures from the last line it prints.
fn run_child(run: &Run) -> Result<Figures, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe).args(run.args()).output().map_err(|e| e.to_string())?;
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
        [idle, growth, seconds, host_growth] => Ok(Figures {
            idle,
            growth,
            seconds,
            host_growth,
        }),
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

/// Resident memory of this (the host's) process, in MiB.
fn host_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}

/// Samples the peak RSS of the web process and of the host from a thread of its own until the returned flag is
/// cleared.
fn sample_peak() -> (Arc<AtomicBool>, std::thread::JoinHandle<(f64, f64)>) {
    let sampling = Arc::new(AtomicBool::new(true));
    let thread = std::thread::spawn({
        let sampling = Arc::clone(&sampling);
        move || {
            let (mut web, mut host) = (0.0f64, 0.0f64);
            while sampling.load(Ordering::Acquire) {
                web = web.max(web_rss_mib());
                host = host.max(host_rss_mib());
                std::thread::sleep(Duration::from_millis(5));
            }
            (web, host)
        }
    });
    (sampling, thread)
}

/// Ends a measurement: prints the figures line the parent reads.
fn report_figures(
    idle: (f64, f64),
    started: Instant,
    sampling: &AtomicBool,
    sampler: std::thread::JoinHandle<(f64, f64)>,
) -> Result<(), String> {
    let seconds = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Release);
    let (web, host) = sampler.join().map_err(|_| "the sampler panicked")?;
    println!("figures {} {} {seconds} {}", idle.0, web - idle.0, host - idle.1);
    Ok(())
}

/// How the framework's page receives the messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// Pushes from Rust, to a `host.on` listener.
    Pushes,
    /// A stream, read with `for await`.
    ForAwait,
    /// A stream, read with `forEach`.
    ForEach,
}

fn child_framework(count: usize, size: usize, reader: Reader, slow: bool) -> ExitCode {
    let page = format!(
        "<!doctype html><html><body><script>{LISTEN_JS} {READ_JS} host.on('flood', __push);</script></body></html>"
    );
    let app = App::new()
        .service(Items.into_service())
        .window(WindowSpec::html("flood", page))
        .drive(move |handle| flood_framework(handle, count, size, reader, slow));
    match app.run() {
        Ok(0) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

fn flood_framework(handle: &AppHandle, count: usize, size: usize, reader: Reader, slow: bool) -> Result<(), String> {
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
        let idle = (web_rss_mib(), host_rss_mib());
        let (sampling, sampler) = sample_peak();
        let started = Instant::now();
        if reader != Reader::Pushes {
            let read = if reader == Reader::ForEach {
                format!("__each({count}, {size}); true")
            } else {
                format!("__read({count}, {size}, {slow}); true")
            };
            handle.evaluate(window, read).map_err(|e| e.to_string())?;
        } else {
            let hub = handle.hub().clone();
            let filler = "x".repeat(size);
            for seq in 0..count {
                hub.send_to_window_async(window, "flood", &json!({ "seq": seq, "filler": filler }))
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        let done = format!("__pushes.count === {count} && __pushes.inOrder");
        handle
            .wait_for(window, &done, Duration::from_secs(300))
            .await
            .map_err(|e| format!("not every message arrived in order: {e}"))?;
        report_figures(idle, started, &sampling, sampler)
    })
}

enum RawEvent {
    /// Evaluate this script in the page; with a reply, send back its value.
    Eval(String, Option<tokio::sync::oneshot::Sender<String>>),
    Done(i32),
}

fn child_raw(pushes: usize, size: usize) -> ExitCode {
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
                    let code = match flood_raw(&proxy, pushes, size) {
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

fn flood_raw(proxy: &tao::event_loop::EventLoopProxy<RawEvent>, pushes: usize, size: usize) -> Result<(), String> {
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
        let idle = (web_rss_mib(), host_rss_mib());
        let (sampling, sampler) = sample_peak();
        let filler = "x".repeat(size);
        let started = Instant::now();
        for seq in 0..pushes {
            let push = json!({ "seq": seq, "filler": filler });
            proxy
                .send_event(RawEvent::Eval(format!("__push({push});"), None))
                .map_err(|e| e.to_string())?;
        }
        wait(format!("__pushes.count === {pushes} && __pushes.inOrder")).await?;
        report_figures(idle, started, &sampling, sampler)
    })
}
