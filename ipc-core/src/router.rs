//! Channel → method lookup over the registered services.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::service::{Service, ServiceDescriptor};

/// Where a channel leads: a service and the index of one of its methods.
#[derive(Clone)]
pub(crate) struct Route {
    pub service: Arc<dyn Service>,
    pub method: usize,
}

/// Maps every channel of every registered service to its method. Built once, read by every call.
#[derive(Default)]
pub(crate) struct Router {
    routes: HashMap<&'static str, Route>,
    services: Vec<&'static ServiceDescriptor>,
}

impl Router {
    /// Adds every method of `service`; fails, adding nothing, if one of its channels is already taken.
    pub fn add(&mut self, service: Arc<dyn Service>) -> Result<(), Error> {
        let descriptor = service.descriptor();
        for method in descriptor.methods {
            if let Some(existing) = self.routes.get(method.channel) {
                return Err(Error::DuplicateChannel {
                    channel: method.channel.to_owned(),
                    first: existing.service.descriptor().rust_name,
                    second: descriptor.rust_name,
                });
            }
        }
        for (index, method) in descriptor.methods.iter().enumerate() {
            let route = Route {
                service: Arc::clone(&service),
                method: index,
            };
            self.routes.insert(method.channel, route);
        }
        self.services.push(descriptor);
        Ok(())
    }

    /// The method answering on `channel`.
    pub fn route(&self, channel: &str) -> Option<&Route> {
        self.routes.get(channel)
    }

    /// The descriptors of the registered services, in registration order.
    pub fn services(&self) -> &[&'static ServiceDescriptor] {
        &self.services
    }
}
