//! A crate that depends on `ipc-core` under another name (`runtime`): the generated code must still find it.

use runtime::ipc_service;

/// Greets.
#[ipc_service]
pub trait Greeter {
    /// Says hello.
    fn greet(&self, name: String) -> String;
}

/// The implementation.
pub struct Polite;

impl Greeter for Polite {
    fn greet(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runtime::testing::TestClient;
    use runtime::Hub;

    #[tokio::test]
    async fn service_of_a_renamed_runtime_answers() {
        let hub = Hub::builder().service(Polite.into_service()).build().unwrap();
        let mut page = TestClient::new(&hub);
        let answer = page.invoke("greeter.greet", r#"{"name":"Ada"}"#).await;
        assert_eq!(
            answer,
            r#"{"type":"answer","id":1,"success":true,"data":"Hello, Ada!","error":null}"#
        );
    }
}
