//! Tokens cached per registry and scope set, fetched once however many tasks ask at once.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::SystemTime;

use crate::Token;

/// Where the time comes from, so tests can control expiry.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// What a cached token is for: a registry host and a scope set (its
/// [`joined`](crate::Scopes::joined) form, so the same set always gives the same key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Registry host with port.
    pub host: String,
    /// Sorted, space-joined scopes.
    pub scopes: String,
}

enum Entry {
    Ready(Token),
    Fetching(Arc<Flight>),
}

/// One fetch in progress, which other callers wait on.
#[derive(Default)]
struct Flight {
    state: Mutex<FlightState>,
}

#[derive(Default)]
struct FlightState {
    done: bool,
    wakers: Vec<Waker>,
}

impl Flight {
    fn finish(&self) {
        let wakers = {
            let mut s = lock(&self.state);
            s.done = true;
            std::mem::take(&mut s.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }
}

/// Waits for a flight to end (however it ended).
struct Wait(Arc<Flight>);

impl Future for Wait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = lock(&self.0.state);
        if s.done {
            Poll::Ready(())
        } else {
            if !s.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                s.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data behind, still consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A token cache with single-flight fetching. Cheap to clone (shared state); `Send + Sync`.
///
/// [`get_or_fetch`](Self::get_or_fetch) returns a valid cached token, or runs the caller's
/// fetch. When several callers want the same key at once, one fetches and the others wait
/// for its token. If that fetch fails or is cancelled (its future dropped), a waiter
/// becomes the fetcher with its own fetch, so every caller either gets a token or the error
/// of a fetch it ran itself, and each caller runs its fetch at most once.
#[derive(Clone)]
pub struct TokenCache {
    entries: Arc<Mutex<HashMap<CacheKey, Entry>>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &lock(&self.entries).len())
            .finish_non_exhaustive()
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

/// Removes a flight's placeholder and wakes its waiters, however the fetch ends.
struct FlightGuard<'a> {
    cache: &'a TokenCache,
    key: &'a CacheKey,
    flight: Arc<Flight>,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        {
            let mut map = lock(&self.cache.entries);
            if matches!(map.get(self.key), Some(Entry::Fetching(f)) if Arc::ptr_eq(f, &self.flight))
            {
                map.remove(self.key);
            }
        }
        self.flight.finish();
    }
}

impl TokenCache {
    /// An empty cache reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            entries: Arc::default(),
            clock,
        }
    }

    /// The current time by this cache's clock.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// A cached token for `key` that has not expired.
    pub fn get(&self, key: &CacheKey) -> Option<Token> {
        match lock(&self.entries).get(key) {
            Some(Entry::Ready(t)) if !t.is_expired(self.clock.now()) => Some(t.clone()),
            _ => None,
        }
    }

    /// Stores a token.
    pub fn insert(&self, key: CacheKey, token: Token) {
        lock(&self.entries).insert(key, Entry::Ready(token));
    }

    /// Forgets the token for `key` if it is still `value` (a token the registry refused);
    /// a newer token fetched meanwhile is kept.
    pub fn invalidate(&self, key: &CacheKey, value: &str) {
        let mut map = lock(&self.entries);
        if matches!(map.get(key), Some(Entry::Ready(t)) if t.value().expose() == value) {
            map.remove(key);
        }
    }

    /// A valid cached token, or the result of `fetch` (cached when it succeeds), fetching
    /// once for all concurrent callers of the same key.
    pub async fn get_or_fetch<F, Fut, E>(&self, key: &CacheKey, fetch: F) -> Result<Token, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, E>>,
    {
        let mut fetch = Some(fetch);
        loop {
            let flight = {
                let mut map = lock(&self.entries);
                match map.get(key) {
                    Some(Entry::Ready(t)) if !t.is_expired(self.clock.now()) => {
                        return Ok(t.clone());
                    }
                    Some(Entry::Fetching(f)) => Err(f.clone()),
                    _ => {
                        let f = Arc::new(Flight::default());
                        map.insert(key.clone(), Entry::Fetching(f.clone()));
                        Ok(f)
                    }
                }
            };
            match flight {
                Err(other) => Wait(other).await,
                Ok(mine) => {
                    let guard = FlightGuard {
                        cache: self,
                        key,
                        flight: mine,
                    };
                    let f = fetch
                        .take()
                        .expect("a caller leads at most one fetch: it returns right after");
                    let result = f().await;
                    if let Ok(token) = &result {
                        lock(&self.entries).insert(key.clone(), Entry::Ready(token.clone()));
                    }
                    drop(guard);
                    return result;
                }
            }
        }
    }
}
