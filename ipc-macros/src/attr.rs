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
    attr.path().is_ident(METHOD_ATTR)
}
