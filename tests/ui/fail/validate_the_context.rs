use ipc_core::ipc_service;

use ipc_core::CallContext;

#[ipc_service]
trait Shop {
    fn find(&self, #[validate(non_empty)] caller: CallContext);
}

fn main() {}
