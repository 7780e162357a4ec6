//! Typed pushes of an event declared in a service trait with `#[ipc(event)]`.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::error::Error;
use crate::hub::Hub;
use crate::window::WindowId;

/// Pushes one declared event, with its payload type `T`, on its channel: what the generated `...Events` type of a
/// service hands out for each `#[ipc(event)]` (`TodosEvents::new(&hub).changed()`).
///
/// Each method is the [`Hub`] method of the same target, on the event's channel, with the same capability rules and
/// results: a window whose capabilities do not let it receive the channel is refused by
/// [`to_window`](Emitter::to_window) and skipped by [`to_windows`](Emitter::to_windows) and
/// [`to_all`](Emitter::to_all).
///
/// ```
/// use ipc_core::{ipc_service, testing::TestClient, Hub};
///
/// #[ipc_service]
/// trait Clock {
///     fn now(&self) -> u64;
///     /// A second has passed.
///     #[ipc(event)]
///     fn tick(&self, seconds: u64);
/// }
///
/// # struct Quartz;
/// # impl Clock for Quartz {
/// #     fn now(&self) -> u64 { 0 }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hub = Hub::builder().service(Quartz.into_service()).build().unwrap();
/// let mut page = TestClient::new(&hub);
///
/// let tick = ClockEvents::new(&hub).tick();
/// assert_eq!(tick.channel(), "clock.tick");
/// assert_eq!(tick.to_all(&1).unwrap(), 1);
/// assert_eq!(
///     page.next_message().await.unwrap(),
///     r#"{"type":"event","channel":"clock.tick","payload":1}"#
/// );
/// # }
/// ```
pub struct Emitter<'a, T: ?Sized> {
    hub: &'a Hub,
    channel: &'static str,
    payload: PhantomData<fn(&T)>,
}

impl<'a, T: ?Sized> Emitter<'a, T> {
    /// Pushes on `channel` of `hub`; generated code makes it (see `ipc_core::__private::emitter`).
    pub(crate) fn new(hub: &'a Hub, channel: &'static str) -> Self {
        Emitter {
            hub,
            channel,
            payload: PhantomData,
        }
    }

    /// The channel the event is pushed on.
    pub fn channel(&self) -> &'static str {
        self.channel
    }
}

impl<T: Serialize + ?Sized> Emitter<'_, T> {
    /// Pushes `payload` to one window's page, as [`Hub::send_to_window`].
    ///
    /// # Errors
    ///
    /// As [`Hub::send_to_window`]: [`Error::Forbidden`] if the window may not receive the event's channel,
    /// [`Error::WindowNotFound`], [`Error::ForeignPage`], [`Error::QueueFull`] or [`Error::Serialization`].
    pub fn to_window(&self, window: WindowId, payload: &T) -> Result<(), Error> {
        self.hub.send_to_window(window, self.channel, payload)
    }

    /// Pushes `payload` to one window's page, waiting for room when its queue is full, as
    /// [`Hub::send_to_window_async`].
    ///
    /// # Errors
    ///
    /// As [`Hub::send_to_window_async`].
    pub async fn to_window_async(&self, window: WindowId, payload: &T) -> Result<(), Error> {
        self.hub.send_to_window_async(window, self.channel, payload).await
    }

    /// Pushes `payload` to each of `windows` that is attached, may receive the event and has room, as
    /// [`Hub::broadcast`]. Returns how many windows it was queued for.
    ///
    /// # Errors
    ///
    /// [`Error::Serialization`] if `payload` does not serialize; nothing is sent then.
    pub fn to_windows(&self, windows: &[WindowId], payload: &T) -> Result<usize, Error> {
        self.hub.broadcast(windows, self.channel, payload)
    }

    /// Pushes `payload` to every attached window that may receive the event and has room, as [`Hub::broadcast_all`].
    /// Returns how many windows it was queued for.
    ///
    /// # Errors
    ///
    /// [`Error::Serialization`] if `payload` does not serialize; nothing is sent then.
    pub fn to_all(&self, payload: &T) -> Result<usize, Error> {
        self.hub.broadcast_all(self.channel, payload)
    }
}

impl<T: ?Sized> Clone for Emitter<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Emitter<'_, T> {}

impl<T: ?Sized> fmt::Debug for Emitter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}
