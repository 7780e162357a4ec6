//! Arbitrary bytes as a sequence of page messages through an in-process hub; see `replay.rs` for the format and for
//! what is checked. Run with `cargo +nightly fuzz run request` from `ipc-core/`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../replay.rs"]
mod replay;

fuzz_target!(|data: &[u8]| {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(replay::runtime);
    replay::replay(runtime, data);
});
