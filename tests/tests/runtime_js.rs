//! The renderer runtime's logic, unit-tested in Node (`tests/js/runtime.test.mjs`) against the script exactly as
//! ipc-core renders it, with a test bridge: fast, and independent of a WebView. The WebView suite runs the same runtime
//! for real.

use std::process::Command;

use ipc_core::client::{global_client_script, page_script, runtime_script, Bridge};
use ipc_core::limits::DEFAULT_MAX_REQUEST_SIZE;
use ipc_core::{Capabilities, Hub, WindowConfig};
use tests::kinds::{Impl, Kinds};

/// The request size limit of the second rendering, small enough for a test to reach it.
const SMALL_MAX_REQUEST_SIZE: usize = 64;

/// How many tests `runtime.test.mjs` holds: a test that silently stops running is a failure too.
const NODE_TESTS: usize = 85;

#[test]
fn runtime_logic_passes_its_node_tests() {
    // The page's fake window records what the runtime posts, and keeps the function deliveries are handed to.
    let bridge = Bridge::new(
        // A message with one binary part goes to `window.__parts(text, bytes)` when a test sets it (see Bridge).
        "(() => { const post = (text) => window.__post(text); \
         post.parts = (text, part) => typeof window.__parts === \"function\" && window.__parts(text, part); \
         return post; })()",
        "(receive) => { window.__deliver = receive; }",
    );
    let dir = std::env::temp_dir().join(format!("ipc-runtime-js-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("runtime.js");
    std::fs::write(&script, runtime_script(&bridge, DEFAULT_MAX_REQUEST_SIZE)).unwrap();
    let small = dir.join("runtime-small.js");
    std::fs::write(&small, runtime_script(&bridge, SMALL_MAX_REQUEST_SIZE)).unwrap();
    // For a window that allows frames: the page relays its frames' messages, and a frame speaks through its page.
    let framing = dir.join("runtime-frames.js");
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let hub = runtime.block_on(async { Hub::builder().build().unwrap() });
    let config = WindowConfig::new("app://localhost").allow_frames("https://widget.example", Capabilities::allow_all());
    std::fs::write(&framing, page_script(&hub, &bridge, &config)).unwrap();

    // The generated client of a service with declared events, for the listeners on its `on`.
    let client = dir.join("client.js");
    std::fs::write(&client, global_client_script(&[<Impl as Kinds>::service_descriptor()])).unwrap();

    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/js/runtime.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .arg(tests)
        .env("IPC_RUNTIME_JS", &script)
        .env("IPC_RUNTIME_JS_SMALL", &small)
        .env("IPC_RUNTIME_JS_FRAMES", &framing)
        .env("IPC_CLIENT_JS", &client)
        .env("IPC_RUNTIME_JS_SMALL_LIMIT", SMALL_MAX_REQUEST_SIZE.to_string())
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    let _ = std::fs::remove_dir_all(&dir);

    tests::assert_node_tests(&out, NODE_TESTS);
}
