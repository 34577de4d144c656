//! `oras manifest delete` (`remove`, `rm`): asks first unless `--force`; with `--force` a
//! missing manifest is `Missing`, not an error.

use oras_artifact::oci::Descriptor;

use crate::args::Cmd;
use crate::cmd::DeleteArgs;
use crate::display::Printer;
use crate::error::Result;
use crate::option::Target;

pub(crate) const CMD: Cmd = Cmd::new(
    "oras manifest delete",
    "oras manifest delete [flags] <name>{:<tag>|@<digest>}",
)
.long(crate::help::long::MANIFEST_DELETE)
.spec();

pub(crate) async fn run(a: DeleteArgs) -> Result<()> {
    CMD.exactly(&a.args, 1, "the manifest to delete")?;
    a.check()?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let printer = Printer::new(true);
    let store = target.open()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let found = match store.resolve(&reference).await {
        Ok(d) => Some(d),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(target.error(e)),
    };
    let prompt = |desc: &Descriptor| {
        format!(
            "Are you sure you want to delete the manifest {:?} and all tags associated with it?",
            desc.digest.to_string()
        )
    };
    a.delete(&printer, &target, store.as_ref(), found, "manifest", prompt)
        .await
}
