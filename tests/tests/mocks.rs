//! Front-end tests without a WebView: the generated module runs in Node against the generated mock (its real
//! runtime, calls, errors, timeouts, cancellation and listeners), and without a mock every call fails at once. The
//! mock's declarations type-check handlers and pushes under `tsc --strict`.

use std::path::{Path, PathBuf};
use std::process::Command;

use ipc_core::client::Bindings;
use tests::kinds::{Impl, Kinds};
use tests::{ts_dir, tsc, Fixture, FixtureImpl};

/// How many tests the two Node files hold: a test that silently stops running is a failure too.
const NODE_TESTS: usize = 12;

/// Writes the bindings of the test services as `ipc.*` into a directory of their own.
fn write_bindings() -> PathBuf {
    let dir = ts_dir().join("generated/mocked");
    Bindings::new()
        .service(<FixtureImpl as Fixture>::service_descriptor())
        .service(<Impl as Kinds>::service_descriptor())
        .write_to(&dir, "ipc")
        .expect("the bindings are written");
    dir
}

#[test]
fn the_generated_module_runs_in_node_against_the_mock() {
    let dir = write_bindings();
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    let out = Command::new("node")
        .arg("--test")
        .arg(js.join("mock.test.mjs"))
        .arg(js.join("unconnected.test.mjs"))
        .env("IPC_MOCKED_DIR", &dir)
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    tests::assert_node_tests(&out, NODE_TESTS);
}

#[test]
fn mock_handlers_and_pushes_are_typed() {
    write_bindings();
    let out = tsc("mock-usage.ts");
    assert!(
        out.status.success(),
        "tsc rejected mock-usage.ts:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = tsc("mock-wrong.ts");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "tsc accepted mock-wrong.ts");
    for line in [
        "mock-wrong.ts(6,",
        "mock-wrong.ts(9,",
        "mock-wrong.ts(10,",
        "mock-wrong.ts(14,",
    ] {
        assert!(report.contains(line), "no error at {line}:\n{report}");
    }
}
