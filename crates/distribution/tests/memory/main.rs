//! Pushing and pulling a 1 GiB blob through a real registry keeps the process's peak RSS
//! under 64 MiB: blobs stream, nothing is staged whole.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use oras_auth::{Authenticator, StaticCredentials};
use oras_distribution::{Body, ByteStream, Client, ClientConfig, HyperTransport};
use oras_oci::{Algorithm, Descriptor, Digester};

const SIZE: u64 = 1 << 30;
const PIECE: usize = 256 * 1024;

/// Deterministic pseudo-random bytes, generated piece by piece (never held whole).
struct Generated {
    left: u64,
    state: u64,
}

impl Generated {
    fn new() -> Self {
        Self {
            left: SIZE,
            state: 0x2545_f491_4f6c_dd1d,
        }
    }
}

impl futures_core::Stream for Generated {
    type Item = Result<Bytes, oras_distribution::BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = PIECE.min(usize::try_from(self.left).unwrap());
        let mut piece = Vec::with_capacity(n);
        let mut x = self.state;
        while piece.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            piece.extend_from_slice(&x.to_le_bytes()[..(n - piece.len()).min(8)]);
        }
        self.state = x;
        self.left -= n as u64;
        Poll::Ready(Some(Ok(Bytes::from(piece))))
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_blob_round_trip_keeps_peak_rss_under_64_mib() {
    let registry = &oras_tests::registries().anonymous;
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut g = Box::pin(Generated::new());
    while let Some(piece) = std::future::poll_fn(|cx| g.as_mut().poll_next(cx)).await {
        digester.update(&piece.unwrap());
    }
    let desc = Descriptor::new("application/octet-stream", digester.finish(), SIZE);

    let client = Client::new(
        HyperTransport::new().unwrap(),
        Authenticator::new(StaticCredentials::new()),
        ClientConfig::default(),
    );
    let repo = client.repository(&format!("{}/memory/big", registry.host()).parse().unwrap());
    let started = std::time::Instant::now();
    let body =
        Body::reopenable(Some(SIZE), || Ok(Box::pin(Generated::new()) as ByteStream)).unwrap();
    repo.push_blob(&desc, body).await.unwrap();
    let pushed = started.elapsed();

    let mut reader = repo.fetch_blob(&desc).await.unwrap();
    let mut received = 0u64;
    while let Some(chunk) = reader.chunk().await {
        received += chunk.unwrap().len() as u64;
    }
    assert_eq!(received, SIZE, "verified against the digest as it arrived");
    let peak = peak_rss_kib();
    println!(
        "1 GiB push {pushed:.1?}, pull {:.1?}, peak RSS {} KiB",
        started.elapsed() - pushed,
        peak
    );
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
    repo.delete_blob(&desc.digest).await.unwrap();
}
