use ipc_core::ipc_service;

#[ipc_service]
trait Reports {
    fn latest(&self) -> impl serde::Serialize;
}

fn main() {}
