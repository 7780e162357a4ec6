//! Driving pages from Rust, for self-driving demos and end-to-end tests (the `drive` feature): evaluate scripts, wait
//! for conditions, take PNG snapshots.

use std::sync::Mutex;
use std::time::Duration;

use ipc_core::WindowId;
use tokio::sync::oneshot;
use wry::WebView;

use crate::error::Error;
use crate::mount::{IpcEvent, MountHandle};

impl<E: From<IpcEvent> + Send + 'static> MountHandle<E> {
    /// Evaluates `script` in the page of `window` and receives its value as JSON text (`"null"` for `undefined`).
    /// The receiver reports an error if the window closes first, or (on WebKitGTK) if the script ran before the first
    /// page load, when no value is reported.
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has ended.
    pub fn evaluate(&self, window: WindowId, script: impl Into<String>) -> Result<oneshot::Receiver<String>, Error> {
        let (tx, rx) = oneshot::channel();
        let script = script.into();
        self.with_webview(window, move |webview| {
            // wry wants an `Fn` callback; the value arrives once.
            let tx = Mutex::new(Some(tx));
            let callback = move |value: String| {
                if let Some(tx) = tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = tx.send(value);
                }
            };
            if let Err(err) = webview.evaluate_script_with_callback(&script, callback) {
                tracing::warn!("could not evaluate a script: {err}");
            }
        })?;
        Ok(rx)
    }

    /// Evaluates `condition` in `window`'s page every 20 ms until it is truthy, and returns its value as JSON text.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if `condition` is still falsy after `timeout`; [`Error::Stopped`] if the app or the window
    /// went away.
    pub async fn wait_for(&self, window: WindowId, condition: &str, timeout: Duration) -> Result<String, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.evaluate(window, condition)?;
            match tokio::time::timeout_at(deadline, value).await {
                Ok(Ok(value)) if !is_falsy_json(&value) => return Ok(value),
                Ok(Ok(_)) => {}
                // WebKitGTK drops the callback of a script evaluated before the first page load: not ready yet.
                Ok(Err(_)) if self.hub().has_window(window) => {}
                Ok(Err(_)) => return Err(Error::Stopped),
                Err(_) => break,
            }
            if tokio::time::timeout_at(deadline, tokio::time::sleep(Duration::from_millis(20)))
                .await
                .is_err()
            {
                break;
            }
        }
        Err(Error::Timeout {
            what: format!("`{condition}` in {window}"),
            after: timeout,
        })
    }

    /// Waits until `window`'s page has finished loading and its runtime (`window.host`) is installed.
    ///
    /// # Errors
    ///
    /// As [`wait_for`](MountHandle::wait_for).
    pub async fn wait_until_ready(&self, window: WindowId, timeout: Duration) -> Result<(), Error> {
        let ready = "document.readyState === 'complete' && window.host !== undefined";
        self.wait_for(window, ready, timeout).await.map(drop)
    }

    /// Takes a PNG snapshot of the visible part of `window`'s page (Linux, WebKitGTK). The receiver gets the PNG bytes,
    /// or what went wrong.
    ///
    /// # Errors
    ///
    /// [`Error::Stopped`] if the event loop has ended.
    pub fn capture_png(&self, window: WindowId) -> Result<oneshot::Receiver<Result<Vec<u8>, String>>, Error> {
        let (tx, rx) = oneshot::channel();
        self.with_webview(window, move |webview| capture_png(webview, tx))?;
        Ok(rx)
    }
}

/// Whether a JSON value (as WebKit reports a script's result) is falsy in JavaScript.
fn is_falsy_json(value: &str) -> bool {
    matches!(value.trim(), "" | "null" | "undefined" | "false" | "0" | "\"\"")
}
/// Snapshots the visible part of the page; runs on the UI thread and answers through `tx` when WebKit is done.
#[cfg(target_os = "linux")]
pub(crate) fn capture_png(webview: &WebView, tx: oneshot::Sender<Result<Vec<u8>, String>>) {
    use webkit2gtk::{SnapshotOptions, SnapshotRegion, WebViewExt};
    use wry::WebViewExtUnix;

    webview.webview().snapshot(
        SnapshotRegion::Visible,
        SnapshotOptions::NONE,
        None::<&webkit2gtk::gio::Cancellable>,
        move |result| {
            let png = result.map_err(|err| err.to_string()).and_then(|surface| {
                let mut png = Vec::new();
                surface.write_to_png(&mut png).map_err(|err| err.to_string())?;
                Ok(png)
            });
            let _ = tx.send(png);
        },
    );
}

/// Snapshots the visible part of the page: not available on this platform yet.
#[cfg(not(target_os = "linux"))]
pub(crate) fn capture_png(_webview: &WebView, tx: oneshot::Sender<Result<Vec<u8>, String>>) {
    let _ = tx.send(Err(
        "page snapshots are only implemented for WebKitGTK (Linux)".to_owned()
    ));
}
