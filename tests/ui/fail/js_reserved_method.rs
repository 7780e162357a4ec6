use ipc_core::ipc_service;

#[ipc_service]
trait Tasks {
    fn then(&self) -> u32;
}

fn main() {}
