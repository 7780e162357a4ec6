use ipc_core::ipc_service;

struct Secret;

#[ipc_service]
trait Vault {
    fn store(&self, secret: Secret);
}

fn main() {}
