//! Attributes users put on methods and arguments compile without a warning in a crate that denies warnings and the
//! stricter lints: `#[cfg]` removes a method or an argument from the router and the clients, `#[deprecated]` becomes
//! `@deprecated` in the JavaScript and TypeScript clients, and `#[cfg_attr]`, `#[doc(hidden)]`, `#[allow]` and
//! `#[must_use]` pass through to the trait.
#![deny(warnings, missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

use ipc_core::client::Bindings;
use ipc_core::{ipc_service, CallContext};

/// Notes.
#[ipc_service]
pub trait Notes {
    /// Every note.
    #[must_use]
    fn list(&self) -> Vec<String>;
    /// Every note, the old way.
    #[deprecated(since = "0.2.0", note = "use `list`")]
    fn all(&self) -> Vec<String>;
    /// Removes every note.
    #[deprecated]
    async fn clear(&self);
    /// Never compiled.
    #[cfg(any())]
    fn never(&self, x: u32) -> u32;
    /// The size, on no platform.
    #[cfg(all(unix, windows))]
    fn size(&self) -> u64;
    /// The size.
    #[cfg(not(all(unix, windows)))]
    fn size(&self) -> u32;
    /// Deprecated where a condition holds (here: always).
    #[cfg_attr(not(all(unix, windows)), deprecated = "use `list`")]
    fn legacy(&self) -> u32;
    /// A title.
    #[doc(hidden)]
    #[allow(clippy::needless_pass_by_value)]
    #[cfg_attr(all(), must_use = "the title")]
    fn title(
        &self,
        #[cfg(any())] extra: u32,
        text: String,
        #[cfg(all())] ctx: CallContext,
        #[cfg_attr(all(), allow(unused))] n: u8,
    ) -> String;
}

struct Impl;

#[allow(deprecated)]
impl Notes for Impl {
    fn list(&self) -> Vec<String> {
        Vec::new()
    }
    fn all(&self) -> Vec<String> {
        self.list()
    }
    async fn clear(&self) {}
    #[cfg(not(all(unix, windows)))]
    fn size(&self) -> u32 {
        0
    }
    fn legacy(&self) -> u32 {
        0
    }
    fn title(&self, text: String, ctx: CallContext, _n: u8) -> String {
        format!("{text} from {}", ctx.origin())
    }
}

fn main() {
    let descriptor = <Impl as Notes>::service_descriptor();
    let methods: Vec<(&str, Option<&str>)> = descriptor.methods.iter().map(|m| (m.rust_name, m.deprecated)).collect();
    assert_eq!(
        methods,
        [
            ("list", None),
            ("all", Some("since 0.2.0: use `list`")),
            ("clear", Some("")),
            ("size", None),
            ("legacy", Some("use `list`")),
            ("title", None),
        ]
    );
    let title = &descriptor.methods[5];
    let args: Vec<&str> = title.args.iter().map(|a| a.js_name).collect();
    assert_eq!(args, ["text", "n"]);
    let bindings = Bindings::new().service(descriptor);
    let dts = bindings.declarations();
    assert!(dts.contains("   * @deprecated since 0.2.0: use `list`\n   */\n  all(options?: InvokeOptions)"), "{dts}");
    assert!(dts.contains("   * @deprecated\n   */\n  clear(options?: InvokeOptions): Promise<void>;"), "{dts}");
    assert!(dts.contains("  size(options?: InvokeOptions): Promise<number>;"), "{dts}");
    assert!(!dts.contains("never("), "{dts}");
    assert!(bindings.module().contains("     * @deprecated since 0.2.0: use `list`\n"));
    let _ = Impl.into_service();
}
