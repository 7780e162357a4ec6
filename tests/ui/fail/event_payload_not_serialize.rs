use ipc_core::ipc_service;

struct Secret;

#[ipc_service]
trait Vault {
    fn open(&self) -> bool;
    #[ipc(event)]
    fn leaked(&self, secret: Secret);
}

fn main() {}
