use ipc_core::ipc_service;

#[derive(serde::Serialize)]
struct Report {
    lines: u32,
}

#[ipc_service]
trait Reports {
    fn latest(&self) -> Report;
}

fn main() {}
