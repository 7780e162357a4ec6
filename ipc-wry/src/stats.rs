//! How a window's messages have travelled: by script or by fetch, each way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ipc_core::WindowId;

/// How many messages of one window have taken each path so far (see [`WindowSpec::fetch_requests_above`] and
/// [`WindowSpec::fetch_deliveries_above`]), from [`MountHandle::transport_stats`].
///
/// [`WindowSpec::fetch_requests_above`]: crate::WindowSpec::fetch_requests_above
/// [`WindowSpec::fetch_deliveries_above`]: crate::WindowSpec::fetch_deliveries_above
/// [`MountHandle::transport_stats`]: crate::MountHandle::transport_stats
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// Messages the page posted through wry's script message handler.
    pub messages_by_handler: u64,
    /// Messages the page `POST`ed on the app scheme.
    pub messages_by_post: u64,
    /// Messages with one binary part the page `POST`ed on the app scheme with the part as the body, as it is.
    pub messages_by_part: u64,
    /// Deliveries (each one or more answers and pushes) evaluated in the page as script.
    pub deliveries_by_script: u64,
    /// Deliveries the page fetched from the app scheme.
    pub deliveries_by_fetch: u64,
    /// Of those, deliveries with one binary part fetched with the part as the body, as it is (the text in a header).
    pub deliveries_by_part: u64,
    /// Messages `POST`ed on the app scheme whose arrival the host confirmed to the page by script, ahead of their
    /// response, so that what the page posts next need not wait for it (see [`crate::bulk`]'s docs on uploads).
    pub uploads_confirmed: u64,
}

/// The live counters of one window.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    messages_by_handler: AtomicU64,
    messages_by_post: AtomicU64,
    messages_by_part: AtomicU64,
    deliveries_by_script: AtomicU64,
    deliveries_by_fetch: AtomicU64,
    deliveries_by_part: AtomicU64,
    uploads_confirmed: AtomicU64,
}

/// Which counter to move.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path {
    MessageByHandler,
    MessageByPost,
    MessageByPart,
    DeliveryByScript,
    DeliveryByFetch,
    DeliveryByPart,
    UploadConfirmed,
}

impl Counters {
    pub(crate) fn count(&self, path: Path) {
        let counter = match path {
            Path::MessageByHandler => &self.messages_by_handler,
            Path::MessageByPost => &self.messages_by_post,
            Path::MessageByPart => &self.messages_by_part,
            Path::DeliveryByScript => &self.deliveries_by_script,
            Path::DeliveryByFetch => &self.deliveries_by_fetch,
            Path::DeliveryByPart => &self.deliveries_by_part,
            Path::UploadConfirmed => &self.uploads_confirmed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> TransportStats {
        TransportStats {
            messages_by_handler: self.messages_by_handler.load(Ordering::Relaxed),
            messages_by_post: self.messages_by_post.load(Ordering::Relaxed),
            messages_by_part: self.messages_by_part.load(Ordering::Relaxed),
            deliveries_by_script: self.deliveries_by_script.load(Ordering::Relaxed),
            deliveries_by_fetch: self.deliveries_by_fetch.load(Ordering::Relaxed),
            deliveries_by_part: self.deliveries_by_part.load(Ordering::Relaxed),
            uploads_confirmed: self.uploads_confirmed.load(Ordering::Relaxed),
        }
    }
}

/// The counters of every window of a mount, shared with its handles.
#[derive(Debug, Default, Clone)]
pub(crate) struct Registry(Arc<Mutex<HashMap<WindowId, Arc<Counters>>>>);

impl Registry {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<WindowId, Arc<Counters>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add(&self, window: WindowId, counters: Arc<Counters>) {
        self.map().insert(window, counters);
    }

    pub(crate) fn remove(&self, window: WindowId) {
        self.map().remove(&window);
    }

    pub(crate) fn get(&self, window: WindowId) -> Option<TransportStats> {
        self.map().get(&window).map(|counters| counters.snapshot())
    }
}
