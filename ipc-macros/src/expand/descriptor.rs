//! The service descriptor: the data both the router and the JavaScript client are built from.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::attr::Validator;
use crate::model::{Deprecation, Output, Service, Timeout};

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
            let client_rules = arg.validators.iter().map(|rule| {
                client_rule(krate, ty, rule).unwrap_or_else(|| quote!(#krate::validate::ClientRule::HostOnly))
            });
            let own_rules = quote!(#krate::__private::Mirror::<#ty>::OWN_RULES);
            let cfgs = &arg.cfgs;
            let spanned = super::respan(krate.to_token_stream(), ty.span());
            let wire_ty = super::wire_type(krate, ty, arg.exact);
            let ts = quote_spanned!(ty.span()=> #spanned::__private::ArgTs::<#wire_ty>::KIND.ts());
            let ts = super::by_type(krate, ty, arg.exact, "arg_ts", ts);
            quote! {
                #(#cfgs)*
                #krate::ArgDescriptor {
                    rust_name: #rust_name,
                    js_name: #js_name,
                    ts: #ts,
                    rules: #rules,
                    client_rules: &[#(#client_rules,)* #own_rules],
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
            use #krate::__private::{MirrorHostOnly as _, PayloadArgKind as _, SkipArgTs as _};
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
        let stream = matches!(method.output, Output::Stream(_));
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
                stream: #stream,
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

/// A rule as the generated client checks it (`ipc_core::validate::ClientRule`), or `None` for one it leaves to the
/// host: `custom`, and `range` with a bound that is not a number literal. What the client counts or compares is the
/// argument type's, read through `__private::Mirror`, which falls back to host-side only for a type the rule does not
/// apply to: the host's check of the rule reports that type, once.
fn client_rule(krate: &syn::Path, ty: &syn::Type, rule: &Validator) -> Option<TokenStream> {
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let none = quote!(::core::option::Option::None);
    let validate = quote!(#krate::validate);
    let private = quote!(#krate::__private);
    match rule {
        Validator::Length { min, max, .. } => {
            let bound = |lit: &Option<syn::LitInt>| match lit {
                Some(lit) => lit.base10_parse::<usize>().ok().map(|n| some(quote!(#n))),
                None => Some(none.clone()),
            };
            let (min, max) = (bound(min)?, bound(max)?);
            Some(quote! {
                #validate::ClientRule::Length {
                    min: #min,
                    max: #max,
                    measure: #private::Mirror::<#ty>::MEASURE,
                }
            })
        }
        Validator::NonEmpty { .. } => Some(quote! {
            #validate::ClientRule::NonEmpty { measure: #private::Mirror::<#ty>::MEASURE }
        }),
        Validator::Range { min, max, .. } => {
            let bound = |expr: &Option<Box<syn::Expr>>| match expr {
                Some(expr) => literal_number(expr).map(|n| some(quote!(#n))),
                None => Some(none.clone()),
            };
            let (min, max) = (bound(min)?, bound(max)?);
            Some(quote! {
                #validate::ClientRule::Range {
                    min: #min,
                    max: #max,
                    number: #private::Mirror::<#ty>::KIND,
                }
            })
        }
        Validator::Pattern { pattern, .. } => Some(quote!(#validate::ClientRule::Pattern { source: #pattern })),
        Validator::Custom { .. } => None,
    }
}

/// The value of a number literal, possibly negated (`5`, `-1`, `0.5`, `1e3`), as JavaScript reads it exactly: an
/// integer beyond ±2^53 or any other expression gives `None`.
fn literal_number(expr: &syn::Expr) -> Option<f64> {
    const EXACT: u128 = 1 << 53;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => {
            let n = lit.base10_parse::<u128>().ok().filter(|n| *n <= EXACT)?;
            Some(n as f64)
        }
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(lit),
            ..
        }) if lit.suffix() != "f32" => lit.base10_parse::<f64>().ok().filter(|n| n.is_finite()),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => literal_number(expr).map(|n| -n),
        syn::Expr::Group(group) => literal_number(&group.expr),
        syn::Expr::Paren(paren) => literal_number(&paren.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::literal_number;

    #[test]
    fn range_bounds_reach_the_client_only_as_number_literals_javascript_reads_exactly() {
        let read = |expr: syn::Expr| literal_number(&expr);
        assert_eq!(read(parse_quote!(5)), Some(5.0));
        assert_eq!(read(parse_quote!(-1_000)), Some(-1000.0));
        assert_eq!(read(parse_quote!(0.5)), Some(0.5));
        assert_eq!(read(parse_quote!(1e3)), Some(1000.0));
        assert_eq!(read(parse_quote!(200u8)), Some(200.0));
        assert_eq!(read(parse_quote!(9_007_199_254_740_992)), Some(9_007_199_254_740_992.0));
        assert_eq!(read(parse_quote!(9_007_199_254_740_993)), None, "beyond 2^53");
        assert_eq!(read(parse_quote!(0.1f32)), None, "an f32 bound");
        assert_eq!(read(parse_quote!(MAX)), None);
        assert_eq!(read(parse_quote!(u8::MAX)), None);
        assert_eq!(read(parse_quote!(1 + 1)), None);
    }
}
