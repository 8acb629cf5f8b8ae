//! Splitting an answer that outgrows one Mattermost post (16,383 characters) so that the parts
//! read naturally: at a paragraph, line or word break, and with an open code fence closed in
//! one part and reopened in the next.
//!
//! The text comes from a model and may be hostile: every split must make progress (the rest is
//! always shorter than the input), so a caller looping until the text fits always ends.

/// The server's limit on a post's message, in characters.
pub const POST_LIMIT: usize = 16_383;
/// Where splitting starts, leaving room for a fence and an error note.
pub const SOFT_LIMIT: usize = 16_000;
/// The longest language tag carried over when a code fence is reopened.
const MAX_FENCE_TAG: usize = 20;

/// Splits `text` (longer than `limit` characters) into a first part of at most `limit`
/// characters and a rest that is always shorter than `text`.
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
        .filter(|&c| c > 0)
        .unwrap_or_else(|| byte_at(hard));
    let (mut first, mut rest) = (text[..cut].to_owned(), text[cut..].to_owned());
    if let Some(fence) = open_fence(&first) {
        let reopened = format!("{fence}\n{rest}");
        // Reopening must never make the rest as long as what we started with, and closing
        // must fit the part (a fence of thousands of backticks is left as it is).
        let closing = usize::from(!first.ends_with('\n')) + fence_marker(&fence).chars().count();
        if reopened.chars().count() < chars.len() && first.chars().count() + closing <= limit {
            if !first.ends_with('\n') {
                first.push('\n');
            }
            first.push_str(fence_marker(&fence));
            rest = reopened;
        }
    }
    (first, rest)
}

/// The fence marker (backticks or tildes) at the start of a reopened fence line.
fn fence_marker(fence: &str) -> &str {
    let end = fence.find(|c: char| c != '`' && c != '~').unwrap_or(fence.len());
    &fence[..end]
}

/// A code fence left open at the end of `text`, as a short line to reopen it with: the marker
/// and at most a short language tag (the rest of the opening line is not carried over, or a
/// very long opening line would be copied into every part).
fn open_fence(text: &str) -> Option<String> {
    let mut open: Option<String> = None;
    for line in text.lines() {
        let t = line.trim_start();
        let Some(fence_char) = t.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let marker_len = t.chars().take_while(|&c| c == fence_char).count();
        if marker_len < 3 {
            continue;
        }
        match &open {
            // A closing fence: only the opening character, at least as many of it.
            Some(o) => {
                let closes = o.starts_with(fence_char)
                    && marker_len >= fence_marker(o).len()
                    && t.trim_end().len() == marker_len;
                if closes {
                    open = None;
                }
            }
            None => {
                let tag: String = t[marker_len..]
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || "+-_.#".contains(*c))
                    .take(MAX_FENCE_TAG)
                    .collect();
                open = Some(format!("{}{tag}", &t[..marker_len]));
            }
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

    #[test]
    fn a_long_fence_line_is_reopened_with_its_marker_and_a_short_tag() {
        // The attack: an opening line longer than a post. Copying it into every part would
        // never shrink the rest.
        let text = format!("```python{}\n{}", "x".repeat(40_000), "y = 1\n".repeat(10));
        let (a, b) = split(&text, SOFT_LIMIT);
        assert!(a.chars().count() <= SOFT_LIMIT);
        assert!(b.chars().count() < text.chars().count());
        assert!(
            !b.starts_with("```pythonxxxxxxxxxxxxxxxxxxxxxxxxx"),
            "{}",
            &b[..40]
        );
    }

    #[test]
    fn splitting_until_it_fits_always_ends() {
        let mut text = format!("~~~~ {}\n{}", "z".repeat(100_000), "w ".repeat(20_000));
        let mut parts = 0;
        while text.chars().count() > SOFT_LIMIT {
            let before = text.chars().count();
            let (_, rest) = split(&text, SOFT_LIMIT);
            assert!(rest.chars().count() < before);
            text = rest;
            parts += 1;
            assert!(parts < 20, "splitting does not make progress");
        }
    }
}
