//! Helpers for the code `#[ipc_service]` generates. Not a public API: names and signatures change without notice.

pub use futures::future::BoxFuture;
pub use serde;
pub use serde_json::value::RawValue;

pub use crate::typescript::TsType;

use crate::typescript::TsInfo;

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::context::CallContext;
use crate::error::{CallError, ErrorCode};
use crate::exact::Exact;
use crate::service::{ArgDescriptor, Args, MethodDescriptor, MethodHandler, Reply, ServiceDescriptor};

pub use crate::args::decode as decode_args;

/// Answers `call` with `stream`: items sent as the page gives credit, each encoded by `codec` (see
/// [`crate::protocol`], "Streams").
pub async fn answer_stream<S: futures::Stream + Send>(
    call: crate::Call<'_>,
    channel: &str,
    stream: S,
    codec: Codec<S::Item>,
) -> Result<Reply, CallError> {
    crate::stream::answer(call.args.outlet(), channel, stream, codec.encode).await
}

/// Encodes a handler's return value as the answer's `data`, with the bytes of its [`Binary`](crate::Binary) values.
pub fn encode<T: Serialize + ?Sized>(channel: &str, value: &T) -> Result<Reply, CallError> {
    let (json, attached) = crate::json::to_renderer_json_with_parts(value, || format!("the answer of `{channel}`"))?;
    Ok(Reply { json, attached })
}

/// Encodes a handler's `Result`: `Ok` becomes `data`, `Err(e)` a [`ErrorCode::Handler`] error carrying `e`.
///
/// The error's message is `e` itself when `e` serializes to a string, and a generic sentence otherwise.
pub fn encode_result<T: Serialize, E: Serialize>(channel: &str, result: Result<T, E>) -> Result<Reply, CallError> {
    match result {
        Ok(value) => encode(channel, &value),
        Err(error) => {
            // An error's data carries no parts: binary data in it is written as numbers. Exact integers are
            // placeholders, under a key of their own.
            let (data, key) =
                crate::json::to_renderer_json_with_integers(&error, || format!("the error of `{channel}`"))?;
            let message =
                serde_json::from_str::<String>(data.get()).unwrap_or_else(|_| format!("`{channel}` returned an error"));
            Err(CallError::new(ErrorCode::Handler, message).with_data_and_key(data, key))
        }
    }
}

fn encode_value<T: Serialize>(channel: &str, value: T) -> Result<Reply, CallError> {
    encode(channel, &value)
}

/// How a method's answer is encoded and typed, decided by what its return type is rather than how it is spelled: any
/// `Result<T, E>` (`std::result::Result`, `io::Result<T>`, a crate's own `type Result<T> = ...`) answers `Ok` as data
/// and `Err` as a HANDLER error; every other type is the data.
///
/// Generated code writes `Answer::<R>::KIND.codec()` with [`ValueAnswer`] in scope, once per method, in a `const`
/// spanned at the return type: for a `Result`, the inherent `KIND` below is found first; for any other type, the
/// trait's. (Method lookup tries inherent items before trait items, and the type is concrete where the macro writes
/// it, so no specialisation is needed.) The bounds are checked by `codec()`, once, so a type that cannot be sent is one
/// error at the user's return type.
#[derive(Debug)]
pub struct Answer<R>(PhantomData<fn() -> R>);

impl<T, E> Answer<Result<T, E>> {
    /// A `Result`: `Ok` is the data, `Err` a HANDLER error.
    pub const KIND: ResultAnswer<T, E> = ResultAnswer(PhantomData);
}

/// The other half of [`Answer`]'s dispatch: every type that is not a `Result` is the answer's data.
pub trait ValueAnswer {
    /// The return type.
    type Value;
    /// A plain value.
    const KIND: PlainAnswer<Self::Value>;
}

impl<R> ValueAnswer for Answer<R> {
    type Value = R;
    const KIND: PlainAnswer<R> = PlainAnswer(PhantomData);
}

/// A method returning a `Result<T, E>` (see [`Answer`]).
#[derive(Debug)]
pub struct ResultAnswer<T, E>(PhantomData<fn() -> (T, E)>);

/// A method returning a plain value `R` (see [`Answer`]).
#[derive(Debug)]
pub struct PlainAnswer<R>(PhantomData<fn() -> R>);

impl<T, E> ResultAnswer<T, E> {
    /// How to encode the answer; requires that `T` and `E` can be encoded.
    pub const fn codec(self) -> Codec<Result<T, E>>
    where
        T: IpcReturn,
        E: IpcErrorValue,
    {
        Codec {
            encode: encode_result::<T, E>,
        }
    }
}

impl<R> PlainAnswer<R> {
    /// How to encode the answer; requires that `R` can be encoded.
    pub const fn codec(self) -> Codec<R>
    where
        R: IpcReturn,
    {
        Codec {
            encode: encode_value::<R>,
        }
    }
}

/// How a method's return value becomes the answer.
#[derive(Debug)]
pub struct Codec<R> {
    /// Encodes the return value (`Err` as a HANDLER error).
    pub encode: fn(&str, R) -> Result<Reply, CallError>,
}

/// The TypeScript types of a method's answer, asked for only of a type that can be encoded, so a type that is neither
/// `Serialize` nor `ts_rs::TS` (`std::fs::File`, `anyhow::Error`) is one error, from [`Answer`]'s codec.
///
/// Generated code writes `AnswerTs::<R>::KIND.pick(ValueTs::<R>::KIND)` with [`AnswerTsFallback`] and
/// [`ValueTsFallback`] in scope, at the concrete return type. A `Result` whose parts serialize finds the inherent
/// `AnswerTs::KIND` ([`ResultTs`]: both parts need a TypeScript type); anything else picks the value probe, which is
/// [`NeedsTs`] for a type that serializes and [`SkipsTs`] (a placeholder: the codec reports the error) otherwise.
#[derive(Debug)]
pub struct AnswerTs<R>(PhantomData<fn() -> R>);

impl<T: Serialize, E: Serialize> AnswerTs<Result<T, E>> {
    /// A `Result` whose parts serialize.
    pub const KIND: ResultTs<T, E> = ResultTs(PhantomData);
}

/// The other half of [`AnswerTs`]'s dispatch.
pub trait AnswerTsFallback {
    /// Not a `Result` whose parts serialize: the value probe decides.
    const KIND: PickValue;
}

impl<R> AnswerTsFallback for AnswerTs<R> {
    const KIND: PickValue = PickValue;
}

/// See [`AnswerTs`].
#[derive(Debug)]
pub struct ValueTs<R>(PhantomData<fn() -> R>);

impl<R: Serialize> ValueTs<R> {
    /// A value that serializes.
    pub const KIND: NeedsTs<R> = NeedsTs(PhantomData);
}

/// The other half of [`ValueTs`]'s dispatch.
pub trait ValueTsFallback {
    /// A value that does not serialize: the codec reports it.
    const KIND: SkipsTs;
}

impl<R> ValueTsFallback for ValueTs<R> {
    const KIND: SkipsTs = SkipsTs;
}

/// See [`AnswerTs`]: a `Result` whose parts serialize.
#[derive(Debug)]
pub struct ResultTs<T, E>(PhantomData<fn() -> (T, E)>);

impl<T, E> Clone for ResultTs<T, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, E> Copy for ResultTs<T, E> {}

impl<T, E> ResultTs<T, E> {
    /// Itself: a `Result`'s types do not depend on the value probe.
    pub const fn pick<P: Copy>(self, _value: P) -> Self {
        self
    }

    /// `T`'s TypeScript type.
    pub const fn returns(self) -> Option<TsType>
    where
        T: TsInfo,
    {
        Some(TsType::of::<T>())
    }

    /// `E`'s TypeScript type.
    pub const fn error(self) -> Option<TsType>
    where
        E: TsInfo,
    {
        Some(TsType::of::<E>())
    }
}

/// See [`AnswerTs`]: not a `Result` whose parts serialize.
#[derive(Debug, Clone, Copy)]
pub struct PickValue;

impl PickValue {
    /// The value probe.
    pub const fn pick<P: Copy>(self, value: P) -> P {
        value
    }
}

/// What an IPC argument must be: decodable from the renderer's JSON without borrowing from it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an IPC argument: it does not implement `serde::Deserialize`",
    label = "the renderer's JSON cannot be decoded into this type",
    note = "derive `serde::Deserialize` on your own types; for a type from std or another crate, take a newtype around \
            it that implements `Deserialize`, or a field with `#[serde(with = \"...\")]`"
)]
pub trait IpcArg: serde::de::DeserializeOwned {}

impl<T: serde::de::DeserializeOwned> IpcArg for T {}

/// What the payload of an event declared with `#[ipc(event)]` must be: encodable as JSON. (Its TypeScript type is
/// required separately, by [`ValueTs`], only once it is.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the payload of an IPC event: it does not implement `serde::Serialize`",
    label = "the event cannot be pushed to the renderer as JSON",
    note = "derive `serde::Serialize` and `ts_rs::TS` on your own types; for a type from std or another crate, push a \
            newtype or a struct of your own that implements both"
)]
pub trait IpcEventPayload: Serialize {}

impl<T: Serialize + ?Sized> IpcEventPayload for T {}

/// The emitter of one declared event: how the generated `...Events` type makes each of its emitters. Generated code
/// writes it at the payload's type, so a payload that cannot be sent is one error there.
pub fn emitter<'a, T: IpcEventPayload>(hub: &'a crate::Hub, channel: &'static str) -> crate::Emitter<'a, T> {
    crate::Emitter::new(hub, channel)
}

/// What an event's emitter is when `#[ipc_service]` reported errors: it takes any payload, so code using it shows no
/// further errors (the crate does not compile anyway).
#[derive(Debug, Clone, Copy)]
pub struct NotExpandedEmitter;

impl NotExpandedEmitter {
    /// Never runs.
    pub fn channel(&self) -> &'static str {
        ""
    }

    /// Never runs.
    pub fn to_window<P: ?Sized>(&self, _window: crate::WindowId, _payload: &P) -> Result<(), crate::Error> {
        Ok(())
    }

    /// Never runs.
    pub async fn to_window_async<P: ?Sized>(&self, _window: crate::WindowId, _payload: &P) -> Result<(), crate::Error> {
        Ok(())
    }

    /// Never runs.
    pub fn to_windows<P: ?Sized>(&self, _windows: &[crate::WindowId], _payload: &P) -> Result<usize, crate::Error> {
        Ok(0)
    }

    /// Never runs.
    pub fn to_all<P: ?Sized>(&self, _payload: &P) -> Result<usize, crate::Error> {
        Ok(0)
    }
}

/// What an IPC answer's data must be: encodable as JSON. (Its TypeScript type is required separately, by
/// [`AnswerTs`], only once it is.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent back over IPC: it does not implement `serde::Serialize`",
    label = "the answer cannot be encoded as JSON",
    note = "derive `serde::Serialize` and `ts_rs::TS` on your own types; for a type from std or another crate, return \
            a newtype or a struct of your own that implements both (a field can use `#[serde(with = \"...\")]` and \
            `#[ts(type = \"...\")]`)"
)]
pub trait IpcReturn: Serialize {}

impl<T: Serialize> IpcReturn for T {}

/// What the error of a method's `Result` must be: encodable as JSON. (Its TypeScript type is required separately, by
/// [`AnswerTs`], only once it is.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of an IPC method: it does not implement `serde::Serialize`",
    label = "the error cannot be sent to the renderer",
    note = "map the error in the method to one that can be sent: return `Result<T, String>` and write \
            `.map_err(|e| e.to_string())` (for an `anyhow::Error`, `format!(\"{{e:#}}\")` keeps its causes), or an \
            enum of your own deriving `serde::Serialize` and `ts_rs::TS`"
)]
pub trait IpcErrorValue: Serialize {}

impl<T: Serialize> IpcErrorValue for T {}

/// Which arguments the host injects, decided by type rather than by how the type is named: `Arg::<T>::IS_CONTEXT`
/// and `Arg::<T>::KIND` (with [`PayloadArgKind`] in scope) find the inherent items below for `CallContext`, however it
/// was imported, and the trait's for every other type. Generated code decodes every argument through its kind.
#[derive(Debug)]
pub struct Arg<T>(PhantomData<fn() -> T>);

impl Arg<CallContext> {
    /// The caller's context is injected, not sent by the renderer.
    pub const IS_CONTEXT: bool = true;
    /// The caller's context.
    pub const KIND: ContextArg = ContextArg;
}

/// The other half of [`Arg`]'s dispatch: every type but `CallContext` is sent by the renderer.
pub trait PayloadArgKind {
    /// The argument's type.
    type Value;
    /// Sent by the renderer.
    const IS_CONTEXT: bool;
    /// An argument the renderer sends.
    const KIND: PayloadArg<Self::Value>;
}

impl<T> PayloadArgKind for Arg<T> {
    type Value = T;
    const IS_CONTEXT: bool = false;
    const KIND: PayloadArg<T> = PayloadArg(PhantomData);
}

/// The kind of an injected `CallContext` argument (see [`Arg`]).
#[derive(Debug, Clone, Copy)]
pub struct ContextArg;

impl ContextArg {
    /// The caller's context, for the position the decoder left empty.
    pub fn finish(self, _absent: Injected, context: &CallContext) -> CallContext {
        context.clone()
    }
}

/// The kind of an argument the renderer sends (see [`Arg`]).
#[derive(Debug)]
pub struct PayloadArg<T>(PhantomData<fn() -> T>);

impl<T> PayloadArg<T> {
    /// The decoded value.
    pub fn finish(self, value: T, _context: &CallContext) -> T {
        value
    }
}

/// What the decoder puts in an injected argument's position: it decodes only from the key's absence (its name is
/// empty, so no key names it), and [`ContextArg::finish`] replaces it with the caller's context.
#[derive(Debug)]
pub struct Injected;

impl<'de> serde::Deserialize<'de> for Injected {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Absent;
        impl serde::de::Visitor<'_> for Absent {
            type Value = Injected;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("no value: this argument is injected by the host")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Injected, E> {
                Ok(Injected)
            }
        }
        deserializer.deserialize_option(Absent)
    }
}

/// An argument's TypeScript type, required only of a type that decodes: `ArgTs::<T>::KIND.ts()` (with [`SkipArgTs`] in
/// scope) finds the inherent `KIND` below when `T` implements `DeserializeOwned`, and the trait's otherwise. A type
/// that cannot be decoded is then one error (from the decoder), not a second one for its TypeScript type; the
/// injected `CallContext` (which does not decode) is left out of the descriptor anyway.
#[derive(Debug)]
pub struct ArgTs<T>(PhantomData<fn() -> T>);

impl<T: serde::de::DeserializeOwned> ArgTs<T> {
    /// A type that decodes: its TypeScript type is required.
    pub const KIND: NeedsTs<T> = NeedsTs(PhantomData);
}

/// The other half of [`ArgTs`]'s dispatch: a type that does not decode (an error already, or the injected context).
pub trait SkipArgTs {
    /// No TypeScript type is asked for.
    const KIND: SkipsTs;
}

impl<T> SkipArgTs for ArgTs<T> {
    const KIND: SkipsTs = SkipsTs;
}

/// See [`ArgTs`] and [`AnswerTs`]: a type that decodes or encodes, whose TypeScript type is required.
#[derive(Debug)]
pub struct NeedsTs<T>(PhantomData<fn() -> T>);

impl<T> Clone for NeedsTs<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for NeedsTs<T> {}

impl<T> NeedsTs<T> {
    /// The argument's TypeScript type.
    pub const fn ts(self) -> TsType
    where
        T: TsInfo,
    {
        TsType::of::<T>()
    }

    /// The answer's TypeScript type.
    pub const fn returns(self) -> Option<TsType>
    where
        T: TsInfo,
    {
        Some(TsType::of::<T>())
    }

    /// No error type: not a `Result`.
    pub const fn error(self) -> Option<TsType> {
        None
    }
}

/// See [`ArgTs`].
#[derive(Debug, Clone, Copy)]
pub struct SkipsTs;

impl SkipsTs {
    /// A placeholder, never rendered: the crate does not compile, or the argument is injected.
    pub const fn ts(self) -> TsType {
        TsType::of::<()>()
    }

    /// A placeholder, never rendered: the crate does not compile.
    pub const fn returns(self) -> Option<TsType> {
        None
    }

    /// A placeholder, never rendered: the crate does not compile.
    pub const fn error(self) -> Option<TsType> {
        None
    }
}

/// How many of a method's arguments the renderer sends, given which are injected.
pub const fn payload_count(is_context: &[bool]) -> usize {
    let (mut count, mut i) = (0, 0);
    while i < is_context.len() {
        if !is_context[i] {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The descriptors of the arguments the renderer sends: `all` without the injected ones. `N` is their
/// [`payload_count`].
pub const fn payload_args<const N: usize>(all: &[ArgDescriptor], is_context: &[bool]) -> [ArgDescriptor; N] {
    let mut out = [NO_ARG; N];
    let (mut i, mut j) = (0, 0);
    while i < all.len() {
        if !is_context[i] {
            out[j] = all[i];
            j += 1;
        }
        i += 1;
    }
    out
}

const NO_ARG: ArgDescriptor = ArgDescriptor {
    rust_name: "",
    js_name: "",
    ts: TsType::of::<()>(),
    rules: "",
    client_rules: &[],
};

/// The method of `service` answering on `channel`: how a generated service binds each handler to its descriptor
/// (by channel, as a method configured out with `#[cfg]` has no entry). Runs once, when the service is registered.
pub fn method_descriptor(service: &'static ServiceDescriptor, channel: &str) -> &'static MethodDescriptor {
    match service.methods.iter().find(|m| m.channel == channel) {
        Some(method) => method,
        None => unreachable!(
            "the generated descriptor of `{}` has no method on `{channel}`",
            service.name
        ),
    }
}

// `decode_args_N::<T0, .., TN-1>`: a method's `N` arguments decoded by name (see [`decode_args`]; `plain` when every
// type is [`Plain`]), each type required to be an [`IpcArg`] on its own. Generated code writes each type as `_`, spanned at the argument's type and inferred
// from its use, so an argument that cannot be decoded is one error, at that argument. (Written out rather than made
// by a macro, so that error shows no macro of ours.)

/// Decodes 0 arguments by name; see [`decode_args`].
pub fn decode_args_0(channel: &str, names: &[&'static str], plain: bool, args: Args<'_>) -> Result<(), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 1 argument by name; see [`decode_args`].
pub fn decode_args_1<T0: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0,), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 2 arguments by name; see [`decode_args`].
pub fn decode_args_2<T0: IpcArg, T1: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 3 arguments by name; see [`decode_args`].
pub fn decode_args_3<T0: IpcArg, T1: IpcArg, T2: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 4 arguments by name; see [`decode_args`].
pub fn decode_args_4<T0: IpcArg, T1: IpcArg, T2: IpcArg, T3: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 5 arguments by name; see [`decode_args`].
pub fn decode_args_5<T0: IpcArg, T1: IpcArg, T2: IpcArg, T3: IpcArg, T4: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 6 arguments by name; see [`decode_args`].
pub fn decode_args_6<T0: IpcArg, T1: IpcArg, T2: IpcArg, T3: IpcArg, T4: IpcArg, T5: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 7 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_7<T0: IpcArg, T1: IpcArg, T2: IpcArg, T3: IpcArg, T4: IpcArg, T5: IpcArg, T6: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 8 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_8<T0: IpcArg, T1: IpcArg, T2: IpcArg, T3: IpcArg, T4: IpcArg, T5: IpcArg, T6: IpcArg, T7: IpcArg>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 9 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_9<
    T0: IpcArg,
    T1: IpcArg,
    T2: IpcArg,
    T3: IpcArg,
    T4: IpcArg,
    T5: IpcArg,
    T6: IpcArg,
    T7: IpcArg,
    T8: IpcArg,
>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7, T8), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 10 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_10<
    T0: IpcArg,
    T1: IpcArg,
    T2: IpcArg,
    T3: IpcArg,
    T4: IpcArg,
    T5: IpcArg,
    T6: IpcArg,
    T7: IpcArg,
    T8: IpcArg,
    T9: IpcArg,
>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7, T8, T9), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 11 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_11<
    T0: IpcArg,
    T1: IpcArg,
    T2: IpcArg,
    T3: IpcArg,
    T4: IpcArg,
    T5: IpcArg,
    T6: IpcArg,
    T7: IpcArg,
    T8: IpcArg,
    T9: IpcArg,
    T10: IpcArg,
>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 12 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_12<
    T0: IpcArg,
    T1: IpcArg,
    T2: IpcArg,
    T3: IpcArg,
    T4: IpcArg,
    T5: IpcArg,
    T6: IpcArg,
    T7: IpcArg,
    T8: IpcArg,
    T9: IpcArg,
    T10: IpcArg,
    T11: IpcArg,
>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11), CallError> {
    decode_args(channel, names, plain, args)
}

/// Decodes 13 arguments by name; see [`decode_args`].
#[allow(clippy::type_complexity)]
pub fn decode_args_13<
    T0: IpcArg,
    T1: IpcArg,
    T2: IpcArg,
    T3: IpcArg,
    T4: IpcArg,
    T5: IpcArg,
    T6: IpcArg,
    T7: IpcArg,
    T8: IpcArg,
    T9: IpcArg,
    T10: IpcArg,
    T11: IpcArg,
    T12: IpcArg,
>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<(T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12), CallError> {
    decode_args(channel, names, plain, args)
}

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
        events: &[],
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

/// What the generated client counts or compares for an argument of type `T` with a `length`, `non_empty` or `range`
/// rule: `Mirror::<T>::MEASURE` and `Mirror::<T>::KIND` name the inherent constants when `T` implements the rule's
/// trait, and fall back to [`MirrorHostOnly`]'s otherwise (the host's check of the same rule then reports the type,
/// once).
#[allow(missing_debug_implementations)] // a resolution device, never a value
pub struct Mirror<T: ?Sized>(PhantomData<T>);

impl<T: crate::validate::HasLength + ?Sized> Mirror<T> {
    /// What the client counts: `T`'s.
    pub const MEASURE: crate::validate::Measure = T::MEASURE;
}

impl<T: crate::validate::InRange + ?Sized> Mirror<T> {
    /// How the client reads the number: `T`'s.
    pub const KIND: crate::validate::NumberKind = T::KIND;
}

impl<T: crate::validate::Validate + ?Sized> Mirror<T> {
    /// `T` has its own rules, which only the host checks.
    pub const OWN_RULES: crate::validate::ClientRule = crate::validate::ClientRule::OwnRules(true);
}

/// The fallback of [`Mirror`] for a type its rule does not apply to: the client leaves the rule to the host.
pub trait MirrorHostOnly {
    /// No rules of the type's own.
    const OWN_RULES: crate::validate::ClientRule = crate::validate::ClientRule::OwnRules(false);
    /// Nothing counted on the client.
    const MEASURE: crate::validate::Measure = crate::validate::Measure::HostOnly;
    /// Nothing compared on the client.
    const KIND: crate::validate::NumberKind = crate::validate::NumberKind::HostOnly;
}

impl<T: ?Sized> MirrorHostOnly for Mirror<T> {}

/// How `#[ipc_service]` carries an argument or return value opted in to exact integers: `u64`, `i64`, `u128` and
/// `i128` through [`Exact`], and `Option`, `Vec` and `Result` of them element by element. Implemented by type, so an
/// alias (`type Id = u64;`) is carried like the integer it names.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no exact integer to carry",
    label = "`exact` applies to `u64`, `i64`, `u128`, `i128`, or an `Option`, `Vec` or `Result` of one",
    note = "for integers elsewhere (a field of a struct, a map), use `ipc_core::Exact<T>` as their type"
)]
pub trait ExactShape: Sized {
    /// The type on the wire, with [`Exact`] where the integers are.
    type Wire;
    /// The TypeScript type of the value as an argument: the wire type's.
    const WIRE_TS: TsType;
    /// The TypeScript types of the value as a method's answer: its data and, for a `Result`, its error.
    const ANSWER_TS: (Option<TsType>, Option<TsType>);
    /// The value as it travels.
    fn into_wire(self) -> Self::Wire;
    /// The value from how it traveled.
    fn from_wire(wire: Self::Wire) -> Self;
    /// The value as a method's answer, as it travels (a `Result`'s `Err` as a HANDLER error).
    fn encode(channel: &str, value: Self) -> Result<Reply, CallError>;
}

macro_rules! exact_shape {
    ($($ty:ident),*) => {$(
        impl ExactShape for $ty {
            type Wire = Exact<$ty>;
            const WIRE_TS: TsType = TsType::of::<Exact<$ty>>();
            const ANSWER_TS: (Option<TsType>, Option<TsType>) = (Some(Self::WIRE_TS), None);

            fn into_wire(self) -> Exact<$ty> {
                Exact(self)
            }

            fn from_wire(wire: Exact<$ty>) -> $ty {
                wire.0
            }

            fn encode(channel: &str, value: Self) -> Result<Reply, CallError> {
                encode_value(channel, value.into_wire())
            }
        }
    )*};
}

exact_shape!(u64, i64, u128, i128);

impl<T: ExactShape> ExactShape for Option<T>
where
    Option<T::Wire>: Serialize + TsInfo,
{
    type Wire = Option<T::Wire>;
    const WIRE_TS: TsType = TsType::of::<Option<T::Wire>>();
    const ANSWER_TS: (Option<TsType>, Option<TsType>) = (Some(Self::WIRE_TS), None);

    fn into_wire(self) -> Self::Wire {
        self.map(T::into_wire)
    }

    fn from_wire(wire: Self::Wire) -> Self {
        wire.map(T::from_wire)
    }

    fn encode(channel: &str, value: Self) -> Result<Reply, CallError> {
        encode_value(channel, value.into_wire())
    }
}

impl<T: ExactShape> ExactShape for Vec<T>
where
    Vec<T::Wire>: Serialize + TsInfo,
{
    type Wire = Vec<T::Wire>;
    const WIRE_TS: TsType = TsType::of::<Vec<T::Wire>>();
    const ANSWER_TS: (Option<TsType>, Option<TsType>) = (Some(Self::WIRE_TS), None);

    fn into_wire(self) -> Self::Wire {
        self.into_iter().map(T::into_wire).collect()
    }

    fn from_wire(wire: Self::Wire) -> Self {
        wire.into_iter().map(T::from_wire).collect()
    }

    fn encode(channel: &str, value: Self) -> Result<Reply, CallError> {
        encode_value(channel, value.into_wire())
    }
}

impl<T: ExactShape, E> ExactShape for Result<T, E>
where
    T::Wire: Serialize + TsInfo,
    E: Serialize + TsInfo,
    Result<T::Wire, E>: TsInfo,
{
    type Wire = Result<T::Wire, E>;
    const WIRE_TS: TsType = TsType::of::<Result<T::Wire, E>>();
    const ANSWER_TS: (Option<TsType>, Option<TsType>) = (Some(TsType::of::<T::Wire>()), Some(TsType::of::<E>()));

    fn into_wire(self) -> Self::Wire {
        self.map(T::into_wire)
    }

    fn from_wire(wire: Self::Wire) -> Self {
        wire.map(T::from_wire)
    }

    fn encode(channel: &str, value: Self) -> Result<Reply, CallError> {
        encode_result(channel, value.into_wire())
    }
}

/// Types whose `Deserialize` never skips a field of what it reads (it reads all of it, or fails): decoding arguments of
/// such types alone needs no watch for fields left unread (see `crate::args`). Std's scalars and text, and
/// containers of such types.
pub trait NeverIgnores {}

macro_rules! never_ignores {
    ($($ty:ty),*) => {$(impl NeverIgnores for $ty {})*};
}

never_ignores!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    (),
    String,
    Box<str>,
    std::borrow::Cow<'static, str>,
    Arc<str>,
    serde_json::Value,
    CallContext
);

impl<T: NeverIgnores> NeverIgnores for Option<T> {}
impl<T: NeverIgnores> NeverIgnores for Vec<T> {}
impl<T: NeverIgnores> NeverIgnores for Box<T> {}
impl<T> NeverIgnores for Exact<T> {}
impl<K: NeverIgnores, V: NeverIgnores, S> NeverIgnores for std::collections::HashMap<K, V, S> {}
impl<K: NeverIgnores, V: NeverIgnores> NeverIgnores for std::collections::BTreeMap<K, V> {}

/// Whether an argument type is [`NeverIgnores`]: `Plain::<T>::YES` (with [`MayIgnore`] in scope) finds the inherent
/// constant when it is, the trait's `false` otherwise. Generated code passes whether all of a method's argument types
/// are to its `decode_args_N`.
#[derive(Debug)]
pub struct Plain<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: NeverIgnores> Plain<T> {
    /// A type that never skips a field.
    pub const YES: bool = true;
}

/// The other half of [`Plain`]'s dispatch.
pub trait MayIgnore {
    /// A type that may skip a field (a struct of the user's, without `deny_unknown_fields`).
    const YES: bool = false;
}

impl<T: ?Sized> MayIgnore for Plain<T> {}

/// Nothing, for a `T` that is an [`ExactShape`]: generated code calls it for a type under `#[ipc(exact)]` whose
/// name it cannot see through, so a type that is none is one error, at the type.
pub fn require_exact<T: ExactShape>() {}

/// Exact integers by what a type is, for a service with `exact_integers`: `ExactInt::<T>::KIND` (with
/// [`NotExactInt`] in scope) finds the inherent `KIND` below when `T` is an [`ExactShape`] however it is spelled (an
/// alias, `Option<Id>`), and the trait's otherwise. Generated code passes each argument's wire value, its TypeScript
/// types and its answer codec through the kind: [`ExactKind`] carries the integers exactly, [`NotExact`] hands every
/// value back unchanged.
#[derive(Debug)]
pub struct ExactInt<T>(PhantomData<fn() -> T>);

impl<T: ExactShape> ExactInt<T> {
    /// An exact shape: carried exactly.
    pub const KIND: ExactKind<T> = ExactKind(PhantomData);
}

/// The other half of [`ExactInt`]'s dispatch: a type with no exact integer to carry.
pub trait NotExactInt {
    /// Carried as it is.
    const KIND: NotExact;
}

impl<T> NotExactInt for ExactInt<T> {
    const KIND: NotExact = NotExact;
}

/// See [`ExactInt`]: a type carried exactly.
#[derive(Debug)]
pub struct ExactKind<T>(PhantomData<fn() -> T>);

impl<T> Clone for ExactKind<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ExactKind<T> {}

impl<T: ExactShape> ExactKind<T> {
    /// The argument from how it traveled.
    pub fn from_wire(self, wire: T::Wire) -> T {
        T::from_wire(wire)
    }

    /// The codec carrying the answer exactly, in place of the plain one.
    pub const fn codec(self, _plain: Codec<T>) -> Codec<T> {
        Codec { encode: T::encode }
    }

    /// The argument's TypeScript type as it travels, in place of the plain one.
    pub const fn arg_ts(self, _plain: TsType) -> TsType {
        T::WIRE_TS
    }

    /// The answer's TypeScript types as it travels, in place of the plain ones.
    pub const fn answer_ts(self, _plain: (Option<TsType>, Option<TsType>)) -> (Option<TsType>, Option<TsType>) {
        T::ANSWER_TS
    }
}

/// See [`ExactInt`]: a type carried as it is.
#[derive(Debug, Clone, Copy)]
pub struct NotExact;

impl NotExact {
    /// The argument as it traveled.
    pub fn from_wire<W>(self, wire: W) -> W {
        wire
    }

    /// The plain codec.
    pub const fn codec<R>(self, plain: Codec<R>) -> Codec<R> {
        plain
    }

    /// The plain TypeScript type.
    pub const fn arg_ts(self, plain: TsType) -> TsType {
        plain
    }

    /// The plain TypeScript types.
    pub const fn answer_ts(self, plain: (Option<TsType>, Option<TsType>)) -> (Option<TsType>, Option<TsType>) {
        plain
    }
}
