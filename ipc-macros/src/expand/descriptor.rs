//! The service descriptor: the data both the router and the JavaScript client are built from.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{ArgKind, Output, Service, Timeout};

/// A `static` expression of type `ipc_core::ServiceDescriptor`.
pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let name = &service.name;
    let js_name = &service.js_name;
    let rust_name = service.original.ident.to_string();
    let docs = &service.docs;
    let methods = service.methods.iter().map(|method| {
        let rust_name = &method.rust_name;
        let js_name = &method.js_name;
        let channel = &method.channel;
        let docs = &method.docs;
        let args = method
            .args
            .iter()
            .filter(|arg| arg.kind == ArgKind::Payload)
            .map(|arg| {
                let rust_name = &arg.rust_name;
                let js_name = &arg.js_name;
                let ty = arg.ty;
                let rules = arg.rules_text();
                quote! {
                    #krate::ArgDescriptor {
                        rust_name: #rust_name,
                        js_name: #js_name,
                        ts: #krate::__private::TsType::of::<#ty>(),
                        rules: #rules,
                    }
                }
            });
        let ts = |ty: &syn::Type| quote!(::core::option::Option::Some(#krate::__private::TsType::of::<#ty>()));
        let none = quote!(::core::option::Option::None);
        let (returns, error) = match method.output {
            Output::Unit => (none.clone(), none),
            Output::Value(ty) => (ts(ty), none),
            Output::Result { ok, err } if is_unit(ok) => (none, ts(err)),
            Output::Result { ok, err } => (ts(ok), ts(err)),
        };
        let timeout = match method.timeout {
            Timeout::Default => quote!(#krate::CallTimeout::Default),
            Timeout::After { millis } => {
                quote!(#krate::CallTimeout::After(::core::time::Duration::from_millis(#millis)))
            }
            Timeout::Never => quote!(#krate::CallTimeout::Never),
        };
        quote! {
            #krate::MethodDescriptor {
                rust_name: #rust_name,
                js_name: #js_name,
                channel: #channel,
                docs: #docs,
                args: &[#(#args),*],
                returns: #returns,
                error: #error,
                timeout: #timeout,
            }
        }
    });
    quote! {
        #krate::ServiceDescriptor {
            name: #name,
            js_name: #js_name,
            rust_name: #rust_name,
            docs: #docs,
            methods: &[#(#methods),*],
        }
    }
}

/// `()`: answered as `null`, typed `void` in TypeScript.
fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
}
