//! The `#[ipc_service]` attribute. Use it through `ipc_core::ipc_service`, where it is documented.
//!
//! The pipeline reads as its modules: `attr` and `parse` turn the trait into the `model`, `check` applies every
//! semantic rule (collecting all errors in a `ctxt::Ctxt`), and `expand` renders the output.
#![warn(unreachable_pub, missing_debug_implementations, rust_2018_idioms)]

mod attr;
mod check;
mod ctxt;
mod expand;
mod model;
mod names;
mod parse;

use proc_macro::TokenStream;

/// Turns a trait into an IPC service: channel routing, argument decoding, answers and the data the JS client is built
/// from. Documented on its re-export, `ipc_core::ipc_service`.
#[proc_macro_attribute]
pub fn ipc_service(args: TokenStream, input: TokenStream) -> TokenStream {
    expand_attribute(args.into(), input.into()).into()
}

fn expand_attribute(args: proc_macro2::TokenStream, input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let item: syn::ItemTrait = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => return not_a_trait(input),
    };
    let cx = ctxt::Ctxt::new();
    let settings = attr::ServiceSettings::parse(&cx, args);
    let service = model::Service::from_syn(&cx, settings, &item);
    check::run(&cx, &service);
    match cx.finish() {
        Ok(()) => expand::service(&service),
        Err(errors) => expand::fallback(&service, errors),
    }
}

/// The attribute was put on something else: point at that item's first tokens and keep it as it was.
fn not_a_trait(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let span = input
        .clone()
        .into_iter()
        .next()
        .map_or_else(proc_macro2::Span::call_site, |t| t.span());
    let error = syn::Error::new(
        span,
        "#[ipc_service] goes on a trait, such as `trait Todos { fn list(&self) -> Vec<Todo>; }`",
    )
    .to_compile_error();
    quote::quote!(#error #input)
}
