//! The renderer runtime's logic, unit-tested in Node (`tests/js/runtime.test.mjs`) against the script exactly as
//! ipc-core renders it: fast, and independent of a WebView. The WebView suite runs the same runtime for real.

use std::process::Command;

#[test]
fn runtime_logic_passes_its_node_tests() {
    let dir = std::env::temp_dir().join(format!("ipc-runtime-js-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("runtime.js");
    std::fs::write(&script, ipc_core::client::runtime_script()).unwrap();
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/js/runtime.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .arg(tests)
        .env("IPC_RUNTIME_JS", &script)
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("# pass 12") && report.contains("# fail 0"),
        "unexpected report:\n{report}"
    );
}
