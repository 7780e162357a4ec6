use ipc_core::ipc_service;

struct Handle;

#[ipc_service]
trait Files {
    fn open(&self, path: String) -> Handle;
}

fn main() {}
