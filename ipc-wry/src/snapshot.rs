//! Page snapshots as PNG, for self-driving demos and visual checks.

use tokio::sync::oneshot;
use wry::WebView;

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
