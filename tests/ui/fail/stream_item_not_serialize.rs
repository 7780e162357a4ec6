use ipc_core::{ipc_service, Stream};

struct Tick;

#[ipc_service]
trait Ticker {
    fn ticks(&self) -> impl Stream<Item = Tick> + Send;
}

fn main() {}
