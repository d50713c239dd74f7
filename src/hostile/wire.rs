//! Just enough HTTP/1.1 to be wrong on purpose: a bounded request reader and a writer that
//! counts what it sends. Hand-written on purpose: a real HTTP library would refuse to send
//! most of what the hostile modes send.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::model::wire::{ErrorType, LocalizableMessage, VapiError};

/// A request head larger than this ends the connection (a client that never stops sending
/// headers must not grow the buffer without limit).
const MAX_HEAD: usize = 64 * 1024;
/// A request body larger than this ends the connection.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How much is read from the socket at a time.
const READ_CHUNK: usize = 8 * 1024;

/// What the server has seen and sent, shared by every connection of one server.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    pub bytes_sent: AtomicU64,
}

/// The parts of a request the hostile modes look at.
#[derive(Debug, Clone)]
pub(super) struct Request {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// 0 for the first request this server read, counted across connections.
    pub seq: u64,
}

impl Request {
    pub(super) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// One connection, with the bytes read past the last request.
pub(super) struct Peer<S> {
    stream: S,
    buf: Vec<u8>,
    stats: Arc<Stats>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Peer<S> {
    pub(super) fn new(stream: S, stats: Arc<Stats>) -> Self {
        Peer {
            stream,
            buf: Vec::new(),
            stats,
        }
    }

    pub(super) fn into_inner(self) -> S {
        self.stream
    }

    /// Reads the next request head and discards its body. `None` when the client closed the
    /// connection between requests.
    pub(super) async fn read_request(&mut self) -> io::Result<Option<Request>> {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("request head too large"));
            }
            if self.fill().await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end);
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split_whitespace();
        let method = first.next().unwrap_or("").to_owned();
        let target = first.next().unwrap_or("").to_owned();
        let mut length = 0usize;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim().to_ascii_lowercase();
            if name == "transfer-encoding" {
                // The runner always sends a Content-Length; chunked uploads are not worth
                // decoding here.
                return Err(invalid("chunked request bodies are not supported"));
            }
            if name == "content-length" {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("bad Content-Length"))?;
            }
        }
        if length > MAX_REQUEST_BODY {
            return Err(invalid("request body too large"));
        }
        while self.buf.len() < length {
            if self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        self.buf.drain(..length);
        let seq = self.stats.requests.fetch_add(1, Ordering::Relaxed);
        Ok(Some(Request {
            method,
            target,
            seq,
        }))
    }

    /// Reads and throws away everything until the client closes. The buffer stays one chunk.
    pub(super) async fn drain_until_eof(&mut self) -> io::Result<()> {
        let mut scratch = [0u8; READ_CHUNK];
        while self.stream.read(&mut scratch).await? > 0 {}
        Ok(())
    }

    /// Writes all of `bytes` and flushes, counting them.
    pub(super) async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await?;
        self.stats
            .bytes_sent
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Ends the connection cleanly (FIN, or close_notify under TLS).
    pub(super) async fn close(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    async fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; READ_CHUNK];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_owned())
}

/// A status line and headers, ending with the blank line. `Content-Length` is whatever the
/// caller says, which is the point: the body that follows may not match it.
pub(super) fn head(status: u16, reason: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        s.push_str(&format!("{name}: {value}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// A well-formed response with a JSON body (keep-alive).
pub(super) fn json_response(status: u16, reason: &str, body: &str) -> Vec<u8> {
    let mut out = head(
        status,
        reason,
        &[
            ("Content-Type", "application/json".into()),
            ("Content-Length", body.len().to_string()),
        ],
    );
    out.extend_from_slice(body.as_bytes());
    out
}

/// A well-formed vAPI error response.
pub(super) fn vapi_error(error_type: ErrorType, id: &str, message: &str, args: &[&str]) -> Vec<u8> {
    let body = VapiError::new(error_type, LocalizableMessage::new(id, message, args));
    let text = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
    let status = error_type.vapi_status();
    json_response(status, reason(status), &text)
}

pub(super) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}
