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
            } else {
                Err(meta.error("unknown argument of #[ipc_service]; expected `name = \"...\"`"))
            }
        });
        if let Err(error) = parser.parse2(args) {
            cx.syn_error(error);
        }
        settings
    }
}
