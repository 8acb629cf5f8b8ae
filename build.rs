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
    // rust-lld (x86_64 Linux's default linker from Rust 1.90) folds identical functions: generic
    // code instantiated for many types is often the same machine code. That takes the resident
    // code below a Go plugin's. GNU ld (older toolchains, Debian's arm64 cross linker) cannot.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64")
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("PROFILE").as_deref() == Ok("release")
        && rustc_minor().is_some_and(|m| m >= 90)
    {
        println!("cargo:rustc-link-arg-bin=mattermost-ai=-Wl,--icf=all");
    }
}

/// The minor version of the compiler building us (`rustc 1.95.0 (…)` → 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = std::process::Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().nth(1)?.split('.').nth(1)?.parse().ok()
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
