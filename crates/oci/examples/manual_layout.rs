//! Pushes files into an OCI image layout directory as an ORAS artifact, then pulls them
//! back out, verifying every byte. No registry needed.
//!
//! ```text
//! cargo run -p oras-oci --example manual_layout -- DIR FILE...
//! ```
//!
//! `DIR/layout` becomes an OCI image layout with the artifact tagged `latest`
//! (`skopeo inspect oci:DIR/layout:latest` reads it); the files come back in `DIR/pulled`.
//! The higher-level crates do this, and much more, for registries too.
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use std::error::Error;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use oras_oci::pack::{PackOptions, pack_manifest};
use oras_oci::verify::VerifyingReader;
use oras_oci::{
    Algorithm, Descriptor, Digest, Digester, ImageIndex, Manifest, annotations, media_type,
};

const TAG: &str = "latest";

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, files @ ..] = args.as_slice() else {
        return Err("usage: manual_layout DIR FILE...".into());
    };
    if files.is_empty() {
        return Err("usage: manual_layout DIR FILE... (give at least one file)".into());
    }
    let layout = Path::new(dir).join("layout");
    let manifest = push(&layout, files)?;
    println!("pushed {} to {}:{TAG}", manifest.digest(), layout.display());
    let pulled = pull(&layout, &Path::new(dir).join("pulled"))?;
    for (path, desc) in pulled {
        println!(
            "pulled {} ({} bytes, {}) and verified it",
            path.display(),
            desc.size,
            desc.digest
        );
    }
    Ok(())
}

/// Writes each file as a blob, packs a manifest, and tags it in `index.json`.
fn push(layout: &Path, files: &[String]) -> Result<Manifest, Box<dyn Error>> {
    fs::create_dir_all(layout.join("blobs/sha256"))?;
    write_atomic(
        &layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    let mut layers = Vec::new();
    for file in files {
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("a file needs a name")?;
        let mut desc = store_file(layout, Path::new(file))?;
        desc.set_annotation(annotations::TITLE, name);
        layers.push(desc);
    }
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.oras-rs.example".into());
    opts.layers = layers;
    let packed = pack_manifest(opts)?;
    for (desc, bytes) in &packed.blobs {
        write_atomic(&blob_path(layout, &desc.digest), bytes)?;
    }
    let manifest = packed.manifest;
    write_atomic(&blob_path(layout, manifest.digest()), manifest.bytes())?;
    let mut entry = manifest.descriptor();
    entry.set_annotation(annotations::REF_NAME, TAG);
    write_atomic(
        &layout.join("index.json"),
        &ImageIndex::new(vec![entry]).to_json(),
    )?;
    Ok(manifest)
}

/// Streams a file into the layout, hashing as it copies; renames into place when done.
fn store_file(layout: &Path, file: &Path) -> io::Result<Descriptor> {
    let tmp = layout.join(format!("blobs/.ingest-{}", std::process::id()));
    let mut out = File::create(&tmp)?;
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut input = File::open(file)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digester.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        size += n as u64;
    }
    out.sync_all()?;
    let digest = digester.finish();
    fs::rename(&tmp, blob_path(layout, &digest))?;
    Ok(Descriptor::new(media_type::ORAS_DEFAULT_FILE, digest, size))
}

/// Resolves the tag, reads the manifest, and writes each titled layer into `out`.
fn pull(layout: &Path, out: &Path) -> Result<Vec<(PathBuf, Descriptor)>, Box<dyn Error>> {
    let index = Manifest::parse(
        fs::read(layout.join("index.json"))?,
        Some(media_type::OCI_INDEX),
    )?;
    let index = index.as_index().ok_or("index.json is not an image index")?;
    let desc = index
        .manifests
        .iter()
        .find(|d| d.annotation(annotations::REF_NAME) == Some(TAG))
        .ok_or("tag not found in index.json")?;
    let mut bytes = Vec::new();
    VerifyingReader::for_descriptor(File::open(blob_path(layout, &desc.digest))?, desc)?
        .read_to_end(&mut bytes)?;
    let manifest = Manifest::parse(bytes, Some(&desc.media_type))?;
    let image = manifest.as_image().ok_or("not an image manifest")?;
    fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for layer in &image.layers {
        let Some(title) = layer.title() else { continue };
        if title.contains(['/', '\\']) || title == ".." || title == "." {
            return Err(format!("refusing to write {title:?} outside {}", out.display()).into());
        }
        let mut reader =
            VerifyingReader::for_descriptor(File::open(blob_path(layout, &layer.digest))?, layer)?;
        let tmp = out.join(format!(".{title}.partial"));
        if let Err(e) = io::copy(&mut reader, &mut File::create(&tmp)?) {
            let _ = fs::remove_file(&tmp); // nothing unverified stays behind
            return Err(e.into());
        }
        let target = out.join(title);
        fs::rename(&tmp, &target)?;
        written.push((target, layer.clone()));
    }
    Ok(written)
}

fn blob_path(layout: &Path, digest: &Digest) -> PathBuf {
    layout
        .join("blobs")
        .join(digest.algorithm_name())
        .join(digest.encoded())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes)?;
    fs::rename(tmp, path)
}
