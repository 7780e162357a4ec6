//! Every way to answer with a stream, under `#![deny(warnings)]`.
#![deny(warnings)]

use futures::stream::{self, StreamExt};
use ipc_core::{ipc_service, Stream};

#[ipc_service]
trait Ticker {
    /// A stream of values.
    fn ticks(&self, count: u32) -> impl Stream<Item = u64> + Send;
    /// A stream of `Result`s: an `Err` ends it with a HANDLER error.
    fn checked(&self) -> impl Stream<Item = Result<u64, String>> + Send;
    /// Made after awaiting something.
    async fn later(&self) -> impl Stream<Item = String> + Send;
    /// A future of a stream, spelled out.
    fn spelled(&self) -> impl std::future::Future<Output = impl Stream<Item = u8> + Send> + Send;
    /// A stream borrowing the service.
    fn borrowed(&self) -> impl Stream<Item = usize> + Send;
}

struct Clock {
    names: Vec<String>,
}

impl Ticker for Clock {
    fn ticks(&self, count: u32) -> impl Stream<Item = u64> + Send {
        stream::iter(0..u64::from(count))
    }
    fn checked(&self) -> impl Stream<Item = Result<u64, String>> + Send {
        stream::iter([Ok(1), Err("stop".to_owned())])
    }
    async fn later(&self) -> impl Stream<Item = String> + Send {
        stream::iter(self.names.clone())
    }
    async fn spelled(&self) -> impl Stream<Item = u8> + Send {
        stream::iter([1u8])
    }
    fn borrowed(&self) -> impl Stream<Item = usize> + Send {
        stream::iter(&self.names).map(String::len)
    }
}

fn main() {
    let service = Clock { names: vec!["a".into()] }.into_service();
    let descriptor = <Clock as Ticker>::service_descriptor();
    assert!(descriptor.methods.iter().all(|m| m.stream));
    drop(service);
}
