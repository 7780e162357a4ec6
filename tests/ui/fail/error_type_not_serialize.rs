use ipc_core::ipc_service;

#[derive(ts_rs::TS)]
struct Oops;

#[ipc_service]
trait Jobs {
    fn run(&self) -> Result<u32, Oops>;
}

fn main() {}
