//! The generated code's own names stay apart from the user's: parameters named like its locals (`call`, `output`,
//! `violations`, `v`), a type named `T`, and methods named like the functions it generates (`methods`, `descriptor`).
#![deny(warnings)]

use ipc_core::{ipc_service, testing::TestClient, CallContext, Hub};

#[derive(serde::Deserialize, serde::Serialize, ts_rs::TS)]
struct T(u32);

#[ipc_service]
trait Clash {
    fn methods(&self, call: String, caller: CallContext) -> String;
    fn descriptor(
        &self,
        #[validate(range(min = 1))] v: u32,
        #[validate(non_empty)] violations: String,
        output: T,
    ) -> T;
}

struct Impl;

impl Clash for Impl {
    fn methods(&self, call: String, caller: CallContext) -> String {
        format!("{call} from {}", caller.origin())
    }

    fn descriptor(&self, v: u32, violations: String, output: T) -> T {
        T(v + violations.len() as u32 + output.0)
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let hub = Hub::builder().service(Impl.into_service()).build().unwrap();
        let mut page = TestClient::new(&hub);
        let answer = page.invoke("clash.methods", r#"{"call": "hi"}"#).await;
        assert!(answer.contains(r#""data":"hi from test://app""#), "{answer}");
        let answer = page.invoke("clash.descriptor", r#"{"v": 1, "violations": "ab", "output": 3}"#).await;
        assert!(answer.contains(r#""data":6"#), "{answer}");
        let answer = page.invoke("clash.descriptor", r#"{"v": 0, "violations": "", "output": 3}"#).await;
        assert!(answer.contains(r#""kind":"VALIDATION""#), "{answer}");
    });
}
