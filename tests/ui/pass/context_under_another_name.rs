//! The caller's context is recognised by its type, not its name: imported under another name, through a path, or
//! through a type alias, it is injected and left out of the JavaScript signature.
#![deny(warnings)]

use ipc_core::ipc_service;
use ipc_core::CallContext as Ctx;

type Caller = ipc_core::CallContext;

#[ipc_service]
trait Audit {
    fn renamed(&self, who: Ctx) -> String;
    fn aliased(&self, text: String, who: Caller) -> String;
    async fn by_path(&self, who: ::ipc_core::CallContext, count: u8) -> String;
}

struct Impl;

impl Audit for Impl {
    fn renamed(&self, who: Ctx) -> String {
        who.origin().to_owned()
    }
    fn aliased(&self, text: String, who: Caller) -> String {
        format!("{text} {}", who.window())
    }
    async fn by_path(&self, who: ::ipc_core::CallContext, count: u8) -> String {
        format!("{count} {}", who.origin())
    }
}

fn main() {
    let args: Vec<Vec<&str>> = <Impl as Audit>::service_descriptor()
        .methods
        .iter()
        .map(|m| m.args.iter().map(|a| a.js_name).collect())
        .collect();
    assert_eq!(args, [vec![], vec!["text"], vec!["count"]]);
    let _ = Impl.into_service();
}
