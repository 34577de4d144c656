//! The floors a transfer is measured against: SHA-256 of the data, raw GETs and raw
//! POST+PUTs through this project's transport (no hashing, no files), and writing the
//! bytes to a file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use oras_artifact::distribution::{Body, ByteStream, HyperTransport, Transport};
use oras_artifact::oci::{Algorithm, Digest, Digester};

use crate::{Error, PULL_CONCURRENCY, PUSH_CONCURRENCY};

/// SHA-256 of every file, one thread, fastest backend: seconds.
pub(crate) fn hash_floor(files: &[PathBuf]) -> Result<(f64, Vec<(Digest, u64)>), Error> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut d = Digester::new(Algorithm::Sha256);
        let mut file = std::fs::File::open(f)?;
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n]);
            size += n as u64;
        }
        out.push((d.finish(), size));
    }
    Ok((start.elapsed().as_secs_f64(), out))
}

/// Runs jobs `limit` at a time.
async fn bounded<F, Fut>(count: usize, limit: usize, job: F) -> Result<(), Error>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut handles = Vec::new();
    for i in 0..count {
        let permit = sem.clone().acquire_owned().await?;
        let fut = job(i);
        handles.push(tokio::spawn(async move {
            let r = fut.await;
            drop(permit);
            r
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

/// Raw GET of every blob, no hashing, at the pull concurrency: seconds.
pub(crate) async fn get_floor(
    base: &str,
    repo: &str,
    blobs: &[(Digest, u64)],
) -> Result<f64, Error> {
    let t = Arc::new(HyperTransport::new()?);
    let start = Instant::now();
    let urls: Vec<String> = blobs
        .iter()
        .map(|(d, _)| format!("{base}/v2/{repo}/blobs/{d}"))
        .collect();
    bounded(urls.len(), PULL_CONCURRENCY, |i| {
        let (t, url) = (t.clone(), urls[i].clone());
        async move {
            let resp = t.send(http::Request::get(url).body(Body::empty())?).await?;
            let mut body = resp.into_body();
            while let Some(c) = body.chunk().await {
                c?;
            }
            Ok(())
        }
    })
    .await?;
    Ok(start.elapsed().as_secs_f64())
}

struct FileStream(std::fs::File, Vec<u8>);

impl futures_core::Stream for FileStream {
    type Item = Result<Bytes, oras_artifact::distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        std::task::Poll::Ready(match this.0.read(&mut this.1) {
            Ok(0) => None,
            Ok(n) => Some(Ok(Bytes::copy_from_slice(&this.1[..n]))),
            Err(e) => Some(Err(Box::new(e))),
        })
    }
}

/// Raw POST+PUT of every blob with its digest known, at the push concurrency: seconds.
pub(crate) async fn put_floor(
    base: &str,
    repo: &str,
    files: &[PathBuf],
    blobs: &[(Digest, u64)],
    authorization: Option<http::HeaderValue>,
) -> Result<f64, Error> {
    let t = Arc::new(HyperTransport::new()?);
    let start = Instant::now();
    let jobs: Vec<(PathBuf, Digest, u64)> = files
        .iter()
        .zip(blobs)
        .map(|(f, (d, s))| (f.clone(), d.clone(), *s))
        .collect();
    let (base, repo) = (base.to_owned(), repo.to_owned());
    bounded(jobs.len(), PUSH_CONCURRENCY, |i| {
        let (t, (file, digest, size), base, repo, auth) = (
            t.clone(),
            jobs[i].clone(),
            base.clone(),
            repo.clone(),
            authorization.clone(),
        );
        async move {
            let with_auth = |mut r: http::Request<Body>| {
                if let Some(a) = &auth {
                    r.headers_mut()
                        .insert(http::header::AUTHORIZATION, a.clone());
                }
                r
            };
            let post = t
                .send(with_auth(
                    http::Request::post(format!("{base}/v2/{repo}/blobs/uploads/"))
                        .header("content-length", "0")
                        .body(Body::empty())?,
                ))
                .await?;
            let loc = post
                .headers()
                .get("location")
                .ok_or("no Location")?
                .to_str()?
                .to_owned();
            let loc = if loc.starts_with('/') {
                format!("{base}{loc}")
            } else {
                loc
            };
            let sep = if loc.contains('?') { '&' } else { '?' };
            let stream: ByteStream =
                Box::pin(FileStream(std::fs::File::open(&file)?, vec![0; 1 << 20]));
            let put = http::Request::put(format!("{loc}{sep}digest={digest}"))
                .header("content-length", size)
                .header("content-type", "application/octet-stream")
                .body(Body::from_stream(stream, Some(size)))?;
            let resp = t.send(with_auth(put)).await?;
            if resp.status() != 201 {
                return Err(format!("PUT answered {}", resp.status()).into());
            }
            Ok(())
        }
    })
    .await?;
    Ok(start.elapsed().as_secs_f64())
}

/// Writing the data to new files from memory, 1 MiB at a time, as a pull's writer does
/// (page cache, no sync): seconds. The files are removed afterwards.
pub(crate) fn write_floor(files: &[PathBuf], dir: &Path) -> Result<f64, Error> {
    std::fs::create_dir_all(dir)?;
    let chunk = vec![0x5au8; 1 << 20];
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    for (i, size) in sizes.iter().enumerate() {
        let mut f = std::fs::File::create(dir.join(format!("w{i:03}")))?;
        let mut left = *size as usize;
        while left > 0 {
            let n = left.min(chunk.len());
            f.write_all(&chunk[..n])?;
            left -= n;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    std::fs::remove_dir_all(dir)?;
    Ok(secs)
}
