use ipc_core::ipc_service;

#[derive(ts_rs::TS)]
struct Handle;

#[ipc_service]
trait Files {
    fn open(&self, path: String) -> Handle;
}

fn main() {}
