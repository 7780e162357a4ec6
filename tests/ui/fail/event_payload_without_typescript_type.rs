use ipc_core::ipc_service;

#[derive(serde::Serialize)]
struct Untyped {
    value: u32,
}

#[ipc_service]
trait Meter {
    fn read(&self) -> u32;
    #[ipc(event)]
    fn measured(&self, value: Untyped);
}

fn main() {}
