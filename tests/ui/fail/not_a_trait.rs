use ipc_core::ipc_service;

#[ipc_service]
struct Todos {
    items: Vec<String>,
}

fn main() {}
