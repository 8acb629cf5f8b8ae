//! Finding @mentions the way a reader sees them: in the markdown's text, never inside code
//! spans or code blocks, and never as part of an e-mail address.

use pulldown_cmark::{Event, Parser, Tag, TagEnd, TextMergeStream};

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The lowercased usernames @mentioned in `markdown`, in order, without duplicates. A name
/// ending in punctuation ("@bot." at the end of a sentence) is reported both with and without
/// the trailing characters, because both are valid usernames.
pub fn mentioned_usernames(markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_code_block = 0usize;
    // Merged text: an unmatched `_` or `*` splits a text event, and `@bot_` would be read as
    // `@bot` without this.
    for event in TextMergeStream::new(Parser::new(markdown)) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block += 1,
            Event::End(TagEnd::CodeBlock) => in_code_block = in_code_block.saturating_sub(1),
            Event::Text(t) if in_code_block == 0 => scan(&t, &mut out),
            _ => {}
        }
    }
    out
}

fn scan(text: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let preceded_by_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == '@' && !preceded_by_word {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_name_char(chars[end]) {
                end += 1;
            }
            if end > start {
                let name: String = chars[start..end].iter().collect::<String>().to_lowercase();
                let trimmed = name.trim_end_matches(['.', '-', '_']).to_owned();
                for n in [name, trimmed] {
                    if !n.is_empty() && !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mentioned_usernames as m;

    #[test]
    fn finds_mentions_in_text_only() {
        assert_eq!(m("hey @AI, help"), vec!["ai"]);
        assert_eq!(m("ask @ai."), vec!["ai.", "ai"]);
        assert!(m("`@ai` is the bot").is_empty());
        assert!(m("```\n@ai do it\n```").is_empty());
        assert!(m("    @ai indented code").is_empty());
        assert!(m("mail me at joe@ai.com").is_empty());
        assert_eq!(m("**@ai** and @other-bot"), vec!["ai", "other-bot"]);
        assert_eq!(m("> quoting @ai"), vec!["ai"]);
        assert_eq!(m("@ai @ai"), vec!["ai"]);
    }
}
