//! A return type is a `Result` by what it is, not by its name: an alias, a renamed import or a full path all answer
//! `Err` as a HANDLER error typed by `E`, and a type merely named `Result` is plain data.
#![deny(warnings)]

use ipc_core::ipc_service;
use std::result::Result as Outcome;

#[derive(serde::Serialize, ts_rs::TS)]
pub struct Problem {
    pub reason: String,
}

pub type Result<T> = std::result::Result<T, Problem>;

mod plain {
    /// Not a `Result`, though named so.
    #[derive(serde::Serialize, ts_rs::TS)]
    pub struct Result {
        pub ok: bool,
    }
}

#[ipc_service]
trait Store {
    fn alias(&self) -> Result<u32>;
    fn renamed(&self) -> Outcome<u32, Problem>;
    fn full_path(&self) -> ::core::result::Result<u32, String>;
    async fn unit(&self) -> Result<()>;
    fn not_a_result(&self) -> plain::Result;
}

struct Impl;

impl Store for Impl {
    fn alias(&self) -> Result<u32> {
        Ok(1)
    }
    fn renamed(&self) -> Outcome<u32, Problem> {
        Ok(2)
    }
    fn full_path(&self) -> ::core::result::Result<u32, String> {
        Ok(3)
    }
    async fn unit(&self) -> Result<()> {
        Ok(())
    }
    fn not_a_result(&self) -> plain::Result {
        plain::Result { ok: true }
    }
}

fn main() {
    let types: Vec<(Option<String>, Option<String>)> = <Impl as Store>::service_descriptor()
        .methods
        .iter()
        .map(|m| (m.returns.map(|t| t.name()), m.error.map(|t| t.name())))
        .collect();
    let typed = |ok: &str, err: Option<&str>| (Some(ok.to_owned()), err.map(str::to_owned));
    assert_eq!(
        types,
        [
            typed("number", Some("Problem")),
            typed("number", Some("Problem")),
            typed("number", Some("string")),
            typed("null", Some("Problem")),
            typed("Result", None),
        ]
    );
    let _ = Impl.into_service();
}
