use ipc_core::ipc_service;

#[ipc_service]
trait Store {
    const LIMIT: u32;
    fn count(&self) -> u32;
}

fn main() {}
