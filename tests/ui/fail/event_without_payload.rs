use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn changed(&self);
}

fn main() {}
