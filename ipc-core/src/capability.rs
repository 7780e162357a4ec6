//! What one window may do: which channels it may call (`host.invoke`), send on (`host.send`) and receive pushes on,
//! and which page origins may speak for it.
//!
//! ```
//! use ipc_core::capability::{Capabilities, Direction};
//!
//! // A read-only viewer: may call every `todos.*` method except `todos.add` and `todos.remove`.
//! let viewer = Capabilities::deny_all().allow("todos.*").deny("todos.add").deny("todos.remove");
//! assert!(viewer.permits("todos.list", Direction::Invoke));
//! assert!(!viewer.permits("todos.add", Direction::Invoke));
//! assert!(!viewer.permits("admin.reset", Direction::Invoke));
//! ```
//!
//! Patterns are exact channel names (`todos.add`), prefixes (`todos.*` matches every channel starting with `todos.`),
//! or `*` (every channel). A deny always wins over an allow. Windows start from [`Capabilities::allow_all`] unless
//! given others; the same lists apply to calls, sends and pushes, and a [`CapabilityChecker`] can decide per
//! direction.
//!
//! Origins: by default a window accepts requests only from the app's own content (the origin the transport serves the
//! window's page from); a page navigated elsewhere, such as a remote site, is refused with `FORBIDDEN`. Add origins with
//! [`Capabilities::allow_origin`].

use std::fmt;
use std::sync::Arc;

use crate::window::WindowId;

/// Which way a message goes, for a [`CapabilityChecker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A call from the page (`host.invoke`, a generated client method).
    Invoke,
    /// A one-way message from the page (`host.send`).
    Send,
    /// A push from the host to the page (`send_to_window`, `broadcast`).
    Receive,
}

/// A custom policy, consulted after the allow and deny lists have permitted a message.
pub trait CapabilityChecker: Send + Sync + 'static {
    /// Whether `window` may use `channel` in `direction`.
    fn permits(&self, window: WindowId, channel: &str, direction: Direction) -> bool;
}

impl<F: Fn(WindowId, &str, Direction) -> bool + Send + Sync + 'static> CapabilityChecker for F {
    fn permits(&self, window: WindowId, channel: &str, direction: Direction) -> bool {
        self(window, channel, direction)
    }
}

/// One channel pattern: exact, `prefix.*`, or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Prefix(String),
    Exact(String),
}

impl Pattern {
    fn parse(pattern: &str) -> Self {
        if pattern == "*" {
            Pattern::Any
        } else if let Some(prefix) = pattern.strip_suffix('*') {
            Pattern::Prefix(prefix.to_owned())
        } else {
            Pattern::Exact(pattern.to_owned())
        }
    }

    fn matches(&self, channel: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Prefix(prefix) => channel.starts_with(prefix.as_str()),
            Pattern::Exact(exact) => channel == exact,
        }
    }
}

/// The permissions of one window. See the [module docs](self).
#[derive(Clone)]
pub struct Capabilities {
    allow: Vec<Pattern>,
    deny: Vec<Pattern>,
    origins: Vec<String>,
    checker: Option<Arc<dyn CapabilityChecker>>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::allow_all()
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("allow", &self.allow)
            .field("deny", &self.deny)
            .field("origins", &self.origins)
            .field("checker", &self.checker.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Capabilities {
    /// Every channel is allowed (until denied).
    pub fn allow_all() -> Self {
        Capabilities {
            allow: vec![Pattern::Any],
            deny: Vec::new(),
            origins: Vec::new(),
            checker: None,
        }
    }

    /// No channel is allowed (until allowed).
    pub fn deny_all() -> Self {
        Capabilities {
            allow: Vec::new(),
            ..Capabilities::allow_all()
        }
    }

    /// Allows channels matching `pattern` (`todos.add`, `todos.*`, `*`).
    pub fn allow(mut self, pattern: &str) -> Self {
        self.allow.push(Pattern::parse(pattern));
        self
    }

    /// Denies channels matching `pattern`; a deny wins over every allow.
    pub fn deny(mut self, pattern: &str) -> Self {
        self.deny.push(Pattern::parse(pattern));
        self
    }

    /// Also accepts requests from pages of `origin` (`scheme://host[:port]`, such as `http://localhost:5173`).
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// Consults `checker` for every message the lists permit.
    pub fn checker(mut self, checker: impl CapabilityChecker) -> Self {
        self.checker = Some(Arc::new(checker));
        self
    }

    /// Whether the lists permit `channel` (the checker is consulted by [`Capabilities::permits_for`]).
    pub fn permits(&self, channel: &str, _direction: Direction) -> bool {
        self.allow.iter().any(|p| p.matches(channel)) && !self.deny.iter().any(|p| p.matches(channel))
    }

    /// Whether `window`, holding these capabilities, may use `channel` in `direction`: lists first, then the checker.
    pub fn permits_for(&self, window: WindowId, channel: &str, direction: Direction) -> bool {
        self.permits(channel, direction)
            && self
                .checker
                .as_ref()
                .is_none_or(|checker| checker.permits(window, channel, direction))
    }

    /// Whether a page of `origin` may speak for the window, given the origin of the app's own content.
    pub fn permits_origin(&self, origin: &str, app_origin: &str) -> bool {
        origin == app_origin || self.origins.iter().any(|allowed| allowed == origin)
    }

    /// The extra origins allowed with [`allow_origin`](Self::allow_origin).
    pub fn origins(&self) -> &[String] {
        &self.origins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_prefix_and_any_patterns() {
        let caps = Capabilities::deny_all().allow("todos.*").allow("admin.ping");
        assert!(caps.permits("todos.add", Direction::Invoke));
        assert!(caps.permits("admin.ping", Direction::Invoke));
        assert!(!caps.permits("admin.reset", Direction::Invoke));
        assert!(
            !caps.permits("todosx.add", Direction::Invoke),
            "`todos.*` must not match `todosx.`"
        );
        assert!(Capabilities::allow_all().permits("anything.at_all", Direction::Send));
    }

    #[test]
    fn deny_wins_over_allow() {
        let caps = Capabilities::allow_all().deny("todos.*").allow("todos.list");
        assert!(!caps.permits("todos.list", Direction::Invoke));
    }

    #[test]
    fn the_checker_decides_after_the_lists() {
        let caps = Capabilities::allow_all()
            .deny("secret.*")
            .checker(|_window: WindowId, _channel: &str, direction: Direction| direction != Direction::Send);
        let window = WindowId(1);
        assert!(caps.permits_for(window, "todos.add", Direction::Invoke));
        assert!(!caps.permits_for(window, "todos.add", Direction::Send));
        assert!(!caps.permits_for(window, "secret.read", Direction::Invoke));
    }

    #[test]
    fn only_the_app_origin_and_allowed_origins_may_speak() {
        let caps = Capabilities::allow_all().allow_origin("http://localhost:5173/");
        assert!(caps.permits_origin("app://localhost", "app://localhost"));
        assert!(caps.permits_origin("http://localhost:5173", "app://localhost"));
        assert!(!caps.permits_origin("https://evil.example", "app://localhost"));
    }
}
