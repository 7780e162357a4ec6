//! The `App` runner: a tokio runtime for the handlers, a tao event loop on the calling thread, one window and WebView
//! per [`WindowSpec`], all through a [`Mount`].

use std::collections::HashMap;
use std::ops::Deref;
use std::time::Duration;

use ipc_core::{Hub, HubBuilder, Service, WindowId};
use tao::event::{Event, StartCause, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoop, EventLoopBuilder, EventLoopWindowTarget};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::window::{Window, WindowBuilder};

use crate::error::Error;
use crate::mount::{IpcEvent, Mount, MountHandle};
use crate::window::WindowSpec;

/// A desktop app: services, windows, run.
///
/// ```no_run
/// use ipc_core::ipc_service;
/// use ipc_wry::{App, WindowSpec};
///
/// #[ipc_service]
/// trait Greeter {
///     fn greet(&self, name: String) -> String;
/// }
///
/// struct Polite;
/// impl Greeter for Polite {
///     fn greet(&self, name: String) -> String {
///         format!("Hello, {name}!")
///     }
/// }
///
/// let page = r#"<script>
///     host.services.greeter.greet("Ada").then((text) => document.body.textContent = text);
/// </script>"#;
/// let code = App::new()
///     .service(Polite.into_service())
///     .window(WindowSpec::html("Hello", page))
///     .run()
///     .unwrap();
/// std::process::exit(code);
/// ```
#[must_use = "an app does nothing until `run` is called"]
pub struct App {
    hub: HubBuilder,
    windows: Vec<WindowSpec>,
    on_ready: Option<Box<dyn FnOnce(AppHandle)>>,
    #[cfg(feature = "browser")]
    browser: Option<crate::browser::BrowserMode>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("hub", &self.hub)
            .field(
                "windows",
                &self.windows.iter().map(WindowSpec::title).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The event type of [`App`]'s event loop: the mount's work, and what only an app that owns its windows can do.
#[derive(Debug)]
pub struct AppEvent(Work);

enum Work {
    Ipc(IpcEvent),
    WithWindow {
        window: WindowId,
        run: Box<dyn FnOnce(&Window) + Send>,
    },
    Close(WindowId),
    Exit(i32),
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Work::Ipc(event) => event.fmt(f),
            Work::WithWindow { window, .. } => write!(f, "with {window}"),
            Work::Close(window) => write!(f, "close {window}"),
            Work::Exit(code) => write!(f, "exit {code}"),
        }
    }
}

impl From<IpcEvent> for AppEvent {
    fn from(event: IpcEvent) -> Self {
        AppEvent(Work::Ipc(event))
    }
}

/// Reaches a running [`App`] from any thread: everything a [`MountHandle`] does (its hub, its WebViews, and with the
/// `drive` feature scripts and snapshots), plus resizing, closing windows and exiting.
#[derive(Clone, Debug)]
pub struct AppHandle {
    mount: MountHandle<AppEvent>,
    #[cfg(feature = "browser")]
    browser_url: Option<std::sync::Arc<str>>,
}

impl Deref for AppHandle {
    type Target = MountHandle<AppEvent>;

    fn deref(&self) -> &MountHandle<AppEvent> {
        &self.mount
    }
}

impl AppHandle {
    /// Ends the event loop; [`App::run`] returns `code`.
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has already ended.
    pub fn exit(&self, code: i32) -> Result<(), Error> {
        self.mount.send(AppEvent(Work::Exit(code)))
    }

    /// Closes `window` as if the user had: it is detached and its close event published.
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has ended.
    pub fn close_window(&self, window: WindowId) -> Result<(), Error> {
        self.mount.send(AppEvent(Work::Close(window)))
    }

    /// The URL that opens the app in a browser tab (its token included), when the app runs in
    /// [browser mode](crate::browser).
    #[cfg(feature = "browser")]
    pub fn browser_url(&self) -> Option<&str> {
        self.browser_url.as_deref()
    }

    /// Runs `run` on the UI thread with the tao window of `window` (to resize, move or focus it).
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has ended.
    pub fn with_window(&self, window: WindowId, run: impl FnOnce(&Window) + Send + 'static) -> Result<(), Error> {
        self.mount.send(AppEvent(Work::WithWindow {
            window,
            run: Box::new(run),
        }))
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An app with no services and no windows.
    pub fn new() -> Self {
        App {
            hub: Hub::builder(),
            windows: Vec::new(),
            on_ready: None,
            #[cfg(feature = "browser")]
            browser: None,
        }
    }

    /// Registers a service, usually `value.into_service()` for a type implementing an `#[ipc_service]` trait.
    pub fn service(mut self, service: impl Service) -> Self {
        self.hub = self.hub.service(service);
        self
    }

    /// Adjusts the hub before it is built, for its [limits](ipc_core::limits):
    /// `.hub(|hub| hub.max_in_flight(32).call_timeout(Some(Duration::from_secs(10))))`.
    pub fn hub(mut self, configure: impl FnOnce(HubBuilder) -> HubBuilder) -> Self {
        self.hub = configure(self.hub);
        self
    }

    /// Opens this window when the app starts. Windows get ids in the order they are added.
    pub fn window(mut self, spec: WindowSpec) -> Self {
        self.windows.push(spec);
        self
    }

    /// Also serves the app to ordinary browser tabs while it runs, in debug builds: a development tool (see the
    /// [`browser`](crate::browser) module). The URL to open, with this run's token, is printed to stderr and given by
    /// [`AppHandle::browser_url`]. What the mode does not set is taken from the first window showing
    /// [`html`](WindowSpec::html) or [`assets`](WindowSpec::assets): its front end, capabilities and
    /// Content-Security-Policy.
    #[cfg(feature = "browser")]
    pub fn browser_mode(mut self, mode: crate::browser::BrowserMode) -> Self {
        self.browser = Some(mode);
        self
    }

    /// Runs `ready` on the UI thread once every window is open, with a handle that reaches the app from any thread
    /// (and its hub: `handle.hub()` for sends, broadcasts and event streams).
    pub fn on_ready(mut self, ready: impl FnOnce(AppHandle) + 'static) -> Self {
        self.on_ready = Some(Box::new(ready));
        self
    }

    /// Runs `driver` on a thread of its own once every window is open, then ends the app: [`run`](App::run) returns 0
    /// if the driver returned `Ok`, and 1 after printing its error to stderr otherwise. For self-driving demos and
    /// end-to-end tests: the driver clicks, waits and checks through the [`AppHandle`].
    pub fn drive<E: std::fmt::Display>(
        self,
        driver: impl FnOnce(&AppHandle) -> Result<(), E> + Send + 'static,
    ) -> Self {
        self.on_ready(move |handle| {
            std::thread::spawn(move || {
                let code = match driver(&handle) {
                    Ok(()) => 0,
                    Err(err) => {
                        eprintln!("self-drive failed: {err}");
                        1
                    }
                };
                let _ = handle.exit(code);
            });
        })
    }

    /// Opens the windows and runs the event loop on this thread until the last window closes (returns 0) or
    /// [`AppHandle::exit`] is called (returns its code). Handlers run on a tokio runtime the app starts; when the loop
    /// ends, the hub shuts down (event streams end) and the runtime stops.
    ///
    /// # Errors
    ///
    /// If the hub cannot be built (a duplicate channel), or a window or WebView cannot be created.
    pub fn run(self) -> Result<i32, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ipc-handler")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let hub = self.hub.runtime(runtime.handle().clone()).build()?;
        // Dev servers (debug builds) start before any window shows them, and stop when this returns.
        // Windows sharing a server's URL share the server.
        let mut dev_servers: Vec<(&str, crate::dev::Running)> = Vec::new();
        for server in self.windows.iter().filter_map(WindowSpec::active_dev_server) {
            if !dev_servers.iter().any(|(url, _)| *url == server.url) {
                dev_servers.push((&server.url, server.start()?));
            }
        }
        #[cfg(feature = "browser")]
        let browser = match self.browser {
            Some(mode) if mode.is_active() => {
                let server = mode.defaults_from(&self.windows).serve(&hub)?;
                eprintln!("browser mode (a development tool): open {}", server.url());
                Some(server)
            }
            _ => None,
        };
        let mut event_loop: EventLoop<AppEvent> = EventLoopBuilder::with_user_event().build();
        let mut mount = Mount::new(hub.clone(), event_loop.create_proxy());
        let mut windows: HashMap<WindowId, Window> = HashMap::new();
        for spec in &self.windows {
            let (id, window) = open(&event_loop, &mut mount, spec)?;
            windows.insert(id, window);
        }
        let handle = AppHandle {
            mount: mount.handle(),
            #[cfg(feature = "browser")]
            browser_url: browser.as_ref().map(|server| std::sync::Arc::from(server.url())),
        };
        let mut on_ready = self.on_ready;
        let code = event_loop.run_return(move |event, _target, control_flow| {
            *control_flow = ControlFlow::Wait;
            match event {
                Event::NewEvents(StartCause::Init) => {
                    if let Some(ready) = on_ready.take() {
                        ready(handle.clone());
                    }
                }
                Event::UserEvent(AppEvent(work)) => match work {
                    Work::Ipc(event) => mount.handle_ipc_event(event),
                    Work::Exit(code) => *control_flow = ControlFlow::ExitWithCode(code),
                    Work::WithWindow { window, run } => {
                        if let Some(window) = windows.get(&window) {
                            run(window);
                        }
                    }
                    Work::Close(window) => {
                        mount.remove(window);
                        windows.remove(&window);
                        if windows.is_empty() {
                            *control_flow = ControlFlow::ExitWithCode(0);
                        }
                    }
                },
                Event::WindowEvent { window_id, event, .. } => {
                    let closing = matches!(event, WindowEvent::CloseRequested | WindowEvent::Destroyed);
                    if let Some(id) = mount.handle_window_event(window_id, &event) {
                        if closing {
                            windows.remove(&id);
                            if windows.is_empty() {
                                *control_flow = ControlFlow::ExitWithCode(0);
                            }
                        }
                    }
                }
                _ => {}
            }
        });
        // Tabs are closed like windows: their sockets end before the hub does.
        #[cfg(feature = "browser")]
        drop(browser);
        hub.shutdown();
        runtime.shutdown_timeout(Duration::from_secs(1));
        Ok(code)
    }
}

/// Opens one window and mounts its WebView.
fn open(
    target: &EventLoopWindowTarget<AppEvent>,
    mount: &mut Mount<AppEvent>,
    spec: &WindowSpec,
) -> Result<(WindowId, Window), Error> {
    let window = WindowBuilder::new()
        .with_title(spec.title())
        .with_inner_size(tao::dpi::LogicalSize::new(spec.size.0, spec.size.1))
        .build(target)
        .map_err(|source| Error::Window {
            title: spec.title().to_owned(),
            source,
        })?;
    let id = mount.add_webview(&window, spec)?;
    Ok((id, window))
}
