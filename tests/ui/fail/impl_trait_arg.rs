use ipc_core::ipc_service;

#[ipc_service]
trait Greeter {
    fn greet(&self, name: impl Into<String>) -> String;
}

fn main() {}
