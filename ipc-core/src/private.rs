//! Helpers for the code `#[ipc_service]` generates. Not a public API: names and signatures change without notice.

pub use futures::future::BoxFuture;
pub use serde;
pub use serde_json::value::RawValue;

pub use crate::typescript::TsType;

use std::sync::Arc;

use serde::Serialize;

use crate::error::{CallError, ErrorCode};
use crate::service::{MethodHandler, ServiceDescriptor};

pub use crate::args::decode as decode_args;

/// Encodes a handler's return value as the answer's `data`.
pub fn encode<T: Serialize + ?Sized>(channel: &str, value: &T) -> Result<Box<RawValue>, CallError> {
    crate::json::to_renderer_json(value, || format!("the answer of `{channel}`"))
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
            let message =
                serde_json::from_str::<String>(data.get()).unwrap_or_else(|_| format!("`{channel}` returned an error"));
            Err(CallError::new(ErrorCode::Handler, message).with_data(data))
        }
    }
}

/// What an IPC argument must be: decodable from the renderer's JSON without borrowing from it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an IPC argument: it does not implement `serde::Deserialize`",
    label = "the renderer's JSON cannot be decoded into this type",
    note = "add `#[derive(serde::Deserialize)]` to the type, or take an owned type that implements it"
)]
pub trait IpcArg {}

impl<T: serde::de::DeserializeOwned> IpcArg for T {}

/// What an IPC return type must be: encodable as JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent back over IPC: it does not implement `serde::Serialize`",
    label = "the answer cannot be encoded as JSON",
    note = "add `#[derive(serde::Serialize)]` to the type, or return a type that implements it"
)]
pub trait IpcReturn {}

impl<T: Serialize> IpcReturn for T {}

/// Compiles only if `T` can be an IPC argument; generated code calls it spanned at the argument's type.
pub fn assert_arg<T: IpcArg>() {}

/// Compiles only if `T` can be sent back in an answer; generated code calls it spanned at the return type.
pub fn assert_return<T: IpcReturn>() {}

/// What `into_service` returns when `#[ipc_service]` reported errors: the crate does not compile anyway, and this stub
/// keeps those errors the only ones.
#[derive(Debug)]
pub struct NotExpanded;

impl NotExpanded {
    /// An empty descriptor.
    pub const DESCRIPTOR: ServiceDescriptor = ServiceDescriptor {
        name: "",
        js_name: "",
        rust_name: "",
        docs: "",
        methods: &[],
    };
}

impl crate::Service for NotExpanded {
    fn descriptor(&self) -> &'static ServiceDescriptor {
        &Self::DESCRIPTOR
    }

    fn methods(self: Arc<Self>) -> Vec<MethodHandler> {
        Vec::new()
    }
}
