//! Files both ways as binary data: the page sends a file, Rust inverts every byte and sends the result back. The
//! bytes travel as they are (no base64, no arrays of numbers): the call is `POST`ed as one binary frame and the answer
//! fetched as one.
//!
//! ```text
//! cargo run -p examples --bin files                   # opens the window: pick a file, press Process
//! cargo run -p examples --bin files -- --self-drive   # sends a generated 8 MiB file, checks the answer, saves a PNG
//! ```
//!
//! `--size BYTES` sets the generated file's size; `--screenshot PATH` the PNG (default `files.png`). Exits 0 when the
//! page got every byte back inverted and the checksum Rust computed matches the page's file.

use std::path::PathBuf;
use std::time::Duration;

use ipc_core::{ipc_service, Binary};
use ipc_wry::{App, AppHandle, WindowSpec};
use serde::Serialize;

/// What Rust made of a file.
#[derive(Serialize, ts_rs::TS)]
struct Processed {
    /// The file's name.
    name: String,
    /// How many bytes it had.
    bytes: usize,
    /// The FNV-1a hash of its bytes, in hex.
    checksum: String,
    /// Every byte of the file, inverted.
    data: Binary,
}

/// Works on files the page sends.
#[ipc_service]
trait Files {
    /// Inverts every byte of `data` (on a thread of its own, as any heavy work should be), with a checksum of the
    /// original.
    async fn invert(&self, name: String, data: Binary) -> Result<Processed, String>;
}

struct Inverter;

impl Files for Inverter {
    async fn invert(&self, name: String, data: Binary) -> Result<Processed, String> {
        let work = tokio::task::spawn_blocking(move || {
            let checksum = format!("{:016x}", fnv1a(&data));
            let inverted: Vec<u8> = data.iter().map(|byte| !byte).collect();
            (data.len(), checksum, inverted)
        });
        let (bytes, checksum, inverted) = work.await.map_err(|err| format!("the work failed: {err}"))?;
        Ok(Processed {
            name,
            bytes,
            checksum,
            data: Binary::from(inverted),
        })
    }
}

/// The 64-bit FNV-1a hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let self_drive = args.iter().any(|a| a == "--self-drive");
    let size: usize = value_of("--size").and_then(|s| s.parse().ok()).unwrap_or(8 << 20);
    let screenshot = value_of("--screenshot").map_or_else(|| PathBuf::from("files.png"), PathBuf::from);

    let mut app = App::new()
        .service(Inverter.into_service())
        .window(WindowSpec::html("Files", include_str!("index.html")).size(720, 420));
    if self_drive {
        app = app.drive(move |handle| drive(handle, size, &screenshot));
    }
    match app.run() {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("files: {err}");
            std::process::exit(1);
        }
    }
}

/// Sends a generated file through the page's own code path, checks what came back, and saves a PNG.
fn drive(handle: &AppHandle, size: usize, screenshot: &PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(60);
        handle.wait_until_ready(window, patience).await?;
        handle.evaluate(window, format!("window.runDemo({size})"))?.await?;
        let demo = handle.wait_for(window, "window.demo", patience).await?;
        let demo: serde_json::Value = serde_json::from_str(&demo)?;
        if demo.get("error").is_some() {
            return Err(format!("the page reported: {}", demo["error"]).into());
        }
        // The same bytes the page generated, hashed here to check Rust saw exactly them.
        let expected: Vec<u8> = (0..size).map(|i| ((i * 31 + (i >> 8)) & 0xff) as u8).collect();
        let checksum = format!("{:016x}", fnv1a(&expected));
        if demo["bytes"] != size || demo["checksum"] != checksum.as_str() || demo["inverted"] != true {
            return Err(format!("the page got {demo}, expected {size} bytes, checksum {checksum}, inverted").into());
        }
        let status = handle
            .evaluate(window, "document.getElementById('status').textContent")?
            .await?;
        println!("page showed: {}", status.trim_matches('"').replace("\\n", " | "));
        let png = tokio::time::timeout(patience, handle.capture_png(window)?).await??;
        let png = png.map_err(|err| format!("snapshot failed: {err}"))?;
        std::fs::write(screenshot, &png)?;
        println!("screenshot written to {} ({} bytes)", screenshot.display(), png.len());
        Ok(())
    })
}
