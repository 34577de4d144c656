//! The Go CLI's option groups: flags several commands share, each with its checks and
//! its wording of errors.

pub(crate) mod format;
pub(crate) mod output;
pub(crate) mod packer;
pub(crate) mod platform;
pub(crate) mod remote;
pub(crate) mod target;

pub(crate) use format::{Format, FormatArgs, FormatType};
pub(crate) use output::{DescriptorArgs, VerboseArgs};
pub(crate) use remote::{FromArgs, RemoteArgs, ToArgs};
pub(crate) use target::{Target, TargetArgs};
