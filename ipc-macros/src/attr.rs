//! The arguments of `#[ipc_service(...)]`, parsed into typed settings.

use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::LitStr;

use crate::ctxt::Ctxt;
use crate::model::Timeout;

/// Settings from `#[ipc_service(name = "...")]`.
#[derive(Default)]
pub(crate) struct ServiceSettings {
    /// `name = "..."`: the service name, with the literal for error spans.
    pub name: Option<LitStr>,
    /// `crate = "..."`: the path of the runtime crate, for code that re-exports it.
    pub runtime: Option<syn::Path>,
    /// `exact_integers`: every argument and return value of an integer type that needs it travels exactly; the
    /// keyword, for error spans.
    pub exact_integers: Option<syn::Path>,
}

impl ServiceSettings {
    pub(crate) fn parse(cx: &Ctxt, args: proc_macro2::TokenStream) -> Self {
        let mut settings = ServiceSettings::default();
        let parser = syn::meta::parser(|meta: ParseNestedMeta<'_>| {
            if meta.path.is_ident("name") {
                if settings.name.is_some() {
                    return Err(meta.error("`name` is given twice"));
                }
                settings.name = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("crate") {
                if settings.runtime.is_some() {
                    return Err(meta.error("`crate` is given twice"));
                }
                let lit: LitStr = meta.value()?.parse()?;
                settings.runtime = Some(lit.parse()?);
                Ok(())
            } else if meta.path.is_ident("exact_integers") {
                if settings.exact_integers.is_some() {
                    return Err(meta.error("`exact_integers` is given twice"));
                }
                settings.exact_integers = Some(meta.path.clone());
                Ok(())
            } else {
                Err(meta.error(
                    "unknown argument of #[ipc_service]; expected `name = \"...\"`, `crate = \"...\"` or \
                     `exact_integers`",
                ))
            }
        });
        if let Err(error) = parser.parse2(args) {
            cx.syn_error(error);
        }
        settings
    }
}

/// The attribute path of per-method settings: `#[ipc(rename = "...", timeout = "...")]`, `#[ipc(event)]`.
pub(crate) const METHOD_ATTR: &str = "ipc";

/// Settings from `#[ipc(...)]` on a method, in one attribute or several.
#[derive(Default)]
pub(crate) struct MethodSettings {
    /// `rename = "..."`: the method's part of the channel, with the literal for error spans.
    pub rename: Option<LitStr>,
    /// `timeout = "..."`: how long the host lets one call run.
    pub timeout: Option<Timeout>,
    /// Where `timeout` was written, even a malformed one (an event refuses it).
    pub timeout_key: Option<syn::Path>,
    /// `event`: the declaration is an event the host pushes, not a method; the keyword, for error spans.
    pub event: Option<syn::Path>,
    /// `exact`: the return value travels as an exact integer; the keyword, for error spans.
    pub exact: Option<syn::Path>,
}

impl MethodSettings {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut settings = MethodSettings::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(METHOD_ATTR)) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if settings.rename.is_some() {
                        return Err(meta.error("`rename` is given twice"));
                    }
                    settings.rename = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("timeout") {
                    let value: syn::Expr = meta.value()?.parse()?;
                    // Set at the first `timeout`, even a malformed one, so a second is reported as given twice.
                    if settings.timeout_key.is_some() {
                        cx.error_at(&value, "`timeout` is given twice; keep one");
                        return Ok(());
                    }
                    settings.timeout_key = Some(meta.path.clone());
                    match parse_timeout(&value) {
                        Ok(timeout) => settings.timeout = Some(timeout),
                        Err(error) => cx.syn_error(error),
                    }
                    Ok(())
                } else if meta.path.is_ident("event") {
                    if settings.event.is_some() {
                        return Err(meta.error("`event` is given twice"));
                    }
                    settings.event = Some(meta.path.clone());
                    Ok(())
                } else if meta.path.is_ident("exact") {
                    if settings.exact.is_some() {
                        return Err(meta.error("`exact` is given twice"));
                    }
                    settings.exact = Some(meta.path.clone());
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown argument of #[ipc]; expected `rename = \"...\"`, `timeout = \"...\"`, `event` or \
                         `exact`",
                    ))
                }
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        settings
    }
}

/// Settings from `#[ipc(...)]` on a parameter.
#[derive(Default)]
pub(crate) struct ArgSettings {
    /// `exact`: the argument travels as an exact integer; the keyword, for error spans.
    pub exact: Option<syn::Path>,
}

impl ArgSettings {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut settings = ArgSettings::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(METHOD_ATTR)) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("exact") {
                    if settings.exact.is_some() {
                        return Err(meta.error("`exact` is given twice"));
                    }
                    settings.exact = Some(meta.path.clone());
                    Ok(())
                } else {
                    Err(meta.error("unknown argument of #[ipc] on a parameter; expected `exact`"))
                }
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        settings
    }
}

/// What a timeout looks like, for the message of every malformed one.
const TIMEOUT_FORMAT: &str = "write a positive whole number followed by `ms`, `s` or `m`, such as \
                              `timeout = \"250ms\"`, `\"30s\"` or `\"2m\"`, or `timeout = \"none\"` for no deadline";

/// `"250ms"`, `"30s"`, `"2m"` or `"none"`; any other value is an error at the value.
fn parse_timeout(value: &syn::Expr) -> syn::Result<Timeout> {
    let text = match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => lit.value(),
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                format!("the timeout is a string: {TIMEOUT_FORMAT}"),
            ))
        }
    };
    let error = |message: String| Err(syn::Error::new_spanned(value, message));
    if text == "none" {
        return Ok(Timeout::Never);
    }
    let (amount, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let millis_per_unit: u64 = match unit {
        "ms" if !amount.is_empty() => 1,
        "s" if !amount.is_empty() => 1_000,
        "m" if !amount.is_empty() => 60_000,
        _ => return error(format!("invalid timeout `{text}`: {TIMEOUT_FORMAT}")),
    };
    let millis = amount
        .parse::<u64>()
        .ok()
        .and_then(|amount| amount.checked_mul(millis_per_unit));
    match millis {
        Some(0) => error(format!(
            "a timeout of `{text}` would fail every call: write a positive amount, such as `timeout = \"250ms\"`, \
             or `timeout = \"none\"` for no deadline"
        )),
        Some(millis) => Ok(Timeout::After { millis }),
        None => error(format!(
            "timeout `{text}` is too long; for no deadline write `timeout = \"none\"`"
        )),
    }
}

/// Whether an attribute belongs to this macro (and is removed from the emitted trait).
pub(crate) fn is_ours(attr: &syn::Attribute) -> bool {
    attr.path().is_ident(METHOD_ATTR) || attr.path().is_ident(VALIDATE_ATTR) || conditional_ours(attr).is_some()
}

/// `#[ipc]` or `#[validate]` inside `#[cfg_attr(...)]`: the path of the first, which the checks refuse (the macro reads
/// its attributes before `cfg_attr` is evaluated, so it cannot know whether the setting applies).
pub(crate) fn conditional_ours(attr: &syn::Attribute) -> Option<syn::Path> {
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    let metas = attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    metas
        .into_iter()
        .skip(1)
        .map(|meta| meta.path().clone())
        .find(|path| path.is_ident(METHOD_ATTR) || path.is_ident(VALIDATE_ATTR))
}

/// The attribute path of parameter rules: `#[validate(length(min = 1), pattern = "...")]`.
pub(crate) const VALIDATE_ATTR: &str = "validate";

/// One rule from `#[validate(...)]` on a parameter. `key` is the rule's name token, where type errors point.
pub(crate) enum Validator {
    Length {
        key: syn::Ident,
        min: Option<syn::LitInt>,
        max: Option<syn::LitInt>,
    },
    Range {
        key: syn::Ident,
        min: Option<Box<syn::Expr>>,
        max: Option<Box<syn::Expr>>,
    },
    Pattern {
        key: syn::Ident,
        pattern: LitStr,
    },
    NonEmpty {
        key: syn::Ident,
    },
    Custom {
        key: syn::Ident,
        function: syn::Path,
    },
}

impl Validator {
    /// Every rule in the `#[validate(...)]` attributes of one parameter.
    pub(crate) fn parse_all(cx: &Ctxt, attrs: &[syn::Attribute]) -> Vec<Validator> {
        let mut rules = Vec::new();
        for attr in attrs.iter().filter(|a| a.path().is_ident(VALIDATE_ATTR)) {
            let result = attr.parse_nested_meta(|meta| {
                let Some(key) = meta.path.get_ident().cloned() else {
                    return Err(meta.error(EXPECTED_RULES));
                };
                match key.to_string().as_str() {
                    "length" => {
                        let (min, max) = bounds(&meta, |input| input.parse::<syn::LitInt>())?;
                        rules.push(Validator::Length { key, min, max });
                    }
                    "range" => {
                        let (min, max) = bounds(&meta, |input| input.parse::<Box<syn::Expr>>())?;
                        rules.push(Validator::Range { key, min, max });
                    }
                    "pattern" => {
                        let pattern = meta.value()?.parse()?;
                        rules.push(Validator::Pattern { key, pattern });
                    }
                    "non_empty" => rules.push(Validator::NonEmpty { key }),
                    "custom" => {
                        let function = meta.value()?.parse()?;
                        rules.push(Validator::Custom { key, function });
                    }
                    _ => return Err(meta.error(EXPECTED_RULES)),
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        rules
    }

    /// The rule as source text, with spacing normalised: `length(min = 1, max = 200)`.
    pub(crate) fn to_text(&self) -> String {
        let bound = |name: &str, value: Option<String>| value.map(|v| format!("{name} = {v}"));
        let bounds = |min: Option<String>, max: Option<String>| {
            [bound("min", min), bound("max", max)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        };
        let tokens = |t: &dyn quote::ToTokens| t.to_token_stream().to_string().replace(' ', "");
        match self {
            Validator::Length { min, max, .. } => {
                format!(
                    "length({})",
                    bounds(min.as_ref().map(|m| tokens(m)), max.as_ref().map(|m| tokens(m)))
                )
            }
            Validator::Range { min, max, .. } => {
                format!(
                    "range({})",
                    bounds(min.as_ref().map(|m| tokens(m)), max.as_ref().map(|m| tokens(m)))
                )
            }
            Validator::Pattern { pattern, .. } => format!("pattern = {:?}", pattern.value()),
            Validator::NonEmpty { .. } => "non_empty".to_owned(),
            Validator::Custom { function, .. } => format!("custom = {}", tokens(function)),
        }
    }

    pub(crate) fn key(&self) -> &syn::Ident {
        match self {
            Validator::Length { key, .. }
            | Validator::Range { key, .. }
            | Validator::Pattern { key, .. }
            | Validator::NonEmpty { key }
            | Validator::Custom { key, .. } => key,
        }
    }
}

const EXPECTED_RULES: &str =
    "unknown validation rule; expected `length(min = .., max = ..)`, `range(min = .., max = ..)`, \
                              `pattern = \"regex\"`, `non_empty` or `custom = path::to::function`";

/// `(min = .., max = ..)`, either or both, each value read with `value`.
fn bounds<T>(
    meta: &ParseNestedMeta<'_>,
    value: impl Fn(syn::parse::ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<(Option<T>, Option<T>)> {
    let content;
    syn::parenthesized!(content in meta.input);
    let (mut min, mut max) = (None, None);
    while !content.is_empty() {
        let name: syn::Ident = content.parse()?;
        let slot = match name.to_string().as_str() {
            "min" => &mut min,
            "max" => &mut max,
            _ => return Err(syn::Error::new(name.span(), "expected `min = ..` or `max = ..`")),
        };
        if slot.is_some() {
            return Err(syn::Error::new(name.span(), "this bound is given twice"));
        }
        content.parse::<syn::Token![=]>()?;
        *slot = Some(value(&content)?);
        if !content.is_empty() {
            content.parse::<syn::Token![,]>()?;
        }
    }
    if min.is_none() && max.is_none() {
        return Err(meta.error("give `min = ..`, `max = ..` or both, such as `length(min = 1, max = 200)`"));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::ServiceSettings;
    use crate::ctxt::Ctxt;
    use crate::model::{Service, Timeout};

    /// The timeout of every method of `item`, and the messages of the errors met while reading it.
    fn timeouts(item: &syn::ItemTrait) -> (Vec<Timeout>, Vec<String>) {
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), item);
        let timeouts = service.methods.iter().map(|m| m.timeout).collect();
        let errors = match cx.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        };
        (timeouts, errors)
    }

    #[test]
    fn a_timeout_is_read_in_milliseconds_seconds_or_minutes() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(timeout = "250ms")]
                fn quick(&self);
                #[ipc(timeout = "30s")]
                fn slow(&self);
                #[ipc(timeout = "2m")]
                fn slower(&self);
            }
        };
        let after = |millis| Timeout::After { millis };
        assert_eq!(
            timeouts(&item),
            (vec![after(250), after(30_000), after(120_000)], vec![])
        );
    }

    #[test]
    fn none_means_no_deadline_and_no_attribute_the_hubs_default() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(timeout = "none")]
                async fn watch(&self);
                fn list(&self);
            }
        };
        assert_eq!(timeouts(&item), (vec![Timeout::Never, Timeout::Default], vec![]));
    }

    #[test]
    fn timeout_combines_with_rename_in_one_attribute_or_several() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(rename = "run", timeout = "5s")]
                fn start(&self);
                #[ipc(timeout = "none")]
                #[ipc(rename = "halt")]
                fn stop(&self);
            }
        };
        let cx = Ctxt::new();
        let service = Service::from_syn(&cx, ServiceSettings::default(), &item);
        cx.finish().unwrap();
        let read: Vec<(&str, Timeout)> = service
            .methods
            .iter()
            .map(|m| (m.channel.as_str(), m.timeout))
            .collect();
        assert_eq!(
            read,
            [
                ("jobs.run", Timeout::After { millis: 5_000 }),
                ("jobs.halt", Timeout::Never)
            ]
        );
    }

    #[test]
    fn a_malformed_timeout_is_one_error_saying_what_to_write() {
        let values: Vec<syn::Expr> = vec![
            parse_quote!("250"),
            parse_quote!("ms"),
            parse_quote!("5 s"),
            parse_quote!(" 5s"),
            parse_quote!("1h"),
            parse_quote!("1.5s"),
            parse_quote!("-5s"),
            parse_quote!("+5s"),
            parse_quote!("5S"),
            parse_quote!(""),
            parse_quote!(250),
            parse_quote!(five_seconds),
        ];
        for value in values {
            let item: syn::ItemTrait = parse_quote! {
                trait Jobs {
                    #[ipc(timeout = #value)]
                    fn run(&self);
                }
            };
            let (read, errors) = timeouts(&item);
            assert_eq!(read, [Timeout::Default], "{value:?}");
            assert_eq!(errors.len(), 1, "{value:?}: {errors:#?}");
            assert!(
                errors[0].contains(r#"such as `timeout = "250ms"`, `"30s"` or `"2m"`, or `timeout = "none"`"#),
                "{}",
                errors[0]
            );
        }
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(timeout = "0s")]
                fn run(&self);
            }
        };
        let (_, errors) = timeouts(&item);
        assert_eq!(
            errors,
            [
                r#"a timeout of `0s` would fail every call: write a positive amount, such as `timeout = "250ms"`, or `timeout = "none"` for no deadline"#
            ]
        );
    }

    #[test]
    fn a_timeout_too_long_to_count_is_refused() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(timeout = "400000000000000m")]
                fn run(&self);
            }
        };
        let (_, errors) = timeouts(&item);
        assert_eq!(
            errors,
            [r#"timeout `400000000000000m` is too long; for no deadline write `timeout = "none"`"#]
        );
    }

    #[test]
    fn a_timeout_given_twice_is_one_error_in_one_attribute_or_two() {
        let item: syn::ItemTrait = parse_quote! {
            trait Jobs {
                #[ipc(timeout = "1s", timeout = "2s")]
                fn run(&self);
                #[ipc(timeout = "nonsense")]
                #[ipc(timeout = "2s")]
                fn stop(&self);
            }
        };
        let (read, errors) = timeouts(&item);
        assert_eq!(read, [Timeout::After { millis: 1_000 }, Timeout::Default]);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(errors[0], "`timeout` is given twice; keep one");
        assert!(errors[1].starts_with("invalid timeout `nonsense`"), "{}", errors[1]);
        assert_eq!(errors[2], "`timeout` is given twice; keep one");
    }
}
