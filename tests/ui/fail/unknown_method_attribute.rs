use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(renam = "all")]
    fn list(&self) -> Vec<String>;
}

fn main() {}
