use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn changed(&self, #[validate(non_empty)] todos: Vec<String>);
}

fn main() {}
