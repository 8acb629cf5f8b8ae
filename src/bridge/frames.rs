//! The streamed answer's frames, exactly as upstream writes them: `data: <json>\n\n` where the
//! JSON is Go's encoding of `llm.TextStreamEvent` (keys `Type` and `Value`, no tags). Every
//! frame stays well under the 64 KiB line the Go client's scanner reads: long text is split.

use bytes::Bytes;
use serde_json::{Value, json};

/// `llm.EventType` values.
pub const TEXT: u8 = 0;
pub const END: u8 = 1;
pub const ERROR: u8 = 2;
pub const USAGE: u8 = 7;

/// The Go client's `bufio.Scanner` refuses longer lines.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Bytes of escaped text one frame carries, far below the line limit.
const TEXT_BUDGET: usize = 16 * 1024;

pub fn frame(kind: u8, value: Value) -> Bytes {
    let event = json!({"Type": kind, "Value": value});
    Bytes::from(format!("data: {event}\n\n"))
}

pub fn end() -> Bytes {
    frame(END, Value::Null)
}

pub fn error(message: &str) -> Bytes {
    frame(ERROR, Value::String(message.to_owned()))
}

pub fn usage(input_tokens: u64, output_tokens: u64) -> Bytes {
    frame(
        USAGE,
        json!({"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}),
    )
}

/// `text` as one or more text frames, split on character boundaries so no frame's JSON
/// exceeds the budget (escapes counted: a control character costs six bytes).
pub fn text(text: &str) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut cost = 0;
    for (i, c) in text.char_indices() {
        let n = escaped_len(c);
        if cost + n > TEXT_BUDGET && i > start {
            out.push(frame(TEXT, Value::String(text[start..i].to_owned())));
            start = i;
            cost = 0;
        }
        cost += n;
    }
    if start < text.len() {
        out.push(frame(TEXT, Value::String(text[start..].to_owned())));
    }
    out
}

fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_gos_text_stream_events() {
        assert_eq!(&end()[..], b"data: {\"Type\":1,\"Value\":null}\n\n");
        assert_eq!(&error("boom")[..], b"data: {\"Type\":2,\"Value\":\"boom\"}\n\n");
        assert_eq!(text("hi").len(), 1);
        assert!(text("").is_empty());
    }

    #[test]
    fn long_and_escaped_text_is_split_below_the_line_limit() {
        for s in [
            "a".repeat(300_000),
            "\u{1}".repeat(100_000),
            "é\"\n".repeat(50_000),
            "😀".repeat(40_000),
        ] {
            let frames = text(&s);
            assert!(frames.len() > 1);
            let mut joined = String::new();
            for f in &frames {
                assert!(f.len() < MAX_LINE_BYTES, "a frame of {} bytes", f.len());
                let line = std::str::from_utf8(f).unwrap();
                let v: Value = serde_json::from_str(line.strip_prefix("data: ").unwrap().trim_end()).unwrap();
                joined.push_str(v["Value"].as_str().unwrap());
            }
            assert_eq!(joined, s);
        }
    }
}
