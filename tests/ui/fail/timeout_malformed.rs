use ipc_core::ipc_service;

#[ipc_service]
trait Jobs {
    #[ipc(timeout = "5 seconds")]
    async fn run(&self);
}

fn main() {}
