//! Trait-bound checks spanned at the user's own types, so "does not implement `Deserialize`" points at the argument's
//! type, not at generated code. (The TypeScript bound of an argument needs no check of its own: the descriptor's
//! `TsType::of::<T>()` already carries the type's span; the return type's bounds are checked once, by its codec in
//! `answers.rs`.)

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{ArgKind, Service};

pub(super) fn render(service: &Service<'_>) -> TokenStream {
    let krate = &service.runtime;
    let mut checks = Vec::new();
    for method in &service.methods {
        for arg in method.args.iter().filter(|a| a.kind == ArgKind::Payload) {
            let ty = arg.ty;
            let cfgs = method.cfgs().iter().chain(&arg.cfgs);
            let check = quote_spanned!(ty.span()=> #krate::__private::assert_arg::<#ty>(););
            checks.push(quote!(#(#cfgs)* #check));
        }
    }
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn check_types() {
                #(#checks)*
            }
        };
    }
}
