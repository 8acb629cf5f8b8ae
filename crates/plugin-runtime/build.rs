//! The workspace's proto/*.proto (Mattermost's plugin hooks and API, go-plugin's controller) are
//! compiled with protox (pure Rust, no protoc needed) into tonic clients and servers for both
//! sides, so the simulator can play the host with the same definitions.

fn main() {
    println!("cargo:rerun-if-changed=../../proto");
    let files = [
        "../../proto/hooks.proto",
        "../../proto/api.proto",
        "../../proto/goplugin.proto",
    ];
    let fds = match protox::compile(files, ["../../proto"]) {
        Ok(f) => f,
        Err(e) => panic!("build.rs: proto/ does not compile: {e}"),
    };
    if let Err(e) = tonic_prost_build::configure().compile_fds(fds) {
        panic!("build.rs: generating gRPC code failed: {e}");
    }
}
