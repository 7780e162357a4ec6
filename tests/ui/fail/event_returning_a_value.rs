use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn changed(&self, todos: Vec<String>) -> bool;
}

fn main() {}
