//! Build-time inputs:
//! - plugin.json is the single source of the plugin id and version: the binary reports what the
//!   bundle's manifest declares, so the two can never disagree.
//!
//! proto/ is compiled by crates/plugin-runtime, which owns both transports.

use std::fs;

fn main() {
    manifest_env();
}

fn manifest_env() {
    println!("cargo:rerun-if-changed=plugin.json");
    let text = match fs::read_to_string("plugin.json") {
        Ok(t) => t,
        Err(e) => panic!("build.rs: cannot read plugin.json: {e}"),
    };
    let manifest: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("build.rs: plugin.json is not valid JSON: {e}"),
    };
    for (key, env) in [("id", "PLUGIN_ID"), ("version", "PLUGIN_VERSION")] {
        match manifest.get(key).and_then(|v| v.as_str()) {
            Some(v) if !v.is_empty() => println!("cargo:rustc-env={env}={v}"),
            _ => panic!("build.rs: plugin.json has no string field {key:?}"),
        }
    }
}
