//! syn → [`model`](crate::model): reads the trait, resolves every name once, and records what is not a method.

use syn::ext::IdentExt;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, ItemTrait, Lit, LitStr, Meta, Pat, PathArguments, ReturnType,
    TraitItem, Type, TypeParamBound,
};

use crate::attr::{ArgSettings, MethodSettings, ServiceSettings, Validator};
use crate::ctxt::Ctxt;
use crate::model::{Arg, ArgKind, Deprecation, Exactness, Method, Output, Receiver, Service, Timeout};
use crate::names;

impl<'a> Service<'a> {
    pub(crate) fn from_syn(cx: &Ctxt, settings: ServiceSettings, item: &'a ItemTrait) -> Self {
        let (name, name_span) = match &settings.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (names::service_name(&item.ident.unraw().to_string()), item.ident.span()),
        };
        let mut methods = Vec::new();
        let mut other_items = Vec::new();
        let exact_integers = settings.exact_integers.is_some();
        for trait_item in &item.items {
            match trait_item {
                TraitItem::Fn(method) => methods.push(Method::from_syn(cx, &name, exact_integers, method)),
                other => other_items.push(other),
            }
        }
        Service {
            original: item,
            runtime: settings.runtime.clone().unwrap_or_else(names::runtime_path),
            js_name: names::js_name(&name),
            name,
            name_span,
            docs: docs(&item.attrs),
            methods,
            other_items,
        }
    }
}

impl<'a> Method<'a> {
    /// `exact_integers`: the service's setting, which applies to every call's arguments and return value of an exact
    /// shape.
    fn from_syn(cx: &Ctxt, service: &str, exact_integers: bool, method: &'a syn::TraitItemFn) -> Self {
        let sig = &method.sig;
        let settings = MethodSettings::parse(cx, &method.attrs);
        // Events are left alone: their payload is pushed through an emitter of its own type.
        let exact_integers = exact_integers && settings.event.is_none();
        let rust_name = sig.ident.unraw().to_string();
        let (wire_name, wire_name_span) = match &settings.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (rust_name.clone(), sig.ident.span()),
        };
        let receiver = match sig.receiver() {
            Some(r)
                if r.reference.as_ref().is_some_and(|(_, lifetime)| lifetime.is_none())
                    && r.mutability.is_none()
                    && r.colon_token.is_none() =>
            {
                Receiver::SharedRef
            }
            Some(r) => Receiver::Other(r),
            None => Receiver::Missing,
        };
        let args = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(pat_type) => Some(Arg::from_syn(cx, exact_integers, pat_type)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let output = Output::from_syn(&sig.output);
        let exact_return = match output {
            Output::Value(ty) => Exactness::of(ty, settings.exact.is_some(), exact_integers),
            _ => Exactness::Plain,
        };
        Method {
            original: method,
            ident: &sig.ident,
            js_name: names::js_name(&wire_name),
            channel: names::channel(service, &wire_name),
            wire_name,
            wire_name_span,
            rust_name,
            docs: docs(&method.attrs),
            cfgs: method.attrs.iter().filter(|a| a.path().is_ident("cfg")).collect(),
            deprecated: deprecated(&method.attrs),
            timeout: settings.timeout.unwrap_or(Timeout::Default),
            timeout_key: settings.timeout_key,
            event: settings.event,
            is_async: sig.asyncness.is_some()
                || matches!(sig.output, ReturnType::Type(_, ref ty) if is_future(ungroup(ty))),
            receiver,
            args,
            output,
            exact_key: settings.exact,
            exact_return,
        }
    }
}

impl<'a> Arg<'a> {
    fn from_syn(cx: &Ctxt, exact_integers: bool, pat_type: &'a syn::PatType) -> Self {
        let settings = ArgSettings::parse(cx, &pat_type.attrs);
        let ident = match &*pat_type.pat {
            Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => Some(&p.ident),
            _ => None,
        };
        // A pattern has no name; the checks refuse it, so this placeholder never reaches the output.
        let rust_name = ident.map_or_else(|| "_".to_owned(), |i| i.unraw().to_string());
        Arg {
            original: pat_type,
            ident,
            js_name: names::js_name(&rust_name),
            rust_name,
            ty: &pat_type.ty,
            kind: if is_context(&pat_type.ty) {
                ArgKind::Context
            } else {
                ArgKind::Payload
            },
            validators: Validator::parse_all(cx, &pat_type.attrs),
            cfgs: pat_type.attrs.iter().filter(|a| a.path().is_ident("cfg")).collect(),
            exact: Exactness::of(&pat_type.ty, settings.exact.is_some(), exact_integers),
            exact_key: settings.exact,
        }
    }
}

impl<'a> Output<'a> {
    fn from_syn(output: &'a ReturnType) -> Self {
        let ty = match output {
            ReturnType::Default => return Output::Unit,
            ReturnType::Type(_, ty) => &**ty,
        };
        match ungroup(ty) {
            Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
            Type::ImplTrait(impl_trait) => Output::from_impl_trait(impl_trait),
            _ => Output::Value(ty),
        }
    }

    /// `impl Future<Output = T> + Send` is a future to await and `impl Stream<Item = T> + Send` a stream of answers;
    /// any other `impl Trait` is refused by the checks.
    fn from_impl_trait(impl_trait: &'a syn::TypeImplTrait) -> Self {
        let traits: Vec<&syn::PathSegment> = impl_trait
            .bounds
            .iter()
            .filter_map(|bound| match bound {
                TypeParamBound::Trait(t) => t.path.segments.last(),
                _ => None,
            })
            .collect();
        let is_send = traits.iter().any(|s| s.ident == "Send");
        if let Some(stream) = traits.iter().find(|s| s.ident == "Stream") {
            return match assoc_type(stream, "Item") {
                Some(item) if is_send => Output::Stream(item),
                _ => Output::BadStream(impl_trait),
            };
        }
        let Some(future) = traits.iter().find(|s| s.ident == "Future") else {
            let name = traits
                .first()
                .map_or_else(|| "Trait".to_owned(), |s| s.ident.to_string());
            return Output::OtherImpl(impl_trait, name);
        };
        let output = assoc_type(future, "Output");
        if !is_send {
            return Output::NotSendFuture(impl_trait, output);
        }
        match output.map(ungroup) {
            Some(Type::Tuple(t)) if t.elems.is_empty() => Output::Unit,
            // A future of a stream: awaited, then streamed.
            Some(Type::ImplTrait(inner)) => Output::from_impl_trait(inner),
            Some(_) => Output::Value(output.expect("matched `Some`")),
            None => Output::NotSendFuture(impl_trait, None),
        }
    }
}

/// Whether a return type is `impl Future<...>`, a value to await.
fn is_future(ty: &Type) -> bool {
    let Type::ImplTrait(impl_trait) = ty else {
        return false;
    };
    impl_trait.bounds.iter().any(|bound| match bound {
        TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Future"),
        _ => false,
    })
}

/// The type bound to `name` in a trait's angle brackets (`Item` in `Stream<Item = T>`).
fn assoc_type<'a>(segment: &'a syn::PathSegment, name: &str) -> Option<&'a Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(generics) => generics.args.iter().find_map(|a| match a {
            GenericArgument::AssocType(assoc) if assoc.ident == name => Some(&assoc.ty),
            _ => None,
        }),
        _ => None,
    }
}

fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => ungroup(&inner.elem),
        Type::Group(inner) => ungroup(&inner.elem),
        _ => ty,
    }
}

/// Whether a type is written as the caller context, a path ending in `CallContext` (for the checks only; see
/// [`ArgKind::Context`]).
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "CallContext" && last.arguments.is_none()),
        Type::Paren(inner) => is_context(&inner.elem),
        Type::Group(inner) => is_context(&inner.elem),
        _ => false,
    }
}

/// The note of `#[deprecated]`, `#[deprecated = "..."]` or `#[deprecated(since = "...", note = "...")]`: empty when
/// there is none, `None` when the method is not deprecated. (rustc itself checks the attribute's form.) Inside
/// `#[cfg_attr(condition, deprecated...)]`, the note comes with its condition.
fn deprecated(attrs: &[Attribute]) -> Option<Deprecation> {
    if let Some(attr) = attrs.iter().find(|a| a.path().is_ident("deprecated")) {
        return Some(Deprecation {
            note: deprecation_note(&attr.meta),
            condition: None,
        });
    }
    attrs.iter().filter(|a| a.path().is_ident("cfg_attr")).find_map(|attr| {
        let metas = attr
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .ok()?;
        let mut metas = metas.into_iter();
        let condition = metas.next()?;
        let meta = metas.find(|m| m.path().is_ident("deprecated"))?;
        Some(Deprecation {
            note: deprecation_note(&meta),
            condition: Some(quote::quote!(#condition)),
        })
    })
}

fn deprecation_note(meta: &Meta) -> String {
    let (mut note, mut since) = (String::new(), String::new());
    match meta {
        Meta::Path(_) => {}
        Meta::NameValue(nv) => {
            if let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value {
                note = s.value();
            }
        }
        Meta::List(list) => {
            let _ = list.parse_nested_meta(|meta| {
                let value: LitStr = meta.value()?.parse()?;
                if meta.path.is_ident("note") {
                    note = value.value();
                } else if meta.path.is_ident("since") {
                    since = value.value();
                }
                Ok(())
            });
        }
    }
    match (since.is_empty(), note.is_empty()) {
        (true, _) => note,
        (false, true) => format!("since {since}"),
        (false, false) => format!("since {since}: {note}"),
    }
}

/// A doc comment's text: the `#[doc = "..."]` lines, each without its first space.
fn docs(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n").trim().to_owned()
}
