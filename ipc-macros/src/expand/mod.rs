//! Renders the output, one file per generated part: the trait itself, the dispatcher, and the descriptor.

mod descriptor;
mod dispatch;
mod trait_def;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Service;

/// The path of the runtime crate in generated code.
fn krate() -> TokenStream {
    quote!(::ipc_core)
}

/// The trait, rewritten, with its provided `into_service` and `service_descriptor` methods.
pub fn service(service: &Service) -> TokenStream {
    let descriptor = descriptor::render(service);
    let dispatch = dispatch::render(service);
    trait_def::render(service, &dispatch, &descriptor)
}

/// On errors: the errors, plus the trait exactly as written, so code using the trait shows no further errors.
pub fn fallback(item: &syn::ItemTrait, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote!(#errors #item)
}
