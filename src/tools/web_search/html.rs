//! Readable text from an HTML page, for a model to read: the title, then the text of the body
//! with block elements on lines of their own. Scripts, styles and other non-text elements are
//! dropped; entities are decoded. A small scanner, not a parser: the page is untrusted and the
//! model only needs the words, so malformed markup just yields slightly different text.

/// Elements whose content is never text a reader sees.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "head",
];
/// Elements that start a new line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
    "main",
    "nav",
    "aside",
    "figcaption",
    "title",
];

/// The page's text, at most `max_chars` characters.
pub fn to_text(html: &str, max_chars: usize) -> String {
    let title = title_of(html);
    let mut out = String::new();
    if !title.is_empty() {
        out.push_str(&title);
        out.push_str("\n\n");
    }
    let mut raw = String::new();
    let mut rest = html;
    let mut skipping: Option<String> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                raw.push_str(rest);
            }
            break;
        };
        if skipping.is_none() {
            raw.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(open) = &skipping {
            if closing && *open == name {
                skipping = None;
            }
            continue;
        }
        if !closing && !tag.ends_with('/') && SKIPPED.contains(&name.as_str()) {
            skipping = Some(name);
            continue;
        }
        if BLOCKS.contains(&name.as_str()) {
            raw.push('\n');
        } else {
            // Inline elements still separate words written next to them.
            raw.push(' ');
        }
        // Nothing more can be kept: stop scanning a page that goes on for megabytes.
        if raw.len() > max_chars.saturating_mul(8) {
            break;
        }
    }
    let decoded = decode_entities(&raw);
    // One line per block of text; the empty lines markup leaves between blocks say nothing.
    for line in decoded.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            continue;
        }
        out.push_str(&line);
        out.push('\n');
    }
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars).collect::<String>() + "\n[…truncated]";
    }
    out.trim_end().to_owned()
}

/// The `<title>`'s text, or empty.
fn title_of(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let Some(start) = lower.find("<title") else {
        return String::new();
    };
    let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else {
        return String::new();
    };
    let Some(end) = lower[open_end..].find("</title").map(|i| open_end + i) else {
        return String::new();
    };
    // `to_ascii_lowercase` keeps byte offsets, so they index `html` as well.
    let title = decode_entities(html.get(open_end..end).unwrap_or(""));
    title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect()
}

/// `&amp;`, `&lt;`, `&#39;`, `&#x27;`, … ; unknown entities stay as they are.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .char_indices()
            .take(10)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i + 1);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "copy" => '©',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_markup_scripts_or_styles() {
        let html = "<html><head><title>The &amp; Title</title><style>p{}</style></head>\
            <body><script>var x = '<p>no</p>';</script><h1>Head</h1><p>One <b>bold</b>&nbsp;word.</p>\
            <!-- hidden --><ul><li>a</li><li>b &#x27;c&#39;</li></ul></body></html>";
        let text = to_text(html, 1000);
        assert_eq!(text, "The & Title\n\nHead\nOne bold word.\na\nb 'c'");
    }

    #[test]
    fn long_pages_are_cut() {
        let html = format!("<p>{}</p>", "word ".repeat(10_000));
        let text = to_text(&html, 100);
        assert!(text.ends_with("[…truncated]"));
        assert!(text.chars().count() < 120);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in [
            "<",
            "<p",
            "&",
            "&#xFFFFFFFF;",
            "<!--",
            "<script>never closed",
            "é<é>&é;",
        ] {
            let _ = to_text(s, 50);
        }
    }
}
