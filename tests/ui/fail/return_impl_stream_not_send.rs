use ipc_core::{ipc_service, Stream};

#[ipc_service]
trait Ticker {
    fn ticks(&self) -> impl Stream<Item = u64>;
}

fn main() {}
