//! What a client can make the server hold is bounded: the time to send a
//! request head (and to sit idle between requests), connections, requests
//! in flight. Plain HTTP/1.1 over raw sockets, as a misbehaving client
//! would speak it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::server::{Server, data_file};

fn connect(server: &Server) -> TcpStream {
    let address = server.base.strip_prefix("http://").unwrap();
    let stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection (or the read timeout);
/// returns what was read and whether it was a close.
fn read_to_close(stream: &mut TcpStream) -> (String, bool) {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&all).into_owned(), true),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&all).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&all).into_owned(), false),
        }
    }
}

/// Reads one response head and its `Content-Length` body.
fn read_response(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("a response");
        assert!(n > 0, "closed before a response");
        all.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&all).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if all.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

/// A public request (the OpenAPI document needs no credentials).
const GET: &[u8] = b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn an_unfinished_or_idle_request_head_is_cut_off() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--header-timeout", "1"]);

    // Half a request head, then silence.
    let mut stream = connect(&server);
    let started = Instant::now();
    stream
        .write_all(b"GET /v1/fleets HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let (_, closed) = read_to_close(&mut stream);
    assert!(closed, "still open after {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A whole request is answered; then the idle connection is closed.
    let mut stream = connect(&server);
    stream.write_all(GET).unwrap();
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 200"));
    let idle = Instant::now();
    let (rest, closed) = read_to_close(&mut stream);
    assert!(closed && rest.is_empty(), "{rest:?}");
    assert!(idle.elapsed() < Duration::from_secs(5));
    assert_eq!(server.terminate().code(), Some(0));
}

/// Heads the HTTP parser refuses before any handler runs are answered in
/// the spec's error format, and the connection is closed. (Its 414, for a
/// URI over 64 KiB that still fits the 64 KiB read buffer, is all but
/// unreachable from outside; the unit tests cover it.)
#[test]
fn unparseable_request_heads_get_the_error_format() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &[]);
    let long_uri = format!(
        "GET /v0/events?types={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "fleet.created,".repeat(5_000)
    );
    let cases = [
        (long_uri.as_bytes(), "431", "HEADERS_TOO_LARGE"),
        (
            &b"GET /v1/openapi.json HTTP/1.1\r\nHost x\r\n\r\n"[..],
            "400",
            "INVALID_REQUEST",
        ),
    ];
    for (request, status, code) in cases {
        let mut stream = connect(&server);
        // The server may answer (and close) before it has read it all.
        let _ = stream.write_all(request);
        let (answer, closed) = read_to_close(&mut stream);
        assert!(closed, "{code}: left open");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
        let body: serde_json::Value = serde_json::from_str(body).expect(body);
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // The server is unharmed.
    let mut stream = connect(&server);
    stream.write_all(GET).unwrap();
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 200"));
    assert_eq!(server.terminate().code(), Some(0));
}

/// An answer given before the request's body was read (here: a bad key)
/// says `Connection: close` and the connection closes; an answer after
/// the body was read (here: an invalid fleet) keeps it open.
#[test]
fn an_answer_before_the_body_was_read_closes_the_connection_and_says_so() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &[]);
    let body = r#"{"name":"x","capacity":0,"instance_type":"t3.medium"}"#;
    let post = |bearer: &str| {
        format!(
            "POST /v1/fleets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let mut stream = connect(&server);
    stream.write_all(post(&server.key).as_bytes()).unwrap();
    let answer = read_response(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    // The same connection serves the next request.
    stream.write_all(post("cdb_not_a_key").as_bytes()).unwrap();
    let (answer, closed) = read_to_close(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("\r\nconnection: close\r\n"),
        "{answer}"
    );
    assert!(closed);
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn connections_beyond_the_cap_wait_to_be_accepted() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--max-connections", "2"]);
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    for stream in &mut held {
        stream.write_all(GET).unwrap();
        assert!(read_response(stream).starts_with("HTTP/1.1 200"));
    }
    // The third is not served while two are open…
    let mut third = connect(&server);
    third
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    third.write_all(GET).unwrap();
    let mut buf = [0u8; 16];
    assert!(third.read(&mut buf).is_err(), "served beyond the cap");
    // …and is served as soon as one closes.
    drop(held.pop());
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(read_response(&mut third).starts_with("HTTP/1.1 200"));
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn requests_beyond_the_in_flight_cap_get_503_with_retry_after() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--max-in-flight", "1"]);
    // A create whose body never finishes keeps one request in flight.
    let mut slow = connect(&server);
    write!(
        slow,
        "POST /v1/fleets HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        server.bearer()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut other = connect(&server);
    other.write_all(GET).unwrap();
    let refused = read_response(&mut other);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1\r\n"),
        "{refused}"
    );
    assert!(refused.contains(r#""code":"UNAVAILABLE""#), "{refused}");
    // Like every response, the refusal carries its request id.
    assert!(
        refused.to_ascii_lowercase().contains("x-request-id: "),
        "{refused}"
    );
    // Once it is gone, requests are served again.
    drop(slow);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut stream = connect(&server);
        stream.write_all(GET).unwrap();
        if read_response(&mut stream).starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "never served again");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.terminate().code(), Some(0));
}
