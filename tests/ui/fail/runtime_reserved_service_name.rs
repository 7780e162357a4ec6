use ipc_core::ipc_service;

#[ipc_service(name = "services")]
trait Registry {
    fn list(&self) -> Vec<String>;
}

fn main() {}
