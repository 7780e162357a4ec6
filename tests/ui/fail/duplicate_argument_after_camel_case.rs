use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn add(&self, item_id: u32, itemId: u32);
}

fn main() {}
