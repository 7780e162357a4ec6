use ipc_core::ipc_service;

#[ipc_service]
trait Store<T> {
    fn get(&self) -> u32;
}

fn main() {}
