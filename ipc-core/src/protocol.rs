//! The wire protocol between a renderer and the hub. All messages are JSON text.
//!
//! # Request (renderer → host)
//!
//! ```json
//! {"type": "invoke", "id": 7, "channel": "todos.add", "args": {"title": "milk"}}
//! ```
//!
//! - `type`: `"invoke"`, a call that expects exactly one answer.
//! - `id`: a number chosen by the renderer (a non-negative integer below 2^53), echoed in the answer.
//! - `channel`: `service.method`, as listed in the service's descriptor.
//! - `args`: an object whose keys are the method's argument names in camelCase. It may be omitted for a method without
//!   arguments. Unknown keys are refused.
//!
//! # Answer (host → the calling window only)
//!
//! ```json
//! {"type": "answer", "id": 7, "success": true, "data": {"id": 1, "title": "milk"}, "error": null}
//! {"type": "answer", "id": 7, "success": false, "data": null,
//!  "error": {"code": 7006, "kind": "INVALID_ARGUMENTS", "message": "invalid arguments for `todos.add`: title: invalid type: integer `3`, expected a string", "data": null}}
//! ```
//!
//! Every request gets exactly one answer, failures included. A request so malformed that its `id` cannot be read is
//! answered with `"id": null`. The error codes are listed in [`crate::error`].
//!
//! # One-way message (renderer → host)
//!
//! ```json
//! {"type": "send", "channel": "editor.typing", "payload": {"active": true}}
//! ```
//!
//! `host.send(channel, payload)`: no id and no answer. It reaches Rust subscribers of the channel
//! ([`Hub::channel_events`](crate::Hub::channel_events), [`Hub::on_channel`](crate::Hub::on_channel)); a message the
//! window may not send is dropped and logged.
//!
//! # Cancel (renderer → host)
//!
//! ```json
//! {"type": "cancel", "id": 7}
//! ```
//!
//! The page gave up on its call 7: its `AbortSignal` fired or its `timeout` passed, and the promise has already
//! rejected (`CANCELLED` or `TIMEOUT`). The host drops the handler's future at its next await and sends no answer.
//!
//! # Event (host → one or more windows)
//!
//! ```json
//! {"type": "event", "channel": "todos.changed", "payload": [{"id": 1, "title": "milk"}]}
//! {"type": "event", "channel": "window:resize", "payload": {"width": 800, "height": 600}}
//! ```
//!
//! Pushed with [`Hub::send_to_window`](crate::Hub::send_to_window), [`Hub::broadcast`](crate::Hub::broadcast) and
//! [`Hub::broadcast_all`](crate::Hub::broadcast_all); a window's own lifecycle events (`window:focus`, `window:blur`,
//! `window:resize`, `window:move`) arrive the same way. Pages listen with `host.on(channel, callback)`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{CallError, ErrorCode};

/// The `type` of a message sent by a renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MessageType {
    Invoke,
    Send,
    Cancel,
}

/// The envelope as it arrives, every field optional beyond `type`; [`Request::parse`] checks which fields each type
/// needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    message_type: MessageType,
    id: Option<u64>,
    #[serde(borrow, default)]
    channel: Option<Channel<'a>>,
    #[serde(borrow, default)]
    args: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// A channel name, borrowed from the request text unless it holds escapes (serde borrows a `Cow` only directly, not
/// inside an `Option`).
#[derive(Deserialize)]
#[serde(transparent)]
struct Channel<'a>(#[serde(borrow)] Cow<'a, str>);

/// What a renderer asks for, borrowing from the request text (hot path: no copy of the arguments).
#[derive(Debug)]
pub(crate) enum Request<'a> {
    /// A call: exactly one answer, with this id.
    Invoke {
        id: u64,
        channel: Cow<'a, str>,
        args: Option<&'a RawValue>,
    },
    /// A one-way message (`host.send`): no answer.
    Send {
        channel: Cow<'a, str>,
        payload: Option<&'a RawValue>,
    },
    /// The page gave up on its call `id` (aborted or timed out): no answer.
    Cancel { id: u64 },
}

/// Only the id of a request, read when the full envelope failed to parse so the error still reaches its caller.
#[derive(Deserialize)]
struct IdOnly {
    id: Option<u64>,
}

impl<'a> Request<'a> {
    /// Parses a request, or returns the error to answer with and the id to answer it under, if one could be read.
    pub fn parse(text: &'a str) -> Result<Self, (Option<u64>, CallError)> {
        let invalid = |id, message: String| (id, CallError::new(ErrorCode::InvalidRequest, message));
        let missing = |field: &str| format!("request is not a valid envelope: missing field `{field}`");
        let envelope: Envelope<'a> = serde_json::from_str(text).map_err(|err| {
            let id = serde_json::from_str::<IdOnly>(text).ok().and_then(|r| r.id);
            let message = if err.is_syntax() || err.is_eof() {
                format!("request is not valid JSON: {err}")
            } else {
                format!("request is not a valid envelope: {err}")
            };
            invalid(id, message)
        })?;
        let Envelope {
            message_type,
            id,
            channel,
            args,
            payload,
        } = envelope;
        match message_type {
            MessageType::Invoke => {
                let Some(id) = id else {
                    return Err(invalid(None, missing("id")));
                };
                let Some(Channel(channel)) = channel else {
                    return Err(invalid(Some(id), missing("channel")));
                };
                if payload.is_some() {
                    let message = "request is not a valid envelope: an invoke passes `args`, not `payload`";
                    return Err(invalid(Some(id), message.to_owned()));
                }
                Ok(Request::Invoke { id, channel, args })
            }
            MessageType::Send => {
                if id.is_some() || args.is_some() {
                    let message = "request is not a valid envelope: a send has only `channel` and `payload`";
                    return Err(invalid(id, message.to_owned()));
                }
                let Some(Channel(channel)) = channel else {
                    return Err(invalid(None, missing("channel")));
                };
                Ok(Request::Send { channel, payload })
            }
            MessageType::Cancel => {
                let Some(id) = id else {
                    return Err(invalid(None, missing("id")));
                };
                if channel.is_some() || args.is_some() || payload.is_some() {
                    let message = "request is not a valid envelope: a cancel has only `id`";
                    return Err(invalid(Some(id), message.to_owned()));
                }
                Ok(Request::Cancel { id })
            }
        }
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: Option<u64>,
    success: bool,
    data: Option<&'a RawValue>,
    error: Option<&'a CallError>,
}

/// Encodes the answer to request `id`. The data is copied in as it is: the handler's value is serialized only once.
pub(crate) fn encode_answer(id: Option<u64>, outcome: &Result<Box<RawValue>, CallError>) -> String {
    let answer = match outcome {
        Ok(data) => Answer {
            kind: "answer",
            id,
            success: true,
            data: Some(data),
            error: None,
        },
        Err(error) => Answer {
            kind: "answer",
            id,
            success: false,
            data: None,
            error: Some(error),
        },
    };
    // Serializing these fields cannot fail: the data is already valid JSON and the error holds strings and numbers.
    serde_json::to_string(&answer).expect("an answer envelope always serializes")
}

/// Encodes a push: `{"type":"event","channel":...,"payload":...}`.
pub(crate) fn encode_event(channel: &str, payload: &RawValue) -> String {
    #[derive(Serialize)]
    struct Push<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        channel: &'a str,
        payload: &'a RawValue,
    }
    let push = Push {
        kind: "event",
        channel,
        payload,
    };
    serde_json::to_string(&push).expect("an event envelope always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_borrows_args_without_copying() {
        let text = r#"{"type":"invoke","id":3,"channel":"todos.add","args":{"title":"milk"}}"#;
        let Request::Invoke { id, channel, args } = Request::parse(text).unwrap() else {
            panic!("an invoke")
        };
        assert!(matches!(channel, Cow::Borrowed("todos.add")));
        assert_eq!(id, 3);
        assert_eq!(args.unwrap().get(), r#"{"title":"milk"}"#);
    }

    #[test]
    fn broken_json_is_invalid_request_without_id() {
        let (id, err) = Request::parse("{not json").unwrap_err();
        assert_eq!(id, None);
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert!(
            err.message().starts_with("request is not valid JSON"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn envelope_without_channel_keeps_its_id() {
        let (id, err) = Request::parse(r#"{"type":"invoke","id":9}"#).unwrap_err();
        assert_eq!(id, Some(9));
        assert!(err.message().contains("missing field `channel`"), "{}", err.message());
    }

    #[test]
    fn unknown_envelope_field_is_refused() {
        let (_, err) = Request::parse(r#"{"type":"invoke","id":1,"channel":"a.b","extra":1}"#).unwrap_err();
        assert!(err.message().contains("unknown field `extra`"), "{}", err.message());
    }

    #[test]
    fn a_send_carries_a_payload_and_no_id() {
        let req = Request::parse(r#"{"type":"send","channel":"chat.typing","payload":{"on":true}}"#).unwrap();
        let Request::Send { payload, .. } = req else {
            panic!("a send")
        };
        assert_eq!(payload.unwrap().get(), r#"{"on":true}"#);
        let (_, err) = Request::parse(r#"{"type":"send","id":4,"channel":"chat.typing"}"#).unwrap_err();
        assert!(
            err.message().contains("a send has only `channel` and `payload`"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn a_cancel_names_only_the_call() {
        assert!(matches!(
            Request::parse(r#"{"type":"cancel","id":4}"#),
            Ok(Request::Cancel { id: 4 })
        ));
        let (id, err) = Request::parse(r#"{"type":"cancel","id":4,"channel":"a.b"}"#).unwrap_err();
        assert_eq!(id, Some(4));
        assert!(err.message().contains("a cancel has only `id`"), "{}", err.message());
    }

    #[test]
    fn an_invoke_needs_an_id() {
        let (id, err) = Request::parse(r#"{"type":"invoke","channel":"a.b"}"#).unwrap_err();
        assert_eq!(id, None);
        assert!(err.message().contains("missing field `id`"), "{}", err.message());
    }

    #[test]
    fn event_envelope_carries_channel_and_payload() {
        let payload = serde_json::value::to_raw_value(&[1, 2]).unwrap();
        assert_eq!(
            encode_event("todos.changed", &payload),
            r#"{"type":"event","channel":"todos.changed","payload":[1,2]}"#
        );
    }

    #[test]
    fn success_answer_has_data_and_null_error() {
        let data = serde_json::value::to_raw_value(&[1, 2]).unwrap();
        assert_eq!(
            encode_answer(Some(4), &Ok(data)),
            r#"{"type":"answer","id":4,"success":true,"data":[1,2],"error":null}"#
        );
    }

    #[test]
    fn failure_answer_has_null_data_and_error() {
        let err = CallError::new(ErrorCode::UnknownChannel, "unknown channel `a.b`");
        assert_eq!(
            encode_answer(None, &Err(err)),
            r#"{"type":"answer","id":null,"success":false,"data":null,"error":{"code":7004,"kind":"UNKNOWN_CHANNEL","message":"unknown channel `a.b`","data":null}}"#
        );
    }
}
