//! A front-end dev server for debug builds: a window shows its URL instead of the built files, and [`App`] can start
//! it, wait for it, and stop it when the app ends, so `cargo run` is the whole workflow.
//!
//! ```no_run
//! use ipc_wry::{App, Assets, DevServer, WindowSpec};
//!
//! # fn main() -> Result<(), ipc_wry::Error> {
//! // `cargo run`: starts Vite in `frontend/`, waits for it, shows it (hot reload included), stops it on exit.
//! // `cargo run --release`: shows `frontend/dist`, and starts nothing.
//! let vite = DevServer::url("http://localhost:5173").command("npm", ["run", "dev"]).current_dir("frontend");
//! let window = WindowSpec::assets("My app", Assets::dir("frontend/dist")?).dev_server(vite);
//! std::process::exit(App::new().window(window).run()?);
//! # }
//! ```
//!
//! The dev server's origin counts as the app's own for that window, exactly as a built front end's does, so calls
//! work with no extra setting; in release builds the setting is ignored entirely.
//!
//! [`App`]: crate::App

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::error::Error;

/// How long [`App`](crate::App) waits for a dev server to accept connections, unless told otherwise.
pub const DEFAULT_DEV_SERVER_TIMEOUT: Duration = Duration::from_secs(60);

/// A front-end dev server (Vite, webpack, ...): its URL, and optionally the command that starts it.
#[derive(Debug, Clone)]
pub struct DevServer {
    pub(crate) url: String,
    command: Option<(String, Vec<String>)>,
    dir: Option<PathBuf>,
    timeout: Duration,
}

impl DevServer {
    /// A dev server at `url` (such as `http://localhost:5173`), started by you.
    pub fn url(url: impl Into<String>) -> Self {
        DevServer {
            url: url.into(),
            command: None,
            dir: None,
            timeout: DEFAULT_DEV_SERVER_TIMEOUT,
        }
    }

    /// Starts the server with `program` and `args` when the app starts (debug builds only), and stops it, with the
    /// processes it started, when the app ends.
    pub fn command<I, S>(mut self, program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.command = Some((program.into(), args.into_iter().map(Into::into).collect()));
        self
    }

    /// The directory the command runs in (default: the app's).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// How long to wait for the server to accept connections (default [`DEFAULT_DEV_SERVER_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The address the URL names, for the readiness check.
    fn address(&self) -> Result<SocketAddr, Error> {
        let uri: wry::http::Uri = self.url.parse().map_err(|_| self.error("it is not a URL".to_owned()))?;
        let host = uri.host().ok_or_else(|| self.error("it names no host".to_owned()))?;
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
        (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addresses| addresses.next())
            .ok_or_else(|| self.error(format!("{host}:{port} does not resolve")))
    }

    fn error(&self, problem: String) -> Error {
        Error::DevServer {
            url: self.url.clone(),
            problem,
        }
    }

    /// Starts the command, if any, and waits until the URL's address accepts connections.
    pub(crate) fn start(&self) -> Result<Running, Error> {
        let address = self.address()?;
        let mut running = Running { child: None };
        if let Some((program, args)) = &self.command {
            let mut command = Command::new(program);
            command.args(args);
            if let Some(dir) = &self.dir {
                command.current_dir(dir);
            }
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command
                .spawn()
                .map_err(|err| self.error(format!("could not start `{program}`: {err}")))?;
            running.child = Some(child);
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(running);
            }
            if let Some(child) = &mut running.child {
                if let Ok(Some(status)) = child.try_wait() {
                    let program = self.command.as_ref().map_or("", |(program, _)| program.as_str());
                    return Err(self.error(format!("`{program}` exited ({status}) before the server was ready")));
                }
            }
            if Instant::now() >= deadline {
                return Err(self.error(format!("nothing accepted connections within {:?}", self.timeout)));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A started dev server: stopped, with every process of its group, when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    child: Option<Child>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let Some(child) = &mut self.child else {
            return;
        };
        // The command is often a launcher (npm) that starts the server as its own child: stop the whole group.
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", child.id())])
            .stderr(std::process::Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn a_command_that_exits_early_is_an_error_naming_it() {
        let server = DevServer::url(format!("http://127.0.0.1:{}", free_port())).command("sh", ["-c", "exit 3"]);
        let error = server.start().unwrap_err().to_string();
        assert!(error.contains("`sh` exited") && error.contains('3'), "{error}");
    }

    #[test]
    fn a_server_that_never_listens_times_out_and_is_stopped() {
        let server = DevServer::url(format!("http://127.0.0.1:{}", free_port()))
            .command("sleep", ["30"])
            .timeout(Duration::from_millis(300));
        let started = Instant::now();
        let error = server.start().unwrap_err().to_string();
        assert!(error.contains("nothing accepted connections"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the sleeping command was stopped"
        );
    }

    #[test]
    fn a_missing_program_and_a_bad_url_are_errors() {
        let missing = DevServer::url("http://127.0.0.1:1").command("no-such-program-ipc", Vec::<String>::new());
        assert!(missing
            .start()
            .unwrap_err()
            .to_string()
            .contains("could not start `no-such-program-ipc`"));
        let bad = DevServer::url("not a url");
        assert!(bad.start().unwrap_err().to_string().contains("not a URL"));
    }

    #[test]
    fn a_started_server_is_stopped_on_drop() {
        let port = free_port();
        let script = format!(
            "require('net').createServer(() => {{}}).listen({port}, '127.0.0.1'); setTimeout(() => {{}}, 60000)"
        );
        let server = DevServer::url(format!("http://127.0.0.1:{port}")).command("node", ["-e", script.as_str()]);
        let running = server.start().expect("the server starts and listens");
        assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
        drop(running);
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "the server is gone");
    }
}
