use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn renamed(&self, title: &str);
}

fn main() {}
