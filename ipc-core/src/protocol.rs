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

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{CallError, ErrorCode};

/// The kind of a message sent by a renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RequestKind {
    Invoke,
}

/// A request envelope, borrowing from the request text (hot path: no copy of the arguments).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Request<'a> {
    #[serde(rename = "type")]
    pub kind: RequestKind,
    pub id: u64,
    #[serde(borrow)]
    pub channel: Cow<'a, str>,
    #[serde(borrow, default)]
    pub args: Option<&'a RawValue>,
}

/// Only the id of a request, read when the full envelope failed to parse so the error still reaches its caller.
#[derive(Deserialize)]
struct IdOnly {
    id: Option<u64>,
}

impl<'a> Request<'a> {
    /// Parses a request, or returns the error to answer with and the id to answer it under, if one could be read.
    pub fn parse(text: &'a str) -> Result<Self, (Option<u64>, CallError)> {
        serde_json::from_str(text).map_err(|err| {
            let id = serde_json::from_str::<IdOnly>(text).ok().and_then(|r| r.id);
            let message = if err.is_syntax() || err.is_eof() {
                format!("request is not valid JSON: {err}")
            } else {
                format!("request is not a valid envelope: {err}")
            };
            (id, CallError::new(ErrorCode::InvalidRequest, message))
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_borrows_args_without_copying() {
        let text = r#"{"type":"invoke","id":3,"channel":"todos.add","args":{"title":"milk"}}"#;
        let req = Request::parse(text).unwrap();
        assert_eq!(req.id, 3);
        assert!(matches!(req.channel, Cow::Borrowed("todos.add")));
        assert_eq!(req.args.unwrap().get(), r#"{"title":"milk"}"#);
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
        assert!(
            err.message().contains("missing field `channel`"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn unknown_envelope_field_is_refused() {
        let (_, err) =
            Request::parse(r#"{"type":"invoke","id":1,"channel":"a.b","extra":1}"#).unwrap_err();
        assert!(
            err.message().contains("unknown field `extra`"),
            "{}",
            err.message()
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
