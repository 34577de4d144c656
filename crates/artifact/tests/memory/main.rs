//! A 1 GiB artifact pushed from a file, pulled to a directory and copied between two
//! registries keeps the process's peak RSS under 64 MiB.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]

use std::io::Write;

use oras_artifact::auth::{Authenticator, Credential, StaticCredentials};
use oras_artifact::distribution::{Client, ClientConfig, HyperTransport};
use oras_artifact::{CopyOptions, FileSpec, PullOptions, PushOptions, Remote, copy, pull, push};
use oras_tests::{Registry, registries};

fn remote(r: &Registry, repo: &str) -> Remote {
    let creds = match (&r.username, &r.password) {
        (Some(u), Some(p)) => {
            StaticCredentials::new().with_any_host(Credential::basic(u.clone(), p.clone()))
        }
        _ => StaticCredentials::new(),
    };
    let client = Client::new(
        HyperTransport::new().unwrap(),
        Authenticator::new(creds),
        ClientConfig::default(),
    );
    Remote::new(
        client.repository(
            &format!("{}/{repo}-{}", r.host(), std::process::id())
                .parse()
                .unwrap(),
        ),
    )
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_artifact_push_pull_and_copy_keep_peak_rss_under_64_mib() {
    let dir = std::env::temp_dir().join(format!("oras-artifact-1gib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..1024u64 {
            block[..8].copy_from_slice(&i.to_le_bytes());
            block[8..16].copy_from_slice(&(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes());
            f.write_all(&block).unwrap();
        }
        f.flush().unwrap();
    }
    let regs = registries();
    let src = remote(&regs.anonymous, "memory/artifact");
    let mut opts = PushOptions::default();
    opts.artifact_type = Some("application/vnd.oras-rs.big".into());
    opts.tags = vec!["v1".into()];
    let started = std::time::Instant::now();
    let pushed = push(&src, &[FileSpec::named(&file, "big.bin")], &opts)
        .await
        .unwrap();
    let push_time = started.elapsed();
    std::fs::remove_file(&file).unwrap();

    let out = dir.join("out");
    pull(&src, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(
        std::fs::metadata(out.join("big.bin")).unwrap().len(),
        1 << 30
    );
    let pull_time = started.elapsed() - push_time;

    let dst = remote(&regs.basic, "memory/artifact-copy");
    copy(&src, "v1", &dst, Some("v1"), &CopyOptions::default())
        .await
        .unwrap();
    let copy_time = started.elapsed() - push_time - pull_time;
    assert_eq!(
        oras_artifact::prelude::Resolve::resolve(&dst, &"v1".parse().unwrap())
            .await
            .unwrap(),
        pushed.manifest
    );

    let peak = peak_rss_kib();
    println!(
        "1 GiB artifact: push {push_time:.1?}, pull {pull_time:.1?}, copy between registries {copy_time:.1?}, peak RSS {peak} KiB"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}
