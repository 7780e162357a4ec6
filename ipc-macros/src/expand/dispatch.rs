//! The dispatcher: one handler per method, each decoding its call's arguments, running the method and encoding the
//! answer; the router maps every channel straight to its handler.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::Validator;
use crate::model::{Arg, ArgKind, Exactness, Method, Output, Service};

/// The body of `into_service`: a hidden wrapper type implementing `ipc_core::Service`, and the wrapped value.
pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let trait_ident = &service.original.ident;
    let answer = quote! {
        #krate::__private::BoxFuture<
            'a,
            ::core::result::Result<#krate::Reply, #krate::CallError>,
        >
    };
    let call = local("call");
    // One inherent `fn` per method, named after it: run for one call on the method's channel.
    // With `#[cfg]` on arguments, one handler per combination of their conditions, each under its own `#[cfg]`.
    let handlers = service.calls().flat_map(|method| {
        let ident = method.ident;
        let cfgs = method.cfgs();
        let answer = &answer;
        let call = &call;
        arg_variants(method).into_iter().map(move |(condition, args)| {
            let body = method_body(service, method, &args);
            quote! {
                #(#cfgs)*
                #condition
                fn #ident<'a>(&'a self, #call: #krate::Call<'a>) -> #answer {
                    ::std::boxed::Box::pin(async move { #body })
                }
            }
        })
    });
    // Bound once, when the service is registered: the method's descriptor, the service, and its handler above.
    // Found by channel rather than by position: a method configured out with `#[cfg]` has no entry.
    let bound = service.calls().map(|method| {
        let ident = method.ident;
        let cfgs = method.cfgs();
        let channel = &method.channel;
        quote! {
            #(#cfgs)*
            #krate::MethodHandler::new(
                #krate::__private::method_descriptor(<__IpcImpl as #trait_ident>::service_descriptor(), #channel),
                ::std::sync::Arc::clone(&self),
                Self::#ident,
            )
        }
    });
    quote! {
        struct __IpcDispatch<__IpcImpl>(__IpcImpl);

        // A `#[deprecated]` method is still served: calling it here is no use the user should be warned about.
        #[automatically_derived]
        #[allow(deprecated)]
        impl<__IpcImpl: #trait_ident> __IpcDispatch<__IpcImpl> {
            #(#handlers)*
        }

        #[automatically_derived]
        impl<__IpcImpl: #trait_ident> #krate::Service for __IpcDispatch<__IpcImpl> {
            fn descriptor(&self) -> &'static #krate::ServiceDescriptor {
                <__IpcImpl as #trait_ident>::service_descriptor()
            }

            fn methods(self: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#krate::MethodHandler> {
                ::std::vec![#(#bound),*]
            }
        }

        __IpcDispatch(self)
    }
}

/// The method's arguments under each combination of the conditions of its `#[cfg]` arguments, with the `#[cfg]`
/// attribute selecting that combination (none when no argument has a condition). The checks keep the number of
/// conditional arguments small.
fn arg_variants<'m, 'a>(method: &'m Method<'a>) -> Vec<(TokenStream, Vec<&'m Arg<'a>>)> {
    let conditional: Vec<(usize, TokenStream)> = method
        .args
        .iter()
        .enumerate()
        .filter_map(|(i, arg)| arg.cfg_predicate().map(|p| (i, p)))
        .collect();
    if conditional.is_empty() {
        return vec![(TokenStream::new(), method.args.iter().collect())];
    }
    (0..1usize << conditional.len())
        .map(|mask| {
            let present = |i: usize| {
                conditional
                    .iter()
                    .position(|(at, _)| *at == i)
                    .is_none_or(|bit| mask & (1 << bit) != 0)
            };
            let terms = conditional.iter().enumerate().map(|(bit, (_, predicate))| {
                if mask & (1 << bit) != 0 {
                    quote!(#predicate)
                } else {
                    quote!(not(#predicate))
                }
            });
            let args = method
                .args
                .iter()
                .enumerate()
                .filter(|(i, _)| present(*i))
                .map(|(_, a)| a)
                .collect();
            (quote!(#[cfg(all(#(#terms),*))]), args)
        })
        .collect()
}

/// Decode, call, encode, for one method with the arguments `args`. Runs inside the call's future, on tokio.
fn method_body(service: &Service<'_>, method: &Method<'_>, args: &[&Arg<'_>]) -> TokenStream {
    let krate = &service.runtime;
    let trait_ident = &service.original.ident;
    let method_ident = method.ident;
    let channel = &method.channel;
    let payload: Vec<&Arg<'_>> = args
        .iter()
        .copied()
        .filter(|arg| arg.kind == ArgKind::Payload)
        .collect();
    let call = local("call");
    // Every argument is decoded through its kind, decided by its type: an injected `CallContext` (however it is
    // imported) has an empty name, which no key matches, and takes the caller's context.
    let names = args.iter().map(|arg| {
        let ty = arg.ty;
        let js_name = &arg.js_name;
        quote!(if #krate::__private::Arg::<#ty>::IS_CONTEXT { "" } else { #js_name })
    });
    let wires: Vec<syn::Ident> = (0..args.len()).map(|i| local(&format!("wire{i}"))).collect();
    let finish = args.iter().zip(&wires).map(|(arg, wire)| {
        let ident = arg.ident;
        let ty = arg.ty;
        if arg.exact == Exactness::Exact {
            // Decoded as it travels, with `Exact` where its integers are, then handed over as written.
            let wire_ty = super::wire_type(krate, ty, Exactness::Exact);
            // At the user's type, so a type that is no exact shape is one error there.
            let from_wire = super::respan(quote!(<#ty as #krate::__private::ExactShape>::from_wire), ty.span());
            quote! {
                let #ident = #from_wire(
                    #krate::__private::Arg::<#wire_ty>::KIND.finish(#wire, #call.context),
                );
            }
        } else {
            let wire = super::by_type(krate, ty, arg.exact, "from_wire", quote!(#wire));
            quote!(let #ident = #krate::__private::Arg::<#ty>::KIND.finish(#wire, #call.context);)
        }
    });
    let values = args.iter().map(|arg| arg.ident);
    // Each argument's type is written `_` at the user's type, inferred from `finish`: the decoder requires each to be
    // an `IpcArg`, so one that is not is one error, at that argument.
    let decode = quote::format_ident!("decode_args_{}", args.len());
    // Whether every argument's type reads all of what it is sent (a scalar, text, a list of them): then decoding needs
    // no watch for fields a type skips (see `ipc_core::__private::NeverIgnores`).
    let plain = args.iter().map(|arg| {
        let wire_ty = super::wire_type(krate, arg.ty, arg.exact);
        quote!(&& #krate::__private::Plain::<#wire_ty>::YES)
    });
    let inferred = args.iter().map(|arg| syn::Token![_](arg.ty.span()));
    let mut run = quote!(<__IpcImpl as #trait_ident>::#method_ident(&self.0, #(#values),*));
    if method.is_async {
        run = quote!(#run.await);
    }
    if let (Exactness::Exact, Output::Value(ty)) = (method.exact_return, &method.output) {
        run = quote!(<#ty as #krate::__private::ExactShape>::into_wire(#run));
    }
    let encode = match super::answers::codec(service, method) {
        // Items are pulled from the stream as the page gives credit, each encoded like an answer.
        Some(codec) if matches!(method.output, Output::Stream(_)) => {
            quote!(#krate::__private::answer_stream(#call, #channel, #run, #codec).await)
        }
        Some(codec) => quote!((#codec.encode)(#channel, #run)),
        None => quote! {{
            let () = #run;
            #krate::__private::encode(#channel, &())
        }},
    };
    let validation = validation(&service.runtime, channel, &payload);
    // `#[ipc(exact)]` on a name the type system decides (`id: Id`) requires an exact shape: one error at the type.
    let return_ty = match &method.output {
        Output::Value(ty) if method.exact_key.is_some() => Some(*ty),
        _ => None,
    };
    let required = args
        .iter()
        .filter(|arg| arg.exact_key.is_some())
        .map(|arg| arg.ty)
        .chain(return_ty)
        .filter(|ty| crate::model::exact_shape(ty) == crate::model::Shape::Unknown)
        .map(|ty| super::respan(quote!(#krate::__private::require_exact::<#ty>();), ty.span()));
    quote! {
        #[allow(unused_imports)]
        use #krate::__private::PayloadArgKind as _;
        const __IPC_NAMES: &[&str] = {
            #[allow(unused_imports)]
            use #krate::__private::PayloadArgKind as _;
            &[#(#names),*]
        };
        const __IPC_PLAIN: bool = {
            #[allow(unused_imports)]
            use #krate::__private::MayIgnore as _;
            true #(#plain)*
        };
        #(#required)*
        let (#(#wires,)*) =
            #krate::__private::#decode::<#(#inferred),*>(#channel, __IPC_NAMES, __IPC_PLAIN, #call.args)?;
        #(#finish)*
        #validation
        #encode
    }
}

/// Checks every payload argument: its `#[validate]` rules, then its type's `Validate` impl if it has one. All
/// violations of the call are collected into one error.
fn validation(runtime: &syn::Path, channel: &str, payload: &[&Arg<'_>]) -> TokenStream {
    if payload.is_empty() {
        return TokenStream::new();
    }
    let (violations, v) = (local("violations"), local("v"));
    let fields = payload.iter().map(|arg| {
        let ident = arg.ident;
        let js_name = &arg.js_name;
        let rules = if arg.validators.is_empty() {
            TokenStream::new()
        } else {
            let rules = arg.validators.iter().map(|rule| rule_call(runtime, ident, rule));
            quote!(#violations.field(#js_name, |#v| { #(#rules)* });)
        };
        quote! {
            #rules
            #[allow(clippy::needless_borrow)]
            (&#runtime::validate::Validated(&#ident)).validate_field(&mut #violations, #js_name);
        }
    });
    quote! {
        {
            #[allow(unused_imports)]
            use #runtime::validate::{ValidateIfImplemented as _, ValidateNothing as _};
            let mut #violations = #runtime::validate::Violations::new();
            #(#fields)*
            #violations.into_result(#channel)?;
        }
    }
}

/// One rule, spanned at its name so a type it cannot apply to is reported there.
fn rule_call(runtime: &syn::Path, ident: Option<&syn::Ident>, rule: &Validator) -> TokenStream {
    let key = rule.key();
    let v = local("v");
    match rule {
        Validator::Length { min, max, .. } => {
            let (min, max) = (optional(min.as_ref()), optional(max.as_ref()));
            quote_spanned!(key.span()=> #v.length(&#ident, #min, #max);)
        }
        Validator::Range { min, max, .. } => {
            let (min, max) = (optional(min.as_ref()), optional(max.as_ref()));
            quote_spanned!(key.span()=> #v.range(&#ident, #min, #max);)
        }
        Validator::Pattern { pattern, .. } => quote_spanned! {key.span()=>
            {
                static PATTERN: #runtime::validate::Pattern = #runtime::validate::Pattern::new(#pattern);
                #v.pattern(&#ident, &PATTERN);
            }
        },
        Validator::NonEmpty { .. } => quote_spanned!(key.span()=> #v.non_empty(&#ident);),
        Validator::Custom { function, .. } => {
            quote_spanned!(key.span()=> #v.custom(&#ident, #function);)
        }
    }
}

/// A local variable of the generated code. Its `mixed_site` span keeps it apart from the user's parameters: one named
/// `call`, `violations` or `v` neither hides it nor is hidden by it.
fn local(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// `Some(value)` or `None` as an expression.
fn optional(value: Option<&impl quote::ToTokens>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
