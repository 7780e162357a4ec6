//! The service as plain data. Every node keeps the syn node it came from, so checks can point at the user's tokens;
//! every name is resolved here once and shared by the router and the JavaScript client.

use proc_macro2::Span;
use syn::{Attribute, Ident, ItemTrait, PatType, TraitItem, TraitItemFn, Type};

use crate::attr::Validator;

/// A trait annotated with `#[ipc_service]`.
pub(crate) struct Service<'a> {
    pub original: &'a ItemTrait,
    /// The path of the runtime crate in generated code (`::ipc_core`, or as renamed in Cargo.toml or by `crate = "..."`).
    pub runtime: syn::Path,
    /// The service name: first part of each channel.
    pub name: String,
    /// Where the name came from (the `name = "..."` literal, or the trait's ident).
    pub name_span: Span,
    /// The property of `host.services` in JavaScript.
    pub js_name: String,
    pub docs: String,
    /// Every method of the trait: the calls the service answers and the events it declares (see [`Method::event`]).
    pub methods: Vec<Method<'a>>,
    /// Trait items that are not methods (associated types, consts, macros): all refused by the checks.
    pub other_items: Vec<&'a TraitItem>,
}

/// One trait method: a call the renderer makes, or, with `#[ipc(event)]`, an event the host pushes (whose single
/// argument is the payload; it is left out of the emitted trait and gets an emitter instead).
pub(crate) struct Method<'a> {
    pub original: &'a TraitItemFn,
    pub ident: &'a Ident,
    pub rust_name: String,
    pub js_name: String,
    pub channel: String,
    /// The method's part of the channel (`rename = "..."`, or the Rust name), and where it came from.
    pub wire_name: String,
    pub wire_name_span: Span,
    pub docs: String,
    /// `#[cfg(...)]` attributes of the method, repeated on everything generated for it, so a method configured out
    /// is absent from the router and the clients.
    pub cfgs: Vec<&'a Attribute>,
    /// `#[deprecated]`, for `@deprecated` in the JavaScript and TypeScript clients.
    pub deprecated: Option<Deprecation>,
    /// How long the host lets one call run: `#[ipc(timeout = "...")]`.
    pub timeout: Timeout,
    /// The `timeout` key as written, for the error when an event has one.
    pub timeout_key: Option<syn::Path>,
    /// `#[ipc(event)]`, with the keyword for error spans: an event, not a call.
    pub event: Option<syn::Path>,
    /// Whether the method's value is awaited: an `async fn`, or a `fn` returning `impl Future<Output = T> + Send`.
    pub is_async: bool,
    pub receiver: Receiver<'a>,
    pub args: Vec<Arg<'a>>,
    pub output: Output<'a>,
    /// `#[ipc(exact)]` on the method as written, for error spans.
    pub exact_key: Option<syn::Path>,
    /// Whether the return value travels as an exact integer (`ipc_core::Exact`): asked for by `#[ipc(exact)]` or by
    /// the service's `exact_integers`.
    pub exact_return: Exactness,
}

/// A method's `#[deprecated]` attribute.
pub(crate) struct Deprecation {
    /// The note (with `since`), empty without one.
    pub note: String,
    /// The condition of the `#[cfg_attr(condition, deprecated)]` it was written in, if any.
    pub condition: Option<proc_macro2::TokenStream>,
}

/// How long the host lets one call of a method run, as `ipc_core::CallTimeout` will say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// No `timeout` setting: the hub's default deadline.
    Default,
    /// `timeout = "250ms"`, `"5s"` or `"2m"`, in milliseconds (never zero).
    After { millis: u64 },
    /// `timeout = "none"`: no deadline.
    Never,
}

/// How a method takes `self`.
pub(crate) enum Receiver<'a> {
    /// `&self`: the only form a shared service can serve.
    SharedRef,
    /// Any other receiver (`&mut self`, `self`, `&'a self`, `self: Box<Self>`), kept for the error span.
    Other(&'a syn::Receiver),
    /// No receiver at all.
    Missing,
}

/// One argument the renderer passes.
pub(crate) struct Arg<'a> {
    pub original: &'a PatType,
    /// The parameter's name, or `None` when it is a pattern (refused by the checks).
    pub ident: Option<&'a Ident>,
    pub rust_name: String,
    /// The key in the request's `args` object and the JavaScript parameter name.
    pub js_name: String,
    pub ty: &'a Type,
    pub kind: ArgKind,
    /// Rules from `#[validate(...)]`.
    pub validators: Vec<Validator>,
    /// `#[cfg(...)]` attributes of the parameter: the argument exists only where they hold.
    pub cfgs: Vec<&'a Attribute>,
    /// `#[ipc(exact)]` on the parameter as written, for error spans.
    pub exact_key: Option<syn::Path>,
    /// Whether the argument travels as an exact integer (`ipc_core::Exact`): asked for by `#[ipc(exact)]` or by the
    /// service's `exact_integers`.
    pub exact: Exactness,
}

/// How a value travels where exact integers are asked for (`#[ipc(exact)]` or the service's `exact_integers`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Exactness {
    /// As its own type: not asked for, or written as a type that holds no exact integer.
    Plain,
    /// Through `ipc_core::__private::ExactShape`: asked for by `#[ipc(exact)]`, or written as an exact shape.
    Exact,
    /// Decided by the type system (`ipc_core::__private::ExactInt`): a type whose name the macro cannot see through
    /// (`Id`, `Option<Id>`), exact if it is an alias of an exact shape. Under `#[ipc(exact)]` the generated code
    /// also requires that it is one.
    ByType,
}

impl Exactness {
    /// How a value of type `ty` travels: `explicit` for `#[ipc(exact)]`, `service` for `exact_integers`.
    pub(crate) fn of(ty: &Type, explicit: bool, service: bool) -> Self {
        match (exact_shape(ty), explicit, service) {
            (Shape::No, ..) | (_, false, false) => Exactness::Plain,
            (Shape::Yes, ..) => Exactness::Exact,
            (Shape::Unknown, ..) => Exactness::ByType,
        }
    }
}

/// Whether a type, as written, is an exact shape (see [`exact_shape`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Shape {
    /// `u64`, `i64`, `u128`, `i128`, or an `Option`, `Vec` or `Result` of one.
    Yes,
    /// A name the macro cannot see through (`Id`, `Option<Id>`, `Maybe<u64>`): perhaps an alias of one.
    Unknown,
    /// Written as anything else: a known type (`String`, `u32`, ...), a tuple, a reference, an array.
    No,
}

/// Where an argument's value comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// Sent by the renderer in the request's `args` object.
    Payload,
    /// Written as `CallContext` (by any path): the checks treat it as the injected caller's context (at most one, no
    /// rules, not a JavaScript name). The generated code does not rely on this: it decides by type
    /// (`ipc_core::__private::Arg`), so a context imported under another name is injected too.
    Context,
}

/// What a method returns, as the answer sees it. Whether the answer is a `Result` is not decided here: an alias such
/// as `io::Result<T>` cannot be seen through in syntax, so the generated code lets the type system decide
/// (`ipc_core::__private::Answer`).
pub(crate) enum Output<'a> {
    /// No return type, or `()`: the answer's data is `null`.
    Unit,
    /// `-> T`, `async fn ... -> T`, or `-> impl Future<Output = T> + Send`: `T` is the answer.
    Value(&'a Type),
    /// `-> impl Future<Output = T>` without `+ Send` (refused by the checks), `T` being the answer.
    NotSendFuture(&'a syn::TypeImplTrait, Option<&'a Type>),
    /// `-> impl Stream<Item = T> + Send` (also awaited from an `async fn` or a `Send` future): the answer is a stream
    /// of `T` items, each encoded as an answer would be (a `Result` item's `Err` ends it with a HANDLER error).
    Stream(&'a Type),
    /// `-> impl Stream` without `+ Send` or without `Item = T` (refused by the checks).
    BadStream(&'a syn::TypeImplTrait),
    /// `-> impl Trait` for any trait but `Future` and `Stream` (refused by the checks), with the trait's last path
    /// segment.
    OtherImpl(&'a syn::TypeImplTrait, String),
}

/// Types that are never exact shapes, whose names are not worth a look through the type system.
const NEVER_EXACT: &[&str] = &[
    "String",
    "str",
    "bool",
    "char",
    "f32",
    "f64",
    "u8",
    "u16",
    "u32",
    "usize",
    "i8",
    "i16",
    "i32",
    "isize",
    "Value",
    "CallContext",
];

/// Whether `ty` is written as a type exact integers apply to: `u64`, `i64`, `u128` or `i128` (by their last path
/// segment), or an `Option`, `Vec` or `Result` (its `Ok` side) of one. A name the macro does not know (`Id`,
/// `Maybe<u64>`) may be an alias of one: the type system decides (`ipc_core::__private::ExactInt`).
pub(crate) fn exact_shape(ty: &Type) -> Shape {
    let Type::Path(path) = ty else {
        return match ty {
            Type::Paren(inner) => exact_shape(&inner.elem),
            Type::Group(inner) => exact_shape(&inner.elem),
            _ => Shape::No,
        };
    };
    let Some(last) = path.path.segments.last() else {
        return Shape::No;
    };
    if path.qself.is_some() {
        return Shape::No;
    }
    let first_type = || match &last.arguments {
        syn::PathArguments::AngleBracketed(generics) => generics.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    };
    let name = last.ident.to_string();
    match name.as_str() {
        "u64" | "i64" | "u128" | "i128" if last.arguments.is_none() => Shape::Yes,
        "Option" | "Vec" | "Result" => first_type().map_or(Shape::No, exact_shape),
        _ if NEVER_EXACT.contains(&name.as_str()) => Shape::No,
        _ => Shape::Unknown,
    }
}

impl Output<'_> {
    /// The type each answer (or, for a stream, each item) is encoded from.
    pub(crate) fn encoded(&self) -> Option<&Type> {
        match self {
            Output::Value(ty) | Output::Stream(ty) => Some(ty),
            Output::Unit | Output::NotSendFuture(..) | Output::BadStream(_) | Output::OtherImpl(..) => None,
        }
    }
}

impl<'a> Service<'a> {
    /// The methods the renderer calls, in declaration order.
    pub(crate) fn calls(&self) -> impl Iterator<Item = &Method<'a>> {
        self.methods.iter().filter(|m| !m.is_event())
    }

    /// The events the host pushes, in declaration order.
    pub(crate) fn events(&self) -> impl Iterator<Item = &Method<'a>> {
        self.methods.iter().filter(|m| m.is_event())
    }
}

impl Method<'_> {
    /// The `#[cfg(...)]` attributes to repeat on every item generated for this method.
    pub(crate) fn cfgs(&self) -> &[&Attribute] {
        &self.cfgs
    }

    /// Whether this is an event (`#[ipc(event)]`) rather than a call.
    pub(crate) fn is_event(&self) -> bool {
        self.event.is_some()
    }

    /// An event's payload: its one argument the checks allow (`None` until they pass).
    pub(crate) fn payload(&self) -> Option<&Arg<'_>> {
        match &self.args[..] {
            [payload] if self.is_event() => Some(payload),
            _ => None,
        }
    }
}

impl Arg<'_> {
    /// The condition of the argument's `#[cfg(...)]` attributes, as one predicate; `None` without any.
    pub(crate) fn cfg_predicate(&self) -> Option<proc_macro2::TokenStream> {
        let predicates: Vec<proc_macro2::TokenStream> = self
            .cfgs
            .iter()
            .filter_map(|attr| attr.meta.require_list().ok().map(|list| list.tokens.clone()))
            .collect();
        match predicates.len() {
            0 => None,
            _ => Some(quote::quote!(all(#(#predicates),*))),
        }
    }

    /// The `#[validate(...)]` rules as the user wrote them, for the client's docs: `length(min = 1), non_empty`.
    pub(crate) fn rules_text(&self) -> String {
        self.validators
            .iter()
            .map(Validator::to_text)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
