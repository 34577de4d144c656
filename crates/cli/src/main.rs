//! The `oras` command (not yet implemented beyond `oras version`).
//!
//! It will offer the commands of the Go `oras` CLI (`push`, `pull`, `attach`, `discover`,
//! `copy`, `tag`, `resolve`, `manifest`, `blob`, `repo`, `login`, `logout`) on top of
//! `oras-artifact`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("version") => {
            println!("Version: {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(cmd) => {
            eprintln!(
                "Error: the `{cmd}` command is not implemented yet; this build only has `oras version`"
            );
            ExitCode::from(2)
        }
        None => {
            eprintln!("Usage: oras version");
            ExitCode::from(2)
        }
    }
}
