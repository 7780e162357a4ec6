//! Rust-side cost of one call: `Hub::answer` (envelope parse, capability check, route, argument decode and
//! validation, handler, answer encode) against a hand-written baseline that does the least a correct handler must
//! (parse the envelope with serde, dispatch on the channel, serialize the answer), measured in the same run.
//!
//! ```text
//! cargo bench -p ipc-core --bench dispatch             # full run
//! cargo bench -p ipc-core --bench dispatch -- --smoke  # a few iterations, to check it still runs (CI)
//! cargo bench -p ipc-core --bench dispatch -- tiny     # only the requests whose name contains `tiny`
//! ```
//!
//! Reports the median time per call of several rounds, and the ratio to the baseline.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Hub};
use serde::{Deserialize, Serialize};

#[ipc_service]
trait Bench {
    fn add(&self, a: i64, b: i64) -> i64;
    fn echo(&self, text: String) -> String;
}

struct Impl;

impl Bench for Impl {
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
    fn echo(&self, text: String) -> String {
        text
    }
}

/// The baseline: what a hand-written router over serde does for the same request.
fn baseline(request: &str) -> String {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        id: u64,
        #[serde(borrow)]
        channel: &'a str,
        #[serde(borrow)]
        args: &'a serde_json::value::RawValue,
    }
    #[derive(Deserialize)]
    struct Add {
        a: i64,
        b: i64,
    }
    #[derive(Deserialize)]
    struct Echo {
        text: String,
    }
    #[derive(Serialize)]
    struct Answer<T> {
        id: u64,
        success: bool,
        data: T,
    }
    let envelope: Envelope = serde_json::from_str(request).expect("valid");
    match envelope.channel {
        "bench.add" => {
            let args: Add = serde_json::from_str(envelope.args.get()).expect("valid");
            serde_json::to_string(&Answer {
                id: envelope.id,
                success: true,
                data: args.a + args.b,
            })
            .unwrap()
        }
        _ => {
            let args: Echo = serde_json::from_str(envelope.args.get()).expect("valid");
            serde_json::to_string(&Answer {
                id: envelope.id,
                success: true,
                data: args.text,
            })
            .unwrap()
        }
    }
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let (rounds, calls) = if smoke { (3, 200) } else { (9, 50_000) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hub = runtime.block_on(async { Hub::builder().service(Impl.into_service()).build().unwrap() });
    // The whole path a page's call takes: the window's reader, the call's task, the answer's delivery.
    let mut page = runtime.block_on(async { TestClient::new(&hub) });

    let kib = "x".repeat(1024);
    let requests = [
        (
            "tiny (add)",
            r#"{"type":"invoke","id":1,"channel":"bench.add","args":{"a":2,"b":3}}"#.to_owned(),
        ),
        (
            "1 KiB string",
            format!(r#"{{"type":"invoke","id":1,"channel":"bench.echo","args":{{"text":"{kib}"}}}}"#),
        ),
        (
            "64 KiB string",
            format!(
                r#"{{"type":"invoke","id":1,"channel":"bench.echo","args":{{"text":"{}"}}}}"#,
                kib.repeat(64)
            ),
        ),
    ];
    println!("dispatch: median of {rounds} rounds of {calls} calls, per call");
    println!("{:<14} {:>12} {:>12} {:>8}", "request", "hub", "baseline", "ratio");
    for (name, request) in &requests {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let ours = median(rounds, || {
            let started = Instant::now();
            runtime.block_on(async {
                for _ in 0..calls {
                    black_box(page.request(black_box(request)).await);
                }
            });
            started.elapsed() / calls
        });
        let base = median(rounds, || {
            let started = Instant::now();
            for _ in 0..calls {
                black_box(baseline(black_box(request)));
            }
            started.elapsed() / calls
        });
        let ratio = ours.as_secs_f64() / base.as_secs_f64();
        println!("{name:<14} {:>12?} {:>12?} {ratio:>7.2}x", ours, base);
    }
}

fn median(rounds: usize, mut run: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..rounds).map(|_| run()).collect();
    times.sort();
    times[times.len() / 2]
}
