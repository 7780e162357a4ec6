//! Streams both ways. A call answered with a stream sends its items to the page one per unit of credit the page
//! gives, so a page that reads slowly slows the stream down instead of making the host buffer; an argument of type
//! [`Upload`] receives items from the page the same way, for credit the host gives as the handler reads. The wire
//! format is in [`crate::protocol`], "Streams" and "Uploads".

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures::{Stream, StreamExt};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use tokio::sync::Notify;

use crate::capability::Direction;
use crate::error::{CallError, ErrorCode};
use crate::limits::Limits;
use crate::protocol::encode_item;
use crate::service::{Args, Reply};
use crate::window::{Message, Page, WindowState};

/// The most credit one stream holds: grants beyond it are capped, so no count a page sends can overflow (the runtime's
/// largest window is as large).
const MAX_CREDIT: u64 = 1 << 16;

/// What flows beside one call: the credit its page gave the stream answering it, what wakes the stream when more
/// arrives, the items of its uploads, and the failure that stopped it, if one did.
#[derive(Debug)]
pub(crate) struct Flow {
    credit: Mutex<Credit>,
    granted: Notify,
    uploads: Vec<Mutex<Inbox>>,
    failure: Mutex<Option<CallError>>,
    /// The most bytes of the stream's items sent and not yet read by the page, whatever its credit: a window of many
    /// items stays cheap for small ones without letting large ones pile up in the page.
    unread_limit: usize,
    /// Items of an upload the page may send ahead of the method's reading.
    upload_window: u32,
}

/// What a stream may send: the page's credit in items, and the sizes of the items sent and not yet read.
#[derive(Debug, Default)]
struct Credit {
    items: u64,
    /// The page's first grant (its window) came: every later one says how many items it read.
    window_given: bool,
    /// The size of each item sent and not yet read, oldest first, and their sum.
    unread: VecDeque<usize>,
    unread_bytes: usize,
}

/// The items of one upload that arrived and were not read yet.
#[derive(Debug, Default)]
struct Inbox {
    items: VecDeque<Item>,
    /// The page said the upload has no further items.
    ended: bool,
    /// An `Upload` argument took it.
    claimed: bool,
    /// The `Upload` was dropped: later items are not wanted.
    closed: bool,
    /// Items the page may still send: credit given minus items received.
    allowed: u64,
    waker: Option<Waker>,
}

/// One item of an upload as it arrived: its JSON text as the one argument `item` of an arguments object
/// (`{"item":...}`, decoded by the rules arguments follow), and the bytes its placeholders stand for.
#[derive(Debug)]
pub(crate) struct Item {
    pub args: String,
    pub binary: Option<(String, Vec<bytes::Bytes>)>,
}

impl Flow {
    /// The flow of a call carrying `uploads` uploads, within `limits`.
    pub(crate) fn new(uploads: u32, limits: &Limits) -> Self {
        Flow {
            credit: Mutex::default(),
            granted: Notify::new(),
            uploads: (0..uploads).map(|_| Mutex::default()).collect(),
            failure: Mutex::default(),
            unread_limit: limits.stream_unread_bytes,
            upload_window: limits.upload_window,
        }
    }

    fn inbox(&self, upload: u32) -> Option<MutexGuard<'_, Inbox>> {
        let inbox = self.uploads.get(upload as usize)?;
        Some(inbox.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Takes item `item` of upload `upload`, or says why the call must stop: the page sent beyond its credit.
    /// Items of an upload that no argument took, or that was dropped, are let go.
    pub(crate) fn receive(&self, upload: u32, item: Item) -> Result<(), CallError> {
        let Some(mut inbox) = self.inbox(upload) else {
            return Ok(());
        };
        if inbox.closed {
            return Ok(());
        }
        if inbox.allowed == 0 || inbox.ended {
            return Err(CallError::new(
                ErrorCode::InvalidRequest,
                format!("the page sent an item of upload {upload} beyond the credit the host gave, or after its end"),
            ));
        }
        inbox.allowed -= 1;
        inbox.items.push_back(item);
        if let Some(waker) = inbox.waker.take() {
            waker.wake();
        }
        Ok(())
    }

    /// Upload `upload` has no further items.
    pub(crate) fn end(&self, upload: u32) {
        if let Some(mut inbox) = self.inbox(upload) {
            inbox.ended = true;
            if let Some(waker) = inbox.waker.take() {
                waker.wake();
            }
        }
    }

    /// Records why the call was stopped, for its answer.
    pub(crate) fn fail(&self, error: CallError) {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(error);
    }

    /// Why the call was stopped, if the flow stopped it.
    pub(crate) fn failure(&self) -> Option<CallError> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn credit(&self) -> MutexGuard<'_, Credit> {
        self.credit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets the stream send `count` more items. Every grant after the page's first says it read `count` items.
    pub(crate) fn grant(&self, count: u32) {
        {
            let mut credit = self.credit();
            credit.items = (credit.items + u64::from(count)).min(MAX_CREDIT);
            if std::mem::replace(&mut credit.window_given, true) {
                for _ in 0..count {
                    let Some(size) = credit.unread.pop_front() else {
                        break;
                    };
                    credit.unread_bytes -= size;
                }
            }
        }
        self.granted.notify_one();
    }

    /// Waits until an item of `bytes` may be sent (a unit of credit, and room within the unread limit), and takes the
    /// credit.
    async fn take(&self, bytes: usize) {
        loop {
            {
                let mut credit = self.credit();
                let room = credit.unread_bytes == 0 || credit.unread_bytes + bytes <= self.unread_limit;
                if credit.items > 0 && room {
                    credit.items -= 1;
                    credit.unread.push_back(bytes);
                    credit.unread_bytes += bytes;
                    return;
                }
            }
            // One waiter only (the stream's own call): a grant made before this wait leaves a permit behind.
            self.granted.notified().await;
        }
    }
}

/// The call a flow belongs to: the page that called, under the call's id, where a stream's items and an upload's
/// credit go.
#[derive(Clone)]
pub(crate) struct Outlet {
    /// The call's channel, for errors.
    pub(crate) channel: &'static str,
    pub(crate) window: Arc<WindowState>,
    pub(crate) page: Arc<Page>,
    pub(crate) id: i64,
    pub(crate) flow: Arc<Flow>,
}

impl fmt::Debug for Outlet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outlet")
            .field("window", &self.window.id)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Outlet {
    /// Whether the call carries uploads (whose arguments claim them when decoded).
    pub(crate) fn has_uploads(&self) -> bool {
        !self.flow.uploads.is_empty()
    }

    /// Stops the call: its future is dropped and `error` is its answer.
    fn stop(&self, error: CallError) {
        self.flow.fail(error);
        self.window.cancel_call(&self.page, self.id);
    }

    /// Lets the page send `count` more items of upload `upload`.
    fn grant_upload(&self, upload: u32, count: u32) {
        if let Some(mut inbox) = self.flow.inbox(upload) {
            inbox.allowed += u64::from(count);
        }
        let text = format!(
            r#"{{"type":"credit","id":{},"upload":{upload},"count":{count}}}"#,
            self.id
        );
        self.window.queue_answer(&self.page, text);
    }

    /// Sends one item once the window has room for it, if the page may still call `channel`.
    async fn send(&self, channel: &str, item: Reply) -> Result<(), CallError> {
        let window = self.window.id;
        let permitted = self.page.permitted
            && self
                .window
                .capabilities_of(&self.page)
                .permits_for(window, channel, Direction::Invoke);
        if !permitted {
            return Err(CallError::new(
                ErrorCode::Forbidden,
                format!("{window} may no longer call `{channel}`: its stream was stopped"),
            ));
        }
        if self.page.parent.is_some() && !item.attached.parts.is_empty() {
            return Err(CallError::new(
                ErrorCode::Serialization,
                format!("an item of `{channel}` holds binary data, which cannot be relayed to a frame"),
            ));
        }
        let text = encode_item(self.id, &item.json, &item.attached);
        let message = Message {
            text,
            parts: item.attached.parts,
        };
        self.window.wait_for_room(message.len()).await;
        self.window.queue_answer(&self.page, message);
        Ok(())
    }
}

/// Runs a call answered with `stream`: each item is encoded with `encode` and sent for one unit of the page's credit.
/// The host holds at most one item the page has no credit for: the stream is not pulled again before that item is
/// sent. Ends with the call's answer, which needs no credit: `null` when the stream is done, or the first error (an
/// item `encode` refuses, such as a `Result` item's `Err`).
pub(crate) async fn answer<S: Stream>(
    outlet: Option<&Outlet>,
    channel: &str,
    stream: S,
    encode: fn(&str, S::Item) -> Result<Reply, CallError>,
) -> Result<Reply, CallError> {
    let Some(outlet) = outlet else {
        return Err(CallError::new(
            ErrorCode::InvalidRequest,
            format!("`{channel}` answers with a stream, which this caller cannot receive"),
        ));
    };
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        let item = encode(channel, item)?;
        outlet.flow.take(item.len()).await;
        outlet.send(channel, item).await?;
    }
    Ok(Reply::null())
}

/// Items the page sends while a method runs: an argument of type `Upload<T>` is read as a [`Stream`] of `T`.
///
/// In the page, the argument is any async iterable (an async generator) or `ReadableStream` of values that travel as
/// a `T` would (typed `AsyncIterable<T> | ReadableStream<T>` in the `.d.ts`); an `Upload<Binary>` takes
/// `Uint8Array` chunks, such as `file.stream()`. The page sends items only as the method reads them (at most
/// [`Limits::upload_window`] ahead), so a method that reads slowly never makes the host buffer without bound. The stream ends
/// when the page's source is done; an item that does not decode as a `T` stops the call with `INVALID_ARGUMENTS`, and a
/// source that fails in the page cancels the call: the method never takes a partial upload for a whole one.
///
/// ```
/// use futures::StreamExt;
/// use ipc_core::{ipc_service, Binary, Upload};
///
/// #[ipc_service]
/// trait Files {
///     /// Stores a file sent in chunks; answers its size.
///     async fn store(&self, name: String, chunks: Upload<Binary>) -> u64;
/// }
///
/// struct Disk;
///
/// impl Files for Disk {
///     async fn store(&self, _name: String, mut chunks: Upload<Binary>) -> u64 {
///         let mut size = 0;
///         while let Some(chunk) = chunks.next().await {
///             size += chunk.len() as u64;
///         }
///         size
///     }
/// }
/// ```
pub struct Upload<T> {
    outlet: Outlet,
    index: u32,
    /// Items read since credit was last given back.
    read: u32,
    /// Items read in all.
    count: u64,
    item: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Upload<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("call", &self.outlet.id)
            .field("upload", &self.index)
            .field("read", &self.count)
            .finish()
    }
}

impl<T: DeserializeOwned> Stream for Upload<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let item = {
            let Some(mut inbox) = this.outlet.flow.inbox(this.index) else {
                return Poll::Ready(None);
            };
            match inbox.items.pop_front() {
                Some(item) => item,
                None if inbox.ended => return Poll::Ready(None),
                None => {
                    inbox.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        this.read += 1;
        this.count += 1;
        if this.read * 2 >= this.outlet.flow.upload_window {
            this.outlet.grant_upload(this.index, this.read);
            this.read = 0;
        }
        // Decoded as an argument named `item` is, by the same rules: the path at fault named, unknown fields refused.
        let args = match &item.binary {
            Some((key, parts)) => Args::with_parts(Some(&item.args), key, parts),
            None => Args::json(Some(&item.args)),
        };
        match crate::args::decode::<(T,)>(this.outlet.channel, &["item"], false, args) {
            Ok((value,)) => Poll::Ready(Some(value)),
            Err(error) => {
                this.outlet.stop(CallError::new(
                    ErrorCode::InvalidArguments,
                    format!("{} (item {} of upload {})", error.message(), this.count, this.index),
                ));
                // The call's future is dropped at its next await.
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Upload<T> {
    fn drop(&mut self) {
        if let Some(mut inbox) = self.outlet.flow.inbox(self.index) {
            inbox.closed = true;
            inbox.items.clear();
        }
    }
}

std::thread_local! {
    /// The call whose arguments are being decoded on this thread, for the uploads among them.
    static DECODING: std::cell::RefCell<Option<Outlet>> = const { std::cell::RefCell::new(None) };
}

/// Runs `decode` with `outlet` as the call whose uploads the arguments take.
pub(crate) fn decoding<R>(outlet: &Outlet, decode: impl FnOnce() -> R) -> R {
    let outer = DECODING.with(|slot| slot.borrow_mut().replace(outlet.clone()));
    let value = decode();
    DECODING.with(|slot| *slot.borrow_mut() = outer);
    value
}

/// The key of an upload's placeholder in a call's arguments.
const UPLOAD_KEY: &str = "$ipc:upload";

impl<'de, T> Deserialize<'de> for Upload<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Placeholder;

        impl<'de> Visitor<'de> for Placeholder {
            type Value = u32;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an upload (an async iterable or a ReadableStream in the page)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u32, A::Error> {
                let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                    return Err(de::Error::invalid_value(de::Unexpected::Map, &self));
                };
                if key != UPLOAD_KEY {
                    return Err(de::Error::invalid_value(de::Unexpected::Map, &self));
                }
                let index = map.next_value::<u32>()?;
                if map.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_value(de::Unexpected::Map, &self));
                }
                Ok(index)
            }
        }

        let index = deserializer.deserialize_map(Placeholder)?;
        let outlet = DECODING.with(|slot| slot.borrow().clone()).ok_or_else(|| {
            de::Error::custom("an upload comes only with a page's call that announces it (`uploads` in the request)")
        })?;
        {
            let Some(mut inbox) = outlet.flow.inbox(index) else {
                return Err(de::Error::custom(format!(
                    "upload {index} is not one the call said it carries"
                )));
            };
            if std::mem::replace(&mut inbox.claimed, true) {
                return Err(de::Error::custom(format!("upload {index} is taken by two arguments")));
            }
        }
        outlet.grant_upload(index, outlet.flow.upload_window);
        Ok(Upload {
            outlet,
            index,
            read: 0,
            count: 0,
            item: PhantomData,
        })
    }
}

#[cfg(feature = "typescript")]
impl<T: ts_rs::TS + 'static> ts_rs::TS for Upload<T> {
    type WithoutGenerics = Upload<ts_rs::Dummy>;
    type OptionInnerType = Self;

    fn name() -> String {
        format!("AsyncIterable<{0}> | ReadableStream<{0}>", T::name())
    }

    fn inline() -> String {
        Self::name()
    }

    fn inline_flattened() -> String {
        panic!("an upload cannot be flattened")
    }

    fn decl() -> String {
        panic!("an upload cannot be declared")
    }

    fn decl_concrete() -> String {
        panic!("an upload cannot be declared")
    }

    fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor)
    where
        Self: 'static,
    {
        v.visit::<T>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn credit_is_taken_one_unit_at_a_time_and_waits_for_a_grant() {
        let flow = Arc::new(Flow::new(0, &Limits::default()));
        flow.grant(2);
        flow.take(10).await;
        flow.take(10).await;
        let waiting = tokio::spawn({
            let flow = Arc::clone(&flow);
            async move { flow.take(10).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "no credit is left");
        flow.grant(1);
        waiting.await.unwrap();
    }

    #[tokio::test]
    async fn unread_bytes_hold_large_items_back_whatever_the_credit() {
        let flow = Arc::new(Flow::new(0, &Limits::default()));
        flow.grant(100);
        let mib = 1024 * 1024;
        for _ in 0..4 {
            flow.take(mib).await;
        }
        let waiting = tokio::spawn({
            let flow = Arc::clone(&flow);
            async move { flow.take(mib).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "4 MiB are unread");
        flow.grant(1);
        waiting.await.unwrap();
        assert_eq!(flow.credit().unread_bytes, 4 * mib);
    }

    #[tokio::test]
    async fn one_item_larger_than_the_budget_still_goes_alone() {
        let flow = Flow::new(0, &Limits::default());
        flow.grant(5);
        flow.take(64 * 1024 * 1024).await;
        assert_eq!(flow.credit().items, 4);
    }

    #[test]
    fn credit_is_capped() {
        let flow = Flow::new(0, &Limits::default());
        for _ in 0..1000 {
            flow.grant(u32::MAX);
        }
        assert_eq!(flow.credit().items, MAX_CREDIT);
        assert!(flow.credit().unread.is_empty());
    }
}
