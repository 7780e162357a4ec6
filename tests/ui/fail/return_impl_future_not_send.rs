use ipc_core::ipc_service;

#[ipc_service]
trait Jobs {
    fn run(&self) -> impl std::future::Future<Output = u32>;
}

fn main() {}
