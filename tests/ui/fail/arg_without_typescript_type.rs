use ipc_core::ipc_service;

#[derive(serde::Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

#[ipc_service]
trait Canvas {
    fn draw(&self, at: Point);
}

fn main() {}
