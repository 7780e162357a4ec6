use ipc_core::ipc_service;

#[ipc_service]
trait Files {
    fn open(&self, path: impl AsRef<std::path::Path>) -> u64;
    fn append(&self, lines: impl IntoIterator<Item = String>);
}

fn main() {}
