//! The web console (`/ui`): plain ES modules and a stylesheet embedded in
//! the binary (`api/ui/`), served with a strict Content-Security-Policy.
//! The console is one more client of the public API: it has no endpoint of
//! its own, and its pages are public (the API authorizes each call).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::rest::error::ApiError;

/// One embedded file.
struct Asset {
    /// Below `/ui/`.
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $type:literal,)*) => {
        &[$(Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!("../ui/", $path)),
        },)*]
    };
}

/// Every file the console serves.
const ASSETS: &[Asset] = assets! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/app.js" => "text/javascript; charset=utf-8",
    "js/components.js" => "text/javascript; charset=utf-8",
    "js/diff.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/views/events.js" => "text/javascript; charset=utf-8",
    "js/views/fleets.js" => "text/javascript; charset=utf-8",
    "js/views/functions.js" => "text/javascript; charset=utf-8",
    "js/views/identity.js" => "text/javascript; charset=utf-8",
    "js/views/mesh.js" => "text/javascript; charset=utf-8",
    "js/views/monitoring.js" => "text/javascript; charset=utf-8",
    "js/views/overview.js" => "text/javascript; charset=utf-8",
    "js/views/webhooks.js" => "text/javascript; charset=utf-8",
    "vendor/js-yaml.mjs" => "text/javascript; charset=utf-8",
    "vendor/uplot.mjs" => "text/javascript; charset=utf-8",
    "vendor/uplot.css" => "text/css; charset=utf-8",
};

/// Scripts, styles, fonts, images and API calls from this origin only; no
/// inline script or style, no framing, no forms posting elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The console's routes: `/ui` (and `/ui/`) is the page, `/ui/{path}` its
/// files.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/ui", get(|| async { serve("index.html") }))
        .route("/ui/", get(|| async { serve("index.html") }))
        .route(
            "/ui/{*path}",
            get(|Path(path): Path<String>| async move { serve(&path) }),
        )
}

/// Whether `path` is the console's (served without credentials).
pub fn is_console(path: &str) -> bool {
    path == "/ui" || path.starts_with("/ui/")
}

fn serve(path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such file in the console",
        )
        .into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The files change with the binary: revalidate each load.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `api/ui` is served (but the scripts that test it
    /// and fetch the vendor files, and the licences), so a new module
    /// cannot be forgotten.
    #[test]
    fn every_console_file_is_served() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, found);
                } else {
                    let relative = path
                        .strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    found.push(relative.replace('\\', "/"));
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut found = Vec::new();
        walk(&base, &base, &mut found);
        let served: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        for file in found {
            let tooling =
                ["vendor/update", "test"].contains(&file.as_str()) || file.starts_with("tests/");
            if tooling || file.ends_with(".LICENSE") {
                continue;
            }
            assert!(served.contains(&file.as_str()), "{file} is not served");
        }
    }

    #[test]
    fn pages_carry_the_security_headers_and_strangers_are_404() {
        let page = serve("index.html");
        assert_eq!(page.status(), StatusCode::OK);
        let headers = page.headers();
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert_eq!(serve("js/../index.html").status(), StatusCode::NOT_FOUND);
        assert_eq!(serve("nope.js").status(), StatusCode::NOT_FOUND);
    }
}
