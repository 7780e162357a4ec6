//! `anyhow::Result<T>` is a `Result` whose error cannot be sent: one error at the return type, saying how to map it.
use ipc_core::ipc_service;

#[ipc_service]
trait Jobs {
    async fn run(&self, name: String) -> anyhow::Result<u32>;
}

fn main() {}
