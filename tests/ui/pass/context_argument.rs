//! A `CallContext` argument, anywhere in the list, is injected by the host and is not part of the JS signature.

use ipc_core::{ipc_service, CallContext};

#[ipc_service]
trait Audit {
    fn whoami(&self, caller: CallContext) -> String;
    async fn note(&self, text: String, caller: ipc_core::CallContext) -> String;
}

fn main() {
    struct Impl;
    impl Audit for Impl {
        fn whoami(&self, caller: CallContext) -> String {
            caller.origin().to_owned()
        }
        async fn note(&self, text: String, caller: CallContext) -> String {
            format!("{text} from {}", caller.window())
        }
    }
    let descriptor = <Impl as Audit>::service_descriptor();
    assert!(descriptor.methods[0].args.is_empty());
    assert_eq!(descriptor.methods[1].args.len(), 1);
    assert_eq!(descriptor.methods[1].args[0].js_name, "text");
}
