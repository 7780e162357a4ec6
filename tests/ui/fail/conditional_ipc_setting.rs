use ipc_core::ipc_service;

#[ipc_service]
trait Files {
    #[cfg_attr(unix, ipc(rename = "open_unix"))]
    fn open(&self, path: String) -> u64;
}

fn main() {}
