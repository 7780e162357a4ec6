use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn count(&self) -> u32 {
        0
    }
}

fn main() {}
