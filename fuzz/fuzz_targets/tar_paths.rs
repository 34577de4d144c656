//! Unpacking an arbitrary tar never writes outside the output directory and never leaves a
//! symbolic link there that points outside it.
#![no_main]

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use libfuzzer_sys::fuzz_target;

fn inside(base: &Path, link_dir: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut parts: Vec<_> = link_dir
        .strip_prefix(base)
        .expect("under base")
        .components()
        .collect();
    for c in target.components() {
        match c {
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return false;
                }
            }
            Component::Normal(_) => parts.push(c),
            _ => {}
        }
    }
    true
}

fn check(base: &Path, dir: &Path) {
    for e in std::fs::read_dir(dir).expect("readable") {
        let e = e.expect("entry");
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).expect("metadata");
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&p).expect("link");
            assert!(
                inside(base, dir, &target),
                "{} -> {}",
                p.display(),
                target.display()
            );
        } else if meta.is_dir() {
            check(base, &p);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let root: PathBuf = std::env::temp_dir().join(format!(
        "oras-fuzz-tar-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let dest = root.join("dest");
    std::fs::create_dir_all(&dest).expect("temp dir");
    let gz_path = root.join("layer.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).expect("create"),
        flate2::Compression::fast(),
    );
    gz.write_all(data).expect("write");
    gz.finish().expect("finish");
    let _ = oras_artifact::fuzzing::unpack(&gz_path, &dest);
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .expect("root")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["dest", "layer.tar.gz"],
        "nothing written beside the output directory"
    );
    check(&dest, &dest);
    std::fs::remove_dir_all(&root).expect("cleanup");
});
