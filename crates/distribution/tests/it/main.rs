//! oras-distribution's integration tests: one binary.
//!
//! `memory` drives the client through a custom in-memory transport (it runs with
//! `--no-default-features`: no hyper, no tokio in the library); `real` uses the hyper
//! transport against real registries on loopback.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

mod memory;
#[cfg(feature = "hyper")]
mod proxy;
#[cfg(feature = "hyper")]
mod real;
#[cfg(feature = "hyper")]
mod server;

/// A `tracing` writer into a shared buffer.
pub struct Captured(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future on this thread without a runtime; fails after a minute without progress.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "the future was not woken within a minute"
        );
        std::thread::park_timeout(Duration::from_secs(1));
    }
}
