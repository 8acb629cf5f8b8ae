//! `make bench`: throughput of the SSE parser and the Chat Completions event path, from bytes
//! received to events delivered, on a realistic stream (one token per event).

use std::time::Instant;

use mattermost_ai::llm::sse::SseParser;

fn stream(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..events {
        let ev = format!(
            "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} \"}},\"finish_reason\":null}}]}}\n\n"
        );
        out.extend_from_slice(ev.as_bytes());
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

fn main() {
    let events = 200_000;
    let bytes = stream(events);
    for chunk in [64usize, 1024, 16 * 1024] {
        let start = Instant::now();
        let mut parser = SseParser::new();
        let mut n = 0usize;
        let mut text = 0usize;
        for piece in bytes.chunks(chunk) {
            for ev in parser.push(piece).unwrap_or_default() {
                n += 1;
                // The provider's work per event: parse the JSON and take the delta.
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&ev.data) {
                    text += v["choices"][0]["delta"]["content"].as_str().map_or(0, str::len);
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "sse+json, {chunk:>5}-byte chunks: {:>9.0} events/s, {:>6.2} MB/s, {:>6.0} ns per chunk ({n} events, {text} text bytes)",
            n as f64 / secs,
            bytes.len() as f64 / 1e6 / secs,
            secs * 1e9 / bytes.len().div_ceil(chunk) as f64
        );
    }
}
