//! `oras version`.

use serde_json::json;

use crate::Ctx;
use crate::error::Result;
use crate::output::print_json;

pub(crate) fn run(ctx: &Ctx) -> Result<()> {
    if ctx.json {
        print_json(&json!({"version": env!("CARGO_PKG_VERSION")}));
    } else {
        println!("Version: {}", env!("CARGO_PKG_VERSION"));
    }
    Ok(())
}
