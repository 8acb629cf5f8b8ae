//! Splitting an answer that outgrows one Mattermost post (16,383 characters) so that the parts
//! read naturally: at a paragraph, line or word break, and with an open code fence closed in
//! one part and reopened in the next.

/// The server's limit on a post's message, in characters.
pub const POST_LIMIT: usize = 16_383;
/// Where splitting starts, leaving room for a fence and an error note.
pub const SOFT_LIMIT: usize = 16_000;

/// Splits `text` (longer than `limit` characters) into a first part of at most `limit`
/// characters and the rest.
pub fn split(text: &str, limit: usize) -> (String, String) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    if chars.len() <= limit {
        return (text.to_owned(), String::new());
    }
    // Reserve room for a closing fence.
    let hard = limit.saturating_sub(8).max(1);
    let byte_at = |ci: usize| chars.get(ci).map(|(b, _)| *b).unwrap_or(text.len());
    let window_start = hard.saturating_sub(2_000);
    let head = &text[byte_at(window_start)..byte_at(hard)];
    let cut = [("\n\n", 2), ("\n", 1), (" ", 1)]
        .iter()
        .find_map(|(sep, len)| head.rfind(sep).map(|i| byte_at(window_start) + i + len))
        .unwrap_or_else(|| byte_at(hard));
    let (mut first, mut rest) = (text[..cut].to_owned(), text[cut..].to_owned());
    if let Some(fence) = open_fence(&first) {
        if !first.ends_with('\n') {
            first.push('\n');
        }
        first.push_str("```");
        rest = format!("{fence}\n{rest}");
    }
    (first, rest)
}

/// The opening line of a code fence left open at the end of `text`, if any.
fn open_fence(text: &str) -> Option<String> {
    let mut open: Option<String> = None;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            open = match open {
                Some(_) => None,
                None => Some(t.to_owned()),
            };
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_paragraphs_and_keeps_everything() {
        let para = "word ".repeat(199) + "end.\n\n";
        let text = para.repeat(20);
        let (a, b) = split(&text, 3000);
        assert!(a.chars().count() <= 3000);
        assert!(a.ends_with("\n\n"));
        assert_eq!(format!("{a}{b}"), text);
    }

    #[test]
    fn closes_and_reopens_a_code_fence() {
        let text = format!("intro\n```rust\n{}```\n", "let x = 1;\n".repeat(400));
        let (a, b) = split(&text, 2000);
        assert!(a.chars().count() <= 2000);
        assert!(a.ends_with("```"), "{}", &a[a.len() - 20..]);
        assert!(b.starts_with("```rust\n"));
    }

    #[test]
    fn a_text_without_breaks_is_cut_at_the_limit() {
        let text = "é".repeat(5000);
        let (a, b) = split(&text, 1000);
        assert!(a.chars().count() <= 1000);
        assert_eq!(a.chars().count() + b.chars().count(), 5000);
    }
}
