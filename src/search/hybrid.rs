//! The words side of hybrid search: the terms of a question that embeddings blur and people
//! search for literally (ticket keys, error codes, versions, hostnames, words in another
//! script), as a full-text query of OR'ed terms matched as written.
//!
//! Which terms: anything with a digit, `-`, `_` or `.` inside ("MM-48213", "E11000",
//! "v9.11.2", "db-prod-03") or with letters outside plain ASCII ("Störung", "ログイン"). Plain
//! words are left to the vector side: on the labelled quality set (bench/search/quality) adding
//! them to the fusion cost paraphrase queries more than it gained elsewhere (recall@10 0.74
//! overall with identifiers only, 0.69 with plain words at half weight, 0.68 at full weight;
//! vector alone 0.57). A question without such terms is a vector search.

/// The question's literal terms as a tsquery text for the `simple` configuration (empty when
/// there are none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextQuery {
    pub terms: String,
}

impl TextQuery {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// At most this many terms are searched for (a pasted page is not a query).
const MAX_TERMS: usize = 32;
/// Longer "words" are not identifiers anyone types (a pasted blob, a base64 string); they are
/// not searched for.
const MAX_TERM_CHARS: usize = 64;

/// The question's literal terms, each quoted, joined with `|`.
pub fn text_query(question: &str) -> TextQuery {
    let mut terms: Vec<String> = Vec::new();
    let words = question
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|w| {
            w.trim_matches(|c: char| matches!(c, '-' | '_' | '.'))
                .to_lowercase()
        })
        .filter(|w| !w.is_empty());
    for word in words {
        if terms.len() >= MAX_TERMS {
            break;
        }
        let literal = word
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.') || !c.is_ascii());
        if literal && word.chars().count() <= MAX_TERM_CHARS && !terms.contains(&word) {
            terms.push(word);
        }
    }
    TextQuery {
        terms: terms
            .into_iter()
            .map(|t| format!("'{}'", t.replace('\'', "''").replace('\\', "\\\\")))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_the_terms() {
        let q = text_query("Why did MM-48213 fail with ERR_CONN_RESET on v9.11.2 after deploying?");
        assert_eq!(q.terms, "'mm-48213' | 'err_conn_reset' | 'v9.11.2'");
    }

    #[test]
    fn plain_words_make_no_query() {
        assert!(text_query("Why did the login fail after deploying?").is_empty());
        assert!(text_query("   ").is_empty());
    }

    #[test]
    fn words_in_other_scripts_match_as_written() {
        let q = text_query("Störung beim Login, l'équipe, ログイン");
        assert_eq!(q.terms, "'störung' | 'équipe' | 'ログイン'");
    }

    #[test]
    fn a_blob_is_not_a_term() {
        let blob = "a1".repeat(2000);
        assert_eq!(text_query(&format!("{blob} MM-1")).terms, "'mm-1'");
    }

    #[test]
    fn a_long_paste_is_cut_to_the_first_terms() {
        let long = (0..100).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(text_query(&long).terms.matches('|').count(), MAX_TERMS - 1);
    }
}
