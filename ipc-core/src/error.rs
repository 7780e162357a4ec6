//! Error codes and the two error types: [`CallError`], which travels to the renderer inside an answer, and [`Error`],
//! which the Rust-side host API returns.
//!
//! Every failure a renderer can cause has a stable numeric code and a stable upper-case kind. Codes 7000 to 7003 are
//! kept from the seed API; the rest extend that range. Codes are never reused for another meaning.
//!
//! | code | kind | when |
//! |---|---|---|
//! | 7000 | `CHANNEL_SEND` | a message could not be handed to a window's delivery queue |
//! | 7001 | `CHANNEL_RECV` | a receiver was closed before the message arrived |
//! | 7002 | `WINDOW_NOT_FOUND` | the target window does not exist or was closed |
//! | 7003 | `SERIALIZATION` | a value could not be turned into JSON (a handler's answer, or a call's arguments in the renderer) |
//! | 7004 | `UNKNOWN_CHANNEL` | no service method answers on the requested channel |
//! | 7005 | `INVALID_REQUEST` | the request is not JSON, or not a request envelope (a field missing or malformed, an id beyond ±(2^53 − 1), an id already in flight) |
//! | 7006 | `INVALID_ARGUMENTS` | the arguments do not decode: missing, unknown, or of the wrong type; the message names the path |
//! | 7007 | `VALIDATION` | the arguments decode but break `#[validate]` rules or a type's [`Validate`](crate::validate::Validate) rules; `data.violations` lists each `{path, rule, message}` |
//! | 7008 | `FORBIDDEN` | the window's capabilities do not permit the channel, or the page's origin may not speak for the window |
//! | 7009 | `HANDLER` | the handler returned `Err(e)`; `data` holds `e` as JSON |
//! | 7010 | `PANICKED` | the handler panicked; the panic is logged on the host and its text is not sent |
//! | 7011 | `TIMEOUT` | the renderer stopped waiting (the `timeout` option of `host.invoke`), or the host's deadline passed ([`Limits::call_timeout`](crate::Limits::call_timeout), `#[ipc(timeout = "...")]`); the host drops the handler |
//! | 7012 | `PAYLOAD_TOO_LARGE` | the request is larger than the hub accepts ([`HubBuilder::max_request_size`](crate::HubBuilder::max_request_size)); the page's runtime refuses it before sending |
//! | 7013 | `CANCELLED` | the page aborted the call (the `signal` option of `host.invoke`); the host drops the handler |
//! | 7014 | `BUSY` | the window already has [`Limits::max_in_flight`](crate::Limits::max_in_flight) calls in flight; the call did not run, retry later |
//! | 7015 | `STALE_BINDINGS` | the page's generated client ([`Bindings::module`](crate::client::Bindings::module)) was built against other bindings of the service than the app serves (its fingerprint differs); regenerate them and rebuild the front end |
//!

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::window::WindowId;

/// One table, from which the enum, its numbers, its names and [`ErrorCode::ALL`] are all generated.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $kind:literal;)*) => {
        /// The stable code of a failure, as the renderer sees it in `error.code` (number) and `error.kind` (name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in numeric order. The renderer runtime and the docs are checked against this list.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The numeric code sent as `error.code`.
            pub const fn code(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The name sent as `error.kind`, in upper snake case.
            pub const fn kind(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $kind,)*
                }
            }
        }
    };
}

error_codes! {
    /// 7000: a message could not be handed to a window's delivery queue.
    ChannelSend = 7000, "CHANNEL_SEND";
    /// 7001: a receiver was closed before the message arrived.
    ChannelRecv = 7001, "CHANNEL_RECV";
    /// 7002: the target window does not exist or was closed.
    WindowNotFound = 7002, "WINDOW_NOT_FOUND";
    /// 7003: a value could not be serialized to JSON.
    Serialization = 7003, "SERIALIZATION";
    /// 7004: no service method answers on the requested channel.
    UnknownChannel = 7004, "UNKNOWN_CHANNEL";
    /// 7005: the request is not JSON, or not a request envelope (a missing or malformed field, an id out of range,
    /// an id already in flight).
    InvalidRequest = 7005, "INVALID_REQUEST";
    /// 7006: the arguments do not decode (missing, unknown or mistyped); the message names the path.
    InvalidArguments = 7006, "INVALID_ARGUMENTS";
    /// 7007: the arguments break validation rules; `data.violations` lists them.
    Validation = 7007, "VALIDATION";
    /// 7008: the window may not use this channel, or the page's origin may not speak for the window.
    Forbidden = 7008, "FORBIDDEN";
    /// 7009: the handler returned an error value, carried in `data`.
    Handler = 7009, "HANDLER";
    /// 7010: the handler panicked.
    Panicked = 7010, "PANICKED";
    /// 7011: the call ran out of time: the renderer stopped waiting, or the host's deadline passed.
    Timeout = 7011, "TIMEOUT";
    /// 7012: the request is larger than the hub accepts.
    PayloadTooLarge = 7012, "PAYLOAD_TOO_LARGE";
    /// 7013: the page aborted the call.
    Cancelled = 7013, "CANCELLED";
    /// 7014: the window already has as many calls in flight as the hub allows; the call did not run.
    Busy = 7014, "BUSY";
    /// 7015: the page's generated client was built against other bindings of the service than the app serves.
    StaleBindings = 7015, "STALE_BINDINGS";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind(), self.code())
    }
}

/// A failed call, as sent to the renderer in the `error` field of an answer.
///
/// Serializes as `{"code": 7006, "kind": "INVALID_ARGUMENTS", "message": "...", "data": null}`. `data` carries the
/// handler's own error value for [`ErrorCode::Handler`] and is `null` otherwise.
#[derive(Debug)]
pub struct CallError {
    code: ErrorCode,
    message: String,
    data: Option<Box<RawValue>>,
    /// The placeholder key of [`Exact`](crate::Exact) integers in `data` (empty when there are none).
    key: String,
}

impl CallError {
    /// A call error with a code and a message (lower case, naming the value at fault).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CallError {
            code,
            message: message.into(),
            data: None,
            key: String::new(),
        }
    }

    /// Attaches a JSON value, sent as `error.data`.
    pub fn with_data(mut self, data: Box<RawValue>) -> Self {
        self.data = Some(data);
        self
    }

    /// The code of this error.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message sent to the renderer.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON sent as `error.data`, if any.
    pub fn data(&self) -> Option<&RawValue> {
        self.data.as_deref()
    }

    /// Attaches `data` whose exact integers are placeholders under `key` (empty: none).
    pub(crate) fn with_data_and_key(mut self, data: Box<RawValue>, key: String) -> Self {
        self.data = Some(data);
        self.key = key;
        self
    }

    /// The placeholder key of the exact integers in `data` (empty when there are none).
    pub(crate) fn placeholder_key(&self) -> &str {
        &self.key
    }
}

/// At most `max` characters of `text`, for quoting input in an error message without echoing all of it.
pub(crate) fn excerpt(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}...", &text[..end])),
        None => std::borrow::Cow::Borrowed(text),
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CallError {}

impl Serialize for CallError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CallError", 4)?;
        s.serialize_field("code", &self.code.code())?;
        s.serialize_field("kind", self.code.kind())?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("data", &self.data)?;
        s.end()
    }
}

/// An error of the Rust-side host API (building a hub, sending to windows).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two registered services claim the same channel, each for a method or a declared event.
    #[error("channel `{channel}` is registered twice (by `{first}` and by `{second}`)")]
    DuplicateChannel {
        /// The channel both claim.
        channel: String,
        /// The service that registered it first.
        first: &'static str,
        /// The service that registered it again.
        second: &'static str,
    },
    /// The target window does not exist or was closed.
    #[error("{0} does not exist or was closed")]
    WindowNotFound(WindowId),
    /// A payload could not be serialized to JSON a page reads exactly; the message says why.
    #[error("{0}")]
    Serialization(String),
    /// The window's capabilities do not let it receive the channel.
    #[error("{window} may not receive `{channel}`")]
    Forbidden {
        /// The target window.
        window: WindowId,
        /// The channel it may not receive.
        channel: String,
    },
    /// The window's queue of outgoing messages is full ([`Limits::max_queued_bytes`](crate::Limits::max_queued_bytes));
    /// nothing was queued. Retry later, or use [`Hub::send_to_window_async`](crate::Hub::send_to_window_async), which
    /// waits for room.
    #[error("{window} has {queued} bytes waiting, the most it may; the push on `{channel}` was not queued")]
    QueueFull {
        /// The target window.
        window: WindowId,
        /// The channel of the refused push.
        channel: String,
        /// Bytes waiting for the window.
        queued: usize,
    },
    /// The page shown in the window is of an origin that may not speak for it (it navigated away from the app's
    /// content), so it receives nothing meant for the app.
    #[error("{window} shows a page of origin `{origin}`, which may not receive `{channel}`")]
    ForeignPage {
        /// The target window.
        window: WindowId,
        /// The origin of the page it shows.
        origin: String,
        /// The channel of the refused push.
        channel: String,
    },
    /// The hub was built outside a tokio runtime and was not given one.
    #[error("no tokio runtime: build the hub inside a runtime or pass one with `HubBuilder::runtime`")]
    NoRuntime,
}

impl Error {
    /// The stable code of this error, where it has one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::WindowNotFound(_) => Some(ErrorCode::WindowNotFound),
            Error::Serialization(_) => Some(ErrorCode::Serialization),
            Error::Forbidden { .. } | Error::ForeignPage { .. } => Some(ErrorCode::Forbidden),
            Error::QueueFull { .. } => Some(ErrorCode::ChannelSend),
            Error::DuplicateChannel { .. } | Error::NoRuntime => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_codes_keep_their_numbers() {
        assert_eq!(ErrorCode::ChannelSend.code(), 7000);
        assert_eq!(ErrorCode::ChannelRecv.code(), 7001);
        assert_eq!(ErrorCode::WindowNotFound.code(), 7002);
        assert_eq!(ErrorCode::Serialization.code(), 7003);
    }

    #[test]
    fn codes_and_kinds_are_unique() {
        let mut codes: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        let mut kinds: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.kind()).collect();
        codes.sort_unstable();
        codes.dedup();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        assert_eq!(kinds.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn busy_extends_the_range() {
        assert_eq!(ErrorCode::Busy.code(), 7014);
        assert_eq!(ErrorCode::StaleBindings.code(), 7015);
        assert_eq!(ErrorCode::ALL.last(), Some(&ErrorCode::StaleBindings));
    }

    #[test]
    fn excerpt_keeps_a_short_prefix() {
        assert_eq!(excerpt("abc", 5), "abc");
        assert_eq!(excerpt(&"é".repeat(100), 3), "ééé...");
    }

    #[test]
    fn call_error_serializes_code_kind_message_and_data() {
        let data = serde_json::value::to_raw_value(&"out of milk").unwrap();
        let err = CallError::new(ErrorCode::Handler, "handler failed").with_data(data);
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"code":7009,"kind":"HANDLER","message":"handler failed","data":"out of milk"}"#
        );
    }
}
