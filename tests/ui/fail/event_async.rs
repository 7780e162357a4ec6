use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    async fn changed(&self, todos: Vec<String>);
}

fn main() {}
