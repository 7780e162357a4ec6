//! Rust-side cost of one call against a hand-written baseline that does the least a correct handler must (parse the
//! envelope with serde, dispatch on the channel, decode the arguments, serialize the answer), measured in the same
//! run, at two depths:
//!
//! - `dispatch`: the same steps through the framework: the envelope parsed as the baseline does, the channel looked
//!   up, and the generated dispatcher ([`MethodHandler::call`]) decoding and validating the arguments, running the
//!   method and encoding its answer, wrapped in an answer envelope;
//! - `whole path`: everything a page's call goes through in process ([`TestClient`]): the page's secret, the
//!   window's reader task, the capability check, the call's own task, its deadline, the answer's queue and the
//!   delivery, and the test page reading the delivery back.
//!
//! ```text
//! cargo bench -p ipc-core --bench dispatch             # full run
//! cargo bench -p ipc-core --bench dispatch -- --smoke  # a few iterations, to check it still runs (CI)
//! cargo bench -p ipc-core --bench dispatch -- tiny     # only the requests whose name contains `tiny`
//! ```
//!
//! Reports the median time per call of several rounds (the three measured in turn within each round), and the ratios
//! to the baseline.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Args, Call, CallContext, Hub, MethodHandler, Service};
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

/// The envelope both routers read.
#[derive(Deserialize)]
struct Envelope<'a> {
    id: u64,
    #[serde(borrow)]
    channel: &'a str,
    #[serde(borrow)]
    args: &'a serde_json::value::RawValue,
}

/// The framework's dispatcher for the same request: each channel's generated handler.
struct Dispatch {
    handlers: HashMap<&'static str, MethodHandler>,
    context: CallContext,
}

impl Dispatch {
    fn new(hub: &Hub, page: &TestClient) -> Self {
        let handlers = Arc::new(Impl.into_service())
            .methods()
            .into_iter()
            .map(|handler| (handler.descriptor().channel, handler))
            .collect();
        let context = CallContext::new(hub.clone(), page.window(), TestClient::DEFAULT_ORIGIN);
        Dispatch { handlers, context }
    }

    fn answer(&self, request: &str) -> String {
        let envelope: Envelope = serde_json::from_str(request).expect("valid");
        let handler = &self.handlers[envelope.channel];
        let mut call = handler.call(Call::new(Args::json(Some(envelope.args.get())), &self.context));
        // The methods are synchronous: their future is ready when first polled.
        let Poll::Ready(reply) = call
            .as_mut()
            .poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
        else {
            panic!("a synchronous method answers at once")
        };
        let reply = reply.expect("the call succeeds");
        // As the host writes an answer: in a buffer sized for the data at once.
        let data = reply.get();
        let mut answer = String::with_capacity(data.len() + 160);
        answer.push_str(r#"{"type":"answer","id":"#);
        answer.push_str(&envelope.id.to_string());
        answer.push_str(r#","success":true,"data":"#);
        answer.push_str(data);
        answer.push_str(r#","error":null}"#);
        answer
    }
}

/// The baseline: what a hand-written router over serde does for the same request.
fn baseline(request: &str) -> String {
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
        #[serde(rename = "type")]
        kind: &'static str,
        id: u64,
        success: bool,
        data: T,
        error: (),
    }
    let envelope: Envelope = serde_json::from_str(request).expect("valid");
    match envelope.channel {
        "bench.add" => {
            let args: Add = serde_json::from_str(envelope.args.get()).expect("valid");
            serde_json::to_string(&Answer {
                kind: "answer",
                id: envelope.id,
                success: true,
                data: args.a + args.b,
                error: (),
            })
            .unwrap()
        }
        _ => {
            let args: Echo = serde_json::from_str(envelope.args.get()).expect("valid");
            serde_json::to_string(&Answer {
                kind: "answer",
                id: envelope.id,
                success: true,
                data: args.text,
                error: (),
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
    let dispatch = runtime.block_on(async { Dispatch::new(&hub, &page) });

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
    println!("dispatch: median of {rounds} rounds of {calls} calls, per call; ratios to the baseline");
    println!(
        "{:<14} {:>12} {:>12} {:>8} {:>12} {:>8}",
        "request", "baseline", "dispatch", "ratio", "whole path", "ratio"
    );
    for (name, request) in &requests {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        assert_eq!(
            dispatch.answer(request),
            baseline(request),
            "both routers give the same answer"
        );
        // The three are measured in turn within each round, each round starting with the next one, so none always
        // runs on the heap the one before it left.
        let mut times: [Vec<Duration>; 3] = Default::default();
        for round in 0..rounds {
            for which in (0..3).map(|i| (i + round) % 3) {
                let started = Instant::now();
                match which {
                    0 => {
                        for _ in 0..calls {
                            black_box(baseline(black_box(request)));
                        }
                    }
                    1 => {
                        for _ in 0..calls {
                            black_box(dispatch.answer(black_box(request)));
                        }
                    }
                    _ => runtime.block_on(async {
                        for _ in 0..calls {
                            black_box(page.request(black_box(request)).await);
                        }
                    }),
                }
                times[which].push(started.elapsed() / calls);
            }
        }
        let [base, direct, whole] = times.map(median);
        let ratio = |d: Duration| d.as_secs_f64() / base.as_secs_f64();
        println!(
            "{name:<14} {base:>12?} {direct:>12?} {:>7.2}x {whole:>12?} {:>7.2}x",
            ratio(direct),
            ratio(whole)
        );
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
