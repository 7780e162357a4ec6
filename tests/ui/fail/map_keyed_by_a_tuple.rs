use std::collections::HashMap;

use ipc_core::ipc_service;

#[ipc_service]
trait Grid {
    fn cells(&self) -> HashMap<(u32, u32), String>;
}

fn main() {}
