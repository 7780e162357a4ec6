//! Errors of the WebView host.

/// An error starting or running the app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The hub could not be built (for example, a channel registered twice).
    #[error(transparent)]
    Hub(#[from] ipc_core::Error),
    /// The tokio runtime for the handlers could not be started.
    #[error("could not start the tokio runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A window could not be created.
    #[error("could not create window `{title}`: {source}")]
    Window {
        /// The window's title.
        title: String,
        /// What tao reported.
        #[source]
        source: tao::error::OsError,
    },
    /// A front end's files cannot be served: a wrong directory, or one without `index.html`.
    #[error("cannot serve the front end at `{path}`: {problem}")]
    Assets {
        /// The directory (or embedded type) given.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A dev server could not be started or never accepted connections.
    #[error("dev server `{url}`: {problem}")]
    DevServer {
        /// Its URL.
        url: String,
        /// What went wrong.
        problem: String,
    },
    /// Browser mode could not start: an address that is not loopback, a port in use, or nothing to serve.
    #[error("browser mode at `{address}`: {problem}")]
    BrowserMode {
        /// The address it was to listen on.
        address: String,
        /// What went wrong.
        problem: String,
    },
    /// A WebView could not be created.
    #[error("could not create the WebView of window `{title}`: {source}")]
    WebView {
        /// The window's title.
        title: String,
        /// What wry reported.
        #[source]
        source: wry::Error,
    },
    /// Something awaited in a page did not happen in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        after: std::time::Duration,
    },
    /// The event loop has ended, so the app can no longer be reached.
    #[error("the app has stopped")]
    Stopped,
}
