//! `ServeHTTP` over net/rpc: the request body is pulled from the host on a broker stream, the
//! response goes back through the host's `http.ResponseWriter` served on another.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use goplugin::MuxBroker;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use super::wire::{Empty, GobHttpRequest};
use crate::host::{HttpBody, HttpRequest, HttpResponse};
use crate::transport::body::{BodyEvent, BodySink, canonical_header, channel_body, drive_body};
use crate::transport::request::forwarded_request;

/// How much the plugin asks the host for per pull, and the largest `Write` it sends.
const CHUNK: usize = 64 * 1024;

/// Whether the server offers `Plugin.Flush` (Mattermost added it in late 2025); learnt from the
/// first refusal and remembered for the life of the process.
static FLUSH_SUPPORTED: AtomicBool = AtomicBool::new(true);

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("request has no URL")]
    NoUrl,
    #[error("bad request line: {0}")]
    BadRequest(String),
    #[error("response writer: {0}")]
    Writer(String),
    #[error("broker: {0}")]
    Broker(String),
}

/// Turns the forwarded request into an `http::Request` whose body streams from the host.
pub async fn build_request(
    broker: &MuxBroker,
    req: GobHttpRequest,
    body_stream: u32,
) -> Result<HttpRequest, BridgeError> {
    let url = req.url.ok_or(BridgeError::NoUrl)?;
    let url = String::from_utf8(url.0).map_err(|_| BridgeError::BadRequest("URL is not UTF-8".into()))?;
    let body = if body_stream == 0 {
        HttpBody::empty()
    } else {
        let stream = broker
            .dial(body_stream)
            .await
            .map_err(|e| BridgeError::Broker(e.to_string()))?;
        pull_body(stream)
    };
    let headers = req.header.iter().map(|(k, v)| (k.as_str(), v.as_slice()));
    forwarded_request(
        &req.method,
        &url,
        (req.proto_major, req.proto_minor),
        headers,
        &req.host,
        body,
    )
    .map_err(BridgeError::BadRequest)
}

/// The host's pull protocol: the plugin writes a signed varint (Go's `binary.PutVarint`) with
/// the number of bytes it wants, the host copies up to that many and closes the stream at EOF.
fn pull_body(mut stream: goplugin::yamux::Stream) -> HttpBody {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        let mut buf = vec![0u8; CHUNK];
        'outer: loop {
            let mut varint = [0u8; 10];
            let n = put_varint(&mut varint, CHUNK as i64);
            if let Err(e) = stream.write_all(&varint[..n]).await {
                // The host closes the stream as soon as the body is exhausted.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    tracing::debug!(error = %e, "request body: asking for more");
                }
                break;
            }
            let mut got = 0;
            while got < CHUNK {
                match stream.read(&mut buf[..CHUNK - got]).await {
                    Ok(0) => break 'outer,
                    Ok(k) => {
                        got += k;
                        if tx.send(Ok(Bytes::copy_from_slice(&buf[..k]))).await.is_err() {
                            break 'outer; // the handler dropped the body
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        break 'outer;
                    }
                }
            }
        }
        let _ = stream.shutdown().await;
    });
    channel_body(rx)
}

/// Go's `binary.PutVarint`: zig-zag, then base-128 little-endian groups.
pub fn put_varint(buf: &mut [u8; 10], v: i64) -> usize {
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    let mut i = 0;
    while u >= 0x80 {
        buf[i] = (u as u8) | 0x80;
        u >>= 7;
        i += 1;
    }
    buf[i] = u as u8;
    i + 1
}

/// Sends the response through the host's ResponseWriter: headers, status, then the body in
/// chunks, flushing whenever the producer pauses so streamed answers reach the user live.
pub async fn write_response(writer: &go_netrpc::Client, response: HttpResponse) -> Result<(), BridgeError> {
    let (parts, body) = response.into_parts();
    let mut header: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            header
                .entry(canonical_header(name.as_str()))
                .or_default()
                .push(v.to_owned());
        }
    }
    call(writer, "Plugin.SyncHeader", &header).await?;
    call(writer, "Plugin.WriteHeader", &i64::from(parts.status.as_u16())).await?;
    let mut sink = WriterSink {
        writer,
        flush_ok: FLUSH_SUPPORTED.load(Ordering::Relaxed),
    };
    drive_body(body, CHUNK, &mut sink).await
}

struct WriterSink<'a> {
    writer: &'a go_netrpc::Client,
    flush_ok: bool,
}

#[async_trait::async_trait]
impl BodySink for WriterSink<'_> {
    type Error = BridgeError;

    async fn send(&mut self, event: BodyEvent) -> Result<(), BridgeError> {
        match event {
            BodyEvent::Data(d) => call(self.writer, "Plugin.Write", &d.to_vec()).await,
            BodyEvent::Flush => {
                if self.flush_ok {
                    self.flush_ok = flush(self.writer).await;
                }
                Ok(())
            }
        }
    }
}

async fn flush(writer: &go_netrpc::Client) -> bool {
    match writer.call::<_, Empty>("Plugin.Flush", &Empty {}).await {
        Ok(_) => true,
        Err(go_netrpc::Error::Server(msg)) if msg.contains("can't find method") => {
            FLUSH_SUPPORTED.store(false, Ordering::Relaxed);
            false
        }
        Err(e) => {
            tracing::debug!(error = %e, "flush failed");
            false
        }
    }
}

async fn call<A: gobwire::Encode + Sync + ?Sized>(
    writer: &go_netrpc::Client,
    method: &str,
    arg: &A,
) -> Result<(), BridgeError> {
    writer
        .call::<A, Empty>(method, arg)
        .await
        .map(|_| ())
        .map_err(|e| BridgeError::Writer(format!("{method}: {e}")))
}

/// A plain response for failures before the handler ran.
pub fn error_response(status: http::StatusCode, message: &str) -> HttpResponse {
    let mut r = http::Response::new(HttpBody::from(format!("{message}\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_matches_go() {
        // binary.PutVarint(buf, 65536) == [0x80, 0x80, 0x08]; PutVarint(1) == [0x02].
        let mut b = [0u8; 10];
        let n = put_varint(&mut b, 65536);
        assert_eq!(&b[..n], &[0x80, 0x80, 0x08]);
        let n = put_varint(&mut b, 1);
        assert_eq!(&b[..n], &[0x02]);
    }
}
