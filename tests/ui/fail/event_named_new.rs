use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn new(&self, title: String);
}

fn main() {}
