//! Real container images, made and read by another implementation: a multi-platform image
//! (gzip layers, configs with diff_ids) written into a layout here, pushed by skopeo as it
//! is (OCI index) and converted (Docker schema 2 manifest list), copied by this crate
//! between registries and layouts, and read back by skopeo: every digest kept, every byte
//! the same.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use oras_artifact::oci::{
    Descriptor, Digest, ImageIndex, ImageManifest, Manifest, Platform, media_type,
};
use oras_artifact::prelude::*;
use oras_artifact::{
    CopyOptions, OciLayout, Remote, copy, fetch_manifest, push_blob, push_manifest,
};
use oras_tests::{Registry, registries};

use crate::TempDir;
use crate::remote::remote;

/// A gzip-compressed tar of `files`, and its diff_id (the digest of the tar).
fn layer(files: &[(&str, &[u8])]) -> (Vec<u8>, Digest) {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o755);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, name, *data).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let diff_id = Digest::sha256(&tar);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    (gz.finish().unwrap(), diff_id)
}

/// A two-platform image in `layout` tagged `v1`: a shared base layer and an app layer per
/// architecture, configs naming their diff_ids. Returns the index's descriptor.
async fn write_image(layout: &OciLayout) -> Descriptor {
    let (base, base_id) = layer(&[("etc/os-release", b"ID=test\n")]);
    let base = push_blob(layout, media_type::OCI_LAYER_GZIP, base.into())
        .await
        .unwrap();
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let (app, app_id) = layer(&[("app", format!("#!/bin/sh\necho {arch}\n").as_bytes())]);
        let app = push_blob(layout, media_type::OCI_LAYER_GZIP, app.into())
            .await
            .unwrap();
        let config = serde_json::json!({
            "architecture": arch,
            "os": "linux",
            "config": {"Cmd": ["/app"]},
            "rootfs": {"type": "layers", "diff_ids": [base_id.to_string(), app_id.to_string()]},
            "history": [{"created_by": "base"}, {"created_by": "app"}],
        });
        let config = push_blob(
            layout,
            media_type::OCI_CONFIG,
            serde_json::to_vec(&config).unwrap().into(),
        )
        .await
        .unwrap();
        let mut image = ImageManifest::new(config, vec![base.clone(), app]);
        image.media_type = Some(media_type::OCI_MANIFEST.to_owned());
        let manifest = Manifest::from_image(image);
        let mut d = push_manifest(layout, &manifest, None).await.unwrap();
        d.platform = Some(Platform::new("linux", arch));
        entries.push(d);
    }
    let index = Manifest::from_index(ImageIndex::new(entries));
    push_manifest(layout, &index, Some("v1")).await.unwrap()
}

/// Runs skopeo; its stdout.
fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// skopeo's name for a repository of a test registry, and the flags it needs for it.
fn docker(r: &Registry, repo: &Remote, side: &str) -> (String, Vec<String>) {
    let mut flags = vec![format!("--{side}-tls-verify=false")];
    if let (Some(u), Some(p)) = (&r.username, &r.password) {
        flags.push(format!("--{side}-creds={u}:{p}"));
    }
    (
        format!("docker://{}/{}:v1", r.host(), repo.repository().name()),
        flags,
    )
}

/// `copy`'s `--src-…`/`--dest-…` flags as `inspect` takes them.
fn inspect_flags(flags: &[String]) -> Vec<String> {
    flags
        .iter()
        .map(|f| f.replace("--dest-", "--").replace("--src-", "--"))
        .collect()
}

/// The manifest skopeo finds at `image` (raw bytes), with `flags`.
fn raw(image: &str, flags: &[String]) -> Vec<u8> {
    let flags = inspect_flags(flags);
    let mut args = vec!["inspect", "--raw"];
    args.extend(flags.iter().map(String::as_str));
    args.push(image);
    skopeo(&args)
}

/// Every blob and manifest under `root` is in `target`.
async fn complete(target: &dyn ReadOnlyTarget, root: &Descriptor) {
    let mut queue = vec![root.clone()];
    while let Some(d) = queue.pop() {
        assert!(
            target.exists(&d).await.unwrap(),
            "{target:?} lacks {}",
            d.digest
        );
        if media_type::is_manifest(&d.media_type) {
            let m = fetch_manifest(target, &d).await.unwrap();
            queue.extend(m.successors().into_iter().cloned());
        }
    }
}

#[tokio::test]
async fn real_images_keep_every_digest_and_skopeo_reads_the_copies() {
    let (anonymous, basic) = (&registries().anonymous, &registries().basic);
    let work = TempDir::new();
    let source = OciLayout::open(work.join("built")).unwrap();
    let built = write_image(&source).await;
    let layout_ref = format!("oci:{}:v1", source.root().display());

    // skopeo pushes it as it is, and converted to Docker schema 2 with a manifest list.
    let oci = remote(anonymous, "images/oci");
    let v2s2 = remote(anonymous, "images/v2s2");
    for (repo, format) in [(&oci, None), (&v2s2, Some("v2s2"))] {
        let (name, flags) = docker(anonymous, repo, "dest");
        let mut args = vec!["copy", "--all"];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        args.extend(flags.iter().map(String::as_str));
        args.extend([layout_ref.as_str(), name.as_str()]);
        skopeo(&args);
    }
    let as_pushed = oci.resolve(&"v1".parse().unwrap()).await.unwrap();
    assert_eq!(
        as_pushed.digest, built.digest,
        "skopeo kept the OCI index as written"
    );
    let converted = v2s2.resolve(&"v1".parse().unwrap()).await.unwrap();
    assert_eq!(converted.media_type, media_type::DOCKER_MANIFEST_LIST);
    let list = fetch_manifest(&v2s2, &converted).await.unwrap();
    assert!(
        list.as_index()
            .unwrap()
            .manifests
            .iter()
            .all(|m| m.media_type == media_type::DOCKER_MANIFEST && m.platform.is_some()),
        "{list:?}"
    );

    for (name, from, root) in [("oci", &oci, &as_pushed), ("v2s2", &v2s2, &converted)] {
        let (src_name, src_flags) = docker(anonymous, from, "src");
        let original = raw(&src_name, &src_flags);
        assert_eq!(Digest::sha256(&original), root.digest);

        // Registry to a layout, the layout to another registry (basic auth), and registry
        // to registry.
        let layout = OciLayout::open(work.join(&format!("{name}-layout"))).unwrap();
        let a = copy(from, "v1", &layout, Some("v1"), &CopyOptions::default())
            .await
            .unwrap();
        let mirrored = remote(basic, &format!("images/{name}-from-layout"));
        let b = copy(
            &layout,
            "v1",
            &mirrored,
            Some("v1"),
            &CopyOptions::default(),
        )
        .await
        .unwrap();
        let direct = remote(basic, &format!("images/{name}-direct"));
        let c = copy(from, "v1", &direct, Some("v1"), &CopyOptions::default())
            .await
            .unwrap();
        for (copied, at) in [
            (&a, &layout as &dyn ReadOnlyTarget),
            (&b, &mirrored),
            (&c, &direct),
        ] {
            assert_eq!(copied.digest, root.digest, "{at:?}: the same digest");
            complete(at, root).await;
        }

        // skopeo reads every copy: the same manifest bytes, and a full copy out of each,
        // which checks every blob against its digest.
        let from_layout = format!("oci:{}:v1", layout.root().display());
        // containers/image reads only OCI media types from a layout's index.json, so the
        // Docker-format copy is read back from the registries only.
        if name == "oci" {
            assert_eq!(raw(&from_layout, &[]), original, "{name}: layout");
        }
        for repo in [&mirrored, &direct] {
            let (image, flags) = docker(basic, repo, "src");
            assert_eq!(raw(&image, &flags), original, "{name}: {image}");
            let check = work.join(&format!(
                "check-{name}-{}",
                repo.repository().name().replace('/', "-")
            ));
            let mut args = vec!["copy".to_owned(), "--all".to_owned()];
            args.extend(flags);
            args.extend([image, format!("dir:{}", check.display())]);
            skopeo(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(Path::new(&check).join("manifest.json").exists());
        }
        let (copied, flags) = docker(basic, &direct, "src");
        let flags = inspect_flags(&flags);
        let mut args = vec!["inspect", "--config", "--override-arch", "arm64"];
        args.extend(flags.iter().map(String::as_str));
        args.push(&copied);
        let config = skopeo(&args);
        let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"].as_array().map(Vec::len),
            Some(2),
            "{config}"
        );
        assert_eq!(config["architecture"], "arm64");
    }
}
