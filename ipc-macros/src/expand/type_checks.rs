//! Trait-bound checks spanned at the user's own types, so "does not implement `Deserialize`" points at the argument's
//! type, not at generated code. (The TypeScript bound of an argument needs no check of its own: the descriptor's
//! `TsType::of::<T>()` already carries the type's span; the return type's bounds are checked once, by its codec in
//! `answers.rs`.)

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::model::Service;

pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let mut checks = Vec::new();
    for method in &service.methods {
        // Every argument, through its kind: an injected `CallContext` (however it is imported) checks nothing.
        for arg in &method.args {
            let ty = arg.ty;
            let cfgs = method.cfgs().iter().chain(&arg.cfgs);
            let krate = super::respan(krate.to_token_stream(), ty.span());
            let check = quote_spanned!(ty.span()=> #krate::__private::Arg::<#ty>::KIND.check(););
            checks.push(quote!(#(#cfgs)* #check));
        }
    }
    quote! {
        const _: () = {
            #[allow(dead_code, deprecated)]
            fn check_types() {
                #[allow(unused_imports)]
                use #krate::__private::PayloadArgKind as _;
                #(#checks)*
            }
        };
    }
}
