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

    /// The text of `id` with its placeholders filled.
    pub fn tr(&self, id: &str, args: &[(&'static str, String)]) -> String {
        let all = catalogs();
        let text = all
            .get(self.index)
            .and_then(|(_, c)| c.get(id))
            .or_else(|| all.first().and_then(|(_, c)| c.get(id)))
            .map(String::as_str)
            .unwrap_or(id);
        let mut out = text.to_owned();
        for (name, value) in args {
            out = out.replace(&format!("{{{{.{name}}}}}"), value);
        }
        out
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

    #[test]
    fn every_id_the_code_uses_is_in_english() {
        let en = &catalogs()[0].1;
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
                for part in text.split(".tr(").skip(1) {
                    let part = part.trim_start();
                    if let Some(rest) = part.strip_prefix('"') {
                        let id = rest.split('"').next().unwrap_or("");
                        if id.contains('.') && !id.contains(' ') && !en.contains_key(id) {
                            missing.push(format!("{}: {id}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "ids without English text: {missing:?}");
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
