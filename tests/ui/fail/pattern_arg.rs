use ipc_core::ipc_service;

#[ipc_service]
trait Geometry {
    fn area(&self, (width, height): (f64, f64)) -> f64;
}

fn main() {}
