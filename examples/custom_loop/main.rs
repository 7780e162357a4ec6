//! Mounting services into a tao event loop you own, with your own user-event type: the attach API (`ipc_wry::Mount`).
//! Use it when the app already has an event loop (tray icons, menus, other windows) that `App` would take over.
//!
//! ```text
//! cargo run -p examples --bin custom_loop                  # opens the window
//! cargo run -p examples --bin custom_loop -- --self-drive  # clicks, prints the answer, exits
//! ```

use std::time::Duration;

use ipc_wry::ipc_core::{ipc_service, Hub};
use ipc_wry::{IpcEvent, Mount, MountHandle, WindowSpec};
use tao::event::{Event, StartCause, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tao::window::WindowBuilder;

/// Tells the time of the app.
#[ipc_service]
trait Clock {
    /// Seconds since the app started.
    fn uptime(&self) -> f64;
}

struct Started(std::time::Instant);

impl Clock for Started {
    fn uptime(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// The app's own events; one variant carries the mount's work.
enum AppEvent {
    Ipc(IpcEvent),
    /// Sent by the self-driving thread when it is done.
    Quit(i32),
}

impl From<IpcEvent> for AppEvent {
    fn from(event: IpcEvent) -> Self {
        AppEvent::Ipc(event)
    }
}

const PAGE: &str = r#"<!doctype html><html><body style="font: 16px system-ui; margin: 2rem">
<button id="ask">How long have I been up?</button> <span id="answer"></span>
<script>
  document.getElementById("ask").onclick = async () => {
    const seconds = await host.services.clock.uptime();
    document.getElementById("answer").textContent = `${seconds.toFixed(2)} s`;
  };
</script></body></html>"#;

fn main() {
    let self_drive = std::env::args().any(|a| a == "--self-drive");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let hub = Hub::builder()
        .service(Started(std::time::Instant::now()).into_service())
        .runtime(runtime.handle().clone())
        .build()
        .expect("the hub builds");

    let event_loop = EventLoopBuilder::<AppEvent>::with_user_event().build();
    let quit = event_loop.create_proxy();
    let mut mount = Mount::new(hub.clone(), event_loop.create_proxy());
    let window = WindowBuilder::new()
        .with_title("Custom loop")
        .build(&event_loop)
        .expect("a window");
    let id = mount
        .add_webview(&window, &WindowSpec::html("Custom loop", PAGE))
        .expect("a WebView");
    let handle = mount.handle();
    let mut window = Some(window);

    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::NewEvents(StartCause::Init) if self_drive => {
                let (handle, quit) = (handle.clone(), quit.clone());
                std::thread::spawn(move || {
                    let code = match drive(&handle, id) {
                        Ok(answer) => {
                            println!("the page showed: {answer}");
                            0
                        }
                        Err(err) => {
                            eprintln!("self-drive failed: {err}");
                            1
                        }
                    };
                    let _ = quit.send_event(AppEvent::Quit(code));
                });
            }
            Event::UserEvent(AppEvent::Ipc(work)) => mount.handle_ipc_event(work),
            Event::UserEvent(AppEvent::Quit(code)) => {
                hub.shutdown();
                std::process::exit(code);
            }
            Event::WindowEvent { window_id, event, .. } => {
                let closing = matches!(event, WindowEvent::CloseRequested);
                // Forward every window event; on close the mount drops the WebView, then the window may go.
                mount.handle_window_event(window_id, &event);
                if closing {
                    window = None;
                    hub.shutdown();
                    *control_flow = ControlFlow::Exit;
                }
            }
            _ => {}
        }
        let _ = &window;
    });
}

/// Clicks the button and returns what the page showed.
fn drive(
    handle: &MountHandle<AppEvent>,
    window: ipc_wry::ipc_core::WindowId,
) -> Result<String, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    runtime.block_on(async {
        let patience = Duration::from_secs(15);
        handle.wait_until_ready(window, patience).await?;
        handle
            .evaluate(window, "document.getElementById('ask').click(); true")?
            .await?;
        let answer = handle
            .wait_for(window, "document.getElementById('answer').textContent", patience)
            .await?;
        Ok(answer.trim_matches('"').to_owned())
    })
}
