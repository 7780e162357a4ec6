use ipc_core::ipc_service;

#[ipc_service]
trait Clock {
    fn now() -> u64;
}

fn main() {}
