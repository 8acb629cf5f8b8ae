//! A `multipart/form-data` body (RFC 7578), built in one buffer so the bundle is copied once:
//! the file is read straight into the body after its part's headers.

use std::hash::{BuildHasher, Hasher, RandomState};

pub struct Form {
    boundary: String,
    body: Vec<u8>,
    parts: usize,
}

impl Form {
    /// `capacity` is a hint: the bundle's size plus a little for the headers.
    pub fn new(capacity: usize) -> Form {
        Form {
            boundary: boundary(),
            body: Vec::with_capacity(capacity),
            parts: 0,
        }
    }

    /// A text field, as `force=true`.
    pub fn text(&mut self, name: &str, value: &str) {
        self.open_part(name, None, None);
        self.body.extend_from_slice(value.as_bytes());
    }

    /// Starts a file part and returns the body to append the file's bytes to.
    pub fn file(&mut self, name: &str, file_name: &str, content_type: &str) -> &mut Vec<u8> {
        self.open_part(name, Some(file_name), Some(content_type));
        &mut self.body
    }

    /// The `Content-Type` header value and the finished body.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("\r\n--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }

    fn open_part(&mut self, name: &str, file_name: Option<&str>, content_type: Option<&str>) {
        // The CRLF before a delimiter belongs to the delimiter, so every part but the first
        // starts with it (RFC 2046 5.1.1).
        if self.parts > 0 {
            self.body.extend_from_slice(b"\r\n");
        }
        self.parts += 1;
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            quoted(name)
        );
        if let Some(file_name) = file_name {
            head.push_str(&format!("; filename=\"{}\"", quoted(file_name)));
        }
        if let Some(content_type) = content_type {
            head.push_str(&format!("\r\nContent-Type: {content_type}"));
        }
        head.push_str("\r\n\r\n");
        self.body.extend_from_slice(head.as_bytes());
    }
}

/// 128 random bits (std's per-process random SipHash keys, no extra crate): a delimiter the
/// bundle's compressed bytes will not contain, so the bundle is not scanned for it.
fn boundary() -> String {
    let half = || RandomState::new().build_hasher().finish();
    format!("pluginctl-{:016x}{:016x}", half(), half())
}

/// A name inside a quoted header parameter: quotes, backslashes and line breaks would end or
/// split the header, so they become `_` (the server uses the file name only for its audit log).
fn quoted(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\\' | '\r' | '\n') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let mut form = Form::new(0);
        form.text("force", "true");
        form.file("plugin", "a\"b.tar.gz", "application/gzip")
            .extend_from_slice(b"\r\n--bytes\r\n");
        let boundary = form.boundary.clone();
        let (content_type, body) = form.finish();
        assert_eq!(content_type, format!("multipart/form-data; boundary={boundary}"));
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"force\"\r\n\r\ntrue\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"plugin\"; filename=\"a_b.tar.gz\"\r\n\
             Content-Type: application/gzip\r\n\r\n\r\n--bytes\r\n\r\n--{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8_lossy(&body), expected);
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(boundary(), boundary());
        assert!(
            boundary().len() <= 70,
            "RFC 2046 caps a boundary at 70 characters"
        );
    }
}
