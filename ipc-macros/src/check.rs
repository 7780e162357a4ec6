//! Every semantic rule a service must follow, one function each. Errors point at the user's own token and say what to
//! write instead; all of them are collected, none stops the others.

use std::collections::HashMap;

use syn::{GenericArgument, PathArguments, Type};

use crate::attr::Validator;
use crate::ctxt::Ctxt;
use crate::model::{exact_shape, Arg, ArgKind, Method, Output, Receiver, Service, Shape};
use crate::names::{is_valid_wire_name, JS_RESERVED, JS_RESERVED_PROPERTIES, RUNTIME_RESERVED};

/// Names the macro adds to the trait; a method of the same name would collide with them.
const GENERATED_METHODS: &[&str] = &["into_service", "service_descriptor"];

pub(crate) fn run(cx: &Ctxt, service: &Service<'_>) {
    check_service_name(cx, service);
    check_trait_generics(cx, service);
    check_only_methods(cx, service);
    for method in &service.methods {
        check_receiver(cx, method);
        check_qualifiers(cx, method);
        check_method_generics(cx, method);
        check_no_default_body(cx, service, method);
        check_generated_name_collision(cx, service, method);
        check_wire_name(cx, method);
        check_no_conditional_settings(cx, method);
        check_exact(cx, method);
        if method.is_event() {
            check_event(cx, method);
            continue;
        }
        check_one_context(cx, method);
        for arg in &method.args {
            check_arg(cx, arg, Role::Argument, &declared_lifetimes(method));
            check_validators(cx, arg);
        }
        check_arg_count(cx, method);
        check_conditional_args(cx, method);
        check_output(cx, method);
    }
    check_duplicate_names(cx, service);
}

/// An event (`#[ipc(event)]`) is pushed by the host: one payload argument, and nothing of a call (no `async`, answer,
/// caller, rules or timeout).
fn check_event(cx: &Ctxt, method: &Method<'_>) {
    let sig = &method.original.sig;
    if let Some(token) = &sig.asyncness {
        cx.error_at(
            token,
            "an event is not `async`: the host pushes it and nothing awaits it; remove `async`",
        );
    }
    if let syn::ReturnType::Type(..) = &sig.output {
        cx.error_at(
            &sig.output,
            "an event returns nothing: the page does not answer a push; remove the return type",
        );
    }
    if let Some(key) = &method.timeout_key {
        cx.error_at(
            key,
            "an event has no timeout: the host pushes it without waiting for an answer; remove `timeout`",
        );
    }
    let contexts: Vec<&Arg<'_>> = method.args.iter().filter(|a| a.kind == ArgKind::Context).collect();
    for context in &contexts {
        cx.error_at(
            context.ty,
            "an event has no caller: the host pushes it to windows it chooses; remove the `CallContext` argument",
        );
    }
    let payload: Vec<&Arg<'_>> = method.args.iter().filter(|a| a.kind == ArgKind::Payload).collect();
    match payload[..] {
        [] if contexts.is_empty() => cx.error_at(
            method.ident,
            "an event takes one argument, its payload, such as `fn changed(&self, todos: Vec<Todo>)`; for an event \
             without data, take `payload: ()`",
        ),
        [] => {}
        [_, ref extra @ ..] => {
            if let Some(first_extra) = extra.first() {
                cx.error_at(
                    first_extra.original,
                    "an event takes one argument, its payload; put these values in a struct that derives \
                     `serde::Serialize`",
                );
            }
        }
    }
    for arg in payload {
        check_arg(cx, arg, Role::Payload, &declared_lifetimes(method));
        for rule in &arg.validators {
            cx.error_at(
                rule.key(),
                "an event's payload comes from the host and is not validated; remove this rule",
            );
        }
        if let Some(cfg) = arg.cfgs.first() {
            cx.error_at(
                cfg,
                "an event's payload cannot be under `#[cfg]`; put `#[cfg]` on the whole event",
            );
        }
    }
}

fn check_service_name(cx: &Ctxt, service: &Service<'_>) {
    let name = &service.name;
    if !is_valid_wire_name(name) {
        cx.syn_error(syn::Error::new(
            service.name_span,
            format!(
                "invalid service name `{name}`: use letters, digits and `_`, starting with a letter, such as `todos`"
            ),
        ));
    } else if JS_RESERVED_PROPERTIES.contains(&service.js_name.as_str())
        || JS_RESERVED.contains(&service.js_name.as_str())
    {
        cx.syn_error(syn::Error::new(
            service.name_span,
            format!(
                "`{}` cannot name a service: it is reserved in JavaScript; choose another name with \
                 #[ipc_service(name = \"...\")]",
                service.js_name
            ),
        ));
    } else if RUNTIME_RESERVED.contains(&service.js_name.as_str()) {
        cx.syn_error(syn::Error::new(
            service.name_span,
            format!(
                "`{}` cannot name a service: the generated client exports `host`, `services` and `IpcError` itself; \
                 choose another name with #[ipc_service(name = \"...\")]",
                service.js_name
            ),
        ));
    }
}

fn check_wire_name(cx: &Ctxt, method: &Method<'_>) {
    let name = &method.wire_name;
    if !is_valid_wire_name(name) {
        cx.syn_error(syn::Error::new(
            method.wire_name_span,
            format!("invalid method name `{name}` for a channel: use letters, digits and `_`, starting with a letter"),
        ));
    } else if JS_RESERVED_PROPERTIES.contains(&method.js_name.as_str()) {
        let what = if method.is_event() { "an event" } else { "a method" };
        cx.syn_error(syn::Error::new(
            method.wire_name_span,
            format!(
                "`{}` cannot name {what} in JavaScript: it is a built-in property; rename it with #[ipc(rename = \"...\")]",
                method.js_name
            ),
        ));
    } else if !method.is_event() && method.js_name == EVENTS_PROPERTY {
        cx.syn_error(syn::Error::new(
            method.wire_name_span,
            format!(
                "`{EVENTS_PROPERTY}` cannot name a method in JavaScript: the service's client lists its events under \
                 `{EVENTS_PROPERTY}`; rename it with #[ipc(rename = \"...\")]"
            ),
        ));
    }
}

/// The property of a service's JavaScript client that holds its event listeners (`todos.on.changed(listener)`).
const EVENTS_PROPERTY: &str = "on";

/// The constructor of the generated `...Events` type, which an event's emitter method would collide with.
const EVENTS_CONSTRUCTOR: &str = "new";

fn check_one_context(cx: &Ctxt, method: &Method<'_>) {
    let mut contexts = method.args.iter().filter(|a| a.kind == ArgKind::Context);
    if contexts.next().is_some() {
        for extra in contexts {
            cx.error_at(extra.ty, "a method takes at most one `CallContext` argument");
        }
    }
}

fn check_trait_generics(cx: &Ctxt, service: &Service<'_>) {
    let generics = &service.original.generics;
    if !generics.params.is_empty() {
        cx.error_at(
            &generics.params,
            "an IPC service trait cannot be generic: the renderer calls one concrete service; use concrete types",
        );
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_at(where_clause, "an IPC service trait cannot have a where clause");
    }
    // `Send`, `Sync` and `'static` are what the macro adds anyway; any other supertrait is refused.
    for bound in &service.original.supertraits {
        if !is_added_supertrait(bound) {
            cx.error_at(
                bound,
                "an IPC service trait cannot declare supertraits other than `Send + Sync + 'static`, which the \
                 macro adds itself; implement other traits on the type instead",
            );
        }
    }
}

/// `Send`, `Sync` (by any path, such as `core::marker::Send`) or `'static`.
fn is_added_supertrait(bound: &syn::TypeParamBound) -> bool {
    match bound {
        syn::TypeParamBound::Lifetime(lifetime) => lifetime.ident == "static",
        syn::TypeParamBound::Trait(t) => {
            t.lifetimes.is_none()
                && matches!(t.modifier, syn::TraitBoundModifier::None)
                && t.path
                    .segments
                    .last()
                    .is_some_and(|last| (last.ident == "Send" || last.ident == "Sync") && last.arguments.is_none())
        }
        _ => false,
    }
}

fn check_only_methods(cx: &Ctxt, service: &Service<'_>) {
    for item in &service.other_items {
        let what = match item {
            syn::TraitItem::Type(_) => "associated types",
            syn::TraitItem::Const(_) => "associated consts",
            _ => "items other than methods",
        };
        cx.error_at(
            item,
            format!("an IPC service trait cannot have {what}; it may only declare methods"),
        );
    }
}

fn check_receiver(cx: &Ctxt, method: &Method<'_>) {
    if method.is_event() {
        let message =
            "an event is declared with `&self` and its payload, such as `fn changed(&self, todos: Vec<Todo>)`";
        match &method.receiver {
            Receiver::SharedRef => {}
            Receiver::Other(receiver) => cx.error_at(receiver, format!("{message}; write `&self`")),
            Receiver::Missing => cx.error_at(method.ident, message),
        }
        return;
    }
    match &method.receiver {
        Receiver::SharedRef => {}
        Receiver::Other(receiver) => {
            let lifetime = receiver.reference.as_ref().and_then(|(_, lifetime)| lifetime.as_ref());
            if receiver.colon_token.is_none() && receiver.mutability.is_none() && lifetime.is_some() {
                // `&'a self`: a lifetime the method declares is reported once, at its declaration.
                if !lifetime.is_some_and(|l| declared_lifetimes(method).contains(&l.ident.to_string())) {
                    cx.error_at(
                        receiver,
                        "IPC methods take `&self` without a lifetime: the call cannot lend anything to the answer, \
                         which is encoded after the method returns; write `&self`",
                    );
                }
                return;
            }
            let found = if receiver.colon_token.is_some() {
                "a typed receiver"
            } else if receiver.mutability.is_some() && receiver.reference.is_some() {
                "`&mut self`"
            } else {
                "`self` by value"
            };
            cx.error_at(
                receiver,
                format!(
                    "IPC methods take `&self`, found {found}: calls run concurrently on a shared service; \
                     keep mutable state behind a `Mutex` or `RwLock`"
                ),
            );
        }
        Receiver::Missing => cx.error_at(
            &method.original.sig.ident,
            "IPC methods take `&self` as their first parameter, such as `fn list(&self) -> Vec<Todo>`",
        ),
    }
}

/// The lifetimes a method declares (`'a` of `fn get<'a>`): each is reported once, where it is declared, and not again
/// where it is used.
fn declared_lifetimes(method: &Method<'_>) -> Vec<String> {
    method
        .original
        .sig
        .generics
        .lifetimes()
        .map(|l| l.lifetime.ident.to_string())
        .collect()
}

fn check_qualifiers(cx: &Ctxt, method: &Method<'_>) {
    let sig = &method.original.sig;
    if let Some(token) = &sig.constness {
        cx.error_at(token, "IPC methods cannot be `const`; remove `const`");
    }
    if let Some(token) = &sig.unsafety {
        cx.error_at(
            token,
            "IPC methods cannot be `unsafe`: the renderer cannot uphold a safety contract; remove `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_at(abi, "IPC methods cannot be `extern`; remove the ABI");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_at(variadic, "IPC methods cannot be variadic");
    }
}

fn check_method_generics(cx: &Ctxt, method: &Method<'_>) {
    let generics = &method.original.sig.generics;
    let mut types = generics
        .params
        .iter()
        .filter(|p| !matches!(p, syn::GenericParam::Lifetime(_)))
        .peekable();
    if types.peek().is_some() {
        cx.error_at(
            &generics.params,
            "IPC methods cannot be generic: the renderer sends JSON for one concrete type; use a concrete type or an enum",
        );
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_at(where_clause, "IPC methods cannot have a where clause");
    }
    for param in generics.lifetimes() {
        let lifetime = &param.lifetime;
        cx.error_at(
            lifetime,
            format!(
                "IPC methods cannot borrow (lifetime `{lifetime}`): arguments are decoded from the request's JSON, \
                 which does not outlive the call, and the answer is encoded after the method returns; remove \
                 `{lifetime}`, take `&self`, and use owned types (`String` instead of `&{lifetime} str`, `Vec<T>` \
                 instead of `&{lifetime} [T]`)"
            ),
        );
    }
}

fn check_no_default_body(cx: &Ctxt, service: &Service<'_>, method: &Method<'_>) {
    let Some(body) = &method.original.default else {
        return;
    };
    if method.is_event() {
        cx.error_at(
            body,
            format!(
                "an event has no body: the macro generates its emitter, `{}Events::new(&hub).{}()`; declare the event \
                 with `;`",
                service.original.ident, method.ident
            ),
        );
    } else {
        cx.error_at(
            body,
            "IPC methods cannot have a default body; declare the method with `;` and implement it in the `impl`",
        );
    }
}

fn check_generated_name_collision(cx: &Ctxt, service: &Service<'_>, method: &Method<'_>) {
    if method.is_event() {
        if method.rust_name == EVENTS_CONSTRUCTOR {
            cx.error_at(
                method.ident,
                format!(
                    "`{EVENTS_CONSTRUCTOR}` cannot name an event: `{}Events::{EVENTS_CONSTRUCTOR}` makes the emitters; \
                     give the event another Rust name (its channel can keep `{EVENTS_CONSTRUCTOR}` with \
                     #[ipc(rename = \"{EVENTS_CONSTRUCTOR}\")])",
                    service.original.ident
                ),
            );
        }
    } else if GENERATED_METHODS.contains(&method.rust_name.as_str()) {
        cx.error_at(
            method.ident,
            format!(
                "`{}` is a method the macro adds to the trait; rename this method",
                method.rust_name
            ),
        );
    }
}

fn check_arg(cx: &Ctxt, arg: &Arg<'_>, role: Role, declared: &[String]) {
    match arg.ident {
        None if role == Role::Payload => cx.error_at(
            &arg.original.pat,
            "an event's payload is a plain name, such as `todos: Vec<Todo>`",
        ),
        None => cx.error_at(
            &arg.original.pat,
            "IPC arguments must be plain names, such as `title: String`: the name is the key the renderer sends",
        ),
        // An event's payload is not named in JavaScript: only a call's arguments are.
        Some(ident)
            if role == Role::Argument
                && arg.kind == ArgKind::Payload
                && JS_RESERVED.contains(&arg.js_name.as_str()) =>
        {
            cx.error_at(
                ident,
                format!(
                "`{}` is a reserved word in JavaScript and cannot name an argument; rename the parameter (the name is \
                 what the renderer sends)",
                arg.js_name
            ),
            );
        }
        Some(_) => {}
    }
    check_owned(cx, arg.ty, role, declared);
}

/// Rules that can be judged without types: bounds in order, patterns that compile, no rules on the context.
fn check_validators(cx: &Ctxt, arg: &Arg<'_>) {
    for rule in &arg.validators {
        if arg.kind == ArgKind::Context {
            cx.error_at(
                rule.key(),
                "the caller's `CallContext` comes from the host and is not validated; remove this rule",
            );
            continue;
        }
        match rule {
            Validator::Length {
                min: Some(min),
                max: Some(max),
                ..
            } => {
                if let (Ok(lo), Ok(hi)) = (min.base10_parse::<u128>(), max.base10_parse::<u128>()) {
                    if lo > hi {
                        cx.error_at(
                            min,
                            format!("`min = {lo}` is greater than `max = {hi}`: no value could pass"),
                        );
                    }
                }
            }
            Validator::Pattern { pattern, .. } => {
                if let Err(err) = regex_syntax::Parser::new().parse(&pattern.value()) {
                    cx.error_at(
                        pattern,
                        format!("invalid regular expression: {}", one_line(&err.to_string())),
                    );
                }
            }
            _ => {}
        }
    }
}

/// regex-syntax renders errors over several lines with a caret diagram; keep the last line, the description.
fn one_line(text: &str) -> String {
    let last = text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(text).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

/// The most arguments a method may take from the renderer: `ipc_core`'s argument decoder is implemented for tuples
/// up to this length.
const MAX_ARGS: usize = 12;

fn check_arg_count(cx: &Ctxt, method: &Method<'_>) {
    let payload: Vec<&Arg<'_>> = method.args.iter().filter(|a| a.kind == ArgKind::Payload).collect();
    if let Some(first_extra) = payload.get(MAX_ARGS) {
        cx.error_at(
            &first_extra.original.pat,
            format!(
                "an IPC method takes at most {MAX_ARGS} arguments; group them in a struct that derives `Deserialize`"
            ),
        );
    }
}

/// The most arguments of one method that may carry `#[cfg]`: the dispatcher has one handler per combination.
const MAX_CONDITIONAL_ARGS: usize = 3;

fn check_conditional_args(cx: &Ctxt, method: &Method<'_>) {
    if let Some(extra) = method
        .args
        .iter()
        .filter(|a| !a.cfgs.is_empty())
        .nth(MAX_CONDITIONAL_ARGS)
    {
        cx.error_at(
            extra.cfgs[0],
            format!(
                "at most {MAX_CONDITIONAL_ARGS} arguments of a method may carry `#[cfg]`; put `#[cfg]` on whole \
                 methods instead, one method per configuration"
            ),
        );
    }
}

/// What `#[ipc(exact)]` carries, for every error about it.
const EXACT_SHAPES: &str = "`#[ipc(exact)]` carries `u64`, `i64`, `u128` and `i128` exactly, or an `Option`, `Vec` or \
                            `Result` of one (or an alias of one of these)";

/// `#[ipc(exact)]` applies to an argument or a return value of an exact shape, and to nothing of an event.
fn check_exact(cx: &Ctxt, method: &Method<'_>) {
    if method.is_event() {
        let keys = method
            .exact_key
            .iter()
            .chain(method.args.iter().filter_map(|a| a.exact_key.as_ref()));
        for key in keys {
            cx.error_at(
                key,
                "an event's payload is pushed as its own type: give it `ipc_core::Exact<T>` (for example \
                 `Exact<u64>`, or a struct with such a field) instead of `#[ipc(exact)]`",
            );
        }
        return;
    }
    for arg in &method.args {
        match &arg.exact_key {
            Some(key) if arg.kind == ArgKind::Context => cx.error_at(
                key,
                "the caller's context is injected by the host, not sent: it has no integer to carry",
            ),
            Some(_) if exact_shape(arg.ty) == Shape::No => {
                let ty = arg.ty;
                cx.error_at(
                    ty,
                    format!(
                        "{EXACT_SHAPES}; `{}` is none of them: for an integer inside another type, make its type \
                         `ipc_core::Exact<T>`",
                        quote::quote!(#ty).to_string().replace(' ', "")
                    ),
                );
            }
            _ => {}
        }
    }
    if let Some(key) = &method.exact_key {
        match method.output {
            Output::Value(ty) if exact_shape(ty) != Shape::No => {}
            Output::Value(ty) => cx.error_at(
                ty,
                format!(
                    "{EXACT_SHAPES}; the return type `{}` is none of them: for an integer inside another type, make \
                     its type `ipc_core::Exact<T>`",
                    quote::quote!(#ty).to_string().replace(' ', "")
                ),
            ),
            _ => cx.error_at(key, format!("{EXACT_SHAPES}; this method returns none of them")),
        }
    }
}

fn check_no_conditional_settings(cx: &Ctxt, method: &Method<'_>) {
    let params = method.args.iter().flat_map(|a| a.original.attrs.iter());
    for attr in method.original.attrs.iter().chain(params) {
        if let Some(path) = crate::attr::conditional_ours(attr) {
            let name = quote::quote!(#path).to_string();
            cx.error_at(
                attr,
                format!(
                    "`#[{name}]` cannot be inside `#[cfg_attr]`: `#[ipc_service]` reads it before conditions are \
                     known; declare the method twice instead, one under `#[cfg(...)]` with the setting and one under \
                     `#[cfg(not(...))]` without"
                ),
            );
        }
    }
}

fn check_output(cx: &Ctxt, method: &Method<'_>) {
    let declared = declared_lifetimes(method);
    match method.output {
        Output::Unit => {}
        // A stream's items are judged as answers.
        Output::Value(ty) | Output::Stream(ty) => match result_parts(ty) {
            // Spelled `Result<T, E>`: each part named for its role. An alias is judged by the compiler instead.
            Some((ok, err)) => {
                check_owned(cx, ok, Role::Return, &declared);
                check_owned(cx, err, Role::Error, &declared);
            }
            None => check_owned(cx, ty, Role::Return, &declared),
        },
        Output::NotSendFuture(impl_trait, output) => {
            let output = output.map_or_else(|| "T".to_owned(), |ty| quote::quote!(#ty).to_string());
            cx.error_at(
                impl_trait,
                format!(
                    "a returned future must be `Send`: calls run on the hub's multi-threaded runtime; write \
                     `impl Future<Output = {output}> + Send`, or `async fn`"
                ),
            );
        }
        Output::BadStream(impl_trait) => cx.error_at(
            impl_trait,
            "a returned stream must be `Send` and name its items: calls run on the hub's multi-threaded runtime; \
             write `impl Stream<Item = T> + Send`",
        ),
        Output::OtherImpl(impl_trait, ref name) if name == "TryStream" => cx.error_at(
            impl_trait,
            "an IPC method cannot return `impl TryStream`: write `impl Stream<Item = Result<T, E>> + Send`; an `Err` \
             item ends the stream with a HANDLER error",
        ),
        Output::OtherImpl(impl_trait, ref name) => cx.error_at(
            impl_trait,
            format!(
                "an IPC method cannot return `impl {name}`: the answer is encoded from one concrete type; return \
                 that type (it must implement `serde::Serialize` and `ts_rs::TS`); only `impl Future<Output = T> + \
                 Send` is awaited, and `impl Stream<Item = T> + Send` streamed"
            ),
        ),
    }
}

/// `T` and `E` of a type spelled `Result<T, E>` (any path ending in `Result` with two type arguments).
fn result_parts(ty: &Type) -> Option<(&Type, &Type)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = generics
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types[..] {
        [ok, err] => Some((ok, err)),
        _ => None,
    }
}

/// Where a type crosses the IPC boundary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Argument,
    Return,
    Error,
    /// The payload of an event.
    Payload,
}

impl Role {
    fn noun(self) -> &'static str {
        match self {
            Role::Argument => "argument",
            Role::Return => "return type",
            Role::Error => "error type",
            Role::Payload => "event payload",
        }
    }

    /// Why this type cannot borrow.
    fn why_owned(self) -> &'static str {
        match self {
            Role::Argument => "it is decoded from the request's JSON, which does not outlive the call",
            Role::Return | Role::Error => "it is encoded after the handler returns, so it cannot borrow from the call",
            Role::Payload => "the emitter takes the payload by reference already (`&T`), so `T` is the owned type",
        }
    }
}

/// Refuses references, lifetimes, trait objects and (in arguments) `impl Trait` anywhere inside a type that crosses
/// the IPC boundary. A `'static` lifetime is accepted where the type can hold it (`Cow<'static, str>`), and lifetimes
/// in `declared` were reported where the method declares them.
fn check_owned(cx: &Ctxt, ty: &Type, role: Role, declared: &[String]) {
    let noun = role.noun();
    let is_declared =
        |lifetime: Option<&syn::Lifetime>| lifetime.is_some_and(|l| declared.contains(&l.ident.to_string()));
    match ty {
        // A `'static` reference can be encoded after the call: it borrows from nothing the call owns.
        Type::Reference(reference) if role != Role::Argument && is_static(reference.lifetime.as_ref()) => {
            check_owned(cx, &reference.elem, role, declared)
        }
        Type::Reference(reference) if is_declared(reference.lifetime.as_ref()) => {
            check_owned(cx, &reference.elem, role, declared)
        }
        Type::Reference(reference) => {
            let suggestion = owned_suggestion(&reference.elem);
            cx.error_at(
                reference,
                format!("an IPC {noun} must be owned: {}; {suggestion}", role.why_owned()),
            );
        }
        Type::ImplTrait(impl_trait) if role == Role::Argument => cx.error_at(
            ty,
            format!(
                "an IPC argument cannot be `impl Trait`: the renderer's JSON needs one concrete type to decode into; {}",
                impl_trait_suggestion(impl_trait)
            ),
        ),
        Type::ImplTrait(_) if role == Role::Payload => cx.error_at(
            ty,
            "an IPC event payload cannot be `impl Trait`: its emitter is typed with one concrete type; use a type \
             that implements `serde::Serialize`",
        ),
        Type::TraitObject(_) => cx.error_at(
            ty,
            format!("an IPC {noun} cannot be a trait object; use a concrete type"),
        ),
        Type::Paren(inner) => check_owned(cx, &inner.elem, role, declared),
        Type::Group(inner) => check_owned(cx, &inner.elem, role, declared),
        Type::Array(array) => check_owned(cx, &array.elem, role, declared),
        Type::Slice(slice) => check_owned(cx, &slice.elem, role, declared),
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|t| check_owned(cx, t, role, declared)),
        Type::Path(path) => {
            check_map_key(cx, path);
            for segment in &path.path.segments {
                if let PathArguments::AngleBracketed(generics) = &segment.arguments {
                    for argument in &generics.args {
                        match argument {
                            GenericArgument::Type(t) => check_owned(cx, t, role, declared),
                            // `Cow<'static, str>` decodes into its owned form and is encoded after the call.
                            GenericArgument::Lifetime(lifetime) if lifetime.ident == "static" => {}
                            GenericArgument::Lifetime(lifetime) if is_declared(Some(lifetime)) => {}
                            GenericArgument::Lifetime(lifetime) => cx.error_at(
                                lifetime,
                                format!(
                                    "an IPC {noun} cannot borrow (lifetime `{lifetime}`): {}; use an owned type, or \
                                     `'static` (`Cow<'static, str>`)",
                                    role.why_owned()
                                ),
                            ),
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// A map (`HashMap`, `BTreeMap`, `IndexMap`) is a JSON object, keyed by strings: serde_json writes string, number,
/// char, bool and unit-variant keys as strings, and refuses keys that are lists, tuples, maps or absent, so a map
/// written with such a key in a signature could never be sent nor received, and its `.d.ts` would not type-check.
/// (A key type of the user's own, or a map inside a struct, is not seen here: serde_json refuses it when called.)
fn check_map_key(cx: &Ctxt, path: &syn::TypePath) {
    let Some(last) = path.path.segments.last() else {
        return;
    };
    if !["HashMap", "BTreeMap", "IndexMap"].contains(&last.ident.to_string().as_str()) {
        return;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return;
    };
    let mut types = generics.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let (Some(key), value) = (types.next(), types.next()) else {
        return;
    };
    let refused = match ungroup(key) {
        Type::Tuple(_) | Type::Array(_) | Type::Slice(_) => true,
        Type::Path(key_path) => key_path.path.segments.last().is_some_and(|segment| {
            [
                "Vec", "VecDeque", "HashSet", "BTreeSet", "HashMap", "BTreeMap", "IndexMap", "Option", "Binary",
            ]
            .contains(&segment.ident.to_string().as_str())
        }),
        _ => false,
    };
    if refused {
        let written = |ty: &Type| {
            let text = quote::quote!(#ty).to_string().replace(' ', "");
            text.replace(',', ", ").replace(';', "; ")
        };
        let key_text = written(key);
        let value_text = value.map_or_else(|| "V".to_owned(), written);
        cx.error_at(
            key,
            format!(
                "a map crosses IPC as a JSON object, whose keys are strings: serde_json refuses a `{key_text}` key, \
                 so every call would fail; key the map by a `String` or a number, or send its entries as a list of \
                 pairs, `Vec<({key_text}, {value_text})>`"
            ),
        );
    }
}

fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => ungroup(&inner.elem),
        Type::Group(inner) => ungroup(&inner.elem),
        _ => ty,
    }
}

/// What to write instead of `impl Trait` in an argument: the owned type the trait usually stands for.
fn impl_trait_suggestion(impl_trait: &syn::TypeImplTrait) -> String {
    let Some(bound) = impl_trait.bounds.iter().find_map(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last(),
        _ => None,
    }) else {
        return "use a concrete type that implements `serde::Deserialize`".to_owned();
    };
    let inner = match &bound.arguments {
        PathArguments::AngleBracketed(generics) => generics.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(quote::quote!(#t).to_string().replace(' ', "")),
            GenericArgument::AssocType(assoc) if assoc.ident == "Item" => {
                let ty = &assoc.ty;
                Some(format!("Item={}", quote::quote!(#ty).to_string().replace(' ', "")))
            }
            _ => None,
        }),
        _ => None,
    };
    let name = bound.ident.to_string();
    let concrete = match (name.as_str(), inner.as_deref()) {
        ("AsRef" | "Into", Some("Path" | "std::path::Path" | "PathBuf" | "std::path::PathBuf")) => "PathBuf".to_owned(),
        ("AsRef" | "Into", Some("str" | "String")) | ("ToString" | "Display", _) => "String".to_owned(),
        ("AsRef" | "Into", Some("[u8]" | "Vec<u8>")) => "Vec<u8>".to_owned(),
        ("AsRef", Some(t)) if t.starts_with('[') && t.ends_with(']') => format!("Vec<{}>", &t[1..t.len() - 1]),
        ("Into", Some(t)) => t.to_owned(),
        ("IntoIterator" | "Iterator", Some(item)) if item.starts_with("Item=") => format!("Vec<{}>", &item[5..]),
        ("Fn" | "FnMut" | "FnOnce", _) => {
            return "a function cannot be sent as JSON; take the data it would work on, or an enum naming what to \
                    do"
            .to_owned()
        }
        _ => return format!("use a concrete type that implements `serde::Deserialize` instead of `impl {name}`"),
    };
    format!("write `{concrete}` instead")
}

fn is_static(lifetime: Option<&syn::Lifetime>) -> bool {
    lifetime.is_some_and(|l| l.ident == "static")
}

/// What to write instead of `&T`.
fn owned_suggestion(elem: &Type) -> String {
    let text = quote::quote!(#elem).to_string().replace(' ', "");
    match text.as_str() {
        "str" => "use `String` instead of `&str`".to_owned(),
        "[u8]" => "use `Vec<u8>` instead of `&[u8]`".to_owned(),
        "Path" | "std::path::Path" => "use `PathBuf` instead of `&Path`".to_owned(),
        t if t.starts_with('[') && t.ends_with(']') => {
            format!("use `Vec<{}>` instead of `&{t}`", &t[1..t.len() - 1])
        }
        t => format!("use `{t}` instead of `&{t}`"),
    }
}

/// Two methods may not share a channel, nor a JavaScript name (`get_item` and `getItem` both become `getItem`).
fn check_duplicate_names(cx: &Ctxt, service: &Service<'_>) {
    let mut channels: HashMap<&str, &Method<'_>> = HashMap::new();
    let mut js_names: HashMap<(bool, &str), &Method<'_>> = HashMap::new();
    // A method under `#[cfg]` may share its name with another under `#[cfg]` (at most one of them exists where the
    // conditions exclude each other), but not with a method that always exists.
    let (always, conditional): (Vec<&Method<'_>>, Vec<&Method<'_>>) =
        service.methods.iter().partition(|m| m.cfgs.is_empty());
    for method in always.into_iter().chain(conditional.iter().copied()) {
        let record = method.cfgs.is_empty();
        let first_channel = match record {
            true => channels.insert(&method.channel, method),
            false => channels.get(method.channel.as_str()).copied(),
        };
        if let Some(first) = first_channel {
            let uses = match first.is_event() {
                true => "event `{}` is pushed on it",
                false => "method `{}` already answers on it",
            }
            .replace("{}", &first.rust_name);
            cx.syn_error(syn::Error::new(
                method.wire_name_span,
                format!(
                    "duplicate channel `{}`: {uses}; rename one with #[ipc(rename = \"...\")]",
                    method.channel
                ),
            ));
            continue;
        }
        // Methods are properties of the client, events of its `on`: each kind has its own names.
        let key = (method.is_event(), method.js_name.as_str());
        let first_js = match record {
            true => js_names.insert(key, method),
            false => js_names.get(&key).copied(),
        };
        if let Some(first) = first_js {
            cx.error_at(
                method.ident,
                format!(
                    "`{}` and `{}` both become `{}` in JavaScript; rename one of them",
                    first.rust_name, method.rust_name, method.js_name
                ),
            );
        }
    }
    for method in &service.methods {
        let mut seen: HashMap<&str, &Arg<'_>> = HashMap::new();
        for arg in method
            .args
            .iter()
            .filter(|a| a.ident.is_some() && a.kind == ArgKind::Payload && a.cfgs.is_empty())
        {
            if let Some(first) = seen.insert(&arg.js_name, arg) {
                cx.error_at(
                    &arg.original.pat,
                    format!(
                        "`{}` and `{}` both become `{}` in JavaScript; rename one of them",
                        first.rust_name, arg.rust_name, arg.js_name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use crate::attr::ServiceSettings;
    use crate::ctxt::Ctxt;
    use crate::model::{Exactness, Service};

    /// The messages of every error the checks report for `item`.
    fn errors(item: &syn::ItemTrait) -> Vec<String> {
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), item);
        super::run(&cx, &service);
        match cx.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_valid_trait_has_no_errors() {
        let item: syn::ItemTrait = parse_quote! {
            trait Todos {
                fn list(&self) -> Vec<String>;
                async fn add(&self, #[validate(length(min = 1))] title: String, ctx: CallContext) -> Result<u32, String>;
                #[ipc(rename = "removeAll")]
                fn clear(&self);
            }
        };
        assert_eq!(errors(&item), Vec::<String>::new());
    }

    #[test]
    fn every_problem_of_a_trait_is_reported_at_once() {
        let item: syn::ItemTrait = parse_quote! {
            trait Broken {
                fn by_value(self);
                fn borrowed(&self, name: &str);
                fn then(&self);
                fn twice(&self, first: CallContext, second: CallContext);
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].contains("found `self` by value"));
        assert!(found[1].contains("use `String` instead of `&str`"));
        assert!(found[2].contains("`then` cannot name a method in JavaScript"));
        assert!(found[3].contains("at most one `CallContext`"));
    }

    #[test]
    fn exact_integers_apply_to_exact_shapes_only_and_never_to_events() {
        let item: syn::ItemTrait = parse_quote! {
            trait Ledger {
                fn put(&self, id: u64, name: String, ids: Option<Vec<i128>>, ctx: CallContext) -> Result<u128, String>;
                fn named(&self) -> String;
                fn aliased(&self, id: Id, ids: Option<Id>, pair: (u64, u64), count: u32, names: Maybe<String>) -> ledger::Id;
                #[ipc(event)]
                fn moved(&self, to: u64);
            }
        };
        let settings = ServiceSettings {
            exact_integers: Some(parse_quote!(exact_integers)),
            ..ServiceSettings::default()
        };
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, settings, &item);
        cx.finish().unwrap();
        let put = &service.methods[0];
        let exact: Vec<Exactness> = put.args.iter().map(|a| a.exact).collect();
        assert_eq!(
            exact,
            [Exactness::Exact, Exactness::Plain, Exactness::Exact, Exactness::Plain]
        );
        assert_eq!(put.exact_return, Exactness::Exact);
        assert_eq!(service.methods[1].exact_return, Exactness::Plain);
        // Names the macro cannot see through are left to the type system.
        let aliased = &service.methods[2];
        let exact: Vec<Exactness> = aliased.args.iter().map(|a| a.exact).collect();
        assert_eq!(
            exact,
            [
                Exactness::ByType,
                Exactness::ByType,
                Exactness::Plain,
                Exactness::Plain,
                Exactness::ByType
            ]
        );
        assert_eq!(aliased.exact_return, Exactness::ByType);
        assert_eq!(
            service.methods[3].args[0].exact,
            Exactness::Plain,
            "an event's payload keeps its own type"
        );
    }

    #[test]
    fn exact_on_anything_but_an_exact_shape_is_one_error_each() {
        let item: syn::ItemTrait = parse_quote! {
            trait Ledger {
                fn fine(&self, #[ipc(exact)] id: u64, #[ipc(exact)] many: Vec<Option<i64>>) -> u32;
                #[ipc(exact)]
                fn fine_too(&self) -> std::io::Result<u128>;
                fn name(&self, #[ipc(exact)] name: String, #[ipc(exact)] small: u32);
                #[ipc(exact)]
                fn nothing(&self);
                #[ipc(exact)]
                fn text(&self) -> String;
                fn context(&self, #[ipc(exact)] ctx: CallContext);
                #[ipc(event)]
                fn moved(&self, #[ipc(exact)] to: u64);
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].ends_with(
            "`String` is none of them: for an integer inside another type, make its type `ipc_core::Exact<T>`"
        ));
        assert!(found[1].contains("`u32` is none of them"));
        assert!(found[2].ends_with("this method returns none of them"));
        assert!(found[3].contains("the return type `String` is none of them"));
        assert!(found[4].contains("the caller's context is injected"));
        assert!(found[5].starts_with("an event's payload is pushed as its own type"));
    }

    #[test]
    fn a_map_keyed_by_a_tuple_a_list_or_an_option_is_one_error_at_the_key() {
        let item: syn::ItemTrait = parse_quote! {
            trait Grid {
                fn fine(&self, cells: HashMap<u32, String>, names: std::collections::BTreeMap<String, (u8, u8)>);
                fn by_pair(&self, cells: HashMap<(u32, u32), String>) -> Vec<BTreeMap<Vec<u8>, u8>>;
                fn by_option(&self) -> Result<IndexMap<Option<String>, u8>, HashMap<[u8; 2], u8>>;
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("a map crosses IPC as a JSON object, whose keys are strings: serde_json refuses a \
                                      `(u32, u32)` key, so every call would fail; key the map by a `String` or a number, \
                                      or send its entries as a list of pairs, `Vec<((u32, u32), String)>`"), "{}", found[0]);
        assert!(found[1].contains("refuses a `Vec<u8>` key"));
        assert!(found[2].contains("refuses a `Option<String>` key"));
        assert!(found[3].contains("refuses a `[u8; 2]` key"));
    }

    #[test]
    fn names_are_resolved_once_in_the_model() {
        let item: syn::ItemTrait = parse_quote! {
            trait TodoList {
                fn add_item(&self, item_title: String, ctx: CallContext);
                #[ipc(rename = "wipe")]
                fn clear_all(&self);
            }
        };
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), &item);
        cx.finish().unwrap();
        assert_eq!(service.name, "todo_list");
        assert_eq!(service.js_name, "todoList");
        let add = &service.methods[0];
        assert_eq!(
            (add.channel.as_str(), add.js_name.as_str()),
            ("todo_list.add_item", "addItem")
        );
        assert_eq!(add.args[0].js_name, "itemTitle");
        assert!(add.args[1].kind == crate::model::ArgKind::Context);
        let clear = &service.methods[1];
        assert_eq!(
            (clear.channel.as_str(), clear.js_name.as_str()),
            ("todo_list.wipe", "wipe")
        );
    }

    #[test]
    fn methods_under_different_cfgs_may_share_a_name_but_not_with_an_unconditional_one() {
        let item: syn::ItemTrait = parse_quote! {
            trait Files {
                #[cfg(unix)]
                fn path(&self) -> String;
                #[cfg(windows)]
                fn path(&self) -> String;
                fn size(&self) -> u64;
                #[cfg(unix)]
                fn size(&self) -> u32;
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("duplicate channel `files.size`"), "{found:#?}");
    }

    #[test]
    fn deprecation_notes_are_read_in_every_form() {
        let item: syn::ItemTrait = parse_quote! {
            trait Old {
                #[deprecated]
                fn a(&self);
                #[deprecated = "use b2"]
                fn b(&self);
                #[deprecated(since = "1.2", note = "use c2")]
                fn c(&self);
                fn d(&self);
                #[cfg_attr(feature = "old", deprecated = "use e2")]
                fn e(&self);
            }
        };
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), &item);
        cx.finish().unwrap();
        let notes: Vec<Option<&str>> = service
            .methods
            .iter()
            .map(|m| m.deprecated.as_ref().map(|d| d.note.as_str()))
            .collect();
        assert_eq!(
            notes,
            [
                Some(""),
                Some("use b2"),
                Some("since 1.2: use c2"),
                None,
                Some("use e2")
            ]
        );
        let condition = service.methods[4]
            .deprecated
            .as_ref()
            .and_then(|d| d.condition.as_ref());
        assert_eq!(condition.map(ToString::to_string), Some("feature = \"old\"".to_owned()));
    }

    #[test]
    fn send_sync_static_supertraits_are_accepted_and_others_refused() {
        let accepted: syn::ItemTrait = parse_quote! {
            trait Svc: Send + Sync + 'static + core::marker::Send {
                fn f(&self);
            }
        };
        assert_eq!(errors(&accepted), Vec::<String>::new());
        let refused: syn::ItemTrait = parse_quote! {
            trait Svc: Send + Clone {
                fn f(&self);
            }
        };
        let found = errors(&refused);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("other than `Send + Sync + 'static`"));
    }

    #[test]
    fn a_lifetime_is_one_error_however_often_it_is_used() {
        let item: syn::ItemTrait = parse_quote! {
            trait Cache {
                fn get<'a>(&'a self, key: &'a str, keys: Vec<&'a str>) -> std::borrow::Cow<'a, str>;
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("IPC methods cannot borrow (lifetime `'a`)"),
            "{found:#?}"
        );
    }

    #[test]
    fn static_borrows_are_accepted_where_they_can_work() {
        let item: syn::ItemTrait = parse_quote! {
            trait Texts {
                fn cow(&self, text: Cow<'static, str>) -> Cow<'static, str>;
                fn label(&self) -> &'static str;
            }
        };
        assert_eq!(errors(&item), Vec::<String>::new());
    }

    #[test]
    fn impl_trait_arguments_name_the_type_to_write() {
        let item: syn::ItemTrait = parse_quote! {
            trait Files {
                fn open(&self, path: impl AsRef<Path>);
                fn name(&self, name: impl Into<String>);
                fn lines(&self, lines: impl IntoIterator<Item = String>);
                fn bytes(&self, bytes: impl AsRef<[u8]>);
            }
        };
        let found = errors(&item);
        let wanted = [
            "write `PathBuf`",
            "write `String`",
            "write `Vec<String>`",
            "write `Vec<u8>`",
        ];
        assert_eq!(found.len(), wanted.len(), "{found:#?}");
        for (message, wanted) in found.iter().zip(wanted) {
            assert!(message.contains(wanted), "{message} should contain {wanted}");
        }
    }

    #[test]
    fn returned_futures_must_be_send_and_other_impl_traits_are_refused() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                fn ok(&self) -> impl Future<Output = u32> + Send;
                fn not_send(&self) -> impl Future<Output = u32>;
                fn stream(&self) -> impl Stream<Item = u32> + Send;
                fn future_stream(&self) -> impl Future<Output = impl Stream<Item = u32> + Send> + Send;
                fn not_send_stream(&self) -> impl Stream<Item = u32>;
                fn no_item(&self) -> impl Stream + Send;
                fn try_stream(&self) -> impl TryStream<Ok = u32, Error = String> + Send;
                fn value(&self) -> impl Serialize;
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].contains("must be `Send`"));
        assert!(found[1].contains("a returned stream must be `Send` and name its items"));
        assert!(found[2].contains("a returned stream must be `Send` and name its items"));
        assert!(found[3].contains("cannot return `impl TryStream`"));
        assert!(found[4].contains("cannot return `impl Serialize`"));
    }

    #[test]
    fn our_settings_cannot_be_conditional() {
        let item: syn::ItemTrait = parse_quote! {
            trait Files {
                #[cfg_attr(unix, ipc(rename = "open_unix"))]
                #[cfg_attr(unix, allow(unused))]
                fn open(&self, #[cfg_attr(windows, validate(non_empty))] path: String);
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("`#[ipc]` cannot be inside `#[cfg_attr]`"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("`#[validate]` cannot be inside `#[cfg_attr]`"),
            "{found:#?}"
        );
    }

    #[test]
    fn events_are_told_apart_from_calls_and_named_like_methods() {
        let item: syn::ItemTrait = parse_quote! {
            trait TodoList {
                fn list(&self) -> Vec<String>;
                #[ipc(event)]
                fn items_changed(&self, items: Vec<String>);
                #[ipc(event, rename = "cleared")]
                fn wiped(&self, count: u32);
            }
        };
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), &item);
        super::run(&cx, &service);
        cx.finish().unwrap();
        let calls: Vec<&str> = service.calls().map(|m| m.channel.as_str()).collect();
        assert_eq!(calls, ["todo_list.list"]);
        let events: Vec<(&str, &str, &str)> = service
            .events()
            .map(|e| {
                (
                    e.channel.as_str(),
                    e.js_name.as_str(),
                    e.payload().unwrap().rust_name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            events,
            [
                ("todo_list.items_changed", "itemsChanged", "items"),
                ("todo_list.cleared", "cleared", "count")
            ]
        );
    }

    #[test]
    fn every_misuse_of_an_event_is_one_error_each() {
        let item: syn::ItemTrait = parse_quote! {
            trait Todos {
                #[ipc(event)]
                async fn awaited(&self, todos: Vec<String>);
                #[ipc(event)]
                fn answered(&self, todos: Vec<String>) -> u32;
                #[ipc(event)]
                fn empty(&self);
                #[ipc(event)]
                fn two(&self, first: u32, second: u32);
                #[ipc(event)]
                fn called(&self, ctx: CallContext, todos: Vec<String>);
                #[ipc(event)]
                fn validated(&self, #[validate(non_empty)] todos: Vec<String>);
                #[ipc(event, timeout = "1s")]
                fn timed(&self, todos: Vec<String>);
                #[ipc(event)]
                fn with_body(&self, todos: Vec<String>) {}
                #[ipc(event)]
                fn borrowed(&self, todos: &[String]);
                #[ipc(event)]
                fn new(&self, todos: Vec<String>);
            }
        };
        let found = errors(&item);
        let wanted = [
            "an event is not `async`",
            "an event returns nothing",
            "an event takes one argument, its payload, such as",
            "an event takes one argument, its payload; put these values in a struct",
            "an event has no caller",
            "an event's payload comes from the host and is not validated",
            "an event has no timeout",
            "an event has no body: the macro generates its emitter, `TodosEvents::new(&hub).with_body()`",
            "an IPC event payload must be owned",
            "`new` cannot name an event: `TodosEvents::new` makes the emitters",
        ];
        assert_eq!(found.len(), wanted.len(), "{found:#?}");
        for (message, wanted) in found.iter().zip(wanted) {
            assert!(message.starts_with(wanted), "{message} should start with {wanted}");
        }
    }

    #[test]
    fn an_events_payload_may_take_a_name_javascript_reserves_but_not_a_pattern() {
        let item: syn::ItemTrait = parse_quote! {
            trait Settings {
                #[ipc(event)]
                fn reset(&self, default: u32);
                #[ipc(event)]
                fn moved(&self, (x, y): (u32, u32));
            }
        };
        let found = errors(&item);
        assert_eq!(
            found,
            ["an event's payload is a plain name, such as `todos: Vec<Todo>`"]
        );
    }

    #[test]
    fn events_share_the_channels_of_methods_but_not_their_javascript_names() {
        let item: syn::ItemTrait = parse_quote! {
            trait Todos {
                fn changed(&self) -> u32;
                #[ipc(event)]
                fn changed_event(&self, count: u32);
                #[ipc(event, rename = "changed")]
                fn changed_again(&self, count: u32);
                #[ipc(event)]
                fn get_item(&self, count: u32);
                #[ipc(event)]
                fn getItem(&self, count: u32);
                fn on(&self);
            }
        };
        let found = errors(&item);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].starts_with(
                "`on` cannot name a method in JavaScript: the service's client lists its events under `on`"
            ),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("duplicate channel `todos.changed`: method `changed` already answers on it"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("`get_item` and `getItem` both become `getItem` in JavaScript"),
            "{found:#?}"
        );
    }
}
