//! Running several futures at once without a task spawner (targets are borrowed, so the
//! work cannot be `'static`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls all futures until every one is done; their outputs in order. Each poll polls the
/// futures not yet done; any of them can wake the caller.
pub(crate) async fn join_all<'a, T>(
    futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>,
) -> Vec<T> {
    struct JoinAll<'a, T> {
        futures: Vec<Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>>,
        out: Vec<Option<Box<T>>>,
    }
    impl<T> Future for JoinAll<'_, T> {
        type Output = Vec<T>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
            let this = unpinned(self);
            let mut pending = false;
            for (slot, out) in this.futures.iter_mut().zip(this.out.iter_mut()) {
                if let Some(f) = slot {
                    match f.as_mut().poll(cx) {
                        Poll::Ready(v) => {
                            *out = Some(Box::new(v));
                            *slot = None;
                        }
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(
                    this.out
                        .iter_mut()
                        .map(|o| *o.take().expect("every future finished"))
                        .collect(),
                )
            }
        }
    }
    /// `JoinAll` holds only boxes, so it is `Unpin` whatever `T` is.
    fn unpinned<'p, 'a, T>(p: Pin<&'p mut JoinAll<'a, T>>) -> &'p mut JoinAll<'a, T> {
        Pin::into_inner(p)
    }
    let n = futures.len();
    JoinAll {
        futures: futures.into_iter().map(Some).collect(),
        out: (0..n).map(|_| None).collect(),
    }
    .await
}
