use ipc_core::ipc_service;

#[ipc_service]
trait Counter {
    fn increment(&mut self) -> u64;
}

fn main() {}
