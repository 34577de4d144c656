//! Content digests (`algorithm:encoded`) and streaming hashing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A hash algorithm this crate can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-256, the algorithm registries use by default.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in digests (`sha256`, `sha512`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// The length of the hex-encoded hash.
    pub fn encoded_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated content digest such as `sha256:2c26b4…`.
///
/// The grammar is the image spec's: `algorithm ":" encoded`, where `algorithm` is lowercase
/// components joined by `+._-` and `encoded` is `[a-zA-Z0-9=_-]+`. The registered
/// algorithms `sha256` and `sha512` must have exactly 64 or 128 lowercase hex characters.
/// Other algorithms are kept as written: such a digest can be stored and compared, but not
/// computed or verified here ([`Digest::algorithm`] returns `None`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    text: String,
    colon: usize,
}

impl Digest {
    /// Parses and validates a digest.
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        let err = |reason| Err(DigestError::new(s, reason));
        let Some(colon) = s.find(':') else {
            return err("expected ALGORITHM:ENCODED");
        };
        let (alg, encoded) = (&s[..colon], &s[colon + 1..]);
        let alg_ok = alg.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !alg_ok {
            return err("invalid algorithm");
        }
        if encoded.is_empty()
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
        {
            return err("invalid encoded part");
        }
        if let Some(known) = Algorithm::from_name(alg)
            && (encoded.len() != known.encoded_len()
                || !encoded
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            return err(match known {
                Algorithm::Sha256 => "sha256 digests are 64 lowercase hex characters",
                Algorithm::Sha512 => "sha512 digests are 128 lowercase hex characters",
            });
        }
        Ok(Self {
            text: s.to_owned(),
            colon,
        })
    }

    /// The digest of `data` with `algorithm`.
    ///
    /// ```
    /// use oras_oci::{Algorithm, Digest};
    /// let d = Digest::compute(Algorithm::Sha256, b"{}");
    /// assert_eq!(d.as_str(), "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    /// ```
    pub fn compute(algorithm: Algorithm, data: &[u8]) -> Self {
        let mut d = Digester::new(algorithm);
        d.update(data);
        d.finish()
    }

    /// The SHA-256 digest of `data`.
    pub fn sha256(data: &[u8]) -> Self {
        Self::compute(Algorithm::Sha256, data)
    }

    fn from_hash(algorithm: Algorithm, hash: &[u8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(algorithm.name().len() + 1 + hash.len() * 2);
        text.push_str(algorithm.name());
        text.push(':');
        for b in hash {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        Self {
            colon: algorithm.name().len(),
            text,
        }
    }

    /// The algorithm, when it is one this crate computes.
    pub fn algorithm(&self) -> Option<Algorithm> {
        Algorithm::from_name(self.algorithm_name())
    }

    /// The algorithm as written, such as `sha256`.
    pub fn algorithm_name(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The encoded hash after the `:`.
    pub fn encoded(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    /// The whole digest, `algorithm:encoded`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.text)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Digest {
    type Error = DigestError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for Digest {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Digest {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A digest that does not fit the grammar.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid digest {input:?}: {reason}")]
pub struct DigestError {
    input: String,
    reason: &'static str,
}

impl DigestError {
    fn new(input: &str, reason: &'static str) -> Self {
        Self {
            input: crate::truncated(input),
            reason,
        }
    }

    /// The text that was parsed (cut to a readable length when it was very long).
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// Which implementation of the hash functions a [`Digester`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The pure-Rust `sha2` crate. Always available.
    Sha2,
    /// aws-lc-rs (assembly). Available with the `aws-lc-rs` feature.
    AwsLc,
}

impl Backend {
    /// The fastest backend compiled in: aws-lc-rs with the `aws-lc-rs` feature, else `sha2`.
    pub fn fastest() -> Self {
        if cfg!(feature = "aws-lc-rs") {
            Self::AwsLc
        } else {
            Self::Sha2
        }
    }

    /// Every backend compiled in.
    pub fn available() -> &'static [Self] {
        if cfg!(feature = "aws-lc-rs") {
            &[Self::Sha2, Self::AwsLc]
        } else {
            &[Self::Sha2]
        }
    }
}

#[derive(Clone)]
enum State {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(aws_lc_rs::digest::Context),
}

/// Streaming hashing that ends in a [`Digest`].
///
/// ```
/// use oras_oci::{Algorithm, Digest, Digester};
/// let mut d = Digester::new(Algorithm::Sha256);
/// d.update(b"hello ");
/// d.update(b"world");
/// assert_eq!(d.finish(), Digest::sha256(b"hello world"));
/// ```
///
/// It also implements [`std::io::Write`], so `std::io::copy(&mut file, &mut digester)` hashes
/// a file. A clone continues from the same point (a resumed download's prefix, hashed
/// once, can seed two verifiers).
#[derive(Clone)]
pub struct Digester {
    algorithm: Algorithm,
    state: State,
}

impl Digester {
    /// A digester using the fastest backend compiled in.
    pub fn new(algorithm: Algorithm) -> Self {
        Self::with_backend(algorithm, Backend::fastest())
            .expect("the fastest backend is compiled in by definition")
    }

    /// A digester using a given backend, or an error naming the feature that provides it.
    pub fn with_backend(
        algorithm: Algorithm,
        backend: Backend,
    ) -> Result<Self, BackendUnavailable> {
        use sha2::Digest as _;
        let state = match (backend, algorithm) {
            (Backend::Sha2, Algorithm::Sha256) => State::Sha256(sha2::Sha256::new()),
            (Backend::Sha2, Algorithm::Sha512) => State::Sha512(sha2::Sha512::new()),
            #[cfg(feature = "aws-lc-rs")]
            (Backend::AwsLc, alg) => State::AwsLc(aws_lc_rs::digest::Context::new(match alg {
                Algorithm::Sha256 => &aws_lc_rs::digest::SHA256,
                Algorithm::Sha512 => &aws_lc_rs::digest::SHA512,
            })),
            #[cfg(not(feature = "aws-lc-rs"))]
            (Backend::AwsLc, _) => return Err(BackendUnavailable { backend }),
        };
        Ok(Self { algorithm, state })
    }

    /// The algorithm being computed.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        use sha2::Digest as _;
        match &mut self.state {
            State::Sha256(h) => h.update(data),
            State::Sha512(h) => h.update(data),
            #[cfg(feature = "aws-lc-rs")]
            State::AwsLc(c) => c.update(data),
        }
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        use sha2::Digest as _;
        match self.state {
            State::Sha256(h) => Digest::from_hash(self.algorithm, &h.finalize()),
            State::Sha512(h) => Digest::from_hash(self.algorithm, &h.finalize()),
            #[cfg(feature = "aws-lc-rs")]
            State::AwsLc(c) => Digest::from_hash(self.algorithm, c.finish().as_ref()),
        }
    }
}

impl fmt::Debug for Digester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digester")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl std::io::Write for Digester {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A hash backend that is not compiled in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {backend:?} hash backend is not compiled in; enable the `aws-lc-rs` feature of oras-oci"
)]
pub struct BackendUnavailable {
    backend: Backend,
}
