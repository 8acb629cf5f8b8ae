//! What the plugin itself says to users, in their language: translation files in Mattermost's
//! server-plugin convention (`assets/i18n/active.<lang>.json`, go-i18n's flat id → text, with
//! `{{.Name}}` placeholders), compiled into the binary so a message never depends on the
//! bundle's layout. The user's `locale` picks the file; a region (`pt-BR`, `de_CH`) falls back
//! to its language, an unknown language or a missing id to English.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// Languages with a file, English first.
pub const LANGUAGES: [(&str, &str); 5] = [
    ("en", include_str!("../assets/i18n/active.en.json")),
    ("de", include_str!("../assets/i18n/active.de.json")),
    ("es", include_str!("../assets/i18n/active.es.json")),
    ("fr", include_str!("../assets/i18n/active.fr.json")),
    ("ja", include_str!("../assets/i18n/active.ja.json")),
];

type Catalog = HashMap<String, String>;

fn catalogs() -> &'static Vec<(&'static str, Catalog)> {
    static ALL: OnceLock<Vec<(&'static str, Catalog)>> = OnceLock::new();
    ALL.get_or_init(|| {
        LANGUAGES
            .iter()
            .map(|(lang, text)| {
                // A broken file (a test catches it) must not take the plugin down: English
                // or the id is said instead.
                let catalog = serde_json::from_str(text).unwrap_or_else(|e| {
                    tracing::error!(lang, error = %e, "a translation file could not be read");
                    Catalog::new()
                });
                (*lang, catalog)
            })
            .collect()
    })
}

/// A named value for a placeholder.
pub fn arg(name: &'static str, value: impl Display) -> (&'static str, String) {
    (name, value.to_string())
}

/// A user's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Locale {
    /// Into [`LANGUAGES`]; 0 is English.
    index: usize,
}

impl Locale {
    /// The language of a Mattermost `locale` (`de`, `pt-BR`, `zh-CN`…); English when none.
    pub fn new(locale: &str) -> Self {
        let base = locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        let index = LANGUAGES.iter().position(|(l, _)| *l == base).unwrap_or(0);
        Locale { index }
    }

    pub fn code(&self) -> &'static str {
        LANGUAGES[self.index].0
    }

    /// English: the texts are written in it, nothing needs saying again.
    pub fn is_english(&self) -> bool {
        self.index == 0
    }

    /// The text of `id` with its placeholders filled.
    pub fn tr(&self, id: &str, args: &[(&'static str, String)]) -> String {
        let all = catalogs();
        let text = all
            .get(self.index)
            .and_then(|(_, c)| c.get(id))
            .or_else(|| all.first().and_then(|(_, c)| c.get(id)))
            .map(String::as_str)
            .unwrap_or(id);
        fill(text, args)
    }
}

/// `text` with each `{{.Name}}` replaced by its value, in one pass: a value is never read
/// again, so one that looks like a placeholder (a server's name, a model's output) stays as it
/// is. A placeholder without a value is left as written.
fn fill(text: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
            value.map(|v| (v, end))
        });
        match value {
            Some((v, end)) => {
                out.push_str(v);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{.");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A message for a user, kept as its id and arguments until someone reads it: code that
/// refuses (an action's checks, a post action) need not know who asked, and the HTTP edge says
/// it in the caller's language. Shown as English wherever no reader is known (logs, `Display`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A message of the translation files.
    Message {
        id: &'static str,
        args: Vec<(&'static str, String)>,
    },
    /// Text said as it is: already in the reader's language, or a detail nobody translates
    /// (a server failure's safe text).
    Plain(String),
}

impl Text {
    /// The message `id` with its placeholders' values.
    pub fn tr(id: &'static str, args: &[(&'static str, String)]) -> Self {
        Text::Message {
            id,
            args: args.to_vec(),
        }
    }

    /// What a reader of `locale` is shown.
    pub fn in_locale(&self, locale: &Locale) -> String {
        match self {
            Text::Message { id, args } => locale.tr(id, args),
            Text::Plain(s) => s.clone(),
        }
    }

    /// Whether the reader's language changes the text (a plain text is said as it is).
    pub fn is_translated(&self) -> bool {
        matches!(self, Text::Message { .. })
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_locale(&Locale::default()))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Plain(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        s.split("{{.")
            .skip(1)
            .filter_map(|p| p.split("}}").next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_language_has_every_message_with_the_same_placeholders() {
        let all = catalogs();
        let en = &all[0].1;
        assert!(!en.is_empty());
        for (lang, c) in all.iter().skip(1) {
            let missing: Vec<_> = en.keys().filter(|k| !c.contains_key(*k)).collect();
            let extra: Vec<_> = c.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}: missing {missing:?}, extra {extra:?}"
            );
            for (id, text) in en {
                assert_eq!(placeholders(text), placeholders(&c[id]), "{lang} {id}");
                assert!(!c[id].trim().is_empty(), "{lang} {id} is empty");
            }
        }
    }

    /// `group.rest`, lower case, digits and `_` only, `group` one of the files' first parts.
    fn looks_like_id(s: &str, groups: &BTreeSet<&str>) -> bool {
        let Some((group, rest)) = s.split_once('.') else {
            return false;
        };
        groups.contains(group)
            && !rest.is_empty()
            && !s.ends_with('.')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    }

    #[test]
    fn every_id_the_code_uses_is_in_english() {
        let en = &catalogs()[0].1;
        let groups: BTreeSet<&str> = en.keys().filter_map(|k| k.split('.').next()).collect();
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // `locale.tr("…")` and `Text::tr("…")`.
                for call in [".tr(", "::tr("] {
                    for part in text.split(call).skip(1) {
                        let part = part.trim_start();
                        if let Some(rest) = part.strip_prefix('"') {
                            let id = rest.split('"').next().unwrap_or("");
                            if id.contains('.') && !id.contains(' ') && !en.contains_key(id) {
                                missing.push(format!("{}: {id}", path.display()));
                            }
                        }
                    }
                }
                // Ids kept in constants or handed to helpers: any literal shaped like an id of
                // a known group (`answer.note.truncated`).
                for id in text.split('"').skip(1).step_by(2) {
                    if looks_like_id(id, &groups) && !en.contains_key(id) {
                        missing.push(format!("{}: {id}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "ids without English text: {missing:?}");
    }

    #[test]
    fn placeholders_are_filled_once() {
        let args = [arg("A", "{{.B}}"), arg("B", "b")];
        assert_eq!(fill("{{.A}} and {{.B}}", &args), "{{.B}} and b");
        assert_eq!(fill("{{.C}} {{.", &args), "{{.C}} {{.");
        assert_eq!(fill("日本{{.B}}語", &args), "日本b語");
    }

    #[test]
    fn regions_fall_back_to_their_language_and_unknown_to_english() {
        assert_eq!(Locale::new("de-CH").code(), "de");
        assert_eq!(Locale::new("ja").code(), "ja");
        assert_eq!(Locale::new("pt-BR").code(), "en");
        assert_eq!(Locale::new("").code(), "en");
        assert_eq!(Locale::new("fr").tr("no.such.id", &[]), "no.such.id");
    }
}
