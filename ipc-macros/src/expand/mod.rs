//! Renders the output, one file per generated part: the trait itself, the dispatcher, the descriptor, the answer
//! codecs both of them use, and the emitters of the service's events.

mod answers;
mod descriptor;
mod dispatch;
mod events;
mod trait_def;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;
use syn::spanned::Spanned;

use crate::attr;
use crate::model::{Exactness, Service};

/// The trait, rewritten, with its provided `into_service` and `service_descriptor` methods.
pub(crate) fn service(service: &Service<'_>) -> TokenStream {
    let descriptor = descriptor::render(service);
    let dispatch = dispatch::render(service);
    let answers = answers::render(service);
    let trait_def = trait_def::render(service, &dispatch, &descriptor);
    let events = events::render(service);
    quote!(#answers #trait_def #events)
}

/// On errors: the errors, plus the trait as written (without this macro's attributes) and stubs of the methods the
/// macro adds, so code using the trait shows no further errors.
pub(crate) fn fallback(service: &Service<'_>, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let runtime = &service.runtime;
    let mut item = service.original.clone();
    provide_events(&mut item, service);
    strip_our_attrs(&mut item);
    strip_what_rustc_would_also_refuse(&mut item);
    let declares = |name: &str| service.calls().any(|m| m.ident == name);
    if !declares("into_service") {
        item.items.push(syn::parse_quote! {
        #[doc(hidden)]
        fn into_service(self) -> impl #runtime::Service
        where
            Self: ::core::marker::Sized,
        {
            #runtime::__private::NotExpanded
        }
        });
    }
    if !declares("service_descriptor") {
        item.items.push(syn::parse_quote! {
        #[doc(hidden)]
        fn service_descriptor() -> &'static #runtime::ServiceDescriptor
        where
            Self: ::core::marker::Sized,
        {
            &#runtime::__private::NotExpanded::DESCRIPTOR
        }
        });
    }
    let events = events::render_stub(service);
    quote!(#errors #item #events)
}

/// Whether each item of the trait as written is an event.
fn event_items(service: &Service<'_>) -> Vec<bool> {
    let items = service.original.items.iter();
    items
        .map(|original| match original {
            syn::TraitItem::Fn(f) => service.events().any(|e| std::ptr::eq(e.original, f)),
            _ => false,
        })
        .collect()
}

/// The trait as written, without its events: they are not methods an implementation writes.
fn without_events(service: &Service<'_>) -> syn::ItemTrait {
    let mut item = service.original.clone();
    let mut is_event = event_items(service).into_iter();
    item.items.retain(|_| !is_event.next().unwrap_or(false));
    item
}

/// On errors: the events stay in the trait, with an empty body unless they have one and no return type (an event
/// with one was reported), so an implementation need not write them and the types they name are still used (no
/// warning about an import only an event used).
fn provide_events(item: &mut syn::ItemTrait, service: &Service<'_>) {
    for (trait_item, is_event) in item.items.iter_mut().zip(event_items(service)) {
        if let (syn::TraitItem::Fn(method), true) = (trait_item, is_event) {
            method.attrs.push(syn::parse_quote!(#[allow(unused_variables)]));
            if method.default.is_none() {
                method.sig.output = syn::ReturnType::Default;
                method.default = Some(syn::parse_quote!({}));
                method.semi_token = None;
            }
        }
    }
}

/// Removes what rustc refuses in a trait on its own (`const fn`, patterns in bodyless methods), after the checks have
/// reported it, so each mistake is reported once.
fn strip_what_rustc_would_also_refuse(item: &mut syn::ItemTrait) {
    for trait_item in &mut item.items {
        if let syn::TraitItem::Fn(method) = trait_item {
            method.sig.constness = None;
            if method.default.is_none() {
                for input in &mut method.sig.inputs {
                    if let syn::FnArg::Typed(arg) = input {
                        if !matches!(&*arg.pat, syn::Pat::Ident(_)) {
                            *arg.pat = syn::parse_quote!(_);
                        }
                    }
                }
            }
        }
    }
}

/// Removes `#[ipc(...)]` from methods and parameters: rustc does not know it.
fn strip_our_attrs(item: &mut syn::ItemTrait) {
    for trait_item in &mut item.items {
        if let syn::TraitItem::Fn(method) = trait_item {
            method.attrs.retain(|a| !attr::is_ours(a));
            for input in &mut method.sig.inputs {
                if let syn::FnArg::Typed(arg) = input {
                    arg.attrs.retain(|a| !attr::is_ours(a));
                }
            }
        }
    }
}

/// The type a value travels as: `ty` itself, or for an exact integer (see `ipc_core::exact`) the type holding
/// `ipc_core::Exact` where its integers are. (For [`Exactness::ByType`], `ty` too: the type system swaps in the wire
/// type's codec, see [`by_type`].)
pub(super) fn wire_type(runtime: &syn::Path, ty: &syn::Type, exact: Exactness) -> TokenStream {
    match exact {
        // At the user's type, so a type that is no exact shape is one error there.
        Exactness::Exact => respan(quote!(<#ty as #runtime::__private::ExactShape>::Wire), ty.span()),
        Exactness::Plain | Exactness::ByType => quote!(#ty),
    }
}

/// `plain` (an expression of `ty`'s plain wire value, codec or TypeScript types), passed through `method` of `ty`'s
/// exact-integer kind where the type decides ([`Exactness::ByType`]): exact for an alias of an exact shape, unchanged
/// otherwise.
pub(super) fn by_type(
    runtime: &syn::Path,
    ty: &syn::Type,
    exact: Exactness,
    method: &str,
    plain: TokenStream,
) -> TokenStream {
    if exact != Exactness::ByType {
        return plain;
    }
    let method = syn::Ident::new(method, Span::call_site());
    quote! {{
        #[allow(unused_imports)]
        use #runtime::__private::NotExactInt as _;
        #runtime::__private::ExactInt::<#ty>::KIND.#method(#plain)
    }}
}

/// `tokens` with every span set to `span`.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
