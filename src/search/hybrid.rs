//! The words side of hybrid search: a question turned into a full-text query of OR'ed terms
//! (a post need not contain every word of a question to be a good answer), each term in the
//! text-search configuration that suits it.
//!
//! Plain English words go through `english` (stop words dropped, stems matched: "deployed"
//! finds "deploying"); anything that looks like an identifier (digits, `-`, `_`, `.`) or is not
//! plain ASCII goes through `simple`, so "MM-48213", "E11000" or "Störung" match as written,
//! and when a question has such terms they alone are searched for. The index holds both forms
//! of every chunk (see `schema`).

/// Terms of one question, as two tsquery texts (empty when there are none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextQuery {
    pub english: String,
    pub simple: String,
}

impl TextQuery {
    pub fn is_empty(&self) -> bool {
        self.english.is_empty() && self.simple.is_empty()
    }
}

/// At most this many terms are searched for (a pasted page is not a query).
const MAX_TERMS: usize = 32;

/// PostgreSQL's English stop words (its `english.stop` list), so no query of only stop words
/// reaches the `english` configuration (which would answer with an empty query and a notice).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "s",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// The question's terms as tsquery texts: each term quoted, the terms joined with `|`.
pub fn text_query(question: &str) -> TextQuery {
    let mut english: Vec<String> = Vec::new();
    let mut simple: Vec<String> = Vec::new();
    let words = question
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|w| {
            w.trim_matches(|c: char| matches!(c, '-' | '_' | '.'))
                .to_lowercase()
        })
        .filter(|w| !w.is_empty());
    for word in words {
        if english.len() + simple.len() >= MAX_TERMS {
            break;
        }
        let plain = word.chars().all(|c| c.is_ascii_alphabetic());
        if plain {
            if word.len() < 2 || STOP_WORDS.contains(&word.as_str()) || english.contains(&word) {
                continue;
            }
            english.push(word);
        } else if !simple.contains(&word) {
            simple.push(word);
        }
    }
    let join = |terms: Vec<String>| {
        terms
            .into_iter()
            .map(|t| format!("'{}'", t.replace('\'', "''").replace('\\', "\\\\")))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    // Identifiers and words as written are the selective part of a question ("MM-48213 login
    // fails"): when there are some, they alone are searched for, and the common words that
    // would match half the index are left to the vector side.
    if !simple.is_empty() {
        english.clear();
    }
    TextQuery {
        english: join(english),
        simple: join(simple),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_identifiers_go_to_their_configurations() {
        let q = text_query("Why did the login fail after deploying?");
        assert_eq!(q.english, "'login' | 'fail' | 'deploying'");
        assert_eq!(q.simple, "");
        // Identifiers are the selective part: they alone are searched for.
        let q = text_query("Why did MM-48213 fail with ERR_CONN_RESET on v9.11.2 after deploying?");
        assert_eq!(q.english, "");
        assert_eq!(q.simple, "'mm-48213' | 'err_conn_reset' | 'v9.11.2'");
    }

    #[test]
    fn stop_words_alone_make_no_query() {
        assert!(text_query("what is it?").is_empty());
        assert!(text_query("   ").is_empty());
    }

    #[test]
    fn other_languages_match_as_written() {
        let q = text_query("Störung beim Login, l'équipe");
        assert_eq!(q.english, "");
        assert_eq!(q.simple, "'störung' | 'équipe'");
    }

    #[test]
    fn a_long_paste_is_cut_to_the_first_terms() {
        let long = (0..100).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(text_query(&long).simple.matches('|').count(), MAX_TERMS - 1);
    }
}
