//! The dev-server workflow in a real WebView (debug builds): `App` starts the dev server's command, waits for it,
//! shows its page in a window whose built assets it replaces, the page's calls work with no other setting (its origin
//! is the app's own), a reload keeps working, and the server is stopped when the app ends.
//!
//! ```text
//! cargo test -p tests --test dev_server
//! ```

use std::net::TcpStream;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ipc_core::ipc_service;
use ipc_wry::{App, AppHandle, Assets, DevServer, WindowSpec};

#[ipc_service]
trait Dev {
    fn ping(&self) -> String;
}

struct Pong;

impl Dev for Pong {
    fn ping(&self) -> String {
        "pong".to_owned()
    }
}

fn main() -> ExitCode {
    if let Some(code) = tests::rerun_under_xvfb() {
        return code;
    }
    if !cfg!(debug_assertions) {
        println!("dev_server: release builds ignore dev servers; nothing to test");
        return ExitCode::SUCCESS;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = DevServer::url(format!("http://127.0.0.1:{port}")).command(
        "node",
        [root.join("js/dev_server.mjs").display().to_string(), port.to_string()],
    );
    let assets = Assets::dir(root.join("e2e/assets")).expect("the test front end exists");
    let app = App::new()
        .service(Pong.into_service())
        .window(WindowSpec::assets("dev", assets).dev_server(server))
        .drive(move |handle| drive(handle, port));
    let code = match app.run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dev_server: {err}");
            return ExitCode::FAILURE;
        }
    };
    if TcpStream::connect(("127.0.0.1", port)).is_ok() {
        eprintln!("dev_server: the dev server still listens after the app ended");
        return ExitCode::FAILURE;
    }
    println!("test the_dev_server_is_stopped_when_the_app_ends ... ok");
    if code == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn drive(handle: &AppHandle, port: u16) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let window = handle.windows()[0];
        let patience = Duration::from_secs(20);
        let loaded = |load: u32| {
            format!(
                "location.origin === 'http://127.0.0.1:{port}' && window.__pinged === 'pong' && \
                 document.getElementById('load').textContent === '{load}'"
            )
        };
        handle
            .wait_for(window, &loaded(1), patience)
            .await
            .map_err(|e| format!("the dev server's page never called the host: {e}"))?;
        println!("test a_window_shows_the_dev_server_and_its_calls_work ... ok");
        handle
            .evaluate(window, "location.reload(); true")
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        handle
            .wait_for(window, &loaded(2), patience)
            .await
            .map_err(|e| format!("the reloaded page never called the host: {e}"))?;
        println!("test a_reload_of_the_dev_server_page_keeps_working ... ok");
        Ok(())
    })
}
