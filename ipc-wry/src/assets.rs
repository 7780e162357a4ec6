//! A built front end (a `dist/` directory) served on the app scheme: files by path with their MIME types, the
//! `index.html` for routes of a single-page app, 404 for missing files, and a Content-Security-Policy.
//!
//! ```no_run
//! use ipc_wry::{App, Assets, WindowSpec};
//!
//! # fn main() -> Result<(), ipc_wry::Error> {
//! // A wrong path is an error here, at startup, naming the path: never a blank window.
//! let dist = Assets::dir("frontend/dist")?;
//! let code = App::new().window(WindowSpec::assets("My app", dist)).run()?;
//! std::process::exit(code);
//! # }
//! ```
//!
//! With the `embed` feature, `Assets::embedded` serves a directory compiled into the binary by
//! [rust-embed](https://docs.rs/rust-embed) (in debug builds rust-embed reads the directory from disk, so a rebuilt
//! front end shows on reload; release builds carry the files inside).
//!
//! How a path is answered (`GET` or `HEAD` only, anything else is 405):
//!
//! - `/` is `index.html`; `/a/b.js` is the file `a/b.js`, typed by its extension (`text/javascript`, `text/css`,
//!   `image/svg+xml`, ..., `application/octet-stream` when unknown);
//! - a missing path whose last segment has no extension (`/settings/profile`) is `index.html`, so a client-side router
//!   can take it; a missing file with an extension (`/app.js`) is 404;
//! - a path with a `..` segment, a backslash or a NUL is 404, and never reaches the file system;
//! - paths under `/__ipc/` belong to the transport.
//!
//! Every answer carries the window's Content-Security-Policy; the default, [`DEFAULT_CSP`], allows the app's own
//! origin only (scripts from files, no inline scripts), which is all the IPC needs: the runtime is injected by the
//! WebView, not loaded by the page.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wry::http::{header, Method, Request, Response, StatusCode};

use crate::error::Error;

/// The Content-Security-Policy of a window showing [`Assets`] unless it sets its own: the app's own origin for
/// everything, images and media also from `data:`/`blob:` URLs, inline styles (many bundlers emit them), no inline
/// scripts, no plugins, and no framing of the app by other origins.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/// The files of a front end, served on the app scheme by a window made with [`WindowSpec::assets`]
/// (see the [module docs](self)).
///
/// [`WindowSpec::assets`]: crate::WindowSpec::assets
#[derive(Clone)]
pub struct Assets {
    source: Source,
    /// Routes without a file get `index.html`.
    spa: bool,
}

#[derive(Clone)]
enum Source {
    /// A directory on disk, read per request.
    Dir(Arc<PathBuf>),
    /// Files compiled into the binary: a lookup by relative path, and a name for messages.
    #[cfg_attr(not(feature = "embed"), allow(dead_code))]
    Embedded {
        get: fn(&str) -> Option<Cow<'static, [u8]>>,
        name: &'static str,
    },
    /// One page, `index.html` (what [`WindowSpec::html`](crate::WindowSpec::html) shows).
    Page(Arc<str>),
}

impl std::fmt::Debug for Assets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::Dir(dir) => format!("directory {}", dir.display()),
            Source::Embedded { name, .. } => format!("embedded {name}"),
            Source::Page(page) => format!("a page of {} bytes", page.len()),
        };
        f.debug_struct("Assets")
            .field("source", &source)
            .field("spa", &self.spa)
            .finish()
    }
}

impl Assets {
    /// The files under `dir`, which must be a directory holding `index.html`.
    ///
    /// # Errors
    ///
    /// [`Error::Assets`] naming `dir` if it is not a directory or has no `index.html`.
    pub fn dir(dir: impl AsRef<Path>) -> Result<Assets, Error> {
        let dir = dir.as_ref();
        let problem = if !dir.is_dir() {
            Some("it is not a directory")
        } else if !dir.join("index.html").is_file() {
            Some("it has no index.html")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::Assets {
                path: dir.display().to_string(),
                problem: problem.to_owned(),
            });
        }
        let dir = dir.canonicalize().map_err(|err| Error::Assets {
            path: dir.display().to_string(),
            problem: err.to_string(),
        })?;
        Ok(Assets {
            source: Source::Dir(Arc::new(dir)),
            spa: true,
        })
    }

    /// The files of `E`, a type deriving `rust_embed::RustEmbed` (`#[derive(RustEmbed)] #[folder = "dist/"]`).
    ///
    /// # Errors
    ///
    /// [`Error::Assets`] if `E` holds no `index.html` (a wrong `folder`, or a front end not built).
    #[cfg(feature = "embed")]
    pub fn embedded<E: rust_embed::RustEmbed>() -> Result<Assets, Error> {
        fn get<E: rust_embed::RustEmbed>(path: &str) -> Option<Cow<'static, [u8]>> {
            E::get(path).map(|file| file.data)
        }
        let name = std::any::type_name::<E>();
        if E::get("index.html").is_none() {
            return Err(Error::Assets {
                path: name.to_owned(),
                problem: "it embeds no index.html (is its folder right, and the front end built?)".to_owned(),
            });
        }
        Ok(Assets {
            source: Source::Embedded { get: get::<E>, name },
            spa: true,
        })
    }

    /// One page at `/` and `/index.html`; every other path is 404.
    pub(crate) fn page(html: Arc<str>) -> Assets {
        Assets {
            source: Source::Page(html),
            spa: false,
        }
    }

    /// The bytes of the file at `relative` (no leading `/`), if there is one.
    fn file(&self, relative: &str) -> Option<Cow<'static, [u8]>> {
        match &self.source {
            Source::Dir(dir) => {
                let path = dir.join(relative);
                // Symbolic links may not lead out of the directory.
                let real = path.canonicalize().ok()?;
                if !real.starts_with(dir.as_path()) || !real.is_file() {
                    return None;
                }
                std::fs::read(real).ok().map(Cow::Owned)
            }
            Source::Embedded { get, .. } => get(relative),
            Source::Page(html) => (relative == "index.html").then(|| Cow::Owned(html.as_bytes().to_vec())),
        }
    }

    /// The answer to `request`, with `csp` as its Content-Security-Policy (if any).
    pub(crate) fn serve(&self, request: &Request<Vec<u8>>, csp: Option<&str>) -> Response<Cow<'static, [u8]>> {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            return respond(
                StatusCode::METHOD_NOT_ALLOWED,
                "text/plain",
                Cow::Borrowed(b"method not allowed"),
                csp,
            );
        }
        let Some(relative) = relative_path(request.uri().path()) else {
            return not_found(csp);
        };
        let (relative, body) = match self.file(&relative) {
            Some(body) => (relative, body),
            None if self.spa && !has_extension(request.uri().path()) => match self.file("index.html") {
                Some(body) => ("index.html".to_owned(), body),
                None => return not_found(csp),
            },
            None => return not_found(csp),
        };
        let mime = mime_guess::from_path(&relative).first_or_octet_stream();
        let mime = match mime.type_() {
            mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
            _ => mime.to_string(),
        };
        let body = if method == Method::HEAD {
            Cow::Borrowed(&b""[..])
        } else {
            body
        };
        respond(StatusCode::OK, &mime, body, csp)
    }
}

/// The file path a URL path names (percent-decoded, without the leading `/`; `index.html` for `/`), or `None` for a
/// path that must not reach the file system.
fn relative_path(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    let trimmed = decoded.trim_start_matches('/');
    if trimmed.contains(['\\', '\0']) || trimmed.split('/').any(|segment| segment == "..") {
        return None;
    }
    if trimmed.is_empty() {
        return Some("index.html".to_owned());
    }
    if trimmed.ends_with('/') {
        return Some(format!("{trimmed}index.html"));
    }
    Some(trimmed.to_owned())
}

/// Whether the last segment of `path` has an extension (`app.js`), so a miss is a missing file, not a route.
fn has_extension(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

fn not_found(csp: Option<&str>) -> Response<Cow<'static, [u8]>> {
    respond(StatusCode::NOT_FOUND, "text/plain", Cow::Borrowed(b"not found"), csp)
}

fn respond(
    status: StatusCode,
    content_type: &str,
    body: Cow<'static, [u8]>,
    csp: Option<&str>,
) -> Response<Cow<'static, [u8]>> {
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache");
    if let Some(csp) = csp {
        response = response.header(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
        .body(body)
        .expect("a response from a status, known headers and a body always builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Request<Vec<u8>> {
        Request::builder()
            .uri(format!("app://localhost{path}"))
            .body(Vec::new())
            .unwrap()
    }

    /// A `dist/` with an index, a script in a subdirectory, a stylesheet and a file with a space in its name.
    fn dist() -> (tempdir::Dir, Assets) {
        let dir = tempdir::Dir::new();
        std::fs::write(dir.path().join("index.html"), "<p>app</p>").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();
        std::fs::write(dir.path().join("style.css"), "p{}").unwrap();
        std::fs::write(dir.path().join("my file.svg"), "<svg/>").unwrap();
        let assets = Assets::dir(dir.path()).unwrap();
        (dir, assets)
    }

    fn answer(assets: &Assets, path: &str) -> (StatusCode, String, String) {
        let response = assets.serve(&get(path), Some("default-src 'self'"));
        let kind = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        assert_eq!(
            response.headers()[header::CONTENT_SECURITY_POLICY],
            "default-src 'self'"
        );
        let body = String::from_utf8_lossy(response.body()).into_owned();
        (response.status(), kind, body)
    }

    #[test]
    fn files_are_served_with_their_types() {
        let (_dir, assets) = dist();
        let html = (
            StatusCode::OK,
            "text/html; charset=utf-8".to_owned(),
            "<p>app</p>".to_owned(),
        );
        assert_eq!(answer(&assets, "/"), html);
        assert_eq!(answer(&assets, "/index.html"), html);
        assert_eq!(
            answer(&assets, "/assets/app.js"),
            (
                StatusCode::OK,
                "text/javascript; charset=utf-8".to_owned(),
                "console.log(1)".to_owned()
            )
        );
        assert_eq!(answer(&assets, "/style.css").1, "text/css; charset=utf-8");
        assert_eq!(answer(&assets, "/my%20file.svg").1, "image/svg+xml");
    }

    #[test]
    fn routes_get_the_index_and_missing_files_404() {
        let (_dir, assets) = dist();
        assert_eq!(answer(&assets, "/settings/profile").2, "<p>app</p>");
        assert_eq!(
            answer(&assets, "/assets/").2,
            "<p>app</p>",
            "a directory without an index is a route"
        );
        assert_eq!(answer(&assets, "/missing.js").0, StatusCode::NOT_FOUND);
        assert_eq!(answer(&assets, "/assets/gone.css").0, StatusCode::NOT_FOUND);
    }

    #[test]
    fn paths_out_of_the_directory_are_refused() {
        let (dir, assets) = dist();
        std::fs::write(dir.path().join("../secret.txt"), "secret").ok();
        for path in [
            "/../secret.txt",
            "/assets/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/a\\b.txt",
            "/a%00.js",
        ] {
            assert_eq!(answer(&assets, path).0, StatusCode::NOT_FOUND, "{path}");
        }
        #[cfg(unix)]
        {
            let outside = tempdir::Dir::new();
            std::fs::write(outside.path().join("leak.txt"), "leak").unwrap();
            std::os::unix::fs::symlink(outside.path().join("leak.txt"), dir.path().join("leak.txt")).unwrap();
            assert_eq!(
                answer(&assets, "/leak.txt").0,
                StatusCode::NOT_FOUND,
                "a link out of the directory"
            );
        }
    }

    #[test]
    fn only_get_and_head_are_answered() {
        let (_dir, assets) = dist();
        let post = Request::builder()
            .method(Method::POST)
            .uri("app://localhost/")
            .body(Vec::new())
            .unwrap();
        assert_eq!(assets.serve(&post, None).status(), StatusCode::METHOD_NOT_ALLOWED);
        let head = Request::builder()
            .method(Method::HEAD)
            .uri("app://localhost/")
            .body(Vec::new())
            .unwrap();
        let response = assets.serve(&head, None);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.body().is_empty());
    }

    #[test]
    fn a_wrong_directory_is_an_error_naming_it() {
        let missing = Assets::dir("/no/such/dist").unwrap_err().to_string();
        assert!(
            missing.contains("/no/such/dist") && missing.contains("not a directory"),
            "{missing}"
        );
        let empty = tempdir::Dir::new();
        let without_index = Assets::dir(empty.path()).unwrap_err().to_string();
        assert!(without_index.contains("no index.html"), "{without_index}");
    }

    #[cfg(feature = "embed")]
    #[test]
    fn an_embedded_front_end_is_served_like_a_directory() {
        #[derive(rust_embed::RustEmbed)]
        #[folder = "../tests/e2e/assets"]
        struct Dist;
        #[derive(rust_embed::RustEmbed)]
        #[folder = "src"]
        struct NoIndex;

        let assets = Assets::embedded::<Dist>().unwrap();
        let (status, kind, body) = answer(&assets, "/nested/app.js");
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::OK, "text/javascript; charset=utf-8")
        );
        assert!(body.contains("window.__assets"));
        assert!(answer(&assets, "/a/route").2.contains("built front end"));
        assert_eq!(answer(&assets, "/nested/missing.js").0, StatusCode::NOT_FOUND);
        let error = Assets::embedded::<NoIndex>().unwrap_err().to_string();
        assert!(error.contains("NoIndex") && error.contains("no index.html"), "{error}");
    }

    #[test]
    fn a_page_is_served_at_the_root_only() {
        let page = Assets::page(Arc::from("<p>hi</p>"));
        assert_eq!(page.serve(&get("/"), None).status(), StatusCode::OK);
        assert_eq!(page.serve(&get("/index.html"), None).status(), StatusCode::OK);
        assert_eq!(page.serve(&get("/route"), None).status(), StatusCode::NOT_FOUND);
    }

    /// A fresh empty directory, removed on drop.
    mod tempdir {
        pub(super) struct Dir(std::path::PathBuf);

        impl Dir {
            pub(super) fn new() -> Dir {
                let path = std::env::temp_dir().join(format!("ipc-assets-{}", ipc_core::transport::new_secret()));
                std::fs::create_dir_all(path.join("inner")).unwrap();
                Dir(path.join("inner"))
            }

            pub(super) fn path(&self) -> &std::path::Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
            }
        }
    }
}
