//! Streaming a response body out through a transport, shared by net/rpc and gRPC: data in
//! bounded chunks, and a flush whenever the producer pauses, so a streamed answer reaches the
//! user as it is written while a fast one is not slowed by a flush per chunk.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;

use crate::host::HttpBody;

pub enum BodyEvent {
    Data(Bytes),
    Flush,
}

/// Feeds `body` to `sink` until it ends, the sink fails, or the body fails (which is logged:
/// what was sent stays sent).
pub async fn drive_body<E>(
    mut body: HttpBody,
    chunk: usize,
    sink: &mut (dyn BodySink<Error = E> + Send),
) -> Result<(), E> {
    loop {
        let frame = match tokio::time::timeout(Duration::ZERO, body.frame()).await {
            Ok(f) => f,
            Err(_) => {
                sink.send(BodyEvent::Flush).await?;
                body.frame().await
            }
        };
        let frame = match frame {
            None => return Ok(()),
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "response body failed mid-stream");
                return Ok(());
            }
        };
        if let Ok(mut data) = frame.into_data() {
            while !data.is_empty() {
                let piece = data.split_to(data.len().min(chunk));
                sink.send(BodyEvent::Data(piece)).await?;
            }
        }
    }
}

/// Where `drive_body` sends its events.
#[async_trait::async_trait]
pub trait BodySink {
    type Error;
    async fn send(&mut self, event: BodyEvent) -> Result<(), Self::Error>;
}

/// A request body fed by a transport task, chunk by chunk, as the handler reads it.
pub fn channel_body(rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>) -> HttpBody {
    HttpBody::new(ChannelBody { rx })
}

struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|o| o.map(|r| r.map(http_body::Frame::data)))
    }
}

/// Go's `http.CanonicalHeaderKey`, so a Go host's header map holds the keys Go code expects.
pub fn canonical_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_header("content-type"), "Content-Type");
        assert_eq!(canonical_header("x-request-id"), "X-Request-Id");
    }
}
