//! JavaScript for the renderer: the runtime (`window.host`) and the service clients generated from descriptors.
//!
//! A transport injects [`page_script`] into every page, before the page's own scripts run, assembled with its
//! [`Bridge`]: the two functions through which the runtime reaches that transport. A page then calls
//! `await host.services.greeter.greet("Ada")`. For a bundler, [`Bindings`] writes the same client as an ES module with
//! TypeScript declarations.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::ErrorCode;
use crate::hub::Hub;
use crate::limits::DEFAULT_MAX_REQUEST_SIZE;
use crate::service::{MethodDescriptor, ServiceDescriptor};
use crate::typescript::{Declarations, TsInfo, TsType};
use crate::window::WindowConfig;

const RUNTIME_JS: &str = include_str!("../js/runtime.js");
const MOCK_JS: &str = include_str!("../js/mock.js");

/// The fixed part of the mock's declarations.
const MOCK_DTS: &str = r#"
/** An error a mock handler throws to make a call fail with `kind`. */
export declare class MockError extends Error {
  constructor(kind: Ipc.ErrorKind, message: string, data?: unknown);
  readonly kind: Ipc.ErrorKind;
  readonly data: unknown;
}

/** The controls of an installed mock. */
export interface Mock {
  /** Every call made so far: its channel and its arguments by name. */
  readonly calls: Array<{ channel: string; args: Record<string, unknown> }>;
  /** Every `host.send` so far. */
  readonly sent: Array<{ channel: string; payload: unknown }>;
  /** The ids of calls the page gave up on. */
  readonly cancelled: number[];
  /** Pushes `payload` on `channel` to the page's listeners. */
  emit<C extends keyof Ipc.Events>(channel: C, payload: Ipc.Events[C]): void;
}

/** Answers the generated client's calls with `handlers` (install before the first call). */
export declare function installMock(handlers: MockHandlers): Mock;
"#;

/// `name` with the user types it names qualified by the `Ipc` namespace of the mock's import (`Array<Todo>` →
/// `Array<Ipc.Todo>`): every identifier that starts with a capital letter and is not a TypeScript built-in.
fn qualified(name: &str) -> String {
    const BUILT_IN: &[&str] = &[
        "Array",
        "Record",
        "Partial",
        "Uint8Array",
        "Promise",
        "Map",
        "Set",
        "AsyncIterable",
        "ReadableStream",
    ];
    let mut out = String::with_capacity(name.len());
    let mut word = String::new();
    let mut in_string = false;
    let flush = |word: &mut String, out: &mut String| {
        if word.starts_with(|c: char| c.is_ascii_uppercase()) && !BUILT_IN.contains(&word.as_str()) {
            out.push_str("Ipc.");
        }
        out.push_str(word);
        word.clear();
    };
    for c in name.chars() {
        if c == '"' {
            in_string = !in_string;
        }
        if !in_string && (c.is_alphanumeric() || c == '_' || c == '$') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// How the runtime in a page reaches one transport: two JavaScript expressions the transport supplies, evaluated once
/// when the runtime is installed (before any of the page's scripts run).
///
/// - `post` evaluates to a function `(text: string) => void` that hands one message to the host, for the transport to
///   give to [`WindowLink::receive`](crate::transport::WindowLink::receive). A message carrying binary data comes as
///   an `ArrayBuffer` frame instead, for [`WindowLink::receive_frame`](crate::transport::WindowLink::receive_frame).
///   The function may carry a `parts` property, `(text: string, bytes: Uint8Array) => boolean`, which takes a message
///   with one binary part as it is, without the copy a frame costs, for
///   [`WindowLink::receive_parts`](crate::transport::WindowLink::receive_parts); it returns `false` to leave that
///   message to `post`, as a frame. It must copy `bytes` (or hand them to `fetch`, which does) before it returns.
/// - `connect` evaluates to a function `(receive: (delivery: string | ArrayBuffer) => void) => void`; the transport
///   arranges for every [`Delivery`](crate::transport::Delivery) to be passed to `receive`, in order: its
///   [`text`](crate::transport::Delivery::text), or, when it has [`parts`](crate::transport::Delivery::parts)
///   (binary data), its [`to_frame`](crate::transport::Delivery::to_frame) as an `ArrayBuffer`.
///
/// ```
/// use ipc_core::client::Bridge;
///
/// // A transport over a WebSocket the page opens itself.
/// let bridge = Bridge::new(
///     "(() => { const socket = new WebSocket(\"ws://127.0.0.1:9000\"); const queue = []; \
///      socket.onopen = () => queue.splice(0).forEach((t) => socket.send(t)); \
///      return (text) => socket.readyState === 1 ? socket.send(text) : queue.push(text); })()",
///     "(receive) => {}",
/// );
/// assert!(ipc_core::client::runtime_script(&bridge, 1024).contains("WebSocket"));
/// ```
#[derive(Debug, Clone)]
pub struct Bridge {
    post: String,
    connect: String,
}

impl Bridge {
    /// A bridge from the two JavaScript expressions described above.
    pub fn new(post: impl Into<String>, connect: impl Into<String>) -> Self {
        Bridge {
            post: post.into(),
            connect: connect.into(),
        }
    }

    /// No transport: every call fails at once with `CHANNEL_SEND`, unless a mock from the generated `.mock.js`
    /// ([`Bindings::mock_module`]) is installed, which then answers every message. What [`Bindings::module`]
    /// installs when it runs where no transport installed the runtime first (a test runner, a page opened without the
    /// app). It welcomes the runtime itself, so calls fail at once instead of waiting for a host that never comes.
    pub fn unconnected() -> Self {
        Bridge::new(
            r#"(text) => {
  const mock = globalThis.__ipcMock;
  if (mock !== undefined) { mock.post(text); return; }
  if (typeof text === "string" && text.startsWith("{")) {
    const nonce = JSON.parse(text).nonce;
    // The same secret the generated mock answers under (js/mock.js), so a mock installed later is heard.
    const welcome = { page: null, messages: [{ type: "welcome", nonce, page: "unconnected" }] };
    queueMicrotask(() => globalThis.__ipcReceive(JSON.stringify(welcome)));
    return;
  }
  if (typeof text === "string" && text.endsWith(':{"type":"ready"}')) { return; }
  throw new Error("no transport has installed window.host here (in a test, install a mock: see the generated .mock.js)");
}"#,
            "(receive) => Object.defineProperty(globalThis, \"__ipcReceive\", { value: receive, configurable: true })",
        )
    }
}

/// The renderer runtime for one transport: installs `window.host` (`invoke`, `send`, `on`, `once`, `off`, `postRaw`,
/// `IpcError`, `services`) and asks the host for the page's secret. Requests larger than `max_request_size` bytes are
/// refused in the page, before they are sent. Installing it twice is harmless.
pub fn runtime_script(bridge: &Bridge, max_request_size: usize) -> String {
    render_runtime(bridge, max_request_size, false)
}

fn render_runtime(bridge: &Bridge, max_request_size: usize, frames: bool) -> String {
    let mut codes = String::from("{");
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(codes, "{sep}\"{}\":{}", code.kind(), code.code());
    }
    codes.push('}');
    format!(
        "{RUNTIME_JS}({{\"codes\":{codes},\"maxRequestSize\":{max_request_size},\"frames\":{frames}}}, {{ post: ({}), connect: ({}) }});\n",
        bridge.post, bridge.connect
    )
}

/// Everything a transport injects into a page of a window of `hub` attached with `config`: the runtime for `bridge`,
/// then a client for every registered service. When `config` allows frames ([`WindowConfig::allow_frames`]), the
/// runtime relays its frames' messages, and the transport injects the script into every frame (where it speaks
/// through the page's runtime), not only the main frame.
pub fn page_script(hub: &Hub, bridge: &Bridge, config: &WindowConfig) -> String {
    let mut script = render_runtime(bridge, hub.limits().max_request_size, !config.frames.is_empty());
    script.push_str(&global_client_script(hub.services()));
    script
}

/// A script that adds a client for each service to `window.host.services`, with methods in camelCase that take the
/// arguments positionally and send them by name. Runs after [`runtime_script`].
pub fn global_client_script(services: &[&ServiceDescriptor]) -> String {
    client_script(services, false)
}

/// The clients of `services`; with `schema`, each call carries its service's fingerprint, so the host can tell a
/// client generated from other bindings (a module built into a front end may be stale; an injected one never is).
fn client_script(services: &[&ServiceDescriptor], schema: bool) -> String {
    let mut out = String::from("(function (host) {\n  \"use strict\";\n");
    let mut rules = 0;
    for service in services {
        // Each method's table of the rules checked before sending, made once (names start with `__`, like
        // `__options`, which no generated name does).
        let tables: Vec<Option<String>> = service
            .methods
            .iter()
            .map(|method| {
                let table = crate::mirror::rules_table(method)?;
                let name = format!("__rules{rules}");
                rules += 1;
                let _ = writeln!(out, "  const {name} = {table};");
                Some(name)
            })
            .collect();
        write_docs(&mut out, "  ", service.docs, &[]);
        let _ = writeln!(
            out,
            "  host.services[{}] = Object.freeze({{",
            js_string(service.js_name)
        );
        for (index, method) in service.methods.iter().enumerate() {
            let params: Vec<&str> = method.args.iter().map(|a| a.js_name).collect();
            write_docs(&mut out, "    ", method.docs, &jsdoc_tags(method, true));
            let fields: Vec<String> = params.iter().map(|p| format!("{}: {p}", js_string(p))).collect();
            // One more parameter after the declared ones: `host.invoke` options (timeout, signal). Generated argument
            // names are camelCase Rust names, which never start with `__`.
            let mut with_options = params.clone();
            with_options.push("__options");
            // Added options: the fingerprint, and the rules the runtime checks before sending (see `mirror`).
            let mut added = Vec::new();
            if schema {
                added.push(format!("schema: {}", js_string(&service.fingerprint())));
            }
            if let Some(name) = &tables[index] {
                added.push(format!("rules: {name}"));
            }
            let options = if added.is_empty() {
                "__options".to_owned()
            } else {
                format!("{{ ...__options, {} }}", added.join(", "))
            };
            let call = if method.stream { "stream" } else { "invoke" };
            let _ = writeln!(
                out,
                "    {}({}) {{\n      return host.{call}({}, {{ {} }}, {options});\n    }},",
                method.js_name,
                with_options.join(", "),
                js_string(method.channel),
                fields.join(", "),
            );
        }
        write_listeners(&mut out, service);
        out.push_str("  });\n");
    }
    out.push_str("})(window.host);\n");
    out
}

/// The `on` property of a service client with events: one function per event that adds a listener with `host.on` on
/// the event's channel and returns what removes it. Nothing for a service without events.
fn write_listeners(out: &mut String, service: &ServiceDescriptor) {
    if service.events.is_empty() {
        return;
    }
    let about =
        ["Listeners of the events the host pushes; each returns a function that removes the listener.".to_owned()];
    write_docs(out, "    ", "", &about);
    out.push_str("    on: Object.freeze({\n");
    for event in service.events {
        let mut tags = vec![
            format!("@param {{(payload: {}) => void}} listener", event.payload.name()),
            "@returns {() => void} removes the listener".to_owned(),
        ];
        tags.extend(deprecated_tag(event.deprecated));
        write_docs(out, "      ", event.docs, &tags);
        let _ = writeln!(
            out,
            "      {}(listener) {{\n        return host.on({}, listener);\n      }},",
            event.js_name,
            js_string(event.channel),
        );
    }
    out.push_str("    }),\n");
}

fn deprecated_tag(note: Option<&str>) -> Option<String> {
    note.map(|note| format!("@deprecated {note}").trim_end().to_owned())
}

/// `@param`, `@returns` and `@throws` lines for a method. With `typed`, for plain JavaScript, tags carry the
/// TypeScript types; without, for a `.d.ts` whose signatures already do, only rules and errors are listed.
fn jsdoc_tags(method: &MethodDescriptor, typed: bool) -> Vec<String> {
    let mut tags = Vec::new();
    for arg in method.args {
        let rules = if arg.rules.is_empty() {
            String::new()
        } else {
            format!(" - {}", arg.rules)
        };
        if typed {
            tags.push(format!("@param {{{}}} {}{rules}", arg.ts.name(), arg.js_name));
        } else if !rules.is_empty() {
            tags.push(format!("@param {}{rules}", arg.js_name));
        }
    }
    if typed {
        if method.stream {
            tags.push("@param {StreamOptions} [__options] timeout, abort signal and window of this stream".to_owned());
        } else {
            tags.push("@param {InvokeOptions} [__options] timeout and abort signal of this call".to_owned());
        }
        tags.push(format!("@returns {{{}}}", answer_type(method)));
    }
    if let Some(error) = method.error {
        tags.push(format!(
            "@throws {{IpcError<{}>}} kind \"HANDLER\" when the handler returns an error",
            error.name()
        ));
    }
    tags.extend(deprecated_tag(method.deprecated));
    tags
}

/// The type a mock handler's parameter has: an upload (`AsyncIterable<T> | ReadableStream<T>` in the page) reaches
/// the handler as the mock's `AsyncIterable<T>`; every other type as it is.
fn mock_param(ts: &str) -> String {
    match ts.strip_prefix("AsyncIterable<") {
        Some(rest) if rest.contains("> | ReadableStream<") => {
            let item = &rest[..rest.find("> | ReadableStream<").expect("just checked")];
            format!("AsyncIterable<{item}>")
        }
        _ => ts.to_owned(),
    }
}

/// What a generated method returns: a promise of its answer, or the stream of its items.
fn answer_type(method: &MethodDescriptor) -> String {
    if method.stream {
        format!("IpcStream<{}>", returns(method))
    } else {
        format!("Promise<{}>", returns(method))
    }
}

/// The type a method's promise resolves to (or a stream's item): `void` for no value, and for `()` (typed `null`, as in
/// `Result<(), E>`).
fn returns(method: &MethodDescriptor) -> String {
    match method.returns.map(|ty| ty.name()) {
        Some(name) if name != "null" => name,
        _ => "void".to_owned(),
    }
}

/// The client of a set of services as files for a bundler: an ES module and its TypeScript declarations, rendered from
/// the same descriptors the router uses. Written from a test, a build step or an export binary; the app need not run.
///
/// ```
/// use ipc_core::{client::Bindings, ipc_service};
///
/// /// Greets people.
/// #[ipc_service]
/// trait Greeter {
///     /// Says hello.
///     async fn greet(&self, name: String) -> Result<String, String>;
/// }
///
/// struct Polite;
/// impl Greeter for Polite {
///     async fn greet(&self, name: String) -> Result<String, String> {
///         Ok(format!("Hello, {name}!"))
///     }
/// }
///
/// let bindings = Bindings::new().service(<Polite as Greeter>::service_descriptor());
/// assert!(bindings.declarations().contains("greet(name: string, options?: InvokeOptions): Promise<string>;"));
/// assert!(bindings.module().contains("export const greeter = services.greeter;"));
/// // bindings.write_to("src/generated", "ipc")?; writes ipc.js and ipc.d.ts
/// ```
#[derive(Debug, Clone)]
pub struct Bindings {
    services: Vec<&'static ServiceDescriptor>,
    events: Vec<(String, TsType)>,
    max_request_size: usize,
}

impl Default for Bindings {
    fn default() -> Self {
        Bindings {
            services: Vec::new(),
            events: Vec::new(),
            max_request_size: DEFAULT_MAX_REQUEST_SIZE,
        }
    }
}

impl Bindings {
    /// No services yet.
    pub fn new() -> Self {
        Bindings::default()
    }

    /// The request limit the module's runtime enforces, when the hub was built with another than the default.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.max_request_size = bytes;
        self
    }

    /// Adds a service, usually `<MyImpl as MyTrait>::service_descriptor()`.
    pub fn service(mut self, service: &'static ServiceDescriptor) -> Self {
        self.services.push(service);
        self
    }

    /// Every service registered in `hub`, and its request limit.
    pub fn of_hub(hub: &Hub) -> Self {
        Bindings {
            services: hub.services().to_vec(),
            events: Vec::new(),
            max_request_size: hub.limits().max_request_size,
        }
    }

    /// Declares that Rust pushes `T` on `channel` (with `Hub::send_to_window`, `broadcast` or `broadcast_all`), so
    /// `host.on(channel, callback)` gives the callback a `T` in TypeScript. For ad-hoc channels: an event a service
    /// declares with `#[ipc(event)]` is typed from its descriptor (which wins over this for the same channel), and
    /// has a listener on the service's client too.
    pub fn event<T: TsInfo + ?Sized>(mut self, channel: &str) -> Self {
        self.events.push((channel.to_owned(), TsType::of::<T>()));
        self
    }

    /// An ES module: installs the runtime (unconnected: calls fail with `CHANNEL_SEND`) and the clients when no
    /// transport did (harmless when one did), then exports `host`, `services`, `IpcError` and one binding per service.
    pub fn module(&self) -> String {
        let mut out = String::from(GENERATED);
        // Outside a browser (a test runner), the runtime installs itself on `globalThis`.
        out.push_str(
            "const window = typeof globalThis.window === \"object\" && globalThis.window !== null ? globalThis.window : globalThis;\n",
        );
        out.push_str(&runtime_script(&Bridge::unconnected(), self.max_request_size));
        out.push_str(&client_script(&self.services, true));
        out.push_str("\nexport const host = window.host;\nexport const services = host.services;\nexport const IpcError = host.IpcError;\n");
        for service in &self.services {
            let _ = writeln!(out, "export const {0} = services.{0};", service.js_name);
        }
        out
    }

    /// TypeScript declarations for [`module`](Self::module) and for the injected `window.host`: every user type used
    /// in a signature, one interface per service, and the runtime's API.
    pub fn declarations(&self) -> String {
        let mut types = Declarations::default();
        for method in self.services.iter().flat_map(|s| s.methods) {
            method.args.iter().for_each(|arg| arg.ts.declare(&mut types));
            method
                .returns
                .iter()
                .chain(method.error.iter())
                .for_each(|ty| ty.declare(&mut types));
        }
        for event in self.services.iter().flat_map(|s| s.events) {
            event.payload.declare(&mut types);
        }
        self.events.iter().for_each(|(_, ty)| ty.declare(&mut types));
        let mut out = String::from(GENERATED);
        out.push_str(&types.render());
        let kinds: Vec<String> = ErrorCode::ALL.iter().map(|c| js_string(c.kind())).collect();
        let _ = write!(out, "{}", RUNTIME_DTS.replace("$ERROR_KINDS", &kinds.join(" | ")));
        let mut services = String::from("export interface Services {\n");
        for service in &self.services {
            let interface = format!("{}Service", service.rust_name);
            out.push('\n');
            write_docs(&mut out, "", service.docs, &[]);
            let _ = writeln!(out, "export interface {interface} {{");
            for method in service.methods {
                write_docs(&mut out, "  ", method.docs, &jsdoc_tags(method, false));
                let _ = writeln!(
                    out,
                    "  {}({}): {};",
                    method.js_name,
                    ts_params(method),
                    answer_type(method)
                );
            }
            write_listener_types(&mut out, service);
            out.push_str("}\n");
            let _ = writeln!(
                out,
                "\n/** The handler error values (`IpcError.data` of kind \"HANDLER\") of each method of `{interface}`. */"
            );
            let _ = writeln!(out, "export interface {}Errors {{", service.rust_name);
            for method in service.methods {
                let error = method.error.map_or_else(|| "never".to_owned(), |e| e.name());
                let _ = writeln!(out, "  {}: {error};", method.js_name);
            }
            out.push_str("}\n");
            let _ = writeln!(services, "  readonly {}: {interface};", service.js_name);
        }
        services.push_str("}\n");
        out.push('\n');
        out.push_str(&services);
        out.push_str(
            "\n/**\n * What Rust pushes, by channel (declared in a service with `#[ipc(event)]`, or with `Bindings::event`), and the\n * window's own lifecycle events.\n */\n",
        );
        out.push_str("export interface Events extends WindowEvents {\n");
        let declared: Vec<(&str, TsType)> = self
            .services
            .iter()
            .flat_map(|s| s.events)
            .map(|event| (event.channel, event.payload))
            .collect();
        // A channel a service declares is typed from the service; `Bindings::event` on the same channel adds nothing.
        let ad_hoc = self
            .events
            .iter()
            .map(|(channel, ty)| (channel.as_str(), *ty))
            .filter(|(channel, _)| !declared.iter().any(|(c, _)| c == channel));
        for (channel, ty) in declared.iter().copied().chain(ad_hoc) {
            let _ = writeln!(out, "  {}: {};", js_string(channel), ty.name());
        }
        out.push_str("}\n");
        out.push_str(HOST_DTS);
        for service in &self.services {
            let _ = writeln!(
                out,
                "export declare const {}: {}Service;",
                service.js_name, service.rust_name
            );
        }
        types.honest_map_keys(&out)
    }

    /// An ES module for front-end tests: `installMock(handlers)` answers the calls of [`module`](Self::module) with
    /// JavaScript functions, one per method (taking the method's arguments in order), and `emit(channel, payload)`
    /// pushes; `MockError(kind, message, data)` makes a call fail with a given kind. The generated module runs in Node
    /// or vitest without a WebView, its real runtime talking to the mock. Values are JSON, and exact integers
    /// `BigInt` values both ways; binary data is not mocked.
    pub fn mock_module(&self) -> String {
        let mut out = String::from(GENERATED);
        out.push_str(MOCK_JS);
        out.push_str("\nconst METHODS = {\n");
        for service in &self.services {
            for method in service.methods {
                let args: Vec<String> = method.args.iter().map(|a| js_string(a.js_name)).collect();
                let _ = writeln!(
                    out,
                    "  {}: {{ service: {}, name: {}, args: [{}], stream: {} }},",
                    js_string(method.channel),
                    js_string(service.js_name),
                    js_string(method.js_name),
                    args.join(", "),
                    method.stream
                );
            }
        }
        out.push_str("};\nconst CODES = {");
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}{}: {}", code.kind(), code.code());
        }
        out.push_str("};\n");
        out
    }

    /// TypeScript declarations for [`mock_module`](Self::mock_module): handlers typed by each method's arguments and
    /// answer, `emit` typed by the declared events' payloads.
    pub fn mock_declarations(&self, stem: &str) -> String {
        let mut out = String::from(GENERATED);
        let _ = writeln!(out, "import type * as Ipc from \"./{stem}\";\n");
        out.push_str(
            "/** The handlers of a mock: by service, then method, each optional. */\nexport interface MockHandlers {\n",
        );
        for service in &self.services {
            let _ = writeln!(out, "  {}?: {{", service.js_name);
            for method in service.methods {
                let params: Vec<String> = std::iter::once("this: void".to_owned())
                    .chain(
                        method
                            .args
                            .iter()
                            .map(|arg| format!("{}: {}", arg.js_name, qualified(&mock_param(&arg.ts.name())))),
                    )
                    .collect();
                let returns = method
                    .returns
                    .as_ref()
                    .map_or_else(|| "void".to_owned(), |ty| qualified(&ty.name()));
                let returns = if returns == "null" { "void".to_owned() } else { returns };
                // A stream's handler gives the items, as a list, a generator or an async generator.
                let returns = if method.stream {
                    format!("Iterable<{returns}> | AsyncIterable<{returns}>")
                } else {
                    returns
                };
                let _ = writeln!(
                    out,
                    "    {}?({}): {returns} | Promise<{returns}>;",
                    method.js_name,
                    params.join(", ")
                );
            }
            out.push_str("  };\n");
        }
        out.push_str("}\n");
        out.push_str(MOCK_DTS);
        out
    }

    /// The files [`write_to`](Self::write_to) writes, by name, with their contents.
    fn files(&self, stem: &str) -> [(String, String); 4] {
        [
            (format!("{stem}.js"), self.module()),
            (format!("{stem}.d.ts"), self.declarations()),
            (format!("{stem}.mock.js"), self.mock_module()),
            (format!("{stem}.mock.d.ts"), self.mock_declarations(stem)),
        ]
    }

    /// Checks that the bindings in `dir` are what [`write_to`](Self::write_to) would write now, so a front end cannot
    /// be built against bindings of services that have changed. Call it from a test (or a build step) next to the
    /// front end's generated files. With the environment variable `IPC_WRITE_BINDINGS` set, writes them instead.
    ///
    /// ```no_run
    /// # use ipc_core::client::Bindings;
    /// # fn services() -> Bindings { Bindings::new() }
    /// #[test]
    /// fn front_end_bindings_are_current() {
    ///     services().verify("frontend/src/generated", "ipc").unwrap();
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`StaleBindings`] naming every file that is missing or differs, and how to regenerate them.
    pub fn verify(&self, dir: impl AsRef<Path>, stem: &str) -> Result<(), StaleBindings> {
        self.verify_or_write(dir.as_ref(), stem, std::env::var_os("IPC_WRITE_BINDINGS").is_some())
    }

    fn verify_or_write(&self, dir: &Path, stem: &str, write: bool) -> Result<(), StaleBindings> {
        if write {
            return self.write_to(dir, stem).map(drop).map_err(|err| StaleBindings {
                files: vec![dir.to_path_buf()],
                reason: format!("could not write them: {err}"),
            });
        }
        let stale: Vec<PathBuf> = self
            .files(stem)
            .into_iter()
            .map(|(name, text)| (dir.join(name), text))
            .filter(|(path, text)| std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()))
            .map(|(path, _)| path)
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(StaleBindings {
                files: stale,
                reason: "they are missing or differ from what the current services generate; run again with \
                         IPC_WRITE_BINDINGS=1 to regenerate them"
                    .to_owned(),
            })
        }
    }

    /// Writes `{stem}.js` ([`module`](Self::module)) and `{stem}.d.ts` ([`declarations`](Self::declarations)) into
    /// `dir`, creating it if needed, with `{stem}.mock.js` and `{stem}.mock.d.ts` for front-end tests
    /// ([`mock_module`](Self::mock_module)). Returns the paths of the first two.
    pub fn write_to(&self, dir: impl AsRef<Path>, stem: &str) -> io::Result<(PathBuf, PathBuf)> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let js = dir.join(format!("{stem}.js"));
        let dts = dir.join(format!("{stem}.d.ts"));
        for (name, text) in self.files(stem) {
            std::fs::write(dir.join(name), text)?;
        }
        Ok((js, dts))
    }
}

/// Generated bindings on disk that are not what the current services generate (see [`Bindings::verify`]).
#[derive(Debug, thiserror::Error)]
#[error("stale bindings: {}: {reason}", .files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
pub struct StaleBindings {
    /// The files that are missing or differ.
    pub files: Vec<PathBuf>,
    /// Why, and what to do.
    pub reason: String,
}

const GENERATED: &str = "// Generated by ipc-core from the service descriptors. Do not edit.\n\n";

/// The runtime's part of the declarations; `$ERROR_KINDS` is replaced by the union of kinds.
const RUNTIME_DTS: &str = r#"/** Stable names of every failure; the numeric codes are listed in ipc_core::error. */
export type ErrorKind = $ERROR_KINDS;

/**
 * The error a call rejects with. `data` is the handler's error value for kind "HANDLER", `{violations}` for
 * "VALIDATION", and null otherwise.
 */
export declare class IpcError<E = unknown> extends Error {
  readonly name: "IpcError";
  readonly code: number;
  readonly kind: ErrorKind;
  readonly data: E | null;
}

/** Options of a call: the last argument of every generated method, and the third of `host.invoke`. */
export interface InvokeOptions {
  /** Stop waiting after this many milliseconds: the call rejects with kind "TIMEOUT" and the host drops it. */
  timeout?: number;
  /** Abort the call: it rejects with kind "CANCELLED" and the host drops the handler at its next await. */
  signal?: AbortSignal;
  /**
   * Set by the generated module's clients: the fingerprint of the bindings they were generated from. The host answers
   * STALE_BINDINGS when the app's services have changed since.
   */
  schema?: string;
  /**
   * Set by the generated clients: the method's `#[validate(...)]` rules that the runtime checks before sending,
   * refusing a call that breaks them with the VALIDATION error the host would answer. The host checks them again.
   */
  rules?: ReadonlyArray<unknown>;
}

/** Options of a method that answers with a stream: a call's options (the timeout bounds the whole stream), and more. */
export interface StreamOptions extends InvokeOptions {
  /**
   * How many items may wait unread in the page (default 16384, at most 65536): the host sends more only as the loop
   * reads them, and keeps their bytes within 4 MiB whatever the window.
   */
  window?: number;
}

/**
 * The items of a method that answers with a stream, in order: read them with `for await`, or with `forEach` (faster:
 * no promise per item). Leaving the loop (`break`, `return`, a throw) or `cancel()` stops the stream, and the host
 * drops it. An error the stream ends with (an `IpcError`, of kind "HANDLER" for the method's own errors) is thrown by
 * the loop after the items sent before it.
 */
export interface IpcStream<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): IpcStream<T>;
  /**
   * Calls `callback` with each item, in order, as it arrives. Resolves when the stream ends or `cancel()` stops it;
   * rejects with the error the stream ends with, or with the callback's own error, which stops the stream. A stream
   * is read one way: `next()` rejects while `forEach` reads it.
   */
  forEach(callback: (item: T) => void): Promise<void>;
  /** Stops the stream: the host drops it, and a loop reading it ends. */
  cancel(): void;
}
"#;

const HOST_DTS: &str = r#"
/** The window's own lifecycle events, pushed to its page; sizes and positions in logical pixels. */
export interface WindowEvents {
  "window:focus": Record<string, never>;
  "window:blur": Record<string, never>;
  "window:resize": { width: number; height: number };
  "window:move": { x: number; y: number };
}

/** `window.host`: the runtime the transport installs in every page. */
export interface Host {
  /** Calls `channel` with arguments by name; resolves with the answer's data or rejects with an `IpcError`. */
  invoke(channel: string, args?: Record<string, unknown>, options?: InvokeOptions): Promise<unknown>;
  /** Calls `channel`, a method that answers with a stream, and returns its items (see `IpcStream`). */
  stream(channel: string, args?: Record<string, unknown>, options?: StreamOptions): IpcStream<unknown>;
  /** Sends a one-way message to Rust subscribers of `channel` (no answer). */
  send(channel: string, payload?: unknown): void;
  /** Calls `callback` for every event pushed on `channel`; returns a function that removes it. */
  on<K extends keyof Events>(channel: K, callback: (payload: Events[K]) => void): () => void;
  on(channel: string, callback: (payload: unknown) => void): () => void;
  /** Like `on`, for the next event only. */
  once<K extends keyof Events>(channel: K, callback: (payload: Events[K]) => void): () => void;
  once(channel: string, callback: (payload: unknown) => void): () => void;
  /** Removes a listener added with `on` (the same callback). */
  off(channel: string, callback: (payload: any) => void): void;
  readonly IpcError: typeof IpcError;
  readonly services: Services;
}

declare global {
  interface Window {
    readonly host: Host;
  }
}

export declare const host: Host;
export declare const services: Services;
"#;

/// The `on` member of a service's interface: one listener function per event. Nothing for a service without events.
fn write_listener_types(out: &mut String, service: &ServiceDescriptor) {
    if service.events.is_empty() {
        return;
    }
    let about = "Listeners of the events the host pushes; each returns a function that removes the listener.";
    write_docs(out, "  ", about, &[]);
    out.push_str("  readonly on: {\n");
    for event in service.events {
        write_docs(
            out,
            "    ",
            event.docs,
            &Vec::from_iter(deprecated_tag(event.deprecated)),
        );
        let _ = writeln!(
            out,
            "    {}(listener: (payload: {}) => void): () => void;",
            event.js_name,
            event.payload.name()
        );
    }
    out.push_str("  };\n");
}

/// `name: T, other?: U | null, options?: InvokeOptions`: arguments from the last non-`Option` one on may be omitted,
/// and the call's options come last.
fn ts_params(method: &MethodDescriptor) -> String {
    let required = method.args.iter().rposition(|a| !a.ts.is_option()).map_or(0, |i| i + 1);
    let mut params: Vec<String> = method
        .args
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            let optional = if i >= required { "?" } else { "" };
            format!("{}{optional}: {}", arg.js_name, arg.ts.name())
        })
        .collect();
    let options = if method.args.iter().any(|a| a.js_name == "options") {
        "callOptions"
    } else {
        "options"
    };
    let kind = if method.stream {
        "StreamOptions"
    } else {
        "InvokeOptions"
    };
    params.push(format!("{options}?: {kind}"));
    params.join(", ")
}

/// A JSDoc block from a Rust doc comment and extra tag lines; nothing when both are empty.
fn write_docs(out: &mut String, indent: &str, docs: &str, tags: &[String]) {
    let docs = docs.trim();
    if docs.is_empty() && tags.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}/**");
    for line in docs.lines().map(str::trim_end).chain(tags.iter().map(String::as_str)) {
        // `*/` would end the comment early.
        let _ = writeln!(out, "{indent} * {}", line.replace("*/", "*\\/"));
    }
    let _ = writeln!(out, "{indent} */");
}

fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{ArgDescriptor, EventDescriptor};

    static GREETER: ServiceDescriptor = ServiceDescriptor {
        name: "greeter",
        js_name: "greeter",
        rust_name: "Greeter",
        docs: "Greets people.",
        methods: &[MethodDescriptor {
            rust_name: "greet_twice",
            js_name: "greetTwice",
            channel: "greeter.greet_twice",
            docs: "Says hello, */ twice.",
            args: &[
                ArgDescriptor {
                    rust_name: "first_name",
                    js_name: "firstName",
                    ts: TsType::of::<String>(),
                    rules: "length(min = 1)",
                    client_rules: &[],
                },
                ArgDescriptor {
                    rust_name: "loud",
                    js_name: "loud",
                    ts: TsType::of::<Option<bool>>(),
                    rules: "",
                    client_rules: &[],
                },
            ],
            returns: Some(TsType::of::<String>()),
            error: Some(TsType::of::<u32>()),
            timeout: crate::CallTimeout::Default,
            deprecated: Some("use `greet` twice"),
            stream: false,
        }],
        events: &[
            EventDescriptor {
                rust_name: "greeted",
                js_name: "greeted",
                channel: "greeter.greeted",
                docs: "Someone was greeted.",
                payload: TsType::of::<Vec<String>>(),
                deprecated: None,
            },
            EventDescriptor {
                rust_name: "waved_at",
                js_name: "wavedAt",
                channel: "greeter.waved",
                docs: "",
                payload: TsType::of::<u32>(),
                deprecated: Some(""),
            },
        ],
    };

    #[test]
    fn client_passes_positional_arguments_by_name_on_the_descriptor_channel() {
        let js = global_client_script(&[&GREETER]);
        assert!(js.contains("host.services[\"greeter\"] = Object.freeze({"), "{js}");
        assert!(js.contains("greetTwice(firstName, loud, __options) {"), "{js}");
        assert!(
            js.contains(
                r#"return host.invoke("greeter.greet_twice", { "firstName": firstName, "loud": loud }, __options);"#
            ),
            "{js}"
        );
    }

    #[test]
    #[cfg(feature = "typescript")]
    fn doc_comments_become_jsdoc_that_cannot_be_closed_early() {
        let js = global_client_script(&[&GREETER]);
        assert!(js.contains(" * Greets people."), "{js}");
        assert!(js.contains(" * Says hello, *\\/ twice."), "{js}");
        assert!(js.contains(" * @param {string} firstName - length(min = 1)"), "{js}");
        assert!(js.contains(" * @param {boolean | null} loud"), "{js}");
        assert!(js.contains(" * @returns {Promise<string>}"), "{js}");
        assert!(js.contains(r#" * @throws {IpcError<number>} kind "HANDLER""#), "{js}");
        assert!(js.contains(" * @deprecated use `greet` twice\n"), "{js}");
    }

    #[test]
    #[cfg(not(feature = "typescript"))]
    fn without_the_typescript_feature_every_value_is_unknown() {
        let bindings = Bindings::new().service(&GREETER);
        assert!(
            bindings
                .declarations()
                .contains("greetTwice(firstName: unknown, loud: unknown, options?: InvokeOptions): Promise<unknown>;"),
            "{}",
            bindings.declarations()
        );
    }

    #[test]
    #[cfg(feature = "typescript")]
    fn declarations_type_each_method_and_its_errors() {
        let dts = Bindings::new().service(&GREETER).declarations();
        assert!(dts.contains("export interface GreeterService {"), "{dts}");
        assert!(
            dts.contains(
                "  greetTwice(firstName: string, loud?: boolean | null, options?: InvokeOptions): Promise<string>;"
            ),
            "{dts}"
        );
        assert!(
            dts.contains("export interface GreeterErrors {\n  greetTwice: number;\n}"),
            "{dts}"
        );
        assert!(
            dts.contains("   * @deprecated use `greet` twice\n   */\n  greetTwice("),
            "{dts}"
        );
        assert!(dts.contains("  readonly greeter: GreeterService;"), "{dts}");
        assert!(dts.contains("export declare const greeter: GreeterService;"), "{dts}");
        assert!(
            dts.contains(r#"export type ErrorKind = "CHANNEL_SEND" | "CHANNEL_RECV""#),
            "{dts}"
        );
    }

    #[test]
    #[cfg(feature = "typescript")]
    fn declared_events_type_their_payloads() {
        let dts = Bindings::new()
            .service(&GREETER)
            .event::<Vec<String>>("news.headlines")
            .declarations();
        assert!(
            dts.contains("  \"greeter.waved\": number;\n  \"news.headlines\": Array<string>;\n}"),
            "{dts}"
        );
        assert!(
            dts.contains("on<K extends keyof Events>(channel: K, callback: (payload: Events[K]) => void)"),
            "{dts}"
        );
    }

    #[test]
    #[cfg(feature = "typescript")]
    fn each_declared_event_is_a_listener_on_its_channel() {
        let js = global_client_script(&[&GREETER]);
        assert!(
            js.contains("    on: Object.freeze({\n      /**\n       * Someone was greeted.\n"),
            "{js}"
        );
        assert!(
            js.contains("       * @param {(payload: Array<string>) => void} listener\n"),
            "{js}"
        );
        assert!(
            js.contains("      greeted(listener) {\n        return host.on(\"greeter.greeted\", listener);\n      },"),
            "{js}"
        );
        assert!(
            js.contains("       * @deprecated\n       */\n      wavedAt(listener) {\n        return host.on(\"greeter.waved\", listener);"),
            "{js}"
        );
    }

    #[test]
    #[cfg(feature = "typescript")]
    fn declarations_type_each_listener_and_its_channel() {
        let dts = Bindings::new()
            .service(&GREETER)
            .event::<String>("greeter.greeted")
            .event::<bool>("editor.saved")
            .declarations();
        assert!(
            dts.contains("  readonly on: {\n    /**\n     * Someone was greeted.\n     */\n    greeted(listener: (payload: Array<string>) => void): () => void;\n"),
            "{dts}"
        );
        assert!(
            dts.contains("    /**\n     * @deprecated\n     */\n    wavedAt(listener: (payload: number) => void): () => void;\n  };\n}"),
            "{dts}"
        );
        // The service's declaration types its channel; `Bindings::event` on the same channel adds nothing.
        assert!(
            dts.contains("export interface Events extends WindowEvents {\n  \"greeter.greeted\": Array<string>;\n  \"greeter.waved\": number;\n  \"editor.saved\": boolean;\n}"),
            "{dts}"
        );
    }

    #[test]
    fn a_service_without_events_has_no_listeners() {
        static PLAIN: ServiceDescriptor = ServiceDescriptor {
            name: "plain",
            js_name: "plain",
            rust_name: "Plain",
            docs: "",
            methods: &[],
            events: &[],
        };
        assert!(!global_client_script(&[&PLAIN]).contains("on:"));
        assert!(!Bindings::new().service(&PLAIN).declarations().contains("readonly on:"));
    }

    #[test]
    fn module_installs_the_client_and_exports_each_service() {
        let js = Bindings::new().service(&GREETER).module();
        assert!(js.contains("host.services[\"greeter\"] = Object.freeze({"), "{js}");
        assert!(js.contains("export const greeter = services.greeter;"), "{js}");
    }

    #[test]
    fn runtime_is_called_with_every_error_code() {
        let js = runtime_script(&Bridge::unconnected(), 1024);
        for code in ErrorCode::ALL {
            assert!(
                js.contains(&format!("\"{}\":{}", code.kind(), code.code())),
                "{}",
                code.kind()
            );
        }
        assert!(js.trim_end().ends_with("});"));
    }

    #[test]
    fn bindings_on_disk_are_verified_against_the_services() {
        let dir = std::env::temp_dir().join(format!("ipc-verify-{}", crate::transport::new_secret()));
        let bindings = Bindings::new().service(&GREETER);
        let missing = bindings.verify_or_write(&dir, "ipc", false).unwrap_err();
        assert_eq!(missing.files.len(), 4, "nothing written yet: {missing}");
        bindings.verify_or_write(&dir, "ipc", true).unwrap();
        bindings
            .verify_or_write(&dir, "ipc", false)
            .expect("just written, so current");
        let changed = Bindings::new().verify_or_write(&dir, "ipc", false).unwrap_err();
        assert_eq!(
            changed.files.len(),
            4,
            "the services changed (one removed), so every file differs"
        );

        std::fs::write(dir.join("ipc.d.ts"), "// an older version").unwrap();
        let stale = bindings.verify_or_write(&dir, "ipc", false).unwrap_err();
        assert_eq!(stale.files, [dir.join("ipc.d.ts")]);
        let message = stale.to_string();
        assert!(
            message.contains("ipc.d.ts") && message.contains("IPC_WRITE_BINDINGS=1"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
