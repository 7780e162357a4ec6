use ipc_core::ipc_service;

#[ipc_service]
trait Session {
    fn close(self: Box<Self>);
}

fn main() {}
