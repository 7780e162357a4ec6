use ipc_core::ipc_service;

use ipc_core::CallContext;

#[ipc_service]
trait Todos {
    fn add(&self, first: CallContext, title: String, second: CallContext);
}

fn main() {}
