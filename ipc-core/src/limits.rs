//! Every limit the hub enforces, with its default, in one place.
//!
//! A page is untrusted input: whatever it sends, and however fast, the host's memory stays bounded and other windows
//! stay responsive. Each limit below has a default that suits a desktop app and a setter of the same name on [`HubBuilder`](crate::HubBuilder).
//!
//! | limit | default | when it is reached |
//! |---|---|---|
//! | [`max_request_size`](Limits::max_request_size) | 16 MiB | the request is refused with `PAYLOAD_TOO_LARGE` (7012); the page's runtime refuses it before sending |
//! | [`max_in_flight`](Limits::max_in_flight) | 256 calls per window | the call is answered `BUSY` (7014) at once, without running |
//! | [`call_timeout`](Limits::call_timeout) | 60 s (per method: `#[ipc(timeout = "...")]`) | the call is answered `TIMEOUT` (7011) and its future dropped |
//! | [`max_queued_bytes`](Limits::max_queued_bytes) | 64 MiB per window | pushes are refused: [`Hub::send_to_window`](crate::Hub::send_to_window) returns [`Error::QueueFull`](crate::Error::QueueFull), [`Hub::send_to_window_async`](crate::Hub::send_to_window_async) waits for room, broadcasts skip the window; answers are always queued (the in-flight limit bounds them) |
//! | [`max_pending_requests`](Limits::max_pending_requests) | 64 MiB of requests per window not yet read by the hub | further requests of that window are dropped and logged until it catches up |
//! | [`subscriber_capacity`](Limits::subscriber_capacity) | 1,024 events per stream | a stream that is not read drops further events; [`EventStream::dropped`](crate::EventStream::dropped) counts them and a warning is logged |
//! | [`stream_unread_bytes`](Limits::stream_unread_bytes) | 4 MiB per stream | a method answering with a stream sends no further item, whatever the page's credit, until the page has read enough (one item always goes, whatever its size) |
//! | [`upload_window`](Limits::upload_window) | 16 items per upload | the page waits for the method to read before it sends more; an item beyond that is answered `INVALID_REQUEST` and stops the call |
//! | [`max_uploads`](Limits::max_uploads) | 16 uploads per call | the call is answered `INVALID_REQUEST` without running |
//!
//! Bytes queued for a window count until the transport reports the page has taken them (a WebView has run the
//! delivery script), so a flood of pushes is bounded end to end, not only in the host.

use std::time::Duration;

/// The largest request a hub accepts unless told otherwise: 16 MiB.
pub const DEFAULT_MAX_REQUEST_SIZE: usize = 16 * 1024 * 1024;
/// Calls one window may have in flight unless told otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// How long a call may run unless its method or the hub says otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of answers and pushes that may wait for one window unless told otherwise: 64 MiB.
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of requests from one window that may wait to be read unless told otherwise: 64 MiB.
pub const DEFAULT_MAX_PENDING_REQUESTS: usize = 64 * 1024 * 1024;
/// Events one subscriber's queue holds unless told otherwise.
pub const DEFAULT_SUBSCRIBER_CAPACITY: usize = 1024;
/// Bytes of one stream's items sent and not yet read by the page unless told otherwise: 4 MiB.
pub const DEFAULT_STREAM_UNREAD_BYTES: usize = 4 * 1024 * 1024;
/// Items of one upload the page may send ahead of the method's reading unless told otherwise.
pub const DEFAULT_UPLOAD_WINDOW: u32 = 16;
/// Uploads one call may carry unless told otherwise.
pub const DEFAULT_MAX_UPLOADS: u32 = 16;

/// The hub's limits; see the [module docs](self) for what happens at each. Set them on
/// [`HubBuilder`](crate::HubBuilder); read them with [`Hub::limits`](crate::Hub::limits).
///
/// ```
/// use std::time::Duration;
/// use ipc_core::Hub;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hub = Hub::builder().max_in_flight(16).call_timeout(Some(Duration::from_secs(5))).build().unwrap();
/// assert_eq!(hub.limits().max_in_flight, 16);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest request accepted, in bytes.
    pub max_request_size: usize,
    /// Calls one window may have in flight.
    pub max_in_flight: usize,
    /// The deadline of a call whose method does not set its own; `None` for no deadline.
    pub call_timeout: Option<Duration>,
    /// Bytes of answers and pushes that may wait for one window.
    pub max_queued_bytes: usize,
    /// Bytes of requests from one window that may wait to be read.
    pub max_pending_requests: usize,
    /// Events one subscriber's queue holds.
    pub subscriber_capacity: usize,
    /// Bytes of one stream's items sent and not yet read by the page.
    pub stream_unread_bytes: usize,
    /// Items of one upload the page may send ahead of the method's reading.
    pub upload_window: u32,
    /// Uploads one call may carry.
    pub max_uploads: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_size: DEFAULT_MAX_REQUEST_SIZE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            call_timeout: Some(DEFAULT_CALL_TIMEOUT),
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            max_pending_requests: DEFAULT_MAX_PENDING_REQUESTS,
            subscriber_capacity: DEFAULT_SUBSCRIBER_CAPACITY,
            stream_unread_bytes: DEFAULT_STREAM_UNREAD_BYTES,
            upload_window: DEFAULT_UPLOAD_WINDOW,
            max_uploads: DEFAULT_MAX_UPLOADS,
        }
    }
}
