use ipc_core::ipc_service;

#[derive(ts_rs::TS)]
struct Secret;

#[ipc_service]
trait Vault {
    fn store(&self, secret: Secret);
}

fn main() {}
