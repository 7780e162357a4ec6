//! The service descriptor: the data both the router and the JavaScript client are built from.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::model::{Deprecation, Service, Timeout};

/// A `static` expression of type `ipc_core::ServiceDescriptor`.
pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let name = &service.name;
    let js_name = &service.js_name;
    let rust_name = service.original.ident.to_string();
    let docs = &service.docs;
    let methods = service.calls().map(|method| {
        let rust_name = &method.rust_name;
        let js_name = &method.js_name;
        let channel = &method.channel;
        let docs = &method.docs;
        let cfgs = method.cfgs();
        let none = quote!(::core::option::Option::None);
        let deprecated = deprecated(method.deprecated.as_ref());
        // Every argument is described, and the injected ones (a `CallContext`, whatever it is imported as) are left
        // out by the type system, in a `const`.
        let args = method.args.iter().map(|arg| {
            let rust_name = &arg.rust_name;
            let js_name = &arg.js_name;
            let ty = arg.ty;
            let rules = arg.rules_text();
            let cfgs = &arg.cfgs;
            let spanned = super::respan(krate.to_token_stream(), ty.span());
            let ts = quote_spanned!(ty.span()=> #spanned::__private::ArgTs::<#ty>::KIND.ts());
            quote! {
                #(#cfgs)*
                #krate::ArgDescriptor {
                    rust_name: #rust_name,
                    js_name: #js_name,
                    ts: #ts,
                    rules: #rules,
                }
            }
        });
        let injected = method.args.iter().map(|arg| {
            let ty = arg.ty;
            let cfgs = &arg.cfgs;
            quote!(#(#cfgs)* #krate::__private::Arg::<#ty>::IS_CONTEXT)
        });
        let args = quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{PayloadArgKind as _, SkipArgTs as _};
            const __IPC_ALL: &[#krate::ArgDescriptor] = &[#(#args),*];
            const __IPC_INJECTED: &[bool] = &[#(#injected),*];
            static __IPC_ARGS: [#krate::ArgDescriptor; #krate::__private::payload_count(__IPC_INJECTED)] =
                #krate::__private::payload_args(__IPC_ALL, __IPC_INJECTED);
            &__IPC_ARGS
        }};
        let (returns, error) = match super::answers::types(service, method) {
            Some(types) => (quote!(#types.0), quote!(#types.1)),
            None => (none.clone(), none),
        };
        let timeout = match method.timeout {
            Timeout::Default => quote!(#krate::CallTimeout::Default),
            Timeout::After { millis } => {
                quote!(#krate::CallTimeout::After(::core::time::Duration::from_millis(#millis)))
            }
            Timeout::Never => quote!(#krate::CallTimeout::Never),
        };
        quote! {
            #(#cfgs)*
            #krate::MethodDescriptor {
                rust_name: #rust_name,
                js_name: #js_name,
                channel: #channel,
                docs: #docs,
                args: #args,
                returns: #returns,
                error: #error,
                timeout: #timeout,
                deprecated: #deprecated,
            }
        }
    });
    // Each event's payload type is asked for only of a type that serializes: one that does not is one error, from
    // its emitter (see `events`).
    let events = service.events().filter_map(|event| {
        let ty = event.payload()?.ty;
        let rust_name = &event.rust_name;
        let js_name = &event.js_name;
        let channel = &event.channel;
        let docs = &event.docs;
        let cfgs = event.cfgs();
        let deprecated = deprecated(event.deprecated.as_ref());
        let spanned = super::respan(krate.to_token_stream(), ty.span());
        let payload = quote_spanned! {ty.span()=>
            {
                #[allow(unused_imports)]
                use #spanned::__private::ValueTsFallback as _;
                #spanned::__private::ValueTs::<#ty>::KIND.ts()
            }
        };
        Some(quote! {
            #(#cfgs)*
            #krate::EventDescriptor {
                rust_name: #rust_name,
                js_name: #js_name,
                channel: #channel,
                docs: #docs,
                payload: #payload,
                deprecated: #deprecated,
            }
        })
    });
    quote! {
        #krate::ServiceDescriptor {
            name: #name,
            js_name: #js_name,
            rust_name: #rust_name,
            docs: #docs,
            methods: &[#(#methods),*],
            events: &[#(#events),*],
        }
    }
}

/// The `deprecated` field of a method's or event's descriptor, an `Option<&str>` expression.
fn deprecated(deprecation: Option<&Deprecation>) -> TokenStream {
    match deprecation {
        Some(Deprecation { note, condition: None }) => quote!(::core::option::Option::Some(#note)),
        Some(Deprecation {
            note,
            condition: Some(condition),
        }) => quote! {{
            #[cfg(#condition)]
            const DEPRECATED: ::core::option::Option<&str> = ::core::option::Option::Some(#note);
            #[cfg(not(#condition))]
            const DEPRECATED: ::core::option::Option<&str> = ::core::option::Option::None;
            DEPRECATED
        }},
        None => quote!(::core::option::Option::None),
    }
}
