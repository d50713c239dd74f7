//! What each hostile mode does on one connection.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use super::mode::HostileMode;
use super::wire::{Peer, Request, head, json_response, reason, vapi_error};
use crate::model::wire::ErrorType;

/// The size the huge-body mode announces and sends (if anyone reads that far).
pub const HUGE_BODY_BYTES: u64 = 100 * 1024 * 1024;
/// How many body bytes the truncated mode sends of the 500 it announces.
const TRUNCATED_SENT: usize = 20;
/// The service id vAPI task ids end with for this operation (`restore-api.md` section 3).
const TASK_SERVICE: &str = "com.vmware.snapservice.clusters.virtual_machines";

/// How a connection ends after its mode is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// A clean close (FIN).
    Close,
    /// An abortive close (RST), where the transport allows it.
    Abort,
}

/// Runs `mode` on one connection until it is done, the client goes away, or an I/O error.
pub(super) async fn serve<S>(mode: HostileMode, peer: &mut Peer<S>) -> io::Result<Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if mode == HostileMode::Silent {
        // Reading (and dropping) keeps the socket's receive buffer empty and notices when the
        // client gives up, so a silent connection does not outlive its client.
        peer.drain_until_eof().await?;
        return Ok(Ending::Close);
    }
    match mode {
        HostileMode::UnresolvableTask | HostileMode::BadTls => {
            while let Some(req) = peer.read_request().await? {
                peer.send(&vcenter_answer(&req)).await?;
            }
            return Ok(Ending::Close);
        }
        HostileMode::HtmlErrors => {
            while peer.read_request().await?.is_some() {
                peer.send(&html_error()).await?;
            }
            return Ok(Ending::Close);
        }
        _ => {}
    }
    // The remaining modes answer one request and end the connection.
    let Some(req) = peer.read_request().await? else {
        return Ok(Ending::Close);
    };
    match mode {
        HostileMode::Garbage => {
            peer.send(&garbage(req.seq, 512)).await?;
            Ok(Ending::Close)
        }
        HostileMode::Truncated => {
            let mut out = head(
                400,
                "Bad Request",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Content-Length", "500".into()),
                ],
            );
            out.extend_from_slice(&br#"{"error_type":"INVALID_ARGUMENT"}"#[..TRUNCATED_SENT]);
            peer.send(&out).await?;
            Ok(Ending::Close)
        }
        HostileMode::Reset => {
            peer.send(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n")
                .await?;
            // Give the partial head time to reach the client before the RST overtakes it.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Ending::Abort)
        }
        HostileMode::SlowDrip => {
            let whole = json_response(202, "Accepted", &task_id_json(req.seq));
            for byte in whole.chunks(1) {
                peer.send(byte).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(Ending::Close)
        }
        HostileMode::HugeBody => {
            send_huge_body(peer).await?;
            Ok(Ending::Close)
        }
        HostileMode::WrongLength => {
            peer.send(&wrong_length(req.seq)).await?;
            Ok(Ending::Close)
        }
        HostileMode::Silent
        | HostileMode::UnresolvableTask
        | HostileMode::BadTls
        | HostileMode::HtmlErrors => Ok(Ending::Close),
    }
}

/// The plausible vCenter of `unresolvable-task`: sessions and restores work, tasks never exist.
fn vcenter_answer(req: &Request) -> Vec<u8> {
    let path = req.path();
    let is_task_get = req.method == "GET"
        && (path.starts_with("/api/cis/tasks/") || path.starts_with("/api/snapservice/tasks/"));
    if req.method == "POST" && path == "/api/session" {
        json_response(201, "Created", &format!("\"hostile-session-{}\"", req.seq))
    } else if req.method == "POST"
        && path.starts_with("/api/snapservice/clusters/")
        && req.target.contains("action=restore")
    {
        json_response(202, "Accepted", &task_id_json(req.seq))
    } else if is_task_get {
        let task = path.rsplit('/').next().unwrap_or("");
        vapi_error(
            ErrorType::NotFound,
            "com.vmware.api.vcenter.cis.tasks.not_found",
            &format!("Task {task} was not found."),
            &[task],
        )
    } else {
        vapi_error(
            ErrorType::NotFound,
            "com.vmware.vapi.rest.httpNotFound",
            "Not found.",
            &[],
        )
    }
}

fn html_error() -> Vec<u8> {
    let page = "<html><head><title>500 Internal Server Error</title></head>\
                <body><h1>Internal Server Error</h1><p>Something went wrong.</p></body></html>";
    let mut out = head(
        500,
        reason(500),
        &[
            ("Content-Type", "text/html; charset=utf-8".into()),
            ("Content-Length", page.len().to_string()),
        ],
    );
    out.extend_from_slice(page.as_bytes());
    out
}

/// A task id as a JSON string, in the vAPI `<uuid>:<service>` form.
fn task_id_json(seq: u64) -> String {
    format!("\"00000000-0000-4000-8000-{seq:012x}:{TASK_SERVICE}\"")
}

/// `len` pseudo-random bytes (xorshift, seeded per request) that cannot start an HTTP
/// response: the first byte is never `H`, so a client fails on the first line, not later.
pub(super) fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    if out.first() == Some(&b'H') {
        out[0] = 0;
    }
    out
}

/// Even requests: Content-Length smaller than the body (a client reads the announced prefix).
/// Odd requests: Content-Length larger than the body, and the connection closes (a client
/// sees the body end early). `Connection: close` on both, so the extra or missing bytes never
/// leak into another exchange on a reused connection.
fn wrong_length(seq: u64) -> Vec<u8> {
    let body = task_id_json(seq);
    let announced = if seq.is_multiple_of(2) {
        body.len() / 2
    } else {
        body.len() * 2
    };
    let mut out = head(
        202,
        "Accepted",
        &[
            ("Content-Type", "application/json".into()),
            ("Content-Length", announced.to_string()),
            ("Connection", "close".into()),
        ],
    );
    out.extend_from_slice(body.as_bytes());
    out
}

/// A 202 whose body is one JSON string of `HUGE_BODY_BYTES` bytes, written from one reused
/// 64 KiB block so the server never holds more than that.
async fn send_huge_body<S>(peer: &mut Peer<S>) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const BLOCK: usize = 64 * 1024;
    let block = vec![b'a'; BLOCK];
    peer.send(&head(
        202,
        "Accepted",
        &[
            ("Content-Type", "application/json".into()),
            ("Content-Length", HUGE_BODY_BYTES.to_string()),
        ],
    ))
    .await?;
    peer.send(b"\"").await?;
    let mut left = HUGE_BODY_BYTES - 2;
    while left > 0 {
        let n = left.min(BLOCK as u64) as usize;
        peer.send(&block[..n]).await?;
        left -= n as u64;
    }
    peer.send(b"\"").await
}
