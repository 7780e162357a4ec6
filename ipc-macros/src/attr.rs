//! The arguments of `#[ipc_service(...)]`, parsed into typed settings.

use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// Settings from `#[ipc_service(name = "...")]`.
#[derive(Default)]
pub struct ServiceSettings {
    /// `name = "..."`: the service name, with the literal for error spans.
    pub name: Option<LitStr>,
    /// `crate = "..."`: the path of the runtime crate, for code that re-exports it.
    pub runtime: Option<syn::Path>,
}

impl ServiceSettings {
    pub fn parse(cx: &Ctxt, args: proc_macro2::TokenStream) -> Self {
        let mut settings = ServiceSettings::default();
        let parser = syn::meta::parser(|meta: ParseNestedMeta| {
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
            } else {
                Err(meta.error("unknown argument of #[ipc_service]; expected `name = \"...\"` or `crate = \"...\"`"))
            }
        });
        if let Err(error) = parser.parse2(args) {
            cx.syn_error(error);
        }
        settings
    }
}

/// The attribute path of per-method settings: `#[ipc(rename = "...")]`.
pub const METHOD_ATTR: &str = "ipc";

/// Settings from `#[ipc(...)]` on a method.
#[derive(Default)]
pub struct MethodSettings {
    /// `rename = "..."`: the method's part of the channel, with the literal for error spans.
    pub rename: Option<LitStr>,
}

impl MethodSettings {
    pub fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut settings = MethodSettings::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(METHOD_ATTR)) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if settings.rename.is_some() {
                        return Err(meta.error("`rename` is given twice"));
                    }
                    settings.rename = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("unknown argument of #[ipc]; expected `rename = \"...\"`"))
                }
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        settings
    }
}

/// Whether an attribute belongs to this macro (and is removed from the emitted trait).
pub fn is_ours(attr: &syn::Attribute) -> bool {
    attr.path().is_ident(METHOD_ATTR) || attr.path().is_ident(VALIDATE_ATTR)
}

/// The attribute path of parameter rules: `#[validate(length(min = 1), pattern = "...")]`.
pub const VALIDATE_ATTR: &str = "validate";

/// One rule from `#[validate(...)]` on a parameter. `key` is the rule's name token, where type errors point.
pub enum Validator {
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
    pub fn parse_all(cx: &Ctxt, attrs: &[syn::Attribute]) -> Vec<Validator> {
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
    pub fn to_text(&self) -> String {
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

    pub fn key(&self) -> &syn::Ident {
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
    meta: &ParseNestedMeta,
    value: impl Fn(syn::parse::ParseStream) -> syn::Result<T>,
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
