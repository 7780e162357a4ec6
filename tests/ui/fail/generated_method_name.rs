use ipc_core::ipc_service;

#[ipc_service]
trait Tasks {
    fn into_service(&self) -> u32;
}

fn main() {}
