use ipc_core::ipc_service;

#[ipc_service]
trait Todos: Clone {
    fn count(&self) -> u32;
}

fn main() {}
