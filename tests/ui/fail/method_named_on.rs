use ipc_core::ipc_service;

#[ipc_service]
trait Lamp {
    fn on(&self);
    fn off(&self);
}

fn main() {}
