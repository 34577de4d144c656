//! One module per command, as the Go CLI has `cmd/oras/root/<command>.go`: its flags as a
//! clap `Args` struct, and `run`.

pub(crate) mod attach;
pub(crate) mod blob;
pub(crate) mod completion;
pub(crate) mod copy;
pub(crate) mod discover;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod manifest;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod repo;
pub(crate) mod resolve;
pub(crate) mod tag;
pub(crate) mod version;

use crate::remote::RemoteArgs;

/// What `manifest delete` and `blob delete` take.
#[derive(clap::Args)]
pub(crate) struct DeleteArgs {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    pub(crate) reference: String,
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) remote: RemoteArgs,
}
