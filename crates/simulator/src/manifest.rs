//! The plugin's id and version, read from the workspace's plugin.json (the bundle's manifest)
//! so the simulator does not depend on the plugin's code.

use std::sync::LazyLock;

static MANIFEST: LazyLock<(String, String)> = LazyLock::new(|| {
    let v: serde_json::Value = serde_json::from_str(include_str!("../../../plugin.json")).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
    (field("id"), field("version"))
});

/// The plugin id the simulator installs the plugin under.
pub fn plugin_id() -> &'static str {
    &MANIFEST.0
}

/// The version the simulator's manifest reports.
pub fn plugin_version() -> &'static str {
    &MANIFEST.1
}
