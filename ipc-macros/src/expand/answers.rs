//! The answer codecs: per method, one `const` saying how its return value becomes the answer (for the dispatcher) and
//! one with its TypeScript types (for the descriptor).
//!
//! Whether a return type is a `Result` is decided by the type system, not by its spelling
//! (`ipc_core::__private::Answer`), so aliases such as `io::Result<T>` or a crate's own `Result<T>` answer `Err` as a
//! HANDLER error. The codec's bounds are checked once, in its `const`, spanned at the return type: a type that cannot
//! be sent is one error there, not one per use; its TypeScript type is asked for only of a type that can be sent.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::model::{Method, Service};

/// The hidden type holding the codecs, named after the trait.
fn holder(service: &Service<'_>) -> syn::Ident {
    format_ident!("__IpcAnswers{}", service.original.ident.unraw())
}

/// The expression of a method's codec (`ipc_core::__private::Codec<R>`, for each item of a stream), or `None` when it
/// returns nothing.
pub(super) fn codec(service: &Service<'_>, method: &Method<'_>) -> Option<TokenStream> {
    method.output.encoded()?;
    let holder = holder(service);
    let ident = method.ident;
    Some(quote!(#holder::#ident))
}

/// The expression of a method's answer types (`(returns, error)`, both `Option<TsType>`), or `None` when it returns
/// nothing.
pub(super) fn types(service: &Service<'_>, method: &Method<'_>) -> Option<TokenStream> {
    method.output.encoded()?;
    let holder = holder(service);
    let ident = types_ident(method);
    Some(quote!(#holder::#ident))
}

fn types_ident(method: &Method<'_>) -> syn::Ident {
    format_ident!("{}__types", method.ident.unraw())
}

pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let holder = holder(service);
    let codecs = service.calls().filter_map(|method| {
        let ty = method.output.encoded()?;
        let ident = method.ident;
        let cfgs = method.cfgs();
        // Every token of the call at the return type, the runtime's path too, so an unmet bound is reported there.
        let runtime = super::respan(krate.to_token_stream(), ty.span());
        let krate: syn::Path = syn::parse2(runtime).expect("a path respanned is a path");
        // An exact integer is encoded as it travels: with `Exact` where its integers are.
        let span = ty.span();
        let ty_written = ty;
        let ty = super::wire_type(&krate, ty, method.exact_return);
        let ty = &ty;
        let value = quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #krate::__private::ValueAnswer as _;
                #krate::__private::Answer::<#ty>::KIND.codec()
            }
        };
        // The TypeScript types, asked for only once the codec's bounds hold (see `ipc_core::__private::AnswerTs`).
        let types_ident = types_ident(method);
        let types = quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #krate::__private::{AnswerTsFallback as _, ValueTsFallback as _};
                let probe = #krate::__private::AnswerTs::<#ty>::KIND.pick(#krate::__private::ValueTs::<#ty>::KIND);
                (probe.returns(), probe.error())
            }
        };
        let value = super::by_type(&krate, ty_written, method.exact_return, "codec", value);
        let types = super::by_type(&krate, ty_written, method.exact_return, "answer_ts", types);
        Some(quote! {
            #(#cfgs)*
            const #ident: #krate::__private::Codec<#ty> = #value;
            #(#cfgs)*
            const #types_ident: (
                ::core::option::Option<#krate::__private::TsType>,
                ::core::option::Option<#krate::__private::TsType>,
            ) = #types;
        })
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        struct #holder;

        #[automatically_derived]
        #[allow(non_upper_case_globals, deprecated)]
        impl #holder {
            #(#codecs)*
        }
    }
}
