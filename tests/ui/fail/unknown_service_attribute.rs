use ipc_core::ipc_service;

#[ipc_service(nmae = "todos")]
trait Todos {
    fn list(&self) -> Vec<String>;
}

fn main() {}
