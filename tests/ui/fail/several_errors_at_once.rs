use ipc_core::ipc_service;

#[ipc_service]
trait Broken {
    fn by_value(self);
    fn generic<T>(&self, value: T);
    fn borrowed(&self, name: &str);
}

fn main() {}
