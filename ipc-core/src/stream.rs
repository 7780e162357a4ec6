//! Calls answered with a stream: items sent to the page one per unit of credit the page gives, so a page that reads
//! slowly slows the stream down instead of making the host buffer (the wire format is in [`crate::protocol`],
//! "Streams").

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures::{Stream, StreamExt};
use tokio::sync::Notify;

use crate::capability::Direction;
use crate::error::{CallError, ErrorCode};
use crate::protocol::encode_item;
use crate::service::Reply;
use crate::window::{Message, Page, WindowState};

/// The most credit one stream holds: grants beyond it are capped, so no count a page sends can overflow.
const MAX_CREDIT: u64 = 1 << 20;

/// The credit a page gave the stream answering one of its calls, and what wakes the stream when more arrives.
#[derive(Debug, Default)]
pub(crate) struct Flow {
    credit: AtomicU64,
    granted: Notify,
}

impl Flow {
    /// Lets the stream send `count` more items.
    pub(crate) fn grant(&self, count: u32) {
        let _ = self.credit.fetch_update(Ordering::AcqRel, Ordering::Acquire, |credit| {
            Some((credit + u64::from(count)).min(MAX_CREDIT))
        });
        self.granted.notify_one();
    }

    /// Waits for one unit of credit and takes it.
    async fn take(&self) {
        loop {
            let taken = self
                .credit
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |credit| credit.checked_sub(1));
            if taken.is_ok() {
                return;
            }
            // One waiter only (the stream's own call): a grant made before this wait leaves a permit behind.
            self.granted.notified().await;
        }
    }
}

/// Where the items of one call's stream go: the page that called, under the call's id.
pub(crate) struct Outlet {
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
        outlet.flow.take().await;
        outlet.send(channel, item).await?;
    }
    Ok(Reply::null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn credit_is_taken_one_unit_at_a_time_and_waits_for_a_grant() {
        let flow = Arc::new(Flow::default());
        flow.grant(2);
        flow.take().await;
        flow.take().await;
        let waiting = tokio::spawn({
            let flow = Arc::clone(&flow);
            async move { flow.take().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "no credit is left");
        flow.grant(1);
        waiting.await.unwrap();
    }

    #[test]
    fn credit_is_capped() {
        let flow = Flow::default();
        for _ in 0..1000 {
            flow.grant(u32::MAX);
        }
        assert_eq!(flow.credit.load(Ordering::Acquire), MAX_CREDIT);
    }
}
