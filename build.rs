//! Build-time inputs:
//! - plugin.json is the single source of the plugin id and version: the binary reports what the
//!   bundle's manifest declares, so the two can never disagree.
//!
//! proto/ is compiled by crates/plugin-runtime, which owns both transports.

use std::fs;

fn main() {
    manifest_env();
    non_pie_executable();
}

/// The plugin executable is linked at a fixed address, like Go's executables (the Go plugins and
/// the server Mattermost runs beside it): a position-independent one carries ~47,000 startup
/// relocations whose pages each process copies, about 1 MiB of resident memory and a
/// millisecond of start-up. Libraries, stack and heap are still randomised.
fn non_pie_executable() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=mattermost-ai=-no-pie");
    }
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
