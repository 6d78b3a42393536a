//! The web console's pages on the real server: served without
//! credentials with their security headers, and gone with `--ui off`.
//! (`api/ui/test` drives the console itself in a browser.)

use crate::server::{Server, data_file, refused, serve_command};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_with_its_headers_and_turns_off() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let anonymous = reqwest::Client::new();
    for (path, kind) in [("/ui", "text/html"), ("/ui/js/app.js", "text/javascript")] {
        let page = anonymous
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let headers = page.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    // The console's data comes from the API, which still wants credentials.
    let data_call = anonymous
        .get(format!("{}/v1/auth/whoami", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(data_call.status(), 401);
    assert_eq!(server.terminate().code(), Some(0));

    let server = Server::start_with(&data, &["--ui", "off"]);
    let gone = anonymous
        .get(format!("{}/ui", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let body: serde_json::Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(server.terminate().code(), Some(0));

    let (code, stderr) = refused(serve_command(&data, &["--ui", "maybe"]));
    assert_eq!(code, Some(2), "{stderr}");
}
