//! Channel → method lookup over the registered services.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::{CallError, Error};
use crate::service::{Call, MethodDescriptor, MethodHandler, Reply, Service, ServiceDescriptor};

/// Where a channel leads: one method of one service, ready to run.
pub(crate) struct Route {
    /// The service the method belongs to, to name it when another claims the channel.
    service: &'static ServiceDescriptor,
    method: MethodHandler,
}

impl Route {
    /// The method this channel leads to.
    pub(crate) fn descriptor(&self) -> &'static MethodDescriptor {
        self.method.descriptor()
    }

    /// Runs the method for one call.
    pub(crate) fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Result<Reply, CallError>> {
        self.method.call(call)
    }
}

/// Maps every channel of every registered service to its method. Built once, read by every call.
#[derive(Default)]
pub(crate) struct Router {
    routes: HashMap<&'static str, Route>,
    /// The channels of the services' declared events (pushed by the host, never routed), with their service.
    events: HashMap<&'static str, &'static ServiceDescriptor>,
    services: Vec<&'static ServiceDescriptor>,
    /// Each service's [`ServiceDescriptor::fingerprint`], by service name, computed once.
    fingerprints: HashMap<&'static str, String>,
}

impl Router {
    /// Adds every method of `service`; fails, adding nothing, if one of its channels (of a method or a declared event)
    /// is already taken.
    pub(crate) fn add(&mut self, service: Arc<dyn Service>) -> Result<(), Error> {
        let descriptor = service.descriptor();
        let methods = service.methods();
        debug_assert!(
            methods
                .iter()
                .map(|m| m.descriptor().channel)
                .eq(descriptor.methods.iter().map(|m| m.channel)),
            "`{}::methods` must return one handler for each method of its descriptor, in order",
            descriptor.rust_name
        );
        let mut claimed = HashSet::new();
        let channels = methods.iter().map(|m| m.descriptor().channel);
        for channel in channels.chain(descriptor.events.iter().map(|e| e.channel)) {
            let first = match (self.routes.get(channel), self.events.get(channel)) {
                (Some(existing), _) => existing.service.rust_name,
                (None, Some(existing)) => existing.rust_name,
                (None, None) if !claimed.insert(channel) => descriptor.rust_name,
                (None, None) => continue,
            };
            return Err(Error::DuplicateChannel {
                channel: channel.to_owned(),
                first,
                second: descriptor.rust_name,
            });
        }
        for method in methods {
            let route = Route {
                service: descriptor,
                method,
            };
            self.routes.insert(route.descriptor().channel, route);
        }
        for event in descriptor.events {
            self.events.insert(event.channel, descriptor);
        }
        self.services.push(descriptor);
        self.fingerprints.insert(descriptor.name, descriptor.fingerprint());
        Ok(())
    }

    /// The fingerprint of the service named `service`, if it is registered.
    pub(crate) fn fingerprint(&self, service: &str) -> Option<&str> {
        self.fingerprints.get(service).map(String::as_str)
    }

    /// The method answering on `channel`.
    pub(crate) fn route(&self, channel: &str) -> Option<&Route> {
        self.routes.get(channel)
    }

    /// The descriptors of the registered services, in registration order.
    pub(crate) fn services(&self) -> &[&'static ServiceDescriptor] {
        &self.services
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::CallContext;
    use crate::service::CallTimeout;
    use crate::window::WindowId;
    use crate::Hub;

    /// A hand-written service of two methods described by `.0`; the first answers `"first"`, the second `"second"`.
    struct Pair(&'static ServiceDescriptor);

    impl Pair {
        fn first<'a>(&'a self, _call: Call<'a>) -> BoxFuture<'a, Result<Reply, CallError>> {
            Box::pin(async { Ok(Reply::json(r#""first""#).unwrap()) })
        }

        fn second<'a>(&'a self, _call: Call<'a>) -> BoxFuture<'a, Result<Reply, CallError>> {
            Box::pin(async { Ok(Reply::json(r#""second""#).unwrap()) })
        }
    }

    impl Service for Pair {
        fn descriptor(&self) -> &'static ServiceDescriptor {
            self.0
        }

        fn methods(self: Arc<Self>) -> Vec<MethodHandler> {
            let [first, second] = self.0.methods else {
                unreachable!("every descriptor of these tests has two methods")
            };
            vec![
                MethodHandler::new(first, Arc::clone(&self), Pair::first),
                MethodHandler::new(second, self, Pair::second),
            ]
        }
    }

    const fn method(channel: &'static str) -> MethodDescriptor {
        MethodDescriptor {
            rust_name: "method",
            js_name: "method",
            channel,
            docs: "",
            args: &[],
            returns: None,
            error: None,
            timeout: CallTimeout::Default,
            deprecated: None,
            stream: false,
        }
    }

    const fn service(rust_name: &'static str, methods: &'static [MethodDescriptor]) -> ServiceDescriptor {
        ServiceDescriptor {
            name: "",
            js_name: "",
            rust_name,
            docs: "",
            methods,
            events: &[],
        }
    }

    static NUMBERS: ServiceDescriptor = service("Numbers", &[method("numbers.one"), method("numbers.two")]);
    static ECHOES: ServiceDescriptor = service("Echoes", &[method("echoes.once"), method("echoes.once")]);
    static LATECOMER: ServiceDescriptor = service("Latecomer", &[method("latecomer.fresh"), method("numbers.two")]);
    static ANNOUNCER: ServiceDescriptor = ServiceDescriptor {
        events: &[crate::EventDescriptor {
            rust_name: "one",
            js_name: "one",
            channel: "numbers.one",
            docs: "",
            payload: crate::typescript::TsType::of::<u32>(),
            deprecated: None,
        }],
        ..service("Announcer", &[method("announcer.a"), method("announcer.b")])
    };

    #[tokio::test]
    async fn each_channel_leads_straight_to_its_own_method() {
        let mut router = Router::default();
        router.add(Arc::new(Pair(&NUMBERS))).unwrap();
        let hub = Hub::builder().build().unwrap();
        let context = CallContext::new(hub, WindowId(1), "app://localhost");

        let route = router.route("numbers.two").expect("a route for every method");
        let answer = route.call(Call::new(crate::Args::json(None), &context)).await.unwrap();

        assert!(std::ptr::eq(route.descriptor(), &NUMBERS.methods[1]));
        assert_eq!(answer.get(), r#""second""#);
        assert!(router.route("numbers.three").is_none());
    }

    #[test]
    fn a_channel_claimed_twice_by_one_service_is_refused() {
        let mut router = Router::default();

        let result = router.add(Arc::new(Pair(&ECHOES)));

        assert!(
            matches!(
                result,
                Err(Error::DuplicateChannel { ref channel, first: "Echoes", second: "Echoes" }) if channel == "echoes.once"
            ),
            "{result:?}"
        );
        assert!(router.route("echoes.once").is_none() && router.services().is_empty());
    }

    #[test]
    fn a_service_refused_for_one_taken_channel_adds_none_of_its_channels() {
        let mut router = Router::default();
        router.add(Arc::new(Pair(&NUMBERS))).unwrap();

        let result = router.add(Arc::new(Pair(&LATECOMER)));

        assert!(
            matches!(
                result,
                Err(Error::DuplicateChannel { ref channel, first: "Numbers", second: "Latecomer" }) if channel == "numbers.two"
            ),
            "{result:?}"
        );
        assert!(router.route("latecomer.fresh").is_none());
        assert!(std::ptr::eq(
            router.route("numbers.two").unwrap().descriptor(),
            &NUMBERS.methods[1]
        ));
        assert_eq!(router.services().len(), 1);
    }

    #[test]
    fn an_event_may_not_take_the_channel_of_another_services_method_nor_the_reverse() {
        let mut router = Router::default();
        router.add(Arc::new(Pair(&NUMBERS))).unwrap();
        let result = router.add(Arc::new(Pair(&ANNOUNCER)));
        assert!(
            matches!(
                result,
                Err(Error::DuplicateChannel { ref channel, first: "Numbers", second: "Announcer" }) if channel == "numbers.one"
            ),
            "{result:?}"
        );

        let mut router = Router::default();
        router.add(Arc::new(Pair(&ANNOUNCER))).unwrap();
        let result = router.add(Arc::new(Pair(&NUMBERS)));
        assert!(
            matches!(
                result,
                Err(Error::DuplicateChannel { ref channel, first: "Announcer", second: "Numbers" }) if channel == "numbers.one"
            ),
            "{result:?}"
        );
        assert!(router.route("numbers.one").is_none(), "an event is never routed");
    }
}
