//! Running blocking work (reading files, running credential helpers) on a thread of its
//! own, as a future any runtime can await.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The result of work running on its own thread.
pub(crate) struct Blocking<T>(Arc<Mutex<Slot<T>>>);

/// Runs `f` on a new thread; the future resolves to its result. Runs `f` right here when
/// no thread can be started.
pub(crate) fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Blocking<T> {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    let shared = slot.clone();
    let work = Arc::new(Mutex::new(Some(f)));
    let on_thread = work.clone();
    let spawned = std::thread::Builder::new()
        .name("oras-auth-blocking".into())
        .spawn(move || {
            let f = on_thread
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(f) = f {
                let v = f();
                let mut s = shared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                s.value = Some(v);
                if let Some(w) = s.waker.take() {
                    w.wake();
                }
            }
        });
    if spawned.is_err() {
        let f = work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(f) = f {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .value = Some(f());
        }
    }
    Blocking(slot)
}

impl<T> Future for Blocking<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
