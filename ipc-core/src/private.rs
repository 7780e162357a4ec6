//! Helpers for the code `#[ipc_service]` generates. Not a public API: names and signatures change without notice.

pub use futures::future::BoxFuture;
pub use serde;
pub use serde_json::value::RawValue;

use serde::{Deserialize, Serialize};

use crate::error::{CallError, ErrorCode};
use crate::service::ServiceDescriptor;

/// The answer for a method index the descriptor does not have. The router only hands out valid indices, so this is
/// reached only by a hand-made call.
pub fn unknown_method(
    service: &ServiceDescriptor,
    method: usize,
) -> Result<Box<RawValue>, CallError> {
    Err(CallError::new(
        ErrorCode::UnknownChannel,
        format!("service `{}` has no method number {method}", service.name),
    ))
}

/// Decodes a call's `args` object into the generated argument struct, naming the path of any failure.
///
/// A missing `args` counts as `{}`. Anything but an object is refused, so arguments are always passed by name.
pub fn decode_args<'de, T: Deserialize<'de>>(
    channel: &str,
    args: Option<&'de RawValue>,
) -> Result<T, CallError> {
    let text = args.map_or("{}", RawValue::get);
    if !text.starts_with('{') {
        return Err(CallError::new(
            ErrorCode::InvalidArguments,
            format!("invalid arguments for `{channel}`: expected an object of named arguments, found `{text}`"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = if path == "." {
            format!("invalid arguments for `{channel}`: {inner}")
        } else {
            format!("invalid arguments for `{channel}`: {path}: {inner}")
        };
        CallError::new(ErrorCode::InvalidArguments, strip_position(message))
    })
}

/// serde_json appends " at line 1 column 17" to its messages; the position in a generated object is noise to a user.
fn strip_position(mut message: String) -> String {
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    message
}

/// Encodes a handler's return value as the answer's `data`.
pub fn encode<T: Serialize + ?Sized>(channel: &str, value: &T) -> Result<Box<RawValue>, CallError> {
    serde_json::value::to_raw_value(value).map_err(|err| {
        CallError::new(
            ErrorCode::Serialization,
            format!("could not serialize the answer of `{channel}`: {err}"),
        )
    })
}

/// Encodes a handler's `Result`: `Ok` becomes `data`, `Err(e)` a [`ErrorCode::Handler`] error carrying `e`.
///
/// The error's message is `e` itself when `e` serializes to a string, and a generic sentence otherwise.
pub fn encode_result<T: Serialize, E: Serialize>(
    channel: &str,
    result: Result<T, E>,
) -> Result<Box<RawValue>, CallError> {
    match result {
        Ok(value) => encode(channel, &value),
        Err(error) => {
            let data = encode(channel, &error)?;
            let message = serde_json::from_str::<String>(data.get())
                .unwrap_or_else(|_| format!("`{channel}` returned an error"));
            Err(CallError::new(ErrorCode::Handler, message).with_data(data))
        }
    }
}
