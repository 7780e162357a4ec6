use ipc_core::ipc_service;

#[ipc_service]
trait Hooks {
    fn register(&self, hook: Box<dyn Fn()>);
}

fn main() {}
