use ipc_core::{ipc_service, Exact};

#[ipc_service]
trait Accounts {
    fn balance(&self) -> Exact<f64>;
}

fn main() {}
