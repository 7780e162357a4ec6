use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event, timeout = "5s")]
    fn changed(&self, todos: Vec<String>);
}

fn main() {}
