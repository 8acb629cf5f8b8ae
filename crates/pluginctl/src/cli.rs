//! The command line: `deploy <id> <bundle>`, `enable <id>`, `disable <id>`, as the plugin
//! starter's pluginctl takes them.

use std::path::PathBuf;

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Deploy { id: PluginId, bundle: PathBuf },
    Enable { id: PluginId },
    Disable { id: PluginId },
    Help,
}

/// A plugin id as Mattermost accepts it (`model.IsValidPluginId`: 3 to 190 characters from
/// `[a-zA-Z0-9-_.]`). Checked here because the id becomes a path segment of the request, so
/// nothing else (`/`, `?`, `%`) can reach the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginId(String);

impl PluginId {
    pub fn parse(id: &str) -> Result<PluginId, Error> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if (3..=190).contains(&id.chars().count()) && id.chars().all(allowed) {
            Ok(PluginId(id.to_owned()))
        } else {
            Err(Error::PluginId {
                id: id.chars().take(200).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PluginId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, Error> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => Err(Error::Usage("no command".into())),
        ["help" | "-h" | "--help"] => Ok(Command::Help),
        ["deploy", id, bundle] => Ok(Command::Deploy {
            id: PluginId::parse(id)?,
            bundle: bundle.into(),
        }),
        ["enable", id] => Ok(Command::Enable {
            id: PluginId::parse(id)?,
        }),
        ["disable", id] => Ok(Command::Disable {
            id: PluginId::parse(id)?,
        }),
        ["deploy" | "enable" | "disable", ..] => Err(Error::Usage(format!(
            "wrong number of arguments for {}",
            words[0]
        ))),
        [other, ..] => Err(Error::Usage(format!(
            "unknown command {:?}",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn commands() {
        assert_eq!(
            parse(&args(&["deploy", "mattermost-ai", "dist/x.tar.gz"])).ok(),
            Some(Command::Deploy {
                id: PluginId("mattermost-ai".into()),
                bundle: "dist/x.tar.gz".into()
            })
        );
        assert_eq!(
            parse(&args(&["enable", "com.example.x"])).ok(),
            Some(Command::Enable {
                id: PluginId("com.example.x".into())
            })
        );
        assert!(matches!(
            parse(&args(&["deploy", "mattermost-ai"])),
            Err(Error::Usage(_))
        ));
        assert!(matches!(parse(&args(&["upload", "x"])), Err(Error::Usage(_))));
        assert!(matches!(parse(&[]), Err(Error::Usage(_))));
    }

    #[test]
    fn plugin_ids_are_what_mattermost_accepts() {
        for good in ["abc", "mattermost-ai", "com.mattermost.ai_x", &"a".repeat(190)] {
            assert!(PluginId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "a/b/c",
            "../x",
            "a b c",
            "é-ai",
            "x?y=1",
            "%2e%2e",
            &"a".repeat(191),
        ] {
            assert!(PluginId::parse(bad).is_err(), "{bad}");
        }
    }
}
