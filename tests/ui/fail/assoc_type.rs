use ipc_core::ipc_service;

#[ipc_service]
trait Store {
    type Item;
    fn count(&self) -> u32;
}

fn main() {}
