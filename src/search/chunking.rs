//! Splits a post into overlapping pieces small enough to embed well. Sizes are characters.

/// How posts are split (`embeddingSearchConfig.chunkingOptions`).
#[derive(Debug, Clone, PartialEq)]
pub struct Chunking {
    pub size: usize,
    pub overlap: usize,
    pub strategy: Strategy,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Break at sentence ends, then lines, then spaces (the default).
    Sentences,
    /// Break at blank lines first.
    Paragraphs,
    /// Cut every `size` characters.
    Fixed,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking {
            size: 1000,
            overlap: 200,
            strategy: Strategy::Sentences,
        }
    }
}

impl Chunking {
    /// From the configured options; zero or nonsense values take the defaults.
    pub fn from_config(o: &crate::config::ChunkingOptions) -> Self {
        let d = Chunking::default();
        let size = usize::try_from(o.chunk_size)
            .ok()
            .filter(|s| *s >= 50)
            .unwrap_or(d.size);
        let overlap = usize::try_from(o.chunk_overlap)
            .ok()
            .filter(|v| *v < size)
            .unwrap_or(d.overlap.min(size / 2));
        let strategy = match o.chunking_strategy.as_str() {
            "paragraphs" => Strategy::Paragraphs,
            "fixed" => Strategy::Fixed,
            _ => Strategy::Sentences,
        };
        Chunking {
            size,
            overlap,
            strategy,
        }
    }

    /// The pieces of `text`, in order; a text that fits is one piece.
    pub fn split(&self, text: &str) -> Vec<String> {
        let text = text.trim();
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Vec::new();
        }
        if chars.len() <= self.size {
            return vec![text.to_owned()];
        }
        let mut out = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let hard_end = (start + self.size).min(chars.len());
            let end = if hard_end == chars.len() {
                hard_end
            } else {
                self.break_point(&chars[start..hard_end])
                    .map_or(hard_end, |b| start + b)
            };
            let piece: String = chars[start..end].iter().collect();
            let piece = piece.trim();
            if !piece.is_empty() {
                out.push(piece.to_owned());
            }
            if end >= chars.len() {
                break;
            }
            // Step back by the overlap, but always move forward.
            start = end.saturating_sub(self.overlap).max(start + 1);
        }
        out
    }

    /// Where to end a piece within `window` (an index past the separator), preferring the
    /// strategy's separators and a piece at least half the window long.
    fn break_point(&self, window: &[char]) -> Option<usize> {
        let separators: &[&str] = match self.strategy {
            Strategy::Fixed => return None,
            Strategy::Paragraphs => &["\n\n", "\n", ". ", "! ", "? ", " "],
            Strategy::Sentences => &[". ", "! ", "? ", "\n", " "],
        };
        let s: String = window.iter().collect();
        let min = window.len() / 2;
        for sep in separators {
            if let Some(byte) = s.rfind(sep) {
                let at = s[..byte].chars().count() + sep.chars().count();
                if at >= min {
                    return Some(at);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece_and_empty_is_none() {
        let c = Chunking::default();
        assert_eq!(c.split("  hello  "), vec!["hello"]);
        assert!(c.split("   ").is_empty());
    }

    #[test]
    fn long_text_breaks_at_sentences_with_overlap() {
        let c = Chunking {
            size: 60,
            overlap: 15,
            strategy: Strategy::Sentences,
        };
        let text = "The release is on Friday. Notes are owed by Alice. Bob checks the build. Carol writes the announcement.";
        let pieces = c.split(text);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert!(pieces.iter().all(|p| p.chars().count() <= 60));
        assert!(pieces[0].ends_with('.'), "{pieces:?}");
        // Every word survives somewhere.
        for w in text.split_whitespace() {
            assert!(pieces.iter().any(|p| p.contains(w)), "{w} lost: {pieces:?}");
        }
    }

    #[test]
    fn fixed_cuts_by_size_and_multibyte_text_is_safe() {
        let c = Chunking {
            size: 50,
            overlap: 10,
            strategy: Strategy::Fixed,
        };
        let text = "é".repeat(120);
        let pieces = c.split(&text);
        assert!(pieces.iter().all(|p| p.chars().count() <= 50));
        assert_eq!(pieces[0].chars().count(), 50);
    }

    #[test]
    fn configured_nonsense_falls_back_to_defaults() {
        let o = crate::config::ChunkingOptions {
            chunk_size: 0,
            chunk_overlap: 5000,
            ..Default::default()
        };
        let c = Chunking::from_config(&o);
        assert_eq!((c.size, c.overlap), (1000, 200));
    }
}
