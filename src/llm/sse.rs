//! Server-sent events, incrementally: bytes in as they arrive, whole events out. Handles `\n`,
//! `\r\n` and `\r` line ends, multi-line `data:`, comments and events split across chunks.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; empty means "message".
    pub event: String,
    pub data: String,
}

/// The longest line and the largest event accepted: far above any provider's real events
/// (even a Responses API `response.completed` carrying the whole answer), far below what would
/// hurt the server. A stream that goes beyond is broken or hostile and ends with an error.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
pub const MAX_EVENT: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("the stream sent a line longer than {MAX_LINE} bytes")]
    LineTooLong,
    #[error("the stream sent an event larger than {MAX_EVENT} bytes")]
    EventTooLarge,
}

#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
    /// How much of `buf` has been searched for a line end already: each byte is looked at once,
    /// so a long line arriving in small pieces costs linear time, not quadratic.
    scanned: usize,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk; returns the events it completed, or why the stream cannot be read.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        let mut i = self.scanned;
        while i < self.buf.len() {
            let Some(offset) = self.buf[i..].iter().position(|b| *b == b'\n' || *b == b'\r') else {
                i = self.buf.len();
                break;
            };
            i += offset;
            let b = self.buf[i];
            // A lone '\r' at the end may be the first half of "\r\n": wait for more.
            if b == b'\r' && i + 1 == self.buf.len() {
                break;
            }
            if i - start > MAX_LINE {
                return Err(SseError::LineTooLong);
            }
            let line = String::from_utf8_lossy(&self.buf[start..i]).into_owned();
            let skip = if b == b'\r' && self.buf.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            i += skip;
            start = i;
            if let Some(ev) = self.line(&line)? {
                out.push(ev);
            }
        }
        self.buf.drain(..start);
        self.scanned = i - start;
        if self.buf.len() > MAX_LINE {
            return Err(SseError::LineTooLong);
        }
        Ok(out)
    }

    fn line(&mut self, line: &str) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            if !self.has_data {
                self.event.clear();
                return Ok(None);
            }
            let ev = SseEvent {
                event: std::mem::take(&mut self.event),
                data: std::mem::take(&mut self.data),
            };
            self.has_data = false;
            return Ok(Some(ev));
        }
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_EVENT {
                    return Err(SseError::EventTooLarge);
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
        Ok(None)
    }

    /// The event left unterminated when the stream ends (servers sometimes omit the last blank
    /// line).
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buf.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
            self.scanned = 0;
            // A trailing line end held back (a lone '\r' may start "\r\n") can be the blank
            // line that completes the last event.
            if let Ok(Some(ev)) = self.line(rest.trim_end_matches(['\r', '\n'])) {
                return Some(ev);
            }
        }
        self.line("").ok().flatten()
    }
}

/// What reading a streamed response produced next.
pub enum Read {
    /// Events completed by the latest bytes (possibly none).
    Events(Vec<SseEvent>),
    /// The body ended; the last, unterminated event if there was one.
    Ended(Option<SseEvent>),
    /// Nothing arrived within the inter-chunk limit, or the connection broke.
    Failed(super::LlmError),
}

/// An SSE response body read with the inter-chunk inactivity limit.
pub struct SseReader {
    resp: reqwest::Response,
    parser: SseParser,
    chunk_timeout: std::time::Duration,
}

impl SseReader {
    pub fn new(resp: reqwest::Response, chunk_timeout: std::time::Duration) -> Self {
        SseReader {
            resp,
            parser: SseParser::new(),
            chunk_timeout,
        }
    }

    pub async fn next(&mut self) -> Read {
        use super::{ErrorClass, LlmError};
        match tokio::time::timeout(self.chunk_timeout, self.resp.chunk()).await {
            Err(_) => Read::Failed(LlmError::new(
                ErrorClass::Timeout,
                format!("no data for {}s while streaming", self.chunk_timeout.as_secs()),
            )),
            Ok(Err(e)) => Read::Failed(LlmError::new(
                ErrorClass::Unavailable,
                format!("the stream broke: {}", e.without_url()),
            )),
            Ok(Ok(None)) => Read::Ended(self.parser.finish()),
            Ok(Ok(Some(bytes))) => match self.parser.push(&bytes) {
                Ok(events) => Read::Events(events),
                Err(e) => Read::Failed(LlmError::new(ErrorClass::Malformed, e.to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let text = "event: a\r\ndata: one\r\ndata: two\r\n\r\n: comment\n\ndata:{\"x\":1}\n\ndata: tail";
        for split in 0..text.len() {
            let mut p = SseParser::new();
            let mut got = p.push(&text.as_bytes()[..split]).unwrap();
            got.extend(p.push(&text.as_bytes()[split..]).unwrap());
            got.extend(p.finish());
            assert_eq!(
                got,
                vec![
                    SseEvent {
                        event: "a".into(),
                        data: "one\ntwo".into()
                    },
                    SseEvent {
                        event: String::new(),
                        data: "{\"x\":1}".into()
                    },
                    SseEvent {
                        event: String::new(),
                        data: "tail".into()
                    },
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_huge_line_fails_instead_of_growing_without_end() {
        let mut p = SseParser::new();
        let piece = vec![b'x'; 1024 * 1024];
        let mut failed = None;
        for n in 0..(MAX_LINE / piece.len() + 2) {
            if let Err(e) = p.push(&piece) {
                failed = Some((n, e));
                break;
            }
        }
        assert!(matches!(failed, Some((_, SseError::LineTooLong))), "{failed:?}");
    }

    #[test]
    fn an_event_of_many_data_lines_is_capped() {
        let mut p = SseParser::new();
        let line = format!("data: {}\n", "y".repeat(1024 * 1024));
        let mut result = Ok(Vec::new());
        for _ in 0..(MAX_EVENT / (1024 * 1024) + 2) {
            result = p.push(line.as_bytes());
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::EventTooLarge));
    }
}
