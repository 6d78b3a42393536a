//! Hyper answers an HTTP/1 request head it cannot parse — a URI longer
//! than 64 KiB (414), a head larger than the read buffer (431), a
//! malformed request line or header (400) — by itself, before any service
//! runs, with an empty body. [`ErrorBodies`] wraps a connection's stream
//! and gives exactly those answers the spec's error format: it recognises
//! hyper's automatic head (one of those statuses, `content-length: 0`, no
//! body, written as one buffer) and writes the same head with a JSON body
//! in its place. Everything else passes through untouched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream whose automatic parse-error answers carry a JSON body.
pub struct ErrorBodies<S> {
    inner: S,
    /// A replacement answer not yet fully written, and how much of it was.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> ErrorBodies<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        ErrorBodies {
            inner,
            pending: None,
        }
    }
}

/// The code and message of each status hyper answers by itself.
fn error_for(status: &[u8]) -> Option<(&'static str, &'static str)> {
    Some(match status {
        b"400" => ("INVALID_REQUEST", "the request head is not valid HTTP/1.1"),
        b"414" => (
            "URI_TOO_LONG",
            "the request URI is longer than the server accepts (64 KiB)",
        ),
        b"431" => (
            "HEADERS_TOO_LARGE",
            "the request head is larger than the server accepts (64 KiB)",
        ),
        _ => return None,
    })
}

/// The replacement for `written` if it is one of hyper's automatic
/// answers: the same status line and headers, `Content-Type:
/// application/json`, `Connection: close` (hyper closes the connection
/// after it), and the error body.
fn replacement(written: &[u8]) -> Option<Vec<u8>> {
    let head = written.strip_suffix(b"\r\n\r\n")?;
    let rest = head.strip_prefix(b"HTTP/1.1 ")?;
    let (code, message) = error_for(rest.get(..3)?)?;
    let mut lines = head.split(|&b| b == b'\n').map(|l| l.trim_ascii_end());
    let status_line = lines.next()?;
    let headers: Vec<&[u8]> = lines.collect();
    let empty = headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case(b"content-length: 0"));
    if !empty || headers.iter().any(|h| h.is_empty()) {
        return None;
    }
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    let mut out = Vec::with_capacity(written.len() + body.len() + 96);
    out.extend_from_slice(status_line);
    out.extend_from_slice(b"\r\n");
    for header in headers {
        let lower = header.to_ascii_lowercase();
        if lower.starts_with(b"content-length:") || lower.starts_with(b"connection:") {
            continue;
        }
        out.extend_from_slice(header);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"content-type: application/json\r\nconnection: close\r\n");
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

impl<S: AsyncWrite + Unpin> ErrorBodies<S> {
    /// Writes what is left of a replacement answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = self.pending.as_mut() {
            if *done == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ErrorBodies<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ErrorBodies<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(answer) = replacement(buf) {
            this.pending = Some((answer, 0));
            // Written as far as the peer takes it now; flush and shutdown
            // write the rest.
            if let Poll::Ready(Err(err)) = this.poll_pending(cx) {
                return Poll::Ready(Err(err));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && replacement(only).is_some()
        {
            return Pin::new(this).poll_write(cx, only);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_automatic_answers_get_a_json_body() {
        let head = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 07:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(head).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains("\r\ndate: Mon, 07 Dec 2026"));
        assert!(head.contains("\r\ncontent-type: application/json"));
        assert!(head.contains("\r\nconnection: close"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        assert!(!head.contains("content-length: 0"));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], "URI_TOO_LONG");
        for (status, code) in [
            ("400 Bad Request", "INVALID_REQUEST"),
            ("431 Request Header Fields Too Large", "HEADERS_TOO_LARGE"),
        ] {
            let head = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
            let out = String::from_utf8(replacement(head.as_bytes()).unwrap()).unwrap();
            assert!(out.contains(&format!("\"code\":\"{code}\"")), "{out}");
        }
    }

    #[test]
    fn ordinary_answers_pass_untouched() {
        for written in [
            // A handler's 400 carries its own body.
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"[..],
            // Another status, even with an empty body.
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            // A 414 head without the empty body hyper writes.
            b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 5\r\n\r\n",
            // Part of a body that happens to look like a head.
            b"xHTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n",
        ] {
            assert!(replacement(written).is_none(), "{}", String::from_utf8_lossy(written));
        }
    }

    #[tokio::test]
    async fn a_replacement_is_written_whole_through_a_slow_peer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // A pipe that takes 7 bytes at a time.
        let (client, server) = tokio::io::duplex(7);
        let mut wrapped = ErrorBodies::new(server);
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        let writer = tokio::spawn(async move {
            wrapped.write_all(head).await.unwrap();
            wrapped.shutdown().await.unwrap();
        });
        let mut received = String::new();
        let mut client = client;
        client.read_to_string(&mut received).await.unwrap();
        writer.await.unwrap();
        assert!(received.ends_with("}}"), "{received}");
        assert!(received.contains("HEADERS_TOO_LARGE"));
    }
}
