//! The faults every test can inject, one type for both ways the fake registry is reached:
//! in memory through [`MemoryTransport`](crate::memory::MemoryTransport) and over
//! loopback HTTP through [`FakeServer`](crate::server::FakeServer).

use std::collections::VecDeque;

/// What to do to the next request that matches.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status, headers and body instead of the registry's answer.
    Status(u16, Vec<(String, String)>, Vec<u8>),
    /// Send the headers (with the full `Content-Length`) and the first n body bytes, then
    /// break the connection.
    CutAfter(usize),
    /// Flip one bit of the body.
    Corrupt,
    /// Redirect (307) to the same path on another origin, with `query` added: a storage
    /// origin that answers from the registry's content and records the `Authorization` it
    /// was sent, as blob storage behind a pre-signed URL does.
    RedirectTo {
        /// `http://host[:port]`.
        origin: String,
        /// A query for the redirect (a pre-signed URL's signature), if any.
        query: Option<String>,
    },
    /// Never answer.
    Stall,
    /// Send the headers and the first n body bytes, then nothing more, ever (a process
    /// waiting on it can only be killed).
    StallAfter(usize),
    /// Drop the connection without answering (the registry never sees the request).
    Reset,
    /// Answer with this status and a body that never ends.
    Endless(u16),
    /// Send the real answer in pieces of this many bytes, pausing this many milliseconds
    /// between them (in memory: the pieces, without the pauses).
    Trickle(usize, u64),
}

impl Fault {
    /// [`Fault::Status`] from borrowed parts.
    pub fn status(code: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        Self::Status(
            code,
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body.into(),
        )
    }

    /// A redirect to `origin`.
    pub fn redirect(origin: &str) -> Self {
        Self::RedirectTo {
            origin: origin.to_owned(),
            query: None,
        }
    }

    /// A redirect to `origin` carrying a signature in its query, as a pre-signed storage
    /// URL does (`X-Amz-Signature=presigned-secret`): what a log must never show.
    pub fn presigned(origin: &str) -> Self {
        Self::RedirectTo {
            origin: origin.to_owned(),
            query: Some("X-Amz-Signature=presigned-secret".to_owned()),
        }
    }

    /// Where a redirect for `path` points.
    pub fn location(origin: &str, query: Option<&str>, path: &str) -> String {
        match query {
            Some(q) => format!("{origin}{path}?{q}"),
            None => format!("{origin}{path}"),
        }
    }
}

/// The faults waiting for requests, and a rotating fault for every n-th request.
#[derive(Debug, Default)]
pub struct Faults {
    queue: VecDeque<(String, Fault)>,
    every: Option<usize>,
    requests: usize,
    injected: usize,
}

impl Faults {
    /// Queues `fault` for the next request whose `METHOD path?query` starts with
    /// `matching`.
    pub fn push(&mut self, matching: &str, fault: Fault) {
        self.queue.push_back((matching.to_owned(), fault));
    }

    /// From now on, every `n`-th request meets a fault, in turn: 503, 429 with
    /// `Retry-After: 0`, a connection cut mid-body (GETs), a reset connection.
    pub fn every(&mut self, n: Option<usize>) {
        self.every = n.map(|n| n.max(1));
    }

    /// The fault for a request (`key` is `METHOD path?query`), counting it.
    pub fn take(&mut self, key: &str) -> Option<Fault> {
        self.requests += 1;
        let queued = self
            .queue
            .iter()
            .position(|(m, _)| key.starts_with(m.as_str()))
            .and_then(|i| self.queue.remove(i))
            .map(|(_, f)| f);
        let fault = queued.or_else(|| {
            let n = self.every?;
            if !self.requests.is_multiple_of(n) {
                return None;
            }
            Some(match self.requests / n % 4 {
                0 => Fault::status(503, &[], Vec::new()),
                1 => Fault::status(429, &[("retry-after", "0")], Vec::new()),
                2 if key.starts_with("GET ") => Fault::CutAfter(64 * 1024),
                _ => Fault::Reset,
            })
        });
        if fault.is_some() {
            self.injected += 1;
        }
        fault
    }

    /// Requests seen so far.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// Faults queued and not yet met.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Faults injected so far.
    pub fn injected(&self) -> usize {
        self.injected
    }
}
