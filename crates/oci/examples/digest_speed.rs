//! Prints the SHA-256 throughput of each hash backend compiled in, in MB/s.
//!
//! ```text
//! cargo run --release -p oras-oci --features aws-lc-rs --example digest_speed [MiB]
//! ```
#![expect(clippy::print_stdout, reason = "an example that reports figures")]

use std::time::Instant;

use oras_oci::{Algorithm, Backend, Digester};

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(512);
    // Not all zeros, so nothing can shortcut; the same data for every backend.
    let chunk: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut digests = Vec::new();
    for &backend in Backend::available() {
        for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
            let mut d = Digester::with_backend(algorithm, backend).expect("listed as available");
            let start = Instant::now();
            for _ in 0..mib {
                d.update(&chunk);
            }
            let digest = d.finish();
            let secs = start.elapsed().as_secs_f64();
            let mb_s = (mib * 1024 * 1024) as f64 / 1e6 / secs;
            println!(
                "{:<8} {:<6} {:>8.1} MB/s  ({mib} MiB in {secs:.2} s)",
                format!("{backend:?}"),
                algorithm.name(),
                mb_s
            );
            digests.push((algorithm, digest));
        }
    }
    for (alg, d) in &digests {
        assert!(
            digests
                .iter()
                .filter(|(a, _)| a == alg)
                .all(|(_, other)| other == d),
            "backends disagree on {alg}"
        );
    }
}
