use ipc_core::ipc_service;

#[ipc_service]
trait Names {
    fn first(&self) -> &String;
}

fn main() {}
