//! Property tests (proptest) for what the plugin decodes from the network and from its saved
//! configuration (issue 13, item 14): server-sent events, the gob/net-rpc frames of go-plugin
//! (hook calls from the server and the API's replies), the configuration with its migrations,
//! long-answer splitting and @mention detection. Every property runs a bounded number of cases
//! so the whole file stays fast in a debug build; the SSE size caps are proved by targeted tests.
//!
//! Decoders must never panic (ARCHITECTURE.md: nothing from the server, the network or the
//! config may panic the plugin) and must not allocate more than their input justifies: a
//! counting allocator measures, per thread, the largest single allocation and how far the live
//! heap rose while a decoder ran.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Once};
use std::time::Duration;

use async_trait::async_trait;
use gobwire::{BinaryBytes, Dynamic, Encoder, Interface, StreamDecoder};
use mattermost_ai::answer::split::{POST_LIMIT, SOFT_LIMIT, split};
use mattermost_ai::config::{self, Effective};
use mattermost_ai::conversations::mention::mentioned_usernames;
use mattermost_ai::llm::sse::{MAX_EVENT, MAX_LINE, SseError, SseEvent, SseParser};
use plugin_runtime::host::model::{
    CommandArgs, CommandResponse, EmailNotification, HookContext, License, Post, PushNotification,
};
use plugin_runtime::host::{
    AppError, HookError, Hooks, HttpBody, HttpRequest, HttpResponse, MattermostApi, TransportKind,
};
use plugin_runtime::transport::netrpc::api_client::NetRpcApi;
use plugin_runtime::transport::netrpc::gobjson::interface_to_json;
use plugin_runtime::transport::netrpc::hooks_server::hooks_server;
use plugin_runtime::transport::netrpc::wire::{
    A1, A2, A3, Empty, GobAppError, GobCommandArgs, GobEmailNotification, GobHookContext, GobHttpRequest,
    GobLicense, GobPost, GobPushNotification, ServeHttpArgs, Wire, config_from_dynamic, error_to_interface,
    interface_to_error,
};
use plugin_runtime::transport::request::forwarded_request;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A bounded run that never writes regression files into the source tree. The seed is fixed so
/// `make test` is reproducible; `PROPTEST_RNG_SEED=<n>` explores other inputs and
/// `PROPTEST_CASES=<n>` runs more (or fewer) cases.
fn cases(n: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    let rng_seed = match base.rng_seed {
        proptest::test_runner::RngSeed::Random => proptest::test_runner::RngSeed::Fixed(0x6d6d_6169),
        fixed => fixed,
    };
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            n
        },
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..base
    }
}

// ---- measuring allocations and panics --------------------------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

fn grew(size: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(size);
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

fn shrank(size: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping only
// touches const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        shrank(layout.size());
        grew(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`; returns the largest single allocation it made and how far the thread's live heap
/// rose above where it started.
fn allocations(f: impl FnOnce()) -> (usize, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    LARGEST.with(|l| l.set(0));
    f();
    (LARGEST.with(Cell::get), PEAK.with(Cell::get).saturating_sub(base))
}

/// The counter is not vacuous: it sees a large allocation made inside the measured closure.
#[test]
fn the_allocation_counter_sees_large_allocations() {
    let (largest, peak) = allocations(|| {
        let v = vec![1u8; 8 << 20];
        std::hint::black_box(&v);
    });
    assert!(largest >= 8 << 20 && peak >= 8 << 20, "{largest} / {peak}");
}

/// What decoding `input` bytes may take: linear in the input (decoded structures are bigger than
/// their encoding, a few hundred bytes per input byte at worst), never what a length field claims.
fn allocation_budget(input: usize) -> usize {
    (1 << 20) + 1024 * input
}

/// Panics on this thread, including inside tasks of a current-thread runtime, which tokio
/// catches and a server loop may ignore.
fn panics_so_far() -> usize {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = PANICS.try_with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
    PANICS.with(Cell::get)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

// ---- shared generators -----------------------------------------------------------------------

/// Any JSON value, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(("[a-zA-Z]{0,8}", inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Positions to cut `len` bytes at, ascending, without repeats.
fn cuts(points: &[Index], len: usize) -> Vec<usize> {
    let mut at: Vec<usize> = points.iter().map(|i| i.index(len + 1)).collect();
    at.sort_unstable();
    at.dedup();
    at
}

fn pieces<'a>(bytes: &'a [u8], at: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut from = 0;
    for &to in at {
        out.push(&bytes[from..to]);
        from = to;
    }
    out.push(&bytes[from..]);
    out
}

// ---- SSE -------------------------------------------------------------------------------------

/// Feeds the pieces in order, then ends the stream.
fn parse_sse(pieces: &[&[u8]]) -> Result<Vec<SseEvent>, SseError> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for piece in pieces {
        out.extend(p.push(piece)?);
    }
    out.extend(p.finish());
    Ok(out)
}

/// The WHATWG event-stream algorithm, written as plainly as possible over the whole input:
/// lines end at CRLF, LF or CR; a blank line dispatches the event if it has data (and always
/// resets its type); `:` lines are comments; one space after the colon is dropped; fields other
/// than `event` and `data` are ignored. At the end of the stream the last line counts even
/// unterminated and the pending event is dispatched (what `SseParser::finish` documents).
fn reference_sse(input: &[u8]) -> Vec<SseEvent> {
    #[derive(Default)]
    struct State {
        event: String,
        data: Option<String>,
    }
    impl State {
        fn line(&mut self, line: &str) -> Option<SseEvent> {
            if line.is_empty() {
                let event = std::mem::take(&mut self.event);
                return self.data.take().map(|data| SseEvent { event, data });
            }
            if line.starts_with(':') {
                return None;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "event" => self.event = value.to_owned(),
                "data" => match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                },
                _ => {}
            }
            None
        }
    }
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < input.len() {
        match input[i] {
            b'\n' => {
                lines.push(&input[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&input[start..i]);
                i += if input.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                start = i;
            }
            _ => i += 1,
        }
    }
    let mut st = State::default();
    let mut out = Vec::new();
    for l in lines {
        out.extend(st.line(&String::from_utf8_lossy(l)));
    }
    if start < input.len() {
        out.extend(st.line(&String::from_utf8_lossy(&input[start..])));
    }
    out.extend(st.line(""));
    out
}

/// Bytes that look like an event stream often enough to reach every branch, and raw bytes.
fn sse_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        3 => Just(b"data".to_vec()),
        3 => Just(b"data: ".to_vec()),
        1 => Just(b"data:".to_vec()),
        2 => Just(b"event: ".to_vec()),
        1 => Just(b"event".to_vec()),
        2 => Just(b":".to_vec()),
        2 => Just(b" ".to_vec()),
        4 => Just(b"\n".to_vec()),
        3 => Just(b"\r".to_vec()),
        3 => Just(b"\r\n".to_vec()),
        1 => Just(b"id: 1".to_vec()),
        1 => Just(b"retry: 5".to_vec()),
        4 => "[a-z{}\"é😀]{1,6}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        4 => vec(token, 0..40).prop_map(|t| t.concat()),
        1 => vec(any::<u8>(), 0..300),
    ]
}

/// One event of a well-formed stream.
#[derive(Debug, Clone)]
struct GenEvent {
    comments: Vec<String>,
    id: bool,
    name: Option<String>,
    data: Vec<String>,
    /// `data:value` instead of `data: value` (only when that reads the same).
    tight: bool,
}

fn gen_event() -> impl Strategy<Value = GenEvent> {
    (
        vec("[^\r\n]{0,8}", 0..2),
        any::<bool>(),
        proptest::option::of("[^\r\n]{0,8}"),
        vec("[^\r\n]{0,12}", 0..4),
        any::<bool>(),
    )
        .prop_map(|(comments, id, name, data, tight)| GenEvent {
            comments,
            id,
            name,
            data,
            tight,
        })
}

/// A well-formed stream: its bytes and the events a correct parser yields.
fn well_formed_stream() -> impl Strategy<Value = (Vec<u8>, Vec<SseEvent>)> {
    (
        vec(gen_event(), 0..6),
        vec(prop::sample::select(vec!["\n", "\r\n", "\r"]), 1..8),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(events, eols, last_blank, last_eol)| {
            let mut cycle = eols.iter().cycle();
            let mut previous = "";
            // A line end after a lone CR must not start with LF: "\r" + "\n" is one line end.
            let mut eol = move || {
                let mut next = *cycle.next().unwrap_or(&"\n");
                if previous == "\r" && next.starts_with('\n') {
                    next = "\r";
                }
                previous = next;
                next
            };
            let mut text = String::new();
            let mut want = Vec::new();
            let n = events.len();
            for (k, e) in events.iter().enumerate() {
                let mut lines = Vec::new();
                for c in &e.comments {
                    lines.push(format!(":{c}"));
                }
                if e.id {
                    lines.push("id: 42".to_owned());
                }
                if let Some(name) = &e.name {
                    lines.push(format!("event: {name}"));
                }
                for d in &e.data {
                    let tight = e.tight && !d.starts_with(' ');
                    lines.push(if tight {
                        format!("data:{d}")
                    } else {
                        format!("data: {d}")
                    });
                }
                let last = k + 1 == n;
                for (j, l) in lines.iter().enumerate() {
                    text.push_str(l);
                    let final_line = last && !last_blank && j + 1 == lines.len();
                    if !final_line || last_eol {
                        text.push_str(eol());
                    }
                }
                if !last || last_blank {
                    text.push_str(eol());
                }
                if !e.data.is_empty() {
                    want.push(SseEvent {
                        event: e.name.clone().unwrap_or_default(),
                        data: e.data.join("\n"),
                    });
                }
            }
            (text.into_bytes(), want)
        })
}

proptest! {
    #![proptest_config(cases(512))]

    /// Any bytes, cut anywhere: never an error or a panic for input far below the caps, the same
    /// events as the input fed whole, and the same events as the reference algorithm.
    #[test]
    fn sse_any_bytes_split_anywhere_parse_like_the_reference(
        input in sse_bytes(),
        points in vec(any::<Index>(), 0..8),
    ) {
        let whole = parse_sse(&[&input]);
        prop_assert!(whole.is_ok(), "{whole:?}");
        let split = parse_sse(&pieces(&input, &cuts(&points, input.len())));
        prop_assert_eq!(&split, &whole);
        prop_assert_eq!(whole.unwrap_or_default(), reference_sse(&input));
    }

    /// Generated well-formed streams (comments, ids, named events, multi-line data, every line
    /// ending, with or without the final blank line) give exactly the events written.
    #[test]
    fn sse_well_formed_streams_give_their_events(
        (bytes, want) in well_formed_stream(),
        points in vec(any::<Index>(), 0..6),
    ) {
        let got = parse_sse(&pieces(&bytes, &cuts(&points, bytes.len())));
        prop_assert_eq!(got, Ok(want), "stream {:?}", String::from_utf8_lossy(&bytes));
    }
}

/// An unterminated line is refused once it passes the cap instead of growing the buffer.
#[test]
fn sse_an_endless_line_is_an_error_at_the_cap() {
    let piece = vec![b'x'; 1 << 20];
    let mut p = SseParser::new();
    for n in 1..=MAX_LINE / piece.len() {
        assert_eq!(p.push(&piece), Ok(Vec::new()), "{n} MiB is within the cap");
    }
    assert_eq!(p.push(&piece), Err(SseError::LineTooLong));
}

/// A terminated line over the cap, in one chunk, is refused too.
#[test]
fn sse_a_whole_line_over_the_cap_is_an_error() {
    let mut line = b"data: ".to_vec();
    line.resize(MAX_LINE + 7, b'y');
    line.push(b'\n');
    assert_eq!(SseParser::new().push(&line), Err(SseError::LineTooLong));
}

/// Many data lines of one event, each within the line cap, stop at the event cap.
#[test]
fn sse_an_event_over_the_cap_is_an_error() {
    let line = format!("data: {}\n", "z".repeat((1 << 20) - 1));
    let mut p = SseParser::new();
    let mut result = Ok(Vec::new());
    for _ in 0..=MAX_EVENT / (1 << 20) {
        result = p.push(line.as_bytes());
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(SseError::EventTooLarge));
}

/// The last event of a stream whose lines end in CR alone is not lost at the end of the stream.
#[test]
fn sse_a_final_event_ended_by_cr_cr_is_dispatched() {
    let want = vec![SseEvent {
        event: String::new(),
        data: "x".into(),
    }];
    assert_eq!(reference_sse(b"data: x\r\r"), want);
    assert_eq!(parse_sse(&[b"data: x\r\r"]), Ok(want.clone()));
    assert_eq!(parse_sse(&[b"data: x\n\r"]), Ok(want));
}

// ---- long-answer splitting -------------------------------------------------------------------

fn fence_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec!['`', '~'])
}

/// What may follow a fence marker on its opening line: nothing, a language, an odd or a very long
/// line.
fn fence_rest() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z+#.-]{1,8}",
        "[a-z]{1,6} [^\n]{0,30}",
        "x{30,400}",
        "[^\n`~]{0,40}",
        "[é中😀]{1,30}",
    ]
}

/// Markdown-ish text: words, spaces, line and paragraph breaks, multibyte characters, code fences
/// of both kinds (openers with any rest of line, closers, indented ones) and long runs with no
/// break at all.
fn answer_text() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        6 => "[a-zA-Z0-9]{1,12}",
        3 => Just(" ".to_owned()),
        3 => Just("\n".to_owned()),
        2 => Just("\n\n".to_owned()),
        2 => "[é中😀ß]{1,8}",
        2 => (fence_char(), 3usize..=10, fence_rest())
            .prop_map(|(c, n, rest)| format!("\n{}{rest}\n", c.to_string().repeat(n))),
        1 => (" {0,3}", fence_char(), 3usize..=6)
            .prop_map(|(indent, c, n)| format!("\n{indent}{}\n", c.to_string().repeat(n))),
        1 => "[a-z]{100,700}",
        1 => "é{50,300}",
    ];
    vec(segment, 0..60).prop_map(|s| s.concat())
}

fn limit() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=16, 17usize..=400, 400usize..=3000]
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A run of one fence character, at least three long.
fn is_fence_marker(s: &str) -> bool {
    let Some(c) = s.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return false;
    };
    chars(s) >= 3 && s.chars().all(|x| x == c)
}

proptest! {
    #![proptest_config(cases(256))]

    /// One split: a first part within the limit, a rest strictly shorter than the input, and
    /// nothing lost or invented: either the two parts are the text, or the text cut once with an
    /// open fence closed by its marker in the first part and reopened by a short line (the marker
    /// and a language tag of at most 20 characters) in the rest.
    #[test]
    fn one_split_fits_makes_progress_and_keeps_the_text(text in answer_text(), limit in limit()) {
        let (first, rest) = split(&text, limit);
        if chars(&text) <= limit {
            prop_assert_eq!((first.as_str(), rest.as_str()), (text.as_str(), ""));
            return Ok(());
        }
        prop_assert!(chars(&first) <= limit, "first part has {} chars, limit {limit}", chars(&first));
        prop_assert!(!first.is_empty());
        prop_assert!(chars(&rest) < chars(&text), "the rest did not shrink");
        if format!("{first}{rest}") != text {
            let (reopen, tail) = rest.split_once('\n').unwrap_or((rest.as_str(), ""));
            prop_assert!(text.ends_with(tail), "the rest is not the text's tail");
            let head = &text[..text.len() - tail.len()];
            prop_assert!(first.starts_with(head), "the first part is not the text's head");
            let close = first[head.len()..].strip_prefix('\n').unwrap_or(&first[head.len()..]);
            prop_assert!(is_fence_marker(close), "closing line {close:?}");
            prop_assert!(reopen.starts_with(close), "reopened with {reopen:?}, closed with {close:?}");
            prop_assert!(chars(reopen) <= chars(close) + 20, "a long opening line was copied: {reopen:?}");
        }
    }

    /// Without any fence character the parts are exactly the text, cut once.
    #[test]
    fn without_fences_the_parts_are_the_text(text in answer_text(), limit in limit()) {
        let text = text.replace(['`', '~'], "-");
        let (first, rest) = split(&text, limit);
        prop_assert_eq!(format!("{first}{rest}"), text);
    }

    /// Splitting until the text fits always ends, every part within the limit.
    #[test]
    fn splitting_until_it_fits_ends(text in answer_text(), limit in limit()) {
        let mut left = text.clone();
        let mut parts = 0usize;
        while chars(&left) > limit {
            let before = chars(&left);
            let (first, rest) = split(&left, limit);
            prop_assert!(chars(&first) <= limit, "part {parts} has {} chars", chars(&first));
            prop_assert!(chars(&rest) < before);
            left = rest;
            parts += 1;
            prop_assert!(parts <= chars(&text), "no progress");
        }
    }
}

/// The attack from issue 13 at the real limit, with a fence marker thousands of characters long:
/// every post stays within the server's limit and the answer ends in a bounded number of posts.
#[test]
fn a_huge_fence_marker_never_makes_an_oversized_post() {
    let text = format!(
        "{}python\n{}",
        "`".repeat(20_000),
        "print('hello world')\n".repeat(3_000)
    );
    let mut left = text.clone();
    let mut parts = 0;
    while chars(&left) > SOFT_LIMIT {
        let (first, rest) = split(&left, SOFT_LIMIT);
        assert!(
            chars(&first) <= SOFT_LIMIT && chars(&first) <= POST_LIMIT,
            "part {parts} has {} characters",
            chars(&first)
        );
        assert!(chars(&rest) < chars(&left));
        left = rest;
        parts += 1;
        assert!(parts < 50);
    }
}

// ---- configuration ---------------------------------------------------------------------------

/// What a configuration field holds, for generating mostly well-typed settings.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    ServiceType,
    Bool,
    Int,
    Float,
    Strs,
    Headers,
    Obj(&'static [(&'static str, Kind)]),
    List(&'static [(&'static str, Kind)]),
}

const SERVICE: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("name", Kind::Str),
    ("type", Kind::ServiceType),
    ("apiKey", Kind::Str),
    ("orgId", Kind::Str),
    ("apiURL", Kind::Str),
    ("defaultModel", Kind::Str),
    ("region", Kind::Str),
    ("awsAccessKeyID", Kind::Str),
    ("awsSecretAccessKey", Kind::Str),
    ("tokenLimit", Kind::Int),
    ("outputTokenLimit", Kind::Int),
    ("streamingTimeoutSeconds", Kind::Int),
    ("sendUserId", Kind::Bool),
    ("useResponsesAPI", Kind::Bool),
    (
        "customHeaders",
        Kind::List(&[("name", Kind::Str), ("value", Kind::Str)]),
    ),
    ("fallbackServiceID", Kind::Str),
    // Generation 0 ("AI Copilot") fields.
    ("serviceName", Kind::ServiceType),
    ("url", Kind::Str),
    ("username", Kind::Str),
    ("password", Kind::Str),
];

const BOT: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("name", Kind::Str),
    ("displayName", Kind::Str),
    ("serviceID", Kind::Str),
    ("model", Kind::Str),
    ("customInstructions", Kind::Str),
    ("enableVision", Kind::Bool),
    ("disableTools", Kind::Bool),
    ("channelAccessLevel", Kind::Int),
    ("channelIDs", Kind::Strs),
    ("userAccessLevel", Kind::Int),
    ("userIDs", Kind::Strs),
    ("teamIDs", Kind::Strs),
    ("maxFileSize", Kind::Int),
    ("enabledNativeTools", Kind::Strs),
    ("reasoningEnabled", Kind::Bool),
    ("reasoningEffort", Kind::Str),
    ("thinkingBudget", Kind::Int),
    // Generation 1 embedded the service.
    ("service", Kind::Obj(SERVICE)),
];

const TYPED: &[(&str, Kind)] = &[("type", Kind::Str), ("parameters", Kind::Headers)];

const CHUNKING: &[(&str, Kind)] = &[
    ("chunkSize", Kind::Int),
    ("chunkOverlap", Kind::Int),
    ("minChunkSize", Kind::Float),
    ("chunkingStrategy", Kind::Str),
];

const EMBEDDING: &[(&str, Kind)] = &[
    ("type", Kind::Str),
    ("dimensions", Kind::Int),
    ("vectorStore", Kind::Obj(TYPED)),
    ("embeddingProvider", Kind::Obj(TYPED)),
    ("parameters", Kind::Headers),
    ("chunkingOptions", Kind::Obj(CHUNKING)),
];

const MCP_SERVER: &[(&str, Kind)] = &[
    ("name", Kind::Str),
    ("enabled", Kind::Bool),
    ("baseURL", Kind::Str),
    ("headers", Kind::Headers),
];

const MCP: &[(&str, Kind)] = &[
    ("enabled", Kind::Bool),
    ("enablePluginServer", Kind::Bool),
    ("idleTimeoutMinutes", Kind::Int),
    ("embeddedServer", Kind::Obj(&[("enabled", Kind::Bool)])),
    ("servers", Kind::List(MCP_SERVER)),
];

const TOP: &[(&str, Kind)] = &[
    ("services", Kind::List(SERVICE)),
    ("bots", Kind::List(BOT)),
    ("defaultBotName", Kind::Str),
    ("transcriptBackend", Kind::Str),
    ("enableLLMTrace", Kind::Bool),
    ("enableTokenUsageLogging", Kind::Bool),
    ("allowedUpstreamHostnames", Kind::Str),
    ("allowUnsafeLinks", Kind::Bool),
    ("embeddingSearchConfig", Kind::Obj(EMBEDDING)),
    ("mcp", Kind::Obj(MCP)),
    // Retired settings generation 0 carried.
    ("llmBackend", Kind::Str),
    ("enableUserRestrictions", Kind::Bool),
];

/// The key as the webapp spells it, or in another casing (Go matches keys case-insensitively).
fn spelling(key: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(key.to_owned()),
        1 => Just(key.to_lowercase()),
        1 => Just(key.to_uppercase()),
    ]
}

fn short_string() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-zA-Z0-9 ._:/-]{1,12}", ".{0,6}"]
}

fn value_of(kind: Kind) -> BoxedStrategy<Value> {
    let typed = match kind {
        Kind::Str => short_string().prop_map(Value::from).boxed(),
        Kind::ServiceType => prop::sample::select(vec![
            "",
            "openai",
            "openaicompatible",
            "azure",
            "anthropic",
            "bedrock",
            "cohere",
            "mistral",
            "asage",
            "gpt5000",
        ])
        .prop_map(Value::from)
        .boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::from).boxed(),
        Kind::Int => prop_oneof![0i64..5, any::<i64>()].prop_map(Value::from).boxed(),
        Kind::Float => prop_oneof![
            (0.0f64..1.0).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
        ]
        .boxed(),
        Kind::Strs => vec(short_string(), 0..3).prop_map(|v| json!(v)).boxed(),
        Kind::Headers => vec(("[a-zA-Z-]{1,8}", short_string()), 0..3)
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
            .boxed(),
        Kind::Obj(spec) => object(spec),
        Kind::List(spec) => vec(object(spec), 0..3).prop_map(Value::Array).boxed(),
    };
    prop_oneof![40 => typed, 1 => any_json()].boxed()
}

/// An object of some of `spec`'s fields, in any casing, plus the odd unknown key.
fn object(spec: &'static [(&'static str, Kind)]) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = spec
        .iter()
        .map(|&(key, kind)| prop::option::weighted(0.5, (spelling(key), value_of(kind))).boxed())
        .collect();
    (fields, vec(("[a-zA-Z]{1,10}", any_json()), 0..2))
        .prop_map(|(fields, unknown)| {
            let mut m = Map::new();
            for (k, v) in unknown.into_iter().chain(fields.into_iter().flatten()) {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// The plugin settings as the server hands them over: `{"config": …}` in any casing, the config
/// as a JSON string (hand-edited files), the config itself, or anything at all.
fn settings() -> impl Strategy<Value = Value> {
    let config = object(TOP);
    prop_oneof![
        6 => config.clone().prop_map(|c| json!({ "config": c })),
        1 => config.clone().prop_map(|c| json!({ "Config": c })),
        1 => config.clone().prop_map(|c| json!({ "config": c.to_string() })),
        1 => config,
        1 => any_json(),
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    /// Any JSON, as the settings or as the config inside them, loads or fails with an error;
    /// whatever loads also validates without panicking.
    #[test]
    fn config_any_json_never_panics(v in any_json()) {
        for s in [v.clone(), json!({ "config": v.clone() }), json!({ "config": v.to_string() })] {
            if let Ok(l) = config::load(&s) {
                let _ = Effective::new(l.config);
            }
        }
    }

    /// A loaded (decoded and migrated) configuration, saved back and loaded again, is a fixed
    /// point: no further migration, the same configuration, the same saved form.
    #[test]
    fn config_saved_back_is_a_fixed_point(s in settings()) {
        let Ok(first) = config::load(&s) else { return Ok(()) };
        let _ = Effective::new(first.config.clone());
        let saved = Value::Object(config::to_settings(&first.config));
        let second = match config::load(&saved) {
            Ok(l) => l,
            Err(e) => return Err(TestCaseError::fail(format!("the saved form does not load: {e}\n{saved}"))),
        };
        prop_assert!(second.migrated.is_empty(), "migrated again: {:?}\n{}", second.migrated, saved);
        prop_assert_eq!(&second.config, &first.config);
        prop_assert_eq!(Value::Object(config::to_settings(&second.config)), saved);
    }
}

/// The fixed point holds across both migrations, which the generator reaches only sometimes.
#[test]
fn config_both_legacy_generations_migrate_once() {
    for legacy in [
        json!({"config": {"services": [{"name": "A", "serviceName": "openai", "apiKey": "k"}], "llmBackend": "A"}}),
        json!({"config": {"bots": [{"name": "b", "service": {"type": "anthropic", "apiKey": "k"}}]}}),
    ] {
        let first = config::load(&legacy).expect("a legacy config loads");
        assert!(!first.migrated.is_empty(), "{legacy} was migrated");
        let saved = Value::Object(config::to_settings(&first.config));
        let second = config::load(&saved).expect("the migrated config loads");
        assert!(second.migrated.is_empty(), "{:?}", second.migrated);
        assert_eq!(second.config, first.config);
    }
}

// ---- @mentions -------------------------------------------------------------------------------

/// A username as Mattermost allows it: letters and digits, with `.`, `_` or `-` after a letter
/// or digit (so that `_` never opens emphasis inside the name, which would change what a reader
/// sees), possibly at the end.
fn username() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9]{0,4}([._-][a-zA-Z0-9]{1,4}){0,3}[._-]?"
}

/// Prose with no markdown that could swallow what follows it: letters, digits, some
/// punctuation, single spaces; never an `@`.
fn prose() -> impl Strategy<Value = String> {
    vec("[a-zA-Z0-9,.!?]{1,8}", 0..6).prop_map(|w| w.join(" "))
}

fn markdownish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("@".to_owned()),
        Just("`".to_owned()),
        Just("```".to_owned()),
        Just("~~~".to_owned()),
        Just("\n".to_owned()),
        Just("    ".to_owned()),
        Just("> ".to_owned()),
        Just("- ".to_owned()),
        Just("*".to_owned()),
        Just("_".to_owned()),
        Just("<b>".to_owned()),
        Just("[".to_owned()),
        Just("](x)".to_owned()),
        Just("\\".to_owned()),
        "[a-z.@_-]{1,8}",
        ".{1,4}",
    ];
    vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(cases(512))]

    /// Any text, markdown-shaped or not, is scanned without panicking.
    #[test]
    fn mentions_any_text_never_panics(a in markdownish(), b in ".{0,200}") {
        let _ = mentioned_usernames(&a);
        let _ = mentioned_usernames(&b);
    }

    /// An @mention inside a code span, a fenced block (backticks or tildes, with a language, or
    /// holding a shorter fence), or an indented block is never a mention.
    #[test]
    fn mentions_inside_code_are_not_mentions(
        name in username(),
        before in prose(),
        after in prose(),
        around in "[a-z ]{0,6}",
        lang in "[a-z]{0,6}",
        shape in 0usize..6,
    ) {
        let code = match shape {
            0 => format!("{before} `{around}@{name}{around}` {after}"),
            1 => format!("{before} ``@{name} ` x`` {after}"),
            2 => format!("{before}\n\n```{lang}\n{around}\n@{name} {around}\n```\n\n{after}"),
            3 => format!("{before}\n\n~~~{lang}\n@{name}\n~~~\n\n{after}"),
            4 => format!("{before}\n\n````\n```\n@{name}\n```\n````\n\n{after}"),
            _ => format!("{before}\n\n    @{name} {around}\n\n{after}"),
        };
        let found = mentioned_usernames(&code);
        prop_assert!(found.is_empty(), "{found:?} in {code:?}");
    }

    /// A plain `@name` between spaces, alone or in emphasis, a quote, a list item, a heading or a
    /// link text, is a mention of exactly that (lowercased) name.
    #[test]
    fn a_plain_mention_is_found(
        name in username(),
        before in prose(),
        after in prose(),
        shape in 0usize..6,
    ) {
        let text = match shape {
            0 => format!("{before} @{name} {after}"),
            1 => format!("{before} **@{name}** {after}"),
            2 => format!("> {before} @{name} {after}"),
            3 => format!("- {before} @{name} {after}"),
            4 => format!("# {before} @{name} {after}"),
            _ => format!("{before} [@{name}](https://example.com) {after}"),
        };
        let found = mentioned_usernames(&text);
        prop_assert!(found.contains(&name.to_lowercase()), "{found:?} in {text:?}");
    }
}

/// Agent usernames may hold `_` (Mattermost's rules, `valid_username`); such an agent must be
/// reachable by an @mention like any other.
#[test]
fn a_mention_of_a_name_with_an_underscore_is_found() {
    for (text, name) in [
        ("hey @my_bot, can you help?", "my_bot"),
        ("@release_notes summarize this", "release_notes"),
    ] {
        let found = mentioned_usernames(text);
        assert!(found.contains(&name.to_owned()), "{found:?} in {text:?}");
    }
}

// ---- gob / net-rpc ---------------------------------------------------------------------------

/// `*model.Config` is decoded without a mirror, as a `Dynamic`; any struct shape will do.
#[derive(gobwire::Gob, Debug, Default, Clone)]
struct FakeServiceSettings {
    #[gob(name = "SiteURL")]
    site_url: Option<String>,
    #[gob(name = "MaximumPayloadSizeBytes")]
    max_payload: Option<i64>,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct FakeServerConfig {
    #[gob(name = "ServiceSettings")]
    service: FakeServiceSettings,
    #[gob(name = "PluginSettings")]
    plugins: HashMap<String, HashMap<String, Option<Interface>>>,
    #[gob(name = "FeatureFlags")]
    flags: Vec<bool>,
}

fn ids() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z0-9]{26}"]
}

fn props() -> impl Strategy<Value = Map<String, Value>> {
    vec(("[a-z_]{1,10}", any_json()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

fn post() -> impl Strategy<Value = Post> {
    (
        (ids(), ids(), ids(), ids()),
        ".{0,40}",
        (any::<i64>(), any::<i64>(), any::<bool>()),
        "[a-z_]{0,16}",
        props(),
        vec(ids(), 0..3),
        proptest::option::of("[a-z]{0,8}"),
    )
        .prop_map(
            |(
                (id, user_id, channel_id, root_id),
                message,
                (create_at, reply_count, is_pinned),
                post_type,
                props,
                file_ids,
                remote_id,
            )| Post {
                id,
                user_id,
                channel_id,
                root_id,
                message,
                create_at,
                reply_count,
                is_pinned,
                post_type,
                props,
                file_ids,
                remote_id,
                ..Default::default()
            },
        )
}

fn hook_context() -> impl Strategy<Value = HookContext> {
    (ids(), "[0-9.:]{0,15}", ".{0,20}").prop_map(|(session_id, ip_address, user_agent)| HookContext {
        session_id,
        ip_address,
        user_agent,
        ..Default::default()
    })
}

fn http_request() -> impl Strategy<Value = GobHttpRequest> {
    let url = prop_oneof![
        4 => "/[a-z/_]{0,20}(\\?[a-z=&]{0,10})?".prop_map(String::into_bytes),
        1 => Just(Vec::new()),
        1 => Just(b"?a=b".to_vec()),
        1 => "https?://[a-z.]{1,10}(:[0-9]{1,5})?/[a-z]{0,5}".prop_map(String::into_bytes),
        1 => ".{0,20}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..20),
    ];
    (
        prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            "[A-Z]{0,8}",
            ".{0,6}"
        ],
        proptest::option::of(url.prop_map(BinaryBytes)),
        (0i64..3, 0i64..3),
        vec(("[A-Za-z-]{1,12}|.{0,4}", vec(".{0,12}", 0..3)), 0..4),
        "[a-z.:0-9]{0,20}|.{0,6}",
    )
        .prop_map(
            |(method, url, (proto_major, proto_minor), header, host)| GobHttpRequest {
                method,
                url,
                proto: "HTTP/1.1".into(),
                proto_major,
                proto_minor,
                header: header.into_iter().collect(),
                host,
                remote_addr: "127.0.0.1:1234".into(),
                request_uri: String::new(),
            },
        )
}

/// A call the server makes on the plugin's hooks.
// Generated test input, one per case: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Call {
    Implemented,
    ConfigurationChange,
    Posted(HookContext, Post),
    Updated(HookContext, Post, Post),
    Deleted(HookContext, Post),
    Pushed(PushNotification, String),
    Email(EmailNotification),
    Command(HookContext, CommandArgs),
    /// Only decoded, never served: serving needs the host's response-writer stream.
    Http(GobHttpRequest, HookContext),
}

fn call(with_http: bool) -> BoxedStrategy<Call> {
    let common = prop_oneof![
        Just(Call::Implemented),
        Just(Call::ConfigurationChange),
        (hook_context(), post()).prop_map(|(c, p)| Call::Posted(c, p)),
        (hook_context(), post(), post()).prop_map(|(c, a, b)| Call::Updated(c, a, b)),
        (hook_context(), post()).prop_map(|(c, p)| Call::Deleted(c, p)),
        (ids(), ids(), ".{0,10}").prop_map(|(post_id, sender_id, user)| Call::Pushed(
            PushNotification {
                post_id,
                sender_id,
                push_type: "message".into(),
                ..Default::default()
            },
            user
        )),
        (ids(), ids()).prop_map(|(post_id, recipient_id)| Call::Email(EmailNotification {
            post_id,
            recipient_id,
            ..Default::default()
        })),
        (hook_context(), ids(), ".{0,30}").prop_map(|(c, user_id, command)| Call::Command(
            c,
            CommandArgs {
                user_id,
                command,
                ..Default::default()
            }
        )),
    ];
    if with_http {
        prop_oneof![
            4 => common,
            2 => (http_request(), hook_context()).prop_map(|(r, c)| Call::Http(r, c)),
        ]
        .boxed()
    } else {
        common.boxed()
    }
}

/// One net/rpc message as Go's client writes it: the `Request` or `Response` header, then the
/// body, each preceded by the type definitions the stream has not seen yet.
fn put<H: gobwire::Encode, T: gobwire::Encode>(enc: &mut Encoder, out: &mut Vec<u8>, header: &H, body: &T) {
    let mut h = Vec::new();
    enc.encode_into(header, &mut h).expect("a header encodes");
    let mut b = Vec::new();
    enc.encode_into(body, &mut b).expect("a body encodes");
    out.extend_from_slice(&h);
    out.extend_from_slice(&b);
}

fn encode_calls(calls: &[Call]) -> Vec<u8> {
    let mut enc = Encoder::new();
    let mut out = Vec::new();
    for (seq, c) in calls.iter().enumerate() {
        let head = |m: &str| go_netrpc::Request {
            service_method: format!("Plugin.{m}"),
            seq: seq as u64,
        };
        let o = &mut out;
        match c {
            Call::Implemented => put(&mut enc, o, &head("Implemented"), &Empty {}),
            Call::ConfigurationChange => put(&mut enc, o, &head("OnConfigurationChange"), &Empty {}),
            Call::Posted(c, p) => put(
                &mut enc,
                o,
                &head("MessageHasBeenPosted"),
                &A2 {
                    a: Some(c.to_wire()),
                    b: Some(p.to_wire()),
                },
            ),
            Call::Updated(c, a, b) => put(
                &mut enc,
                o,
                &head("MessageHasBeenUpdated"),
                &A3 {
                    a: Some(c.to_wire()),
                    b: Some(a.to_wire()),
                    c: Some(b.to_wire()),
                },
            ),
            Call::Deleted(c, p) => put(
                &mut enc,
                o,
                &head("MessageHasBeenDeleted"),
                &A2 {
                    a: Some(c.to_wire()),
                    b: Some(p.to_wire()),
                },
            ),
            Call::Pushed(n, u) => put(
                &mut enc,
                o,
                &head("NotificationWillBePushed"),
                &A2 {
                    a: Some(n.to_wire()),
                    b: u.clone(),
                },
            ),
            Call::Email(n) => put(
                &mut enc,
                o,
                &head("EmailNotificationWillBeSent"),
                &A1 { a: Some(n.to_wire()) },
            ),
            Call::Command(c, a) => put(
                &mut enc,
                o,
                &head("ExecuteCommand"),
                &A2 {
                    a: Some(c.to_wire()),
                    b: Some(a.to_wire()),
                },
            ),
            Call::Http(r, c) => put(
                &mut enc,
                o,
                &head("ServeHTTP"),
                &ServeHttpArgs {
                    response_writer_stream: 1,
                    request: Some(r.clone()),
                    context: Some(c.to_wire()),
                    request_body_stream: 0,
                },
            ),
        }
    }
    out
}

/// A reply the server sends to one of the plugin's API calls.
// Generated test input, one per case: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Reply {
    Post(Option<Post>, Option<AppError>),
    Config(Option<String>, Vec<(String, Value)>),
    License(Option<License>),
    Permission(bool),
    Error(Option<Value>, bool),
}

impl Reply {
    fn method(&self) -> &'static str {
        match self {
            Reply::Post(..) => "Plugin.GetPost",
            Reply::Config(..) => "Plugin.GetConfig",
            Reply::License(_) => "Plugin.GetLicense",
            Reply::Permission(_) => "Plugin.HasPermissionTo",
            Reply::Error(..) => "Plugin.KVSetWithOptions",
        }
    }
}

fn app_error() -> impl Strategy<Value = AppError> {
    ("[a-z._]{0,20}", ".{0,20}", 0i64..600).prop_map(|(id, message, status_code)| AppError {
        id,
        message,
        status_code,
        ..Default::default()
    })
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        (proptest::option::of(post()), proptest::option::of(app_error()))
            .prop_map(|(p, e)| Reply::Post(p, e)),
        (
            proptest::option::of("https?://[a-z.]{1,12}"),
            vec(("[a-z.]{1,12}", any_json()), 0..3)
        )
            .prop_map(|(url, plugin)| Reply::Config(url, plugin)),
        proptest::option::of(("[a-z0-9]{0,26}", "[a-z]{0,12}")).prop_map(|l| Reply::License(l.map(
            |(id, sku_short_name)| License {
                id,
                sku_short_name,
                ..Default::default()
            }
        ))),
        any::<bool>().prop_map(Reply::Permission),
        (proptest::option::of(any_json()), any::<bool>()).prop_map(|(v, app)| Reply::Error(v, app)),
    ]
}

/// One of the API calls `call_api` makes, with a reply of its shape.
fn api_reply() -> impl Strategy<Value = (u8, Reply)> {
    reply().prop_map(|r| {
        let which = match r {
            Reply::Post(..) => 0,
            Reply::Config(..) => 1,
            Reply::License(_) => 2,
            Reply::Permission(_) | Reply::Error(..) => 3,
        };
        (which, r)
    })
}

fn encode_reply(enc: &mut Encoder, out: &mut Vec<u8>, seq: u64, error: &str, r: &Reply) {
    let head = go_netrpc::Response {
        service_method: r.method().into(),
        seq,
        error: error.into(),
    };
    if !error.is_empty() {
        return put(enc, out, &head, &go_netrpc::InvalidRequest {});
    }
    match r {
        Reply::Post(p, e) => put(
            enc,
            out,
            &head,
            &A2::<Option<GobPost>, Option<GobAppError>> {
                a: p.as_ref().map(Wire::to_wire),
                b: e.as_ref().map(Wire::to_wire),
            },
        ),
        Reply::Config(url, plugin) => {
            let mut plugins = HashMap::new();
            plugins.insert(
                "mattermost-ai".to_owned(),
                plugin
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            plugin_runtime::transport::netrpc::gobjson::json_to_interface(v),
                        )
                    })
                    .collect(),
            );
            let config = FakeServerConfig {
                service: FakeServiceSettings {
                    site_url: url.clone(),
                    max_payload: Some(1 << 20),
                },
                plugins,
                flags: vec![true, false],
            };
            put(enc, out, &head, &A1 { a: config });
        }
        Reply::License(l) => put(
            enc,
            out,
            &head,
            &A1::<Option<GobLicense>> {
                a: l.as_ref().map(Wire::to_wire),
            },
        ),
        Reply::Permission(b) => put(enc, out, &head, &A1 { a: *b }),
        Reply::Error(v, app) => {
            let e = if *app {
                error_to_interface(&HookError::App(Box::new(AppError {
                    id: "app.error".into(),
                    message: "no".into(),
                    status_code: 403,
                    ..Default::default()
                })))
            } else {
                v.as_ref()
                    .and_then(plugin_runtime::transport::netrpc::gobjson::json_to_interface)
            };
            put(enc, out, &head, &A1::<Option<Interface>> { a: e });
        }
    }
}

/// Damage done to a valid stream: flipped, overwritten, inserted (including enormous lengths
/// and counts), removed, truncated and repeated bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    Truncate(Index),
    Repeat(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let inserted = prop_oneof![
        // Gob unsigned integers: a negated byte count, then big-endian bytes.
        Just(vec![0xF8, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        Just(vec![0xF9, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        Just(vec![0xFC, 0x7F, 0xFF, 0xFF, 0xFF]),
        Just(vec![0xFB, 0x01, 0x00, 0x00, 0x00, 0x00]),
        Just(vec![0xFD, 0x10, 0x00, 0x00]),
        Just(vec![0x00]),
        Just(vec![0x7F]),
        Just(vec![0xFF]),
        vec(any::<u8>(), 1..6),
    ];
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        3 => (any::<Index>(), inserted).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Flip(i, x) if len > 0 => bytes[i.index(len)] ^= *x,
            Mutation::Set(i, b) if len > 0 => bytes[i.index(len)] = *b,
            Mutation::Insert(i, b) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Remove(i, n) if len > 0 => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Mutation::Repeat(i, n) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
            _ => {}
        }
    }
    bytes
}

fn next<T: gobwire::Decode + Default>(d: &mut StreamDecoder<&[u8]>) -> Option<T> {
    d.decode::<T>().ok().flatten()
}

/// Decodes a hook-call stream the way the plugin's net/rpc server does, and turns every
/// argument into what the hooks receive (ServeHTTP's request rebuilt as an `http::Request`).
/// Stops at the first thing that does not decode.
fn decode_calls(bytes: &[u8]) {
    type Posted = A2<Option<GobHookContext>, Option<GobPost>>;
    let mut d = StreamDecoder::new(bytes);
    for _ in 0..64 {
        let Some(req) = next::<go_netrpc::Request>(&mut d) else {
            return;
        };
        match req.service_method.as_str() {
            "Plugin.MessageHasBeenPosted" | "Plugin.MessageHasBeenDeleted" => {
                let Some(a) = next::<Posted>(&mut d) else { return };
                std::hint::black_box((a.a.map(HookContext::from_wire), a.b.map(Post::from_wire)));
            }
            "Plugin.MessageHasBeenUpdated" => {
                let Some(a) = next::<A3<Option<GobHookContext>, Option<GobPost>, Option<GobPost>>>(&mut d)
                else {
                    return;
                };
                std::hint::black_box((a.b.map(Post::from_wire), a.c.map(Post::from_wire)));
            }
            "Plugin.NotificationWillBePushed" => {
                let Some(a) = next::<A2<Option<GobPushNotification>, String>>(&mut d) else {
                    return;
                };
                std::hint::black_box(a.a.map(PushNotification::from_wire));
            }
            "Plugin.EmailNotificationWillBeSent" => {
                let Some(a) = next::<A1<Option<GobEmailNotification>>>(&mut d) else {
                    return;
                };
                std::hint::black_box(a.a.map(EmailNotification::from_wire));
            }
            "Plugin.ExecuteCommand" => {
                let Some(a) = next::<A2<Option<GobHookContext>, Option<GobCommandArgs>>>(&mut d) else {
                    return;
                };
                std::hint::black_box(a.b.map(CommandArgs::from_wire));
            }
            "Plugin.ServeHTTP" | "Plugin.ServeMetrics" => {
                let Some(a) = next::<ServeHttpArgs>(&mut d) else {
                    return;
                };
                std::hint::black_box(a.context.map(HookContext::from_wire));
                let Some(r) = a.request else { continue };
                let Some(Ok(url)) = r.url.map(|u| String::from_utf8(u.0)) else {
                    continue;
                };
                let headers = r.header.iter().map(|(k, v)| (k.as_str(), v.as_slice()));
                let built: Result<HttpRequest, String> = forwarded_request(
                    &r.method,
                    &url,
                    (r.proto_major, r.proto_minor),
                    headers,
                    &r.host,
                    HttpBody::empty(),
                );
                let _ = std::hint::black_box(built.map(|b| b.uri().to_string()));
            }
            _ => {
                if next::<Empty>(&mut d).is_none() {
                    return;
                }
            }
        }
    }
}

/// Decodes a reply stream the way the plugin's API client does, into the model.
fn decode_replies(bytes: &[u8]) {
    let mut d = StreamDecoder::new(bytes);
    for _ in 0..64 {
        let Some(head) = next::<go_netrpc::Response>(&mut d) else {
            return;
        };
        if !head.error.is_empty() {
            if next::<go_netrpc::InvalidRequest>(&mut d).is_none() {
                return;
            }
            continue;
        }
        match head.service_method.as_str() {
            "Plugin.GetPost" => {
                let Some(r) = next::<A2<Option<GobPost>, Option<GobAppError>>>(&mut d) else {
                    return;
                };
                std::hint::black_box((r.a.map(Post::from_wire), r.b.map(AppError::from_wire)));
            }
            "Plugin.GetConfig" => {
                let Some(r) = next::<A1<Dynamic>>(&mut d) else {
                    return;
                };
                let config = config_from_dynamic(&r.a);
                std::hint::black_box(config.0.pointer("/ServiceSettings/SiteURL").cloned());
            }
            "Plugin.GetLicense" => {
                let Some(r) = next::<A1<Option<GobLicense>>>(&mut d) else {
                    return;
                };
                std::hint::black_box(r.a.map(License::from_wire));
            }
            "Plugin.HasPermissionTo" => {
                let Some(r) = next::<A1<bool>>(&mut d) else { return };
                std::hint::black_box(r.a);
            }
            _ => {
                let Some(r) = next::<A1<Option<Interface>>>(&mut d) else {
                    return;
                };
                std::hint::black_box((
                    interface_to_error(&r.a).map(|e| e.to_string()),
                    interface_to_json(&r.a),
                ));
            }
        }
    }
}

fn replies() -> impl Strategy<Value = Vec<u8>> {
    vec(
        (reply(), prop_oneof![6 => Just(String::new()), 1 => ".{1,10}"]),
        1..4,
    )
    .prop_map(|rs| {
        let mut enc = Encoder::new();
        let mut out = Vec::new();
        for (seq, (r, error)) in rs.iter().enumerate() {
            encode_reply(&mut enc, &mut out, seq as u64, error, r);
        }
        out
    })
}

fn assert_bounded(bytes: &[u8], f: impl FnOnce()) -> Result<(), TestCaseError> {
    let (largest, peak) = allocations(f);
    let budget = allocation_budget(bytes.len());
    prop_assert!(
        largest <= budget && peak <= budget,
        "{} input bytes made a {largest}-byte allocation and raised the heap by {peak} bytes",
        bytes.len()
    );
    Ok(())
}

proptest! {
    #![proptest_config(cases(512))]

    /// Arbitrary bytes as a hook-call stream or an API reply stream: no panic, bounded memory.
    #[test]
    fn gob_arbitrary_bytes_never_panic_or_balloon(bytes in vec(any::<u8>(), 0..2048)) {
        assert_bounded(&bytes, || decode_calls(&bytes))?;
        assert_bounded(&bytes, || decode_replies(&bytes))?;
    }

    /// Valid hook-call streams (posts with nested props, HTTP requests with odd URLs and
    /// headers, notifications, commands), damaged in every way: no panic, bounded memory.
    #[test]
    fn gob_damaged_hook_calls_never_panic_or_balloon(
        calls in vec(call(true), 1..4),
        damage in vec(mutation(), 0..6),
    ) {
        let bytes = mutate(encode_calls(&calls), &damage);
        assert_bounded(&bytes, || decode_calls(&bytes))?;
    }

    /// Valid API replies (posts, AppErrors, `*model.Config` as a dynamic value, licenses, error
    /// interfaces), damaged: no panic, bounded memory.
    #[test]
    fn gob_damaged_api_replies_never_panic_or_balloon(
        stream in replies(),
        damage in vec(mutation(), 0..6),
    ) {
        let bytes = mutate(stream, &damage);
        assert_bounded(&bytes, || decode_replies(&bytes))?;
    }
}

/// An undamaged stream decodes completely: the generators produce what the decoders read, so the
/// damaged cases start from real traffic.
#[test]
fn gob_undamaged_streams_round_trip() {
    let p = Post {
        id: "p".into(),
        message: "hello".into(),
        props: [("k".to_owned(), json!({"a": [1, 2.5, "x", null]}))]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let bytes = encode_calls(&[Call::Implemented, Call::Posted(HookContext::default(), p.clone())]);
    let mut d = StreamDecoder::new(&bytes[..]);
    assert_eq!(
        next::<go_netrpc::Request>(&mut d).map(|r| r.service_method),
        Some("Plugin.Implemented".into())
    );
    assert!(next::<Empty>(&mut d).is_some());
    assert_eq!(next::<go_netrpc::Request>(&mut d).map(|r| r.seq), Some(1));
    let got = next::<A2<Option<GobHookContext>, Option<GobPost>>>(&mut d)
        .and_then(|a| a.b)
        .map(Post::from_wire);
    assert_eq!(
        got.as_ref().map(|p| (&p.message, &p.props)),
        Some((&p.message, &p.props))
    );

    let mut enc = Encoder::new();
    let mut out = Vec::new();
    encode_reply(
        &mut enc,
        &mut out,
        0,
        "",
        &Reply::Config(Some("https://chat.example".into()), vec![]),
    );
    let mut d = StreamDecoder::new(&out[..]);
    assert!(next::<go_netrpc::Response>(&mut d).is_some());
    let config = config_from_dynamic(&next::<A1<Dynamic>>(&mut d).expect("a config").a);
    assert_eq!(
        config.0.pointer("/ServiceSettings/SiteURL"),
        Some(&json!("https://chat.example"))
    );
}

/// A frame announcing an enormous length (just under gob's 8 GiB limit) with a few bytes behind
/// it is an error, not an 8 GiB buffer.
#[test]
fn gob_an_enormous_frame_length_is_not_allocated() {
    let bytes = [0xFBu8, 0x01, 0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3, 4, 5, 6, 7, 8];
    let (largest, peak) = allocations(|| {
        decode_calls(&bytes);
        decode_replies(&bytes);
    });
    assert!(largest < 1 << 20 && peak < 1 << 20, "{largest} / {peak}");
}

/// Hooks that do nothing, so the net/rpc server's own decoding is what runs.
struct Quiet;

#[async_trait]
impl Hooks for Quiet {
    fn attach_api(&self, _api: Arc<dyn MattermostApi>, _transport: TransportKind) {}
    async fn on_activate(&self) -> Result<(), HookError> {
        Ok(())
    }
    async fn on_deactivate(&self) -> Result<(), HookError> {
        Ok(())
    }
    async fn on_configuration_change(&self) -> Result<(), HookError> {
        Ok(())
    }
    async fn message_has_been_posted(&self, _ctx: HookContext, _post: Post) {}
    async fn message_has_been_updated(&self, _ctx: HookContext, _new: Post, _old: Post) {}
    async fn message_has_been_deleted(&self, _ctx: HookContext, _post: Post) {}
    async fn serve_http(&self, _ctx: HookContext, _request: HttpRequest) -> HttpResponse {
        HttpResponse::new(HttpBody::empty())
    }
    async fn serve_metrics(&self, _ctx: HookContext, _request: HttpRequest) -> HttpResponse {
        HttpResponse::new(HttpBody::empty())
    }
    async fn execute_command(
        &self,
        _ctx: HookContext,
        _args: CommandArgs,
    ) -> Result<CommandResponse, AppError> {
        Ok(CommandResponse::default())
    }
}

/// Feeds `bytes` to the plugin's real hooks server (`hooks_server`) as the server's side of the
/// hooks stream, then ends the stream. What the server wrote back, once serving ended by itself;
/// `None` when it did not.
async fn serve_hooks(bytes: Vec<u8>) -> Option<Vec<u8>> {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (mux, _peer) = tokio::io::duplex(1 << 12);
    let session =
        goplugin::yamux::Session::client(mux, goplugin::yamux::Config::default()).expect("a yamux session");
    let (broker, run) = goplugin::MuxBroker::new(session);
    tokio::spawn(run);
    let server = Arc::new(hooks_server(Arc::new(Quiet), broker));
    let serving = tokio::spawn(server.serve(ours));
    let (mut r, mut w) = tokio::io::split(theirs);
    let host = tokio::spawn(async move {
        let _ = w.write_all(&bytes).await;
        let _ = w.shutdown().await;
        let mut answers = Vec::new();
        let _ = r.read_to_end(&mut answers).await;
        answers
    });
    let ended = tokio::time::timeout(Duration::from_secs(5), serving).await;
    if !matches!(ended, Ok(Ok(_))) {
        host.abort();
        return None;
    }
    tokio::time::timeout(Duration::from_secs(5), host)
        .await
        .ok()?
        .ok()
}

/// Answers the plugin's first API call with `reply`, then ends the stream. What the call
/// returned (its error as text), or `None` when it never returned.
async fn call_api(which: u8, reply: Vec<u8>) -> Option<Result<(), String>> {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let api = NetRpcApi::new(go_netrpc::Client::new(ours));
    let (mut r, mut w) = tokio::io::split(theirs);
    let host = tokio::spawn(async move {
        let mut sink = [0u8; 4096];
        // The call is registered before its request is written: answer only once it arrived.
        let _ = r.read(&mut sink).await;
        let _ = w.write_all(&reply).await;
        let _ = w.shutdown().await;
        while matches!(r.read(&mut sink).await, Ok(n) if n > 0) {}
    });
    let returned = tokio::time::timeout(Duration::from_secs(5), async {
        match which {
            0 => api.get_post("p").await.map(drop),
            1 => api.get_config().await.map(drop),
            2 => api.get_license().await.map(drop),
            _ => api.has_permission_to("u", "manage_system").await.map(drop),
        }
        .map_err(|e| e.to_string())
    })
    .await;
    host.abort();
    returned.ok()
}

proptest! {
    #![proptest_config(cases(96))]

    /// The real hooks server fed damaged hook calls: it never panics (not even inside a call's
    /// task) and stops serving when the stream ends.
    #[test]
    fn hooks_server_survives_damaged_calls(
        calls in vec(call(false), 1..4),
        damage in vec(mutation(), 0..4),
    ) {
        let bytes = mutate(encode_calls(&calls), &damage);
        let before = panics_so_far();
        let ended = block_on(serve_hooks(bytes));
        prop_assert_eq!(panics_so_far(), before, "the hooks server panicked");
        prop_assert!(ended.is_some(), "serving did not end with the stream");
    }

    /// The real API client answered with damaged replies: the call returns, nothing panics.
    #[test]
    fn api_client_survives_damaged_replies(
        (which, r) in api_reply(),
        error in prop_oneof![6 => Just(String::new()), 1 => Just("rpc: can't find method".to_owned()), 1 => ".{1,10}"],
        damage in vec(mutation(), 0..4),
    ) {
        let mut enc = Encoder::new();
        let mut bytes = Vec::new();
        encode_reply(&mut enc, &mut bytes, 0, &error, &r);
        let bytes = mutate(bytes, &damage);
        let before = panics_so_far();
        let returned = block_on(call_api(which, bytes));
        prop_assert_eq!(panics_so_far(), before, "the API client panicked");
        prop_assert!(returned.is_some(), "the call never returned");
    }
}

/// The harnesses reach the real code: undamaged calls are answered by the hooks server (a
/// response per call, in order, without error), and an undamaged reply is the API call's value.
#[test]
fn the_net_rpc_harnesses_reach_the_real_server_and_client() {
    let calls = [
        Call::Implemented,
        Call::Posted(HookContext::default(), Post::default()),
        Call::ConfigurationChange,
    ];
    let answers = block_on(serve_hooks(encode_calls(&calls))).expect("serving ends with the stream");
    let mut d = StreamDecoder::new(&answers[..]);
    let mut seqs = Vec::new();
    while let Some(head) = next::<go_netrpc::Response>(&mut d) {
        assert_eq!(head.error, "", "{head:?}");
        seqs.push(head.seq);
        let implemented = head.service_method == "Plugin.Implemented";
        let body_read = if implemented {
            next::<Vec<String>>(&mut d).is_some_and(|hooks| hooks.contains(&"ServeHTTP".to_owned()))
        } else if head.service_method == "Plugin.MessageHasBeenPosted" {
            next::<Empty>(&mut d).is_some()
        } else {
            next::<A1<Option<Interface>>>(&mut d).is_some_and(|r| r.a.is_none())
        };
        assert!(body_read, "the reply to {} reads", head.service_method);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, vec![0, 1, 2]);

    let post = Post {
        id: "p".into(),
        message: "hi".into(),
        ..Default::default()
    };
    let mut enc = Encoder::new();
    let mut reply = Vec::new();
    encode_reply(&mut enc, &mut reply, 0, "", &Reply::Post(Some(post), None));
    assert_eq!(block_on(call_api(0, reply)), Some(Ok(())));
    let mut reply = Vec::new();
    encode_reply(
        &mut Encoder::new(),
        &mut reply,
        0,
        "",
        &Reply::Post(
            None,
            Some(AppError {
                id: "app.post.get.app_error".into(),
                status_code: 404,
                ..Default::default()
            }),
        ),
    );
    assert!(matches!(block_on(call_api(0, reply)), Some(Err(_))));
}
