//! `pluginctl deploy <plugin id> <bundle path>` · `enable <plugin id>` · `disable <plugin id>`.
//! Success prints one line to stdout; a failure prints one line to stderr and exits non-zero.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("pluginctl: {err}");
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(1))
        }
    }
}

fn run(args: &[String]) -> Result<String, pluginctl::Error> {
    let command = pluginctl::cli::parse(args)?;
    // One thread: a few requests in a row, nothing to run beside them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| pluginctl::Error::Startup(e.to_string()))?;
    runtime.block_on(pluginctl::run(&command, |name| std::env::var(name).ok()))
}
