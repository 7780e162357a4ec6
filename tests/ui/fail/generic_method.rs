use ipc_core::ipc_service;

#[ipc_service]
trait Store {
    fn put<T: serde::de::DeserializeOwned>(&self, value: T);
}

fn main() {}
